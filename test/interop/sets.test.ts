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
 * Set commands against a real redis-server 7.0: seeded random sequences
 * (replies byte-identical except unspecified orders and random picks), the
 * final dataset by DEBUG DIGEST and OBJECT ENCODING, edge cases, and the
 * properties of SPOP, SRANDMEMBER and SSCAN.
 *
 * set-max-intset-entries is 8 here so that the intset → hashtable threshold
 * is crossed often. SPOP's random removals would make the two datasets
 * diverge, so the sequences only pop whole sets (a count past the size);
 * partial pops are tested by their properties.
 */

const SEEDS = process.env.RESPLICA_SET_SEEDS?.split(',').map(Number) ?? [1, 7, 99, 2024];
const COMMANDS_PER_SEED = 1500;
const KEYS = ['s1', 's2', 's3', 'str'];
const MEMBERS: ReadonlyArray<string | Buffer> = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '-1',
  '42',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '007',
  '+1',
  'a',
  'b',
  'c',
  '',
  Buffer.from([0x00, 0xff, 0x0d, 0x0a]),
];
const PATTERNS = ['*', '1*', '[0-4]', '?', '*a*', 'nomatch'];

class SetSequence {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  private key(): string {
    return pick(this.random, KEYS);
  }

  private members(n: number): Array<string | Buffer> {
    return Array.from({ length: n }, () => pick(this.random, MEMBERS));
  }

  private keys(n: number): string[] {
    return Array.from({ length: n }, () => this.key());
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
    const n = 1 + Math.floor(this.random() * 4);
    if (r < 0.22) return step(['SADD', key, ...this.members(n)]);
    if (r < 0.32) return step(['SREM', key, ...this.members(n)]);
    if (r < 0.36) return step(['SISMEMBER', key, ...this.members(1)]);
    if (r < 0.39) return step(['SMISMEMBER', key, ...this.members(n)]);
    if (r < 0.43) return step(['SMEMBERS', key], 'unordered');
    if (r < 0.45) return step(['SCARD', key]);
    if (r < 0.47)
      return step(['SPOP', key, pick(this.random, ['100', '0', '-1', 'x'])], 'unordered');
    if (r < 0.48) return step(['SPOP', key, '1', '2']);
    if (r < 0.5)
      return step(['SRANDMEMBER', key, pick(this.random, ['3', '-3', '100', '0', 'x'])], 'shape');
    if (r < 0.51) return step(['SRANDMEMBER', key], 'shape');
    if (r < 0.55) return step(['SMOVE', this.key(), this.key(), ...this.members(1)]);
    if (r < 0.59) return step(['SINTER', ...this.keys(n)], 'unordered');
    if (r < 0.62) return step(['SINTERSTORE', this.key(), ...this.keys(n)]);
    if (r < 0.65) return step(['SUNION', ...this.keys(n)], 'unordered');
    if (r < 0.68) return step(['SUNIONSTORE', this.key(), ...this.keys(n)]);
    if (r < 0.71) return step(['SDIFF', ...this.keys(n)], 'unordered');
    if (r < 0.74) return step(['SDIFFSTORE', this.key(), ...this.keys(n)]);
    if (r < 0.77) {
      const limit =
        this.random() < 0.5 ? ['LIMIT', pick(this.random, ['0', '1', '2', '-1', 'x'])] : [];
      return step(['SINTERCARD', String(n), ...this.keys(n), ...limit]);
    }
    if (r < 0.78)
      return step([
        'SINTERCARD',
        pick(this.random, ['0', '-1', 'x', '5']),
        key,
        ...pick(this.random, [[], ['LIMIT'], ['FOO', '1']]),
      ]);
    if (r < 0.82) {
      // COUNT 1000 covers these small sets in one step: cursor 0 on both sides.
      const match = this.random() < 0.5 ? ['MATCH', pick(this.random, PATTERNS)] : [];
      return step(['SSCAN', key, '0', 'COUNT', '1000', ...match], 'scan');
    }
    if (r < 0.83)
      return step(['SSCAN', key, pick(this.random, ['x', '0 ', '+', '18446744073709551616'])]);
    if (r < 0.87) return step(['OBJECT', 'ENCODING', key]);
    if (r < 0.89) return step(['TYPE', key]);
    if (r < 0.9) return step(['DEL', key]);
    if (r < 0.91) return step(['SET', 'str', 'plain']);
    if (r < 0.92)
      return step([pick(this.random, ['SADD', 'SISMEMBER', 'SMOVE', 'SINTERSTORE']), key]); // arity
    if (r < 0.93) return step(['EXISTS', key]);
    return step(['SMEMBERS', key], 'unordered');
  }
}

