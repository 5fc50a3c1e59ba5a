import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addLongDouble,
  formatLongDoubleHuman,
  isFiniteLongDouble,
  longDoubleFromInteger,
  parseLongDouble,
  type LongDouble,
} from '../../src/store/long-double.js';
import { mulberry32 as seededRandom } from '../helpers/random.js';
import { freePort } from '../helpers/processes.js';

const NOT_A_FLOAT = 'ERR value is not a valid float';
const NOT_FINITE = 'ERR increment would produce NaN or Infinity';

function parse(text: string): LongDouble | null {
  return parseLongDouble(Buffer.from(text, 'latin1'));
}

function parseOrFail(text: string): LongDouble {
  const value = parse(text);
  if (value === null) throw new Error(`expected ${JSON.stringify(text)} to parse`);
  return value;
}

/** What `SET k a` then `INCRBYFLOAT k b` replies: the bulk text, or the error text. */
function incrbyfloat(a: string, b: string): string {
  const current = parse(a);
  const increment = parse(b);
  if (current === null || increment === null) return NOT_A_FLOAT;
  const sum = addLongDouble(current, increment);
  return isFiniteLongDouble(sum) ? formatLongDoubleHuman(sum) : NOT_FINITE;
}

/**
 * Replies checked against glibc's strtold/"%.17Lf" on x86-64 (the same
 * answers Redis 7.0 gives); the differential suite below re-checks each one
 * against a live server when there is one.
 */
const HAND_PICKED: [string, string, string][] = [
  ['0.1', '0.2', '0.3'],
  ['10.5', '0.1', '10.6'],
  ['1.1', '2.2', '3.3'],
  ['3.3', '-1.1', '2.2'],
  ['0.1', '0.7', '0.8'],
  ['5.0e3', '0', '5000'],
  ['3.0e3', '0', '3000'],
  ['1E3', '-1e-3', '999.999'],
  ['1.5', '-1.5', '0'],
  ['-1.5', '1', '-0.5'],
  ['-0', '-0', '0'],
  ['-0', '0', '0'],
  ['123456789.123456789', '0', '123456789.12345678899873747'],
  // 64 significant bits: exact where a double is not.
  ['9007199254740993', '0', '9007199254740993'],
  ['18446744073709551615', '0', '18446744073709551615'],
  ['18446744073709551617', '0', '18446744073709551616'],
  ['1e20', '0.5', '100000000000000000000'],
  ['1e17', '0.3', '100000000000000000.296875'],
  // Beyond double's range but inside long double's.
  [
    '1e400',
    '0',
    '10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880',
  ],
  // Too small for 17 decimals, and "-0.00000000000000000" ends up as "0".
  ['1e-30', '0', '0'],
  ['1e-17', '0', '0.00000000000000001'],
  ['5e-18', '0', '0'],
  ['6e-18', '0', '0.00000000000000001'],
  ['-0.000000000000000001', '0', '0'],
  ['1e-4950', '1', '1'],
  // printf rounds the exact binary value, ties to even: 2^-18 and 3 * 2^-18 end in a 5 at the 18th decimal.
  ['0x1p-18', '0', '0.00000381469726562'],
  ['0x3p-18', '0', '0.00001144409179688'],
  ['0x1p3', '0', '8'],
  ['0x1.8p1', '0', '3'],
  ['0X.8', '0', '0.5'],
  ['0e99999999999', '1', '1'],
  ['+.5', '5.', '5.5'],
  ['inf', '1', NOT_FINITE],
  ['-inf', 'inf', NOT_FINITE],
  ['Infinity', '-1e4932', NOT_FINITE],
  ['1.18973149535723176502e+4932', '1e4932', NOT_FINITE],
  ['1e99999', '0', NOT_A_FLOAT],
  ['1e-99999', '0', NOT_A_FLOAT],
  ['0x1p16384', '0', NOT_A_FLOAT],
];

