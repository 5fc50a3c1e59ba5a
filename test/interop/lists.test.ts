import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeArgs, mulberry32 } from './command-generator.js';
import { ClientPair, compareReplies, skipInterop, startPair, type ServerPair } from './compare.js';

/**
 * The list type against a real redis-server 7.0: seeded random sequences of
 * list commands (with WRONGTYPE keys, bad arities, extreme indexes and
 * counts) must get byte-identical replies and leave identical datasets
 * (DEBUG DIGEST), then hand-written edge cases, including the generic key
 * commands applied to lists.
 *
 * A failure names the seed and the command index; RESPLICA_LIST_SEEDS=<seed>
 * replays that sequence.
 */

type Args = Array<string | Buffer>;

const SEEDS = process.env.RESPLICA_LIST_SEEDS?.split(',').map(Number) ?? [
  1, 2, 3, 99, 2024, 0xc0ffee,
];
const COMMANDS_PER_SEED = 1500;
const BATCH = 100;

/** Few keys so that commands keep meeting the same lists; `s` is often a string. */
const KEYS: ReadonlyArray<string | Buffer> = ['l1', 'l2', 'l3', 's', '', Buffer.from([0, 0xff])];

const ELEMENTS: ReadonlyArray<string | Buffer> = [
  'a',
  'b',
  'c',
  'a',
  '',
  '1',
  '-1',
  '01',
  '-0',
  '9223372036854775808',
  'hello world',
  Buffer.from([0, 0x0d, 0x0a, 0xff]),
  // Past the reply writer's zero-copy threshold: replies queue it by reference.
  'Z'.repeat(5000),
];

const INDEXES = [
  '0',
  '1',
  '2',
  '3',
  '-1',
  '-2',
  '-3',
  '10',
  '-10',
  '100',
  '-100',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  'x',
  '1.5',
  '',
  '+1',
];

const COUNTS = [
  '0',
  '1',
  '2',
  '3',
  '5',
  '100',
  '-1',
  '-5',
  'x',
  '9223372036854775807',
  '-9223372036854775808',
];

