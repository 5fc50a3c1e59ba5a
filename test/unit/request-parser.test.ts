import { describe, it, expect } from 'vitest';
import {
  MAX_INLINE_LEN,
  MAX_MULTIBULK_LEN,
  ProtocolError,
  RequestParser,
} from '../../src/protocol/request-parser.js';
import { splitArgs, splitArgsString } from '../../src/protocol/split-args.js';
import { mulberry32 } from '../helpers/random.js';

const DEFAULT_MAX_BULK = 512 * 1024 * 1024;

/** Commands as latin1 strings: readable in failures and byte-exact. */
type Cmds = string[][];

function show(cmd: Buffer[]): string[] {
  return cmd.map((a) => a.toString('latin1'));
}

function bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Feeds the chunks one by one, draining commands after each. */
function parseChunks(chunks: Buffer[], parser = new RequestParser(DEFAULT_MAX_BULK)): Cmds {
  const out: Cmds = [];
  for (const chunk of chunks) {
    parser.feed(chunk);
    for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) out.push(show(cmd));
  }
  return out;
}

function parse(input: string | Buffer): Cmds {
  return parseChunks([typeof input === 'string' ? bytes(input) : input]);
}

function splitEvery(input: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
  return chunks;
}

/** The error text a parse ends with, or null when none is thrown. */
function errorOf(chunks: Buffer[], parser = new RequestParser(DEFAULT_MAX_BULK)): string | null {
  try {
    parseChunks(chunks, parser);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).message;
  }
}

function errorFor(input: string | Buffer): string | null {
  return errorOf([typeof input === 'string' ? bytes(input) : input]);
}

function encode(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [bytes(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? bytes(a) : a;
    parts.push(bytes(`$${b.length}\r\n`), b, bytes('\r\n'));
  }
  return Buffer.concat(parts);
}

/** An inline line that round-trips any bytes: every byte as a \xHH escape. */
function encodeInline(args: Buffer[]): Buffer {
  const words = args.map(
    (a) => '"' + [...a].map((b) => '\\x' + b.toString(16).padStart(2, '0')).join('') + '"',
  );
  return bytes(words.join(' ') + '\r\n');
}

function randInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

function randomSplit(rand: () => number, input: Buffer, maxPieces: number): Buffer[] {
  const cuts = new Set<number>();
  const pieces = 1 + randInt(rand, maxPieces);
  for (let i = 1; i < pieces; i++) cuts.add(randInt(rand, input.length + 1));
  const sorted = [...cuts].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const c of sorted) {
    chunks.push(input.subarray(prev, c));
    prev = c;
  }
  chunks.push(input.subarray(prev));
  return chunks;
}

describe('multibulk requests', () => {
  it('parses a command into its arguments', () => {
    expect(parse('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n')).toEqual([
      ['SET', 'key', 'value'],
    ]);
  });

  it('parses a pipeline of many commands in order', () => {
    const cmds: string[][] = [];
    for (let i = 0; i < 1000; i++)
      cmds.push(i % 2 ? ['GET', `key:${i}`] : ['SET', `key:${i}`, `v${i}`]);
    expect(parse(Buffer.concat(cmds.map(encode)))).toEqual(cmds);
  });

  it('keeps values binary safe, including CR, LF and every byte value', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const values = [bytes('a\r\nb'), bytes('\r\n'), bytes('$3\r\n*1\r\n'), all];
    const out = parse(encode([bytes('SET'), ...values]));
    expect(out).toEqual([['SET', ...values.map((v) => v.toString('latin1'))]]);
  });

  it('accepts empty bulk values', () => {
    expect(parse('*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n')).toEqual([['SET', '', '']]);
  });

  it('skips *0 and negative counts without producing a command', () => {
    expect(parse('*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nPING\r\n')).toEqual([['PING']]);
  });

  it('accepts the most negative 64-bit count as an empty request, as string2ll does', () => {
    expect(parse('*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n')).toEqual([['PING']]);
  });

  it('like Redis, does not check the byte after a header CR or the two bytes after bulk data', () => {
    expect(parse('*1\rX$4\rYPINGZZ*1\r\n$4\r\nECHO\r\n')).toEqual([['PING'], ['ECHO']]);
  });

  it('returns views of the fed chunk when a command lies wholly inside it', () => {
    const chunk = encode(['GET', 'k']);
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.feed(chunk);
    const cmd = parser.next()!;
    expect(cmd[1]!.buffer).toBe(chunk.buffer);
  });

  it('accepts a count of exactly MAX_MULTIBULK_LEN and waits for the arguments', () => {
    expect(errorFor(`*${MAX_MULTIBULK_LEN}\r\n`)).toBeNull();
  });

  it('accepts a bulk of exactly maxBulkLen', () => {
    const parser = new RequestParser(5);
    expect(parseChunks([bytes('*1\r\n$5\r\nhello\r\n')], parser)).toEqual([['hello']]);
  });
});

