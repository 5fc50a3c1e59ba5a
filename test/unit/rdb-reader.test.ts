import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../src/persistence/crc64.js';
import { encodeIntset } from '../../src/persistence/intset.js';
import { ListpackBuilder } from '../../src/persistence/listpack.js';
import { lzfCompress } from '../../src/persistence/lzf.js';
import {
  RdbFormatError,
  RdbOpcode,
  RdbType,
  QuicklistContainer,
} from '../../src/persistence/rdb-format.js';
import {
  RdbReader,
  decodeValue,
  type IncrementalRdbReader,
  type RdbRecordHandler,
} from '../../src/persistence/rdb-reader.js';
import { encodeKeyspaceSync, encodeValue } from '../../src/persistence/rdb-writer.js';
import type { KeyspaceEvents } from '../../src/store/database.js';
import { RedisHash } from '../../src/store/hash.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { RedisList } from '../../src/store/list.js';
import { RedisSet } from '../../src/store/set.js';
import { RedisZSet } from '../../src/store/zset.js';
import { encodingLimits } from '../../src/store/encoding-limits.js';
import { isString, type StoredValue } from '../../src/store/values.js';
import { mulberry32 } from '../helpers/random.js';

/**
 * The RDB reader on small files built here byte by byte: every value type
 * and opcode Redis 7.0 loads, the encodings values end up in, and the
 * failure modes (truncation anywhere, checksum, unknown or unsupported
 * types) that must surface as RdbFormatError with an offset.
 */

/** Builds an RDB file from its parts, as rdb.c writes them. */
class RdbBuilder {
  private parts: Buffer[] = [];

