import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RdbReader } from '../../src/persistence/rdb-reader.js';
import { datasetDigest } from '../../src/store/digest.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { isString, type StoredValue } from '../../src/store/values.js';
import { startRedis, type RunningServer } from '../helpers/processes.js';
import { mulberry32 } from '../helpers/random.js';
import { RawClient } from '../helpers/resp.js';
import { skipInterop } from './compare.js';

/**
 * Files written by a real redis-server 7.0 (SAVE), read back with RdbReader:
 * the loaded dataset must have the same DEBUG DIGEST as the server's, and
 * every collection the same OBJECT ENCODING. The data covers every type in
 * its small and big encodings, integer, compressible and binary strings,
 * expiries in several databases and a list with plain quicklist nodes; the
 * file is read with compression on and off, and with the checksum disabled.
 */

const DBS = [0, 3, 15];
const FAR_FUTURE_MS = Date.now() + 10 * 365 * 24 * 3600 * 1000;

function noopEvents(): ConstructorParameters<typeof Keyspace>[1] {
  return { keyWillChange: () => {}, keyChanged: () => {}, keyExpired: () => {} };
}

/** Sends a batch of commands in one write and checks that none failed. */
async function pipeline(client: RawClient, commands: Array<Array<string | Buffer>>): Promise<void> {
  for (const args of commands) client.send(...args);
  for (const args of commands) {
    const reply = (await client.readReply(20000)).toString('latin1');
    if (reply.startsWith('-')) throw new Error(`${args[0]!.toString()} failed: ${reply}`);
  }
}

function loadFile(file: Buffer): { keyspace: Keyspace; reader: RdbReader } {
  const keyspace = new Keyspace(16, noopEvents());
  const reader = new RdbReader(file);
  const handler = {
    aux: () => {},
    key: (db: number, key: Buffer, value: StoredValue, expireAt: number) => {
      keyspace.databases[db]!.add(key.toString('latin1'), value, expireAt);
    },
  };
  while (!reader.run(handler, performance.now() + 10)) {
    // Sliced like the server's loader; nothing else to do between slices here.
  }
  return { keyspace, reader };
}

async function fill(client: RawClient): Promise<void> {
  const rand = mulberry32(42);
  const randomBytes = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
    return b;
  };
  await pipeline(client, [['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100']]);
  for (const db of DBS) {
    const cmds: Array<Array<string | Buffer>> = [['SELECT', String(db)]];
    const p = `db${db}:`;
    cmds.push(['SET', `${p}int`, '12345']);
    cmds.push(['SET', `${p}neg`, '-7']);
    cmds.push(['SET', `${p}int16`, '-30000']);
    cmds.push(['SET', `${p}int32`, '2000000000']);
    cmds.push(['SET', `${p}int64`, '9223372036854775807']);
    cmds.push(['SET', `${p}empty`, '']);
    cmds.push(['SET', `${p}compressible`, 'abcdefghij'.repeat(500)]);
    cmds.push(['SET', `${p}random`, randomBytes(3000)]);
    cmds.push([
      'SET',
      Buffer.concat([Buffer.from(p), Buffer.from([0, 255, 13, 10])]),
      randomBytes(30),
    ]);
    cmds.push(['SET', `${p}expiring`, 'soon', 'PXAT', String(FAR_FUTURE_MS)]);

    cmds.push(['RPUSH', `${p}list:small`, 'a', '1', '-200', '70000', randomBytes(10)]);
    const bigList: Array<string | Buffer> = ['RPUSH', `${p}list:big`];
    for (let i = 0; i < 3000; i++) bigList.push(i % 3 === 0 ? String(i) : `element-${i}`);
    cmds.push(bigList);
    cmds.push(['RPUSH', `${p}list:plain`, 'x', 'P'.repeat(500), 'y', randomBytes(300), 'z']);

    cmds.push(['SADD', `${p}set:int`, '1', '-5', '300', '70000', '-9223372036854775808']);
    const bigIntSet: string[] = ['SADD', `${p}set:bigint`];
    for (let i = 0; i < 1000; i++) bigIntSet.push(String(i * 7));
    cmds.push(bigIntSet);
    cmds.push(['SADD', `${p}set:str`, 'a', 'b', '1', randomBytes(8)]);

    cmds.push([
      'ZADD',
      `${p}zset:small`,
      '1.5',
      'a',
      '-inf',
      'b',
      '+inf',
      'c',
      '-3',
      'd',
      '0',
      'e',
    ]);
    const bigZset: string[] = ['ZADD', `${p}zset:big`];
    for (let i = 0; i < 500; i++) bigZset.push(String(i / 3), `member-${i}`);
    cmds.push(bigZset);
    cmds.push(['ZADD', `${p}zset:long`, '1', 'L'.repeat(100), '2', 'short']);

    cmds.push(['HSET', `${p}hash:small`, 'f1', 'v1', 'f2', '42', 'f3', randomBytes(12)]);
    const bigHash: string[] = ['HSET', `${p}hash:big`];
    for (let i = 0; i < 1000; i++) bigHash.push(`field-${i}`, `value-${i}`);
    cmds.push(bigHash);
    cmds.push(['HSET', `${p}hash:long`, 'f', 'V'.repeat(100)]);
    cmds.push(['PEXPIREAT', `${p}hash:small`, String(FAR_FUTURE_MS)]);
    cmds.push(['PEXPIREAT', `${p}zset:big`, String(FAR_FUTURE_MS + 1)]);
    await pipeline(client, cmds);
  }
  await pipeline(client, [['SELECT', '0']]);
}