/** Random list command sequences; the same seed always yields the same commands. */
class ListCommandGenerator {
  private readonly rand: () => number;

  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private chance(p: number): boolean {
    return this.rand() < p;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Keywords in random case: Redis matches them case-insensitively. */
  private word(w: string): string {
    return this.chance(0.5) ? w : w.toLowerCase();
  }

  private key(): string | Buffer {
    return this.pick(KEYS);
  }

  private elements(min: number, max: number): Args {
    const n = min + this.int(max - min + 1);
    const out: Args = [];
    for (let i = 0; i < n; i++) out.push(this.pick(ELEMENTS));
    return out;
  }

  private end(): string {
    return this.chance(0.05)
      ? this.pick(['UP', 'middle', ''])
      : this.word(this.pick(['LEFT', 'RIGHT']));
  }

  private lposOptions(): Args {
    const out: Args = [];
    const n = this.int(4);
    for (let i = 0; i < n; i++) {
      const r = this.int(10);
      if (r < 3)
        out.push(
          this.word('RANK'),
          this.pick([
            '1',
            '2',
            '-1',
            '-2',
            '3',
            '0',
            'x',
            '-9223372036854775808',
            '9223372036854775807',
          ]),
        );
      else if (r < 6) out.push(this.word('COUNT'), this.pick(['0', '1', '2', '-1', 'x']));
      else if (r < 9) out.push(this.word('MAXLEN'), this.pick(['0', '1', '2', '5', '-1']));
      else out.push(this.pick(['RANK', 'FOO']));
    }
    return out;
  }

  next(): Args {
    const r = this.int(100);
    if (r < 18) {
      const cmd = this.pick(['LPUSH', 'RPUSH', 'LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX']);
      // Now and then a long push, so that trims, ranges and removals see big lists.
      const elements = this.chance(0.05) ? this.elements(50, 300) : this.elements(1, 5);
      return [cmd, this.key(), ...elements];
    }
    if (r < 28) {
      const cmd = this.pick(['LPOP', 'RPOP']);
      const k = this.int(10);
      if (k < 4) return [cmd, this.key()];
      if (k < 9) return [cmd, this.key(), this.pick(COUNTS)];
      return [cmd, this.key(), '1', '2'];
    }
    if (r < 32) return ['LLEN', this.key()];
    if (r < 42) return ['LRANGE', this.key(), this.pick(INDEXES), this.pick(INDEXES)];
    if (r < 47) return ['LINDEX', this.key(), this.pick(INDEXES)];
    if (r < 51) return ['LSET', this.key(), this.pick(INDEXES), this.pick(ELEMENTS)];
    if (r < 55) {
      const where = this.chance(0.1) ? 'NEAR' : this.word(this.pick(['BEFORE', 'AFTER']));
      return ['LINSERT', this.key(), where, this.pick(ELEMENTS), this.pick(ELEMENTS)];
    }
    if (r < 60) return ['LREM', this.key(), this.pick(COUNTS), this.pick(ELEMENTS)];
    if (r < 64) return ['LTRIM', this.key(), this.pick(INDEXES), this.pick(INDEXES)];
    if (r < 70) return ['LPOS', this.key(), this.pick(ELEMENTS), ...this.lposOptions()];
    if (r < 75) return ['LMOVE', this.key(), this.key(), this.end(), this.end()];
    if (r < 78) return ['RPOPLPUSH', this.key(), this.key()];
    if (r < 84) {
      const numkeys = this.int(4);
      const keys: Args = [];
      for (let i = 0; i < numkeys; i++) keys.push(this.key());
      const numArg = this.chance(0.08) ? this.pick(['0', '-1', 'x', '5']) : String(numkeys);
      const args: Args = ['LMPOP', numArg, ...keys, this.end()];
      if (this.chance(0.5)) args.push(this.word('COUNT'), this.pick(COUNTS));
      if (this.chance(0.05)) args.push(this.pick(['COUNT', 'FOO']));
      return args;
    }
    if (r < 88) return ['SET', 's', this.pick(ELEMENTS)];
    if (r < 90) return ['DEL', this.key()];
    if (r < 92) return [this.pick(['TYPE', 'EXISTS']), this.key()];
    if (r < 94) return ['OBJECT', 'ENCODING', this.key()];
    if (r < 95) return ['COPY', this.key(), this.key(), ...(this.chance(0.5) ? ['REPLACE'] : [])];
    if (r < 96) return ['RENAME', this.key(), this.key()];
    if (r < 97) return ['DEBUG', 'DIGEST-VALUE', this.key()];
    // Wrong arities: the dispatcher's error, from the table's arity.
    return this.pick<Args>([
      ['LPUSH', this.key()],
      ['LLEN'],
      ['LLEN', this.key(), 'x'],
      ['LINDEX', this.key()],
      ['LRANGE', this.key(), '0'],
      ['LSET', this.key(), '0'],
      ['LINSERT', this.key(), 'BEFORE', 'a'],
      ['LREM', this.key(), '0'],
      ['LTRIM', this.key(), '0', '1', '2'],
      ['LPOS', this.key()],
      ['LMOVE', this.key(), this.key(), 'LEFT'],
      ['RPOPLPUSH', this.key()],
      ['LMPOP', '1', this.key()],
      ['RPUSHX', this.key()],
    ]);
  }
}

describe.skipIf(skipInterop)('lists reply exactly as redis-server 7.0 does', () => {
  let servers: ServerPair;
  let clients: ClientPair;

  beforeAll(async () => {
    servers = await startPair();
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

  async function sameAll(...commands: Args[]): Promise<void> {
    for (const args of commands) await clients.same(...args);
  }

  for (const [n, seed] of SEEDS.entries()) {
    // Every other seed speaks RESP3, where null bulks and null arrays look alike.
    const resp = n % 2 === 0 ? 2 : 3;
    it(`seed ${seed} (RESP${resp}): ${COMMANDS_PER_SEED} random list commands agree, and so does the dataset`, async () => {
      if (resp === 3) {
        const [mine, theirs] = await clients.call('HELLO', '3');
        expect(mine[0]).toBe('%');
        expect(theirs[0]).toBe('%');
      }
      const generator = new ListCommandGenerator(seed);
      const steps: Args[] = [];
      while (steps.length < COMMANDS_PER_SEED) steps.push(generator.next());
      for (let start = 0; start < steps.length; start += BATCH) {
        const batch = steps.slice(start, start + BATCH);
        const replies = await clients.batch(batch);
        for (const [i, [mine, theirs]] of replies.entries()) {
          const difference = compareReplies(mine, theirs, 'exact');
          if (difference === null) continue;
          const recent = steps
            .slice(Math.max(0, start + i - 8), start + i)
            .map((s, j) => `  #${start + i - 8 + j} ${describeArgs(s)}`.slice(0, 300));
          throw new Error(
            `seed ${seed}, command #${start + i}: ${describeArgs(batch[i]!).slice(0, 300)}\n${difference}\npreceded by:\n${recent.join('\n')}`,
          );
        }
      }
      await sameAll(['DEBUG', 'DIGEST'], ['DBSIZE']);
      for (const key of KEYS) await sameAll(['TYPE', key], ['LRANGE', key, '0', '-1']);
    });
  }

  it('pushes answer the new length and create the key only when allowed', async () => {
    await sameAll(
      ['LPUSHX', 'l', 'a'],
      ['EXISTS', 'l'],
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['LPUSH', 'l', 'x', 'y'],
      ['LPUSHX', 'l', 'z', 'w'],
      ['RPUSHX', 'l', 'q'],
      ['LRANGE', 'l', '0', '-1'],
      ['OBJECT', 'ENCODING', 'l'],
      ['TYPE', 'l'],
      ['SET', 's', 'v'],
      ['LPUSH', 's', 'a'],
      ['RPUSHX', 's', 'a'],
      ['LLEN', 's'],
    );
  });

  it('pops with and without a count reply with the shapes Redis uses, in RESP2 and RESP3', async () => {
    for (const resp of ['2', '3']) {
      await clients.call('HELLO', resp);
      await sameAll(
        ['DEL', 'l'],
        ['LPOP', 'l'],
        ['RPOP', 'l'],
        ['LPOP', 'l', '0'],
        ['LPOP', 'l', '2'],
        ['RPOP', 'l', '5'],
        ['RPUSH', 'l', '1', '2', '3', '4', '5'],
        ['LPOP', 'l', '0'],
        ['LPOP', 'l', '-1'],
        ['LPOP', 'l', 'x'],
        ['LPOP', 'l', '1', '2'],
        ['LPOP', 'l'],
        ['RPOP', 'l', '2'],
        ['LPOP', 'l', '9223372036854775807'],
        ['EXISTS', 'l'],
        ['LMPOP', '2', 'x', 'y', 'LEFT'],
        ['LINDEX', 'l', '0'],
        ['LPOS', 'l', 'a'],
        ['LPOS', 'l', 'a', 'COUNT', '0'],
        ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
      );
    }
  });

  it('LMPOP pops from the first non-empty list, checks types on the way, and validates like Redis', async () => {
    await sameAll(
      ['RPUSH', 'b', '1', '2', '3'],
      ['SET', 's', 'v'],
      ['LMPOP', '3', 'a', 'b', 's', 'RIGHT', 'COUNT', '2'],
      ['LMPOP', '3', 'a', 's', 'b', 'LEFT'],
      ['LMPOP', '2', 'a', 'b', 'LEFT', 'COUNT', '10'],
      ['EXISTS', 'b'],
      ['LMPOP', '0', 'a', 'LEFT'],
      ['LMPOP', '-1', 'a', 'LEFT'],
      ['LMPOP', 'x', 'a', 'LEFT'],
      ['LMPOP', '5', 'a', 'LEFT'],
      ['LMPOP', '1', 'a', 'UP'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT'],
      ['LMPOP', '1', 'a', 'LEFT', 'EXTRA'],
    );
  });

  it('LPOS finds ranks, counts and bounded scans from either end', async () => {
    await clients.same('RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'a', 'c');
    const options: Args[] = [
      [],
      ['RANK', '2'],
      ['RANK', '-1'],
      ['RANK', '-3'],
      ['RANK', '4'],
      ['COUNT', '0'],
      ['COUNT', '2'],
      ['COUNT', '2', 'RANK', '-2'],
      ['COUNT', '0', 'MAXLEN', '4'],
      ['RANK', '-1', 'MAXLEN', '1'],
      ['RANK', '0'],
      ['RANK', 'x'],
      ['RANK', '-9223372036854775808'],
      ['RANK', '-9223372036854775808', 'COUNT', '1'],
      ['RANK', '9223372036854775807', 'COUNT', '0'],
      ['COUNT', '-1'],
      ['COUNT', 'x'],
      ['MAXLEN', '-1'],
      ['MAXLEN', 'x'],
      ['RANK'],
      ['FOO', '1'],
      ['RANK', '1', 'RANK', '2'],
    ];
    for (const opts of options) {
      await sameAll(['LPOS', 'l', 'a', ...opts], ['LPOS', 'missing', 'a', ...opts]);
    }
    await clients.same('SET', 's', 'v');
    await sameAll(['LPOS', 's', 'a'], ['LPOS', 's', 'a', 'RANK', '0']);
  });

  it('LSET, LINSERT, LREM and LTRIM edit lists as Redis does, deleting emptied keys', async () => {
    await sameAll(
      ['LSET', 'l', '0', 'x'],
      ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a'],
      ['LSET', 'l', '-1', 'z'],
      ['LSET', 'l', '5', 'z'],
      ['LSET', 'l', '-6', 'z'],
      ['LSET', 'l', 'x', 'z'],
      ['LINSERT', 'l', 'BEFORE', 'a', 'p'],
      ['LINSERT', 'l', 'after', 'z', 'q'],
      ['LINSERT', 'l', 'AFTER', 'nope', 'q'],
      ['LINSERT', 'l', 'MIDDLE', 'a', 'q'],
      ['LINSERT', 'missing', 'BEFORE', 'a', 'q'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '-1', 'a'],
      ['LREM', 'l', '1', 'a'],
      ['LREM', 'l', 'x', 'a'],
      ['LREM', 'l', '0', 'nope'],
      ['LRANGE', 'l', '0', '-1'],
      ['LTRIM', 'l', '1', '-2'],
      ['LRANGE', 'l', '0', '-1'],
      ['LTRIM', 'l', '0', '100'],
      ['LTRIM', 'l', '-100', '100'],
      ['LTRIM', 'l', 'x', '1'],
      ['LTRIM', 'l', '5', '1'],
      ['EXISTS', 'l'],
      ['LTRIM', 'l', '0', '1'],
      ['RPUSH', 'l', 'a', 'a'],
      ['LREM', 'l', '0', 'a'],
      ['EXISTS', 'l'],
      ['SET', 's', 'v'],
      ['LSET', 's', '0', 'x'],
      ['LSET', 's', 'x', 'x'],
      ['LINDEX', 's', 'x'],
      ['LINDEX', 'missing', 'x'],
      ['LRANGE', 's', 'x', '0'],
      ['LRANGE', 'missing', '0', 'x'],
      ['LREM', 's', 'x', 'a'],
      ['LTRIM', 's', '0', '1'],
      ['LINSERT', 's', 'BEFORE', 'a', 'b'],
    );
  });

  it('LMOVE and RPOPLPUSH rotate, create and refuse wrong types like Redis', async () => {
    await sameAll(
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['RPOPLPUSH', 'l', 'l'],
      ['LRANGE', 'l', '0', '-1'],
      ['LMOVE', 'l', 'l', 'LEFT', 'RIGHT'],
      ['LRANGE', 'l', '0', '-1'],
      ['LMOVE', 'l', 'm', 'RIGHT', 'RIGHT'],
      ['LMOVE', 'l', 'm', 'left', 'left'],
      ['LRANGE', 'm', '0', '-1'],
      ['SET', 's', 'v'],
      ['LMOVE', 'l', 's', 'LEFT', 'LEFT'],
      ['LMOVE', 'missing', 's', 'LEFT', 'LEFT'],
      ['LMOVE', 's', 'l', 'LEFT', 'LEFT'],
      ['LMOVE', 'l', 'm', 'UP', 'LEFT'],
      ['LMOVE', 'l', 'm', 'LEFT', 'DOWN'],
      ['LMOVE', 'l', 'm', 'LEFT', 'LEFT'],
      ['EXISTS', 'l'],
      ['RPUSH', 'one', 'x'],
      ['RPOPLPUSH', 'one', 'one'],
      ['LRANGE', 'one', '0', '-1'],
      ['DEBUG', 'DIGEST'],
    );
  });

  it('the generic key commands carry lists: COPY, RENAME, MOVE, TYPE, SCAN TYPE, DEL, EXPIRE', async () => {
    await sameAll(
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['SET', 's', 'v'],
      ['COPY', 'l', 'c'],
      ['LPUSH', 'c', 'only-in-copy'],
      ['LRANGE', 'l', '0', '-1'],
      ['LRANGE', 'c', '0', '-1'],
      ['COPY', 'l', 's'],
      ['COPY', 'l', 's', 'REPLACE'],
      ['TYPE', 's'],
      ['RENAME', 'c', 'r'],
      ['LRANGE', 'r', '0', '-1'],
      ['OBJECT', 'ENCODING', 'r'],
      ['MOVE', 'r', '1'],
      ['EXISTS', 'r'],
      ['SELECT', '1'],
      ['LRANGE', 'r', '0', '-1'],
      ['COPY', 'r', 'r2', 'DB', '0'],
      ['SELECT', '0'],
      ['LRANGE', 'r2', '0', '-1'],
      ['DEL', 'r2', 's'],
      ['SCAN', '0', 'TYPE', 'list'],
      ['SCAN', '0', 'TYPE', 'string'],
      ['EXPIRE', 'l', '1000'],
      ['TTL', 'l'],
      ['DEBUG', 'DIGEST'],
      ['PERSIST', 'l'],
      ['DEBUG', 'DIGEST-VALUE', 'l'],
      ['DEL', 'l'],
      ['TYPE', 'l'],
    );
  });

  it('a list that expires is gone for every list command', async () => {
    await sameAll(['RPUSH', 'l', 'a'], ['PEXPIRE', 'l', '1']);
    // Bounded wait until the key has expired on both servers.
    const deadline = Date.now() + 2000;
    for (;;) {
      const [mine, theirs] = await clients.call('EXISTS', 'l');
      if (mine === ':0\r\n' && theirs === ':0\r\n') break;
      if (Date.now() > deadline) throw new Error('the key did not expire within 2 s');
    }
    await sameAll(['LLEN', 'l'], ['LPUSHX', 'l', 'a'], ['LPOP', 'l'], ['TTL', 'l']);
  });
});
