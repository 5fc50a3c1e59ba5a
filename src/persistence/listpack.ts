import { RdbFormatError } from './rdb-format.js';

/**
 * Listpacks, the packed encoding Redis 7.0 stores small hashes, sorted sets
 * and list nodes in (and writes into RDB files as they are). Layout: a 6-byte
 * header (total bytes as uint32 LE, element count as uint16 LE, 65535 when it
 * does not fit), the entries, and a 0xFF terminator. Each entry is an
 * encoding byte (with the value or length packed in), its data, then its own
 * length written backwards in 7-bit groups so the list can be walked from the
 * tail. Encodings by the first byte:
 *   0xxxxxxx            7-bit unsigned integer
 *   10LLLLLL            string of up to 63 bytes
 *   110xxxxx x          13-bit signed integer
 *   1110LLLL L          string of up to 4095 bytes
 *   0xF0 L(4, LE)       string of up to 2^32-1 bytes
 *   0xF1 / F2 / F3 / F4 16 / 24 / 32 / 64-bit signed integer, little endian
 */

const EOF = 0xff;
const HEADER = 6;
const UNKNOWN_COUNT = 65535;

/**
 * The value of `text` if it is an integer exactly as Redis would print it
 * (string2ll's rules: optional '-', no leading zeros or '+', within int64),
 * else null. Listpacks store such strings as integers.
 */
export function canonicalInteger(text: Buffer): bigint | null {
  const len = text.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  if (text[0] === 0x2d) {
    if (len === 1) return null;
    i = 1;
  }
  const first = text[i]!;
  if (first === 0x30) return len === 1 ? 0n : null;
  if (first < 0x31 || first > 0x39) return null;
  for (let j = i + 1; j < len; j++) {
    const c = text[j]!;
    if (c < 0x30 || c > 0x39) return null;
  }
  const value = BigInt(text.latin1Slice(0, len));
  if (value > 9223372036854775807n || value < -9223372036854775808n) return null;
  return value;
}

/** Encoding bytes before a string of `len` bytes: 6-bit, 12-bit or 32-bit length. */
function stringHeaderSize(len: number): number {
  return len < 64 ? 1 : len < 4096 ? 2 : 5;
}

