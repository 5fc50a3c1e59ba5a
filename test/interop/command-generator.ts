/**
 * Seeded random command sequences for the differential test: the same seed
 * always yields the same commands, so a mismatch reported as "seed S, command
 * N" replays exactly.
 *
 * The sequences are built so that both servers must end in the same state
 * whatever their clocks do:
 * - relative expiries are at least 1000 s away (nothing expires mid-run) and
 *   every one is drawn from a distinct 60 s slot, so GT/LT between two
 *   relative expiries never hinges on the few milliseconds that separate the
 *   two servers' clocks;
 * - absolute expiries are either long past or beyond the year 2100;
 * - a key given an absolute expiry in the past by SET is read right away
 *   (EXISTS), so the lazy expiry removes it at the same command on both sides
 *   instead of whenever each server's active expiry cycle finds it.
 */
import { mulberry32 } from '../helpers/random.js';

export { mulberry32 };

/** How a reply is compared; everything but `exact` is justified at its use. */
export type Check = 'exact' | 'ttl-seconds' | 'ttl-ms' | 'unordered' | 'presence';

type Args = Array<string | Buffer>;

export interface Step {
  args: Args;
  check: Check;
}

/** Small on purpose so that commands keep colliding on the same keys. */
const KEYS: ReadonlyArray<string | Buffer> = [
  'a',
  'b',
  'c',
  'key:1',
  'key:2',
  'k1',
  '',
  Buffer.from([0x00, 0xff, 0x0d, 0x0a]),
];

/** Databases the sequences touch; DBSIZE and the digest cover all 16 anyway. */
export const USED_DBS = 4;

const INTEGER_TEXTS = [
  '0',
  '1',
  '-1',
  '42',
  '9999',
  '10000',
  '-10000',
  '123456789012',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775806',
  '-9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '18446744073709551615',
  '0x10',
  ' 1',
  '1 ',
  '-0',
  '+1',
  '007',
  '1e3',
  '',
  'abc',
  '12345678901234567890',
];

const FLOAT_TEXTS = [
  '0',
  '1',
  '-1',
  '0.1',
  '1.5',
  '-2.25',
  '3.0e3',
  '1e-5',
  '5.0e-324',
  '1e308',
  '-1e308',
  '1.7976931348623157e308',
  '1e4932',
  '1e4933',
  'inf',
  '-inf',
  '+inf',
  'Infinity',
  'nan',
  'abc',
  '',
  ' 1',
  '1 ',
  '0x10',
  '1e',
  '.5',
  '5.',
  '-.5e1',
  '+1.5',
  '1_0',
  '10.5000',
  '3.0',
  '0.0001',
  '-0',
  '17179869184',
  '9223372036854775807',
];

const VALUES: ReadonlyArray<string | Buffer> = [
  '',
  'v',
  'hello',
  'hello world',
  'x'.repeat(44),
  'y'.repeat(45),
  'z'.repeat(100),
  '3.14',
  '-2.5e-3',
  '1.5',
  Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]),
  Buffer.from([0xc3, 0xa9, 0x20, 0x00]),
  // Past the reply writer's zero-copy threshold (4KB): stored buffers are then
  // queued by reference, so a later APPEND or SETRANGE must not alter them.
  'B'.repeat(5000),
  Buffer.alloc(6000, 0xfe),
  ...INTEGER_TEXTS,
];

const KEY_PATTERNS: ReadonlyArray<string | Buffer> = [
  '*',
  'k*',
  '?',
  '[a-c]',
  '[^a]*',
  'key:?',
  '\\*',
  '*1',
  'x[',
  '[a-',
  '*:*',
  '',
  'a*b*c*',
  '\\a',
  '[b-]',
  'k[0-9-]',
  Buffer.from('\x00*', 'latin1'),
  Buffer.from('?\xff*', 'latin1'),
  Buffer.from('*[\r\n]', 'latin1'),
];

export class CommandGenerator {
  private readonly rand: () => number;
  /** 60 s slots already used by a relative expiry (see the header comment). */
  private readonly usedSlots = new Set<number>();

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

  /** Keywords in random letter case: Redis matches them case-insensitively. */
  private word(w: string): string {
    const r = this.int(4);
    if (r === 0) return w.toLowerCase();
    if (r === 1) return w[0]!.toLowerCase() + w.slice(1);
    return w;
  }