/** Texts string2ld refuses, each for a different reason. */
const REJECTED = [
  '',
  ' 1',
  '\t1',
  '\n1',
  '1 ',
  '1\0',
  'abc',
  'nan',
  '-nan',
  'NaN',
  '1e',
  '1e+',
  'e5',
  '.',
  '+',
  '-',
  '1..2',
  '1.2.3',
  '1,5',
  '--1',
  '0x',
  '0xg',
  '0x1p',
  '0x.p1',
  'infinit',
  'infinityx',
  '1e5000',
  '-1e5000',
  '1e-5000',
  '0x1p-16447',
  '1'.padEnd(5 * 1024, '0'),
];

/** Texts strtold reads whole, with the value "%.17Lf" shows for them. */
const ACCEPTED: [string, string][] = [
  ['00001', '1'],
  ['+7', '7'],
  ['-.5', '-0.5'],
  ['5.', '5'],
  ['1E-3', '0.001'],
  ['1e+3', '1000'],
  ['INFINITY', 'inf'],
  ['-Inf', '-inf'],
  ['0x1P-2', '0.25'],
  ['0xA', '10'],
  ['0x1.', '1'],
  ['-0x0p0', '0'],
  ['0.000e-99999', '0'],
  ['0x1p-16445', '0'],
  // 5119 characters is the longest text string2ld takes.
  ['0'.repeat(5118) + '1', '1'],
];

describe('INCRBYFLOAT arithmetic in 80-bit long double', () => {
  it.each(HAND_PICKED)('%s + %s replies %s', (a, b, expected) => {
    expect(incrbyfloat(a, b)).toBe(expected);
  });

  it('prints the exact value of huge results rather than an exponent', () => {
    // DBL_MAX * 10 by repeated INCRBYFLOAT: far past a double, nowhere near LDBL_MAX.
    const dblMax = parseOrFail('1.7976931348623157e308');
    let sum = dblMax;
    for (let i = 1; i < 10; i++) sum = addLongDouble(sum, dblMax);
    expect(formatLongDoubleHuman(sum)).toMatch(/^17976931348623157\d{293}$/);
    const max = incrbyfloat('0xffffffffffffffffp16320', '0');
    expect(max).toMatch(/^118973149535723176502\d{4912}$/);
  });

  it('keeps the sign of zero the way IEEE addition does', () => {
    const negativeZero = parseOrFail('-0');
    expect(addLongDouble(negativeZero, negativeZero).negative).toBe(true);
    expect(addLongDouble(negativeZero, parseOrFail('0')).negative).toBe(false);
    expect(addLongDouble(parseOrFail('2.5'), parseOrFail('-2.5')).negative).toBe(false);
  });

  it('treats inf - inf as NaN and inf + finite as inf', () => {
    const sum = addLongDouble(parseOrFail('inf'), parseOrFail('-inf'));
    expect(sum.kind).toBe('nan');
    expect(formatLongDoubleHuman(sum)).toBe('nan');
    expect(addLongDouble(parseOrFail('-inf'), parseOrFail('1e4000')).kind).toBe('inf');
  });

  it('overflows to infinity past LDBL_MAX but not at it', () => {
    const max = parseOrFail('0xffffffffffffffffp16320');
    expect(isFiniteLongDouble(max)).toBe(true);
    // Half an ulp of LDBL_MAX is 2^16319: a tie that rounds to the even side, infinity.
    expect(isFiniteLongDouble(addLongDouble(max, parseOrFail('0x1p16319')))).toBe(false);
    expect(isFiniteLongDouble(addLongDouble(max, parseOrFail('0x1p16318')))).toBe(true);
  });

  it('converts integers exactly up to 64 bits and rounds beyond', () => {
    expect(formatLongDoubleHuman(longDoubleFromInteger(-9223372036854775808n))).toBe(
      '-9223372036854775808',
    );
    expect(formatLongDoubleHuman(longDoubleFromInteger(0n))).toBe('0');
    expect(formatLongDoubleHuman(longDoubleFromInteger((1n << 65n) + 1n))).toBe(
      '36893488147419103232',
    );
    expect(incrbyfloat('9223372036854775807', '1')).toBe('9223372036854775808');
  });
});