/** Bytes the backwards length of an entry of `len` bytes takes. */
function backlenSize(len: number): number {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

/**
 * The value of a canonical integer string as a number when it is a safe
 * integer (the common case, no BigInt), as a bigint beyond that, else null.
 */
function integerValue(text: Buffer): number | bigint | null {
  const len = text.length;
  if (len === 0 || len > 20) return null;
  const negative = text[0] === 0x2d;
  const digits = negative ? len - 1 : len;
  if (digits === 0 || digits > 15) return canonicalInteger(text);
  const first = text[negative ? 1 : 0]!;
  if (first === 0x30) return len === 1 ? 0 : null;
  if (first < 0x31 || first > 0x39) return null;
  let v = 0;
  for (let j = negative ? 1 : 0; j < len; j++) {
    const c = text[j]!;
    if (c < 0x30 || c > 0x39) return null;
    v = v * 10 + (c - 0x30);
  }
  return negative ? -v : v;
}

/**
 * Builds a listpack by appending, as lpAppend does. Entries are written
 * straight into one growing buffer: a save encodes millions of them, and a
 * Buffer per header, value and back-length made it allocation-bound.
 */
export class ListpackBuilder {
  private buf = Buffer.allocUnsafe(128);
  private bytes = HEADER;
  private elements = 0;

  /** Appends an element; stored as an integer when it is a canonical int64 decimal string, as lpAppend does. */
  append(element: Buffer): void {
    const asInt = integerValue(element);
    if (asInt !== null) {
      if (typeof asInt === 'number') this.appendInteger(asInt);
      else this.appendBigInt(asInt);
      return;
    }
    const len = element.length;
    // stringHeader() may replace this.buf: read it only afterwards.
    const at = this.stringHeader(len);
    element.copy(this.buf, at);
    this.endEntry(this.bytesSinceEntry(len));
  }

  /**
   * `append` for a latin1 JS string (hash fields, set members), written
   * without first copying it into a Buffer unless it may be an integer.
   */
  appendLatin1(text: string): void {
    const len = text.length;
    const first = len > 0 ? text.charCodeAt(0) : 0;
    if (len <= 20 && (first === 45 || (first >= 48 && first <= 57))) {
      this.append(Buffer.from(text, 'latin1'));
      return;
    }
    const at = this.stringHeader(len);
    this.buf.latin1Write(text, at, len);
    this.endEntry(this.bytesSinceEntry(len));
  }

  /** Appends an integer (a safe integer). */
  appendInteger(v: number): void {
    if (v >= 0 && v <= 127) {
      // reserve() first: it may replace this.buf.
      const at = this.reserve(1);
      this.buf[at] = v;
      this.endEntry(1);
    } else if (v >= -4096 && v <= 4095) {
      const u = v & 0x1fff;
      const at = this.reserve(2);
      this.buf[at] = 0xc0 | (u >>> 8);
      this.buf[at + 1] = u & 0xff;
      this.endEntry(2);
    } else if (v >= -32768 && v <= 32767) {
      const at = this.reserve(3);
      this.buf[at] = 0xf1;
      this.buf.writeInt16LE(v, at + 1);
      this.endEntry(3);
    } else if (v >= -8388608 && v <= 8388607) {
      const at = this.reserve(4);
      this.buf[at] = 0xf2;
      this.buf.writeIntLE(v, at + 1, 3);
      this.endEntry(4);
    } else if (v >= -2147483648 && v <= 2147483647) {
      const at = this.reserve(5);
      this.buf[at] = 0xf3;
      this.buf.writeInt32LE(v, at + 1);
      this.endEntry(5);
    } else {
      this.appendBigInt(BigInt(v));
    }
  }

  get count(): number {
    return this.elements;
  }

  /** Size of the finished listpack, terminator included. */
  get byteLength(): number {
    return this.bytes + 1;
  }

  /** Empties the builder for reuse; its buffer is kept. */
  reset(): void {
    this.bytes = HEADER;
    this.elements = 0;
  }

  /**
   * The complete listpack as a view of the builder's own buffer, without the
   * copy finish() makes: valid only until the next append or reset.
   */
  finishedView(): Buffer {
    const total = this.bytes + 1;
    // reserve() always leaves room for the terminator.
    const buf = this.buf;
    buf.writeUInt32LE(total, 0);
    buf.writeUInt16LE(this.elements < UNKNOWN_COUNT ? this.elements : UNKNOWN_COUNT, 4);
    buf[this.bytes] = EOF;
    return buf.subarray(0, total);
  }

  /** The complete listpack: 6-byte header (total bytes, element count or 65535), entries, 0xFF. */
  finish(): Buffer {
    const total = this.bytes + 1;
    const out = Buffer.allocUnsafe(total);
    this.buf.copy(out, 0, 0, this.bytes);
    out.writeUInt32LE(total, 0);
    out.writeUInt16LE(this.elements < UNKNOWN_COUNT ? this.elements : UNKNOWN_COUNT, 4);
    out[this.bytes] = EOF;
    return out;
  }

  private appendBigInt(v: bigint): void {
    if (v >= -2147483648n && v <= 2147483647n) {
      this.appendInteger(Number(v));
      return;
    }
    const at = this.reserve(9);
    this.buf[at] = 0xf4;
    this.buf.writeBigInt64LE(v, at + 1);
    this.endEntry(9);
  }

  /**
   * Reserves room for a string entry of `len` bytes and writes its encoding
   * byte(s); returns where the string's bytes go.
   */
  private stringHeader(len: number): number {
    const head = stringHeaderSize(len);
    const at = this.reserve(head + len);
    const buf = this.buf;
    if (head === 1) {
      buf[at] = 0x80 | len;
    } else if (head === 2) {
      buf[at] = 0xe0 | (len >>> 8);
      buf[at + 1] = len & 0xff;
    } else {
      buf[at] = 0xf0;
      buf.writeUInt32LE(len, at + 1);
    }
    return at + head;
  }

  /** Size of the string entry of `len` bytes started by stringHeader. */
  private bytesSinceEntry(len: number): number {
    return stringHeaderSize(len) + len;
  }

  /** Room for an entry of `n` bytes plus its back-length; returns where it starts. */
  private reserve(n: number): number {
    const need = this.bytes + n + 5 + 1;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.bytes);
      this.buf = grown;
    }
    return this.bytes;
  }

  /**
   * Closes the entry of `len` bytes just written: its length backwards in
   * 7-bit groups, most significant first, every byte but the first with the
   * continuation bit (the reader starts from the last byte).
   */
  private endEntry(len: number): void {
    const size = backlenSize(len);
    let at = this.bytes + len;
    const buf = this.buf;
    for (let k = size - 1, rest = len; k >= 0; k--, rest = Math.floor(rest / 128)) {
      buf[at + k] = (rest & 127) | (k === 0 ? 0 : 128);
    }
    at += size;
    this.bytes = at;
    this.elements++;
  }
}

