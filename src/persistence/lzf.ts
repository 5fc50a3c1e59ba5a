import { RdbFormatError } from './rdb-format.js';

/**
 * LZF, the compression RDB files use for strings (rdbcompression yes). The
 * stream is a sequence of runs, each opened by a control byte:
 * - 000LLLLL: a literal run of L+1 bytes follows (1..32);
 * - LLLOOOOO OOOOOOOO: copy L+2 bytes from O+1 bytes back (L 1..6);
 * - 111OOOOO LLLLLLLL OOOOOOOO: the same with L+9 bytes (up to 264).
 * Back references reach at most 8192 bytes behind.
 *
 * The compressor is a plain greedy one with a hash of the next three bytes;
 * its output is valid LZF (Redis decompresses it) though not byte-identical
 * to lzf_c.c's, which nothing requires.
 */

const HASH_BITS = 14;
const MAX_LITERAL = 32;
const MAX_OFFSET = 1 << 13;
const MAX_MATCH = 264;
const MAX_EXPANSION = 88;

/**
 * The match table is shared by every call: allocating and zeroing 64 KB per
 * string made compressing a million short values take twenty seconds. Slots
 * hold `base + position + 1`, where each call gets a fresh base above every
 * earlier one, so entries left by earlier inputs read as "no candidate"
 * without clearing.
 */
const table = new Int32Array(1 << HASH_BITS);
let nextBase = 0;

function hashAt(input: Buffer, i: number): number {
  const v = (input[i]! << 16) | (input[i + 1]! << 8) | input[i + 2]!;
  return Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS);
}

/**
 * Compresses into at most maxOutput bytes; null when the output would not fit
 * (the caller then stores the raw string) or the input is empty.
 */
export function lzfCompress(input: Buffer, maxOutput: number): Buffer | null {
  const n = input.length;
  if (n === 0 || maxOutput <= 0) return null;
  // Worst case: every 32 literals cost one control byte.
  const out = Buffer.allocUnsafe(Math.min(maxOutput, n + Math.ceil(n / MAX_LITERAL) + 1) + 3);
  const limit = maxOutput;
  if (nextBase + n + 1 >= 0x7fffffff) {
    table.fill(0);
    nextBase = 0;
  }
  const base = nextBase;
  nextBase += n + 1;
  let op = 1;
  let control = 0;
  let literals = 0;
  let ip = 0;
  while (ip < n) {
    // A match needs three bytes: the last two of the input are literals.
    if (ip + 2 < n) {
      const slot = hashAt(input, ip);
      const ref = table[slot]! - base - 1;
      table[slot] = base + ip + 1;
      const offset = ip - ref - 1;
      if (
        ref >= 0 &&
        offset < MAX_OFFSET &&
        input[ref] === input[ip] &&
        input[ref + 1] === input[ip + 1] &&
        input[ref + 2] === input[ip + 2]
      ) {
        const maxLen = Math.min(MAX_MATCH, n - ip);
        let len = 3;
        while (len < maxLen && input[ref + len] === input[ip + len]) len++;
        // Close the open literal run, or take back its unused control byte.
        if (literals > 0) out[control] = literals - 1;
        else op--;
        if (op + 4 > limit) return null;
        const l = len - 2;
        if (l < 7) {
          out[op++] = (l << 5) | (offset >>> 8);
        } else {
          out[op++] = (7 << 5) | (offset >>> 8);
          out[op++] = l - 7;
        }
        out[op++] = offset & 0xff;
        control = op++;
        literals = 0;
        // Index the positions inside the match so later repeats find them.
        const stop = Math.min(ip + len, n - 2);
        for (let j = ip + 1; j < stop; j++) table[hashAt(input, j)] = base + j + 1;
        ip += len;
        continue;
      }
    }
    if (op >= limit) return null;
    out[op++] = input[ip++]!;
    if (++literals === MAX_LITERAL) {
      out[control] = MAX_LITERAL - 1;
      control = op++;
      literals = 0;
    }
  }
  if (literals > 0) out[control] = literals - 1;
  else op--;
  if (op > limit) return null;
  return Buffer.from(out.subarray(0, op));
}

/** Throws RdbFormatError when the data is corrupt or does not expand to exactly outputLength bytes. */
export function lzfDecompress(input: Buffer, outputLength: number): Buffer {
  // No run expands more than 88-fold (3 bytes for 264), so a larger claim is
  // corrupt: refusing it up front avoids allocating gigabytes for a bad length.
  if (outputLength > input.length * MAX_EXPANSION)
    throw new RdbFormatError('Invalid LZF compressed string: impossible expanded length');
  const out = Buffer.allocUnsafe(outputLength);
  const n = input.length;
  let ip = 0;
  let op = 0;
  while (ip < n) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const len = ctrl + 1;
      if (ip + len > n)
        throw new RdbFormatError('Invalid LZF compressed string: literal past the input');
      if (op + len > outputLength)
        throw new RdbFormatError('Invalid LZF compressed string: longer than announced');
      input.copy(out, op, ip, ip + len);
      ip += len;
      op += len;
      continue;
    }
    let len = ctrl >>> 5;
    if (len === 7) {
      if (ip >= n) throw new RdbFormatError('Invalid LZF compressed string: truncated reference');
      len += input[ip++]!;
    }
    if (ip >= n) throw new RdbFormatError('Invalid LZF compressed string: truncated reference');
    let ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++]!;
    len += 2;
    if (ref < 0)
      throw new RdbFormatError('Invalid LZF compressed string: reference before the start');
    if (op + len > outputLength)
      throw new RdbFormatError('Invalid LZF compressed string: longer than announced');
    // Byte by byte: the source may overlap what is being written (runs).
    for (let k = 0; k < len; k++) out[op++] = out[ref++]!;
  }
  if (op !== outputLength)
    throw new RdbFormatError(
      `Invalid LZF compressed string: expanded to ${op} bytes, expected ${outputLength}`,
    );
  return out;
}
