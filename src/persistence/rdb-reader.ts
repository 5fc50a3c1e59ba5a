import { RedisHash } from '../store/hash.js';
import { encodingLimits } from '../store/encoding-limits.js';
import { RedisList } from '../store/list.js';
import { RedisSet, SlottedMap } from '../store/set.js';
import type { StoredValue } from '../store/values.js';
import { RedisZSet } from '../store/zset.js';
import { Crc64 } from './crc64.js';
import { decodeIntset } from './intset.js';
import { decodeListpack } from './listpack.js';
import { lzfDecompress } from './lzf.js';
import {
  QuicklistContainer,
  RDB_MAGIC,
  RDB_VERSION,
  RdbEncoding,
  RdbFormatError,
  RdbOpcode,
  RdbType,
} from './rdb-format.js';
import { decodeZiplist, decodeZipmap } from './ziplist.js';

/**
 * Reads RDB files of versions 1 to 10 (everything Redis 7.0 loads) into the
 * store's value types, record by record, so a large file can be loaded in
 * slices between event-loop turns (see RdbReader.run).
 *
 * Values are built the way rdbLoadObject leaves them, so OBJECT ENCODING
 * after a load answers what Redis 7.0 answers for the same file: packed
 * encodings of older versions are converted, and each type applies Redis's
 * own after-load conversion rule (documented on the loader of each type).
 * Empty collections are skipped and counted, as Redis does.
 *
 * Streams, modules and functions are refused with a message that names them:
 * resplica implements none of them.
 */

/** The first checksummed version (older files end right after EOF). */
const FIRST_CHECKSUM_VERSION = 5;
/** How many records run() parses between two looks at the clock. */
const RECORDS_PER_CLOCK_CHECK = 8;
/** Bytes parsed between two CRC updates. */
const CRC_STRIDE = 64 * 1024;

const EOF_MESSAGE = 'Unexpected EOF reading RDB file';
/** Input copied at once for small values to be views of (see Cursor.copy). */
const SLAB_SIZE = 32 * 1024;
/** Values longer than this get a Buffer of their own. */
const SLAB_VALUE_MAX = 4096;

const EMPTY = Buffer.alloc(0);

export interface RdbRecordHandler {
  aux(field: string, value: Buffer): void;
  /** The RESIZEDB hint. */
  resizeDb?(db: number, size: number, expires: number): void;
  /** expireAt: absolute ms since the epoch, 0 when the key has none. */
  key(db: number, key: Buffer, value: StoredValue, expireAt: number): void;
}

/**
 * The bytes ran out before the record did. Still an RdbFormatError with
 * Redis's EOF text (what a truncated file reports); the incremental reader
 * catches it instead, to wait for more bytes. `needEnd` is the position the
 * failed read wanted to reach (a lower bound for the whole record).
 *
 * Created without a stack trace: a stream in small chunks runs short tens of
 * thousands of times, and capturing the stack was a tenth of the load's
 * time; the message and offset say all there is to say.
 */
class ShortInput extends RdbFormatError {
  readonly needEnd: number;

  constructor(offset: number, needEnd: number) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(EOF_MESSAGE, offset);
    Error.stackTraceLimit = limit;
    this.needEnd = needEnd;
  }
}

/**
 * A read position in the bytes at hand (the whole file, or the buffered part
 * of a stream); every read checks the bounds first.
 */
class Cursor {
  /** The current slab (see copy): input position of its first byte, end of the bytes copied in. */
  private slab: Buffer = EMPTY;
  /** Before the first slab: a range no position reaches. */
  private slabStart = -SLAB_SIZE - 1;
  private slabFilled = -SLAB_SIZE - 1;

