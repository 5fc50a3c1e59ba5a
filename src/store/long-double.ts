/**
 * An exact software model of x86-64 C `long double` (the x87 80-bit extended
 * format), just wide enough for INCRBYFLOAT and HINCRBYFLOAT.
 *
 * Redis parses both operands with strtold, adds them in long double and prints
 * the sum with "%.17Lf" before trimming zeros. A JS double rounds to 53 bits
 * where the x87 keeps 64, so doing the arithmetic in `number` gives visibly
 * different text (0.1 + 0.2 is "0.30000000000000004" in JS, "0.3" in Redis),
 * and a double also overflows at 1.8e308 where the x87 goes to 1.2e4932. The
 * model therefore keeps the significand as a BigInt and rounds exactly where
 * the hardware and glibc do: once when strtold turns the text into a value,
 * once after the addition, and once when printf turns the exact binary value
 * into 17 fractional digits. All three round to nearest, ties to even.
 *
 * BigInt costs a few microseconds per operation, which INCRBYFLOAT can afford;
 * the common case of short integer operands skips the general parser.
 */

export type LongDoubleKind = 'finite' | 'zero' | 'inf' | 'nan';

/**
 * One long double value. Every value has all four fields so that the objects
 * share a single shape; `mantissa` and `exponent` only mean something for
 * 'finite', and `negative` is false for 'nan'.
 *
 * A finite value is mantissa * 2^exponent. A normal number has its top bit
 * (bit 63) set; a subnormal one has exponent MIN_EXPONENT and a smaller
 * mantissa, exactly as the x87 stores them, so each value has one encoding.
 */
export interface LongDouble {
  readonly kind: LongDoubleKind;
  readonly negative: boolean;
  readonly mantissa: bigint;
  readonly exponent: number;
}

const MANTISSA_BITS = 64;
const MANTISSA_LIMIT = 1n << 64n;
/** Exponent of the least significant mantissa bit of subnormals: 2^-16445 is the smallest positive value. */
const MIN_EXPONENT = -16445;
/** Largest exponent of a finite value: LDBL_MAX is (2^64 - 1) * 2^16320. */
const MAX_EXPONENT = 16320;

/** string2ld refuses text that does not fit its MAX_LONG_DOUBLE_CHARS buffer with the terminator. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

function make(
  kind: LongDoubleKind,
  negative: boolean,
  mantissa: bigint,
  exponent: number,
): LongDouble {
  return { kind, negative, mantissa, exponent };
}

const POSITIVE_ZERO = make('zero', false, 0n, 0);
const NEGATIVE_ZERO = make('zero', true, 0n, 0);
const POSITIVE_INF = make('inf', false, 0n, 0);
const NEGATIVE_INF = make('inf', true, 0n, 0);
const NAN = make('nan', false, 0n, 0);

function zero(negative: boolean): LongDouble {
  return negative ? NEGATIVE_ZERO : POSITIVE_ZERO;
}

function infinity(negative: boolean): LongDouble {
  return negative ? NEGATIVE_INF : POSITIVE_INF;
}

function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/**
 * Rounds magnitude * 2^exponent to the format, to nearest with ties to even.
 * `sticky` says the true value is a little above magnitude * 2^exponent (a
 * division left a remainder); callers that pass it supply at least 66 bits so
 * that the sticky bit always lands below the rounding position.
 */
function round(
  negative: boolean,
  magnitude: bigint,
  exponent: number,
  sticky: boolean,
): LongDouble {
  if (magnitude === 0n) return zero(negative);
  let shift = bitLength(magnitude) - MANTISSA_BITS;
  // Below the normal range the x87 keeps fewer bits instead of a smaller exponent.
  if (exponent + shift < MIN_EXPONENT) shift = MIN_EXPONENT - exponent;
  let mantissa: bigint;
  if (shift > 0) {
    const bigShift = BigInt(shift);
    mantissa = magnitude >> bigShift;
    const rest = magnitude - (mantissa << bigShift);
    const half = 1n << (bigShift - 1n);
    if (rest > half || (rest === half && (sticky || (mantissa & 1n) === 1n))) {
      mantissa += 1n;
      if (mantissa === MANTISSA_LIMIT) {
        mantissa >>= 1n;
        shift += 1;
      }
    }
  } else {
    mantissa = magnitude << BigInt(-shift);
  }
  exponent += shift;
  if (mantissa === 0n) return zero(negative);
  if (exponent > MAX_EXPONENT) return infinity(negative);
  return make('finite', negative, mantissa, exponent);
}

