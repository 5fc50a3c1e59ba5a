/**
 * Load generators used while measuring latency: a PING prober in a worker
 * thread (so that the benchmark's own event loop cannot inflate the round
 * trips) and a steady pipelined writer. This module is also the prober
 * worker's entry point (see the bottom).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { prng, randomText } from './dataset.js';
import { Conn, encode, sleep } from './resp.js';

/** The PING prober runs in a worker thread: see runProber at the bottom. */
export interface Prober {
  stop(): Promise<number[]>;
}

export async function startProber(port: number): Promise<Prober> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'prober', port } });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('message', (rtts: number[]) => {
          void worker.terminate();
          resolve(rtts);
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

export interface Writer {
  stop(): Promise<number>;
}

/** SETs of existing and new keys, 16 per pipelined batch, at most one batch per ms. */
export async function startWriter(port: number, existing: number): Promise<Writer> {
  const conn = await Conn.connect(port);
  const rnd = prng(99);
  let running = true;
  let written = 0;
  let fresh = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      let payload = '';
      for (let i = 0; i < 16; i++) {
        const key = rnd() < 0.5 ? `s:${Math.floor(rnd() * existing)}` : `new:${port}:${fresh++}`;
        payload += encode(['SET', key, randomText(rnd, 10, 100)]);
      }
      await conn.send(payload, 16, 60_000);
      written += 16;
      const spare = 1 - (performance.now() - started);
      if (spare > 0) await sleep(spare);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      conn.close();
      return written;
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------------------
// The prober thread: PING, wait for PONG, record the round trip, wait until
// 1 ms after the previous send, repeat; on 'stop', post the round trips (a PING
// still in flight counts with its age so far, a lower bound) and exit.
// ---------------------------------------------------------------------------

async function runProber(port: number): Promise<void> {
  const conn = await Conn.connect(port);
  const rtts: number[] = [];
  let stopping = false;
  let inFlightSince = NaN;
  parentPort!.once('message', () => {
    stopping = true;
    if (!Number.isNaN(inFlightSince)) rtts.push(performance.now() - inFlightSince);
    parentPort!.postMessage(rtts);
    conn.close();
  });
  parentPort!.postMessage('ready');
  for (let i = 0; i < 100_000_000 && !stopping; i++) {
    const sent = performance.now();
    inFlightSince = sent;
    const reply = await conn.call(['PING'], 600_000).catch(() => null);
    if (stopping || reply === null) break;
    inFlightSince = NaN;
    rtts.push(performance.now() - sent);
    const spare = 1 - (performance.now() - sent);
    if (spare > 0) await sleep(spare);
    else await new Promise((r) => setImmediate(r)); // let 'stop' in
  }
}

const job = workerData as { role?: string; port?: number } | null;
if (!isMainThread && job?.role === 'prober' && typeof job.port === 'number') {
  runProber(job.port).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
