import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crc64 } from '../../src/persistence/crc64.js';
import type { RawClient } from '../helpers/resp.js';
import {
  ClientPair,
  compareReplies,
  showReply,
  skipInterop,
  startPair,
  type ServerPair,
} from './compare.js';

/**
 * DUMP and RESTORE against a real redis-server 7.0: payloads travel both ways
 * and must load to equal values (same digest, type, encoding), the payload
 * bytes must be identical wherever Redis's are deterministic, and every error
 * reply of RESTORE must be byte-identical.
 */

type Args = Array<string | Buffer>;

/** Far enough in the future that no test run gets near it, and exact (ms). */
const YEAR_2100_MS = '4102444800000';

/** The value of a bulk reply, or null for a nil; throws on anything else. */
function bulkValue(reply: Buffer): Buffer | null {
  const text = reply.toString('latin1', 0, Math.min(reply.length, 32));
  if (text.startsWith('$-1\r\n')) return null;
  const m = /^\$(\d+)\r\n/.exec(text);
  if (m === null) throw new Error(`not a bulk reply: ${showReply(reply)}`);
  const start = m[0].length;
  return reply.subarray(start, start + Number(m[1]));
}

/** A payload body (type byte + value) framed as DUMP frames it, with `version`. */
function frame(body: Buffer, version = 10): Buffer {
  const withVersion = Buffer.alloc(body.length + 2);
  body.copy(withVersion);
  withVersion.writeUInt16LE(version, body.length);
  return Buffer.concat([withVersion, crc64(withVersion)]);
}

/** The body of a DUMP payload: everything before the version and checksum. */
function bodyOf(payload: Buffer): Buffer {
  return payload.subarray(0, payload.length - 10);
}

/** One way of building a value, and whether Redis's DUMP bytes for it are deterministic. */
interface Fixture {
  name: string;
  build: Args[];
  /** False where Redis writes a hash table in its own iteration order. */
  deterministic: boolean;
  /** Set where resplica's bytes are known to differ: why (see the it.fails test). */
  knownDifference?: string;
}

/**
 * Redis 7.0.15 closes a quicklist node when node size + element length +
 * SIZE_ESTIMATE_OVERHEAD (8) would pass 8 KB; resplica's list encoder
 * (src/persistence/rdb-writer.ts listEncoder) still uses the older
 * ziplist-style estimate (1-2 + 1-5 bytes), so its nodes hold a few more
 * elements and multi-node lists dump to different (still loadable) bytes.
 */
/**
 * Redis's node boundaries depend on the push history (LPUSH fills the head
 * node, RPUSH the tail); we keep no nodes, and cut a list as RPUSH would.
 */
const PUSH_HISTORY = 'quicklist nodes shaped by push history';

