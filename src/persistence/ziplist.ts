import { RdbFormatError } from './rdb-format.js';

/**
 * Decoders for the two packed encodings older Redis versions wrote into RDB
 * files and Redis 7.0 still loads (converting them on the way in): ziplists
 * (lists, hashes and sorted sets up to 6.2, quicklist nodes from 3.2) and
 * zipmaps (hashes up to 2.4). Nothing writes them any more, so there are no
 * encoders.
 */

const ZIPLIST_HEADER = 10;
const ZIPLIST_END = 0xff;
const ZIPLIST_BIG_PREVLEN = 0xfe;

function corrupt(what: string): RdbFormatError {
  return new RdbFormatError(`Ziplist integrity check failed: ${what}`);
}

/**
 * A ziplist: header (total bytes uint32 LE, offset of the last entry uint32
 * LE, entry count uint16 LE with 65535 meaning "count them"), entries, 0xFF.
 * Each entry is the previous entry's length (1 byte, or 0xFE and a uint32),
 * an encoding and the data:
 *   00LLLLLL / 01LLLLLL L / 10000000 L(4, BE)   strings by length width
 *   0xC0 / 0xD0 / 0xE0 / 0xF0 / 0xFE            int16 / int32 / int64 / int24 / int8 (LE)
 *   0xF1..0xFD                                  the integers 0..12 in the byte itself
 * Validates as ziplistValidateIntegrity does with deep checking; integers
 * come back as decimal ASCII Buffers, strings as views of `buf` (callers
 * pass a private copy).
 */
export function decodeZiplist(buf: Buffer): Buffer[] {
  const size = buf.length;
  if (size < ZIPLIST_HEADER + 1) throw corrupt('shorter than its header');
  if (buf.readUInt32LE(0) !== size) throw corrupt('total bytes do not match its length');
  if (buf[size - 1] !== ZIPLIST_END) throw corrupt('missing terminator');
  const tail = buf.readUInt32LE(4);
  const announced = buf.readUInt16LE(8);
  const end = size - 1;
  const out: Buffer[] = [];
  let p = ZIPLIST_HEADER;
  let prevLen = 0;
  let lastStart = ZIPLIST_HEADER;
  while (p < end) {
    const start = p;
    let storedPrev: number;
    if (buf[p]! < ZIPLIST_BIG_PREVLEN) {
      storedPrev = buf[p]!;
      p += 1;
    } else if (buf[p] === ZIPLIST_BIG_PREVLEN) {
      if (p + 5 > end) throw corrupt('previous length past the end');
      storedPrev = buf.readUInt32LE(p + 1);
      p += 5;
    } else {
      throw corrupt(`invalid previous length at ${p}`);
    }
    if (storedPrev !== prevLen) throw corrupt('previous entry length does not match');
    if (p >= end) throw corrupt('entry past the end');
    const enc = buf[p]!;
    let value: Buffer;
    const top = enc >>> 6;
    if (top < 3) {
      let len: number;
      let headerLen: number;
      if (top === 0) {
        len = enc & 0x3f;
        headerLen = 1;
      } else if (top === 1) {
        if (p + 2 > end) throw corrupt('string length past the end');
        len = ((enc & 0x3f) << 8) | buf[p + 1]!;
        headerLen = 2;
      } else {
        if (enc !== 0x80) throw corrupt(`invalid string encoding 0x${enc.toString(16)}`);
        if (p + 5 > end) throw corrupt('string length past the end');
        len = buf.readUInt32BE(p + 1);
        headerLen = 5;
      }
      if (p + headerLen + len > end) throw corrupt('string past the end');
      value = buf.subarray(p + headerLen, p + headerLen + len);
      p += headerLen + len;
    } else {
      let width: number;
      let text: string;
      if (enc === 0xc0) width = 2;
      else if (enc === 0xd0) width = 4;
      else if (enc === 0xe0) width = 8;
      else if (enc === 0xf0) width = 3;
      else if (enc === 0xfe) width = 1;
      else if (enc >= 0xf1 && enc <= 0xfd) width = 0;
      else throw corrupt(`invalid integer encoding 0x${enc.toString(16)}`);
      if (p + 1 + width > end) throw corrupt('integer past the end');
      if (width === 0) text = String((enc & 0x0f) - 1);
      else if (width === 8) text = buf.readBigInt64LE(p + 1).toString();
      else text = String(buf.readIntLE(p + 1, width));
      value = Buffer.from(text, 'latin1');
      p += 1 + width;
    }
    prevLen = p - start;
    lastStart = start;
    out.push(value);
  }
  if (tail !== lastStart) throw corrupt('tail offset does not point at the last entry');
  if (announced !== 65535 && announced !== out.length)
    throw corrupt('entry count does not match the header');
  return out;
}

const ZIPMAP_BIGLEN = 254;
const ZIPMAP_END = 0xff;

function zipmapCorrupt(what: string): RdbFormatError {
  return new RdbFormatError(`Zipmap integrity check failed: ${what}`);
}

/**
 * A zipmap: a count byte (exact below 254), then per pair the field length,
 * the field, the value length, a byte counting unused bytes after the value,
 * the value and those unused bytes; 0xFF ends it. A length is one byte below
 * 254, else 254 and a uint32 (little endian, as the x86 machines that wrote
 * them stored it). Returns field, value, field, value..., as views of `buf`.
 */
export function decodeZipmap(buf: Buffer): Buffer[] {
  const size = buf.length;
  if (size < 2) throw zipmapCorrupt('too short');
  if (buf[size - 1] !== ZIPMAP_END) throw zipmapCorrupt('missing terminator');
  const announced = buf[0]!;
  const end = size - 1;
  const out: Buffer[] = [];
  let p = 1;
  const readLength = (): number => {
    if (p >= end) throw zipmapCorrupt('length past the end');
    const b = buf[p]!;
    if (b < ZIPMAP_BIGLEN) {
      p += 1;
      return b;
    }
    if (b !== ZIPMAP_BIGLEN) throw zipmapCorrupt(`invalid length byte at ${p}`);
    if (p + 5 > end) throw zipmapCorrupt('length past the end');
    const len = buf.readUInt32LE(p + 1);
    p += 5;
    return len;
  };
  while (p < end) {
    const fieldLen = readLength();
    if (p + fieldLen > end) throw zipmapCorrupt('field past the end');
    out.push(buf.subarray(p, p + fieldLen));
    p += fieldLen;
    const valueLen = readLength();
    if (p >= end) throw zipmapCorrupt('free byte past the end');
    const free = buf[p]!;
    p += 1;
    if (p + valueLen + free > end) throw zipmapCorrupt('value past the end');
    out.push(buf.subarray(p, p + valueLen));
    p += valueLen + free;
  }
  const pairs = out.length / 2;
  if (announced < ZIPMAP_BIGLEN && announced !== pairs)
    throw zipmapCorrupt('pair count does not match the header');
  return out;
}
