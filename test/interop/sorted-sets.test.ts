import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeArgs, mulberry32 } from './command-generator.js';
import {
  ClientPair,
  compareReplies,
  splitAggregate,
  skipInterop,
  startPair,
  type ServerPair,
} from './compare.js';

/**
 * Sorted sets against a real redis-server 7.0: seeded random command
 * sequences (every reply byte-identical, the dataset's DEBUG DIGEST equal at
 * the end) and hand-picked edge cases.
 *
 * Two loosenings, both for replies Redis itself leaves to chance:
 * - `shape`: ZRANDMEMBER with fewer distinct members than the set holds, or
 *   with repetitions, picks at random; the reply's type and length must agree.
 * - `scan`: ZSCAN of a skiplist-encoded set walks Redis's hash table; with a
 *   COUNT above the set's size both servers finish in one call, so the cursor
 *   must be 0 on both and the member/score pairs equal as a multiset.
 * BYLEX commands only touch keys whose scores are all 0: Redis leaves lex
 * ranges undefined when scores differ, and its answer then depends on the
 * skiplist's random levels.
 */

type Args = Array<string | Buffer>;
type Check = 'exact' | 'shape' | 'scan';

interface Step {
  args: Args;
  check: Check;
}

/** RESPLICA_ZSET_SEEDS=7,8 replays (or explores) other seeds. */
const SEEDS = process.env.RESPLICA_ZSET_SEEDS?.split(',').map(Number) ?? [1, 7, 99, 2024];
const COMMANDS_PER_SEED = 1500;
const BATCH = 100;

/** Small listpack limits so that sequences cross them both ways. */
const LIMITS = ['--zset-max-listpack-entries', '12', '--zset-max-listpack-value', '16'];

const ZKEYS = ['z1', 'z2', 'z3', 'dst'];
const LEXKEYS = ['lex1', 'lex2'];
const STRING_KEY = 'str';
const ALL_KEYS = [...ZKEYS, ...LEXKEYS, STRING_KEY, 'missing'];

const MEMBERS: readonly string[] = [
  'a',
  'b',
  'c',
  'd',
  'e',
  'f',
  'g',
  'h',
  'aa',
  'ab',
  'b\x00',
  '\xff',
  '1',
  '10',
  '-5',
  '007',
  '3.5',
  'member-with-a-long-name',
  'x'.repeat(17),
  '',
];

const SCORES: readonly string[] = [
  '0',
  '1',
  '-1',
  '2',
  '3',
  '1.5',
  '-2.5',
  '0.1',
  'inf',
  '-inf',
  '+inf',
  '1e300',
  '-1e-300',
  '100',
  '-0',
  '1e17',
  '12345678901234567',
  '3.0',
  '0x10',
  '5e-324',
];

const BAD_SCORES: readonly string[] = [
  'nan',
  'abc',
  '',
  '1e',
  ' 1',
  '1 ',
  '1e999',
  '1e-400',
  '--1',
];

const BOUNDS: readonly string[] = [
  '-inf',
  '+inf',
  '0',
  '1',
  '(1',
  '2',
  '(2',
  '1.5',
  '(inf',
  '(-inf',
  '-1',
  '100',
  '',
  '(',
  ' 3',
  'x',
  'nan',
  '(nan',
];

const LEX_BOUNDS: readonly string[] = [
  '-',
  '+',
  '[a',
  '(a',
  '[c',
  '(d',
  '[b\x00',
  '[',
  '(',
  'a',
  '+x',
  '[zz',
];

class ZSetGenerator {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private score(): string {
    return this.chance(0.04) ? this.pick(BAD_SCORES) : this.pick(SCORES);
  }

  private zkey(): string {
    if (this.chance(0.05)) return STRING_KEY;
    if (this.chance(0.05)) return 'missing';
    return this.pick(ZKEYS);
  }

  private rank(): string {
    return this.pick(['0', '1', '-1', '2', '-2', '5', '-100', '100', '3', 'x']);
  }