export function longDoubleFromInteger(n: bigint): LongDouble {
  return n < 0n ? round(true, -n, 0, false) : round(false, n, 0, false);
}

export function isFiniteLongDouble(x: LongDouble): boolean {
  return x.kind === 'finite' || x.kind === 'zero';
}

/** The bytes C's isspace accepts in the "C" locale, which Redis never changes for LC_CTYPE. */
function isCSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Matches `word` case-insensitively at `at`; `word` is lower-case ASCII. */
function matchesWord(text: Buffer, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((text[at + i]! | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Exponents beyond this are already far outside the format whatever the
 * digits are (the text is at most 5119 characters), so the digits of a longer
 * exponent need not be read exactly; glibc likewise answers inf or 0 for them.
 */
const EXPONENT_CLAMP = 1_000_000_000;

/**
 * Reads the decimal exponent digits after 'e' or 'p' (the sign included).
 * Returns null when there is no digit, in which case strtold would stop before
 * the 'e' and string2ld would refuse the leftover.
 */
function readExponent(text: Buffer, start: number): { value: number; end: number } | null {
  let i = start;
  let negative = false;
  if (i < text.length && (text[i] === 0x2b || text[i] === 0x2d)) {
    negative = text[i] === 0x2d;
    i++;
  }
  if (i >= text.length || !isDigit(text[i]!)) return null;
  let value = 0;
  while (i < text.length && isDigit(text[i]!)) {
    if (value < EXPONENT_CLAMP) value = value * 10 + (text[i]! - 0x30);
    i++;
  }
  return { value: negative ? -value : value, end: i };
}

const powersOfFive: bigint[] = [1n];

function powerOfFive(n: number): bigint {
  if (n < 64) {
    while (powersOfFive.length <= n) powersOfFive.push(powersOfFive[powersOfFive.length - 1]! * 5n);
    return powersOfFive[n]!;
  }
  return 5n ** BigInt(n);
}

/**
 * digits * 10^exponent10, correctly rounded like glibc's strtold. Returns null
 * where strtold reports ERANGE with a zero or infinite result, which
 * string2ld refuses; subnormal results are accepted, as there.
 */
function decimalToLongDouble(
  negative: boolean,
  digits: string,
  exponent10: number,
): LongDouble | null {
  // 10^(n-1+e) <= value < 10^(n+e): anything from 10^4933 up is beyond
  // LDBL_MAX (1.19e4932), anything below 10^-4952 is under half the smallest
  // subnormal (3.6e-4951) and rounds to zero.
  if (digits.length - 1 + exponent10 >= 4933) return null;
  if (digits.length + exponent10 < -4952) return null;
  const n = BigInt(digits);
  // 10^e = 5^e * 2^e: only the power of five needs big multiplications.
  if (exponent10 >= 0) {
    const result = round(negative, n * powerOfFive(exponent10), exponent10, false);
    return result.kind === 'inf' ? null : result;
  }
  const divisor = powerOfFive(-exponent10);
  // Enough quotient bits that the remainder only matters as a sticky bit.
  const extra = Math.max(0, bitLength(divisor) - bitLength(n) + MANTISSA_BITS + 2);
  const numerator = n << BigInt(extra);
  const quotient = numerator / divisor;
  const remainder = numerator - quotient * divisor;
  const result = round(negative, quotient, exponent10 - extra, remainder !== 0n);
  return result.kind === 'zero' ? null : result;
}

/** hexDigits * 2^exponent2 for hex-float input, with the same ERANGE rules. */
function binaryToLongDouble(
  negative: boolean,
  value: bigint,
  exponent2: number,
): LongDouble | null {
  const bits = bitLength(value);
  // Below 2^-16446 (half the smallest subnormal) rounds to zero; from 2^16384 up is beyond LDBL_MAX.
  if (bits + exponent2 <= MIN_EXPONENT - 1) return null;
  if (bits - 1 + exponent2 >= 16384) return null;
  const result = round(negative, value, exponent2, false);
  return result.kind === 'inf' || result.kind === 'zero' ? null : result;
}

/** The part after "0x": hex digits with an optional point, then an optional binary exponent. */
function parseHexBody(text: Buffer, start: number, negative: boolean): LongDouble | null {
  let i = start;
  let hex = '';
  let fractionDigits = 0;
  let seenPoint = false;
  let anyDigit = false;
  for (; i < text.length; i++) {
    const byte = text[i]!;
    if (byte === 0x2e && !seenPoint) {
      seenPoint = true;
      continue;
    }
    const v = hexValue(byte);
    if (v < 0) break;
    anyDigit = true;
    if (seenPoint) fractionDigits++;
    if (hex.length > 0 || v !== 0) hex += String.fromCharCode(byte);
  }
  // Without a hex digit strtold reads just the "0" and stops at the 'x'.
  if (!anyDigit) return null;
  let exponent2 = -4 * fractionDigits;
  if (i < text.length && (text[i]! | 0x20) === 0x70) {
    const exp = readExponent(text, i + 1);
    if (exp === null) return null;
    exponent2 += exp.value;
    i = exp.end;
  }
  if (i !== text.length) return null;
  if (hex.length === 0) return zero(negative);
  return binaryToLongDouble(negative, BigInt('0x' + hex), exponent2);
}

/**
 * Short integers ("5", "-120") are what counters mostly hold; they convert
 * exactly, so no rounding logic is needed to prove them right.
 */
function parseShortInteger(text: Buffer): LongDouble | null {
  const length = text.length;
  let i = 0;
  const negative = text[0] === 0x2d;
  if (negative || text[0] === 0x2b) i = 1;
  if (i === length || length - i > 15) return null;
  let value = 0;
  for (; i < length; i++) {
    const byte = text[i]!;
    if (!isDigit(byte)) return null;
    value = value * 10 + (byte - 0x30);
  }
  // At most 15 digits, so `value` is an exact safe integer.
  if (value === 0) return zero(negative);
  return round(negative, BigInt(value), 0, false);
}

/**
 * Redis's string2ld: the whole text must be one number as glibc's strtold
 * reads it (decimal, hex float, inf/infinity), with no leading space, and the
 * result must be neither NaN nor an overflow or underflow to zero. Returns
 * null where Redis answers "value is not a valid float".
 */
export function parseLongDouble(text: Buffer): LongDouble | null {
  const length = text.length;
  if (length === 0 || length >= MAX_LONG_DOUBLE_CHARS) return null;
  const fast = parseShortInteger(text);
  if (fast !== null) return fast;
  if (isCSpace(text[0]!)) return null;

  let i = 0;
  let negative = false;
  if (text[0] === 0x2b || text[0] === 0x2d) {
    negative = text[0] === 0x2d;
    i = 1;
  }
  if (matchesWord(text, i, 'inf')) {
    i += 3;
    if (matchesWord(text, i, 'inity')) i += 5;
    return i === length ? infinity(negative) : null;
  }
  if (i + 1 < length && text[i] === 0x30 && (text[i + 1]! | 0x20) === 0x78) {
    return parseHexBody(text, i + 2, negative);
  }

  // Decimal: digits with an optional point (at least one digit), then an optional exponent.
  let digits = '';
  let fractionDigits = 0;
  let seenPoint = false;
  let anyDigit = false;
  for (; i < length; i++) {
    const byte = text[i]!;
    if (byte === 0x2e && !seenPoint) {
      seenPoint = true;
      continue;
    }
    if (!isDigit(byte)) break;
    anyDigit = true;
    if (seenPoint) fractionDigits++;
    if (digits.length > 0 || byte !== 0x30) digits += String.fromCharCode(byte);
  }
  if (!anyDigit) return null;
  let exponent10 = 0;
  if (i < length && (text[i]! | 0x20) === 0x65) {
    const exp = readExponent(text, i + 1);
    if (exp === null) return null;
    exponent10 = exp.value;
    i = exp.end;
  }
  if (i !== length) return null;
  // A zero mantissa is zero whatever the exponent ("0e99999" is fine in glibc).
  if (digits.length === 0) return zero(negative);
  // Trailing zeros only make the numbers bigger.
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 0x30) end--;
  const zeros = digits.length - end;
  return decimalToLongDouble(negative, digits.slice(0, end), exponent10 - fractionDigits + zeros);
}

/**
 * The sum as the x87 FADD computes it: exact, then rounded once to nearest
 * even. IEEE rules for the specials: inf - inf is NaN, x - x is +0, and
 * -0 + -0 stays -0.
 */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === 'nan' || b.kind === 'nan') return NAN;
  if (a.kind === 'inf') return b.kind === 'inf' && b.negative !== a.negative ? NAN : a;
  if (b.kind === 'inf') return b;
  if (a.kind === 'zero') return b.kind === 'zero' ? zero(a.negative && b.negative) : b;
  if (b.kind === 'zero') return a;

  let high = a;
  let low = b;
  if (low.exponent > high.exponent) {
    high = b;
    low = a;
  }
  let gap = high.exponent - low.exponent;
  let lowMantissa = low.mantissa;
  // When `low` lies wholly below a quarter of high's last place, only its sign
  // matters for the rounding; a single bit far down stands in for it, sparing
  // shifts of thousands of bits. (high is normal here: gap > 0 means its
  // exponent is above the subnormal one.)
  if (gap > 2 * MANTISSA_BITS + 2) {
    gap = 2 * MANTISSA_BITS + 2;
    lowMantissa = 1n;
  }
  const highSigned = high.negative ? -high.mantissa : high.mantissa;
  const lowSigned = low.negative ? -lowMantissa : lowMantissa;
  const sum = (highSigned << BigInt(gap)) + lowSigned;
  if (sum === 0n) return POSITIVE_ZERO;
  const exponent = high.exponent - gap;
  return sum < 0n ? round(true, -sum, exponent, false) : round(false, sum, exponent, false);
}

