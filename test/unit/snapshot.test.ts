import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RdbFileSink, writeRdbFileSync } from '../../src/persistence/file-sink.js';
import { RdbReader } from '../../src/persistence/rdb-reader.js';
import { Snapshot, type SnapshotSink } from '../../src/persistence/snapshot.js';
import type { Database, KeyspaceEvents } from '../../src/store/database.js';
import { datasetDigest, mixDigest, mixEntry } from '../../src/store/digest.js';
import { RedisHash } from '../../src/store/hash.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { RedisList } from '../../src/store/list.js';
import { RedisSet } from '../../src/store/set.js';
import { RedisZSet } from '../../src/store/zset.js';
import { exactExpireAt } from '../../src/store/database.js';
import { isString, type StoredValue } from '../../src/store/values.js';
import { mulberry32 } from '../helpers/random.js';

/**
 * The background save is a point-in-time snapshot: whatever happens to the
 * keyspace while it is being written (overwrites, deletes, renames, expiry,
 * FLUSHDB, SWAPDB, new keys), the file holds exactly the dataset as it was
 * when the save started.
 */

const noopEvents: KeyspaceEvents = {
  keyWillChange(_db: Database, _key: string): void {},
  keyChanged(_db: Database, _key: string): void {},
  keyExpired(_db: Database, _key: string): void {},
};

type Rand = () => number;

/** Collects the bytes; randomly claims to be full, draining a moment later. */
class MemorySink implements SnapshotSink {
  chunks: Buffer[] = [];
  fullReports = 0;
  private drain: (() => void) | null = null;
  constructor(private readonly rand: Rand | null) {}

  write(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    if (this.rand !== null && this.rand() < 0.3) {
      this.fullReports++;
      return false;
    }
    return true;
  }
  onDrain(callback: () => void): void {
    this.drain = callback;
    setImmediate(() => {
      const cb = this.drain;
      this.drain = null;
      cb?.();
    });
  }
  end(callback: (err: Error | null) => void): void {
    setImmediate(() => callback(null));
  }
  abort(): void {
    this.chunks = [];
  }
}

function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function randomValue(rand: Rand, n: number): StoredValue {
  const kind = Math.floor(rand() * 9);
  const size = rand() < 0.03 ? 300 + Math.floor(rand() * 1500) : 1 + Math.floor(rand() * 8);
  switch (kind) {
    case 0:
      return Buffer.from(String(Math.floor(rand() * 2e6) - 1e6));
    case 1:
      return Buffer.from('v'.repeat(Math.floor(rand() * 80)) + String(n));
    case 2:
    case 3: {
      const list = new RedisList();
      for (let i = 0; i < size; i++) list.push(Buffer.from(`e${i % 7}-${n}`), 'right');
      return list;
    }
    case 4: {
      const hash = new RedisHash();
      for (let i = 0; i < size; i++)
        hash.set(`f${i}`, Buffer.from(rand() < 0.05 ? 'x'.repeat(100) : String(i * n)));
      return hash;
    }
    case 5: {
      const set = new RedisSet(String(n));
      for (let i = 0; i < size; i++) set.add(String(i * 3 - 10));
      return set;
    }
    case 6: {
      const set = new RedisSet(`m${n}`);
      for (let i = 0; i < size; i++) set.add(`m${i}`);
      return set;
    }
    default: {
      const zset = new RedisZSet();
      for (let i = 0; i < size; i++)
        zset.insert(Buffer.from(`z${i}`), rand() < 0.5 ? i : (rand() - 0.5) * 1e6);
      return zset;
    }
  }
}

const DBS = [0, 1, 2, 5, 9, 15];

function populate(ks: Keyspace, rand: Rand, count: number): void {
  const now = Date.now();
  for (let n = 0; n < count; n++) {
    const db = ks.databases[pick(rand, DBS)]!;
    const entry = db.set(`key:${n}`, randomValue(rand, n));
    const r = rand();
    // Some TTLs far away, some about to pass during the save, one absurd.
    if (r < 0.15) db.setExpire(`key:${n}`, entry, now + 1e9 + Math.floor(rand() * 1e6));
    else if (r < 0.2) db.setExpire(`key:${n}`, entry, now + Math.floor(rand() * 30));
    else if (r < 0.201) db.setExpire(`key:${n}`, entry, 2n ** 60n + 3n);
  }
}

interface KeyRecord {
  digest: string;
  /** As a number: the reader reports expiries as numbers (the writer's exact int64 is tested in rdb-writer.test.ts). */
  expireAt: number;
  encoding: string;
}

function describeKey(key: string, entry: { value: StoredValue; expireAt: number }): string {
  const d = Buffer.alloc(20);
  mixDigest(d, Buffer.from(key, 'latin1'));
  mixEntry(d, entry as Parameters<typeof mixEntry>[1]);
  return d.toString('hex');
}