function corrupt(what: string): RdbFormatError {
  return new RdbFormatError(`Listpack integrity check failed: ${what}`);
}

/**
 * Validating decoder; integer entries come back as decimal ASCII Buffers,
 * string entries as views of `buf` (no copy: callers pass a private copy,
 * and the views keep it alive).
 */
export function decodeListpack(buf: Buffer): Buffer[] {
  const size = buf.length;
  if (size < HEADER + 1) throw corrupt('shorter than its header');
  if (buf.readUInt32LE(0) !== size) throw corrupt('total bytes do not match its length');
  if (buf[size - 1] !== EOF) throw corrupt('missing terminator');
  const announced = buf.readUInt16LE(4);
  const out: Buffer[] = [];
  const end = size - 1;
  let p = HEADER;
  while (p < end) {
    const start = p;
    const b = buf[p]!;
    let value: Buffer;
    if (b < 0x80) {
      value = Buffer.from(String(b), 'latin1');
      p += 1;
    } else if (b < 0xc0) {
      const len = b & 0x3f;
      if (p + 1 + len > end) throw corrupt('string past the end');
      value = buf.subarray(p + 1, p + 1 + len);
      p += 1 + len;
    } else if (b < 0xe0) {
      if (p + 2 > end) throw corrupt('integer past the end');
      let v = ((b & 0x1f) << 8) | buf[p + 1]!;
      if (v >= 4096) v -= 8192;
      value = Buffer.from(String(v), 'latin1');
      p += 2;
    } else if (b < 0xf0) {
      if (p + 2 > end) throw corrupt('string length past the end');
      const len = ((b & 0x0f) << 8) | buf[p + 1]!;
      if (p + 2 + len > end) throw corrupt('string past the end');
      value = buf.subarray(p + 2, p + 2 + len);
      p += 2 + len;
    } else if (b === 0xf0) {
      if (p + 5 > end) throw corrupt('string length past the end');
      const len = buf.readUInt32LE(p + 1);
      if (p + 5 + len > end) throw corrupt('string past the end');
      value = buf.subarray(p + 5, p + 5 + len);
      p += 5 + len;
    } else if (b >= 0xf1 && b <= 0xf4) {
      const width = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      if (p + 1 + width > end) throw corrupt('integer past the end');
      const v =
        width === 8 ? buf.readBigInt64LE(p + 1).toString() : String(buf.readIntLE(p + 1, width));
      value = Buffer.from(v, 'latin1');
      p += 1 + width;
    } else {
      throw corrupt(`invalid entry encoding 0x${b.toString(16)} at ${start}`);
    }
    const len = p - start;
    const backSize = backlenSize(len);
    if (p + backSize > end) throw corrupt('entry length past the end');
    let back = 0;
    let factor = 1;
    // Read the backwards length from its last byte, as a tail walk would.
    for (let k = p + backSize - 1; k >= p; k--) {
      const byte = buf[k]!;
      back += (byte & 127) * factor;
      factor *= 128;
      const more = (byte & 128) !== 0;
      if (more !== k > p) throw corrupt('malformed entry length');
    }
    if (back !== len) throw corrupt('entry length does not match the entry');
    p += backSize;
    out.push(value);
  }
  if (announced !== UNKNOWN_COUNT && announced !== out.length)
    throw corrupt('element count does not match the header');
  return out;
}