  constructor(readonly version = 10) {
    this.parts.push(Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1'));
  }

  raw(...bytes: number[]): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  bytes(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  len(n: number, width?: 6 | 14 | 32 | 64): this {
    const w = width ?? (n < 64 ? 6 : n < 16384 ? 14 : 32);
    if (w === 6) return this.raw(n);
    if (w === 14) return this.raw(0x40 | (n >>> 8), n & 0xff);
    if (w === 32) {
      const b = Buffer.alloc(5);
      b[0] = 0x80;
      b.writeUInt32BE(n, 1);
      return this.bytes(b);
    }
    const b = Buffer.alloc(9);
    b[0] = 0x81;
    b.writeBigUInt64BE(BigInt(n), 1);
    return this.bytes(b);
  }

  str(s: string | Buffer): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    return this.len(b.length).bytes(b);
  }

  int8(v: number): this {
    return this.raw(0xc0, v & 0xff);
  }

  int16(v: number): this {
    const b = Buffer.alloc(3);
    b[0] = 0xc1;
    b.writeInt16LE(v, 1);
    return this.bytes(b);
  }

  int32(v: number): this {
    const b = Buffer.alloc(5);
    b[0] = 0xc2;
    b.writeInt32LE(v, 1);
    return this.bytes(b);
  }

  lzf(s: Buffer): this {
    const packed = lzfCompress(s, s.length)!;
    return this.raw(0xc3).len(packed.length).len(s.length).bytes(packed);
  }

  key(type: number, name: string): this {
    return this.raw(type).str(name);
  }

  selectDb(db: number): this {
    return this.raw(RdbOpcode.SelectDb).len(db);
  }

  expireMs(at: number): this {
    const b = Buffer.alloc(9);
    b[0] = RdbOpcode.ExpireTimeMs;
    b.writeBigInt64LE(BigInt(at), 1);
    return this.bytes(b);
  }

  expireSeconds(at: number): this {
    const b = Buffer.alloc(5);
    b[0] = RdbOpcode.ExpireTime;
    b.writeInt32LE(at, 1);
    return this.bytes(b);
  }

  binaryDouble(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.bytes(b);
  }

  /** EOF and, from version 5, the CRC (or `checksum` as given, e.g. zeros). */
  finish(checksum?: Buffer): Buffer {
    this.raw(RdbOpcode.Eof);
    const body = Buffer.concat(this.parts);
    if (this.version < 5) return body;
    return Buffer.concat([body, checksum ?? crc64(body)]);
  }
}

interface Loaded {
  db: number;
  key: string;
  value: StoredValue;
  expireAt: number;
}

function load(file: Buffer): {
  keys: Map<string, Loaded>;
  aux: Map<string, string>;
  reader: RdbReader;
  resize: number[][];
} {
  const keys = new Map<string, Loaded>();
  const aux = new Map<string, string>();
  const resize: number[][] = [];
  const handler: RdbRecordHandler = {
    aux: (field, value) => aux.set(field, value.toString('latin1')),
    resizeDb: (db, size, expires) => resize.push([db, size, expires]),
    key: (db, key, value, expireAt) => {
      const name = key.toString('latin1');
      keys.set(name, { db, key: name, value, expireAt });
    },
  };
  const reader = new RdbReader(file);
  let slices = 0;
  while (!reader.run(handler, performance.now() + 50)) {
    if (++slices > 1000) throw new Error('reader does not finish');
  }
  return { keys, aux, reader, resize };
}

function listpackOf(...items: Array<string | Buffer>): Buffer {
  const b = new ListpackBuilder();
  for (const item of items) b.append(typeof item === 'string' ? Buffer.from(item, 'latin1') : item);
  return b.finish();
}

/** A ziplist of string entries (valid: ziplists may hold digits as strings). */
function ziplistOf(...items: string[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let offset = 10;
  let tail = 10;
  for (const item of items) {
    const data = Buffer.from(item, 'latin1');
    if (data.length > 63) throw new Error('test ziplists hold short strings only');
    const entry = Buffer.concat([Buffer.from([prev, data.length]), data]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    entries.push(entry);
  }
  const header = Buffer.alloc(10);
  header.writeUInt32LE(offset + 1, 0);
  header.writeUInt32LE(tail, 4);
  header.writeUInt16LE(items.length, 8);
  return Buffer.concat([header, ...entries, Buffer.from([0xff])]);
}

function zipmapOf(...items: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([items.length / 2])];
  for (let i = 0; i < items.length; i += 2) {
    parts.push(Buffer.from([items[i]!.length]), Buffer.from(items[i]!, 'latin1'));
    parts.push(Buffer.from([items[i + 1]!.length, 0]), Buffer.from(items[i + 1]!, 'latin1'));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

const listItems = (v: StoredValue): string[] => {
  const list = v as RedisList;
  const out: string[] = [];
  for (let i = 0; i < list.size; i++) out.push(list.at(i).toString('latin1'));
  return out;
};
const hashEntries = (v: StoredValue): Record<string, string> =>
  Object.fromEntries(
    Array.from((v as RedisHash).fields.entries()).map(([f, val]) => [f, val.toString('latin1')]),
  );
const zsetEntries = (v: StoredValue): Array<[string, number]> =>
  Array.from((v as RedisZSet).nodes()).map((n) => [n.member.toString('latin1'), n.score]);
const setMembers = (v: StoredValue): string[] => (v as RedisSet).list().sort();
const encodingOf = (v: StoredValue): string => (isString(v) ? 'string' : v.encoding());

function expectFormatError(run: () => unknown, message: RegExp): RdbFormatError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(RdbFormatError);
    expect((err as Error).message).toMatch(message);
    return err as RdbFormatError;
  }
  throw new Error('expected an RdbFormatError');
}

describe('RdbReader: strings, opcodes and databases', () => {
  it('reads every string encoding, expiries, aux fields and database changes', () => {
    const big = Buffer.alloc(20000, 'k');
    const compressible = Buffer.from('abcdefgh'.repeat(100));
    const file = new RdbBuilder()
      .raw(RdbOpcode.Aux)
      .str('redis-ver')
      .str('7.0.15')
      .raw(RdbOpcode.Aux)
      .str('ctime')
      .int32(1700000000)
      .selectDb(0)
      .raw(RdbOpcode.ResizeDb)
      .len(7)
      .len(1)
      .key(RdbType.String, 'raw')
      .str('hello')
      .key(RdbType.String, 'i8')
      .int8(-100)
      .key(RdbType.String, 'i16')
      .int16(-30000)
      .key(RdbType.String, 'i32')
      .int32(2000000000)
      .key(RdbType.String, 'lzf')
      .lzf(compressible)
      .key(RdbType.String, 'big')
      .str(big)
      .raw(RdbOpcode.Idle)
      .len(1000)
      .raw(RdbOpcode.Freq, 7)
      .expireMs(1900000000123)
      .key(RdbType.String, 'bin\x00\xff')
      .str(Buffer.from([0, 1, 255]))
      .selectDb(5)
      .expireSeconds(1900000000)
      .key(RdbType.String, 'old-expire')
      .raw(0x81)
      .bytes(Buffer.from([0, 0, 0, 0, 0, 0, 0, 3]))
      .bytes(Buffer.from('xyz'))
      .finish();
    const { keys, aux, resize, reader } = load(file);
    expect(aux.get('redis-ver')).toBe('7.0.15');
    expect(aux.get('ctime')).toBe('1700000000');
    expect(resize).toEqual([[0, 7, 1]]);
    expect(keys.get('raw')!.value.toString()).toBe('hello');
    expect(keys.get('i8')!.value.toString()).toBe('-100');
    expect(keys.get('i16')!.value.toString()).toBe('-30000');
    expect(keys.get('i32')!.value.toString()).toBe('2000000000');
    expect((keys.get('lzf')!.value as Buffer).equals(compressible)).toBe(true);
    expect((keys.get('big')!.value as Buffer).equals(big)).toBe(true);
    const bin = keys.get('bin\x00\xff')!;
    expect((bin.value as Buffer).equals(Buffer.from([0, 1, 255]))).toBe(true);
    expect(bin.expireAt).toBe(1900000000123);
    expect(keys.get('raw')!.expireAt).toBe(0);
    const old = keys.get('old-expire')!;
    expect(old.db).toBe(5);
    expect(old.expireAt).toBe(1900000000000);
    expect(old.value.toString()).toBe('xyz');
    expect(reader.offset).toBe(file.length);
    expect(reader.version).toBe(10);
  });

  it('loads files of old versions, without a checksum before version 5', () => {
    for (const version of [1, 4, 5, 9]) {
      const file = new RdbBuilder(version).selectDb(0).key(RdbType.String, 'k').str('v').finish();
      expect(load(file).keys.get('k')!.value.toString()).toBe('v');
    }
  });

  it('refuses a bad signature and versions newer than 10', () => {
    expectFormatError(() => new RdbReader(Buffer.from('REDIT0010\xff', 'latin1')), /signature/);
    const err = expectFormatError(
      () => new RdbReader(new RdbBuilder(11).finish()),
      /Can't handle RDB format version 11/,
    );
    expect(err.offset).toBe(5);
    expectFormatError(() => new RdbReader(Buffer.from('REDIS0000')), /version 0/);
    expectFormatError(() => new RdbReader(Buffer.from('REDIS')), /Unexpected EOF/);
  });

  it('parses in slices when the deadline has already passed', () => {
    const builder = new RdbBuilder().selectDb(0);
    for (let i = 0; i < 100; i++) builder.key(RdbType.String, `k${i}`).str(`v${i}`);
    const reader = new RdbReader(builder.finish());
    let count = 0;
    let slices = 1;
    const handler: RdbRecordHandler = { aux: () => {}, key: () => count++ };
    while (!reader.run(handler, 0)) slices++;
    expect(count).toBe(100);
    expect(slices).toBeGreaterThan(5);
    expect(reader.run(handler, 0)).toBe(true);
  });
});

describe('RdbReader: collections and their encodings after loading', () => {
  it('converts every list format to a list', () => {
    const file = new RdbBuilder()
      .key(RdbType.List, 'plain')
      .len(3)
      .str('a')
      .int8(7)
      .str('c')
      .key(RdbType.ListZiplist, 'ziplist')
      .str(ziplistOf('x', '12', 'z'))
      .key(RdbType.ListQuicklist, 'quicklist')
      .len(3)
      .str(ziplistOf('1', '2'))
      .str(ziplistOf())
      .str(ziplistOf('3'))
      .key(RdbType.ListQuicklist2, 'quicklist2')
      .len(3)
      .len(QuicklistContainer.Packed)
      .str(listpackOf('a', '100', '-5000'))
      .len(QuicklistContainer.Plain)
      .str(Buffer.alloc(100, 'P'))
      .len(QuicklistContainer.Packed)
      .str(listpackOf('tail'))
      .finish();
    const { keys } = load(file);
    expect(listItems(keys.get('plain')!.value)).toEqual(['a', '7', 'c']);
    expect(listItems(keys.get('ziplist')!.value)).toEqual(['x', '12', 'z']);
    expect(listItems(keys.get('quicklist')!.value)).toEqual(['1', '2', '3']);
    expect(listItems(keys.get('quicklist2')!.value)).toEqual([
      'a',
      '100',
      '-5000',
      'P'.repeat(100),
      'tail',
    ]);
    for (const k of keys.values()) expect(encodingOf(k.value)).toBe('quicklist');
  });

  it('keeps small integer sets as intsets and converts the rest', () => {
    const manyInts = new RdbBuilder().key(RdbType.Set, 'many').len(600);
    for (let i = 0; i < 600; i++) manyInts.str(String(i));
    const file = manyInts
      .key(RdbType.Set, 'ints')
      .len(3)
      .str('3')
      .int8(-1)
      .str('100')
      .key(RdbType.Set, 'mixed')
      .len(2)
      .str('1')
      .str('b')
      .key(RdbType.SetIntset, 'intset')
      .str(encodeIntset([-70000n, 1n, 5n]))
      .key(RdbType.SetIntset, 'bigintset')
      .str(encodeIntset(Array.from({ length: 513 }, (_, i) => BigInt(i))))
      .finish();
    const { keys } = load(file);
    expect(setMembers(keys.get('ints')!.value)).toEqual(['-1', '100', '3']);
    expect(encodingOf(keys.get('ints')!.value)).toBe('intset');
    expect(encodingOf(keys.get('mixed')!.value)).toBe('hashtable');
    expect(encodingOf(keys.get('many')!.value)).toBe('hashtable');
    expect(setMembers(keys.get('intset')!.value)).toEqual(['-70000', '1', '5']);
    expect(encodingOf(keys.get('intset')!.value)).toBe('intset');
    expect(encodingOf(keys.get('bigintset')!.value)).toBe('hashtable');
    expect(keys.get('bigintset')!.value).toHaveProperty('size', 513);
  });

  it('reads text, special and binary scores and settles sorted-set encodings', () => {
    const big = new RdbBuilder().key(RdbType.Zset2, 'big').len(200);
    for (let i = 0; i < 200; i++) big.str(`m${i}`).binaryDouble(i / 2);
    const lpBig = new ListpackBuilder();
    for (let i = 0; i < 200; i++) {
      lpBig.append(Buffer.from(`m${i}`));
      lpBig.appendInteger(i);
    }
    const file = big
      .key(RdbType.Zset, 'text')
      .len(5)
      .str('a')
      .str('1.5')
      .str('b')
      .raw(254)
      .str('c')
      .raw(255)
      .str('d')
      .str('-2e3')
      .str('e')
      .str('inf')
      .key(RdbType.Zset2, 'binary')
      .len(2)
      .str('x')
      .binaryDouble(-0.25)
      .str('y')
      .binaryDouble(-0)
      .key(RdbType.Zset2, 'longmember')
      .len(1)
      .str('L'.repeat(65))
      .binaryDouble(1)
      .key(RdbType.ZsetZiplist, 'ziplist')
      .str(ziplistOf('p', '1', 'q', '0.5'))
      .key(RdbType.ZsetListpack, 'listpack')
      .str(listpackOf('r', '3', 's', '-inf', 'L'.repeat(80), '2'))
      .key(RdbType.ZsetListpack, 'lpbig')
      .str(lpBig.finish())
      .finish();
    const { keys } = load(file);
    expect(zsetEntries(keys.get('text')!.value)).toEqual([
      ['c', -Infinity],
      ['d', -2000],
      ['a', 1.5],
      ['b', Infinity],
      ['e', Infinity],
    ]);
    expect(encodingOf(keys.get('text')!.value)).toBe('listpack');
    const binary = zsetEntries(keys.get('binary')!.value);
    expect(binary).toEqual([
      ['x', -0.25],
      ['y', 0],
    ]);
    // A listpack stores scores as text, and "-0" prints as "0".
    expect(Object.is(binary[1]![1], -0)).toBe(false);
    expect(encodingOf(keys.get('big')!.value)).toBe('skiplist');
    expect(encodingOf(keys.get('longmember')!.value)).toBe('skiplist');
    expect(zsetEntries(keys.get('ziplist')!.value)).toEqual([
      ['q', 0.5],
      ['p', 1],
    ]);
    expect(encodingOf(keys.get('ziplist')!.value)).toBe('listpack');
    // A stored listpack converts on its count only, whatever its member lengths.
    expect(encodingOf(keys.get('listpack')!.value)).toBe('listpack');
    expect(zsetEntries(keys.get('listpack')!.value)[0]).toEqual(['s', -Infinity]);
    expect(encodingOf(keys.get('lpbig')!.value)).toBe('skiplist');
  });

  it('loads every hash format with Redis conversion rules', () => {
    const lpBig = new ListpackBuilder();
    for (let i = 0; i < 600; i++) {
      lpBig.append(Buffer.from(`f${i}`));
      lpBig.append(Buffer.from(`v${i}`));
    }
    const file = new RdbBuilder()
      .key(RdbType.Hash, 'small')
      .len(2)
      .str('f1')
      .str('v1')
      .str('f2')
      .int16(1000)
      .key(RdbType.Hash, 'longvalue')
      .len(1)
      .str('f')
      .str('V'.repeat(65))
      .key(RdbType.HashZipmap, 'zipmap')
      .str(zipmapOf('a', '1', 'b', '2'))
      .key(RdbType.HashZiplist, 'ziplist')
      .str(ziplistOf('c', '3', 'd', '4'))
      .key(RdbType.HashListpack, 'listpack')
      .str(listpackOf('e', '5', 'long', 'W'.repeat(80)))
      .key(RdbType.HashListpack, 'lpbig')
      .str(lpBig.finish())
      .finish();
    const { keys } = load(file);
    expect(hashEntries(keys.get('small')!.value)).toEqual({ f1: 'v1', f2: '1000' });
    expect(encodingOf(keys.get('small')!.value)).toBe('listpack');
    expect(encodingOf(keys.get('longvalue')!.value)).toBe('hashtable');
    expect(hashEntries(keys.get('zipmap')!.value)).toEqual({ a: '1', b: '2' });
    expect(encodingOf(keys.get('zipmap')!.value)).toBe('listpack');
    expect(hashEntries(keys.get('ziplist')!.value)).toEqual({ c: '3', d: '4' });
    expect(encodingOf(keys.get('ziplist')!.value)).toBe('listpack');
    expect(encodingOf(keys.get('listpack')!.value)).toBe('listpack');
    expect(encodingOf(keys.get('lpbig')!.value)).toBe('hashtable');
    expect(keys.get('lpbig')!.value).toHaveProperty('size', 600);
  });

  it('follows the configured limits', () => {
    const saved = { ...encodingLimits };
    try {
      encodingLimits.hashMaxListpackEntries = 1;
      encodingLimits.setMaxIntsetEntries = 1;
      const file = new RdbBuilder()
        .key(RdbType.HashZiplist, 'h')
        .str(ziplistOf('c', '3', 'd', '4'))
        .key(RdbType.SetIntset, 's')
        .str(encodeIntset([1n, 2n]))
        .finish();
      const { keys } = load(file);
      expect(encodingOf(keys.get('h')!.value)).toBe('hashtable');
      expect(encodingOf(keys.get('s')!.value)).toBe('hashtable');
    } finally {
      Object.assign(encodingLimits, saved);
    }
  });

  it('skips and counts empty collections', () => {
    const file = new RdbBuilder()
      .key(RdbType.List, 'l')
      .len(0)
      .key(RdbType.Set, 's')
      .len(0)
      .key(RdbType.HashListpack, 'h')
      .str(listpackOf())
      .key(RdbType.ListQuicklist, 'q')
      .len(1)
      .str(ziplistOf())
      .key(RdbType.SetIntset, 'i')
      .str(encodeIntset([]))
      .key(RdbType.String, 'kept')
      .str('')
      .finish();
    const { keys, reader } = load(file);
    expect(Array.from(keys.keys())).toEqual(['kept']);
    expect(reader.emptyKeysSkipped).toBe(5);
  });

  it('decodes one value for RESTORE', () => {
    const payload = new RdbBuilder().len(2).str('a').str('b').finish();
    const { value, end } = decodeValue(RdbType.List, payload, 9);
    expect(listItems(value!)).toEqual(['a', 'b']);
    expect(end).toBe(9 + 5);
    expect(decodeValue(RdbType.Set, Buffer.from([0]), 0).value).toBeNull();
  });
});

describe('RdbReader: malformed and unsupported input', () => {
  const sample = (): Buffer =>
    new RdbBuilder()
      .raw(RdbOpcode.Aux)
      .str('redis-ver')
      .str('7.0.0')
      .selectDb(0)
      .raw(RdbOpcode.ResizeDb)
      .len(6)
      .len(1)
      .expireMs(1900000000000)
      .key(RdbType.String, 's')
      .lzf(Buffer.from('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'))
      .key(RdbType.List, 'l')
      .len(2)
      .str('a')
      .int16(300)
      .key(RdbType.ListQuicklist2, 'q')
      .len(1)
      .len(2)
      .str(listpackOf('x', '1'))
      .key(RdbType.ZsetListpack, 'z')
      .str(listpackOf('m', '1.5'))
      .key(RdbType.SetIntset, 'i')
      .str(encodeIntset([1n, 2n]))
      .key(RdbType.Zset2, 'z2')
      .len(1)
      .str('m')
      .binaryDouble(2)
      .finish();

  it('throws RdbFormatError with an offset when truncated at any byte', () => {
    const file = sample();
    expect(load(file).keys.size).toBe(6);
    for (let cut = 0; cut < file.length; cut++) {
      const part = file.subarray(0, cut);
      try {
        const reader = new RdbReader(part);
        reader.run({ aux: () => {}, key: () => {} }, Infinity);
        throw new Error(`no error when cut at ${cut}`);
      } catch (err) {
        expect(err, `cut at ${cut}`).toBeInstanceOf(RdbFormatError);
        expect((err as RdbFormatError).offset).toBeGreaterThanOrEqual(0);
        expect((err as RdbFormatError).offset).toBeLessThanOrEqual(cut);
      }
    }
  });

  it('throws only RdbFormatError, and terminates, on randomly corrupted files', () => {
    const file = sample();
    const rand = mulberry32(77);
    for (let trial = 0; trial < 2000; trial++) {
      const copy = Buffer.from(file);
      const flips = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < flips; k++)
        copy[9 + Math.floor(rand() * (copy.length - 9))] = Math.floor(rand() * 256);
      try {
        const reader = new RdbReader(copy, { verifyChecksum: false });
        reader.run({ aux: () => {}, key: () => {} }, Infinity);
      } catch (err) {
        expect(err).toBeInstanceOf(RdbFormatError);
      }
    }
  });

  it('reports a checksum mismatch, and accepts a zero checksum or disabled checking', () => {
    const file = sample();
    const at = file.indexOf('redis-ver') + 2;
    const flipped = Buffer.from(file);
    flipped[at]! ^= 0x20;
    const err = expectFormatError(() => load(flipped), /Wrong RDB checksum expected: \(/);
    expect(err.offset).toBe(file.length - 8);
    const unchecked = new RdbReader(flipped, { verifyChecksum: false });
    expect(unchecked.run({ aux: () => {}, key: () => {} }, Infinity)).toBe(true);
    const zero = Buffer.from(flipped);
    zero.fill(0, zero.length - 8);
    expect(load(zero).keys.size).toBe(6);
  });

  it('names the offset of an unknown type byte', () => {
    const file = new RdbBuilder().key(RdbType.String, 'a').str('b').raw(100).str('k').finish();
    const err = expectFormatError(() => load(file), /Unknown RDB encoding type 100/);
    expect(err.offset).toBe(9 + 5);
    expect(err.message).toContain(String(9 + 5));
  });

  it('refuses streams, modules and functions by name', () => {
    const cases: Array<[number, RegExp]> = [
      [RdbType.StreamListpacks, /streams/],
      [RdbType.StreamListpacks2, /streams/],
      [RdbType.Module2, /modules/],
      [RdbOpcode.ModuleAux, /modules/],
      [RdbOpcode.Function2, /functions/],
      [RdbOpcode.Function, /functions/],
    ];
    for (const [type, message] of cases) {
      const file = new RdbBuilder().raw(type).str('k').len(0).finish();
      expect(expectFormatError(() => load(file), message).offset).toBe(9);
    }
  });

  it('rejects duplicates and NaN scores with Redis texts', () => {
    const cases: Array<[RdbBuilder, RegExp]> = [
      [new RdbBuilder().key(RdbType.Set, 's').len(2).str('1').int8(1), /Duplicate set members/],
      [new RdbBuilder().key(RdbType.Set, 's').len(2).str('a').str('a'), /Duplicate set members/],
      [
        new RdbBuilder().key(RdbType.Hash, 'h').len(2).str('f').str('1').str('f').str('2'),
        /Duplicate hash fields/,
      ],
      [
        new RdbBuilder()
          .key(RdbType.Zset2, 'z')
          .len(2)
          .str('m')
          .binaryDouble(1)
          .str('m')
          .binaryDouble(2),
        /Duplicate zset fields/,
      ],
      [new RdbBuilder().key(RdbType.Zset, 'z').len(1).str('m').raw(253), /NAN score/],
      [
        new RdbBuilder().key(RdbType.HashListpack, 'h').str(listpackOf('f', '1', 'f', '2')),
        /Hash listpack integrity/,
      ],
      [
        new RdbBuilder().key(RdbType.ZsetListpack, 'z').str(listpackOf('m', '1', 'm', '2')),
        /Zset listpack integrity/,
      ],
      [
        new RdbBuilder().key(RdbType.HashZipmap, 'h').str(zipmapOf('a', '1', 'a', '2')),
        /dup elements/,
      ],
      [new RdbBuilder().key(RdbType.HashListpack, 'h').str(listpackOf('f')), /odd number/],
      [new RdbBuilder().key(RdbType.ListQuicklist2, 'q').len(1).len(3), /Quicklist integrity/],
      [new RdbBuilder().key(RdbType.ListZiplist, 'l').str('garbage'), /Ziplist integrity/],
      [new RdbBuilder().key(RdbType.String, 'k').raw(0xc4), /Unknown RDB string encoding/],
      [new RdbBuilder().key(RdbType.String, 'k').raw(0x82), /Unknown length encoding/],
    ];
    for (const [builder, message] of cases) {
      const err = expectFormatError(() => load(builder.finish()), message);
      expect(err.offset).toBeGreaterThanOrEqual(9);
    }
  });
});

/** One handler call, in a form that compares: values as their DUMP payload. */
function recordingHandler(calls: string[]): RdbRecordHandler {
  const digest = (b: Buffer): string => createHash('sha1').update(b).digest('hex');
  return {
    aux: (field, value) => calls.push(`aux ${field} ${value.toString('hex')}`),
    resizeDb: (db, size, expires) => calls.push(`resize ${db} ${size} ${expires}`),
    key: (db, key, value, expireAt) => {
      const kind = isString(value) ? 'string' : `${value.type}/${value.encoding()}`;
      const payload = digest(encodeValue(value, false).payload);
      calls.push(`key ${db} ${key.toString('hex')} ${kind} ${payload} ${expireAt}`);
    },
  };
}

function wholeFileCalls(file: Buffer, options: { verifyChecksum?: boolean } = {}): string[] {
  const calls: string[] = [];
  const reader = new RdbReader(file, options);
  const handler = recordingHandler(calls);
  while (!reader.run(handler, performance.now() + 50));
  calls.push(`skipped ${reader.emptyKeysSkipped} offset ${reader.offset}`);
  return calls;
}

/**
 * Feeds `file` in chunks whose sizes `nextSize` picks, running the reader
 * after every push (with an expired deadline now and then, so 'yield' is
 * exercised too), and returns the calls it made.
 */
function streamedCalls(
  file: Buffer,
  nextSize: () => number,
  rand: () => number,
  options: { verifyChecksum?: boolean } = {},
): { calls: string[]; reader: IncrementalRdbReader; maxBuffered: number } {
  const calls: string[] = [];
  const handler = recordingHandler(calls);
  const reader = RdbReader.incremental(options);
  let maxBuffered = 0;
  let state: 'done' | 'yield' | 'need-data' = 'need-data';
  const drain = (): void => {
    do {
      // A deadline already passed (a yield after the first records) or
      // none: never the clock, so a seed replays the same run.
      state = reader.run(handler, rand() < 0.1 ? 0 : Infinity);
    } while (state === 'yield');
  };
  for (let pos = 0; pos < file.length;) {
    const n = Math.min(file.length - pos, Math.max(1, nextSize()));
    // A fresh copy: the reader may keep a chunk, and callers reuse nothing.
    reader.push(Buffer.from(file.subarray(pos, pos + n)));
    pos += n;
    maxBuffered = Math.max(maxBuffered, reader.buffered);
    drain();
  }
  reader.end();
  drain();
  expect(state).toBe('done');
  calls.push(`skipped ${reader.emptyKeysSkipped} offset ${reader.offset}`);
  return { calls, reader, maxBuffered };
}

const noKeys: RdbRecordHandler = { aux: () => {}, key: () => {} };

/**
 * Flips one to three random bytes of `file` and checks that the incremental
 * reader (random chunks, random yields) ends as the whole-file reader does.
 */
function expectSameOutcome(file: Buffer, rand: () => number, label: string): void {
  const copy = Buffer.from(file);
  const flips = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < flips; k++)
    copy[9 + Math.floor(rand() * (copy.length - 9))] = Math.floor(rand() * 256);
  const whole = outcomeOf(() => wholeFileCalls(copy, { verifyChecksum: false }));
  const streamed = outcomeOf(() =>
    streamedCalls(copy, () => Math.floor(rand() * 20000), rand, { verifyChecksum: false }),
  );
  expect(streamed, label).toBe(whole);
}

/** 'ok', or the RdbFormatError's message and offset. */
function outcomeOf(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(RdbFormatError);
    return `${(err as Error).message} @${(err as RdbFormatError).offset}`;
  }
}