function record(ks: Keyspace): Map<number, Map<string, KeyRecord>> {
  const out = new Map<number, Map<string, KeyRecord>>();
  for (const db of ks.databases) {
    if (db.size === 0) continue;
    const keys = new Map<string, KeyRecord>();
    for (const [key, entry] of db.dict) {
      keys.set(key, {
        digest: describeKey(key, entry),
        expireAt: Number(exactExpireAt(entry)),
        encoding: isString(entry.value) ? 'string' : entry.value.encoding(),
      });
    }
    out.set(db.id, keys);
  }
  return out;
}

function load(bytes: Buffer): Keyspace {
  const ks = new Keyspace(16, noopEvents);
  const reader = new RdbReader(bytes);
  const done = reader.run(
    {
      aux(): void {},
      key(db: number, key: Buffer, value: StoredValue, expireAt: number): void {
        ks.databases[db]!.add(key.latin1Slice(0, key.length), value, expireAt);
      },
    },
    Infinity,
  );
  expect(done).toBe(true);
  return ks;
}

/** One random change through the Database/value APIs, as commands make them. */
function mutate(ks: Keyspace, rand: Rand, fresh: { n: number }): void {
  const db = ks.databases[pick(rand, DBS)]!;
  const key = `key:${Math.floor(rand() * fresh.n)}`;
  const op = rand();
  if (op < 0.2) {
    db.set(key, randomValue(rand, fresh.n++));
  } else if (op < 0.35) {
    db.delete(key);
  } else if (op < 0.45) {
    const entry = db.find(key);
    if (entry !== undefined) db.setExpire(key, entry, Date.now() + 1e8);
  } else if (op < 0.5) {
    const entry = db.find(key);
    if (entry !== undefined) db.persist(key, entry);
  } else if (op < 0.75) {
    const entry = db.lookupWrite(key);
    if (entry === undefined) return;
    const v = entry.value;
    if (isString(v)) {
      entry.value = Buffer.concat([v, Buffer.from('+')]);
    } else if (v.type === 'list') {
      const list = v as RedisList;
      list.push(Buffer.from('pushed'), 'left');
      if (list.size > 1) list.replace(list.size - 1, Buffer.from('replaced'));
    } else if (v.type === 'hash') {
      (v as RedisHash).set('f0', Buffer.from('changed'));
      (v as RedisHash).set('new', Buffer.from('field'));
    } else if (v.type === 'set') {
      (v as RedisSet).add('12345');
      (v as RedisSet).remove('-10');
    } else {
      const z = v as RedisZSet;
      if (z.has('z0')) z.updateScore('z0', 42.5);
      else z.insert(Buffer.from('z0'), 1);
    }
    db.touched(key);
  } else if (op < 0.88) {
    // RENAME/MOVE: delete then add, possibly into another database.
    const entry = db.find(key);
    if (entry === undefined) return;
    const target = ks.databases[pick(rand, DBS)]!;
    const value = entry.value;
    const expire = exactExpireAt(entry);
    db.delete(key);
    const newKey = `moved:${fresh.n++}`;
    target.add(newKey, value, expire);
  } else if (op < 0.94) {
    ks.activeExpireCycle(1);
  } else if (op < 0.97) {
    ks.swap(pick(rand, DBS), pick(rand, [...DBS, 3, 4]));
  } else if (op < 0.985) {
    db.clear();
  } else {
    ks.flushAll();
    populate(ks, rand, 20);
  }
}