  constructor(
    public data: Buffer,
    public pos: number,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.data.length) throw new ShortInput(this.pos, this.pos + n);
  }

  byte(): number {
    this.need(1);
    return this.data[this.pos++]!;
  }

  /** A view of the next n bytes (callers copy what they keep). */
  view(n: number): Buffer {
    this.need(n);
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * The next n bytes as a private Buffer, so stored values never pin the
   * input. Small ones are views of a slab: SLAB_SIZE bytes of the input
   * copied at once, one memcpy and one ArrayBuffer per slab instead of an
   * allocation and a copy per value (a view costs about half of
   * allocUnsafe + copy for 50-byte values). A slab stays alive while any value in it does,
   * like the 8 KB pool Buffer.allocUnsafe carves from, only coarser.
   */
  copy(n: number): Buffer {
    this.need(n);
    const pos = this.pos;
    this.pos += n;
    if (n > SLAB_VALUE_MAX) {
      const out = Buffer.allocUnsafe(n);
      this.data.copy(out, 0, pos, pos + n);
      return out;
    }
    if (pos < this.slabStart || pos + n > this.slabStart + SLAB_SIZE) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.slabStart = pos;
      this.slabFilled = pos;
    }
    if (pos + n > this.slabFilled) {
      // Copy what the input has of the slab's range: all of it for a whole
      // file, what has arrived so far for a stream (topped up later; views
      // already handed out cover only bytes copied before).
      // A stream's rebuilt buffer may have dropped bytes of the slab's range
      // that were never copied (they were not values): nothing will ask for
      // them again, so the copy starts at the buffer's first byte.
      const from = Math.max(this.slabFilled, 0);
      const end = Math.min(this.data.length, this.slabStart + SLAB_SIZE);
      this.data.copy(this.slab, from - this.slabStart, from, end);
      this.slabFilled = end;
    }
    const at = pos - this.slabStart;
    return this.slab.subarray(at, at + n);
  }

  /** The input lost its first `consumed` bytes (a stream's buffer was rebuilt): positions move. */
  shift(consumed: number): void {
    this.pos -= consumed;
    this.slabStart -= consumed;
    this.slabFilled -= consumed;
  }

  /**
   * A length (rdbLoadLen). Returns -1 - kind for the special string
   * encodings (top bits 11), which only strings accept.
   */
  lengthOrEncoding(): number {
    const start = this.pos;
    const b = this.byte();
    switch (b >>> 6) {
      case 0:
        return b & 0x3f;
      case 1:
        return ((b & 0x3f) << 8) | this.byte();
      case 2:
        if (b === 0x80) {
          this.need(4);
          const v = this.data.readUInt32BE(this.pos);
          this.pos += 4;
          return v;
        }
        if (b === 0x81) {
          this.need(8);
          const v = this.data.readBigUInt64BE(this.pos);
          this.pos += 8;
          // Beyond 2^53 no buffer could hold it: the bounds checks reject it.
          return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
        }
        throw new RdbFormatError(`Unknown length encoding ${b} in rdbLoadLen()`, start);
      default:
        return -1 - (b & 0x3f);
    }
  }

  /** A length where an encoded value would make no sense; Redis takes its 6 bits as the length. */
  length(): number {
    const n = this.lengthOrEncoding();
    return n >= 0 ? n : -1 - n;
  }

  /**
   * A string that the caller only reads before the next call (a key, which
   * becomes a JS string at once): a raw string is a view of the file, not a
   * copy.
   */
  transientString(): Buffer {
    const n = this.lengthOrEncoding();
    if (n >= 0) return this.view(n);
    this.pos--;
    return this.string();
  }

  /** A string in any of its encodings (rdbGenericLoadStringObject), as a private Buffer. */
  string(): Buffer {
    const start = this.pos;
    const n = this.lengthOrEncoding();
    if (n >= 0) return this.copy(n);
    const kind = -1 - n;
    switch (kind) {
      case RdbEncoding.Int8: {
        this.need(1);
        const v = this.data.readInt8(this.pos);
        this.pos += 1;
        return Buffer.from(String(v), 'latin1');
      }
      case RdbEncoding.Int16: {
        this.need(2);
        const v = this.data.readInt16LE(this.pos);
        this.pos += 2;
        return Buffer.from(String(v), 'latin1');
      }
      case RdbEncoding.Int32: {
        this.need(4);
        const v = this.data.readInt32LE(this.pos);
        this.pos += 4;
        return Buffer.from(String(v), 'latin1');
      }
      case RdbEncoding.Lzf: {
        const compressed = this.length();
        const expanded = this.length();
        const body = this.view(compressed);
        if (expanded === 0) throw new RdbFormatError('Invalid LZF compressed string', start);
        try {
          return lzfDecompress(body, expanded);
        } catch (err) {
          if (err instanceof RdbFormatError) err.offset = start;
          throw err;
        }
      }
      default:
        throw new RdbFormatError(`Unknown RDB string encoding type ${kind}`, start);
    }
  }

  /** A string as a latin1 JS string (set members, hash fields: binary safe). */
  latin1(): string {
    const n = this.lengthOrEncoding();
    if (n >= 0) {
      this.need(n);
      const s = this.data.latin1Slice(this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    this.pos--;
    return this.string().toString('latin1');
  }

  /** A score as text (RDB_TYPE_ZSET): a length byte, with 253/254/255 for nan/inf/-inf. */
  textDouble(): number {
    const start = this.pos;
    const len = this.byte();
    if (len === 253) return NaN;
    if (len === 254) return Infinity;
    if (len === 255) return -Infinity;
    const text = this.view(len).toString('latin1');
    return parseScore(text, start);
  }

  /** A score as a little-endian IEEE 754 double (RDB_TYPE_ZSET_2). */
  binaryDouble(): number {
    this.need(8);
    const v = this.data.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
}

const SCORE_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** strtod's reading of a stored score, including the spellings of infinity it accepts. */
function parseScore(text: string, offset: number): number {
  // Plain numbers first: they are nearly all scores, and need no lowercasing.
  if (SCORE_PATTERN.test(text)) return Number(text);
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity')
    return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan' || lower === '-nan' || lower === '+nan') return NaN;
  throw new RdbFormatError(`Invalid score "${text}" in sorted set`, offset);
}

/** Places a codec's error (offset -1) at the start of the blob it was decoding. */
function decodeAt<T>(offset: number, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof RdbFormatError && err.offset < 0) err.offset = offset;
    throw err;
  }
}