describe('inline requests', () => {
  it('splits a line ending in CRLF or in a bare LF', () => {
    expect(parse('PING\r\nSET a b\nGET a\r\n')).toEqual([
      ['PING'],
      ['SET', 'a', 'b'],
      ['GET', 'a'],
    ]);
  });

  it('understands quotes and escapes', () => {
    expect(parse('SET "a key" "x\\r\\ny\\x41\\"" \'it\\\'s\'\r\n')).toEqual([
      ['SET', 'a key', 'x\r\nyA"', "it's"],
    ]);
  });

  it('keeps an empty quoted argument', () => {
    expect(parse('SET k ""\r\n')).toEqual([['SET', 'k', '']]);
  });

  it('skips empty and blank lines', () => {
    expect(parse('\r\n\n   \r\n\t\nPING\r\n')).toEqual([['PING']]);
  });

  it('mixes with multibulk requests in one pipeline', () => {
    expect(parse('PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO x\n')).toEqual([
      ['PING'],
      ['ECHO', 'hi'],
      ['ECHO', 'x'],
    ]);
  });

  it('accepts a line of exactly MAX_INLINE_LEN bytes', () => {
    const line = 'A'.repeat(MAX_INLINE_LEN);
    expect(parse(line + '\n')).toEqual([[line]]);
  });
});

