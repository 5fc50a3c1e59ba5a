import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../src/persistence/crc64.js';
import { decodeIntset, encodeIntset } from '../../src/persistence/intset.js';
import { ListpackBuilder, decodeListpack } from '../../src/persistence/listpack.js';
import {
  lzfCompress,
  lzfCompressInto,
  lzfDecompress,
  lzfScratch,
} from '../../src/persistence/lzf.js';
import { RdbFormatError } from '../../src/persistence/rdb-format.js';
import { decodeZiplist, decodeZipmap } from '../../src/persistence/ziplist.js';
import { mulberry32 } from '../helpers/random.js';

/**
 * The byte-level codecs of the RDB format: Redis's CRC-64, LZF, listpacks,
 * intsets, and the legacy ziplist/zipmap encodings (built here by hand from
 * their specification, since nothing in resplica writes them).
 */

const text = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString('latin1'));

function randomBytes(rand: () => number, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** The textbook bit-at-a-time reflected CRC-64/Jones, as an independent reference. */
function referenceCrc64(buf: Buffer): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of buf) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

describe('CRC-64', () => {
  it('matches Redis check value for "123456789"', () => {
    expect(crc64(Buffer.from('123456789')).readBigUInt64LE(0)).toBe(0xe9c6d914c4b8d9can);
  });

  it('returns 8 zero bytes for empty input', () => {
    expect(crc64(Buffer.alloc(0)).equals(Buffer.alloc(8))).toBe(true);
  });

  it('agrees with a bitwise reference on random data of every small length', () => {
    const rand = mulberry32(5);
    for (let n = 0; n < 80; n++) {
      const data = randomBytes(rand, n);
      expect(crc64(data).readBigUInt64LE(0)).toBe(referenceCrc64(data));
    }
  });

  it('gives the same result fed in arbitrary slices as in one call', () => {
    const rand = mulberry32(9);
    const data = randomBytes(rand, 5000);
    const whole = crc64(data);
    for (let trial = 0; trial < 20; trial++) {
      const crc = new Crc64();
      let at = 0;
      while (at < data.length) {
        const next = Math.min(data.length, at + Math.floor(rand() * 40));
        crc.update(data, at, next);
        at = next;
      }
      expect(crc.bytes().equals(whole)).toBe(true);
    }
  });

  it('hashes fast enough that loading never waits on it', () => {
    const data = randomBytes(mulberry32(1), 1 << 20);
    const big = Buffer.concat(Array.from({ length: 32 }, () => data));
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      crc64(big);
      best = Math.min(best, (performance.now() - start) / 1000);
    }
    // About 500 MB/s on an idle machine; the bound leaves room for a busy CI host.
    expect(32 / best).toBeGreaterThan(200);
  });
});

