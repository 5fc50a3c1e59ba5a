import type { Client } from '../server/client.js';

/**
 * Argument parsing shared by command families, with Redis's exact rules and
 * error texts. Integers follow string2ll: optional '-', no '+', no spaces, no
 * leading zeros, within int64.
 */

export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Exact int64 parse (string2ll), or null when the text is not one. */
export function parseInt64(buf: Buffer): bigint | null {
  const len = buf.length;
  if (len === 0 || len > 20) return null;
  if (len < 16) {
    const n = parseSmall(buf);
    return n === null ? null : BigInt(n);
  }
  if (!isCanonicalInteger(buf)) return null;
  const value = BigInt(buf.toString('latin1'));
  return value > INT64_MAX || value < INT64_MIN ? null : value;
}

/**
 * int64 parse returned as a JS number: exact below 2^53, rounded above, which
 * is fine for indexes, counts and timeouts that are clamped anyway.
 */
export function parseInteger(buf: Buffer): number | null {
  if (buf.length < 16) return parseSmall(buf);
  const big = parseInt64(buf);
  return big === null ? null : Number(big);
}

/** Fast path for up to 15 characters: cannot overflow a double's exact range. */
function parseSmall(buf: Buffer): number | null {
  const len = buf.length;
  if (len === 0) return null;
  let i = 0;
  let negative = false;
  if (buf[0] === 0x2d) {
    if (len === 1) return null;
    negative = true;
    i = 1;
  }
  const first = buf[i]!;
  if (first === 0x30) {
    // "0" alone is valid; "-0" and "01" are not (string2ll).
    return len === 1 ? 0 : null;
  }
  let value = 0;
  for (; i < len; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  return negative ? -value : value;
}

function isCanonicalInteger(buf: Buffer): boolean {
  let i = buf[0] === 0x2d ? 1 : 0;
  if (i === buf.length) return false;
  if (buf[i] === 0x30) return buf.length === 1;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Case-insensitive comparison of an argument with an ASCII keyword. */
export function isKeyword(arg: Buffer, keyword: string): boolean {
  if (arg.length !== keyword.length) return false;
  for (let i = 0; i < keyword.length; i++) {
    let c = arg[i]!;
    if (c >= 0x61 && c <= 0x7a) c -= 32;
    let k = keyword.charCodeAt(i);
    if (k >= 0x61 && k <= 0x7a) k -= 32;
    if (c !== k) return false;
  }
  return true;
}

/** The key argument as the latin1 string the keyspace maps use. */
export function keyOf(arg: Buffer): string {
  return arg.latin1Slice(0, arg.length);
}

/** Back from a keyspace string to the key's bytes. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}

/**
 * strtod-style double parse with Redis's getDoubleFromObject rules: no leading
 * or trailing spaces, full consumption, NaN refused. Accepts inf/-inf.
 */
export function parseDouble(buf: Buffer): number | null {
  const text = buf.toString('latin1');
  if (text.length === 0 || /^\s|\s$/.test(text)) return null;
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity')
    return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return null;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

/**
 * A 32-bit integer argument with Redis's getIntFromObjectOrReply errors: not
 * an int64 at all, or outside the int range. A `message` replaces both errors,
 * as Redis's callers that pass one (SWAPDB) see. Replies and returns null on
 * failure.
 */
export function intArgOrReply(c: Client, arg: Buffer, message?: string): number | null {
  const value = parseInteger(arg);
  if (value === null) {
    c.reply.error(message ?? ERR_NOT_INTEGER);
    return null;
  }
  if (value < -2147483648 || value > 2147483647) {
    c.reply.error(
      message ?? 'ERR value is out of range, value must between -2147483648 and 2147483647',
    );
    return null;
  }
  return value;
}

/**
 * A SCAN-family cursor as Redis reads it, with strtoul: an optional sign (a
 * negative cursor wraps modulo 2^64), decimal digits, nothing after them, no
 * leading space, no overflow; an empty cursor is 0. Our cursors are slot
 * indexes, so values beyond the safe-integer range simply end the walk.
 * Replies `ERR invalid cursor` and returns null otherwise.
 */
export function parseScanCursorOrReply(c: Client, arg: Buffer): number | null {
  const text = arg.toString('latin1');
  const m = /^([+-]?)(\d*)$/.exec(text);
  let value = m === null || (m[2] === '' && text !== '') ? -1n : m[2] === '' ? 0n : BigInt(m[2]!);
  if (value < 0n || value > 0xffffffffffffffffn) {
    c.reply.error('ERR invalid cursor');
    return null;
  }
  if (m![1] === '-') value = (0x10000000000000000n - value) % 0x10000000000000000n;
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

export interface ScanOptions {
  count: number;
  /** null when every element matches (no MATCH, or MATCH *). */
  pattern: string | null;
  /** SCAN's TYPE filter (lower case), null when absent. */
  type: string | null;
}

/**
 * SCAN-family options from argv[from] on (scanGenericCommand): COUNT n
 * (n >= 1), MATCH pattern, and TYPE name where allowed (SCAN only; for
 * HSCAN/SSCAN/ZSCAN it is a syntax error). Null after replying.
 */
export function parseScanOptionsOrReply(
  c: Client,
  argv: Buffer[],
  from: number,
  allowType: boolean,
): ScanOptions | null {
  const options: ScanOptions = { count: 10, pattern: null, type: null };
  for (let j = from; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    if (isKeyword(argv[j]!, 'COUNT') && remaining >= 1) {
      const n = parseInteger(argv[++j]!);
      if (n === null) {
        c.reply.error(ERR_NOT_INTEGER);
        return null;
      }
      if (n < 1) {
        c.reply.error(ERR_SYNTAX);
        return null;
      }
      options.count = n;
    } else if (isKeyword(argv[j]!, 'MATCH') && remaining >= 1) {
      const pattern = argv[++j]!.toString('latin1');
      options.pattern = pattern === '*' ? null : pattern;
    } else if (allowType && isKeyword(argv[j]!, 'TYPE') && remaining >= 1) {
      options.type = argv[++j]!.toString().toLowerCase();
    } else {
      c.reply.error(ERR_SYNTAX);
      return null;
    }
  }
  return options;
}