describe('protocol errors', () => {
  const cases: [string, string | Buffer, string][] = [
    ['a non-numeric multibulk count', '*abc\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['an empty multibulk count', '*\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['a count with a leading zero', '*01\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['a count with a plus sign', '*+1\r\n', 'ERR Protocol error: invalid multibulk length'],
    [
      'a count above MAX_MULTIBULK_LEN',
      `*${MAX_MULTIBULK_LEN + 1}\r\n`,
      'ERR Protocol error: invalid multibulk length',
    ],
    [
      'a count beyond 64 bits',
      '*9223372036854775808\r\n',
      'ERR Protocol error: invalid multibulk length',
    ],
    [
      'a negative count beyond 64 bits',
      '*-9223372036854775809\r\n',
      'ERR Protocol error: invalid multibulk length',
    ],
    [
      'a negative bulk length',
      '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n',
      'ERR Protocol error: invalid bulk length',
    ],
    ['a bulk length of -1', '*1\r\n$-1\r\n', 'ERR Protocol error: invalid bulk length'],
    [
      'a non-numeric bulk length',
      '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n',
      'ERR Protocol error: invalid bulk length',
    ],
    ['an empty bulk length', '*1\r\n$\r\n', 'ERR Protocol error: invalid bulk length'],
    [
      'a bulk length with a leading zero',
      '*1\r\n$04\r\nPING\r\n',
      'ERR Protocol error: invalid bulk length',
    ],
    [
      'a bulk length above proto-max-bulk-len',
      '*1\r\n$536870913\r\n',
      'ERR Protocol error: invalid bulk length',
    ],
    [
      'a payload where a bulk header belongs',
      '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n',
      "ERR Protocol error: expected '$', got 'f'",
    ],
    [
      'a multibulk request without bulk arguments',
      '*1\r\nfoo\r\n',
      "ERR Protocol error: expected '$', got 'f'",
    ],
    [
      'an empty line where a bulk header belongs (CR shown as a space)',
      '*1\r\n\r\n',
      "ERR Protocol error: expected '$', got ' '",
    ],
    [
      'a LF where a bulk header belongs (shown as a space)',
      '*1\r\n\n\r\n',
      "ERR Protocol error: expected '$', got ' '",
    ],
    [
      'unbalanced quotes',
      'set """test-key""" test-value\r\nping\r\n',
      'ERR Protocol error: unbalanced quotes in request',
    ],
    ['an unterminated quote', 'SET "abc\r\n', 'ERR Protocol error: unbalanced quotes in request'],
    [
      'an inline line over 64KB without a newline',
      'A'.repeat(MAX_INLINE_LEN + 1),
      'ERR Protocol error: too big inline request',
    ],
    [
      'an inline line over 64KB even with its newline',
      'A'.repeat(MAX_INLINE_LEN + 1) + '\n',
      'ERR Protocol error: too big inline request',
    ],
    [
      'a multibulk count line over 64KB',
      '*' + '1'.repeat(MAX_INLINE_LEN),
      'ERR Protocol error: too big mbulk count string',
    ],
    [
      'a bulk length line over 64KB',
      '*1\r\n$' + '1'.repeat(MAX_INLINE_LEN),
      'ERR Protocol error: too big bulk count string',
    ],
  ];
  for (const [what, input, message] of cases) {
    it(`refuses ${what} with "${message}"`, () => {
      expect(errorFor(input)).toBe(message);
    });
  }

  it('reports the offending byte of a bulk header as one latin1 character', () => {
    expect(errorFor(Buffer.from([0x2a, 0x31, 0x0d, 0x0a, 0xff, 0x0d, 0x0a]))).toBe(
      "ERR Protocol error: expected '$', got '\u00ff'",
    );
  });

  it('waits, without an error, for a line of up to 64KB that has no end yet', () => {
    expect(errorFor('A'.repeat(MAX_INLINE_LEN))).toBeNull();
    expect(errorFor('*' + '1'.repeat(MAX_INLINE_LEN - 1))).toBeNull();
    expect(errorFor('*1\r\n$' + '1'.repeat(MAX_INLINE_LEN - 1))).toBeNull();
  });

  it('reports the commands before an error, then the error', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.feed(bytes('PING\r\n*1\r\n$4\r\nECHO\r\n*x\r\n*1\r\n$4\r\nPING\r\n'));
    expect(show(parser.next()!)).toEqual(['PING']);
    expect(show(parser.next()!)).toEqual(['ECHO']);
    expect(() => parser.next()).toThrow('ERR Protocol error: invalid multibulk length');
  });

  it('stays failed after an error: next() throws the same error and feed() is ignored', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.feed(bytes('*x\r\n'));
    let first: unknown;
    try {
      parser.next();
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    parser.feed(bytes('*1\r\n$4\r\nPING\r\n'));
    expect(() => parser.next()).toThrow(first as Error);
  });

  it('applies a maxBulkLen changed at runtime to the next bulk header', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.feed(bytes('*1\r\n$5\r\nhello\r\n'));
    expect(show(parser.next()!)).toEqual(['hello']);
    parser.maxBulkLen = 4;
    parser.feed(bytes('*1\r\n$5\r\nhello\r\n'));
    expect(() => parser.next()).toThrow('ERR Protocol error: invalid bulk length');
  });

  it('gives the same error whatever the chunking', () => {
    for (const [, input, message] of cases) {
      const buf = typeof input === 'string' ? bytes(input) : input;
      if (buf.length > 200) continue;
      for (let cut = 0; cut <= buf.length; cut++) {
        expect(errorOf([buf.subarray(0, cut), buf.subarray(cut)])).toBe(message);
      }
      expect(errorOf(splitEvery(buf, 1))).toBe(message);
    }
  });

  it('gives the same too-big error when the long line arrives one byte at a time', () => {
    const line = bytes('*1\r\n$' + '1'.repeat(MAX_INLINE_LEN + 10));
    expect(errorOf(splitEvery(line, 1))).toBe('ERR Protocol error: too big bulk count string');
    expect(errorOf(splitEvery(bytes('x'.repeat(MAX_INLINE_LEN + 10)), 1))).toBe(
      'ERR Protocol error: too big inline request',
    );
  });
});