function range(n: number, f: (i: number) => string): string[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

function pairs(n: number, f: (i: number) => [string, string]): string[] {
  return Array.from({ length: n }, (_, i) => f(i)).flat();
}

const INT_STRINGS = [
  '0',
  '1',
  '-1',
  '127',
  '-128',
  '128',
  '-129',
  '32767',
  '-32768',
  '32768',
  '-32769',
  '2147483647',
  '-2147483648',
  '2147483648',
  '-2147483649',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '007',
  '-0',
  '+1',
  ' 1',
  '1.5',
];

const FIXTURES: Fixture[] = [
  ...INT_STRINGS.map((v) => ({
    name: `string ${JSON.stringify(v)}`,
    build: [['SET', 'k', v]],
    deterministic: true,
  })),
  { name: 'empty string', build: [['SET', 'k', '']], deterministic: true },
  { name: 'short string', build: [['SET', 'k', 'hello']], deterministic: true },
  { name: 'embstr limit (44)', build: [['SET', 'k', 'x'.repeat(44)]], deterministic: true },
  { name: 'raw string (45)', build: [['SET', 'k', 'y'.repeat(45)]], deterministic: true },
  {
    name: 'compressible string',
    build: [['SET', 'k', 'abcabcabcabc'.repeat(200)]],
    deterministic: true,
  },
  {
    name: 'incompressible 100-byte string',
    build: [['SET', 'k', range(100, (i) => String.fromCharCode(33 + ((i * 37) % 90))).join('')]],
    deterministic: true,
  },
  {
    name: 'binary string',
    build: [['SET', 'k', Buffer.from([0, 255, 13, 10, 0, 1, 2, 128, 0])]],
    deterministic: true,
  },
  {
    name: 'long binary string',
    build: [['SET', 'k', Buffer.alloc(5000, Buffer.from([0, 0xff, 0x0d, 0x0a]))]],
    deterministic: true,
  },
  {
    name: 'counter after INCR',
    build: [
      ['SET', 'k', '10'],
      ['INCRBY', 'k', '5'],
    ],
    deterministic: true,
  },
  { name: 'small list', build: [['RPUSH', 'k', 'a', '1', '-5', 'hello', '']], deterministic: true },
  {
    name: 'list of integers of every width',
    build: [['RPUSH', 'k', ...INT_STRINGS]],
    deterministic: true,
  },
  {
    name: 'multi-node list',
    build: [['RPUSH', 'k', ...range(3000, (i) => `element-${i}`)]],
    deterministic: true,
  },
  {
    name: 'list built from both ends',
    build: [
      ['LPUSH', 'k', ...range(1500, (i) => `left-${i}`)],
      ['RPUSH', 'k', ...range(1500, (i) => `right-${i}`)],
    ],
    deterministic: true,
    knownDifference: PUSH_HISTORY,
  },
  {
    name: 'list with a 10 KB element',
    build: [['RPUSH', 'k', 'a', 'z'.repeat(10000), 'b']],
    deterministic: true,
  },
  {
    name: 'small hash',
    build: [['HSET', 'k', 'a', '1', 'b', 'two', 'c', '']],
    deterministic: true,
  },
  {
    name: 'hash of integers',
    build: [['HSET', 'k', '1', '-1', '100000', '2147483648', 'x', '007']],
    deterministic: true,
  },
  {
    name: 'hashtable hash (many fields)',
    build: [['HSET', 'k', ...pairs(300, (i) => [`f${i}`, `v${i}`])]],
    deterministic: false,
  },
  {
    name: 'hashtable hash (long value)',
    build: [['HSET', 'k', 'a', 'v'.repeat(100), 'b', '2']],
    deterministic: false,
  },
  {
    name: 'small zset',
    build: [['ZADD', 'k', '1', 'a', '2.5', 'b', '-3', 'c', '1e20', 'd', 'inf', 'e', '-inf', 'f']],
    deterministic: true,
  },
  {
    name: 'zset with integer members and scores',
    build: [['ZADD', 'k', '0', '10', '100000', '20', '-7', '-30', '0.1', 'x']],
    deterministic: true,
  },
  {
    name: 'skiplist zset (many members)',
    build: [['ZADD', 'k', ...pairs(300, (i) => [String(i * 1.5), `m${i}`])]],
    deterministic: true,
  },
  {
    name: 'skiplist zset (long member)',
    build: [['ZADD', 'k', '1', 'm'.repeat(100), '2', 'b', '3.25', 'c']],
    deterministic: true,
  },
  { name: 'intset', build: [['SADD', 'k', '3', '1', '2', '-5']], deterministic: true },
  {
    name: 'intset of 64-bit integers',
    build: [['SADD', 'k', '1', '9223372036854775807', '-9223372036854775808', '70000']],
    deterministic: true,
  },
  {
    name: 'big intset',
    build: [['SADD', 'k', ...range(400, (i) => String(i * 7 - 1000))]],
    deterministic: true,
  },
  { name: 'hashtable set', build: [['SADD', 'k', 'a', 'b', 'c', '1']], deterministic: false },
  {
    name: 'big hashtable set',
    build: [['SADD', 'k', ...range(600, (i) => `m${i}`)]],
    deterministic: false,
  },
];

describe.skipIf(skipInterop)('DUMP and RESTORE against redis-server 7.0', () => {
  let servers: ServerPair;
  let clients: ClientPair;

  async function sameAll(...commands: Args[]): Promise<void> {
    for (const args of commands) await clients.same(...args);
  }

  /** DUMP `key` on both servers: [resplica's payload, redis's payload]. */
  async function dumpBoth(key: string): Promise<[Buffer | null, Buffer | null]> {
    const [[mine, theirs]] = (await clients.batch([['DUMP', key]])) as [[Buffer, Buffer]];
    return [bulkValue(mine), bulkValue(theirs)];
  }

  /** Sends `args` to one server and returns the reply's text. */
  async function on(client: RawClient, ...args: Args): Promise<string> {
    client.send(...args);
    return (await client.readReply()).toString('latin1');
  }

  function changes(info: string): number {
    const m = /rdb_changes_since_last_save:(\d+)/.exec(info);
    if (m === null) throw new Error(`no rdb_changes_since_last_save in ${info}`);
    return Number(m[1]);
  }

  /** Runs `args` on both servers and returns [resplica's, redis's] dirty counter deltas. */
  async function dirtyDelta(...args: Args): Promise<[number, number, string]> {
    const [beforeMine, beforeTheirs] = await clients.call('INFO', 'persistence');
    const reply = await clients.same(...args);
    const [afterMine, afterTheirs] = await clients.call('INFO', 'persistence');
    return [
      changes(afterMine) - changes(beforeMine),
      changes(afterTheirs) - changes(beforeTheirs),
      reply,
    ];
  }

  beforeAll(async () => {
    servers = await startPair();
  });

  afterAll(async () => {
    await servers?.stop();
  });

  beforeEach(async () => {
    clients?.close();
    clients = await ClientPair.connect(servers);
    await sameAll(
      ['FLUSHALL'],
      ['CONFIG', 'SET', 'rdbcompression', 'yes'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['CONFIG', 'SET', 'notify-keyspace-events', ''],
    );
  });

  /**
   * Builds the fixture on both servers, then restores each server's payload
   * on both (keys `from-resplica`, `from-redis`): all four copies must have
   * the original's digest, type and encoding.
   */
  async function crossRestore(fixture: Fixture): Promise<[Buffer, Buffer]> {
    await sameAll(['FLUSHALL'], ...fixture.build);
    const original = await sameAll(['TYPE', 'k'], ['OBJECT', 'ENCODING', 'k']).then(() =>
      clients.same('DEBUG', 'DIGEST-VALUE', 'k'),
    );
    const [mine, theirs] = await dumpBoth('k');
    expect(mine, `${fixture.name}: resplica's DUMP`).not.toBeNull();
    expect(theirs, `${fixture.name}: redis's DUMP`).not.toBeNull();
    for (const [key, payload] of [
      ['from-resplica', mine!],
      ['from-redis', theirs!],
    ] as const) {
      const restored = await clients.call('RESTORE', key, '0', payload);
      expect(restored, `${fixture.name}: RESTORE of ${key}'s payload`).toEqual([
        '+OK\r\n',
        '+OK\r\n',
      ]);
      await sameAll(['TYPE', key], ['OBJECT', 'ENCODING', key], ['PTTL', key]);
      const digest = await clients.same('DEBUG', 'DIGEST-VALUE', key);
      expect(digest, `${fixture.name}: digest of ${key}`).toBe(original);
      const encodings = await clients.call('OBJECT', 'ENCODING', key);
      const [, originalEncoding] = await clients.call('OBJECT', 'ENCODING', 'k');
      expect(encodings[1], `${fixture.name}: encoding of ${key} on redis`).toBe(originalEncoding);
    }
    return [mine!, theirs!];
  }

  it('payloads from each server load on the other to the same value (rdbcompression yes)', async () => {
    for (const fixture of FIXTURES) await crossRestore(fixture);
  });

  /** Fixture names whose uncompressed DUMP bytes differ between the servers. */
  async function uncompressedDifferences(fixtures: Fixture[]): Promise<string[]> {
    await clients.same('CONFIG', 'SET', 'rdbcompression', 'no');
    const differences: string[] = [];
    for (const fixture of fixtures) {
      const [mine, theirs] = await crossRestore(fixture);
      if (!mine.equals(theirs)) {
        differences.push(
          `${fixture.name}: resplica ${showReply(mine)} vs redis ${showReply(theirs)}`,
        );
      }
    }
    return differences;
  }

  it('DUMP bytes are identical where Redis writes them deterministically (rdbcompression no)', async () => {
    const fixtures = FIXTURES.filter((f) => f.deterministic && f.knownDifference === undefined);
    expect(await uncompressedDifferences(fixtures)).toEqual([]);
  });

  it('payloads Redis leaves uncompressed are identical with rdbcompression yes', async () => {
    // Our LZF compressor may pick other matches than Redis's, so only values
    // where Redis's compressed and plain payloads coincide (nothing worth
    // compressing, or 20 bytes or less) must match byte for byte.
    const differences: string[] = [];
    let compared = 0;
    for (const fixture of FIXTURES.filter((f) => f.deterministic && !f.knownDifference)) {
      await clients.same('CONFIG', 'SET', 'rdbcompression', 'yes');
      const [mine, theirs] = await crossRestore(fixture);
      await clients.same('CONFIG', 'SET', 'rdbcompression', 'no');
      const [, theirsPlain] = await dumpBoth('k');
      if (!theirs.equals(theirsPlain!)) continue;
      compared++;
      if (!mine.equals(theirs)) differences.push(fixture.name);
    }
    expect(differences).toEqual([]);
    expect(compared).toBeGreaterThan(20);
  });

  it('DUMP answers nil for a missing or expired key, and checks its arity', async () => {
    await sameAll(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    try {
      await sameAll(['DUMP', 'missing'], ['SET', 'gone', 'v', 'PX', '1']);
      // Bounded wait for the 1 ms deadline to pass on both clocks.
      const until = Date.now() + 20;
      for (let i = 0; i < 1000 && Date.now() < until; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await sameAll(['DUMP', 'gone'], ['DBSIZE'], ['DUMP'], ['DUMP', 'a', 'b'], ['dump']);
    } finally {
      await sameAll(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    }
  });

  it('RESTORE options, TTLs and error replies match Redis byte for byte', async () => {
    await sameAll(['SET', 'src', 'value'], ['RPUSH', 'list', 'a', 'b']);
    const [, payload] = await dumpBoth('src');
    const p = payload!;
    const [, listPayload] = await dumpBoth('list');
    await sameAll(
      ['RESTORE', 'k', '0'],
      ['RESTORE', 'k'],
      ['RESTORE', 'k', '0', p],
      ['GET', 'k'],
      ['PTTL', 'k'],
      ['RESTORE', 'k', '0', p],
      ['RESTORE', 'k', '0', listPayload!],
      ['RESTORE', 'k', 'abc', p],
      ['RESTORE', 'k', '-1', p],
      ['RESTORE', 'k', '0', 'abc'],
      ['RESTORE', 'k', '0', listPayload!, 'REPLACE'],
      ['TYPE', 'k'],
      ['LRANGE', 'k', '0', '-1'],
      ['RESTORE', 'k', '0', p, 'replace', 'absttl'],
      ['GET', 'k'],
      ['RESTORE', 'n', 'abc', p],
      ['RESTORE', 'n', '-1', p],
      ['RESTORE', 'n', '1.5', p],
      ['RESTORE', 'n', '', p],
      ['RESTORE', 'n', '99999999999999999999', p],
      ['RESTORE', 'n', '9223372036854775807', p, 'ABSTTL'],
      ['PEXPIRETIME', 'n'],
      ['DEL', 'n'],
      // Redis adds the TTL to its clock in int64 arithmetic: it wraps to a
      // negative deadline, already past, so nothing is stored.
      ['RESTORE', 'n', '9223372036854775000', p],
      ['EXISTS', 'n'],
      ['RESTORE', 'n', '9223372036854775807', p],
      ['EXISTS', 'n'],
      ['RESTORE', 'n', '0', p, 'FOO'],
      ['RESTORE', 'n', '0', p, 'IDLETIME'],
      ['RESTORE', 'n', '0', p, 'FREQ'],
      ['RESTORE', 'n', '0', p, 'IDLETIME', '-1'],
      ['RESTORE', 'n', '0', p, 'IDLETIME', 'abc'],
      ['RESTORE', 'n', '0', p, 'FREQ', '300'],
      ['RESTORE', 'n', '0', p, 'FREQ', '-1'],
      ['RESTORE', 'n', '0', p, 'FREQ', 'x'],
      ['RESTORE', 'n', '0', p, 'IDLETIME', '10', 'FREQ', '5'],
      ['RESTORE', 'n', '0', p, 'FREQ', '5', 'IDLETIME', '10'],
      ['RESTORE', 'n', '0', p, 'REPLACE', 'FOO'],
      // Options are parsed before the key is looked up or the TTL read.
      ['RESTORE', 'k', 'abc', p, 'FOO'],
      ['RESTORE', 'k', 'abc', p],
      ['EXISTS', 'n'],
      ['RESTORE', '', '0', p],
      ['GET', ''],
      ['RESTORE', '', '0', p],
    );
    // ABSTTL keeps the exact deadline; a relative TTL is from each server's clock.
    await sameAll(
      ['RESTORE', 'abs', YEAR_2100_MS, p, 'ABSTTL'],
      ['PEXPIRETIME', 'abs'],
      ['RESTORE', 'abs', '1', p, 'ABSTTL'],
      ['RESTORE', 'abs', '1', p, 'ABSTTL', 'REPLACE'],
      ['EXISTS', 'abs'],
      ['RESTORE', 'abs', '1', p, 'ABSTTL'],
      ['EXISTS', 'abs'],
    );
    await clients.same('RESTORE', 'rel', '100000', p);
    const [[mine, theirs]] = (await clients.batch([['PTTL', 'rel']])) as [[Buffer, Buffer]];
    expect(compareReplies(mine, theirs, 'ttl-ms'), 'PTTL after RESTORE rel 100000').toBeNull();
    const pttl = Number(mine.toString().slice(1));
    expect(pttl > 99000 && pttl <= 100000, showReply(mine)).toBe(true);
  });

  it('RESTORE IDLETIME sets OBJECT IDLETIME, and FREQ sets OBJECT FREQ under LFU', async () => {
    await sameAll(['SET', 'src', 'value']);
    const [, payload] = await dumpBoth('src');
    const p = payload!;
    await sameAll(['RESTORE', 'idle', '0', p, 'IDLETIME', '1000']);
    const [[mine, theirs]] = (await clients.batch([['OBJECT', 'IDLETIME', 'idle']])) as [
      [Buffer, Buffer],
    ];
    // Both clocks tick while the test runs: within a couple of seconds.
    expect(compareReplies(mine, theirs, 'ttl-seconds'), 'OBJECT IDLETIME').toBeNull();
    await sameAll(
      ['RESTORE', 'idle0', '0', p, 'IDLETIME', '0'],
      ['OBJECT', 'IDLETIME', 'idle0'],
      // Without an LFU policy FREQ is accepted and ignored.
      ['RESTORE', 'freq', '0', p, 'FREQ', '100'],
      ['OBJECT', 'FREQ', 'freq'],
    );
  });

  // Known difference: under an LFU policy Redis refuses OBJECT IDLETIME
  // ("ERR An LFU maxmemory policy is selected, idle time not tracked. ...");
  // resplica answers the idle time (src/commands/keys.ts objectSubcommand).
  it.fails('under LFU, RESTORE IDLETIME is ignored and OBJECT IDLETIME refuses', async () => {
    await sameAll(['SET', 'src', 'value']);
    const [, payload] = await dumpBoth('src');
    try {
      await sameAll(
        ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
        ['RESTORE', 'idle2', '0', payload!, 'IDLETIME', '50'],
        ['OBJECT', 'IDLETIME', 'idle2'],
      );
    } finally {
      await sameAll(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    }
  });

  // Known difference: resplica tracks no LFU counter, so OBJECT FREQ refuses
  // under every policy (src/commands/keys.ts objectSubcommand) and RESTORE's
  // FREQ has nowhere to go. Flips to a failure, on purpose, once fixed.
  it.fails('RESTORE FREQ sets OBJECT FREQ under an LFU policy', async () => {
    await sameAll(['SET', 'src', 'value']);
    const [, payload] = await dumpBoth('src');
    const p = payload!;
    try {
      await sameAll(
        ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
        ['RESTORE', 'freq2', '0', p, 'FREQ', '100'],
        ['OBJECT', 'FREQ', 'freq2'],
        ['RESTORE', 'freq3', '0', p, 'FREQ', '0'],
        ['OBJECT', 'FREQ', 'freq3'],
      );
    } finally {
      await sameAll(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    }
  });

  it('RESTORE rejects damaged payloads with the same errors', async () => {
    await sameAll(['SET', 'src', 'some value'], ['RPUSH', 'list', 'a', 'b', 'c']);
    const [, payload] = await dumpBoth('src');
    const [, listPayload] = await dumpBoth('list');
    const p = payload!;
    const body = bodyOf(p);
    const wrongChecksum = Buffer.from(p);
    wrongChecksum[wrongChecksum.length - 1]! ^= 0xff;
    const flippedBody = Buffer.from(p);
    flippedBody[3]! ^= 0x01;
    const list = bodyOf(listPayload!);
    await sameAll(
      ['RESTORE', 'k', '0', wrongChecksum],
      ['RESTORE', 'k', '0', flippedBody],
      ['RESTORE', 'k', '0', p.subarray(0, p.length - 1)],
      ['RESTORE', 'k', '0', p.subarray(0, 9)],
      ['RESTORE', 'k', '0', ''],
      ['RESTORE', 'k', '0', 'abc'],
      ['RESTORE', 'k', '0', Buffer.alloc(10)],
      // Valid checksums around damaged bodies.
      ['RESTORE', 'k', '0', frame(body.subarray(0, body.length - 1))],
      ['RESTORE', 'k', '0', frame(body.subarray(0, 1))],
      ['RESTORE', 'k', '0', frame(Buffer.alloc(0))],
      ['RESTORE', 'k', '0', frame(list.subarray(0, list.length - 3))],
      ['RESTORE', 'k', '0', frame(Buffer.from([200, 1, 2]))],
      ['RESTORE', 'k', '0', frame(body, 11)],
      ['RESTORE', 'k', '0', frame(body, 0xffff)],
      ['RESTORE', 'k', '0', frame(body, 9)],
      ['RESTORE', 'k9', '0', frame(body, 1)],
      ['GET', 'k9'],
      ['EXISTS', 'k'],
    );
  });

  it('RESTORE of a payload with trailing bytes before the footer answers as Redis does', async () => {
    await sameAll(['SET', 'src', 'some value']);
    const [, payload] = await dumpBoth('src');
    const body = bodyOf(payload!);
    await sameAll(
      ['RESTORE', 'k', '0', frame(Buffer.concat([body, Buffer.from('xyz')]))],
      ['EXISTS', 'k'],
    );
  });

  it('a list with plain quicklist nodes from Redis loads to the same value', async () => {
    // DEBUG QUICKLIST-PACKED-THRESHOLD exists only on Redis: lower it there so
    // big elements get PLAIN nodes, as 1 GB+ elements do by default.
    const redis = clients.redis;
    expect(await on(redis, 'DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100')).toBe('+OK\r\n');
    try {
      await on(redis, 'RPUSH', 'k', 'a', 'p'.repeat(500), 'b', 'q'.repeat(300));
      const dumped = bulkValue(Buffer.from(await on(redis, 'DUMP', 'k'), 'latin1'))!;
      await sameAll(['RESTORE', 'plain', '0', dumped], ['LRANGE', 'plain', '0', '-1']);
      const digest = await clients.same('DEBUG', 'DIGEST-VALUE', 'plain');
      expect(await on(redis, 'DEBUG', 'DIGEST-VALUE', 'k')).toBe(digest);
    } finally {
      await on(redis, 'DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824');
    }
  });

  it('RESTORE of a stream payload from Redis answers an error and the server stays up', async () => {
    const redis = clients.redis;
    const resplica = clients.resplica;
    expect(await on(redis, 'XADD', 'st', '1-1', 'f', 'v')).toBe('$3\r\n1-1\r\n');
    const dumped = bulkValue(Buffer.from(await on(redis, 'DUMP', 'st'), 'latin1'))!;
    const theirs = await on(redis, 'RESTORE', 'copy', '0', dumped);
    const mine = await on(resplica, 'RESTORE', 'copy', '0', dumped);
    console.info(
      `stream RESTORE: redis ${JSON.stringify(theirs)} resplica ${JSON.stringify(mine)}`,
    );
    expect(theirs).toBe('+OK\r\n');
    expect(mine.startsWith('-'), `resplica answered ${JSON.stringify(mine)}`).toBe(true);
    expect(await on(resplica, 'PING')).toBe('+PONG\r\n');
    expect(await on(resplica, 'EXISTS', 'copy')).toBe(':0\r\n');
  });

  it('RESTORE counts changes and notifies like Redis', async () => {
    await sameAll(['SET', 'src', 'value']);
    const [, payload] = await dumpBoth('src');
    const p = payload!;
    const cases: Args[] = [
      ['RESTORE', 'a', '0', p],
      ['RESTORE', 'a', '0', p],
      ['RESTORE', 'a', '0', p, 'REPLACE'],
      ['RESTORE', 'a', '1', p, 'ABSTTL', 'REPLACE'],
      ['RESTORE', 'a', '1', p, 'ABSTTL', 'REPLACE'],
      ['RESTORE', 'b', '1', p, 'ABSTTL'],
      ['RESTORE', 'b', '100000', p],
      ['RESTORE', 'c', '0', 'bad'],
      ['RESTORE', 'c', '0', p, 'FREQ', '300'],
    ];
    for (const command of cases) {
      const [mine, theirs, reply] = await dirtyDelta(...command);
      expect(mine, `dirty delta of ${command.join(' ').slice(0, 60)} (reply ${reply})`).toBe(
        theirs,
      );
    }
    // Keyspace notifications: a subscriber on each server sees the same stream.
    const subscribers = await ClientPair.connect(servers);
    try {
      await sameAll(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], ['FLUSHALL']);
      await subscribers.same('PSUBSCRIBE', '__key*__:*');
      await subscribers.same('SUBSCRIBE', 'sync');
      for (const command of cases) {
        await clients.same(...command);
        await clients.same('PUBLISH', 'sync', 'x');
        const read = async (c: RawClient): Promise<string[]> => {
          const out: string[] = [];
          for (let i = 0; i < 100; i++) {
            const reply = (await c.readReply()).toString('latin1');
            if (reply.includes('\r\nsync\r\n')) return out;
            out.push(reply);
          }
          throw new Error('no sync marker');
        };
        const [mine, theirs] = await Promise.all([
          read(subscribers.resplica),
          read(subscribers.redis),
        ]);
        expect(mine, `notifications of ${command.join(' ').slice(0, 60)}`).toEqual(theirs);
      }
    } finally {
      subscribers.close();
      await clients.same('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });
});