describe('LZF', () => {
  it('round-trips random, repetitive and mixed data', () => {
    const rand = mulberry32(3);
    const samples: Buffer[] = [
      Buffer.from('a'),
      Buffer.from('abc'),
      Buffer.alloc(10000, 'x'),
      Buffer.from('hello hello hello hello world world world'.repeat(50)),
      randomBytes(rand, 4096),
    ];
    for (let i = 0; i < 30; i++) {
      const n = 1 + Math.floor(rand() * 20000);
      const alphabet = 1 + Math.floor(rand() * 8);
      const b = Buffer.alloc(n);
      for (let j = 0; j < n; j++) b[j] = 97 + Math.floor(rand() * alphabet);
      samples.push(b);
    }
    for (const input of samples) {
      // Incompressible data costs one control byte per 32 literals.
      const packed = lzfCompress(input, input.length + Math.ceil(input.length / 32) + 1);
      expect(packed).not.toBeNull();
      expect(lzfDecompress(packed!, input.length).equals(input)).toBe(true);
    }
  });

  it('compresses into its scratch buffer exactly what lzfCompress returns', () => {
    const rand = mulberry32(9);
    for (let i = 0; i < 200; i++) {
      const n = 1 + Math.floor(rand() * 3000);
      const alphabet = 1 + Math.floor(rand() * 30);
      const input = Buffer.alloc(n);
      for (let j = 0; j < n; j++) input[j] = 97 + Math.floor(rand() * alphabet);
      const limit = Math.floor(n * (0.2 + rand()));
      const packed = lzfCompress(input, limit);
      const length = lzfCompressInto(input, limit);
      if (packed === null) {
        expect(length).toBe(0);
        continue;
      }
      expect(lzfScratch().subarray(0, length).equals(packed)).toBe(true);
      expect(lzfDecompress(packed, n).equals(input)).toBe(true);
    }
  });

  it('shrinks repetitive data a lot', () => {
    const input = Buffer.alloc(100000, 'ab');
    const packed = lzfCompress(input, input.length)!;
    expect(packed.length).toBeLessThan(input.length / 50);
  });

  it('returns null when the output would not fit', () => {
    const input = randomBytes(mulberry32(4), 1000);
    expect(lzfCompress(input, input.length - 4)).toBeNull();
    expect(lzfCompress(Buffer.alloc(0), 10)).toBeNull();
  });

  it('rejects corrupt streams and wrong lengths', () => {
    const input = Buffer.from('abcabcabcabcabcabcabcabc-xyz');
    const packed = lzfCompress(input, 100)!;
    expect(() => lzfDecompress(packed, input.length + 1)).toThrow(RdbFormatError);
    expect(() => lzfDecompress(packed, input.length - 1)).toThrow(RdbFormatError);
    expect(() => lzfDecompress(packed.subarray(0, packed.length - 1), input.length)).toThrow(
      RdbFormatError,
    );
    // A literal run announcing more bytes than remain.
    expect(() => lzfDecompress(Buffer.from([5, 1, 2]), 6)).toThrow(RdbFormatError);
    // A back reference to before the start of the output.
    expect(() => lzfDecompress(Buffer.from([0, 65, 0x20, 5]), 4)).toThrow(RdbFormatError);
    // An expanded length no LZF stream of that size can reach.
    expect(() => lzfDecompress(Buffer.from([0, 65]), 1 << 30)).toThrow(/impossible/);
    // A long back reference cut short.
    expect(() => lzfDecompress(Buffer.from([0, 65, 0xe0]), 20)).toThrow(RdbFormatError);
  });

  it('decodes a hand-written stream with a long overlapping back reference', () => {
    // "a" literal, then copy 7+2+3 = 12 bytes from 1 back: 13 × "a".
    const stream = Buffer.from([0x00, 0x61, 0xe0, 0x03, 0x00]);
    expect(lzfDecompress(stream, 13).toString()).toBe('a'.repeat(13));
  });
});