function unsupportedType(type: number): string | null {
  switch (type) {
    case RdbType.Module:
    case RdbType.Module2:
      return `Module data type (RDB type ${type}) is not supported: resplica has no modules`;
    case RdbType.StreamListpacks:
    case RdbType.StreamListpacks2:
      return `Stream keys (RDB type ${type}) are not supported: resplica has no streams`;
    default:
      return null;
  }
}

const LOADABLE_TYPES = new Set<number>([
  RdbType.String,
  RdbType.List,
  RdbType.Set,
  RdbType.Zset,
  RdbType.Hash,
  RdbType.Zset2,
  RdbType.HashZipmap,
  RdbType.ListZiplist,
  RdbType.SetIntset,
  RdbType.ZsetZiplist,
  RdbType.HashZiplist,
  RdbType.ListQuicklist,
  RdbType.HashListpack,
  RdbType.ZsetListpack,
  RdbType.ListQuicklist2,
]);

function isLoadableType(type: number): boolean {
  return LOADABLE_TYPES.has(type);
}

function checkScore(score: number, offset: number): void {
  if (Number.isNaN(score)) throw new RdbFormatError('Zset with NAN score detected', offset);
}

/**
 * A listpack-held hash that rdbLoadObject converts only on its field count
 * (it skips the O(N) length scan): RedisHash.set would also look at lengths,
 * so the fields go straight into the map and the count is checked here.
 */
function packedHash(pairs: Buffer[], offset: number, what: string): RedisHash | null {
  if (pairs.length % 2 !== 0)
    throw new RdbFormatError(`${what} integrity check failed: odd number of elements`, offset);
  if (pairs.length === 0) return null;
  const fields = new SlottedMap<Buffer>();
  for (let i = 0; i < pairs.length; i += 2) {
    if (!fields.set(pairs[i]!.toString('latin1'), pairs[i + 1]!))
      throw new RdbFormatError(`${what} integrity check failed: duplicate fields`, offset);
  }
  const hash = new RedisHash(fields);
  if (hash.size > encodingLimits.hashMaxListpackEntries) hash.markHashtable();
  return hash;
}

/** Same for sorted sets: only the member count decides (zsetConvert to skiplist). */
function packedZset(pairs: Buffer[], offset: number, what: string): RedisZSet | null {
  if (pairs.length % 2 !== 0)
    throw new RdbFormatError(`${what} integrity check failed: odd number of elements`, offset);
  if (pairs.length === 0) return null;
  const zset = new RedisZSet(false);
  for (let i = 0; i < pairs.length; i += 2) {
    const member = pairs[i]!;
    const key = member.latin1Slice(0, member.length);
    if (zset.has(key))
      throw new RdbFormatError(`${what} integrity check failed: duplicate members`, offset);
    const score = parseScore(pairs[i + 1]!.toString('latin1'), offset);
    checkScore(score, offset);
    zset.insert(member, score, key);
  }
  // With a maximum member length of 0 only the count decides.
  zset.settleStoredEncoding(0);
  return zset;
}

