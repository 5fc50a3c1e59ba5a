import { describe, expect, it } from 'vitest';
import { crc64 } from '../../src/persistence/crc64.js';
import { decodeListpack } from '../../src/persistence/listpack.js';
import { lzfDecompress } from '../../src/persistence/lzf.js';
import { RdbType } from '../../src/persistence/rdb-format.js';
import {
  RdbOutput,
  encodeKeyspaceSync,
  encodeValue,
  integerEncoding,
  writeKeyspaceSync,
} from '../../src/persistence/rdb-writer.js';
import type { Database, KeyspaceEvents } from '../../src/store/database.js';
import { RedisHash } from '../../src/store/hash.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { RedisList } from '../../src/store/list.js';
import { RedisSet } from '../../src/store/set.js';
import { RedisZSet } from '../../src/store/zset.js';

const noopEvents: KeyspaceEvents = {
  keyWillChange(_db: Database, _key: string): void {},
  keyChanged(_db: Database, _key: string): void {},
  keyExpired(_db: Database, _key: string): void {},
};

function collect(write: (out: RdbOutput) => void): Buffer {
  const chunks: Buffer[] = [];
  const out = new RdbOutput((c) => chunks.push(c));
  write(out);
  out.flush();
  return Buffer.concat(chunks);
}

const hex = (b: Buffer): string => b.toString('hex');

describe('RDB length encoding', () => {
  it.each([
    [0, '00'],
    [63, '3f'],
    [64, '4040'],
    [16383, '7fff'],
    [16384, '8000004000'],
    [0xffffffff, '80ffffffff'],
    [2 ** 32, '810000000100000000'],
  ])('writes %d as Redis rdbSaveLen does', (n, expected) => {
    expect(hex(collect((out) => out.length(n)))).toBe(expected);
  });
});

describe('RDB strings', () => {
  it('int-encodes canonical decimals that fit in 32 bits', () => {
    expect(hex(collect((out) => out.string(Buffer.from('0'), false)))).toBe('c000');
    expect(hex(collect((out) => out.string(Buffer.from('-128'), false)))).toBe('c080');
    expect(hex(collect((out) => out.string(Buffer.from('128'), false)))).toBe('c18000');
    expect(hex(collect((out) => out.string(Buffer.from('-32769'), false)))).toBe('c2ff7fffff');
    expect(hex(collect((out) => out.string(Buffer.from('2147483647'), false)))).toBe('c2ffffff7f');
  });

  it('keeps non-canonical or too large numbers as raw strings', () => {
    for (const text of ['01', '-0', '+1', '2147483648', '-2147483649', '1 ', '', '-']) {
      expect(integerEncoding(Buffer.from(text))).toBeNull();
      const b = Buffer.from(text);
      expect(collect((out) => out.string(b, false))).toEqual(
        Buffer.concat([Buffer.from([b.length]), b]),
      );
    }
  });

  it('uses LZF only above 20 bytes and only when it saves space', () => {
    const twenty = Buffer.from('a'.repeat(20));
    expect(collect((out) => out.string(twenty, true))).toEqual(
      Buffer.concat([Buffer.from([20]), twenty]),
    );
    const long = Buffer.from('a'.repeat(60));
    const packed = collect((out) => out.string(long, true));
    expect(packed[0]).toBe(0xc3);
    const clen = packed[1]!;
    expect(packed[2]).toBe(60);
    expect(packed.length).toBe(3 + clen);
    expect(lzfDecompress(packed.subarray(3), 60)).toEqual(long);
    // Incompressible bytes stay raw.
    const noise = Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 97 + 13) & 0xff));
    expect(collect((out) => out.string(noise, true))).toEqual(
      Buffer.concat([Buffer.from([40]), noise]),
    );
    // Compression off: raw.
    expect(collect((out) => out.string(long, false))).toEqual(
      Buffer.concat([Buffer.from([60]), long]),
    );
  });
});

