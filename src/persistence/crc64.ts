/**
 * Redis's CRC-64 (the "Jones" polynomial 0xad93d23594c935a9, reflected,
 * initial value 0, no final xor), which closes every RDB file from version 5.
 *
 * JS has no fast 64-bit integer, and BigInt per byte runs at a few MB/s, so
 * the register is kept as two uint32 halves and the table lookups work on
 * those. Eight tables let one step consume eight bytes (slice-by-8), which
 * keeps hashing well above the speed the reader parses at.
 */

/** The reflected polynomial, split into halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

/** Table k maps a byte to its CRC contribution k positions further on. */
const TABLES = 8;
// Int32Array, not Uint32Array: values above 2^31 read from a Uint32Array are
// doubles, which made the loop below allocate; as int32 they stay small
// integers and XOR works the same on the bits.
const tableHi = new Int32Array(256 * TABLES);
const tableLo = new Int32Array(256 * TABLES);

function buildTables(): void {
  for (let n = 0; n < 256; n++) {
    let hi = 0;
    let lo = n;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry !== 0) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    tableHi[n] = hi;
    tableLo[n] = lo;
  }
  for (let k = 1; k < TABLES; k++) {
    for (let n = 0; n < 256; n++) {
      const prevHi = tableHi[(k - 1) * 256 + n]!;
      const prevLo = tableLo[(k - 1) * 256 + n]!;
      const index = prevLo & 0xff;
      // One more byte of zeros pushed through: shift right 8, fold the byte out.
      tableLo[k * 256 + n] = (((prevLo >>> 8) | (prevHi << 24)) ^ tableLo[index]!) >>> 0;
      tableHi[k * 256 + n] = ((prevHi >>> 8) ^ tableHi[index]!) >>> 0;
    }
  }
}
buildTables();

/** Whether an Int32Array reads bytes b0..b3 as b0 | b1 << 8 | ... (every platform Node runs on but s390x). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** An incremental CRC-64: feed the file as it is read, then ask for the 8 bytes. */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  update(buf: Buffer, start = 0, end = buf.length): void {
    let hi = this.hi;
    let lo = this.lo;
    let i = start;
    const T_HI = tableHi;
    const T_LO = tableLo;
    if (LITTLE_ENDIAN && end - i >= 64) {
      // Whole 32-bit words through an aligned Int32Array view: two loads per
      // 8 bytes instead of eight byte loads and the shifts to join them.
      for (; ((buf.byteOffset + i) & 3) !== 0; i++) {
        const index = (lo ^ buf[i]!) & 0xff;
        lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[index]!;
        hi = (hi >>> 8) ^ T_HI[index]!;
      }
      const words = new Int32Array(buf.buffer, buf.byteOffset + i, ((end - i) >>> 3) * 2);
      for (let w = 0; w < words.length; w += 2) {
        const xLo = lo ^ words[w]!;
        const xHi = hi ^ words[w + 1]!;
        const a = 7 * 256 + (xLo & 0xff);
        const b = 6 * 256 + ((xLo >>> 8) & 0xff);
        const c = 5 * 256 + ((xLo >>> 16) & 0xff);
        const d = 4 * 256 + (xLo >>> 24);
        const e = 3 * 256 + (xHi & 0xff);
        const f = 2 * 256 + ((xHi >>> 8) & 0xff);
        const g = 256 + ((xHi >>> 16) & 0xff);
        const h = xHi >>> 24;
        lo = T_LO[a]! ^ T_LO[b]! ^ T_LO[c]! ^ T_LO[d]! ^ T_LO[e]! ^ T_LO[f]! ^ T_LO[g]! ^ T_LO[h]!;
        hi = T_HI[a]! ^ T_HI[b]! ^ T_HI[c]! ^ T_HI[d]! ^ T_HI[e]! ^ T_HI[f]! ^ T_HI[g]! ^ T_HI[h]!;
      }
      i += words.length * 4;
    }
    while (end - i >= 8) {
      const xLo = lo ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
      const xHi =
        hi ^ (buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24));
      const a = 7 * 256 + (xLo & 0xff);
      const b = 6 * 256 + ((xLo >>> 8) & 0xff);
      const c = 5 * 256 + ((xLo >>> 16) & 0xff);
      const d = 4 * 256 + (xLo >>> 24);
      const e = 3 * 256 + (xHi & 0xff);
      const f = 2 * 256 + ((xHi >>> 8) & 0xff);
      const g = 256 + ((xHi >>> 16) & 0xff);
      const h = xHi >>> 24;
      lo = T_LO[a]! ^ T_LO[b]! ^ T_LO[c]! ^ T_LO[d]! ^ T_LO[e]! ^ T_LO[f]! ^ T_LO[g]! ^ T_LO[h]!;
      hi = T_HI[a]! ^ T_HI[b]! ^ T_HI[c]! ^ T_HI[d]! ^ T_HI[e]! ^ T_HI[f]! ^ T_HI[g]! ^ T_HI[h]!;
      i += 8;
    }
    for (; i < end; i++) {
      const index = (lo ^ buf[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[index]!;
      hi = (hi >>> 8) ^ T_HI[index]!;
    }
    this.hi = hi;
    this.lo = lo;
  }

  /** The 8 bytes Redis writes after the EOF opcode: the CRC as little-endian uint64. */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeInt32LE(this.lo, 0);
    out.writeInt32LE(this.hi, 4);
    return out;
  }
}

/** The CRC-64 of a whole buffer, as the 8 little-endian bytes. */
export function crc64(buf: Buffer): Buffer {
  const crc = new Crc64();
  crc.update(buf);
  return crc.bytes();
}