/** rdbLoadObject: one value of `type` (type byte already read); null for an empty collection. */
function loadObject(type: number, c: Cursor): StoredValue | null {
  const start = c.pos;
  switch (type) {
    case RdbType.String:
      return c.string();

    case RdbType.List: {
      const n = c.length();
      if (n === 0) return null;
      const items: Buffer[] = [];
      for (let i = 0; i < n; i++) items.push(c.string());
      return new RedisList(items);
    }

    case RdbType.Set: {
      // Redis starts an intset when the count allows it and converts on the
      // first non-integer or past set-max-intset-entries; RedisSet.add
      // tracks exactly that.
      const n = c.length();
      if (n === 0) return null;
      const set = new RedisSet();
      for (let i = 0; i < n; i++) {
        const at = c.pos;
        if (!set.add(c.latin1())) throw new RdbFormatError('Duplicate set members detected', at);
      }
      return set;
    }

    case RdbType.Zset:
    case RdbType.Zset2: {
      // Loaded as a skiplist, then converted to a listpack when it fits
      // (count and longest member within the zset-max-listpack limits).
      const n = c.length();
      if (n === 0) return null;
      const zset = new RedisZSet(false);
      let maxLength = 0;
      for (let i = 0; i < n; i++) {
        const at = c.pos;
        const member = c.string();
        const score = type === RdbType.Zset2 ? c.binaryDouble() : c.textDouble();
        checkScore(score, at);
        const key = member.latin1Slice(0, member.length);
        if (zset.has(key)) throw new RdbFormatError('Duplicate zset fields detected', at);
        if (member.length > maxLength) maxLength = member.length;
        zset.insert(member, score, key);
      }
      zset.settleStoredEncoding(maxLength);
      return zset;
    }

    case RdbType.Hash: {
      // A listpack unless the count, or a field or value length, exceeds
      // the hash-max-listpack limits: RedisHash.set applies the same rules.
      const n = c.length();
      if (n === 0) return null;
      const hash = new RedisHash();
      for (let i = 0; i < n; i++) {
        const at = c.pos;
        const field = c.latin1();
        const value = c.string();
        if (!hash.set(field, value)) throw new RdbFormatError('Duplicate hash fields detected', at);
      }
      return hash;
    }

    case RdbType.ListQuicklist:
    case RdbType.ListQuicklist2: {
      const nodes = c.length();
      if (nodes === 0) return null;
      const items: Buffer[] = [];
      for (let i = 0; i < nodes; i++) {
        let container: number = QuicklistContainer.Packed;
        if (type === RdbType.ListQuicklist2) {
          const at = c.pos;
          container = c.length();
          if (container !== QuicklistContainer.Packed && container !== QuicklistContainer.Plain)
            throw new RdbFormatError('Quicklist integrity check failed.', at);
        }
        const at = c.pos;
        const blob = c.string();
        if (blob.length === 0) throw new RdbFormatError('Empty quicklist node', at);
        if (container === QuicklistContainer.Plain) {
          items.push(blob);
          continue;
        }
        // Empty nodes are skipped silently, as Redis does.
        const elements = decodeAt(at, () =>
          type === RdbType.ListQuicklist2 ? decodeListpack(blob) : decodeZiplist(blob),
        );
        for (const e of elements) items.push(e);
      }
      return items.length === 0 ? null : new RedisList(items);
    }

    case RdbType.HashZipmap:
    case RdbType.ListZiplist:
    case RdbType.SetIntset:
    case RdbType.ZsetZiplist:
    case RdbType.ZsetListpack:
    case RdbType.HashZiplist:
    case RdbType.HashListpack: {
      const blob = c.string();
      return decodeAt(start, () => loadPacked(type, blob, start));
    }

    default: {
      const why = unsupportedType(type);
      throw new RdbFormatError(why ?? `Unknown RDB encoding type ${type}`, start);
    }
  }
}