describe('parsing follows string2ld', () => {
  it.each(REJECTED.map((text) => [JSON.stringify(text).slice(0, 40), text]))(
    'refuses %s',
    (_label, text) => {
      expect(parse(text)).toBeNull();
    },
  );

  it.each(ACCEPTED.map(([text, shown]) => [text.slice(0, 40), text, shown]))(
    'reads %s',
    (_label, text, shown) => {
      expect(formatLongDoubleHuman(parseOrFail(text))).toBe(shown);
    },
  );

  it('keeps subnormal values that strtold flags with ERANGE but does not zero', () => {
    const tiny = parseOrFail('0x1p-16445');
    expect(tiny.kind).toBe('finite');
    expect(parseOrFail('3.6e-4951').kind).toBe('finite');
    expect(parse('1e-4952')).toBeNull();
  });
});

// ---------------------------------------------------------------------------
// Differential test against a real redis-server.

const REDIS_SERVER = 'redis-server';
const RANDOM_CASES = 5000;
const HAS_REDIS = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;

/** Operands of every shape INCRBYFLOAT meets, weighted towards the ones that stress rounding. */
function operandGenerator(seed: number): () => string {
  const random = seededRandom(seed);
  const below = (n: number): number => Math.floor(random() * n);
  const digits = (n: number): string => {
    let text = '';
    for (let i = 0; i < n; i++) text += String(below(10));
    return text;
  };
  const sign = (): string => (random() < 0.4 ? '-' : random() < 0.05 ? '+' : '');
  const oddities = [
    'inf',
    '-inf',
    'Infinity',
    'nan',
    ' 1',
    '1 ',
    '',
    'abc',
    '1e',
    '0x',
    '.',
    '-.5',
    '5.',
    '0e99999999999',
    '1e-99999999999',
    '1e99999999999',
    '0x1p-16445',
    '0x1p-16446',
    '0x1.8p-16446',
    '0xffffffffffffffffp16320',
    '0x1ffffffffffffffffp16319',
    '1.18973149535723176502e+4932',
    '1.18973149535723176509e+4932',
    '3.6451995318824746025e-4951',
    '1.8225997659412373012e-4951',
    '1.8225997659412373013e-4951',
  ];
  return () => {
    switch (below(12)) {
      case 0:
        return sign() + String(below(100000));
      case 1:
        return sign() + String(below(10000)) + '.' + digits(1 + below(4));
      case 2:
        return sign() + digits(1 + below(20)) + '.' + digits(1 + below(25));
      case 3:
        return `${sign()}${digits(1)}.${digits(below(20))}${random() < 0.5 ? 'e' : 'E'}${sign()}${below(60)}`;
      case 4:
        return `${sign()}${digits(1 + below(3))}e${sign()}${below(5000)}`;
      case 5:
        return sign() + '0.' + '0'.repeat(below(30)) + digits(1 + below(20));
      case 6:
        return sign() + digits(1 + below(40));
      case 7: {
        const hex = Array.from(
          { length: 1 + below(18) },
          () => '0123456789abcdefABCDEF'[below(22)],
        ).join('');
        return `${sign()}0x${hex}${random() < 0.7 ? `p${sign()}${below(200)}` : ''}`;
      }
      case 8:
        return `${sign()}${digits(1)}.${digits(18)}e${random() < 0.5 ? '-' : ''}${4900 + below(60)}`;
      case 9:
        return oddities[below(oddities.length)]!;
      case 10:
        return String((random() - 0.5) * 10 ** (below(40) - 20));
      default:
        return `${sign()}${below(2 ** 31)}.${digits(below(10))}`;
    }
  };
}

function randomPairs(count: number, seed: number): [string, string][] {
  const next = operandGenerator(seed);
  const random = seededRandom(seed ^ 0x5bd1e995);
  const pairs: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const a = next();
    let b = next();
    // Cancellation: x + -x must give +0, and near-cancellation exposes the low bits.
    if (random() < 0.1 && a.length > 0) b = a.startsWith('-') ? a.slice(1) : '-' + a;
    pairs.push([a, b]);
  }
  return pairs;
}

