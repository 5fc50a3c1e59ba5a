import type { Entry } from '../store/database.js';
import { exactExpireAt } from '../store/database.js';
import type { RedisHash } from '../store/hash.js';
import type { Keyspace } from '../store/keyspace.js';
import type { RedisList } from '../store/list.js';
import type { RedisSet } from '../store/set.js';
import { formatScore, type RedisZSet } from '../store/zset.js';
import { isString, type StoredValue } from '../store/values.js';
import { Crc64 } from './crc64.js';
import { encodeIntset } from './intset.js';
import { ListpackBuilder } from './listpack.js';
import { lzfCompressInto, lzfScratch } from './lzf.js';
import {
  QuicklistContainer,
  RDB_MAGIC,
  RDB_VERSION,
  RdbEncoding,
  RdbLength,
  RdbOpcode,
  RdbType,
} from './rdb-format.js';

/**
 * The RDB writer: the bytes Redis 7.0's rdbSaveRio would produce for our
 * dataset, given the encoding each value reports (value.encoding()). Output
 * goes through RdbOutput, which packs small writes into ~64 KB chunks and hands
 * big payloads over without copying, so a large dataset never becomes one
 * giant Buffer.
 */

export interface RdbWriteOptions {
  compression: boolean;
  checksum: boolean;
}

export interface RdbAuxInfo {
  usedMemory: number;
  replId?: string;
  replOffset?: number;
  replStreamDb?: number;
}

/** The version string the aux field announces (the Redis we are compatible with). */
export const RDB_REDIS_VERSION = '7.0.15';

const CHUNK_SIZE = 64 * 1024;
/** For single values (DUMP, copy-on-write records): most are small. */
export const SMALL_CHUNK_SIZE = 4096;
/** Payloads at least this big are emitted as their own chunk instead of copied. */
const DIRECT_WRITE = 16 * 1024;
/** quicklist's SIZE_SAFETY_LIMIT: list-max-listpack-size -2 means 8 KB nodes. */
const QUICKLIST_NODE_BYTES = 8192;
const ENTRY_OVERHEAD_ESTIMATE = 8;
/** quicklist's packed_threshold: an element this big gets a plain node of its own. */
const PLAIN_NODE_THRESHOLD = 1 << 30;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Byte sink for the encoder: accumulates into fixed chunks and passes each
 * full chunk to `emit`. The CRC, when there is one, covers exactly the bytes
 * emitted, in order.
 */
export class RdbOutput {
  private chunk: Buffer;
  private pos = 0;
  private readonly direct: number;
  /** Bytes emitted or buffered so far. */
  bytes = 0;

  /**
   * `chunkSize` is smaller for one-off values (DUMP) than for whole files.
   * `reuse`: `emit` is done with a chunk when it returns (a synchronous
   * file write), so the same buffer is filled again instead of a new one.
   */
  constructor(
    private readonly emit: (chunk: Buffer) => void,
    private readonly crc: Crc64 | null = null,
    private readonly chunkSize = CHUNK_SIZE,
    private readonly reuse = false,
  ) {
    this.chunk = Buffer.allocUnsafe(chunkSize);
    this.direct = Math.min(DIRECT_WRITE, chunkSize);
  }

  byte(value: number): void {
    if (this.pos === this.chunkSize) this.flush();
    this.chunk[this.pos++] = value;
    this.bytes++;
  }

  raw(data: Buffer): void {
    const n = data.length;
    if (n >= this.direct) {
      this.flush();
      this.bytes += n;
      this.deliver(data);
      return;
    }
    if (this.pos + n > this.chunkSize) this.flush();
    data.copy(this.chunk, this.pos);
    this.pos += n;
    this.bytes += n;
  }