const FRACTION_DIGITS = 17;
const FRACTION_SCALE = 10n ** 17n;

/**
 * Redis's ld2string(LD_STR_HUMAN): glibc's "%.17Lf" (the exact binary value
 * rounded to 17 decimals, ties to even) with trailing zeros and a trailing
 * point removed, and "-0" written as "0". Infinities and NaN are spelled out
 * as ld2string does, though INCRBYFLOAT refuses to store them.
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.kind === 'nan') return 'nan';
  if (x.kind === 'inf') return x.negative ? '-inf' : 'inf';
  if (x.kind === 'zero') return '0';
  let text: string;
  if (x.exponent >= 0) {
    text = (x.mantissa << BigInt(x.exponent)).toString();
  } else {
    const shift = BigInt(-x.exponent);
    const scaled = x.mantissa * FRACTION_SCALE;
    let units = scaled >> shift;
    const rest = scaled - (units << shift);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (units & 1n) === 1n)) units += 1n;
    const whole = units / FRACTION_SCALE;
    const fraction = units - whole * FRACTION_SCALE;
    text = whole.toString();
    if (fraction !== 0n) {
      text += '.' + fraction.toString().padStart(FRACTION_DIGITS, '0').replace(/0+$/, '');
    }
  }
  if (!x.negative || text === '0') return text;
  return '-' + text;
}