  private withScores(args: Args): Args {
    if (this.chance(0.5)) args.push('WITHSCORES');
    return args;
  }

  private limit(args: Args): Args {
    if (this.chance(0.4))
      args.push('LIMIT', this.pick(['0', '1', '2', '-1']), this.pick(['1', '2', '-1', '0', '5']));
    return args;
  }

  private keysArgs(n: number): string[] {
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push(this.zkey());
    return keys;
  }

  next(): Step {
    const r = this.int(100);
    const key = this.zkey();
    const exact = (args: Args): Step => ({ args, check: 'exact' });
    if (r < 22) {
      const args: Args = ['ZADD', key];
      if (this.chance(0.35)) {
        for (const opt of ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'])
          if (this.chance(0.2)) args.push(opt);
      }
      const pairs = this.chance(0.3) ? 1 + this.int(6) : 1;
      for (let i = 0; i < pairs; i++) args.push(this.score(), this.pick(MEMBERS));
      if (this.chance(0.03)) args.pop();
      return exact(args);
    }
    if (r < 28) return exact(['ZINCRBY', key, this.score(), this.pick(MEMBERS)]);
    if (r < 33) {
      const args: Args = ['ZREM', key];
      for (let i = 0, n = 1 + this.int(3); i < n; i++) args.push(this.pick(MEMBERS));
      return exact(args);
    }
    if (r < 35) return exact(['ZCARD', key]);
    if (r < 38) return exact(['ZSCORE', key, this.pick(MEMBERS)]);
    if (r < 40) return exact(['ZMSCORE', key, this.pick(MEMBERS), this.pick(MEMBERS)]);
    if (r < 43) return exact([this.pick(['ZRANK', 'ZREVRANK']), key, this.pick(MEMBERS)]);
    if (r < 47) return exact(this.withScores(['ZRANGE', key, this.rank(), this.rank()]));
    if (r < 49) return exact(this.withScores(['ZREVRANGE', key, this.rank(), this.rank()]));
    if (r < 54) {
      const args: Args = ['ZRANGE', key, this.pick(BOUNDS), this.pick(BOUNDS), 'BYSCORE'];
      if (this.chance(0.5)) args.push('REV');
      return exact(this.withScores(this.limit(args)));
    }
    if (r < 58) {
      const cmd = this.pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']);
      return exact(this.withScores(this.limit([cmd, key, this.pick(BOUNDS), this.pick(BOUNDS)])));
    }
    if (r < 60) return exact(['ZCOUNT', key, this.pick(BOUNDS), this.pick(BOUNDS)]);
    if (r < 64) {
      const args: Args = [this.pick(['ZPOPMIN', 'ZPOPMAX']), key];
      if (this.chance(0.6)) args.push(this.pick(['0', '1', '2', '5', '-1', 'x']));
      return exact(args);
    }
    if (r < 66) {
      const n = 1 + this.int(3);
      const args: Args = [
        'ZMPOP',
        String(n),
        ...this.keysArgs(n),
        this.pick(['MIN', 'MAX', 'mid']),
      ];
      if (this.chance(0.5)) args.push('COUNT', this.pick(['1', '3', '0', '10']));
      return exact(args);
    }
    if (r < 69) {
      const cmd = this.pick(['ZREMRANGEBYRANK', 'ZREMRANGEBYSCORE']);
      const a = cmd === 'ZREMRANGEBYRANK' ? this.rank() : this.pick(BOUNDS);
      const b = cmd === 'ZREMRANGEBYRANK' ? this.rank() : this.pick(BOUNDS);
      return exact([cmd, key, a, b]);
    }
    if (r < 77) {
      const op = this.pick(['ZUNION', 'ZINTER', 'ZDIFF']);
      const store = this.chance(0.5);
      const n = 1 + this.int(3);
      const args: Args = store ? [op + 'STORE', this.pick(ZKEYS)] : [op];
      args.push(String(n), ...this.keysArgs(n));
      if (this.chance(0.3)) {
        args.push('WEIGHTS');
        for (let i = 0; i < n; i++) args.push(this.pick(['1', '2', '-1', '0', '0.5', 'inf', 'x']));
      }
      if (this.chance(0.3)) args.push('AGGREGATE', this.pick(['SUM', 'MIN', 'MAX', 'AVG']));
      if (!store && this.chance(0.5)) args.push('WITHSCORES');
      return exact(args);
    }
    if (r < 79) {
      const n = 1 + this.int(3);
      const args: Args = ['ZINTERCARD', String(n), ...this.keysArgs(n)];
      if (this.chance(0.4)) args.push('LIMIT', this.pick(['0', '1', '2', '-1']));
      return exact(args);
    }
    if (r < 82) {
      const args: Args = ['ZRANGESTORE', this.pick(ZKEYS), key];
      if (this.chance(0.5)) args.push(this.rank(), this.rank());
      else args.push(this.pick(BOUNDS), this.pick(BOUNDS), 'BYSCORE');
      if (this.chance(0.3)) args.push('REV');
      return exact(this.limit(args));
    }
    if (r < 84) {
      if (this.chance(0.3)) return { args: ['ZRANDMEMBER', key], check: 'shape' };
      const count = this.pick(['100', '-3', '2', '0', '1']);
      const args: Args = ['ZRANDMEMBER', key, count];
      if (this.chance(0.5)) args.push('WITHSCORES');
      return { args, check: count === '100' || count === '0' ? 'exact' : 'shape' };
    }
    if (r < 86) {
      const args: Args = ['ZSCAN', key, '0', 'COUNT', '1000'];
      if (this.chance(0.3)) args.push('MATCH', this.pick(['a*', '*', '?', '[a-c]*']));
      return { args, check: 'scan' };
    }
    if (r < 88) return exact(['OBJECT', 'ENCODING', key]);
    if (r < 95) return this.lexStep();
    if (r < 96) return exact(['DEBUG', 'DIGEST-VALUE', key]);
    if (r < 97) return exact(['SET', STRING_KEY, 'v']);
    if (r < 98) return exact(['DEL', this.pick(ZKEYS)]);
    // Wrong arity: the dispatcher answers from the table.
    return exact(
      this.pick<Args>([
        ['ZADD', key],
        ['ZADD', key, '1'],
        ['ZCARD'],
        ['ZSCORE', key],
        ['ZRANGE', key, '0'],
        ['ZINCRBY', key, '1'],
        ['ZPOPMIN'],
        ['ZPOPMIN', key, '1', '2'],
        ['ZUNIONSTORE', 'dst', '1'],
        ['ZMPOP', '1', key],
        ['ZRANGESTORE', 'dst', key, '0'],
      ]),
    );
  }

  /** Lex commands, on keys whose scores stay 0 (see the header comment). */
  private lexStep(): Step {
    const key = this.chance(0.1) ? STRING_KEY : this.pick(LEXKEYS);
    const r = this.int(10);
    const exact = (args: Args): Step => ({ args, check: 'exact' });
    if (r < 3) {
      const args: Args = ['ZADD', key];
      for (let i = 0, n = 1 + this.int(4); i < n; i++) args.push('0', this.pick(MEMBERS));
      return exact(args);
    }
    if (r < 4) return exact(['ZLEXCOUNT', key, this.pick(LEX_BOUNDS), this.pick(LEX_BOUNDS)]);
    if (r < 6) {
      const cmd = this.pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']);
      const args: Args = [cmd, key, this.pick(LEX_BOUNDS), this.pick(LEX_BOUNDS)];
      if (this.chance(0.1)) args.push('WITHSCORES');
      return exact(this.limit(args));
    }
    if (r < 8) {
      const store = this.chance(0.3);
      const args: Args = store ? ['ZRANGESTORE', this.pick(LEXKEYS), key] : ['ZRANGE', key];
      args.push(this.pick(LEX_BOUNDS), this.pick(LEX_BOUNDS), 'BYLEX');
      if (this.chance(0.5)) args.push('REV');
      return exact(this.limit(args));
    }
    if (r < 9) return exact(['ZREMRANGEBYLEX', key, this.pick(LEX_BOUNDS), this.pick(LEX_BOUNDS)]);
    return exact(['ZREM', key, this.pick(MEMBERS)]);
  }
}

/** Compares ZSCAN replies as cursor + multiset of (member, score) pairs. */
function scanPairs(reply: Buffer): string | null {
  const outer = splitAggregate(reply);
  if (outer === null || outer.elements.length !== 2) return null;
  const inner = splitAggregate(outer.elements[1]!);
  if (inner === null) return null;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < inner.elements.length; i += 2)
    pairs.push(inner.elements[i]!.toString('latin1') + inner.elements[i + 1]!.toString('latin1'));
  return outer.elements[0]!.toString('latin1') + JSON.stringify(pairs.sort());
}

