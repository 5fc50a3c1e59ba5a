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
/**
 * Where lzfCompressInto writes, shared for the same reason: most strings a
 * save offers do not compress, and a Buffer per attempt made the allocator
 * and the GC a third of the compressor's cost.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

function hashOf(v: number): number {
  return Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS);
}

/**
 * Compresses into at most maxOutput bytes; null when the output would not fit
 * (the caller then stores the raw string) or the input is empty.
 */
export function lzfCompress(input: Buffer, maxOutput: number): Buffer | null {
  const n = lzfCompressInto(input, maxOutput);
  return n === 0 ? null : Buffer.from(lzfScratch().subarray(0, n));
}

/** The buffer lzfCompressInto wrote its output to (valid until its next call). */
export function lzfScratch(): Buffer {
  return scratch;
}

/**
 * lzfCompress without an allocation: the output goes to lzfScratch() and
 * its length is returned, 0 when it would not fit in maxOutput bytes or the
 * input is empty.
 */
export function lzfCompressInto(input: Buffer, maxOutput: number): number {
  const n = input.length;
  if (n === 0 || maxOutput <= 0) return 0;
  // Worst case: every 32 literals cost one control byte.
  const room = Math.min(maxOutput, n + Math.ceil(n / MAX_LITERAL) + 1) + 3;
  if (scratch.length < room) scratch = Buffer.allocUnsafe(Math.max(room, scratch.length * 2));
  const out = scratch;
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
  // The next three bytes, rolled forward one byte per literal (lzf_c's hval).
  let next3 = n >= 2 ? (input[0]! << 8) | input[1]! : 0;
  while (ip < n) {
    // A match needs three bytes: the last two of the input are literals.
    if (ip + 2 < n) {
      next3 = ((next3 << 8) | input[ip + 2]!) & 0xffffff;
      const slot = hashOf(next3);
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
        if (op + 4 > limit) return 0;
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
        for (let j = ip + 1; j < stop; j++) {
          const v = (input[j]! << 16) | (input[j + 1]! << 8) | input[j + 2]!;
          table[hashOf(v)] = base + j + 1;
        }
        ip += len;
        // Re-prime the rolling bytes at the new position.
        if (ip + 1 < n) next3 = (input[ip]! << 8) | input[ip + 1]!;
        continue;
      }
    }
    if (op >= limit) return 0;
    out[op++] = input[ip++]!;
    if (++literals === MAX_LITERAL) {
      out[control] = MAX_LITERAL - 1;
      control = op++;
      literals = 0;
    }
  }
  if (literals > 0) out[control] = literals - 1;
  else op--;
  if (op > limit) return 0;
  return op;
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