describe('NUL bytes in lines, as Redis sees them through strchr', () => {
  it('treats a header line holding a NUL as unfinished until 64KB are buffered', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    expect(errorOf([bytes('*1\x00\r\n*1\r\n$4\r\nPING\r\n')], parser)).toBeNull();
    expect(errorOf([Buffer.alloc(MAX_INLINE_LEN, 0x41)], parser)).toBe(
      'ERR Protocol error: too big mbulk count string',
    );
  });

  it('treats a bulk header starting with a NUL as unfinished, not as a wrong type byte', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    expect(errorOf([bytes('*1\r\n\x00\r\n')], parser)).toBeNull();
    expect(errorOf([Buffer.alloc(MAX_INLINE_LEN, 0x41)], parser)).toBe(
      'ERR Protocol error: too big bulk count string',
    );
  });

  it('treats an inline line holding a NUL as unfinished until 64KB are buffered', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    expect(errorOf([bytes('SET a b\x00c\r\nPING\r\n')], parser)).toBeNull();
    expect(errorOf([Buffer.alloc(MAX_INLINE_LEN, 0x0a)], parser)).toBe(
      'ERR Protocol error: too big inline request',
    );
  });

  it('reproduces the protocol desync regression: a stray NUL ends in a protocol error', () => {
    for (const start of ['\x00', '*\x00', '$\x00']) {
      const payload = bytes(start + ('A'.repeat(1024) + '\n').repeat(70));
      expect(errorOf(splitEvery(payload, 1025))).toMatch(/^ERR Protocol error: too big/);
    }
  });

  it('accepts NUL bytes inside bulk values', () => {
    expect(parse(encode(['SET', 'k', '\x00a\x00']))).toEqual([['SET', 'k', '\x00a\x00']]);
  });
});

describe('unauthenticated limits', () => {
  it('refuses more than 10 arguments while authentication is required', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.authRequired = true;
    expect(errorOf([bytes('*11\r\n')], parser)).toBe(
      'ERR Protocol error: unauthenticated multibulk length',
    );
  });

  it('refuses a bulk over 16KB as soon as its header arrives', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.authRequired = true;
    expect(errorOf([bytes('*1\r\n$100000000\r\n')], parser)).toBe(
      'ERR Protocol error: unauthenticated bulk length',
    );
  });

  it('accepts 10 arguments of 16KB, and larger commands once authenticated', () => {
    const big = 'x'.repeat(16384);
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.authRequired = true;
    const ten = Array.from({ length: 10 }, () => big);
    parser.feed(Buffer.concat([encode(ten), encode(['SET', 'k', big + 'y'])]));
    expect(show(parser.next()!)).toEqual(ten);
    parser.authRequired = false;
    expect(show(parser.next()!)).toEqual(['SET', 'k', big + 'y']);
  });
});

describe('chunk boundaries', () => {
  const pipeline = Buffer.concat([
    encode(['SET', 'key:1', 'value']),
    bytes('PING\r\n'),
    bytes('\r\n'),
    encode(['SET', 'bin', bytes('\r\n\x00\xff$5\r\n*')]),
    bytes('*0\r\n'),
    bytes('SET "quoted \\x41" \'x\'\n'),
    encode(['MSET', 'a', '', 'b', 'x'.repeat(300)]),
    bytes('*-1\r\n'),
    encode(['GET', 'key:1']),
    bytes('*1\rX$4\rXECHOYY'),
  ]);
  const expected = parse(pipeline);

  it('parses the reference pipeline', () => {
    expect(expected).toEqual([
      ['SET', 'key:1', 'value'],
      ['PING'],
      ['SET', 'bin', '\r\n\x00\xff$5\r\n*'],
      ['SET', 'quoted A', 'x'],
      ['MSET', 'a', '', 'b', 'x'.repeat(300)],
      ['GET', 'key:1'],
      ['ECHO'],
    ]);
  });

  it('a pipeline split in two at every byte offset parses identically', () => {
    for (let cut = 0; cut <= pipeline.length; cut++) {
      expect(parseChunks([pipeline.subarray(0, cut), pipeline.subarray(cut)])).toEqual(expected);
    }
  });

  it('a pipeline split in three at many pairs of offsets parses identically', () => {
    for (let a = 0; a <= pipeline.length; a += 3) {
      for (let b = a; b <= pipeline.length; b += 7) {
        const chunks = [pipeline.subarray(0, a), pipeline.subarray(a, b), pipeline.subarray(b)];
        expect(parseChunks(chunks)).toEqual(expected);
      }
    }
  });

  it('a pipeline fed one byte at a time parses identically', () => {
    expect(parseChunks(splitEvery(pipeline, 1))).toEqual(expected);
  });

  it('parses identically when every chunk is fed before the first next()', () => {
    for (const size of [1, 2, 5, 64]) {
      const parser = new RequestParser(DEFAULT_MAX_BULK);
      for (const chunk of splitEvery(pipeline, size)) parser.feed(chunk);
      const out: Cmds = [];
      for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) out.push(show(cmd));
      expect(out).toEqual(expected);
      expect(parser.pendingBytes).toBe(0);
    }
  });

  it('assembles a large value arriving in many 64KB chunks', () => {
    const value = Buffer.alloc(8 * 1024 * 1024 + 3);
    for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
    const input = encode([bytes('SET'), bytes('big'), value]);
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    const cmds: Buffer[][] = [];
    for (const chunk of splitEvery(input, 64 * 1024)) {
      parser.feed(chunk);
      for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) cmds.push(cmd);
    }
    expect(cmds).toHaveLength(1);
    expect(cmds[0]![2]!.equals(value)).toBe(true);
  });
});