  private key(): string | Buffer {
    return this.pick(KEYS);
  }

  private keys(min: number, max: number): Array<string | Buffer> {
    const n = min + this.int(max - min + 1);
    const out: Array<string | Buffer> = [];
    for (let i = 0; i < n; i++) out.push(this.key());
    return out;
  }

  private value(): string | Buffer {
    return this.pick(VALUES);
  }

  private db(): string {
    if (this.chance(0.1)) return this.pick(['16', '-1', 'x', '1.5', '2147483648', '']);
    return String(this.int(USED_DBS));
  }

  /** A relative expiry >= 1000 s in a slot no other relative expiry uses. */
  private relativeSeconds(): number {
    let slot = this.int(200000);
    while (this.usedSlots.has(slot)) slot = (slot + 1) % 200000;
    this.usedSlots.add(slot);
    return 1000 + slot * 60;
  }

  /** Far past, beyond 2100, or the largest values that still fit. */
  private absoluteSeconds(): string {
    switch (this.int(6)) {
      case 0:
        return this.pick(['1', '1000000', '1600000000']);
      case 1:
        return this.pick(['9223372036854775', '9223372036854775807', '9223372036854776']);
      default:
        return String(4102444800 + this.int(1000000) * 60);
    }
  }

  private invalidNumber(): string {
    return this.pick([
      '0',
      '-1',
      '-100',
      'abc',
      '1.5',
      '',
      ' 10',
      '9223372036854775808',
      '-9223372036854775808',
      '9223372036854775807',
    ]);
  }

  /** Argument for EX/PX/EXAT/PXAT (or EXPIRE & co.), valid or not. */
  private expireArg(unit: 'EX' | 'PX' | 'EXAT' | 'PXAT'): string {
    if (this.chance(0.15)) return this.invalidNumber();
    if (unit === 'EX')
      return this.chance(0.05) ? '9223372036854775' : String(this.relativeSeconds());
    if (unit === 'PX') return String(this.relativeSeconds() * 1000 + 30000);
    const seconds = this.absoluteSeconds();
    if (unit === 'EXAT') return seconds;
    if (seconds.length > 12) return this.pick(['9223372036854775807', '9223372036854775806']);
    return String(Number(seconds) * 1000 + this.int(1000));
  }

  /** SET's and GETEX's options: valid combinations, conflicts and junk. */
  private setOptions(forGetex: boolean): { args: string[]; absolute: boolean } {
    const pool = forGetex
      ? ['EX', 'PX', 'EXAT', 'PXAT', 'PERSIST', 'NX', 'KEEPTTL']
      : ['EX', 'PX', 'EXAT', 'PXAT', 'NX', 'XX', 'KEEPTTL', 'GET', 'PERSIST'];
    const args: string[] = [];
    let absolute = false;
    const n = this.int(forGetex ? 3 : 4);
    for (let i = 0; i < n; i++) {
      if (this.chance(0.03)) {
        args.push(this.pick(['BADOPT', 'EX']));
        continue;
      }
      const opt = this.pick(pool);
      args.push(this.word(opt));
      if (opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') {
        // Sometimes the number is missing: a syntax error, not a crash.
        if (this.chance(0.03)) continue;
        args.push(this.expireArg(opt));
        if (opt === 'EXAT' || opt === 'PXAT') absolute = true;
      }
    }
    return { args, absolute };
  }

  private expireCommand(): Step[] {
    const name = this.pick(['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']);
    const key = this.key();
    let when: string;
    if (this.chance(0.15)) {
      when = this.pick([
        '-10',
        '0',
        'abc',
        '1.5',
        '9223372036854775807',
        '-9223372036854775808',
        '9223372036854775',
        '-9223372036854775',
        '9223372036854776',
        '9223372036854775808',
      ]);
    } else if (name === 'EXPIRE') {
      when = String(this.relativeSeconds());
    } else if (name === 'PEXPIRE') {
      when = String(this.relativeSeconds() * 1000 + 30000);
    } else {
      when = this.expireArg(name === 'EXPIREAT' ? 'EXAT' : 'PXAT');
    }
    const flags: string[] = [];
    const n = this.chance(0.5) ? 0 : 1 + this.int(2);
    for (let i = 0; i < n; i++)
      flags.push(this.word(this.pick(['NX', 'XX', 'GT', 'LT', 'NX', 'XX', 'GT', 'LT', 'FOO'])));
    return [{ args: [this.word(name), key, when, ...flags], check: 'exact' }];
  }