/** The types stored as one packed blob, converted as rdbLoadObject does. */
function loadPacked(type: number, blob: Buffer, offset: number): StoredValue | null {
  switch (type) {
    case RdbType.HashZipmap: {
      // Converted to a listpack, then to a hashtable past either limit.
      const pairs = decodeZipmap(blob);
      if (pairs.length === 0) return null;
      const hash = new RedisHash();
      for (let i = 0; i < pairs.length; i += 2) {
        if (!hash.set(pairs[i]!.toString('latin1'), pairs[i + 1]!))
          throw new RdbFormatError('Hash zipmap with dup elements', offset);
      }
      return hash;
    }
    case RdbType.ListZiplist: {
      const items = decodeZiplist(blob);
      return items.length === 0 ? null : new RedisList(items);
    }
    case RdbType.SetIntset: {
      // Stays an intset unless it holds more than set-max-intset-entries.
      const values = decodeIntset(blob);
      if (values.length === 0) return null;
      const set = new RedisSet();
      for (let i = 0; i < values.length; i++) set.add(String(values[i]));
      return set;
    }
    case RdbType.ZsetZiplist:
      return packedZset(decodeZiplist(blob), offset, 'Zset ziplist');
    case RdbType.ZsetListpack:
      return packedZset(decodeListpack(blob), offset, 'Zset listpack');
    case RdbType.HashZiplist:
      return packedHash(decodeZiplist(blob), offset, 'Hash ziplist');
    default:
      return packedHash(decodeListpack(blob), offset, 'Hash listpack');
  }
}

/**
 * Runs a parse step, turning anything but an RdbFormatError (a RangeError
 * from a corrupt length the checks missed, say) into one, so callers only
 * ever see format errors from bad input.
 */
function guarded<T>(offset: () => number, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw asFormatError(err, offset());
  }
}