describe('pendingBytes', () => {
  it('counts bytes of an incomplete command and drops them once it is returned', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    expect(parser.pendingBytes).toBe(0);
    const cmd = encode(['SET', 'k', 'v']);
    parser.feed(cmd.subarray(0, 10));
    expect(parser.next()).toBeNull();
    expect(parser.pendingBytes).toBe(10);
    parser.feed(cmd.subarray(10));
    expect(parser.pendingBytes).toBe(cmd.length);
    expect(show(parser.next()!)).toEqual(['SET', 'k', 'v']);
    expect(parser.pendingBytes).toBe(0);
  });

  it('counts what follows a returned command, including chunks not yet parsed', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    const a = encode(['GET', 'a']);
    const b = encode(['GET', 'b']);
    parser.feed(Buffer.concat([a, b.subarray(0, 4)]));
    parser.feed(b.subarray(4));
    expect(parser.pendingBytes).toBe(a.length + b.length);
    expect(show(parser.next()!)).toEqual(['GET', 'a']);
    expect(parser.pendingBytes).toBe(b.length);
    expect(show(parser.next()!)).toEqual(['GET', 'b']);
    expect(parser.pendingBytes).toBe(0);
    expect(parser.next()).toBeNull();
  });

  it('grows with a large value arriving in pieces', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.feed(bytes('*1\r\n$1000000\r\n'));
    for (let i = 0; i < 10; i++) {
      parser.feed(Buffer.alloc(50_000));
      expect(parser.next()).toBeNull();
    }
    expect(parser.pendingBytes).toBe('*1\r\n$1000000\r\n'.length + 500_000);
  });

  it('drops skipped requests (*0, empty lines)', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.feed(bytes('*0\r\n\r\n*-1\r\n'));
    expect(parser.next()).toBeNull();
    expect(parser.pendingBytes).toBe(0);
  });

  it('keeps counting bytes swallowed after a NUL in a header', () => {
    const parser = new RequestParser(DEFAULT_MAX_BULK);
    parser.feed(bytes('*\x00\r\n'));
    expect(parser.next()).toBeNull();
    parser.feed(bytes('abc'));
    expect(parser.next()).toBeNull();
    expect(parser.pendingBytes).toBe(7);
  });
});