  /** rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit big-endian length. */
  length(len: number): void {
    if (len < 64) {
      this.byte((RdbLength.Bits6 << 6) | len);
    } else if (len < 16384) {
      this.byte((RdbLength.Bits14 << 6) | (len >>> 8));
      this.byte(len & 0xff);
    } else if (len <= 0xffffffff) {
      const b = Buffer.allocUnsafe(5);
      b[0] = RdbLength.Bits32;
      b.writeUInt32BE(len, 1);
      this.raw(b);
    } else {
      const b = Buffer.allocUnsafe(9);
      b[0] = RdbLength.Bits64;
      b.writeBigUInt64BE(BigInt(len), 1);
      this.raw(b);
    }
  }

  /**
   * Copies bytes [start, end) of `data` in, across chunks if need be: for
   * bytes that are only valid until the next call (scratch buffers), which
   * `raw` might hand over as they are.
   */
  copyIn(data: Buffer, start: number, end: number): void {
    this.bytes += end - start;
    while (start < end) {
      if (this.pos === this.chunkSize) this.flush();
      const n = Math.min(end - start, this.chunkSize - this.pos);
      data.copy(this.chunk, this.pos, start, start + n);
      this.pos += n;
      start += n;
    }
  }

  /**
   * rdbSaveRawString: a short canonical integer as an int encoding, else LZF
   * when enabled, longer than 20 bytes and actually smaller, else length +
   * bytes. `transient`: `data` will be overwritten after the call (a reused
   * builder's buffer), so it is always copied.
   */
  string(data: Buffer, compression: boolean, transient = false): void {
    const len = data.length;
    if (len <= 11) {
      const int = int32Value(data);
      if (int !== null) {
        this.integer(int);
        return;
      }
    }
    if (compression && len > 20) {
      // rdbSaveLzfStringObject only keeps the result when it saves 4+ bytes.
      const packed = lzfCompressInto(data, len - 4);
      if (packed > 0) {
        this.byte((RdbLength.EncodedValue << 6) | RdbEncoding.Lzf);
        this.length(packed);
        this.length(len);
        this.copyIn(lzfScratch(), 0, packed);
        return;
      }
    }
    this.length(len);
    if (transient) this.copyIn(data, 0, len);
    else this.raw(data);
  }

  /** rdbEncodeInteger for a value known to fit in int32, written in place. */
  private integer(value: number): void {
    if (this.pos + 5 > this.chunkSize) this.flush();
    const chunk = this.chunk;
    const at = this.pos;
    const enc = RdbLength.EncodedValue << 6;
    let n: number;
    if (value >= -128 && value <= 127) {
      chunk[at] = enc | RdbEncoding.Int8;
      chunk.writeInt8(value, at + 1);
      n = 2;
    } else if (value >= -32768 && value <= 32767) {
      chunk[at] = enc | RdbEncoding.Int16;
      chunk.writeInt16LE(value, at + 1);
      n = 3;
    } else {
      chunk[at] = enc | RdbEncoding.Int32;
      chunk.writeInt32LE(value, at + 1);
      n = 5;
    }
    this.pos += n;
    this.bytes += n;
  }

  /**
   * `string` for a latin1 key, field or member without first copying it into
   * a Buffer: the common short, non-numeric, not-worth-compressing text is
   * written straight into the chunk.
   */
  latin1String(text: string, compression: boolean): void {
    const len = text.length;
    const first = len > 0 ? text.charCodeAt(0) : 0;
    const mayBeInteger = len <= 11 && (first === 45 || (first >= 48 && first <= 57));
    if (len >= 64 || mayBeInteger || (compression && len > 20)) {
      this.string(Buffer.from(text, 'latin1'), compression);
      return;
    }
    if (this.pos + 1 + len > this.chunkSize) this.flush();
    this.chunk[this.pos++] = len;
    this.chunk.write(text, this.pos, len, 'latin1');
    this.pos += len;
    this.bytes += 1 + len;
  }