async function runSnapshot(
  ks: Keyspace,
  sink: MemorySink,
  between: (() => void) | null,
  options: { sliceKeys?: number; checksum?: boolean; compression?: boolean } = {},
): Promise<Snapshot> {
  let finished = false;
  let error: Error | null = null;
  const snapshot = new Snapshot(ks, sink, {
    compression: options.compression ?? true,
    checksum: options.checksum ?? true,
    aux: { usedMemory: 0 },
    sliceMs: 0,
    sliceKeys: options.sliceKeys ?? 16,
    onFinished: (err) => {
      finished = true;
      error = err;
    },
  });
  snapshot.start();
  while (!finished) {
    between?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(error).toBeNull();
  expect(snapshot.inProgress).toBe(false);
  expect(ks.activeSnapshot).toBeNull();
  return snapshot;
}

describe('background snapshot', () => {
  it.each([1, 2, 3, 4, 5])(
    'writes the dataset as of its start whatever happens meanwhile (seed %i)',
    async (seed) => {
      const rand = mulberry32(seed);
      const ks = new Keyspace(16, noopEvents);
      populate(ks, rand, 3000);
      const before = record(ks);
      const digest = datasetDigest(ks.databases).toString('hex');
      const keysAtStart = ks.keyCount;
      const fresh = { n: 3000 };
      // Its own generator: drawing from the mutations' one made the
      // backpressure depend on (and correlate with) the mutation sequence.
      const sink = new MemorySink(mulberry32(seed * 7919 + 1));
      const snapshot = await runSnapshot(ks, sink, () => {
        const k = Math.floor(rand() * 12);
        for (let i = 0; i < k; i++) mutate(ks, rand, fresh);
      });
      expect(snapshot.keysTotal).toBe(keysAtStart);
      expect(snapshot.keysProcessed).toBe(keysAtStart);
      expect(sink.fullReports, `chunks ${sink.chunks.length}`).toBeGreaterThan(0);

      const loaded = load(Buffer.concat(sink.chunks));
      expect(datasetDigest(loaded.databases).toString('hex')).toBe(digest);
      const after = record(loaded);
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [id, keys] of before) {
        const got = after.get(id)!;
        expect(got.size).toBe(keys.size);
        for (const [key, rec] of keys) expect(got.get(key), `db ${id} ${key}`).toEqual(rec);
      }
    },
  );

  it('holds no copies when nothing is modified, and only the modified keys otherwise', async () => {
    const rand = mulberry32(99);
    const ks = new Keyspace(16, noopEvents);
    for (let i = 0; i < 2000; i++) ks.databases[i % 2]!.set(`k${i}`, Buffer.alloc(1000, i));
    const quiet = await runSnapshot(ks, new MemorySink(rand), null, { compression: false });
    expect(quiet.cowPeakBytes).toBe(0);

    // Overwrite 10 keys of db 1 (written second) while db 0 is still going.
    let touched = false;
    const busy = await runSnapshot(
      ks,
      new MemorySink(null),
      () => {
        if (touched) return;
        touched = true;
        for (let i = 1; i < 20; i += 2) ks.databases[1]!.set(`k${i}`, Buffer.from('new'));
      },
      { compression: false },
    );
    expect(busy.cowPeakBytes).toBeGreaterThanOrEqual(10 * 1000);
    expect(busy.cowPeakBytes).toBeLessThan(10 * 1100);
    expect(busy.cowBytes).toBe(0);
  });

  it('writes an empty keyspace as a valid file', async () => {
    const ks = new Keyspace(16, noopEvents);
    const sink = new MemorySink(null);
    await runSnapshot(ks, sink, () => ks.databases[0]!.set('late', Buffer.from('x')));
    expect(load(Buffer.concat(sink.chunks)).keyCount).toBe(0);
  });

  it('removes its hook and reports the reason when aborted', () => {
    const ks = new Keyspace(16, noopEvents);
    ks.databases[0]!.set('k', Buffer.from('v'));
    const results: Array<Error | null> = [];
    const snapshot = new Snapshot(ks, new MemorySink(null), {
      compression: false,
      checksum: false,
      aux: { usedMemory: 0 },
      onFinished: (err) => results.push(err),
    });
    snapshot.start();
    expect(ks.activeSnapshot).toBe(snapshot);
    snapshot.abort(new Error('stop'));
    expect(ks.activeSnapshot).toBeNull();
    expect(snapshot.inProgress).toBe(false);
    expect(results.map((e) => e?.message)).toEqual(['stop']);
  });
});

describe('RDB file sink', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resplica-sink-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function endSink(sink: RdbFileSink): Promise<Error | null> {
    return new Promise((resolve) => sink.end(resolve));
  }

  it('replaces the target only once everything is written', async () => {
    fs.writeFileSync(path.join(dir, 'dump.rdb'), 'old');
    const sink = new RdbFileSink(dir, 'dump.rdb', 'temp-1.rdb');
    const parts = [Buffer.alloc(3 << 20, 1), Buffer.alloc(3 << 20, 2), Buffer.from('end')];
    const full = parts.map((p) => sink.write(p));
    expect(full).toContain(false);
    expect(fs.readFileSync(path.join(dir, 'dump.rdb'), 'latin1')).toBe('old');
    expect(await endSink(sink)).toBeNull();
    // Buffer.equals: toEqual on megabytes is very slow.
    expect(fs.readFileSync(path.join(dir, 'dump.rdb')).equals(Buffer.concat(parts))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'temp-1.rdb'))).toBe(false);
  });

  it('reports a failure and leaves no temp file', async () => {
    const sink = new RdbFileSink(path.join(dir, 'missing'), 'dump.rdb', 'temp-2.rdb');
    sink.write(Buffer.from('data'));
    expect(await endSink(sink)).toBeInstanceOf(Error);
  });

  it('removes the temp file when aborted', async () => {
    const sink = new RdbFileSink(dir, 'aborted.rdb', 'temp-3.rdb');
    sink.write(Buffer.alloc(1 << 20));
    sink.abort();
    for (let i = 0; i < 50 && fs.existsSync(path.join(dir, 'temp-3.rdb')); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fs.existsSync(path.join(dir, 'temp-3.rdb'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'aborted.rdb'))).toBe(false);
  });

  it('writes SAVE output synchronously', () => {
    writeRdbFileSync(dir, 'sync.rdb', [Buffer.from('REDIS'), Buffer.from('0010')]);
    expect(fs.readFileSync(path.join(dir, 'sync.rdb'), 'latin1')).toBe('REDIS0010');
  });
});
