import { RdbFormatError } from './rdb-format.js';

/**
 * Intsets, the encoding of small all-integer sets: a uint32 LE element width
 * (2, 4 or 8 bytes), a uint32 LE count, then the values sorted ascending as
 * signed little-endian integers of that width. RDB files store them as they
 * are in memory (RDB_TYPE_SET_INTSET).
 */

const HEADER = 8;

function widthFor(values: bigint[]): number {
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) return 8;
    if (v < -32768n || v > 32767n) width = 4;
  }
  return width;
}

/** values sorted ascending and unique; picks the smallest width (2, 4, 8) that fits all. */
export function encodeIntset(values: bigint[]): Buffer {
  const width = widthFor(values);
  const out = Buffer.allocUnsafe(HEADER + width * values.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(values.length, 4);
  let at = HEADER;
  for (const v of values) {
    if (width === 8) out.writeBigInt64LE(v, at);
    else out.writeIntLE(Number(v), at, width);
    at += width;
  }
  return out;
}

/**
 * Validating decoder: width, length, and that values are sorted and unique.
 * Values come back as numbers when they are safe integers (all of them for
 * widths 2 and 4: no BigInt per member), as bigints beyond.
 */
export function decodeIntset(buf: Buffer): Array<number | bigint> {
  if (buf.length < HEADER) throw new RdbFormatError('Intset integrity check failed: too short');
  const width = buf.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8)
    throw new RdbFormatError(`Intset integrity check failed: invalid width ${width}`);
  const count = buf.readUInt32LE(4);
  if (HEADER + count * width !== buf.length)
    throw new RdbFormatError('Intset integrity check failed: length does not match the count');
  const out: Array<number | bigint> = [];
  if (width !== 8) {
    let prev = 0;
    for (let i = 0, at = HEADER; i < count; i++, at += width) {
      const v = width === 2 ? buf.readInt16LE(at) : buf.readInt32LE(at);
      if (i > 0 && v <= prev)
        throw new RdbFormatError('Intset integrity check failed: values not sorted and unique');
      out.push(v);
      prev = v;
    }
    return out;
  }
  let prev = 0n;
  for (let i = 0, at = HEADER; i < count; i++, at += width) {
    const v = buf.readBigInt64LE(at);
    if (i > 0 && v <= prev)
      throw new RdbFormatError('Intset integrity check failed: values not sorted and unique');
    out.push(Number.isSafeInteger(Number(v)) ? Number(v) : v);
    prev = v;
  }
  return out;
}