describe('listpack', () => {
  /** The encoding of each entry (its first byte without the packed length or value bits). */
  function entryEncodings(lp: Buffer): number[] {
    const out: number[] = [];
    let p = 6;
    while (lp[p] !== 0xff) {
      const start = p;
      const b = lp[p]!;
      if (b < 0x80) p += 1;
      else if (b < 0xc0) p += 1 + (b & 0x3f);
      else if (b < 0xe0) p += 2;
      else if (b < 0xf0) p += 2 + (((b & 0x0f) << 8) | lp[p + 1]!);
      else if (b === 0xf0) p += 5 + lp.readUInt32LE(p + 1);
      else p += 1 + [2, 3, 4, 8][b - 0xf1]!;
      const len = p - start;
      p += len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : 4;
      out.push(b < 0x80 ? 0x00 : b < 0xc0 ? 0x80 : b < 0xe0 ? 0xc0 : b < 0xf0 ? 0xe0 : b);
    }
    return out;
  }

  const cases: Array<[string, number]> = [
    ['0', 0x00],
    ['127', 0x00],
    ['128', 0xc0],
    ['-1', 0xc0],
    ['4095', 0xc0],
    ['-4096', 0xc0],
    ['4096', 0xf1],
    ['-4097', 0xf1],
    ['32767', 0xf1],
    ['-32768', 0xf1],
    ['32768', 0xf2],
    ['8388607', 0xf2],
    ['-8388608', 0xf2],
    ['8388608', 0xf3],
    ['2147483647', 0xf3],
    ['-2147483648', 0xf3],
    ['2147483648', 0xf4],
    ['9223372036854775807', 0xf4],
    ['-9223372036854775808', 0xf4],
    ['9223372036854775808', 0x80],
    ['', 0x80],
    ['-0', 0x80],
    ['007', 0x80],
    ['+5', 0x80],
    ['x'.repeat(63), 0x80],
    ['x'.repeat(64), 0xe0],
    ['y'.repeat(4095), 0xe0],
    ['z'.repeat(4096), 0xf0],
  ];

  it('stores each element in the encoding lpAppend picks and decodes it back', () => {
    const builder = new ListpackBuilder();
    for (const [value] of cases) builder.append(Buffer.from(value, 'latin1'));
    const lp = builder.finish();
    expect(builder.count).toBe(cases.length);
    expect(lp.length).toBe(builder.byteLength);
    expect(lp.readUInt32LE(0)).toBe(lp.length);
    expect(lp.readUInt16LE(4)).toBe(cases.length);
    expect(entryEncodings(lp)).toEqual(cases.map(([, enc]) => enc));
    expect(text(decodeListpack(lp))).toEqual(cases.map(([value]) => value));
  });

  it('encodes integers given as numbers, negative ones included', () => {
    const values = [0, 1, -1, 127, 128, -4096, 4095, 65535, -70000, 2 ** 40, -(2 ** 53 - 1)];
    const builder = new ListpackBuilder();
    for (const v of values) builder.appendInteger(v);
    expect(text(decodeListpack(builder.finish()))).toEqual(values.map(String));
  });

  it('writes the multi-byte backwards lengths of long entries', () => {
    const big = Buffer.alloc(20000, 'q');
    const builder = new ListpackBuilder();
    builder.append(big);
    builder.append(Buffer.from('after'));
    const lp = builder.finish();
    const decoded = decodeListpack(lp);
    expect(decoded[0]!.equals(big)).toBe(true);
    expect(decoded[1]!.toString()).toBe('after');
  });

  it('keeps every entry intact while its buffer grows, whatever kind of entry triggers the growth', () => {
    // Each kind of append (small int, big int, string Buffer, latin1 text)
    // gets to be the one that outgrows the buffer: a write aimed at the
    // buffer as it was before growing would lose that entry.
    const rand = mulberry32(7);
    for (let round = 0; round < 50; round++) {
      const builder = new ListpackBuilder();
      const expected: string[] = [];
      const n = 1 + Math.floor(rand() * 300);
      for (let i = 0; i < n; i++) {
        const kind = Math.floor(rand() * 4);
        if (kind === 0) {
          const v = Math.floor(rand() * 128);
          builder.appendInteger(v);
          expected.push(String(v));
        } else if (kind === 1) {
          const v = Math.floor((rand() - 0.5) * 2 ** 40);
          builder.appendInteger(v);
          expected.push(String(v));
        } else {
          const text = 'x'.repeat(Math.floor(rand() * 200)) + `:${i}`;
          if (kind === 2) builder.append(Buffer.from(text, 'latin1'));
          else builder.appendLatin1(text);
          expected.push(text);
        }
      }
      expect(decodeListpack(builder.finish()).map((b) => b.toString('latin1'))).toEqual(expected);
    }
  });

  it('writes 65535 as the count once it does not fit', () => {
    const builder = new ListpackBuilder();
    for (let i = 0; i < 70000; i++) builder.appendInteger(i % 100);
    const lp = builder.finish();
    expect(lp.readUInt16LE(4)).toBe(65535);
    expect(decodeListpack(lp).length).toBe(70000);
  });

  it('rejects malformed listpacks', () => {
    const builder = new ListpackBuilder();
    builder.append(Buffer.from('hello'));
    builder.appendInteger(300);
    const good = builder.finish();
    expect(decodeListpack(good).length).toBe(2);
    const bad = (mutate: (b: Buffer) => Buffer): (() => Buffer[]) => {
      const copy = mutate(Buffer.from(good));
      return () => decodeListpack(copy);
    };
    // Total bytes disagree with the buffer.
    expect(bad((b) => (b.writeUInt32LE(b.length + 1, 0), b))).toThrow(RdbFormatError);
    // Terminator missing.
    expect(bad((b) => ((b[b.length - 1] = 0), b))).toThrow(RdbFormatError);
    // Count disagrees.
    expect(bad((b) => (b.writeUInt16LE(3, 4), b))).toThrow(RdbFormatError);
    // Backwards length wrong.
    expect(bad((b) => ((b[6 + 6] = 9), b))).toThrow(RdbFormatError);
    // String longer than the listpack.
    expect(bad((b) => ((b[6] = 0x80 | 40), b))).toThrow(RdbFormatError);
    // Invalid encoding byte.
    expect(bad((b) => ((b[6] = 0xf5), b))).toThrow(RdbFormatError);
    // Too short for a header.
    expect(() => decodeListpack(Buffer.from([7, 0, 0, 0, 0, 0]))).toThrow(RdbFormatError);
  });
});