  /** Emits the partial chunk (end of file, or before a direct write). */
  flush(): void {
    if (this.pos === 0) return;
    let out: Buffer;
    if (this.reuse) {
      out = this.chunk.subarray(0, this.pos);
    } else if (this.pos === this.chunkSize) {
      // A full chunk is handed over as is; a partial one is copied so the
      // big buffer can be reused.
      out = this.chunk;
      this.chunk = Buffer.allocUnsafe(this.chunkSize);
    } else {
      out = Buffer.from(this.chunk.subarray(0, this.pos));
    }
    this.pos = 0;
    this.deliver(out);
  }

  private deliver(data: Buffer): void {
    this.crc?.update(data);
    this.emit(data);
  }
}

/**
 * rdbTryIntegerEncoding: the string is the canonical decimal form of an
 * integer (no sign '+', no leading zeros, "-0" excluded) fitting in int32;
 * returns its encoding, else null.
 */
export function integerEncoding(data: Buffer): Buffer | null {
  const value = int32Value(data);
  if (value === null) return null;
  const chunks: Buffer[] = [];
  const out = new RdbOutput((chunk) => chunks.push(chunk), null, 16);
  out.string(data, false);
  out.flush();
  return chunks[0]!;
}

/** The value of `data` when rdbTryIntegerEncoding would int-encode it, else null. */
function int32Value(data: Buffer): number | null {
  const len = data.length;
  if (len === 0 || len > 11) return null;
  let i = 0;
  const negative = data[0] === 0x2d;
  if (negative) i = 1;
  if (i === len) return null;
  // Leading zero only allowed for "0" itself.
  if (data[i] === 0x30 && len - i > 1) return null;
  if (negative && data[i] === 0x30) return null;
  let value = 0;
  for (; i < len; i++) {
    const c = data[i]! - 0x30;
    if (c < 0 || c > 9) return null;
    value = value * 10 + c;
  }
  if (negative) value = -value;
  if (value < INT32_MIN || value > INT32_MAX) return null;
  return value;
}

/** The RDB type byte Redis 7.0 writes for a value in its current encoding. */
export function rdbTypeOf(value: StoredValue): number {
  if (isString(value)) return RdbType.String;
  switch (value.type) {
    case 'list':
      return RdbType.ListQuicklist2;
    case 'hash':
      return value.encoding() === 'listpack' ? RdbType.HashListpack : RdbType.Hash;
    case 'set':
      return value.encoding() === 'intset' ? RdbType.SetIntset : RdbType.Set;
    case 'zset':
      return value.encoding() === 'listpack' ? RdbType.ZsetListpack : RdbType.Zset2;
  }
}

/**
 * How many elements of a collection are encoded between two pauses of a
 * ValueEncoder: small enough that a pause comes every ~0.1 ms, big enough
 * that the generator's cost disappears.
 */
const STEP_ELEMENTS = 256;

/**
 * A value's payload encoded a bounded amount at a time: each `next()` writes
 * up to STEP_ELEMENTS elements. A background save drives it across event
 * loop slices so one huge collection cannot stall the server; SAVE simply
 * runs it to the end. Between two steps the value must not change: the
 * snapshot finishes a running encoder before letting a write touch its key.
 */
export type ValueEncoder = Generator<void, void, void>;

/**
 * The payload that follows the key in a key record (rdbSaveObject). The
 * compact encodings, most values of a typical dataset, are written straight
 * away; only big collections go through the resumable generator, whose
 * per-value cost showed in SAVE profiles.
 */