  /** One or more steps (a follow-up EXISTS settles lazily expired keys). */
  next(): Step[] {
    const exact = (...args: Array<string | Buffer>): Step[] => [{ args, check: 'exact' }];
    const r = this.int(100);
    if (r < 10) {
      const key = this.key();
      const { args, absolute } = this.setOptions(false);
      const steps = exact(this.word('SET'), key, this.value(), ...args);
      if (absolute) steps.push({ args: ['EXISTS', key], check: 'exact' });
      return steps;
    }
    if (r < 16) return exact('GET', this.key());
    if (r < 18) return exact('SETNX', this.key(), this.value());
    if (r < 20) {
      const name = this.pick(['SETEX', 'PSETEX']);
      return exact(name, this.key(), this.expireArg(name === 'SETEX' ? 'EX' : 'PX'), this.value());
    }
    if (r < 22) return exact('GETSET', this.key(), this.value());
    if (r < 24) return exact('GETDEL', this.key());
    if (r < 27) return exact('GETEX', this.key(), ...this.setOptions(true).args);
    if (r < 29) return exact('MGET', ...this.keys(1, 5));
    if (r < 31) {
      const name = this.pick(['MSET', 'MSETNX']);
      const args: Array<string | Buffer> = [name];
      const pairs = 1 + this.int(3);
      for (let i = 0; i < pairs; i++) args.push(this.key(), this.value());
      if (this.chance(0.05)) args.pop();
      return exact(...args);
    }
    if (r < 33) return exact('APPEND', this.key(), this.value());
    if (r < 34) return exact('STRLEN', this.key());
    if (r < 36) {
      const index = (): string =>
        this.pick([
          '0',
          '1',
          '2',
          '5',
          '-1',
          '-2',
          '-3',
          '-10',
          '-100',
          '100',
          '44',
          '9223372036854775807',
          '-9223372036854775808',
          'x',
          '1.5',
        ]);
      return exact(this.pick(['GETRANGE', 'SUBSTR']), this.key(), index(), index());
    }
    if (r < 38) {
      const offset = this.pick(['0', '1', '3', '10', '50', '-1', 'x', '536870912', '536870911']);
      // Near 512MB only patches that overflow proto-max-bulk-len (an error)
      // or are empty (a no-op) are allowed: anything else allocates 512MB.
      const patch = offset.startsWith('5368709') ? this.pick(['ab', '', 'hello']) : this.value();
      return exact('SETRANGE', this.key(), offset, patch);
    }
    if (r < 43) return exact(this.pick(['INCR', 'DECR']), this.key());
    if (r < 47) return exact(this.pick(['INCRBY', 'DECRBY']), this.key(), this.pick(INTEGER_TEXTS));
    if (r < 50) return exact('INCRBYFLOAT', this.key(), this.pick(FLOAT_TEXTS));
    if (r < 53) return exact(this.pick(['DEL', 'UNLINK']), ...this.keys(1, 3));
    if (r < 55) return exact(this.pick(['EXISTS', 'TOUCH']), ...this.keys(1, 4));
    if (r < 56) return exact('TYPE', this.key());
    if (r < 62) return this.expireCommand();
    if (r < 63) return exact('PERSIST', this.key());
    if (r < 67) {
      // Relative TTLs are read from each server's own clock (see compare()).
      const name = this.pick(['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']);
      return [{ args: [name, this.key()], check: name.startsWith('P') ? 'ttl-ms' : 'ttl-seconds' }];
    }
    if (r < 70) return exact(this.pick(['RENAME', 'RENAMENX']), this.key(), this.key());
    if (r < 72) {
      const args: Array<string | Buffer> = ['COPY', this.key(), this.key()];
      if (this.chance(0.5)) args.push(this.word('DB'), this.db());
      if (this.chance(0.4)) args.push(this.word('REPLACE'));
      if (this.chance(0.03)) args.push(this.pick(['FOO', 'DB']));
      return exact(...args);
    }
    if (r < 73) return exact('MOVE', this.key(), this.db());
    if (r < 75) return exact('SELECT', this.db());
    if (r < 76) return exact('SWAPDB', this.db(), this.db());
    if (r < 77) return exact('DBSIZE');
    if (r < 79) return [{ args: ['KEYS', this.pick(KEY_PATTERNS)], check: 'unordered' }];
    // Which key comes back is random; only whether one does is comparable.
    if (r < 80) return [{ args: ['RANDOMKEY'], check: 'presence' }];
    if (r < 81)
      return this.chance(0.15)
        ? exact(
            this.pick(['FLUSHDB', 'FLUSHALL']),
            ...(this.chance(0.3) ? [this.pick(['ASYNC', 'SYNC', 'LAZY'])] : []),
          )
        : exact('PING');
    if (r < 84) {
      // Not IDLETIME: it reads each server's own clock.
      if (this.chance(0.05)) return exact('OBJECT', 'HELP');
      return exact(
        'OBJECT',
        this.word(this.pick(['ENCODING', 'REFCOUNT', 'ENCODING', 'FREQ', 'NOSUCH'])),
        this.key(),
      );
    }
    if (r < 86) {
      return exact(
        ...this.pick<Args>([
          ['ECHO', this.value()],
          ['PING'],
          ['PING', this.value()],
          ['PING', 'a', 'b'],
          ['CLIENT', 'SETNAME', this.pick(['name', 'a b', '', 'x\n', 'ok-1'])],
          ['CLIENT', 'GETNAME'],
        ]),
      );
    }
    if (r < 90) return exact(...this.wrongArity());
    if (r < 92) return exact(...this.unknownCommand());
    if (r < 93) return exact('DEBUG', 'DIGEST');
    if (r < 95) return exact('DEBUG', 'DIGEST-VALUE', ...this.keys(1, 3));
    // Tail: more plain writes and reads so values stay interesting.
    if (r < 98) return exact('SET', this.key(), this.pick(INTEGER_TEXTS));
    return exact('GET', this.key());
  }