describe('RDB value encodings', () => {
  it('writes small hashes, sets and zsets in their compact encodings', () => {
    const h = new RedisHash();
    h.set('f', Buffer.from('v'));
    h.set('n', Buffer.from('12'));
    const eh = encodeValue(h, false);
    expect(eh.type).toBe(RdbType.HashListpack);
    expect(decodeListpack(eh.payload.subarray(1)).map((b) => b.toString())).toEqual([
      'f',
      'v',
      'n',
      '12',
    ]);

    const s = new RedisSet('3');
    for (const m of ['3', '-1', '70000']) s.add(m);
    const es = encodeValue(s, false);
    expect(es.type).toBe(RdbType.SetIntset);
    // intset: encoding 4 (int32), length 3, sorted values.
    expect(hex(es.payload)).toBe(
      '14' + '04000000' + '03000000' + 'ffffffff' + '03000000' + '70110100',
    );

    const z = new RedisZSet();
    z.insert(Buffer.from('a'), 1.5);
    z.insert(Buffer.from('b'), 2);
    const ez = encodeValue(z, false);
    expect(ez.type).toBe(RdbType.ZsetListpack);
    expect(decodeListpack(ez.payload.subarray(1)).map((b) => b.toString())).toEqual([
      'a',
      '1.5',
      'b',
      '2',
    ]);
  });

  it('writes big hashes and sets as plain element lists', () => {
    const h = new RedisHash();
    h.set('field', Buffer.from('x'.repeat(100)));
    const eh = encodeValue(h, false);
    expect(eh.type).toBe(RdbType.Hash);
    expect(hex(eh.payload.subarray(0, 7))).toBe('01' + '05' + Buffer.from('field').toString('hex'));

    const s = new RedisSet('word');
    s.add('word');
    const es = encodeValue(s, false);
    expect(es.type).toBe(RdbType.Set);
    expect(es.payload).toEqual(Buffer.from('\x01\x04word', 'latin1'));
  });

  it('writes skiplist zsets highest score first with binary doubles', () => {
    const z = new RedisZSet(false);
    z.insert(Buffer.from('lo'), -1.25);
    z.insert(Buffer.from('hi'), 3);
    const ez = encodeValue(z, false);
    expect(ez.type).toBe(RdbType.Zset2);
    const d = Buffer.alloc(8);
    const expected = [Buffer.from([2, 2]), Buffer.from('hi')];
    d.writeDoubleLE(3);
    expected.push(Buffer.from(d), Buffer.from([2]), Buffer.from('lo'));
    d.writeDoubleLE(-1.25);
    expected.push(Buffer.from(d));
    expect(ez.payload).toEqual(Buffer.concat(expected));
  });

  it('splits lists into 8 KB listpack nodes', () => {
    const items: Buffer[] = [];
    for (let i = 0; i < 1000; i++) items.push(Buffer.from('element-' + String(i).padStart(4, '0')));
    const list = new RedisList(items);
    const { type, payload } = encodeValue(list, false);
    expect(type).toBe(RdbType.ListQuicklist2);
    // Walk the nodes: count, then (container, length-prefixed listpack)*.
    let pos = 0;
    const nodes = payload[pos++]!;
    expect(nodes).toBeGreaterThan(1);
    const seen: string[] = [];
    for (let n = 0; n < nodes; n++) {
      expect(payload[pos++]).toBe(2);
      let len: number;
      if (payload[pos]! >> 6 === 1) {
        len = ((payload[pos]! & 0x3f) << 8) | payload[pos + 1]!;
        pos += 2;
      } else {
        len = payload[pos]!;
        pos += 1;
      }
      expect(len).toBeLessThanOrEqual(8192);
      for (const e of decodeListpack(payload.subarray(pos, pos + len))) seen.push(e.toString());
      pos += len;
    }
    expect(pos).toBe(payload.length);
    expect(seen).toEqual(items.map((b) => b.toString()));
  });
});