export function writeValue(out: RdbOutput, value: StoredValue, compression: boolean): void {
  if (isString(value)) {
    out.string(value, compression);
    return;
  }
  switch (value.type) {
    case 'hash':
      if (value.encoding() === 'listpack') {
        writeListpackHash(out, value as RedisHash, compression);
        return;
      }
      break;
    case 'set':
      if (value.encoding() === 'intset') {
        writeIntset(out, value as RedisSet, compression);
        return;
      }
      break;
    case 'zset':
      if (value.encoding() === 'listpack') {
        writeListpackZset(out, value as RedisZSet, compression);
        return;
      }
      break;
    case 'list':
      if (value.size <= STEP_ELEMENTS) {
        const nodes = new QuicklistNodes();
        const list = value as RedisList;
        for (let i = 0; i < list.size; i++) nodes.add(list.at(i));
        nodes.write(out, compression);
        return;
      }
      break;
  }
  const steps = valueEncoder(out, value, compression);
  while (steps.next().done !== true) {
    // Run to the end: nothing can change the value meanwhile.
  }
}

/** The resumable form of writeValue for collections. */
export function* valueEncoder(
  out: RdbOutput,
  value: StoredValue,
  compression: boolean,
): ValueEncoder {
  if (isString(value)) {
    out.string(value, compression);
    return;
  }
  switch (value.type) {
    case 'list':
      yield* listEncoder(out, value as RedisList, compression);
      return;
    case 'hash':
      yield* hashEncoder(out, value as RedisHash, compression);
      return;
    case 'set':
      yield* setEncoder(out, value as RedisSet, compression);
      return;
    case 'zset':
      yield* zsetEncoder(out, value as RedisZSet, compression);
      return;
  }
}

/**
 * A quicklist as a list of nodes filled the way RPUSH fills them with
 * list-max-listpack-size -2: a node takes an element while its estimated
 * size stays within 8 KB; a 1 GB+ element becomes a plain node. The node count
 * comes first in the format, so the nodes are built before any is written.
 */
class QuicklistNodes {
  readonly nodes: Array<{ plain: boolean; data: Buffer }> = [];
  private builder = new ListpackBuilder();

  add(element: Buffer): void {
    const sz = element.length;
    if (sz >= PLAIN_NODE_THRESHOLD) {
      if (this.builder.count > 0) this.nodes.push({ plain: false, data: this.builder.finish() });
      this.builder = new ListpackBuilder();
      this.nodes.push({ plain: true, data: element });
      return;
    }
    // _quicklistNodeAllowInsert in 7.0: the node's bytes, the element and a
    // flat 8-byte overestimate of its entry overhead must fit in 8 KB.
    if (this.builder.count > 0) {
      if (this.builder.byteLength + sz + ENTRY_OVERHEAD_ESTIMATE > QUICKLIST_NODE_BYTES) {
        this.nodes.push({ plain: false, data: this.builder.finish() });
        this.builder.reset();
      }
    }
    this.builder.append(element);
  }

  /** Closes the last node; returns the node count. */
  close(): number {
    if (this.builder.count > 0) {
      this.nodes.push({ plain: false, data: this.builder.finish() });
      this.builder.reset();
    }
    return this.nodes.length;
  }

  /** All nodes at once (small lists). */
  write(out: RdbOutput, compression: boolean): void {
    out.length(this.close());
    for (const node of this.nodes) this.writeNode(out, node, compression);
  }

  writeNode(out: RdbOutput, node: { plain: boolean; data: Buffer }, compression: boolean): void {
    out.length(node.plain ? QuicklistContainer.Plain : QuicklistContainer.Packed);
    out.string(node.data, compression);
  }
}

function* listEncoder(out: RdbOutput, list: RedisList, compression: boolean): ValueEncoder {
  const nodes = new QuicklistNodes();
  const n = list.size;
  for (let i = 0; i < n; i++) {
    nodes.add(list.at(i));
    if ((i + 1) % STEP_ELEMENTS === 0) yield;
  }
  out.length(nodes.close());
  for (let i = 0; i < nodes.nodes.length; i++) {
    nodes.writeNode(out, nodes.nodes[i]!, compression);
    // A node holds up to 8 KB (LZF runs over each): a few per step.
    if ((i + 1) % 8 === 0) yield;
  }
}