/** Any failure while parsing becomes an RdbFormatError naming the offset. */
function asFormatError(err: unknown, offset: number): RdbFormatError {
  if (err instanceof RdbFormatError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RdbFormatError(`Corrupt RDB data: ${message}`, offset);
}

/** One value in RDB form starting at `offset` (type byte already read): for RESTORE. */
export function decodeValue(
  type: number,
  data: Buffer,
  offset: number,
): { value: StoredValue | null; end: number } {
  const c = new Cursor(data, offset);
  const value = guarded(
    () => c.pos,
    () => loadObject(type, c),
  );
  return { value, end: c.pos };
}

/** A key record, filled in place: one object per reader rather than one per key. */
interface KeyRecord {
  kind: 'key';
  key: Buffer;
  value: StoredValue | null;
  expireAt: number;
}

type ParsedRecord =
  | { kind: 'aux'; field: string; value: Buffer }
  | { kind: 'resize'; size: number; expires: number }
  | KeyRecord
  | { kind: 'other' }
  | { kind: 'eof' };

const OTHER: ParsedRecord = { kind: 'other' };

/** Where a parse step stopped: at EOF, at the deadline, or short of bytes (streaming only). */
type StepResult = 'done' | 'yield' | 'short';

/**
 * The parse state shared by the whole-file and the incremental reader:
 * cursor, CRC, current database, pending expiry. Positions in `cursor` are
 * relative to the bytes at hand; `base` is the file offset of their first
 * byte (always 0 for a whole file).
 */
class RecordParser {
  version = 0;
  readonly cursor: Cursor;
  base = 0;
  /** End of the bytes already fed to the CRC (relative, like cursor.pos). */
  hashed = 0;
  /** Where the record that ran short wanted its bytes to reach (relative). */
  shortNeedEnd = 0;
  done = false;
  skipped = 0;
  private readonly crc = new Crc64();
  private db = 0;
  /** Expiry announced for the next key record (ms), 0 when none. */
  private pendingExpire = 0;
  private readonly keyRecord: KeyRecord = { kind: 'key', key: EMPTY, value: null, expireAt: 0 };

  constructor(
    data: Buffer,
    private readonly verifyChecksum: boolean,
  ) {
    this.cursor = new Cursor(data, 0);
  }

  /**
   * The 9-byte header; throws RdbFormatError on a bad magic or an
   * unsupported version, ShortInput when fewer than 9 bytes are at hand.
   */
  readHeader(): void {
    const data = this.cursor.data;
    if (data.length < 9) throw new ShortInput(data.length, 9);
    if (data.latin1Slice(0, 5) !== RDB_MAGIC)
      throw new RdbFormatError('Wrong signature trying to load DB from file', 0);
    const digits = data.latin1Slice(5, 9);
    const version = /^[0-9]{4}$/.test(digits) ? Number(digits) : NaN;
    if (!(version >= 1 && version <= RDB_VERSION))
      throw new RdbFormatError(
        `Can't handle RDB format version ${Number.isNaN(version) ? digits : version}`,
        5,
      );
    this.version = version;
    this.cursor.pos = 9;
  }

  /**
   * Parses records until the deadline (looked at every few records) or EOF.
   * With `streaming`, a record that runs out of bytes is rewound to its
   * start and 'short' returned (nothing of it reaches the handler);
   * otherwise running out is the truncated-file error.
   */
  step(handler: RdbRecordHandler, deadline: number, streaming: boolean): StepResult {
    if (this.done) return 'done';
    const c = this.cursor;
    let records = 0;
    for (;;) {
      if (++records % RECORDS_PER_CLOCK_CHECK === 0 && performance.now() >= deadline) {
        // Hash what this slice parsed, so the work stays spread over slices.
        this.hashUpTo(c.pos);
        return 'yield';
      }
      const recordStart = c.pos;
      let record: ParsedRecord;
      try {
        record = this.parseRecord();
      } catch (err) {
        if (streaming && err instanceof ShortInput) {
          // A partial record changes no state (see parseRecord), so
          // rewinding the cursor is all it takes to retry it later.
          c.pos = recordStart;
          this.shortNeedEnd = err.needEnd;
          return 'short';
        }
        const error = asFormatError(err, c.pos);
        if (error.offset >= 0) error.offset += this.base;
        throw error;
      }
      switch (record.kind) {
        case 'aux':
          handler.aux(record.field, record.value);
          break;
        case 'resize':
          handler.resizeDb?.(this.db, record.size, record.expires);
          break;
        case 'key': {
          const value = record.value;
          // Let go of the record's references before the handler runs.
          record.value = null;
          if (value === null) this.skipped++;
          else handler.key(this.db, record.key, value, record.expireAt);
          break;
        }
        case 'eof':
          this.done = true;
          return 'done';
        default:
          break;
      }
    }
  }

  /**
   * One record. State (db, pending expiry, CRC position) changes only once
   * every byte of the record has been read, so a record that runs short
   * can be parsed again from its start; the one exception, the CRC catching
   * up before EOF's checksum, only moves `hashed` past the start.
   */
  private parseRecord(): ParsedRecord {
    const c = this.cursor;
    const start = c.pos;
    const type = c.byte();
    let record: ParsedRecord = OTHER;
    switch (type) {
      case RdbOpcode.Eof:
        this.hashUpTo(c.pos);
        this.readChecksum();
        return { kind: 'eof' };
      case RdbOpcode.SelectDb:
        this.db = c.length();
        break;
      case RdbOpcode.ResizeDb: {
        const size = c.length();
        const expires = c.length();
        record = { kind: 'resize', size, expires };
        break;
      }
      case RdbOpcode.Aux: {
        const field = c.string().toString('latin1');
        const value = c.string();
        record = { kind: 'aux', field, value };
        break;
      }
      case RdbOpcode.ExpireTime: {
        c.need(4);
        this.pendingExpire = c.data.readInt32LE(c.pos) * 1000;
        c.pos += 4;
        break;
      }
      case RdbOpcode.ExpireTimeMs: {
        c.need(8);
        this.pendingExpire = Number(c.data.readBigInt64LE(c.pos));
        c.pos += 8;
        break;
      }
      case RdbOpcode.Idle:
        // LRU idle time of the next key: no eviction clock to restore.
        c.length();
        break;
      case RdbOpcode.Freq:
        // LFU counter of the next key: likewise ignored.
        c.byte();
        break;
      case RdbOpcode.ModuleAux:
        throw new RdbFormatError(
          'Module auxiliary data (MODULE_AUX) is not supported: resplica has no modules',
          start,
        );
      case RdbOpcode.Function:
      case RdbOpcode.Function2:
        throw new RdbFormatError(
          'Function libraries in the RDB file are not supported: resplica has no functions',
          start,
        );
      default: {
        if (!isLoadableType(type)) {
          const why = unsupportedType(type);
          throw new RdbFormatError(
            why ?? `Unknown RDB encoding type ${type} at offset ${start + this.base}`,
            start,
          );
        }
        const key = c.transientString();
        const value = loadObject(type, c);
        const keyRecord = this.keyRecord;
        keyRecord.key = key;
        keyRecord.value = value;
        keyRecord.expireAt = this.pendingExpire;
        record = keyRecord;
        this.pendingExpire = 0;
        break;
      }
    }
    // The CRC catches up in strides: one call per record cost more than
    // the hashing itself.
    if (c.pos - this.hashed >= CRC_STRIDE) this.hashUpTo(c.pos);
    return record;
  }

  hashUpTo(pos: number): void {
    if (pos <= this.hashed) return;
    this.crc.update(this.cursor.data, this.hashed, pos);
    this.hashed = pos;
  }

  private readChecksum(): void {
    if (this.version < FIRST_CHECKSUM_VERSION) return;
    const c = this.cursor;
    const at = c.pos;
    const stored = c.view(8);
    if (!this.verifyChecksum) return;
    // Zero means the writer ran with rdbchecksum no: nothing to compare.
    if (stored.readBigUInt64LE(0) === 0n) return;
    const computed = this.crc.bytes();
    if (!computed.equals(stored)) {
      const hex = (b: Buffer): string => b.readBigUInt64LE(0).toString(16);
      throw new RdbFormatError(
        `Wrong RDB checksum expected: (${hex(computed)}) got: (${hex(stored)}). Aborting now.`,
        at,
      );
    }
  }
}

/**
 * Reads one RDB file held whole in memory, sliced: the caller calls run()
 * repeatedly with a deadline (the loader yields to the event loop in
 * between). The CRC-64 is computed as the records are parsed, never in a
 * separate pass. For a file that arrives in pieces (a replica's full sync),
 * see RdbReader.incremental.
 */
export class RdbReader {
  private readonly parser: RecordParser;

  /** Parses the 9-byte header at once; throws RdbFormatError on a bad magic or an unsupported version. */
  constructor(data: Buffer, options: { verifyChecksum?: boolean } = {}) {
    this.parser = new RecordParser(data, options.verifyChecksum ?? true);
    if (data.length < 9) throw new RdbFormatError(EOF_MESSAGE, data.length);
    this.parser.readHeader();
  }

  /** A reader fed by push() as the bytes arrive; see IncrementalRdbReader. */
  static incremental(options: { verifyChecksum?: boolean } = {}): IncrementalRdbReader {
    return new IncrementalRdbReader(options);
  }

  get version(): number {
    return this.parser.version;
  }

  /** Byte offset reached so far. */
  get offset(): number {
    return this.parser.cursor.pos;
  }

  /** Empty keys skipped so far (Redis logs "rdbLoadObject skipping empty key"). */
  get emptyKeysSkipped(): number {
    return this.parser.skipped;
  }

  /**
   * Parses records until performance.now() >= deadline (looked at every few
   * records, so a slice overruns only by one record: a few ms unless that
   * record is one huge value) or the end. Returns true once EOF and the
   * checksum have been read. Throws RdbFormatError, with `offset` set, on
   * anything malformed or unsupported.
   */
  run(handler: RdbRecordHandler, deadline: number): boolean {
    return this.parser.step(handler, deadline, false) === 'done';
  }
}

/** The smallest buffer the incremental reader gathers bytes into. */
const MIN_STREAM_BUFFER = 64 * 1024;

/**
 * An RDB file parsed while it arrives (a replica's full sync): push() the
 * bytes as they come, in chunks of any size, end() after the last one, and
 * call run() whenever it helps. The handler sees exactly the calls the
 * whole-file reader makes, record by record; a record is handed over only
 * once all its bytes are in.
 *
 * Bytes are gathered in one buffer holding the unparsed tail (a chunk that
 * starts at a record boundary is adopted as is, without a copy); parsed
 * bytes are dropped when the buffer is next rebuilt, so memory is the
 * largest record in flight plus a chunk, not the file. The buffer may
 * reference a pushed chunk: callers must not modify a chunk once pushed.
 *
 * A record that runs short is parsed again from its start, but only once
 * the bytes it asked for have arrived and the buffered part of it has grown
 * by half: a 50 MB value arriving in 64 KB chunks is attempted a handful of
 * times, not 800 (total re-parsing stays within ~3× the record).
 */
export class IncrementalRdbReader {
  private readonly parser: RecordParser;
  /** Bytes held: [0, filled) is data, the rest spare room. */
  private store: Buffer = EMPTY;
  private filled = 0;
  private ended = false;
  private headerRead = false;
  /** Do not parse again before the stream reaches this file offset (unless ended). */
  private retryAt = 0;
  private shortRecords = 0;

  constructor(options: { verifyChecksum?: boolean } = {}) {
    this.parser = new RecordParser(EMPTY, options.verifyChecksum ?? true);
  }

  /** The file's RDB version, 0 until its header has arrived. */
  get version(): number {
    return this.parser.version;
  }

  /** File offset of the end of the last record handed to the handler. */
  get offset(): number {
    return this.parser.base + this.parser.cursor.pos;
  }

  /** File bytes received so far. */
  get received(): number {
    return this.parser.base + this.filled;
  }

  get emptyKeysSkipped(): number {
    return this.parser.skipped;
  }

  /** Bytes of memory the reader holds for records not parsed yet. */
  get buffered(): number {
    return this.store.length;
  }

  /** How many parse attempts ran out of bytes (each one re-parsed later): the cost of streaming. */
  get shortAttempts(): number {
    return this.shortRecords;
  }

  /** More bytes of the file. Bytes after the end of the file (EOF and checksum) are ignored. */
  push(chunk: Buffer): void {
    if (this.ended) throw new Error('RDB stream already ended');
    if (chunk.length === 0 || this.parser.done) return;
    if (this.filled + chunk.length <= this.store.length) {
      chunk.copy(this.store, this.filled);
      this.filled += chunk.length;
      return;
    }
    // Rebuild: drop the parsed bytes (hashing them first), keep the tail.
    const p = this.parser;
    const c = p.cursor;
    const consumed = c.pos;
    c.data = this.store.subarray(0, this.filled);
    p.hashUpTo(consumed);
    const keep = this.filled - consumed;
    if (keep === 0) {
      this.store = chunk;
      this.filled = chunk.length;
    } else {
      // Twice what is needed, so a big record arriving in small chunks is
      // copied O(log n) times, not once per chunk.
      const size = Math.max(MIN_STREAM_BUFFER, 2 * (keep + chunk.length));
      const next = Buffer.allocUnsafe(size);
      this.store.copy(next, 0, consumed, this.filled);
      chunk.copy(next, keep);
      this.store = next;
      this.filled = keep + chunk.length;
    }
    p.base += consumed;
    p.hashed -= consumed;
    p.shortNeedEnd -= consumed;
    c.shift(consumed);
    c.data = EMPTY;
  }

  /** No more bytes will come: a file that stops short now fails as truncated. */
  end(): void {
    this.ended = true;
  }

  /**
   * Parses the complete records at hand until performance.now() >= deadline
   * (as RdbReader.run). 'done' once EOF and the checksum have been read,
   * 'yield' at the deadline (call again), 'need-data' when every complete
   * record has been handed over and more bytes (or end()) are needed.
   * Throws RdbFormatError as RdbReader.run does, at the same offsets; after
   * end(), a file that stops short throws the truncated-file error.
   */
  run(handler: RdbRecordHandler, deadline: number): 'done' | 'yield' | 'need-data' {
    const p = this.parser;
    if (p.done) return 'done';
    if (!this.ended && this.received < this.retryAt) return 'need-data';
    const c = p.cursor;
    c.data = this.store.subarray(0, this.filled);
    if (!this.headerRead) {
      try {
        p.readHeader();
      } catch (err) {
        if (!(err instanceof ShortInput)) throw err;
        if (this.ended) throw new RdbFormatError(EOF_MESSAGE, this.filled);
        this.retryAt = 9;
        return 'need-data';
      }
      this.headerRead = true;
    }
    const result = p.step(handler, deadline, !this.ended);
    if (result === 'done') {
      // Nothing more to parse: let the buffer go.
      p.base += c.pos;
      this.store = EMPTY;
      this.filled = 0;
      c.data = EMPTY;
      c.pos = 0;
      return 'done';
    }
    if (result === 'yield') return 'yield';
    this.shortRecords++;
    const have = this.filled - c.pos;
    this.retryAt = p.base + Math.max(p.shortNeedEnd, this.filled + (have >> 1));
    return 'need-data';
  }
}