describe('RDB files', () => {
  it('writes header, aux fields, db sections, expiries, EOF and CRC-64', () => {
    const ks = new Keyspace(16, noopEvents);
    ks.databases[0]!.set('k', Buffer.from('v'));
    const e = ks.databases[3]!.set('n', Buffer.from('7'));
    ks.databases[3]!.setExpire('n', e, 2n ** 60n + 1n);
    const file = Buffer.concat(
      encodeKeyspaceSync(ks, { compression: true, checksum: true }, { usedMemory: 1000 }),
    );
    expect(file.subarray(0, 9).toString()).toBe('REDIS0010');
    const body = file.subarray(0, file.length - 8);
    expect(file.subarray(file.length - 8)).toEqual(crc64(body));
    expect(body[body.length - 1]).toBe(0xff);
    const db0 = Buffer.from('fe00fb0100' + '00' + '016b' + '0176', 'hex');
    expect(body.indexOf(db0)).toBeGreaterThan(0);
    const expiry = Buffer.alloc(8);
    expiry.writeBigInt64LE(2n ** 60n + 1n);
    const db3 = Buffer.concat([
      Buffer.from('fe03fb0101fc', 'hex'),
      expiry,
      Buffer.from('00016ec007ff', 'hex'),
    ]);
    expect(body.subarray(body.length - db3.length)).toEqual(db3);
    for (const aux of ['redis-ver', '7.0.15', 'redis-bits', 'ctime', 'used-mem', 'aof-base'])
      expect(body.indexOf(aux)).toBeGreaterThan(0);
    expect(body.indexOf('repl-id')).toBe(-1);

    const noCrc = Buffer.concat(
      encodeKeyspaceSync(
        ks,
        { compression: false, checksum: false },
        { usedMemory: 1, replId: 'a'.repeat(40), replOffset: 5, replStreamDb: 0 },
      ),
    );
    expect(noCrc.subarray(noCrc.length - 8)).toEqual(Buffer.alloc(8));
    expect(noCrc.indexOf('repl-id')).toBeGreaterThan(0);
  });

  it('streams the same bytes through one reused chunk as it collects', () => {
    const ks = new Keyspace(16, noopEvents);
    const db = ks.databases[2]!;
    for (let i = 0; i < 3000; i++) db.set(`k${i}`, Buffer.from(`${i}`.repeat(1 + (i % 40))));
    db.set('big', Buffer.alloc(100_000, 'x'));
    // Incompressible, so the file spans several 64 KB chunks.
    const noise = Buffer.alloc(200_000);
    for (let i = 0, x = 1; i < noise.length; i++)
      noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    db.set('noise', noise);
    const hash = new RedisHash();
    for (let i = 0; i < 20; i++) hash.set(`f${i}`, Buffer.from(`value-${i}`.repeat(i)));
    db.set('hash', hash);
    const zset = new RedisZSet();
    for (let i = 0; i < 50; i++) zset.insert(Buffer.from(`m${i}`), i / 7);
    db.set('zset', zset);
    const list = new RedisList(Array.from({ length: 2000 }, (_, i) => Buffer.from(`e${i}`)));
    db.set('list', list);
    const options = { compression: true, checksum: true };
    const aux = { usedMemory: 5 };
    const streamed: Buffer[] = [];
    let emits = 0;
    writeKeyspaceSync(
      ks,
      options,
      aux,
      (chunk) => {
        emits++;
        streamed.push(Buffer.from(chunk));
      },
      true,
    );
    const collected = Buffer.concat(encodeKeyspaceSync(ks, options, aux));
    // ctime may tick between the two: compare around it, CRC aside.
    const streamedFile = Buffer.concat(streamed);
    expect(streamedFile.length).toBe(collected.length);
    const ctime = collected.indexOf('ctime') + 6;
    expect(streamedFile.subarray(ctime + 12, -8)).toEqual(collected.subarray(ctime + 12, -8));
    expect(emits).toBeGreaterThan(2);
  });

  it('hands big payloads over as their own chunks', () => {
    const ks = new Keyspace(16, noopEvents);
    for (let i = 0; i < 200; i++) ks.databases[0]!.set(`k${i}`, Buffer.alloc(2000, i));
    const chunks = encodeKeyspaceSync(
      ks,
      { compression: false, checksum: true },
      { usedMemory: 0 },
    );
    expect(chunks.length).toBeGreaterThan(4);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(64 * 1024);
  });
});