  private wrongArity(): Args {
    return this.pick<Args>([
      ['GET'],
      ['GET', 'a', 'b'],
      ['SET', 'a'],
      ['SETNX', 'a'],
      ['SETEX', 'a', '10'],
      ['PSETEX', 'a', '1'],
      ['GETSET', 'a'],
      ['GETDEL'],
      ['GETEX'],
      ['MGET'],
      ['MSET', 'a'],
      ['MSET', 'a', '1', 'b'],
      ['MSETNX', 'a', '1', 'b'],
      ['APPEND', 'a'],
      ['STRLEN'],
      ['GETRANGE', 'a', '0'],
      ['SETRANGE', 'a', '0'],
      ['INCR'],
      ['DECR', 'a', 'b'],
      ['INCRBY', 'a'],
      ['DECRBY', 'a'],
      ['INCRBYFLOAT', 'a'],
      ['DEL'],
      ['UNLINK'],
      ['EXISTS'],
      ['TOUCH'],
      ['TYPE'],
      ['EXPIRE', 'a'],
      ['PEXPIREAT', 'a'],
      ['TTL'],
      ['PTTL', 'a', 'b'],
      ['EXPIRETIME'],
      ['PERSIST'],
      ['RENAME', 'a'],
      ['RENAMENX', 'a'],
      ['COPY', 'a'],
      ['MOVE', 'a'],
      ['SELECT'],
      ['SWAPDB', '0'],
      ['DBSIZE', 'x'],
      ['KEYS'],
      ['RANDOMKEY', 'x'],
      ['FLUSHDB', 'SYNC', 'x'],
      ['ECHO'],
      ['ECHO', 'a', 'b'],
      ['OBJECT'],
      ['OBJECT', 'ENCODING'],
      ['OBJECT', 'REFCOUNT', 'a', 'b'],
      ['SUBSTR', 'a'],
      ['GETEX'],
    ]);
  }

  private unknownCommand(): Array<string | Buffer> {
    const args: Array<string | Buffer> = [
      this.pick(['FOO', 'gett', 'SETT', 'x'.repeat(130), 'GET\x00', '']),
    ];
    const n = this.int(4);
    for (let i = 0; i < n; i++)
      args.push(
        this.pick<string | Buffer>(['a', 'bb', 'y'.repeat(200), Buffer.from([0xff, 0x00]), '']),
      );
    return args;
  }
}

/** Printable form of a command for failure messages. */
export function describeArgs(args: Array<string | Buffer>): string {
  return args
    .map((a) => JSON.stringify(typeof a === 'string' ? a : a.toString('latin1')))
    .join(' ');
}
