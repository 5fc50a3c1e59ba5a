import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globMatch, isGlobPattern } from '../../src/store/glob.js';
import { mulberry32 } from '../interop/command-generator.js';
import {
  redisServerAvailable,
  skipMessage,
  startRedis,
  startResplica,
  type RunningServer,
} from '../helpers/processes.js';
import { RawClient } from '../helpers/resp.js';

/**
 * Glob matching must be Redis's stringmatchlen, quirks included: KEYS, SCAN
 * MATCH, PSUBSCRIBE and CONFIG GET all go through it, and clients notice when
 * a pattern selects different keys than on Redis. The expectations below were
 * checked against redis-server 7.0 (x86-64); the differential block re-checks
 * random patterns against a live server when one is installed.
 */

/** Patterns and subjects are latin1 strings, one char per byte, as keys are held. */
function bytes(...codes: number[]): string {
  return String.fromCharCode(...codes);
}

describe('glob wildcards', () => {
  it('star matches any run of characters, including none', () => {
    expect(globMatch('*', 'anything')).toBe(true);
    expect(globMatch('a*', 'a')).toBe(true);
    expect(globMatch('a*c', 'abbbc')).toBe(true);
    expect(globMatch('a*c', 'ac')).toBe(true);
    expect(globMatch('a*c', 'acb')).toBe(false);
    expect(globMatch('**a**', 'xxa')).toBe(true);
    expect(globMatch('a*b*c', 'a-c-b')).toBe(false);
  });

  it('question mark matches exactly one character', () => {
    expect(globMatch('h?llo', 'hello')).toBe(true);
    expect(globMatch('h?llo', 'hllo')).toBe(false);
    expect(globMatch('???', 'abc')).toBe(true);
    expect(globMatch('???', 'abcd')).toBe(false);
    expect(globMatch('a?', 'a')).toBe(false);
  });

  it('a literal pattern matches only itself, case-sensitively by default', () => {
    expect(globMatch('key', 'key')).toBe(true);
    expect(globMatch('key', 'Key')).toBe(false);
    expect(globMatch('key', 'keys')).toBe(false);
    expect(globMatch('keys', 'key')).toBe(false);
  });

  it('an empty subject is matched only by the empty pattern, not even by a star', () => {
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('*', '')).toBe(false);
    expect(globMatch('**', '')).toBe(false);
    expect(globMatch('?', '')).toBe(false);
    expect(globMatch('', 'a')).toBe(false);
  });
});

