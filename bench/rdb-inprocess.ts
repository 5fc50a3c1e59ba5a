/**
 * The RDB reader and writer on their own, in this process: no server, no
 * sockets, so a change to the codecs or the store can be measured in seconds
 * instead of the minutes `npm run bench:persistence` takes. Give it a dump
 * (a redis-server SAVE of the bench dataset is the usual one):
 *
 *   npm run build && node dist/bench/rdb-inprocess.js dump.rdb [rounds]
 *
 * Each round loads the file as Persistence.load does (RdbReader in 10 ms
 * slices, Database.insertLoaded, expired keys dropped), then saves the
 * result twice into a temporary directory: as SAVE does today
 * (encodeKeyspaceSync, then writeRdbFileSync) and streamed (writeKeyspaceSync
 * writing each chunk as it is encoded, one reused buffer). Wall and CPU
 * times (CPU includes V8's GC threads) in ms; on a shared box compare CPU,
 * and interleave runs of the two versions being compared.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeRdbFileSync } from '../src/persistence/file-sink.js';
import { RdbReader, type RdbRecordHandler } from '../src/persistence/rdb-reader.js';
import { encodeKeyspaceSync, writeKeyspaceSync } from '../src/persistence/rdb-writer.js';
import { Keyspace } from '../src/store/keyspace.js';
import type { StoredValue } from '../src/store/values.js';

const file = process.argv[2];
const rounds = Number(process.argv[3] ?? 1);
if (file === undefined) {
  console.error('usage: node dist/bench/rdb-inprocess.js <dump.rdb> [rounds]');
  process.exit(2);
}

const LOAD_SLICE_MS = 10;
const options = { compression: true, checksum: true };
const noEvents = { keyWillChange(): void {}, keyChanged(): void {}, keyExpired(): void {} };

/** Wall and CPU ms of `run`. */
async function timed(run: () => unknown): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const cpu = process.cpuUsage(cpu0);
  return { wall: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 };
}

function load(data: Buffer, keyspace: Keyspace): Promise<number> {
  const now = Date.now();
  let loaded = 0;
  const handler: RdbRecordHandler = {
    aux(): void {},
    key(db: number, key: Buffer, value: StoredValue, expireAt: number): void {
      if (expireAt !== 0 && expireAt < now) return;
      if (!keyspace.databases[db]!.insertLoaded(key.latin1Slice(0, key.length), value, expireAt))
        throw new Error('duplicate key');
      loaded++;
    },
  };
  const reader = new RdbReader(data);
  return new Promise((resolve) => {
    const step = (): void => {
      if (reader.run(handler, performance.now() + LOAD_SLICE_MS)) resolve(loaded);
      else setImmediate(step);
    };
    step();
  });
}

function streamedSave(keyspace: Keyspace, dir: string): void {
  const temp = path.join(dir, 'temp-streamed.rdb');
  const fd = fs.openSync(temp, 'w');
  try {
    writeKeyspaceSync(
      keyspace,
      options,
      { usedMemory: 0 },
      (chunk) => {
        for (let at = 0; at < chunk.length;) at += fs.writeSync(fd, chunk, at);
      },
      true,
    );
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, path.join(dir, 'streamed.rdb'));
}

const data = fs.readFileSync(file);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdb-inprocess-'));
try {
  for (let round = 1; round <= rounds; round++) {
    const keyspace = new Keyspace(16, noEvents);
    let keys = 0;
    const loadTime = await timed(async () => {
      keys = await load(data, keyspace);
    });
    const memory = process.memoryUsage();
    const saveTime = await timed(() =>
      writeRdbFileSync(dir, 'dump.rdb', encodeKeyspaceSync(keyspace, options, { usedMemory: 0 })),
    );
    const streamTime = await timed(() => streamedSave(keyspace, dir));
    const ms = (t: { wall: number; cpu: number }): string =>
      `${t.wall.toFixed(0)} (cpu ${t.cpu.toFixed(0)})`;
    console.log(
      `round ${round}: ${keys} keys | load ${ms(loadTime)} | SAVE ${ms(saveTime)} | ` +
        `streamed SAVE ${ms(streamTime)} | heap ${(memory.heapUsed / 1e6).toFixed(0)} MB, ` +
        `buffers ${(memory.arrayBuffers / 1e6).toFixed(0)} MB`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
