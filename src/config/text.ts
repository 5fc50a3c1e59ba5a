/**
 * The small string <-> value conversions redis-server applies to configuration
 * values. Each one reproduces the C function Redis uses for that job
 * (string2ll, strtoll, memtoull, string2d, sdscatrepr, ...) because users see
 * the difference: "010" is refused as an integer but accepted as a save
 * parameter, "1g" is 10^9 bytes while "1gb" is 2^30, and a rewritten file
 * must quote exactly like Redis for diffs against a real server to stay empty.
 *
 * Numbers are bigint here: Redis configs range over the whole of int64/uint64
 * and error messages print those bounds, which a JS number cannot hold.
 */
import { repr as reprBytes } from '../protocol/repr.js';

export const INT_MIN = -2147483648n;
export const INT_MAX = 2147483647n;
export const UINT_MAX = 4294967295n;
export const LLONG_MIN = -9223372036854775808n;
export const LLONG_MAX = 9223372036854775807n;
export const ULLONG_MAX = 18446744073709551615n;

const TWO_64 = 1n << 64n;

/**
 * Redis's string2ll: the strict integer grammar used for plain numeric configs.
 * No sign other than a leading '-', no leading zeros, no spaces, no "-0".
 */
export function string2ll(s: string): bigint | null {
  if (s.length === 0 || s.length > 21) return null;
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
  const v = BigInt(s);
  return v < LLONG_MIN || v > LLONG_MAX ? null : v;
}

/** True for the characters C's isspace() accepts in the "C" locale. */
function isCSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * C's strtoll(s, &end, base) followed by the `*end == '\0'` check Redis uses
 * for save points, oom-score-adj-values and buffer-limit seconds. Note the C
 * quirk kept on purpose: an empty string converts to 0 and passes the check.
 * Overflow saturates (Redis does not look at errno on these paths) unless
 * `failOnOverflow` asks for the errno check some callers do make.
 */
export function strtollFull(s: string, base: 8 | 10 = 10, failOnOverflow = false): bigint | null {
  if (s.length === 0) return 0n;
  let i = 0;
  while (i < s.length && isCSpace(s[i]!)) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  const digits = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  const rest = s.slice(i);
  if (!digits.test(rest)) return null;
  let v = BigInt(base === 8 ? '0o' + rest : rest);
  if (negative) v = -v;
  if (v > LLONG_MAX) {
    if (failOnOverflow) return null;
    v = LLONG_MAX;
  } else if (v < LLONG_MIN) {
    if (failOnOverflow) return null;
    v = LLONG_MIN;
  }
  return v;
}

const MEMORY_UNITS: Readonly<Record<string, bigint>> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/**
 * Redis's memtoull: "<digits><unit>" with k/m/g meaning powers of 1000 and
 * kb/mb/gb powers of 1024, case-insensitive. An empty digit part is 0 (so ""
 * and "mb" are accepted as zero, as in Redis); a leading sign is refused.
 * Like Redis 7.0.15, too many digits saturate and the unit multiplication
 * wraps around 2^64 instead of failing.
 */
export function memtoull(s: string): bigint | null {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  const mul = MEMORY_UNITS[s.slice(i).toLowerCase()];
  if (mul === undefined || i >= 128) return null;
  let v = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (v > ULLONG_MAX) v = ULLONG_MAX; // strtoull saturates
  return BigInt.asUintN(64, v * mul);
}

/** Reinterprets a value produced by memtoull as the signed long long Redis stores it in. */
export function toSigned64(v: bigint): bigint {
  return v > LLONG_MAX ? v - TWO_64 : v;
}

/** Reinterprets a signed value the way C converts it to unsigned long long. */
export function toUnsigned64(v: bigint): bigint {
  return v < 0n ? v + TWO_64 : v;
}

/**
 * Redis's string2d: strtod over the whole string, refusing leading spaces and
 * NaN. Infinity and C hex floats ("0x10", "0x1.8p1") parse too.
 */
export function string2d(s: string): number | null {
  if (s.length === 0 || isCSpace(s[0]!)) return null;
  const sign = s.startsWith('-') ? -1 : 1;
  if (/^[+-]?(inf|infinity)$/i.test(s)) return sign * Infinity;
  const hex = /^[+-]?0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$/i.exec(s);
  if (hex) {
    const [, int = '', frac = '', exp = '0'] = hex;
    if (int.length + frac.length === 0) return null;
    const mantissa = parseInt(int + frac || '0', 16) / 16 ** frac.length;
    return sign * mantissa * 2 ** Number(exp);
  }
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return null;
  return Number(s);
}

/** printf("%f") followed by Redis's trimDoubleString (drop trailing zeros and a bare '.'). */
export function formatPercentile(v: number): string {
  const fixed = v.toFixed(6);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/**
 * The "nice" byte count CONFIG REWRITE writes: the largest of gb/mb/kb that
 * divides the value exactly, else plain bytes.
 */
export function formatMemoryForRewrite(bytes: bigint): string {
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  const kb = 1024n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % kb === 0n) return `${bytes / kb}kb`;
  return bytes.toString();
}

/**
 * sdscatrepr: a double-quoted rendering that sdssplitargs reads back to the
 * same bytes. Works on the UTF-8 bytes, so non-ASCII text is written as \xHH
 * escapes exactly like Redis does in the "C" locale.
 */
export function repr(s: string): string {
  return reprBytes(Buffer.from(s, 'utf8'));
}

/**
 * strerror(3) texts for the errno values file and directory operations
 * produce; Redis puts these verbatim into fatal errors and CONFIG replies.
 */
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EEXIST: 'File exists',
  EBUSY: 'Device or resource busy',
  EXDEV: 'Invalid cross-device link',
  EIO: 'Input/output error',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  EINVAL: 'Invalid argument',
};

export function strerror(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && STRERROR[code] !== undefined) return STRERROR[code];
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return String(err);
}
