import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RdbFileSink, writeRdbFileSync } from '../../src/persistence/file-sink.js';
import { encodeKeyspaceSync } from '../../src/persistence/rdb-writer.js';
import { Snapshot } from '../../src/persistence/snapshot.js';
import type { Database, KeyspaceEvents } from '../../src/store/database.js';
import { datasetDigest } from '../../src/store/digest.js';
import { RedisHash } from '../../src/store/hash.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { RedisList } from '../../src/store/list.js';
import { RedisSet } from '../../src/store/set.js';
import { RedisZSet } from '../../src/store/zset.js';
import { hasBinary, startRedis, type RunningServer } from '../helpers/processes.js';
import { mulberry32 } from '../helpers/random.js';
import { RawClient } from '../helpers/resp.js';
import { skipInterop } from './compare.js';

/**
 * Files we write are files Redis 7.0 reads: a real redis-server started on
 * them holds the same dataset (DEBUG DIGEST), in the same encodings (OBJECT
 * ENCODING), and redis-check-rdb accepts them.
 */

const noopEvents: KeyspaceEvents = {
  keyWillChange(_db: Database, _key: string): void {},
  keyChanged(_db: Database, _key: string): void {},
  keyExpired(_db: Database, _key: string): void {},
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resplica-rdb-'));
const servers: RunningServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Every type in every encoding Redis 7.0 can save, small and big, in several dbs. */
function buildDataset(): { ks: Keyspace; encodings: Array<[number, string, string]> } {
  const rand = mulberry32(7);
  const ks = new Keyspace(16, noopEvents);
  const encodings: Array<[number, string, string]> = [];
  const put = (db: number, key: string, value: Parameters<Database['set']>[1], enc: string) => {
    ks.databases[db]!.set(key, value);
    encodings.push([db, key, enc]);
  };
  for (const db of [0, 3, 15]) {
    put(db, 'int', Buffer.from('12345'), 'int');
    put(db, 'neg', Buffer.from('-2147483648'), 'int');
    put(db, 'bigint', Buffer.from('9223372036854775807'), 'int');
    put(db, 'short', Buffer.from('hello'), 'embstr');
    put(db, 'compressible', Buffer.from('abc'.repeat(500)), 'raw');
    const noise = Buffer.alloc(300);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rand() * 256);
    put(db, 'noise', noise, 'raw');
    put(db, '12', Buffer.from('integer-looking key'), 'embstr');

    put(
      db,
      'list:small',
      new RedisList([Buffer.from('a'), Buffer.from('17'), Buffer.from('-3')]),
      'quicklist',
    );
    const big = new RedisList();
    for (let i = 0; i < 20000; i++)
      big.push(Buffer.from(i % 3 === 0 ? String(i) : `item-${i}`), 'right');
    put(db, 'list:big', big, 'quicklist');
    const fat = new RedisList();
    for (let i = 0; i < 5; i++) fat.push(Buffer.alloc(10000 + i, 97 + i), 'left');
    put(db, 'list:fat', fat, 'quicklist');

    const hs = new RedisHash();
    hs.set('name', Buffer.from('value'));
    hs.set('n', Buffer.from('-99'));
    put(db, 'hash:small', hs, 'listpack');
    const hb = new RedisHash();
    for (let i = 0; i < 1000; i++) hb.set(`field:${i}`, Buffer.from(`value ${i} `.repeat(i % 5)));
    put(db, 'hash:big', hb, 'hashtable');
    const hl = new RedisHash();
    hl.set('long', Buffer.from('y'.repeat(65)));
    put(db, 'hash:longvalue', hl, 'hashtable');

    const s16 = new RedisSet('1');
    for (const m of ['1', '-5', '300']) s16.add(m);
    put(db, 'set:int16', s16, 'intset');
    const s64 = new RedisSet('1');
    for (const m of ['1', '-9223372036854775808', '9223372036854775807', '70000']) s64.add(m);
    put(db, 'set:int64', s64, 'intset');
    const sh = new RedisSet('x');
    for (let i = 0; i < 700; i++) sh.add(`member-${i}`);
    put(db, 'set:big', sh, 'hashtable');
    const si = new RedisSet('1');
    for (let i = 0; i < 600; i++) si.add(String(i * 7));
    put(db, 'set:manyints', si, 'hashtable');

    const zs = new RedisZSet();
    zs.insert(Buffer.from('one'), 1);
    zs.insert(Buffer.from('half'), 0.5);
    zs.insert(Buffer.from('third'), 1 / 3);
    zs.insert(Buffer.from('big'), 1e20);
    zs.insert(Buffer.from('inf'), Infinity);
    zs.insert(Buffer.from('ninf'), -Infinity);
    zs.insert(Buffer.from('42'), -42);
    put(db, 'zset:small', zs, 'listpack');
    const zb = new RedisZSet();
    for (let i = 0; i < 500; i++) zb.insert(Buffer.from(`m${i}`), (rand() - 0.5) * 1e9);
    put(db, 'zset:big', zb, 'skiplist');
  }
  const db0 = ks.databases[0]!;
  const now = Date.now();
  for (let i = 0; i < 50; i++) {
    const e = db0.set(`ttl:${i}`, Buffer.from(`v${i}`));
    db0.setExpire(`ttl:${i}`, e, now + 3_600_000 + i);
  }
  const far = db0.set('ttl:far', Buffer.from('v'));
  db0.setExpire('ttl:far', far, 2n ** 60n + 1n);
  return { ks, encodings };
}

