/**
 * The benchmark dataset: deterministic (same seed for every server), generated
 * as RESP text on the fly and written in ~64 KB chunks with at most 4 MB in
 * flight. Same mix as bench/persistence.ts (see its header).
 */
import Denque from 'denque';
import { Conn, encode, type Waiter } from './resp.js';

const TEN_YEARS_S = 315_360_000;

/** mulberry32: a small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const POOL = (() => {
  const rnd = prng(7);
  let s = '';
  for (let i = 0; i < 65536; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
  return s;
})();

export function randomText(rnd: () => number, min: number, max: number): string {
  const len = min + Math.floor(rnd() * (max - min + 1));
  const start = Math.floor(rnd() * (POOL.length - len));
  return POOL.slice(start, start + len);
}

function smallCount(rnd: () => number): number {
  return 2 + Math.floor(rnd() * 9); // 2..10
}

/** The dataset's key count: BENCH_KEYS small keys, four of them replaced by big ones. */
export function datasetKeys(keys: number): number {
  return Math.max(0, keys - 4) + 4;
}

/** Yields each command of the dataset. */
export function* dataset(keys: number): Generator<string[]> {
  const rnd = prng(12345);
  const bigSize = Math.max(1000, Math.min(100_000, Math.floor(keys / 10)));
  const small = Math.max(0, keys - 4);
  for (let i = 0; i < small; i++) {
    const r = rnd();
    const ttl = rnd() < 0.1;
    let key: string;
    if (r < 0.7) {
      key = `s:${i}`;
      const value = r < 0.6 ? randomText(rnd, 10, 100) : String(Math.floor(rnd() * 1e9));
      yield ttl ? ['SET', key, value, 'EX', String(TEN_YEARS_S)] : ['SET', key, value];
      continue;
    }
    const n = smallCount(rnd);
    const cmd: string[] = [];
    if (r < 0.8) {
      key = `h:${i}`;
      cmd.push('HSET', key);
      for (let j = 0; j < n; j++) cmd.push(`f${j}`, randomText(rnd, 5, 20));
    } else if (r < 0.9) {
      key = `l:${i}`;
      cmd.push('RPUSH', key);
      for (let j = 0; j < n; j++) cmd.push(randomText(rnd, 5, 20));
    } else if (r < 0.95) {
      key = `t:${i}`;
      cmd.push('SADD', key);
      const ints = rnd() < 0.5; // half of them intsets
      for (let j = 0; j < n; j++)
        cmd.push(ints ? String(Math.floor(rnd() * 1e6)) : randomText(rnd, 5, 20));
    } else {
      key = `z:${i}`;
      cmd.push('ZADD', key);
      for (let j = 0; j < n; j++) cmd.push((rnd() * 1000).toFixed(3), randomText(rnd, 5, 20));
    }
    yield cmd;
    if (ttl) yield ['EXPIRE', key, String(TEN_YEARS_S)];
  }
  // A few big collections, filled 1,000 elements per command.
  const PER = 1000;
  for (let base = 0; base < bigSize; base += PER) {
    const end = Math.min(bigSize, base + PER);
    const h = ['HSET', 'big:hash'];
    const l = ['RPUSH', 'big:list'];
    const s = ['SADD', 'big:set'];
    const z = ['ZADD', 'big:zset'];
    for (let j = base; j < end; j++) {
      const v = randomText(rnd, 10, 30);
      h.push(`field:${j}`, v);
      l.push(v);
      s.push(`member:${j}`);
      z.push(String(j * 0.5), `member:${j}`);
    }
    yield h;
    yield l;
    yield s;
    yield z;
  }
}

const CHUNK_BYTES = 64 * 1024;
const MAX_IN_FLIGHT_BYTES = 4 * 1024 * 1024;

/** Loads the dataset through one pipelined socket; returns the key count. */
export async function populate(port: number, keys: number): Promise<number> {
  const conn = await Conn.connect(port);
  const inFlight = new Denque<{ bytes: number; done: Promise<Waiter> }>();
  let inFlightBytes = 0;
  let errors = 0;
  let firstError: string | null = null;
  const flush = async (payload: string, count: number): Promise<void> => {
    while (inFlightBytes + payload.length > MAX_IN_FLIGHT_BYTES && inFlight.length > 0) {
      const oldest = inFlight.shift()!;
      const w = await oldest.done;
      errors += w.errors;
      if (firstError === null) firstError = w.firstError;
      inFlightBytes -= oldest.bytes;
    }
    inFlight.push({ bytes: payload.length, done: conn.send(payload, count) });
    inFlightBytes += payload.length;
  };
  let chunk = '';
  let count = 0;
  for (const args of dataset(keys)) {
    chunk += encode(args);
    count++;
    if (chunk.length >= CHUNK_BYTES) {
      await flush(chunk, count);
      chunk = '';
      count = 0;
    }
  }
  if (count > 0) await flush(chunk, count);
  for (let e = inFlight.shift(); e !== undefined; e = inFlight.shift()) {
    const w = await e.done;
    errors += w.errors;
    if (firstError === null) firstError = w.firstError;
  }
  conn.close();
  if (errors > 0) throw new Error(`${errors} errors while loading, first: ${firstError}`);
  return datasetKeys(keys);
}