describe('intset', () => {
  it('picks the narrowest width and round-trips', () => {
    const cases: Array<[bigint[], number]> = [
      [[], 2],
      [[-32768n, 0n, 32767n], 2],
      [[-32769n, 5n], 4],
      [[1n, 2147483647n], 4],
      [[-2147483649n, 0n], 8],
      [[-9223372036854775808n, 9223372036854775807n], 8],
    ];
    for (const [values, width] of cases) {
      const buf = encodeIntset(values);
      expect(buf.readUInt32LE(0)).toBe(width);
      expect(buf.readUInt32LE(4)).toBe(values.length);
      expect(buf.length).toBe(8 + width * values.length);
      expect(decodeIntset(buf).map((v) => BigInt(v))).toEqual(values);
    }
  });

  it('rejects bad widths, lengths and unsorted or duplicate values', () => {
    const good = encodeIntset([1n, 2n, 3n]);
    const widthBad = Buffer.from(good);
    widthBad.writeUInt32LE(3, 0);
    expect(() => decodeIntset(widthBad)).toThrow(RdbFormatError);
    const countBad = Buffer.from(good);
    countBad.writeUInt32LE(4, 4);
    expect(() => decodeIntset(countBad)).toThrow(RdbFormatError);
    const unsorted = Buffer.from(good);
    unsorted.writeInt16LE(5, 8);
    expect(() => decodeIntset(unsorted)).toThrow(RdbFormatError);
    const duplicate = Buffer.from(good);
    duplicate.writeInt16LE(2, 8);
    expect(() => decodeIntset(duplicate)).toThrow(RdbFormatError);
    expect(() => decodeIntset(Buffer.alloc(5))).toThrow(RdbFormatError);
  });
});

/** A ziplist entry's encoding and data, as ziplist.c lays them out. */
type ZipEntry = { str: Buffer } | { int: bigint; enc: 'i4' | 'i8' | 'i16' | 'i24' | 'i32' | 'i64' };

function ziplistEntryBody(e: ZipEntry): Buffer {
  if ('str' in e) {
    const n = e.str.length;
    let head: Buffer;
    if (n <= 63) head = Buffer.from([n]);
    else if (n <= 16383) head = Buffer.from([0x40 | (n >>> 8), n & 0xff]);
    else {
      head = Buffer.alloc(5);
      head[0] = 0x80;
      head.writeUInt32BE(n, 1);
    }
    return Buffer.concat([head, e.str]);
  }
  const v = e.int;
  switch (e.enc) {
    case 'i4':
      return Buffer.from([0xf1 + Number(v)]);
    case 'i8':
      return Buffer.from([0xfe, Number(v) & 0xff]);
    case 'i16': {
      const b = Buffer.alloc(3);
      b[0] = 0xc0;
      b.writeInt16LE(Number(v), 1);
      return b;
    }
    case 'i24': {
      const b = Buffer.alloc(4);
      b[0] = 0xf0;
      b.writeIntLE(Number(v), 1, 3);
      return b;
    }
    case 'i32': {
      const b = Buffer.alloc(5);
      b[0] = 0xd0;
      b.writeInt32LE(Number(v), 1);
      return b;
    }
    default: {
      const b = Buffer.alloc(9);
      b[0] = 0xe0;
      b.writeBigInt64LE(v, 1);
      return b;
    }
  }
}

