import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from './command-generator.js';
import { ClientPair, skipInterop, startPair, type ServerPair } from './compare.js';
import {
  bulkText,
  elementsOf,
  expectSameDataset,
  pick,
  runSteps,
  scanAll,
  type CollectionCheck,
  type CollectionStep,
} from './collection-checks.js';

/**
 * Hash commands against a real redis-server 7.0: seeded random sequences
 * whose replies must be byte-identical (loosened only where Redis's order is
 * unspecified or the pick is random, see collection-checks.ts), the final
 * dataset compared by DEBUG DIGEST and OBJECT ENCODING, plus edge cases and
 * the properties of HRANDFIELD and HSCAN.
 *
 * The servers run with hash-max-listpack-entries 8 so that the few keys of a
 * sequence keep crossing the listpack → hashtable threshold.
 */

const SEEDS = process.env.RESPLICA_HASH_SEEDS?.split(',').map(Number) ?? [1, 7, 99, 2024];
const COMMANDS_PER_SEED = 1500;
const KEYS = ['h1', 'h2', 'h3', 'str'];
const LONG = 'L'.repeat(70);
const FIELDS: ReadonlyArray<string | Buffer> = [
  'f1',
  'f2',
  'f3',
  'f4',
  'f5',
  'f6',
  'f7',
  'f8',
  'f9',
  '',
  '1',
  LONG,
  Buffer.from([0x00, 0xff, 0x0d, 0x0a]),
];
const VALUES: ReadonlyArray<string | Buffer> = [
  'v',
  '',
  '0',
  '1',
  '-5',
  '42',
  '9223372036854775807',
  '-9223372036854775808',
  '3.5',
  '0.1',
  '1e3',
  'abc',
  ' 1',
  '007',
  'x'.repeat(64),
  'y'.repeat(65),
  Buffer.from([0xc3, 0xa9, 0x00]),
];
const INCREMENTS = [
  '1',
  '-1',
  '0',
  '100',
  '9223372036854775807',
  '-9223372036854775808',
  'x',
  '1.5',
];
const FLOAT_INCREMENTS = [
  '0.1',
  '-0.2',
  '1',
  '1e3',
  '3.0e2',
  'inf',
  '-inf',
  'nan',
  'abc',
  '1e4933',
  '5.0e-324',
  '0',
];
const PATTERNS = ['*', 'f*', 'f[1-3]', '?', '*1*', 'nomatch'];

class HashSequence {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  private key(): string {
    return pick(this.random, KEYS);
  }

  private field(): string | Buffer {
    return pick(this.random, FIELDS);
  }

  private value(): string | Buffer {
    return pick(this.random, VALUES);
  }

  private fields(n: number): Array<string | Buffer> {
    return Array.from({ length: n }, () => this.field());
  }

  private pairs(n: number): Array<string | Buffer> {
    const out: Array<string | Buffer> = [];
    for (let i = 0; i < n; i++) out.push(this.field(), this.value());
    return out;
  }