describe('glob character classes', () => {
  it('a class matches one listed character', () => {
    expect(globMatch('h[ae]llo', 'hello')).toBe(true);
    expect(globMatch('h[ae]llo', 'hallo')).toBe(true);
    expect(globMatch('h[ae]llo', 'hillo')).toBe(false);
    expect(globMatch('[abc]', 'ab')).toBe(false);
  });

  it('a caret negates the class', () => {
    expect(globMatch('h[^e]llo', 'hallo')).toBe(true);
    expect(globMatch('h[^e]llo', 'hello')).toBe(false);
    expect(globMatch('[^a-c]', 'd')).toBe(true);
    expect(globMatch('[^a-c]', 'b')).toBe(false);
    // A caret later in the class is an ordinary member.
    expect(globMatch('[a^]', '^')).toBe(true);
  });

  it('ranges match inclusively, and a reversed range means the same range', () => {
    expect(globMatch('[a-c]', 'a')).toBe(true);
    expect(globMatch('[a-c]', 'c')).toBe(true);
    expect(globMatch('[a-c]', 'd')).toBe(false);
    expect(globMatch('[c-a]', 'b')).toBe(true);
    expect(globMatch('[c-a]', 'd')).toBe(false);
    expect(globMatch('[0-9x]', 'x')).toBe(true);
    expect(globMatch('[0-9x]', '5')).toBe(true);
  });

  it('a dash first or last in the class is literal, but a dash before `]` makes a range', () => {
    expect(globMatch('[-a]', '-')).toBe(true);
    expect(globMatch('[a-]', '-')).toBe(false);
    // `[b-]` is the range `]`..`b` (0x5d..0x62) and runs to the end of the pattern.
    expect(globMatch('[b-]', '`')).toBe(true);
    expect(globMatch('[b-]', 'c')).toBe(false);
    expect(globMatch('[b-]x', 'ax')).toBe(false);
  });

  it('`]` first in a class closes it immediately: `[]` is an empty class', () => {
    expect(globMatch('[]a', 'a')).toBe(false);
    expect(globMatch('[]a', ']a')).toBe(false);
    expect(globMatch('[^]a', 'xa')).toBe(true);
  });

  it('an unterminated class ends at the end of the pattern', () => {
    expect(globMatch('[abc', 'b')).toBe(true);
    expect(globMatch('[abc', 'bc')).toBe(false);
    expect(globMatch('x[', 'x')).toBe(false);
    expect(globMatch('x[', 'x[')).toBe(false);
    expect(globMatch('[', '[')).toBe(false);
    // `[^` with nothing after it negates the empty class: any one character.
    expect(globMatch('[^', 'q')).toBe(true);
    expect(globMatch('[a-', 'a')).toBe(true);
    expect(globMatch('[a-', '-')).toBe(true);
  });

  it('escapes inside a class make `]`, `-` and `\\` members', () => {
    expect(globMatch('[\\]]', ']')).toBe(true);
    expect(globMatch('[\\]x]', 'x')).toBe(true);
    expect(globMatch('[a\\-c]', '-')).toBe(true);
    expect(globMatch('[a\\-c]', 'b')).toBe(false);
    expect(globMatch('[\\\\]', '\\')).toBe(true);
    // A backslash last in an unterminated class is a literal member.
    expect(globMatch('[\\', '\\')).toBe(true);
  });
});

describe('glob escapes', () => {
  it('a backslash makes the next character literal', () => {
    expect(globMatch('\\*', '*')).toBe(true);
    expect(globMatch('\\*', 'x')).toBe(false);
    expect(globMatch('\\?', '?')).toBe(true);
    expect(globMatch('\\?', 'x')).toBe(false);
    expect(globMatch('\\[a]', '[a]')).toBe(true);
    expect(globMatch('\\[a]', 'a')).toBe(false);
    expect(globMatch('\\a', 'a')).toBe(true);
    expect(globMatch('a\\\\b', 'a\\b')).toBe(true);
  });

  it('a trailing backslash matches a backslash', () => {
    expect(globMatch('a\\', 'a\\')).toBe(true);
    expect(globMatch('a\\', 'a')).toBe(false);
  });
});

describe('glob nocase (CONFIG GET)', () => {
  it('letters and ranges compare case-insensitively', () => {
    expect(globMatch('MAXMEMORY*', 'maxmemory-policy', true)).toBe(true);
    expect(globMatch('maxmemor[Y]', 'maxmemory', true)).toBe(true);
    expect(globMatch('maxmemor[X-Z]', 'maxmemory', true)).toBe(true);
    expect(globMatch('M\\Axmemor?', 'maxmemory', true)).toBe(true);
    expect(globMatch('MAXMEMORY*', 'maxmemory-policy', false)).toBe(false);
  });

  it('an escaped class member still compares exactly, as in Redis', () => {
    expect(globMatch('[\\M]axmemor?', 'maxmemory', true)).toBe(false);
    expect(globMatch('[\\m]axmemor?', 'maxmemory', true)).toBe(true);
  });

  it('range bounds are lowered after ordering, so `[Z-a]` matches nothing', () => {
    for (const c of ['Z', 'a', '_', 'z', 'A']) expect(globMatch('[Z-a]', c, true)).toBe(false);
    expect(globMatch('[Z-a]', '_', false)).toBe(true);
  });
});