/** Runs an incremental reader over `file` pushed in one piece, ended, to its result or error. */
function streamWhole(file: Buffer, options: { verifyChecksum?: boolean } = {}): string {
  const reader = RdbReader.incremental(options);
  reader.push(Buffer.from(file));
  reader.end();
  return reader.run(noKeys, Infinity);
}

/** A dataset with every type in every encoding the writer produces, big values included. */
function writerFile(rand: () => number, bigValues: boolean): Buffer {
  const noopEvents: KeyspaceEvents = {
    keyWillChange: () => {},
    keyChanged: () => {},
    keyExpired: () => {},
  };
  const ks = new Keyspace(16, noopEvents);
  const bytes = (n: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
    return b;
  };
  for (const dbIndex of [0, 3, 15]) {
    const db = ks.databases[dbIndex]!;
    for (let i = 0; i < 40; i++) {
      db.set(`int:${i}`, Buffer.from(String(i * 99991 - 500000)));
      db.set(`raw:${i}`, bytes(1 + (i % 30)));
      db.set(`lzf:${i}`, Buffer.from('abcabcabc'.repeat(3 + i)));
      const e = db.set(`ttl:${i}`, Buffer.from('x'));
      db.setExpire(`ttl:${i}`, e, 1900000000000 + i);
    }
    const small = new RedisList(Array.from({ length: 5 }, (_, i) => Buffer.from(`e${i}`)));
    db.set('list:small', small);
    db.set('list:big', new RedisList(Array.from({ length: 3000 }, (_, i) => bytes(1 + (i % 40)))));
    const hashSmall = new RedisHash();
    for (let i = 0; i < 10; i++) hashSmall.set(`f${i}`, Buffer.from(String(i)));
    db.set('hash:small', hashSmall);
    const hashBig = new RedisHash();
    for (let i = 0; i < 700; i++) hashBig.set(`field:${i}`, bytes(i % 70));
    db.set('hash:big', hashBig);
    const intset = new RedisSet();
    for (let i = 0; i < 50; i++) intset.add(String(i * 1000003 - 7));
    db.set('set:intset', intset);
    const plainSet = new RedisSet();
    for (let i = 0; i < 600; i++) plainSet.add(`m${i}`);
    db.set('set:plain', plainSet);
    const zsmall = new RedisZSet();
    for (let i = 0; i < 20; i++) zsmall.insert(Buffer.from(`z${i}`), i / 3);
    db.set('zset:small', zsmall);
    const zbig = new RedisZSet(false);
    for (let i = 0; i < 400; i++) zbig.insert(bytes(1 + (i % 80)), rand() * 1e6 - 5e5);
    zbig.settleStoredEncoding(80);
    db.set('zset:big', zbig);
  }
  if (bigValues) {
    const db = ks.databases[0]!;
    db.set('big:random', bytes(1_500_000));
    db.set('big:compressible', Buffer.from('0123456789abcdef'.repeat(150_000)));
    const bigList = new RedisList(Array.from({ length: 200 }, () => bytes(12_000)));
    db.set('big:list', bigList);
    const bigHash = new RedisHash();
    for (let i = 0; i < 3; i++) bigHash.set(`f${i}`, bytes(1_100_000));
    db.set('big:hash', bigHash);
  }
  return Buffer.concat(
    encodeKeyspaceSync(ks, { compression: true, checksum: true }, { usedMemory: 1 }),
  );
}