/** OBJECT ENCODING of every collection key, per database, as Redis reports it. */
async function redisEncodings(client: RawClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const db of DBS) {
    await pipeline(client, [['SELECT', String(db)]]);
    for (const kind of ['list', 'set', 'zset', 'hash']) {
      for (const key of [`db${db}:${kind}:small`, `db${db}:${kind}:big`, `db${db}:${kind}:plain`]) {
        const reply = await client.call('OBJECT', 'ENCODING', key);
        if (reply.startsWith('$-1')) continue;
        out.set(`${db}/${key}`, reply.split('\r\n')[1]!);
      }
    }
    for (const key of [
      `db${db}:set:int`,
      `db${db}:set:bigint`,
      `db${db}:set:str`,
      `db${db}:zset:long`,
      `db${db}:hash:long`,
    ]) {
      out.set(`${db}/${key}`, (await client.call('OBJECT', 'ENCODING', key)).split('\r\n')[1]!);
    }
  }
  await pipeline(client, [['SELECT', '0']]);
  return out;
}

describe.skipIf(skipInterop)('RDB files written by redis-server 7.0', () => {
  let dir = '';
  let redis: RunningServer | null = null;
  let client: RawClient | null = null;
  let digest = '';
  let encodings = new Map<string, string>();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resplica-rdb-'));
    redis = await startRedis([
      '--dir',
      dir,
      '--dbfilename',
      'dump.rdb',
      '--enable-debug-command',
      'yes',
    ]);
    client = await RawClient.connect(redis.port);
    await fill(client);
    digest = (await client.call('DEBUG', 'DIGEST')).trim().replace(/^\+/, '');
    encodings = await redisEncodings(client);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    if (redis !== null) await redis.stop();
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  async function saveAndLoad(
    config: Array<[string, string]>,
  ): Promise<ReturnType<typeof loadFile> & { file: Buffer }> {
    for (const [name, value] of config) await pipeline(client!, [['CONFIG', 'SET', name, value]]);
    await pipeline(client!, [['SAVE']]);
    const file = fs.readFileSync(path.join(dir, 'dump.rdb'));
    return { ...loadFile(file), file };
  }

  function checkEncodings(keyspace: Keyspace): void {
    expect(encodings.size).toBeGreaterThan(20);
    for (const [where, expected] of encodings) {
      const slash = where.indexOf('/');
      const db = Number(where.slice(0, slash));
      const entry = keyspace.databases[db]!.dict.get(where.slice(slash + 1));
      expect(entry, where).toBeDefined();
      const value = entry!.value;
      expect(isString(value) ? 'string' : value.encoding(), where).toBe(expected);
    }
  }

  it('loads a compressed file to the same digest and encodings', async () => {
    const { keyspace, reader, file } = await saveAndLoad([['rdbcompression', 'yes']]);
    expect(reader.version).toBe(10);
    expect(reader.offset).toBe(file.length);
    expect(digest).toMatch(/^[0-9a-f]{40}$/);
    expect(datasetDigest(keyspace.databases).toString('hex')).toBe(digest);
    checkEncodings(keyspace);
  });

  it('loads an uncompressed file to the same digest', async () => {
    const { keyspace } = await saveAndLoad([['rdbcompression', 'no']]);
    expect(datasetDigest(keyspace.databases).toString('hex')).toBe(digest);
    checkEncodings(keyspace);
  });

  it('loads a file saved without a checksum', async () => {
    // rdbchecksum cannot change at runtime: a second server, started with it off.
    const other = await startRedis([
      '--dir',
      dir,
      '--dbfilename',
      'nochecksum.rdb',
      '--rdbchecksum',
      'no',
      '--enable-debug-command',
      'yes',
    ]);
    try {
      const c = await RawClient.connect(other.port);
      try {
        await fill(c);
        const expected = (await c.call('DEBUG', 'DIGEST')).trim().replace(/^\+/, '');
        await pipeline(c, [['SAVE']]);
        const file = fs.readFileSync(path.join(dir, 'nochecksum.rdb'));
        expect(file.readBigUInt64LE(file.length - 8)).toBe(0n);
        const { keyspace } = loadFile(file);
        expect(datasetDigest(keyspace.databases).toString('hex')).toBe(expected);
      } finally {
        c.close();
      }
    } finally {
      await other.stop();
    }
  });
});