/**
 * The builder small hashes and sorted sets are packed with, reused: its
 * buffer goes to the output as a transient view (see RdbOutput.string), so a
 * save allocates nothing per small value.
 */
const packer = new ListpackBuilder();

function writeListpackHash(out: RdbOutput, hash: RedisHash, compression: boolean): void {
  packer.reset();
  for (const [field, value] of hash.fields.entries()) {
    packer.appendLatin1(field);
    packer.append(value);
  }
  out.string(packer.finishedView(), compression, true);
}

function writeListpackZset(out: RdbOutput, zset: RedisZSet, compression: boolean): void {
  packer.reset();
  for (const node of zset.nodes()) {
    packer.append(node.member);
    const score = node.score;
    // An integral score prints as an integer, which the listpack stores as one.
    if (Number.isSafeInteger(score) && !Object.is(score, -0)) packer.appendInteger(score);
    else packer.appendLatin1(formatScore(score));
  }
  out.string(packer.finishedView(), compression, true);
}

function writeIntset(out: RdbOutput, set: RedisSet, compression: boolean): void {
  const values: bigint[] = [];
  for (const member of set.members.keys()) values.push(BigInt(member));
  values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  out.string(encodeIntset(values), compression);
}

function* hashEncoder(out: RdbOutput, hash: RedisHash, compression: boolean): ValueEncoder {
  if (hash.encoding() === 'listpack') {
    writeListpackHash(out, hash, compression);
    return;
  }
  out.length(hash.size);
  let n = 0;
  for (const [field, value] of hash.fields.entries()) {
    out.latin1String(field, compression);
    out.string(value, compression);
    if (++n % STEP_ELEMENTS === 0) yield;
  }
}

function* setEncoder(out: RdbOutput, set: RedisSet, compression: boolean): ValueEncoder {
  if (set.encoding() === 'intset') {
    writeIntset(out, set, compression);
    return;
  }
  out.length(set.size);
  let n = 0;
  for (const member of set.members.keys()) {
    out.latin1String(member, compression);
    if (++n % STEP_ELEMENTS === 0) yield;
  }
}

function* zsetEncoder(out: RdbOutput, zset: RedisZSet, compression: boolean): ValueEncoder {
  if (zset.encoding() === 'listpack') {
    writeListpackZset(out, zset, compression);
    return;
  }
  out.length(zset.size);
  // Highest score first, as Redis walks its skiplist from the tail: the
  // loader then inserts every member at the head in O(1).
  const score = Buffer.allocUnsafe(8);
  let n = 0;
  for (let node = zset.last(); node !== null; node = zset.prev(node)) {
    out.string(node.member, compression);
    score.writeDoubleLE(node.score, 0);
    out.raw(score);
    if (++n % STEP_ELEMENTS === 0) yield;
  }
}

/** One key record: optional EXPIRETIME_MS, type byte, key, value (rdbSaveKeyValuePair). */
export function writeRecord(out: RdbOutput, key: string, entry: Entry, compression: boolean): void {
  writeRecordHeader(out, key, entry, compression);
  writeValue(out, entry.value, compression);
}

/** A key record up to its value: EXPIRETIME_MS when the key has a TTL, the type byte, the key. */
export function writeRecordHeader(
  out: RdbOutput,
  key: string,
  entry: Entry,
  compression: boolean,
): void {
  if (entry.expireAt !== 0) {
    const expiry = Buffer.allocUnsafe(9);
    expiry[0] = RdbOpcode.ExpireTimeMs;
    expiry.writeBigInt64LE(exactExpireAt(entry), 1);
    out.raw(expiry);
  }
  out.byte(rdbTypeOf(entry.value));
  out.latin1String(key, compression);
}