  next(): CollectionStep {
    const r = this.random();
    const key = this.key();
    const step = (
      args: Array<string | Buffer>,
      check: CollectionCheck = 'exact',
    ): CollectionStep => ({
      args,
      check,
    });
    const n = 1 + Math.floor(this.random() * 3);
    if (r < 0.2) return step(['HSET', key, ...this.pairs(n)]);
    if (r < 0.23) return step(['HMSET', key, ...this.pairs(n)]);
    if (r < 0.25) return step(['HSET', key, this.field(), this.value(), this.field()]); // odd: arity
    if (r < 0.29) return step(['HSETNX', key, this.field(), this.value()]);
    if (r < 0.35) return step(['HGET', key, this.field()]);
    if (r < 0.38) return step(['HMGET', key, ...this.fields(n)]);
    if (r < 0.46) return step(['HDEL', key, ...this.fields(n)]);
    if (r < 0.48) return step(['HLEN', key]);
    if (r < 0.5) return step(['HSTRLEN', key, this.field()]);
    if (r < 0.52) return step(['HEXISTS', key, this.field()]);
    if (r < 0.54) return step(['HKEYS', key], 'unordered');
    if (r < 0.56) return step(['HVALS', key], 'unordered');
    if (r < 0.6) return step(['HGETALL', key], 'pairs');
    if (r < 0.66) return step(['HINCRBY', key, this.field(), pick(this.random, INCREMENTS)]);
    if (r < 0.72)
      return step(['HINCRBYFLOAT', key, this.field(), pick(this.random, FLOAT_INCREMENTS)]);
    if (r < 0.75) return step(['HRANDFIELD', key], 'shape');
    if (r < 0.78) {
      const count = pick(this.random, [
        '0',
        '1',
        '3',
        '-3',
        '20',
        '-20',
        'x',
        '-9223372036854775808',
      ]);
      const extra = pick(this.random, [
        [],
        ['WITHVALUES'],
        ['withvalues'],
        ['WITHVALUE'],
        ['WITHVALUES', 'x'],
      ]);
      return step(['HRANDFIELD', key, count, ...extra], 'shape');
    }
    if (r < 0.82) {
      // COUNT 1000 covers any of these small hashes in one step, so the
      // cursor is 0 on both sides whatever the encoding.
      const match = this.random() < 0.5 ? ['MATCH', pick(this.random, PATTERNS)] : [];
      return step(['HSCAN', key, '0', 'COUNT', '1000', ...match], 'scan-pairs');
    }
    if (r < 0.83)
      // Invalid cursors only: a valid non-zero cursor means different things
      // to Redis's bucket walk and to our slots.
      return step(['HSCAN', key, pick(this.random, ['x', '0 ', '18446744073709551616', '+'])]);
    if (r < 0.84) {
      const bad = pick(this.random, [['COUNT', '0'], ['COUNT', 'x'], ['TYPE', 'hash'], ['MATCH']]);
      return step(['HSCAN', key, '0', ...bad]);
    }
    if (r < 0.88) return step(['OBJECT', 'ENCODING', key]);
    if (r < 0.9) return step(['TYPE', key]);
    if (r < 0.91) return step(['DEL', key]);
    if (r < 0.92) return step(['SET', 'str', 'plain']);
    if (r < 0.93) return step([pick(this.random, ['HGET', 'HLEN', 'HSETNX', 'HINCRBY']), key]); // arity
    if (r < 0.94) return step(['EXISTS', key]);
    return step(['HGETALL', key], 'pairs');
  }
}