function differs(mine: Buffer, theirs: Buffer, check: Check): string | null {
  if (check === 'exact') return compareReplies(mine, theirs, 'exact');
  if (mine.equals(theirs)) return null;
  const show = `resplica ${JSON.stringify(mine.toString('latin1').slice(0, 300))} vs redis ${JSON.stringify(theirs.toString('latin1').slice(0, 300))}`;
  if (check === 'scan') {
    const a = scanPairs(mine);
    return a !== null && a === scanPairs(theirs) ? null : show;
  }
  // shape: same reply type and the same first line (length or null).
  const head = (b: Buffer): string => {
    const eol = b.indexOf('\r\n');
    const line = b.toString('latin1', 0, eol);
    return line[0] === '$' && line !== '$-1' ? '$' : line;
  };
  return head(mine) === head(theirs) ? null : show;
}

describe.skipIf(skipInterop)('sorted sets answer exactly as redis-server 7.0', () => {
  let servers: ServerPair;
  let clients: ClientPair;

  beforeAll(async () => {
    servers = await startPair(LIMITS);
  });

  afterAll(async () => {
    clients?.close();
    await servers?.stop();
  });

  beforeEach(async () => {
    clients?.close();
    clients = await ClientPair.connect(servers);
    await clients.same('FLUSHALL');
  });

  for (const [n, seed] of SEEDS.entries()) {
    const resp = n % 2 === 0 ? 2 : 3;
    it(`seed ${seed} (RESP${resp}): ${COMMANDS_PER_SEED} random sorted set commands agree, and so does the dataset`, async () => {
      if (resp === 3) await clients.batch([['HELLO', '3']]);
      // A string from the start, so that no sorted set ever lives under its name.
      await clients.same('SET', STRING_KEY, 'v');
      const generator = new ZSetGenerator(seed);
      const steps: Step[] = [];
      while (steps.length < COMMANDS_PER_SEED) steps.push(generator.next());
      for (let start = 0; start < steps.length; start += BATCH) {
        const batch = steps.slice(start, start + BATCH);
        const replies = await clients.batch(batch.map((s) => s.args));
        for (const [i, [mine, theirs]] of replies.entries()) {
          const difference = differs(mine, theirs, batch[i]!.check);
          if (difference === null) continue;
          const index = start + i;
          const show = (j: number): string => `  #${j} ${describeArgs(steps[j]!.args)}`;
          const recent: string[] = [];
          for (let j = Math.max(0, index - 6); j < index; j++) recent.push(show(j));
          // The last commands that named the same key, usually where the states diverged.
          const key = String(batch[i]!.args[1]);
          const related: string[] = [];
          for (let j = index - 1; j >= 0 && related.length < 15; j--) {
            if (steps[j]!.args.slice(1).some((a) => String(a) === key)) related.unshift(show(j));
          }
          throw new Error(
            `seed ${seed}, command #${index}: ${describeArgs(batch[i]!.args)}\n${difference}\npreceded by:\n${recent.join('\n')}\nearlier commands on ${key}:\n${related.join('\n')}`,
          );
        }
      }
      const finals: Args[] = [['DEBUG', 'DIGEST'], ['DBSIZE']];
      for (const key of ALL_KEYS) {
        finals.push(['OBJECT', 'ENCODING', key], ['ZRANGE', key, '0', '-1', 'WITHSCORES']);
      }
      const replies = await clients.batch(finals);
      for (const [i, [mine, theirs]] of replies.entries()) {
        expect(mine.toString('latin1'), `seed ${seed}, at the end: ${finals[i]!.join(' ')}`).toBe(
          theirs.toString('latin1'),
        );
      }
    });
  }

  /** Runs the commands in order on both servers, failing on the first difference. */
  async function sameAll(...commands: Args[]): Promise<void> {
    for (const args of commands) await clients.same(...args);
  }

  it('formats scores as Redis does: integers bare, %.17g otherwise, inf, ties to even', async () => {
    await sameAll(
      ['ZADD', 'k', '0.1', 'a', '1e300', 'b', 'inf', 'c', '2.98023223876953125e-08', 'd'],
      ['ZADD', 'k', '12345678901234567', 'e', '-1e-300', 'f', '3.0', 'g', '0x1p-3', 'h'],
      ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'],
      ['ZSCAN', 'k', '0'],
      ['ZSCORE', 'k', 'h'],
      ['ZMSCORE', 'k', 'a', 'zz', 'c'],
      ['DEBUG', 'DIGEST-VALUE', 'k'],
    );
    // HELLO's reply carries the connection id, which legitimately differs.
    await clients.batch([['HELLO', '3']]);
    await sameAll(
      ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'],
      ['ZSCORE', 'k', 'c'],
      ['ZPOPMIN', 'k'],
      ['ZPOPMIN', 'k', '2'],
      ['ZINCRBY', 'k', '1', 'c'],
    );
  });

  it('keeps -0 only in skiplist-encoded sets, as the listpack text form loses it', async () => {
    await sameAll(
      ['ZADD', 'small', '-0', 'a'],
      ['ZSCORE', 'small', 'a'],
      ['ZADD', 'big', '-0', 'a', '1', 'x'.repeat(20)],
      ['OBJECT', 'ENCODING', 'big'],
      ['ZSCORE', 'big', 'a'],
      ['ZUNIONSTORE', 'u', '1', 'big', 'WEIGHTS', '-1'],
      ['ZRANGE', 'u', '0', '-1', 'WITHSCORES'],
      ['DEBUG', 'DIGEST'],
    );
  });

  it('rejects NaN results, bad floats and bad ranges with Redis error texts', async () => {
    await sameAll(
      ['ZADD', 'k', 'inf', 'a'],
      ['ZINCRBY', 'k', '-inf', 'a'],
      ['ZADD', 'k', 'INCR', '-inf', 'a'],
      ['ZADD', 'k', 'nan', 'a'],
      ['ZADD', 'k', '1e999', 'a'],
      ['ZADD', 'k', '1e-400', 'a'],
      ['ZADD', 'k', '5e-324', 'tiny'],
      ['ZADD', 'k', ' 1', 'a'],
      ['ZADD', 'k', 'infinity', 'b', '-Infinity', 'c'],
      ['ZRANGEBYSCORE', 'k', '(', ''],
      ['ZRANGEBYSCORE', 'k', ' -inf', '0x10'],
      ['ZRANGEBYSCORE', 'k', '1e', '2'],
      ['ZRANGEBYSCORE', 'k', '(nan', '2'],
      ['ZRANGEBYLEX', 'k', 'a', '+'],
      ['ZRANGEBYLEX', 'k', '-', '+x'],
      ['ZLEXCOUNT', 'k', '', '+'],
      ['ZUNION', '1', 'k', 'WEIGHTS', 'x'],
      ['ZUNIONSTORE', 'd', '2', 'k', 'k', 'WEIGHTS', '0', 'inf'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
    );
  });

  it('answers every ZADD option conflict and combination like Redis', async () => {
    const options = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'];
    const commands: Args[] = [['ZADD', 'k', '5', 'a', '5', 'b']];
    for (let mask = 0; mask < 64; mask++) {
      const opts = options.filter((_, i) => (mask & (1 << i)) !== 0);
      commands.push(['ZADD', 'k', ...opts, String(mask % 9), mask % 2 === 0 ? 'a' : 'new' + mask]);
      commands.push(['ZADD', 'nokey', ...opts, '1', 'a'], ['DEL', 'nokey']);
    }
    commands.push(['ZADD', 'k', 'INCR', '1', 'a', '2', 'b'], ['ZINCRBY', 'k', 'NX', 'a']);
    commands.push(['ZRANGE', 'k', '0', '-1', 'WITHSCORES']);
    await sameAll(...commands);
  });

  it('checks ZRANGE options before the key, and LIMIT/WITHSCORES conflicts', async () => {
    await sameAll(
      ['SET', 's', 'x'],
      ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c'],
      ['ZRANGE', 's', '0', '-1', 'BYSCORE', 'BYLEX'],
      ['ZRANGE', 's', '0', '-1'],
      ['ZRANGE', 'k', '0', '-1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'k', '0', '-1', 'LIMIT', '0', '-1'],
      ['ZRANGE', 'k', '-', '+', 'BYLEX', 'WITHSCORES'],
      ['ZRANGE', 'k', '(3', '1', 'BYSCORE', 'REV', 'LIMIT', '1', '5', 'WITHSCORES'],
      ['ZRANGE', 'k', '1', '3', 'BYSCORE', 'LIMIT', '-1', '5'],
      ['ZRANGE', 'k', '1', '3', 'BYSCORE', 'LIMIT', '1'],
      ['ZRANGE', 'k', '1', '3', 'BYSCORE', 'LIMIT', 'x', '1'],
      ['ZRANGEBYSCORE', 'k', '1', '3', 'REV'],
      ['ZREVRANGE', 'k', '0', '-1', 'REV'],
      ['ZRANGESTORE', 'd', 'k', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd', 'k', '5', '10'],
      ['EXISTS', 'd'],
      ['ZRANGESTORE', 'd', 'nokey', '0', '-1'],
      ['ZRANGE', 'k', '-9223372036854775808', '9223372036854775807'],
      ['ZRANGE', 'k', '0', '9223372036854775808'],
    );
  });

  it('pops with Redis reply shapes in RESP2 and RESP3, and ZMPOP errors', async () => {
    const pops: Args[] = [
      ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZPOPMIN', 'k'],
      ['ZPOPMAX', 'k', '1'],
      ['ZPOPMIN', 'k', '0'],
      ['ZPOPMIN', 'k', '-1'],
      ['ZPOPMIN', 'nokey'],
      ['ZMPOP', '2', 'nokey', 'k', 'MAX', 'COUNT', '5'],
      ['EXISTS', 'k'],
      ['ZMPOP', '1', 'k', 'MIN'],
      ['ZMPOP', '0', 'k', 'MIN'],
      ['ZMPOP', '-1', 'k', 'MIN'],
      ['ZMPOP', 'x', 'k', 'MIN'],
      ['ZMPOP', '3', 'k', 'MIN'],
      ['ZMPOP', '1', 'k', 'MIN', 'COUNT', '0'],
      ['ZMPOP', '1', 'k', 'MIN', 'COUNT', '1', 'COUNT', '1'],
      ['ZMPOP', '1', 'k', 'MIN', 'COUNT'],
    ];
    await sameAll(...pops);
    await clients.batch([['HELLO', '3']]);
    await sameAll(...pops);
  });

  it('reports encodings across the default listpack limits, and *STORE results convert back', async () => {
    await clients.same('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await clients.same('CONFIG', 'SET', 'zset-max-listpack-value', '64');
    const fill: Args = ['ZADD', 'big'];
    for (let i = 0; i < 129; i++) fill.push(String(i), `m${i}`);
    try {
      await sameAll(
        ['ZADD', 'long', '1', 'x'.repeat(65)],
        ['OBJECT', 'ENCODING', 'long'],
        ['ZADD', 'edge', '1', 'x'.repeat(64)],
        ['OBJECT', 'ENCODING', 'edge'],
        ['ZADD', 'edge', '2', 'y'.repeat(65)],
        ['OBJECT', 'ENCODING', 'edge'],
        ['ZREM', 'edge', 'y'.repeat(65)],
        ['OBJECT', 'ENCODING', 'edge'],
        fill,
        ['OBJECT', 'ENCODING', 'big'],
        ['ZREMRANGEBYRANK', 'big', '0', '100'],
        ['OBJECT', 'ENCODING', 'big'],
        ['ZRANGESTORE', 'copy', 'big', '0', '-1'],
        ['OBJECT', 'ENCODING', 'copy'],
        ['ZUNIONSTORE', 'u', '1', 'edge'],
        ['OBJECT', 'ENCODING', 'u'],
        ['ZINTERSTORE', 'i', '2', 'big', 'big'],
        ['OBJECT', 'ENCODING', 'i'],
        ['COPY', 'big', 'big2'],
        ['OBJECT', 'ENCODING', 'big2'],
        ['ZSCAN', 'copy', '0'],
        ['DEBUG', 'DIGEST'],
      );
    } finally {
      await clients.same('CONFIG', 'SET', 'zset-max-listpack-entries', LIMITS[1]!);
      await clients.same('CONFIG', 'SET', 'zset-max-listpack-value', LIMITS[3]!);
    }
  });

  it('combines plain sets as sorted sets of score 1 in ZUNION/ZINTER/ZDIFF', async () => {
    await sameAll(
      ['SADD', 'set', 'a', 'b', '1'],
      ['ZADD', 'z', '5', 'a', '7', 'c'],
      ['ZUNION', '2', 'set', 'z', 'WITHSCORES'],
      ['ZINTER', '2', 'set', 'z', 'WEIGHTS', '3', '2', 'WITHSCORES'],
      ['ZDIFF', '2', 'set', 'z', 'WITHSCORES'],
      ['ZINTERCARD', '2', 'set', 'z'],
      ['ZUNIONSTORE', 'out', '2', 'z', 'set', 'AGGREGATE', 'MAX'],
      ['ZRANGE', 'out', '0', '-1', 'WITHSCORES'],
      ['ZUNION', '0', 'z'],
      ['ZINTERCARD', '0', 'z'],
      ['ZDIFFSTORE', 'out', '0', 'z'],
      ['ZUNION', '3', 'z'],
      ['ZDIFF', '1', 'z', 'WEIGHTS', '1'],
      ['ZINTERCARD', '1', 'z', 'LIMIT', '-1'],
      ['ZINTERCARD', '2', 'z', 'set', 'LIMIT', '1'],
      ['ZUNIONSTORE', 'out', '1', 'z', 'WITHSCORES'],
      ['ZINTERSTORE', 'out', '2', 'z', 'nokey'],
      ['EXISTS', 'out'],
    );
  });

  it('ZRANDMEMBER: whole set from the highest score when count >= size, distinct members otherwise, repeats for negative counts', async () => {
    await sameAll(
      ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
      ['ZRANDMEMBER', 'k', '10', 'WITHSCORES'],
      ['ZRANDMEMBER', 'k', '0'],
      ['ZRANDMEMBER', 'nokey', '3'],
      ['ZRANDMEMBER', 'nokey'],
      ['ZRANDMEMBER', 'k', '-9223372036854775808'],
      ['ZRANDMEMBER', 'k', '9223372036854775807', 'WITHSCORES'],
      ['ZRANDMEMBER', 'k', '1', 'SCORES'],
    );
    const members = new Map([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
      ['e', '5'],
    ]);
    for (let round = 0; round < 20; round++) {
      const [distinct] = await clients.call('ZRANDMEMBER', 'k', '3', 'WITHSCORES');
      const parts = distinct
        .split('\r\n')
        .filter((p, i) => i > 0 && !p.startsWith('$') && p !== '');
      expect(parts.length).toBe(6);
      const names = parts.filter((_, i) => i % 2 === 0);
      expect(new Set(names).size).toBe(3);
      for (let i = 0; i < 6; i += 2) expect(members.get(parts[i]!)).toBe(parts[i + 1]);
      const [repeats] = await clients.call('ZRANDMEMBER', 'k', '-8');
      const picked = repeats
        .split('\r\n')
        .filter((p, i) => i > 0 && !p.startsWith('$') && p !== '');
      expect(picked.length).toBe(8);
      for (const m of picked) expect(members.has(m)).toBe(true);
    }
  });

  it('ZSCAN of a large set visits every member once, with its score, across calls', async () => {
    const fill: Args = ['ZADD', 'k'];
    for (let i = 0; i < 300; i++) fill.push(String(i / 4), `m${i}`);
    await clients.same(...fill);
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [reply] = await clients.call('ZSCAN', 'k', cursor, 'COUNT', '25');
      const outer = splitAggregate(Buffer.from(reply, 'latin1'))!;
      cursor = outer.elements[0]!.toString('latin1').split('\r\n')[1]!;
      const inner = splitAggregate(outer.elements[1]!)!;
      for (let i = 0; i < inner.elements.length; i += 2) {
        const member = inner.elements[i]!.toString('latin1').split('\r\n')[1]!;
        expect(seen.has(member)).toBe(false);
        seen.set(member, inner.elements[i + 1]!.toString('latin1').split('\r\n')[1]!);
      }
      calls++;
    } while (cursor !== '0' && calls < 1000);
    expect(seen.size).toBe(300);
    expect(seen.get('m3')).toBe('0.75');
    await sameAll(
      ['ZSCAN', 'k', 'x'],
      ['ZSCAN', 'k', '0', 'COUNT', '0'],
      ['ZSCAN', 'k', '0', 'TYPE', 'zset'],
      ['ZSCAN', 'nokey', '0'],
      ['SET', 's', 'x'],
      ['ZSCAN', 's', '0'],
    );
  });

  it('answers WRONGTYPE after the checks Redis makes first', async () => {
    await sameAll(
      ['SET', 's', 'x'],
      ['ZADD', 's', 'x', 'a'],
      ['ZADD', 's', '1', 'a'],
      ['ZCOUNT', 's', 'x', '1'],
      ['ZCOUNT', 's', '0', '1'],
      ['ZREMRANGEBYSCORE', 's', 'x', '1'],
      ['ZREMRANGEBYRANK', 's', '0', '1'],
      ['ZPOPMIN', 's', 'x'],
      ['ZPOPMIN', 's', '0'],
      ['ZMPOP', '2', 'nokey', 's', 'MIN'],
      ['ZUNIONSTORE', 'd', '1', 's', 'WEIGHTS', 'x'],
      ['ZRANDMEMBER', 's', 'x'],
      ['ZRANDMEMBER', 's', '2'],
      ['ZSCORE', 's', 'a'],
      ['ZMSCORE', 's', 'a'],
      ['ZRANK', 's', 'a'],
      ['ZCARD', 's'],
      ['ZREM', 's', 'a'],
      ['ZINCRBY', 's', 'x', 'a'],
    );
  });
});