describe('glob on binary keys', () => {
  it('every byte 0x00-0xff matches itself, `?` and `*`', () => {
    for (let c = 0; c < 256; c++) {
      const s = bytes(c);
      const literal = '*?[\\'.includes(s) ? `\\${s}` : s;
      expect(globMatch(literal, s)).toBe(true);
      expect(globMatch(literal, 'x')).toBe(s === 'x');
      expect(globMatch('?', s)).toBe(true);
      expect(globMatch(`x*${literal}`, `xyz${s}`)).toBe(true);
    }
  });

  it('NUL, CR and LF are ordinary characters', () => {
    expect(globMatch(bytes(0x00, 0x2a), bytes(0x00, 0x61, 0x62))).toBe(true);
    expect(globMatch('*[\r\n]', 'line\n')).toBe(true);
    expect(globMatch('*[\r\n]', 'line')).toBe(false);
  });

  it('high bytes never fold case, even with nocase', () => {
    expect(globMatch(bytes(0xc9), bytes(0xe9), true)).toBe(false);
    expect(globMatch(bytes(0xe9), bytes(0xe9), true)).toBe(true);
  });

  it('ranges compare bytes as signed chars, so 0x80-0xff sort below 0x00', () => {
    // Checked on redis-server 7.0 x86-64: KEYS "[a-\xe9]" returns a, \x00,
    // \xe9 and \xff but not b.
    const range = `[a-${bytes(0xe9)}]`;
    expect(globMatch(range, 'a')).toBe(true);
    expect(globMatch(range, bytes(0x00))).toBe(true);
    expect(globMatch(range, bytes(0xe9))).toBe(true);
    expect(globMatch(range, bytes(0xff))).toBe(true);
    expect(globMatch(range, 'b')).toBe(false);
    expect(globMatch(range, bytes(0x80))).toBe(false);
    expect(globMatch(`[${bytes(0x80)}-${bytes(0xff)}]`, bytes(0xc0))).toBe(true);
    expect(globMatch(`[${bytes(0x80)}-${bytes(0xff)}]`, 'a')).toBe(false);
  });
});