describe('fuzzing', () => {
  function randomArg(rand: () => number): Buffer {
    const r = rand();
    const len =
      r < 0.05
        ? 0
        : r < 0.9
          ? randInt(rand, 40)
          : r < 0.98
            ? randInt(rand, 2000)
            : randInt(rand, 200_000);
    const b = Buffer.alloc(len);
    const alphabet = rand() < 0.5 ? bytes('\r\n*$0123456789 "\'\\') : null;
    for (let i = 0; i < len; i++)
      b[i] = alphabet ? alphabet[randInt(rand, alphabet.length)]! : randInt(rand, 256);
    return b;
  }

  for (const seed of [1, 2, 3, 42, 1337, 20240611, 0xdeadbeef, 7]) {
    it(`random commands round-trip whatever the chunking (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      const cmds: Buffer[][] = [];
      const encoded: Buffer[] = [];
      for (let i = 0; i < 300; i++) {
        const args = Array.from({ length: 1 + randInt(rand, 6) }, () => randomArg(rand));
        cmds.push(args);
        const r = rand();
        // Inline only while the \xHH form stays under the 64KB line limit.
        const small = args.reduce((n, a) => n + a.length, 0) < 10_000;
        if (r < 0.15 && small) encoded.push(encodeInline(args));
        else if (r < 0.18) encoded.push(bytes(rand() < 0.5 ? '*0\r\n' : '\r\n'), encode(args));
        else encoded.push(encode(args));
      }
      const input = Buffer.concat(encoded);
      const expected = cmds.map(show);
      for (let round = 0; round < 5; round++) {
        expect(parseChunks(randomSplit(rand, input, 2 + randInt(rand, 400)))).toEqual(expected);
      }
      expect(parseChunks(splitEvery(input, 1 + randInt(rand, 7)))).toEqual(expected);
    });
  }

  for (const seed of [11, 12, 13, 99, 31337]) {
    it(`random garbage only ever raises ProtocolError (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      const alphabet = bytes('*$\r\n-+0123456789 "\'\\x\x00aZ');
      for (let round = 0; round < 400; round++) {
        const len = randInt(rand, 300);
        const input = Buffer.alloc(len);
        for (let i = 0; i < len; i++) {
          input[i] = rand() < 0.8 ? alphabet[randInt(rand, alphabet.length)]! : randInt(rand, 256);
        }
        // A small proto-max-bulk-len now and then exercises the bulk limit too.
        const maxBulk = rand() < 0.5 ? 1 + randInt(rand, 100) : DEFAULT_MAX_BULK;
        const a = new RequestParser(maxBulk);
        const b = new RequestParser(maxBulk);
        const outcome = (chunks: Buffer[], parser: RequestParser): Cmds | string => {
          try {
            return parseChunks(chunks, parser);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
            return (e as Error).message;
          }
        };
        const outA = outcome([input], a);
        const outB = outcome(randomSplit(rand, input, 20), b);
        expect(outB).toEqual(outA);
        if (typeof outA !== 'string') expect(a.pendingBytes).toBe(b.pendingBytes);
      }
    });
  }
});

describe('splitArgs', () => {
  const split = (s: string): string[] | null => {
    const r = splitArgs(bytes(s));
    return r === null ? null : r.map((b) => b.toString('latin1'));
  };

  it('splits on runs of spaces and tabs', () => {
    expect(split('  SET\tkey   value  ')).toEqual(['SET', 'key', 'value']);
  });

  it('returns no arguments for a blank line', () => {
    expect(split('')).toEqual([]);
    expect(split(' \t\r\n\v\f')).toEqual([]);
  });

  it('decodes escapes inside double quotes', () => {
    expect(split('"\\n\\r\\t\\b\\a\\\\\\"\\q"')).toEqual(['\n\r\t\b\x07\\"q']);
  });

  it('decodes \\xHH in either case, and leaves a malformed \\x as x', () => {
    expect(split('"\\x41\\x6a\\xFF" "\\x4g"')).toEqual(['Aj\xff', 'x4g']);
  });

  it("only unescapes \\' inside single quotes", () => {
    expect(split("'a\\'b\\n'")).toEqual(["a'b\\n"]);
  });

  it('keeps empty quoted arguments', () => {
    expect(split('"" \'\'')).toEqual(['', '']);
  });

  it('joins a quoted part to the unquoted text before it', () => {
    expect(split('foo"bar baz"')).toEqual(['foobar baz']);
  });

  it('refuses a closing quote followed by something other than a space', () => {
    expect(split('"a"b')).toBeNull();
    expect(split("'a'b")).toBeNull();
    expect(split('"a"\tb')).toEqual(['a', 'b']);
  });

  it('refuses unterminated quotes, even after a trailing backslash', () => {
    expect(split('"abc')).toBeNull();
    expect(split("'abc")).toBeNull();
    expect(split('"abc\\')).toBeNull();
  });

  it('does not split an unquoted argument on vertical tab or form feed, like sdssplitargs', () => {
    expect(split('a\vb c\fd')).toEqual(['a\vb', 'c\fd']);
    expect(split('\va')).toEqual(['a']);
  });

  it('ends the line at a NUL byte, as the C string does', () => {
    expect(split('a b\x00c d')).toEqual(['a', 'b']);
    expect(split('"a\x00b"')).toBeNull();
  });

  it('splits config lines into strings', () => {
    expect(splitArgsString('save "900 1" 300')).toEqual(['save', '900 1', '300']);
    expect(splitArgsString('dir "/tmp')).toBeNull();
  });
});