describe.skipIf(skipInterop)('hash commands agree with redis-server 7.0', () => {
  let servers: ServerPair;
  let clients: ClientPair;

  beforeAll(async () => {
    servers = await startPair(['--hash-max-listpack-entries', '8']);
    clients = await ClientPair.connect(servers);
  });

  afterAll(async () => {
    clients?.close();
    await servers?.stop();
  });

  for (const [n, seed] of SEEDS.entries()) {
    const resp = n % 2 === 0 ? 2 : 3;
    it(`random sequence, seed ${seed} (RESP${resp}): replies, digest and encodings agree`, async () => {
      await clients.call('HELLO', String(resp));
      await clients.same('FLUSHALL');
      const sequence = new HashSequence(seed);
      const steps: CollectionStep[] = [{ args: ['SET', 'str', 'plain'], check: 'exact' }];
      while (steps.length < COMMANDS_PER_SEED) steps.push(sequence.next());
      await runSteps(clients, steps, `seed ${seed}`);
      await expectSameDataset(clients, KEYS, `seed ${seed}`);
    });
  }

  it('missing keys, wrong types and argument errors answer exactly as Redis', async () => {
    await clients.call('HELLO', '2');
    await clients.same('FLUSHALL');
    await clients.same('SET', 's', 'x');
    const cases: string[][] = [
      ['HGET', 'nokey', 'f'],
      ['HMGET', 'nokey', 'a', 'b'],
      ['HGETALL', 'nokey'],
      ['HKEYS', 'nokey'],
      ['HLEN', 'nokey'],
      ['HSTRLEN', 'nokey', 'f'],
      ['HDEL', 'nokey', 'f'],
      ['HRANDFIELD', 'nokey'],
      ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', 'abc', 'x', 'y'],
      ['HRANDFIELD', 'nokey', '4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', '-4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', '4611686018427387903', 'WITHVALUE'],
      ['HRANDFIELD', 'nokey', '-9223372036854775808'],
      ['HSCAN', 'nokey', '0', 'TYPE', 'string'],
      ['HSCAN', 'nokey', 'abc'],
      ['HGET', 's', 'f'],
      ['HSET', 's', 'f', 'v'],
      ['HMGET', 's', 'f'],
      ['HRANDFIELD', 's', '1'],
      ['HSCAN', 's', '0'],
      ['HINCRBY', 's', 'f', '1'],
      ['HINCRBY', 's', 'f', 'x'],
      ['HINCRBYFLOAT', 's', 'f', 'inf'],
      ['HSET', 'h', 'f'],
      ['HSET', 'h', 'a', '1', 'b'],
      ['HMSET', 'h', 'a', '1', 'b'],
      ['EXISTS', 'h'],
      ['HINCRBYFLOAT', 'h', 'f', 'inf'],
      ['EXISTS', 'h'],
      ['HINCRBYFLOAT', 'h', 'f', '1e4932'],
      ['HINCRBYFLOAT', 'h', 'f', '1e4932'],
      ['HGET', 'h', 'f'],
      ['HSET', 'h', 'f', 'abc', 'i', '9223372036854775807'],
      ['HINCRBYFLOAT', 'h', 'f', '1'],
      ['HINCRBY', 'h', 'f', '1'],
      ['HINCRBY', 'h', 'i', '1'],
      ['HINCRBY', 'h', 'new', '-9223372036854775808'],
      ['HINCRBY', 'h', 'new', '-1'],
      ['HINCRBYFLOAT', 'h', 'x', '0.1'],
      ['HINCRBYFLOAT', 'h', 'x', '0.2'],
      ['HINCRBYFLOAT', 'h', 'x', '1e300'],
      ['OBJECT', 'ENCODING', 'h'],
      ['HSCAN', 'h', '0', 'COUNT', '0'],
      ['HSCAN', 'h', '0', 'COUNT', 'x'],
      ['HSCAN', 'h', '0', 'MATCH'],
      ['HSCAN', 'h', '0', 'TYPE', 'hash'],
      ['HRANDFIELD', 'h', '0'],
      ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
      ['HDEL', 'h', 'f', 'i', 'new', 'x', 'nope'],
      ['EXISTS', 'h'],
    ];
    for (const args of cases) await clients.same(...args);
  });

  it('OBJECT ENCODING turns hashtable at the listpack limits, counted as Redis counts, and never back', async () => {
    await clients.same('FLUSHALL');
    const long = 'v'.repeat(65);
    const cases: string[][] = [
      // Eight fields stay a listpack (limit 8 in this pair), the ninth converts.
      ['HSET', 'e', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'f', '6', 'g', '7', 'h', '8'],
      ['OBJECT', 'ENCODING', 'e'],
      ['HSET', 'e', 'i', '9'],
      ['OBJECT', 'ENCODING', 'e'],
      ['HDEL', 'e', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
      ['OBJECT', 'ENCODING', 'e'],
      // A 64-byte value fits, 65 bytes converts, even when it is overwritten in the same HSET.
      ['HSET', 'v', 'f', 'v'.repeat(64)],
      ['OBJECT', 'ENCODING', 'v'],
      ['HSET', 'w', 'f', long, 'f', 'short'],
      ['OBJECT', 'ENCODING', 'w'],
      // HSETNX on an existing field stores nothing and converts nothing.
      ['HSET', 'n', 'f', 'v'],
      ['HSETNX', 'n', 'f', long],
      ['OBJECT', 'ENCODING', 'n'],
      ['HSETNX', 'n', 'g', long],
      ['OBJECT', 'ENCODING', 'n'],
      // HINCRBY with a long field name converts.
      ['HINCRBY', 'i', 'F'.repeat(65), '1'],
      ['OBJECT', 'ENCODING', 'i'],
      // A long float result converts too.
      ['HINCRBYFLOAT', 'j', 'f', '1e100'],
      ['OBJECT', 'ENCODING', 'j'],
      ['HGET', 'j', 'f'],
      // The listpack keeps insertion order: updates stay put, re-inserts go last.
      ['HSET', 'o', 'z', '1', 'y', '2', 'x', '3'],
      ['HSET', 'o', 'z', '9'],
      ['HDEL', 'o', 'y'],
      ['HSET', 'o', 'y', '5'],
      ['HGETALL', 'o'],
      ['HKEYS', 'o'],
      ['HVALS', 'o'],
      ['HSCAN', 'o', '0', 'COUNT', '1'],
      ['HSCAN', 'o', '0', 'MATCH', 'y'],
      ['COPY', 'e', 'e2'],
      ['OBJECT', 'ENCODING', 'e2'],
    ];
    for (const args of cases) await clients.same(...args);
    await expectSameDataset(clients, ['e', 'e2', 'v', 'w', 'n', 'i', 'j', 'o'], 'encodings');
  });

  it('HGETALL is a map and HRANDFIELD WITHVALUES nests pairs in RESP3, as Redis sends them', async () => {
    await clients.call('HELLO', '3');
    await clients.same('FLUSHALL');
    await clients.same('HSET', 'h', 'a', '1', 'b', '2');
    await clients.same('HGETALL', 'h');
    await clients.same('HGETALL', 'nokey');
    await clients.same('HRANDFIELD', 'h', '5', 'WITHVALUES');
    await clients.same('HMGET', 'h', 'a', 'zz');
    await clients.call('HELLO', '2');
  });

  it('HRANDFIELD picks distinct fields for a positive count, repeats for a negative one, and pairs values with their fields', async () => {
    await clients.same('FLUSHALL');
    const fields: string[] = [];
    for (let i = 0; i < 30; i++) fields.push(`f${i}`, `v${i}`);
    await clients.same('HSET', 'h', ...fields);
    const client = clients.resplica;
    const call = async (...args: string[]): Promise<Buffer> => {
      client.send(...args);
      return client.readReply();
    };
    for (const resp of [2, 3]) {
      await call('HELLO', String(resp));
      for (const count of [1, 5, 29, 30, 100]) {
        const reply = elementsOf(await call('HRANDFIELD', 'h', String(count)))!;
        const names = reply.elements.map(bulkText);
        expect(names.length).toBe(Math.min(count, 30));
        expect(new Set(names).size).toBe(names.length);
        for (const name of names) expect(name).toMatch(/^f\d+$/);
      }
      const repeated = elementsOf(await call('HRANDFIELD', 'h', '-200'))!;
      expect(repeated.elements.length).toBe(200);
      const names = repeated.elements.map(bulkText);
      expect(new Set(names).size).toBeLessThan(200);
      for (const count of ['7', '-50', '100']) {
        const reply = elementsOf(await call('HRANDFIELD', 'h', count, 'WITHVALUES'))!;
        const n = Math.min(Math.abs(Number(count)), count.startsWith('-') ? 1000 : 30);
        const pairs: Array<[string, string]> = [];
        if (resp === 3) {
          expect(reply.elements.length).toBe(n);
          for (const element of reply.elements) {
            const pair = elementsOf(element)!;
            expect(pair.header).toBe('*2');
            pairs.push([bulkText(pair.elements[0]!), bulkText(pair.elements[1]!)]);
          }
        } else {
          expect(reply.elements.length).toBe(n * 2);
          for (let i = 0; i < reply.elements.length; i += 2)
            pairs.push([bulkText(reply.elements[i]!), bulkText(reply.elements[i + 1]!)]);
        }
        for (const [field, value] of pairs) expect(value).toBe(`v${field.slice(1)}`);
      }
      const single = (await call('HRANDFIELD', 'h')).toString('latin1');
      expect(single).toMatch(/^\$\d+\r\nf\d+\r\n$/);
    }
    await call('HELLO', '2');
  });

  it('HSCAN over a hashtable returns every field present for the whole iteration, on both servers alike', async () => {
    await clients.same('FLUSHALL');
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(`field:${i}`, String(i));
    await clients.same('HSET', 'big', ...args);
    await clients.same('OBJECT', 'ENCODING', 'big');
    const collect = async (which: 'resplica' | 'redis', mutate: boolean): Promise<Set<string>> => {
      const client = clients[which];
      let step = 0;
      const elements = await scanAll(async (cursor) => {
        if (mutate) {
          // Fields added and removed mid-scan may or may not be seen; the
          // untouched ones must all be.
          client.send('HSET', 'big', `extra:${step}`, 'x');
          client.send('HDEL', 'big', `extra:${step - 3}`, `field:${250 + (step % 50)}`);
          await client.readReply();
          await client.readReply();
        }
        step++;
        client.send('HSCAN', 'big', cursor, 'COUNT', '7');
        return client.readReply();
      });
      const fields = new Set<string>();
      for (let i = 0; i < elements.length; i += 2) fields.add(bulkText(elements[i]!));
      return fields;
    };
    const mine = await collect('resplica', false);
    const theirs = await collect('redis', false);
    expect([...mine].sort()).toEqual([...theirs].sort());
    expect(mine.size).toBe(300);
    const during = await collect('resplica', true);
    for (let i = 0; i < 250; i++) expect(during.has(`field:${i}`)).toBe(true);
    // MATCH filters fields; values come with their fields.
    const matched = await scanAll(async (cursor) => {
      clients.resplica.send('HSCAN', 'big', cursor, 'MATCH', 'field:1?', 'COUNT', '50');
      return clients.resplica.readReply();
    });
    const names = matched.filter((_, i) => i % 2 === 0).map(bulkText);
    expect(names.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `field:1${i}`).sort());
  });
});