describe('glob cost and limits', () => {
  it('a pathological star pattern against 10k characters finishes quickly', () => {
    const subject = 'a'.repeat(10_000);
    const started = performance.now();
    expect(globMatch('a*a*a*a*a*a*a*b', subject)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*', subject)).toBe(true);
    expect(globMatch('*?*?*?*?*?*?*?*?*?*?b', subject)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('more than 1000 inner star groups never match, as Redis gives up past that nesting', () => {
    const subject = 'a'.repeat(1200);
    expect(globMatch(`${'a*'.repeat(1000)}a`, subject)).toBe(true);
    // The 1001st group is trailing, so it needs no deeper nesting.
    expect(globMatch('a*'.repeat(1001), subject)).toBe(true);
    expect(globMatch('a*'.repeat(1002), subject)).toBe(false);
    // Escaped stars and stars inside a class are not groups.
    expect(globMatch(`${'a\\*'.repeat(1100)}`, 'a*'.repeat(1100))).toBe(true);
    expect(globMatch(`${'[*]'.repeat(1100)}`, '*'.repeat(1100))).toBe(true);
  });

  it('isGlobPattern spots the characters that make CONFIG GET match instead of look up', () => {
    expect(isGlobPattern('maxmemory')).toBe(false);
    expect(isGlobPattern('max*')).toBe(true);
    expect(isGlobPattern('max?')).toBe(true);
    expect(isGlobPattern('[m]axmemory')).toBe(true);
  });
});

/** Reads one `*n` reply of bulk strings into latin1 strings. */
function parseBulkArray(reply: Buffer): string[] {
  let pos = reply.indexOf('\r\n');
  if (reply[0] !== 0x2a) throw new Error(`not an array: ${reply.toString('latin1')}`);
  const n = Number(reply.toString('latin1', 1, pos));
  pos += 2;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const eol = reply.indexOf('\r\n', pos);
    const len = Number(reply.toString('latin1', pos + 1, eol));
    out.push(reply.toString('latin1', eol + 2, eol + 2 + len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

/**
 * Characters that make glob syntax interesting, plus a letter in both cases,
 * a dash for ranges and high/NUL bytes for the signed-char range quirk.
 */
const PATTERN_ALPHABET = [
  'a',
  'b',
  'A',
  '*',
  '?',
  '[',
  ']',
  '^',
  '-',
  '\\',
  bytes(0x00),
  bytes(0xe9),
];
const KEY_ALPHABET = [
  'a',
  'b',
  'A',
  '*',
  '?',
  '[',
  ']',
  '^',
  '-',
  '\\',
  bytes(0x00),
  bytes(0xe9),
  bytes(0xff),
];
const DIFF_SEED = 20240607;
const DIFF_KEYS = 150;
const DIFF_PATTERNS = 2000;

function randomString(rand: () => number, alphabet: readonly string[], maxLen: number): string {
  const len = Math.floor(rand() * (maxLen + 1));
  let s = '';
  for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)]!;
  return s;
}

describe.skipIf(!redisServerAvailable)(
  'glob agrees with redis-server KEYS on random patterns',
  () => {
    if (!redisServerAvailable) console.warn(skipMessage('redis-server'));
    let redis: RunningServer;
    let resplica: RunningServer;
    let redisClient: RawClient;
    let resplicaClient: RawClient;
    const keys = new Set<string>(['']);
    const patterns: string[] = [];

    beforeAll(async () => {
      [redis, resplica] = await Promise.all([startRedis(), startResplica()]);
      [redisClient, resplicaClient] = await Promise.all([
        RawClient.connect(redis.port),
        RawClient.connect(resplica.port),
      ]);
      const rand = mulberry32(DIFF_SEED);
      while (keys.size < DIFF_KEYS) keys.add(randomString(rand, KEY_ALPHABET, 5));
      for (let i = 0; i < DIFF_PATTERNS; i++)
        patterns.push(randomString(rand, PATTERN_ALPHABET, 6));
      for (const client of [redisClient, resplicaClient]) {
        const mset: Buffer[] = [Buffer.from('MSET')];
        for (const k of keys) mset.push(Buffer.from(k, 'latin1'), Buffer.from('v'));
        expect(await client.call('FLUSHALL')).toBe('+OK\r\n');
        expect(await client.call(...mset)).toBe('+OK\r\n');
      }
    });

    afterAll(async () => {
      redisClient?.close();
      resplicaClient?.close();
      await Promise.all([redis?.stop(), resplica?.stop()]);
    });

    /** Sends every pattern as one pipeline and returns each KEYS reply sorted. */
    async function keysFor(client: RawClient): Promise<string[][]> {
      for (const p of patterns) client.send('KEYS', Buffer.from(p, 'latin1'));
      const out: string[][] = [];
      for (let i = 0; i < patterns.length; i++)
        out.push(parseBulkArray(await client.readReply()).sort());
      return out;
    }

    it(`globMatch selects the same keys as Redis for ${DIFF_PATTERNS} patterns x ${DIFF_KEYS} keys`, async () => {
      const fromRedis = await keysFor(redisClient);
      const mismatches: string[] = [];
      patterns.forEach((pattern, i) => {
        const expected = fromRedis[i]!;
        // KEYS special-cases a lone `*` (it would otherwise skip the empty key).
        const mine = [...keys].filter((k) => pattern === '*' || globMatch(pattern, k)).sort();
        if (JSON.stringify(mine) !== JSON.stringify(expected) && mismatches.length < 10) {
          mismatches.push(
            `pattern ${JSON.stringify(pattern)}: redis ${JSON.stringify(expected)} globMatch ${JSON.stringify(mine)}`,
          );
        }
      });
      expect(mismatches).toEqual([]);
    });

    it('resplica KEYS replies with the same key sets as Redis KEYS', async () => {
      const [fromRedis, fromResplica] = await Promise.all([
        keysFor(redisClient),
        keysFor(resplicaClient),
      ]);
      const mismatches: string[] = [];
      patterns.forEach((pattern, i) => {
        if (
          JSON.stringify(fromRedis[i]) !== JSON.stringify(fromResplica[i]) &&
          mismatches.length < 10
        ) {
          mismatches.push(
            `pattern ${JSON.stringify(pattern)}: redis ${JSON.stringify(fromRedis[i])} resplica ${JSON.stringify(fromResplica[i])}`,
          );
        }
      });
      expect(mismatches).toEqual([]);
    });
  },
);