/** Files built byte by byte: the encodings only older Redis versions write. */
function legacyFile(): Buffer {
  return new RdbBuilder()
    .raw(RdbOpcode.Aux)
    .str('redis-ver')
    .str('6.2.0')
    .selectDb(2)
    .raw(RdbOpcode.ResizeDb)
    .len(9)
    .len(1)
    .raw(RdbOpcode.Idle)
    .len(1000)
    .raw(RdbOpcode.Freq, 7)
    .expireSeconds(1900000000)
    .key(RdbType.ListZiplist, 'ziplist')
    .str(ziplistOf('x', '12', 'z'))
    .key(RdbType.ListQuicklist, 'quicklist')
    .len(2)
    .str(ziplistOf('1', '2'))
    .str(ziplistOf('3'))
    .key(RdbType.ListQuicklist2, 'plain-node')
    .len(2)
    .len(QuicklistContainer.Plain)
    .str(Buffer.alloc(9000, 'p'))
    .len(QuicklistContainer.Packed)
    .str(listpackOf('a', 'b'))
    .key(RdbType.HashZipmap, 'zipmap')
    .str(zipmapOf('a', '1', 'b', '2'))
    .key(RdbType.HashZiplist, 'hash-ziplist')
    .str(ziplistOf('f', 'v'))
    .key(RdbType.ZsetZiplist, 'zset-ziplist')
    .str(ziplistOf('m', '1.5', 'n', '-inf'))
    .key(RdbType.Zset, 'text-scores')
    .len(3)
    .str('a')
    .str('1.5')
    .str('b')
    .raw(254)
    .str('c')
    .raw(255)
    .key(RdbType.Set, 'plain-set')
    .len(2)
    .str('a')
    .int8(5)
    .key(RdbType.List, 'empty')
    .len(0)
    .key(RdbType.Hash, 'plain-hash')
    .len(1)
    .str('f')
    .lzf(Buffer.from('v'.repeat(100)))
    .finish();
}

