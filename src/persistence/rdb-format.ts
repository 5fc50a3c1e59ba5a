/**
 * The numbers of Redis's RDB file format (rdb.h in Redis 7.0), shared by the
 * reader and the writer. A file is: the magic "REDIS" and a 4-digit version,
 * aux fields, then per database a SELECTDB and RESIZEDB followed by key
 * records (optional EXPIRETIME_MS, a type byte, the key, the value), then EOF
 * and, from version 5 on, an 8-byte little-endian CRC-64 of everything before
 * it (zero when the writer ran with rdbchecksum off).
 */

/** The version Redis 7.0 writes and the newest one it (and we) can read. */
export const RDB_VERSION = 10;
export const RDB_MAGIC = 'REDIS';

/** Value types: the byte before a key record. */
export const RdbType = {
  String: 0,
  List: 1,
  Set: 2,
  Zset: 3,
  Hash: 4,
  /** Sorted set with binary (IEEE 754) scores instead of text ones. */
  Zset2: 5,
  Module: 6,
  Module2: 7,
  HashZipmap: 9,
  ListZiplist: 10,
  SetIntset: 11,
  ZsetZiplist: 12,
  HashZiplist: 13,
  /** Quicklist of ziplist nodes (Redis 3.2–6.2). */
  ListQuicklist: 14,
  StreamListpacks: 15,
  HashListpack: 16,
  ZsetListpack: 17,
  /** Quicklist of listpack or plain nodes (Redis 7.0). */
  ListQuicklist2: 18,
  StreamListpacks2: 19,
} as const;

/** Opcodes that may appear where a type byte is expected. */
export const RdbOpcode = {
  Function2: 245,
  /** The pre-release 7.0 function format; Redis 7.0 itself refuses it. */
  Function: 246,
  ModuleAux: 247,
  Idle: 248,
  Freq: 249,
  Aux: 250,
  ResizeDb: 251,
  ExpireTimeMs: 252,
  ExpireTime: 253,
  SelectDb: 254,
  Eof: 255,
} as const;

/**
 * Length encoding: the top two bits of the first byte. 00 = 6-bit length,
 * 01 = 14-bit (big endian across two bytes), 10 = 0x80 then 32-bit big endian
 * or 0x81 then 64-bit big endian, 11 = a special string encoding whose kind is
 * in the low six bits (RdbEncoding).
 */
export const RdbLength = {
  Bits6: 0,
  Bits14: 1,
  Bits32: 0x80,
  Bits64: 0x81,
  EncodedValue: 3,
} as const;

/** Special string encodings (after a length byte with top bits 11). */
export const RdbEncoding = {
  Int8: 0,
  Int16: 1,
  Int32: 2,
  Lzf: 3,
} as const;

/** Quicklist v2 node containers. */
export const QuicklistContainer = {
  Plain: 1,
  Packed: 2,
} as const;

/**
 * A file (or DUMP payload) that does not follow the format. `offset` is the
 * byte position where the problem was found, for the log line that names it;
 * -1 when a codec reports it and the reader has not placed it yet.
 */
export class RdbFormatError extends Error {
  constructor(
    message: string,
    public offset = -1,
  ) {
    super(message);
    this.name = 'RdbFormatError';
  }
}
