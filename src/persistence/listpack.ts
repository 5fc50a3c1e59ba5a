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

/** Bytes the backwards length of an entry of `len` bytes takes. */
function backlenSize(len: number): number {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

/** Builds a listpack by appending, as lpAppend does. */
export class ListpackBuilder {
  private chunks: Buffer[] = [];
  private bytes = HEADER + 1;
  private elements = 0;

  /** Appends an element; stored as an integer when it is a canonical int64 decimal string, as lpAppend does. */
  append(element: Buffer): void {
    const asInt = canonicalInteger(element);
    if (asInt !== null) {
      this.appendBigInt(asInt);
      return;
    }
    const len = element.length;
    let head: Buffer;
    if (len < 64) {
      head = Buffer.from([0x80 | len]);
    } else if (len < 4096) {
      head = Buffer.from([0xe0 | (len >>> 8), len & 0xff]);
    } else {
      head = Buffer.allocUnsafe(5);
      head[0] = 0xf0;
      head.writeUInt32LE(len, 1);
    }
    this.push(head, element);
  }

  /** Appends an integer (a safe integer). */
  appendInteger(value: number): void {
    this.appendBigInt(BigInt(value));
  }

  get count(): number {
    return this.elements;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** The complete listpack: 6-byte header (total bytes, element count or 65535), entries, 0xFF. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes);
    out.writeUInt32LE(this.bytes, 0);
    out.writeUInt16LE(this.elements < UNKNOWN_COUNT ? this.elements : UNKNOWN_COUNT, 4);
    let at = HEADER;
    for (const chunk of this.chunks) {
      chunk.copy(out, at);
      at += chunk.length;
    }
    out[at] = EOF;
    return out;
  }

  private appendBigInt(v: bigint): void {
    let head: Buffer;
    if (v >= 0n && v <= 127n) {
      head = Buffer.from([Number(v)]);
    } else if (v >= -4096n && v <= 4095n) {
      const u = Number(v) & 0x1fff;
      head = Buffer.from([0xc0 | (u >>> 8), u & 0xff]);
    } else if (v >= -32768n && v <= 32767n) {
      head = Buffer.allocUnsafe(3);
      head[0] = 0xf1;
      head.writeInt16LE(Number(v), 1);
    } else if (v >= -8388608n && v <= 8388607n) {
      head = Buffer.allocUnsafe(4);
      head[0] = 0xf2;
      head.writeIntLE(Number(v), 1, 3);
    } else if (v >= -2147483648n && v <= 2147483647n) {
      head = Buffer.allocUnsafe(5);
      head[0] = 0xf3;
      head.writeInt32LE(Number(v), 1);
    } else {
      head = Buffer.allocUnsafe(9);
      head[0] = 0xf4;
      head.writeBigInt64LE(v, 1);
    }
    this.push(head, null);
  }

  private push(head: Buffer, data: Buffer | null): void {
    const len = head.length + (data === null ? 0 : data.length);
    const size = backlenSize(len);
    const back = Buffer.allocUnsafe(size);
    // Most significant group first; every byte but the first carries the
    // continuation bit, because the reader starts from the last byte.
    for (let k = size - 1, rest = len; k >= 0; k--, rest = Math.floor(rest / 128)) {
      back[k] = (rest & 127) | (k === 0 ? 0 : 128);
    }
    this.chunks.push(head);
    if (data !== null) this.chunks.push(data);
    this.chunks.push(back);
    this.bytes += len + size;
    this.elements++;
  }
}

function corrupt(what: string): RdbFormatError {
  return new RdbFormatError(`Listpack integrity check failed: ${what}`);
}

/** Validating decoder; integer entries come back as decimal ASCII Buffers. */
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
      value = Buffer.from(buf.subarray(p + 1, p + 1 + len));
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
      value = Buffer.from(buf.subarray(p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0xf0) {
      if (p + 5 > end) throw corrupt('string length past the end');
      const len = buf.readUInt32LE(p + 1);
      if (p + 5 + len > end) throw corrupt('string past the end');
      value = Buffer.from(buf.subarray(p + 5, p + 5 + len));
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