function encodeCommand(args: string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg, 'latin1')}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

/**
 * Sends the commands in one write and collects exactly one reply per command:
 * "+text", "-text" and ":n" keep their first byte, bulk replies are their body.
 * Only the reply types SET, INCRBYFLOAT and PING produce are understood.
 */
function pipeline(port: number, commands: string[][]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const replies: string[] = [];
    let pending = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('close', () => {
      if (replies.length < commands.length)
        reject(new Error(`connection closed after ${replies.length} replies`));
    });
    // No half-close: Redis drops a client on EOF even with replies still queued.
    socket.on('connect', () => socket.write(Buffer.concat(commands.map(encodeCommand))));
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const lineEnd = pending.indexOf('\r\n');
        if (lineEnd < 0) break;
        const line = pending.toString('latin1', 0, lineEnd);
        if (line[0] !== '$') {
          replies.push(line);
          pending = pending.subarray(lineEnd + 2);
          continue;
        }
        const length = Number(line.slice(1));
        if (length < 0) {
          replies.push('(nil)');
          pending = pending.subarray(lineEnd + 2);
          continue;
        }
        const bodyEnd = lineEnd + 2 + length;
        if (pending.length < bodyEnd + 2) break;
        replies.push(pending.toString('latin1', lineEnd + 2, bodyEnd));
        pending = pending.subarray(bodyEnd + 2);
      }
      if (replies.length >= commands.length) {
        socket.destroy();
        resolve(replies);
      }
    });
  });
}

/** Polls with PING until the server answers; gives up after `attempts` tries or if it exits. */
async function waitForPong(port: number, child: ChildProcess, attempts: number): Promise<void> {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    try {
      const [reply] = await pipeline(port, [['PING']]);
      if (reply === '+PONG') return;
      lastError = new Error(`PING answered ${reply}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING: ${String(lastError)}`);
}

/** The reply text as `pipeline` reports it: errors keep their '-'. */
function expectedReply(a: string, b: string): string {
  const reply = incrbyfloat(a, b);
  return reply === NOT_A_FLOAT || reply === NOT_FINITE ? '-' + reply : reply;
}

describe.skipIf(!HAS_REDIS)(
  HAS_REDIS
    ? 'INCRBYFLOAT replies match a real redis-server'
    : 'INCRBYFLOAT replies match a real redis-server (skipped: redis-server is not on PATH)',
  () => {
    let server: ChildProcess | null = null;
    let port = 0;

    beforeAll(async () => {
      port = await freePort();
      server = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
        ],
        { stdio: 'ignore' },
      );
      await waitForPong(port, server, 200);
    });

    afterAll(async () => {
      const child = server;
      if (child === null || child.pid === undefined || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    });

    async function compare(pairs: [string, string][]): Promise<string[]> {
      const commands: string[][] = [];
      for (const [a, b] of pairs) commands.push(['SET', 'k', a], ['INCRBYFLOAT', 'k', b]);
      const replies = await pipeline(port, commands);
      const mismatches: string[] = [];
      pairs.forEach(([a, b], i) => {
        const expected = expectedReply(a, b);
        const actual = replies[2 * i + 1];
        if (replies[2 * i] !== '+OK' || actual !== expected) {
          mismatches.push(
            `${JSON.stringify(a)} + ${JSON.stringify(b)}: redis ${actual} vs ours ${expected}`,
          );
        }
      });
      return mismatches;
    }

    it('agrees on the hand-picked and edge cases', async () => {
      const pairs: [string, string][] = HAND_PICKED.map(([a, b]) => [a, b]);
      for (const text of REJECTED) pairs.push([text, '0'], ['0', text]);
      for (const [text] of ACCEPTED) pairs.push([text, '0'], ['1.5', text]);
      expect(await compare(pairs)).toEqual([]);
    });

    it(`agrees on ${RANDOM_CASES} seeded random pairs`, async () => {
      const mismatches = await compare(randomPairs(RANDOM_CASES, 20240607));
      expect(mismatches.slice(0, 20)).toEqual([]);
      expect(mismatches.length).toBe(0);
    });
  },
);