describe('RdbReader.incremental: parsing a file while it arrives', () => {
  it('makes the same handler calls as the whole-file reader, in chunks of any size', () => {
    const rand = mulberry32(2024);
    const file = writerFile(rand, true);
    expect(file.length).toBeGreaterThan(6_000_000);
    const expected = wholeFileCalls(file);
    expect(expected.filter((c) => c.startsWith('key ')).length).toBeGreaterThan(400);
    const sizes: Array<[string, () => number]> = [
      ['random up to 64 KB', () => Math.floor(rand() ** 3 * 65536)],
      ['random up to 3 MB', () => Math.floor(rand() ** 2 * 3_000_000)],
      ['16 KB', () => 16384],
    ];
    for (const [name, nextSize] of sizes) {
      const { calls, reader, maxBuffered } = streamedCalls(file, nextSize, rand);
      expect(calls, name).toEqual(expected);
      expect(reader.version).toBe(10);
      expect(reader.offset).toBe(file.length);
      // At most about twice the biggest record (3.3 MB) plus a chunk.
      expect(maxBuffered, name).toBeLessThan(10_000_000);
      expect(reader.buffered).toBe(0);
    }
  });

  it('lets parsed bytes go: memory follows the records in flight, not the file', () => {
    const rand = mulberry32(3);
    const noopEvents: KeyspaceEvents = {
      keyWillChange: () => {},
      keyChanged: () => {},
      keyExpired: () => {},
    };
    const ks = new Keyspace(16, noopEvents);
    for (let i = 0; i < 2000; i++) ks.databases[0]!.set(`k${i}`, Buffer.alloc(5000, i));
    const file = Buffer.concat(
      encodeKeyspaceSync(ks, { compression: false, checksum: true }, { usedMemory: 1 }),
    );
    const { calls, maxBuffered } = streamedCalls(file, () => 65536, rand);
    expect(calls).toEqual(wholeFileCalls(file));
    expect(maxBuffered).toBeLessThanOrEqual(256 * 1024);
  });

  it('makes the same calls when fed one byte at a time', () => {
    const rand = mulberry32(7);
    for (const file of [writerFile(rand, false), legacyFile()]) {
      const expected = wholeFileCalls(file);
      expect(streamedCalls(file, () => 1, rand).calls).toEqual(expected);
      expect(streamedCalls(file, () => 1 + Math.floor(rand() * 20), rand).calls).toEqual(expected);
    }
  });

  it('re-parses a record that arrives in pieces only a few times', () => {
    const rand = mulberry32(11);
    const noopEvents: KeyspaceEvents = {
      keyWillChange: () => {},
      keyChanged: () => {},
      keyExpired: () => {},
    };
    const ks = new Keyspace(16, noopEvents);
    // 4 MB in one list record of many small nodes: each shortage only says
    // how long the next node is, so growth is what limits the retries.
    ks.databases[0]!.set(
      'list',
      new RedisList(Array.from({ length: 400_000 }, (_, i) => Buffer.from(`item-${i}`))),
    );
    ks.databases[0]!.set('string', Buffer.alloc(8_000_000, 's'));
    const file = Buffer.concat(
      encodeKeyspaceSync(ks, { compression: false, checksum: true }, { usedMemory: 1 }),
    );
    const { calls, reader } = streamedCalls(file, () => 4096, rand);
    expect(calls).toEqual(wholeFileCalls(file));
    expect(reader.shortAttempts).toBeLessThan(60);
  });

  it('fails a stream that ends short with the truncated-file error', () => {
    const file = legacyFile();
    for (let cut = 0; cut < file.length; cut++) {
      const reader = RdbReader.incremental();
      reader.push(Buffer.from(file.subarray(0, cut)));
      expect(reader.run(noKeys, Infinity)).toBe('need-data');
      reader.end();
      let whole: RdbFormatError | null = null;
      try {
        new RdbReader(file.subarray(0, cut)).run(noKeys, Infinity);
      } catch (err) {
        whole = err as RdbFormatError;
      }
      const err = expectFormatError(() => reader.run(noKeys, Infinity), /Unexpected EOF/);
      expect(err.offset, `cut at ${cut}`).toBe(whole!.offset);
    }
  });

  it('reports corruption as the whole-file reader does, at the same offsets', () => {
    const rand = mulberry32(99);
    const file = writerFile(rand, false);
    for (let trial = 0; trial < 60; trial++) expectSameOutcome(file, rand, `trial ${trial}`);
    // Seeds that once made a rebuilt stream buffer copy bytes it had
    // dropped (a value's slab range starting before the buffer).
    for (const seed of [1281, 2770, ...Array.from({ length: 150 }, (_, i) => 5000 + i)])
      expectSameOutcome(file, mulberry32(seed), `seed ${seed}`);
    expectFormatError(() => streamWhole(Buffer.from('REDIT0010\xff', 'latin1')), /signature/);
    expectFormatError(() => streamWhole(Buffer.from('REDIS0011\xff', 'latin1')), /version 11/);
    expectFormatError(() => streamWhole(Buffer.from('REDIS')), /Unexpected EOF/);
  });

  it('checks the CRC-64 at the end', () => {
    const file = legacyFile();
    const flipped = Buffer.from(file);
    flipped[file.indexOf('redis-ver') + 2]! ^= 0x20;
    const rand = mulberry32(5);
    const err = expectFormatError(
      () => streamedCalls(flipped, () => 1 + Math.floor(rand() * 50), rand),
      /Wrong RDB checksum expected: \(/,
    );
    expect(err.offset).toBe(file.length - 8);
    expect(streamWhole(flipped, { verifyChecksum: false })).toBe('done');
    expect(streamWhole(file)).toBe('done');
  });
});