function buildZiplist(entries: ZipEntry[], countOverride?: number): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let offset = 10;
  let tail = 10;
  for (const e of entries) {
    const prevField =
      prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    const entry = Buffer.concat([prevField, ziplistEntryBody(e)]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    parts.push(entry);
  }
  const header = Buffer.alloc(10);
  header.writeUInt32LE(offset + 1, 0);
  header.writeUInt32LE(tail, 4);
  header.writeUInt16LE(countOverride ?? Math.min(entries.length, 65535), 8);
  return Buffer.concat([header, ...parts, Buffer.from([0xff])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

describe('ziplist', () => {
  const entries: ZipEntry[] = [
    { str: Buffer.from('hello') },
    { int: 0n, enc: 'i4' },
    { int: 12n, enc: 'i4' },
    { int: -128n, enc: 'i8' },
    { int: -30000n, enc: 'i16' },
    { int: 8000000n, enc: 'i24' },
    { int: -2000000000n, enc: 'i32' },
    { int: -9223372036854775808n, enc: 'i64' },
    { str: Buffer.alloc(300, 'm') },
    { str: Buffer.alloc(20000, 'n') },
    { str: Buffer.from([0, 255, 10]) },
  ];
  const expected = [
    'hello',
    '0',
    '12',
    '-128',
    '-30000',
    '8000000',
    '-2000000000',
    '-9223372036854775808',
    'm'.repeat(300),
    'n'.repeat(20000),
    '\u0000\u00ff\n',
  ];

  it('decodes every entry encoding, including big previous-length fields', () => {
    expect(text(decodeZiplist(buildZiplist(entries)))).toEqual(expected);
    expect(decodeZiplist(buildZiplist([]))).toEqual([]);
    expect(text(decodeZiplist(buildZiplist(entries, 65535)))).toEqual(expected);
  });

  it('rejects malformed ziplists', () => {
    const good = buildZiplist(entries.slice(0, 4));
    expect(() => decodeZiplist(buildZiplist(entries.slice(0, 4), 3))).toThrow(RdbFormatError);
    const tailBad = Buffer.from(good);
    tailBad.writeUInt32LE(10, 4);
    expect(() => decodeZiplist(tailBad)).toThrow(RdbFormatError);
    const prevBad = Buffer.from(good);
    prevBad[10 + 7] = 3; // the second entry's previous length
    expect(() => decodeZiplist(prevBad)).toThrow(RdbFormatError);
    const bytesBad = Buffer.from(good);
    bytesBad.writeUInt32LE(good.length - 1, 0);
    expect(() => decodeZiplist(bytesBad)).toThrow(RdbFormatError);
    const encBad = Buffer.from(good);
    encBad[11] = 0x90; // not a valid string or integer encoding
    expect(() => decodeZiplist(encBad)).toThrow(RdbFormatError);
    expect(() => decodeZiplist(good.subarray(0, good.length - 3))).toThrow(RdbFormatError);
  });
});

function buildZipmap(pairs: Array<[Buffer, Buffer, number]>, count?: number): Buffer {
  const len = (n: number): Buffer =>
    n < 254 ? Buffer.from([n]) : Buffer.concat([Buffer.from([254]), u32le(n)]);
  const parts: Buffer[] = [Buffer.from([count ?? Math.min(pairs.length, 254)])];
  for (const [field, value, free] of pairs) {
    parts.push(len(field.length), field, len(value.length), Buffer.from([free]), value);
    parts.push(Buffer.alloc(free, 0x2a));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

describe('zipmap', () => {
  it('decodes fields and values, skipping free space and reading big lengths', () => {
    const long = Buffer.alloc(300, 'v');
    const zm = buildZipmap([
      [Buffer.from('f1'), Buffer.from('v1'), 0],
      [Buffer.from('f2'), Buffer.from('value'), 3],
      [Buffer.from('big'), long, 0],
    ]);
    expect(text(decodeZipmap(zm))).toEqual(['f1', 'v1', 'f2', 'value', 'big', long.toString()]);
    expect(decodeZipmap(buildZipmap([]))).toEqual([]);
  });

  it('rejects malformed zipmaps', () => {
    const zm = buildZipmap([[Buffer.from('f1'), Buffer.from('v1'), 0]]);
    expect(() => decodeZipmap(buildZipmap([[Buffer.from('a'), Buffer.from('b'), 0]], 2))).toThrow(
      RdbFormatError,
    );
    expect(() => decodeZipmap(zm.subarray(0, zm.length - 1))).toThrow(RdbFormatError);
    const freeBad = Buffer.from(zm);
    freeBad[1 + 1 + 2 + 1] = 40;
    expect(() => decodeZipmap(freeBad)).toThrow(RdbFormatError);
  });
});