function bulk(reply: string): string {
  const eol = reply.indexOf('\r\n');
  if (reply[0] === '$') return reply.slice(eol + 2, reply.length - 2);
  if (reply[0] === '+' || reply[0] === ':') return reply.slice(1, eol);
  throw new Error(`unexpected reply ${JSON.stringify(reply.slice(0, 80))}`);
}

async function checkAgainstRedis(
  file: string,
  ks: Keyspace,
  encodings: Array<[number, string, string]>,
): Promise<void> {
  if (hasBinary('redis-check-rdb')) {
    const check = spawnSync('redis-check-rdb', [path.join(tmp, file)], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  }
  const server = await startRedis([
    '--dir',
    tmp,
    '--dbfilename',
    file,
    '--enable-debug-command',
    'yes',
  ]);
  servers.push(server);
  const client = await RawClient.connect(server.port);
  try {
    expect(bulk(await client.call('DEBUG', 'DIGEST'))).toBe(
      datasetDigest(ks.databases).toString('hex'),
    );
    for (const [db, key, enc] of encodings) {
      await client.call('SELECT', String(db));
      expect(bulk(await client.call('OBJECT', 'ENCODING', key)), `db ${db} ${key}`).toBe(enc);
    }
    await client.call('SELECT', '0');
    expect(bulk(await client.call('PEXPIRETIME', 'ttl:far'))).toBe(String(2n ** 60n + 1n));
  } finally {
    client.close();
    await server.stop();
  }
}

describe.skipIf(skipInterop)('RDB files read by redis-server 7.0', () => {
  it.each([true, false])('SAVE output loads with the same digest (compression %s)', async (c) => {
    const { ks, encodings } = buildDataset();
    const file = `save-${String(c)}.rdb`;
    writeRdbFileSync(
      tmp,
      file,
      encodeKeyspaceSync(ks, { compression: c, checksum: c }, { usedMemory: 1 << 20 }),
    );
    await checkAgainstRedis(file, ks, encodings);
  });

  it('a background snapshot through the file sink loads as the dataset at its start', async () => {
    const { ks, encodings } = buildDataset();
    const expected = buildDataset().ks;
    const file = 'bgsave.rdb';
    const sink = new RdbFileSink(tmp, file, `temp-${process.pid}.rdb`);
    let finished = false;
    let error: Error | null = null;
    const snapshot = new Snapshot(ks, sink, {
      compression: true,
      checksum: true,
      aux: { usedMemory: 1, replId: 'f'.repeat(40), replOffset: 100, replStreamDb: 0 },
      sliceMs: 0,
      sliceKeys: 4,
      onFinished: (err) => {
        finished = true;
        error = err;
      },
    });
    snapshot.start();
    let n = 0;
    while (!finished) {
      // Overwrite, delete and create keys while the save runs.
      const db = ks.databases[[0, 3, 15][n % 3]!]!;
      db.set(`ttl:${n % 50}`, Buffer.from('changed'));
      db.delete(['list:big', 'hash:big', 'zset:small', 'int'][n % 4]!);
      db.set(`new:${n}`, Buffer.from('late'));
      n++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(error).toBeNull();
    expect(fs.existsSync(path.join(tmp, `temp-${process.pid}.rdb`))).toBe(false);
    await checkAgainstRedis(file, expected, encodings);
  });
});