/** Type byte plus payload of one value, as it follows the key in a key record (also DUMP and DEBUG OBJECT serializedlength). */
export function encodeValue(
  value: StoredValue,
  compression: boolean,
): { type: number; payload: Buffer } {
  const chunks: Buffer[] = [];
  const out = new RdbOutput((chunk) => chunks.push(chunk), null, SMALL_CHUNK_SIZE);
  writeValue(out, value, compression);
  out.flush();
  return {
    type: rdbTypeOf(value),
    payload: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
  };
}

function writeAux(out: RdbOutput, field: string, value: string, compression: boolean): void {
  out.byte(RdbOpcode.Aux);
  out.string(Buffer.from(field, 'latin1'), compression);
  out.string(Buffer.from(value, 'latin1'), compression);
}

/** Magic, version and the aux fields of rdbSaveInfoAuxFields, in Redis's order. */
export function writeHeader(out: RdbOutput, options: RdbWriteOptions, aux: RdbAuxInfo): void {
  out.raw(Buffer.from(RDB_MAGIC + String(RDB_VERSION).padStart(4, '0'), 'latin1'));
  const c = options.compression;
  writeAux(out, 'redis-ver', RDB_REDIS_VERSION, c);
  writeAux(out, 'redis-bits', '64', c);
  writeAux(out, 'ctime', String(Math.floor(Date.now() / 1000)), c);
  writeAux(out, 'used-mem', String(Math.floor(aux.usedMemory)), c);
  if (aux.replId !== undefined) {
    writeAux(out, 'repl-stream-db', String(aux.replStreamDb ?? 0), c);
    writeAux(out, 'repl-id', aux.replId, c);
    writeAux(out, 'repl-offset', String(aux.replOffset ?? 0), c);
  }
  writeAux(out, 'aof-base', '0', c);
}

/** SELECTDB and RESIZEDB opening a database's section. */
export function writeDbHeader(out: RdbOutput, id: number, size: number, expires: number): void {
  out.byte(RdbOpcode.SelectDb);
  out.length(id);
  out.byte(RdbOpcode.ResizeDb);
  out.length(size);
  out.length(expires);
}

/**
 * EOF then the checksum: the CRC-64 of every byte before it, or 8 zero bytes
 * when checksums are off (loaders then skip the check). Flushes `out`.
 */
export function writeTrailer(out: RdbOutput, crc: Crc64 | null): void {
  out.byte(RdbOpcode.Eof);
  out.flush();
  out.raw(crc === null ? Buffer.alloc(8) : crc.bytes());
  out.flush();
}

/** Writes the whole keyspace at once (SAVE, SHUTDOWN, DEBUG RELOAD): blocking, like Redis's SAVE. */
export function encodeKeyspaceSync(
  keyspace: Keyspace,
  options: RdbWriteOptions,
  aux: RdbAuxInfo,
): Buffer[] {
  const chunks: Buffer[] = [];
  writeKeyspaceSync(keyspace, options, aux, (chunk) => chunks.push(chunk), false);
  return chunks;
}

/**
 * encodeKeyspaceSync handing the file to `emit` chunk by chunk as it is
 * encoded. With `reuse` (emit is done with a chunk when it returns, e.g. a
 * synchronous write to the file) one 64 KB buffer serves the whole save:
 * collecting the chunks instead means tens of MB of fresh buffers, whose
 * external-memory growth makes V8 run full collections of the dataset's
 * heap during the save.
 */
export function writeKeyspaceSync(
  keyspace: Keyspace,
  options: RdbWriteOptions,
  aux: RdbAuxInfo,
  emit: (chunk: Buffer) => void,
  reuse: boolean,
): void {
  const crc = options.checksum ? new Crc64() : null;
  const out = new RdbOutput(emit, crc, CHUNK_SIZE, reuse);
  writeHeader(out, options, aux);
  for (const db of keyspace.databases) {
    if (db.size === 0) continue;
    writeDbHeader(out, db.id, db.size, db.expiresCount);
    for (const [key, entry] of db.dict) writeRecord(out, key, entry, options.compression);
  }
  writeTrailer(out, crc);
}