describe.skipIf(skipInterop)('set commands agree with redis-server 7.0', () => {
  let servers: ServerPair;
  let clients: ClientPair;

  beforeAll(async () => {
    servers = await startPair(['--set-max-intset-entries', '8']);
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
      const sequence = new SetSequence(seed);
      const steps: CollectionStep[] = [{ args: ['SET', 'str', 'plain'], check: 'exact' }];
      while (steps.length < COMMANDS_PER_SEED) steps.push(sequence.next());
      await runSteps(clients, steps, `seed ${seed}`);
      await expectSameDataset(clients, KEYS, `seed ${seed}`);
    });
  }

  it('missing keys, wrong types and argument errors answer exactly as Redis', async () => {
    for (const resp of ['2', '3']) {
      await clients.call('HELLO', resp);
      await clients.same('FLUSHALL');
      await clients.same('SET', 'str', 'x');
      const cases: string[][] = [
        ['SMEMBERS', 'nokey'],
        ['SINTER', 'nokey', 'str'],
        ['SUNION', 'nokey', 'str'],
        ['SDIFF', 'nokey', 'str'],
        ['SINTERCARD', '2', 'nokey', 'str'],
        ['SINTERCARD', '1', 'nokey'],
        ['SINTERCARD', '0', 'a'],
        ['SINTERCARD', '3', 'a', 'b'],
        ['SINTERCARD', '1', 'a', 'LIMIT', '-1'],
        ['SINTERCARD', '1', 'a', 'LIMIT'],
        ['SINTERCARD', 'abc', 'a'],
        ['SPOP', 'nokey'],
        ['SPOP', 'nokey', '-1'],
        ['SPOP', 'nokey', '0'],
        ['SPOP', 'nokey', '5'],
        ['SPOP', 'nokey', '1', '2'],
        ['SPOP', 'str', '1'],
        ['SRANDMEMBER', 'nokey'],
        ['SRANDMEMBER', 'nokey', '5'],
        ['SRANDMEMBER', 'nokey', '-9223372036854775808'],
        ['SRANDMEMBER', 'nokey', '5', '6'],
        ['SRANDMEMBER', 'str', '1'],
        ['SMISMEMBER', 'nokey', 'a', 'b'],
        ['SMISMEMBER', 'str', 'a'],
        ['SMOVE', 'nokey', 'str', 'a'],
        ['SADD', 'src', '1'],
        ['SMOVE', 'src', 'str', '1'],
        ['SMOVE', 'src', 'src', '1'],
        ['SMOVE', 'src', 'src', '2'],
        ['SMOVE', 'src', 'dst', '1'],
        ['EXISTS', 'src'],
        ['OBJECT', 'ENCODING', 'dst'],
        ['SMOVE', 'dst', 'txt', '1'],
        ['SMOVE', 'nokey', 'dst', '1'],
        ['SINTERSTORE', 'str', 'nokey'],
        ['TYPE', 'str'],
        ['SET', 'str', 'x'],
        ['SADD', 'a', '3', '1', '2'],
        ['SUNIONSTORE', 'str', 'a'],
        ['TYPE', 'str'],
        ['SMEMBERS', 'str'],
        ['SDIFFSTORE', 'str', 'nokey', 'a'],
        ['EXISTS', 'str'],
        ['SSCAN', 'nokey', '0', 'TYPE', 'x'],
        ['SSCAN', 'a', '0', 'TYPE', 'x'],
        ['SSCAN', 'a', '0', 'COUNT', '0'],
        ['SSCAN', 'a', '0', 'MATCH', '[1'],
        ['SSCAN', 'a', '-5'],
        ['SSCAN', 'txt', 'abc'],
        ['SPOP', 'a', '10'],
        ['EXISTS', 'a'],
      ];
      for (const args of cases) await clients.same(...args);
    }
    await clients.call('HELLO', '2');
  });

  it('an intset lists members in numeric order and converts at the limits as Redis does, keeping hashtable', async () => {
    await clients.same('FLUSHALL');
    const cases: string[][] = [
      ['SADD', 'i', '10', '-3', '7', '9223372036854775807', '0'],
      ['OBJECT', 'ENCODING', 'i'],
      ['SMEMBERS', 'i'],
      ['SSCAN', 'i', '0', 'COUNT', '1'],
      ['SRANDMEMBER', 'i', '100'],
      ['SADD', 'i', '1', '2', '3'],
      ['OBJECT', 'ENCODING', 'i'],
      ['SADD', 'i', '4'],
      ['OBJECT', 'ENCODING', 'i'],
      ['SREM', 'i', '1', '2', '3', '4', '10', '7'],
      ['OBJECT', 'ENCODING', 'i'],
      // Non-canonical integers are strings to Redis.
      ['SADD', 'n', '007'],
      ['OBJECT', 'ENCODING', 'n'],
      ['SADD', 'm', '5', '9223372036854775808'],
      ['OBJECT', 'ENCODING', 'm'],
      // A *STORE result is encoded from its content.
      ['SADD', 'x', 'a', '1', '2'],
      ['SDIFFSTORE', 'd', 'x', 'nokey'],
      ['OBJECT', 'ENCODING', 'd'],
      ['SINTERSTORE', 'e', 'x', 'i'],
      ['OBJECT', 'ENCODING', 'e'],
      ['SMEMBERS', 'e'],
      // SMOVE creates the destination from the moved member.
      ['SMOVE', 'x', 'fresh', '1'],
      ['OBJECT', 'ENCODING', 'fresh'],
      ['SMOVE', 'x', 'fresh2', 'a'],
      ['OBJECT', 'ENCODING', 'fresh2'],
      ['COPY', 'i', 'i2'],
      ['OBJECT', 'ENCODING', 'i2'],
    ];
    for (const args of cases) await clients.same(...args);
    await expectSameDataset(
      clients,
      ['i', 'i2', 'n', 'm', 'x', 'd', 'e', 'fresh', 'fresh2'],
      'encodings',
    );
  });

  it('SPOP of most of a set rebuilds it, so a hashtable of a few integers is an intset again', async () => {
    await clients.same('FLUSHALL');
    const members = Array.from({ length: 20 }, (_, i) => String(i));
    await clients.same('SADD', 'big', ...members);
    await clients.same('OBJECT', 'ENCODING', 'big');
    // Popping 18 of 20 keeps 2 (2 * 5 <= 18): the survivors form a new intset.
    const [mine, theirs] = await clients.call('SPOP', 'big', '18');
    expect(mine.slice(0, 5)).toBe(theirs.slice(0, 5));
    await clients.same('OBJECT', 'ENCODING', 'big');
    await clients.same('SCARD', 'big');
    await clients.same('SADD', 'few', ...members);
    // Popping 3 of 20 removes them one by one: still a hashtable.
    const [mine3, theirs3] = await clients.call('SPOP', 'few', '3');
    expect(mine3.slice(0, 4)).toBe(theirs3.slice(0, 4));
    await clients.same('OBJECT', 'ENCODING', 'few');
    await clients.same('SCARD', 'few');
  });

  it('SPOP removes exactly what it returns and SRANDMEMBER samples by the sign of the count', async () => {
    await clients.same('FLUSHALL');
    const client = clients.resplica;
    const call = async (...args: string[]): Promise<Buffer> => {
      client.send(...args);
      return client.readReply();
    };
    const all = Array.from({ length: 50 }, (_, i) => `m${i}`);
    await call('SADD', 's', ...all);
    for (const count of ['1', '10', '20']) {
      const before = new Set(elementsOf(await call('SMEMBERS', 's'))!.elements.map(bulkText));
      const popped = elementsOf(await call('SPOP', 's', count))!.elements.map(bulkText);
      expect(popped.length).toBe(Math.min(Number(count), before.size));
      expect(new Set(popped).size).toBe(popped.length);
      const after = new Set(elementsOf(await call('SMEMBERS', 's'))!.elements.map(bulkText));
      for (const m of popped) {
        expect(before.has(m)).toBe(true);
        expect(after.has(m)).toBe(false);
      }
      expect(after.size).toBe(before.size - popped.length);
    }
    const single = bulkText(await call('SPOP', 's'));
    expect(all).toContain(single);
    expect((await call('SISMEMBER', 's', single)).toString()).toBe(':0\r\n');
    const left = Number((await call('SCARD', 's')).toString().slice(1, -2));
    expect(left).toBe(18);
    for (const count of [5, 17, 18, 40]) {
      const picked = elementsOf(await call('SRANDMEMBER', 's', String(count)))!.elements.map(
        bulkText,
      );
      expect(picked.length).toBe(Math.min(count, 18));
      expect(new Set(picked).size).toBe(picked.length);
    }
    const repeated = elementsOf(await call('SRANDMEMBER', 's', '-100'))!.elements.map(bulkText);
    expect(repeated.length).toBe(100);
    expect(new Set(repeated).size).toBeLessThanOrEqual(18);
    expect((await call('SCARD', 's')).toString()).toBe(':18\r\n');
    // Popping everything deletes the key.
    const rest = elementsOf(await call('SPOP', 's', '1000'))!;
    expect(rest.elements.length).toBe(18);
    expect((await call('EXISTS', 's')).toString()).toBe(':0\r\n');
    await call('HELLO', '3');
    expect((await call('SPOP', 'nokey', '3')).toString()).toBe('~0\r\n');
    await call('SADD', 's', 'a', 'b', 'c');
    expect((await call('SPOP', 's', '2')).toString()).toMatch(/^~2\r\n/);
    expect((await call('SRANDMEMBER', 's', '2')).toString()).toMatch(/^\*1\r\n/);
    await call('HELLO', '2');
  });

  it('SSCAN over a hashtable returns every member present for the whole iteration, on both servers alike', async () => {
    await clients.same('FLUSHALL');
    const members = Array.from({ length: 400 }, (_, i) => `m:${i}`);
    await clients.same('SADD', 'big', ...members);
    const collect = async (which: 'resplica' | 'redis', mutate: boolean): Promise<Set<string>> => {
      const client = clients[which];
      let step = 0;
      const elements = await scanAll(async (cursor) => {
        if (mutate) {
          // Members added and removed mid-scan may or may not be seen; the
          // untouched ones must all be.
          client.send('SADD', 'big', `extra:${step}`);
          client.send('SREM', 'big', `extra:${step - 2}`, `m:${300 + (step % 100)}`);
          await client.readReply();
          await client.readReply();
        }
        step++;
        client.send('SSCAN', 'big', cursor, 'COUNT', '9');
        return client.readReply();
      });
      return new Set(elements.map(bulkText));
    };
    const mine = await collect('resplica', false);
    const theirs = await collect('redis', false);
    expect([...mine].sort()).toEqual([...theirs].sort());
    expect(mine.size).toBe(400);
    const during = await collect('resplica', true);
    for (let i = 0; i < 300; i++) expect(during.has(`m:${i}`)).toBe(true);
  });
});
