import type { Database, Entry, SnapshotHook } from '../store/database.js';
import type { Keyspace } from '../store/keyspace.js';
import type { ShardedMap } from '../store/sharded-map.js';
import { isString } from '../store/values.js';
import { Crc64 } from './crc64.js';
import {
  RdbOutput,
  SMALL_CHUNK_SIZE,
  writeDbHeader,
  writeHeader,
  valueEncoder,
  writeRecord,
  writeRecordHeader,
  writeTrailer,
  type ValueEncoder,
  type RdbAuxInfo,
  type RdbWriteOptions,
} from './rdb-writer.js';

/**
 * Background save without fork(): a point-in-time RDB produced in slices by
 * the event loop, with copy-on-write per key.
 *
 * At start() the engine bumps Keyspace.snapshotGeneration and captures each
 * database's `dict` Map with its size and expires count. Entries created from
 * then on carry the new generation, so the snapshot skips them. The captured
 * Maps are walked with persistent iterators a slice at a time; a written
 * entry is marked with the generation. Before any key changes, Database calls
 * keyWillChange here: if the key's Map is a captured one and its entry is not
 * yet marked, its current (old) value and TTL are serialized right away and
 * the entry is marked. A key deleted, renamed or overwritten before the walk
 * reaches it is thereby preserved, and memory held for copies is bounded by
 * what gets modified during the save.
 *
 * Map identity is what ties an entry to a database of the snapshot: FLUSHDB
 * replaces a database's Map (the old one stays whole for the walk) and SWAPDB
 * exchanges Maps between Database objects (the data keeps its snapshot db).
 */

/** Where the bytes go: a file (file-sink.ts) or, later, a replica's socket. */
export interface SnapshotSink {
  /** false = the consumer is full: the engine pauses until onDrain's callback. */
  write(chunk: Buffer): boolean;
  onDrain(callback: () => void): void;
  /** All bytes delivered (for the file sink: written, fsynced, renamed into place); err on failure. */
  end(callback: (err: Error | null) => void): void;
  /** Give up (the temp file is removed). */
  abort(): void;
}

export interface SnapshotOptions extends RdbWriteOptions {
  aux: RdbAuxInfo;
  /** How long one slice may run before yielding to the event loop (default 2 ms). */
  sliceMs?: number;
  /** At most this many keys per slice (tests use it to interleave writes finely). */
  sliceKeys?: number;
  /**
   * rdb-key-save-delay: microseconds per key, to make saves slow on purpose
   * (tests of what happens during a BGSAVE). Redis sleeps in its child; we
   * write fewer keys per slice and wait between slices instead.
   */
  keySaveDelayUs?: number;
  onFinished: (err: Error | null) => void;
}

/** One database as it was when the snapshot started. */
interface CapturedDb {
  /** Position in Snapshot.captured, the order of the walk. */
  index: number;
  id: number;
  dict: ShardedMap<Entry>;
  size: number;
  expires: number;
  /** Records of keys changed before their database's turn, already encoded. */
  pending: Buffer[];
}

/** How many keys are written between two looks at the clock. */
const CLOCK_CHECK_KEYS = 32;
/**
 * Collections with more elements than this are encoded by a resumable
 * ValueEncoder, a slice at a time (a 100k-member set takes ~40 ms to encode,
 * far beyond a slice); smaller ones are written whole.
 */
const INCREMENTAL_MIN_ELEMENTS = 1024;

export class Snapshot implements SnapshotHook {
  keysTotal = 0;
  keysProcessed = 0;
  /** Bytes held right now for keys changed before their turn, and the peak. */
  cowBytes = 0;
  cowPeakBytes = 0;

  private state: 'idle' | 'writing' | 'ending' | 'done' = 'idle';
  private generation = 0;
  private captured: CapturedDb[] = [];
  private readonly byMap = new Map<ShardedMap<Entry>, CapturedDb>();
  /** Index in `captured` of the database being written; its header is out. */
  private current = -1;
  private iterator: IterableIterator<[string, Entry]> | null = null;
  /** A big value being written across slices, and its entry. */
  private encoder: ValueEncoder | null = null;
  private encoderEntry: Entry | null = null;
  private readonly crc: Crc64 | null;
  private readonly out: RdbOutput;
  /** Encodes copy-on-write records into `scratchTarget` (its chunk buffer is reused). */
  private readonly scratch: RdbOutput;
  private scratchTarget: Buffer[] = [];
  /** Set when the sink said it is full; slicing waits for its drain. */
  private blocked = false;
  private scheduled = false;
  private readonly sliceMs: number;
  private readonly sliceKeys: number;
  private readonly keyDelayUs: number;
  /** Keys written by the last slice, for the rdb-key-save-delay pause. */
  private lastSliceKeys = 0;

  constructor(
    private readonly keyspace: Keyspace,
    private readonly sink: SnapshotSink,
    private readonly options: SnapshotOptions,
  ) {
    this.crc = options.checksum ? new Crc64() : null;
    this.out = new RdbOutput((chunk) => this.deliver(chunk), this.crc);
    this.scratch = new RdbOutput((chunk) => this.scratchTarget.push(chunk), null, SMALL_CHUNK_SIZE);
    this.sliceMs = options.sliceMs ?? 2;
    this.sliceKeys = options.sliceKeys ?? Infinity;
    this.keyDelayUs = Math.max(0, options.keySaveDelayUs ?? 0);
    if (this.keyDelayUs > 0) {
      this.sliceKeys = Math.min(
        this.sliceKeys,
        Math.max(1, Math.floor((Math.max(1, this.sliceMs) * 1000) / this.keyDelayUs)),
      );
    }
  }

  get inProgress(): boolean {
    return this.state === 'writing' || this.state === 'ending';
  }

  /** Captures the point in time synchronously, then writes in setImmediate slices. */
  start(): void {
    if (this.state !== 'idle') throw new Error('snapshot already started');
    const ks = this.keyspace;
    // The owner may have registered this snapshot already; anything else is a bug.
    if (ks.activeSnapshot !== null && ks.activeSnapshot !== this)
      throw new Error('another snapshot is running');
    this.generation = ++ks.snapshotGeneration;
    for (const db of ks.databases) {
      if (db.size === 0) continue;
      const cap: CapturedDb = {
        index: this.captured.length,
        id: db.id,
        dict: db.dict,
        size: db.size,
        expires: db.expiresCount,
        pending: [],
      };
      this.captured.push(cap);
      this.byMap.set(db.dict, cap);
      this.keysTotal += db.size;
    }
    ks.activeSnapshot = this;
    this.state = 'writing';
    writeHeader(this.out, this.options, this.options.aux);
    this.schedule();
  }

  abort(reason: Error): void {
    if (!this.inProgress) return;
    this.detach();
    this.state = 'done';
    this.sink.abort();
    this.options.onFinished(reason);
  }

  /** Copy-on-write: called by Database before `key` changes in `db`. */
  keyWillChange(db: Database, key: string): void {
    const cap = this.byMap.get(db.dict);
    if (cap === undefined) return;
    const entry = cap.dict.get(key);
    if (entry === undefined) return;
    // The big value being written across slices is about to change: the
    // rest of it must be written now, while it is still the old value.
    if (entry === this.encoderEntry) this.finishEncoder(Infinity);
    if (entry.snapshotGen === this.generation) return;
    entry.snapshotGen = this.generation;
    this.keysProcessed++;
    if (cap.index === this.current && this.encoder === null) {
      writeRecord(this.out, key, entry, this.options.compression);
      return;
    }
    // A database still to come, or the current one while a big value is
    // half written (a record must not land inside it): keep the encoded
    // record until its turn. (An earlier database cannot get here: its walk
    // marked every entry.)
    this.scratchTarget = cap.pending;
    const before = this.scratch.bytes;
    writeRecord(this.scratch, key, entry, this.options.compression);
    this.scratch.flush();
    this.cowBytes += this.scratch.bytes - before;
    if (this.cowBytes > this.cowPeakBytes) this.cowPeakBytes = this.cowBytes;
  }

  private schedule(): void {
    if (this.scheduled || this.blocked || this.state !== 'writing') return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      if (this.state !== 'writing' || this.blocked) return;
      try {
        this.slice();
      } catch (err) {
        this.abort(err instanceof Error ? err : new Error(String(err)));
      }
    };
    if (this.keyDelayUs > 0 && this.lastSliceKeys > 0)
      setTimeout(run, Math.max(1, (this.lastSliceKeys * this.keyDelayUs) / 1000));
    else setImmediate(run);
  }

  /** One slice: at most sliceMs (checked every CLOCK_CHECK_KEYS keys) or sliceKeys keys. */
  private slice(): void {
    const deadline = performance.now() + this.sliceMs;
    const compression = this.options.compression;
    let written = 0;
    if (this.encoder !== null && !this.finishEncoder(deadline)) {
      this.lastSliceKeys = 1;
      this.schedule();
      return;
    }
    while (!this.blocked) {
      if (this.iterator === null && !this.nextDatabase()) {
        this.finish();
        return;
      }
      const next = this.iterator!.next();
      if (next.done === true) {
        this.iterator = null;
        continue;
      }
      const [key, entry] = next.value;
      if (entry.snapshotGen === this.generation) continue;
      entry.snapshotGen = this.generation;
      this.keysProcessed++;
      written++;
      const value = entry.value;
      if (!isString(value) && value.size > INCREMENTAL_MIN_ELEMENTS) {
        writeRecordHeader(this.out, key, entry, compression);
        this.encoder = valueEncoder(this.out, value, compression);
        this.encoderEntry = entry;
        if (!this.finishEncoder(deadline)) break;
        continue;
      }
      writeRecord(this.out, key, entry, compression);
      if (written >= this.sliceKeys) break;
      if (written % CLOCK_CHECK_KEYS === 0 && performance.now() >= deadline) break;
    }
    this.lastSliceKeys = written;
    this.schedule();
  }

  /**
   * Advances the big value being written until it is complete (true) or the
   * deadline passes or the sink fills up (false).
   */
  private finishEncoder(deadline: number): boolean {
    const encoder = this.encoder!;
    while (encoder.next().done !== true) {
      if (deadline !== Infinity && (this.blocked || performance.now() >= deadline)) return false;
    }
    this.encoder = null;
    this.encoderEntry = null;
    this.writePending(this.captured[this.current]!);
    return true;
  }

  /** Records kept for a database, written once its section is open and free. */
  private writePending(cap: CapturedDb): void {
    for (const part of cap.pending) {
      this.out.raw(part);
      this.cowBytes -= part.length;
    }
    cap.pending = [];
  }

  /** Opens the next captured database: header, then its pending records. */
  private nextDatabase(): boolean {
    if (this.current + 1 >= this.captured.length) return false;
    const cap = this.captured[++this.current]!;
    writeDbHeader(this.out, cap.id, cap.size, cap.expires);
    this.writePending(cap);
    this.iterator = cap.dict.entries();
    return true;
  }

  private finish(): void {
    // Everything captured is written: later changes no longer concern us.
    this.detach();
    this.state = 'ending';
    writeTrailer(this.out, this.crc);
    this.sink.end((err) => {
      if (this.state !== 'ending') return;
      this.state = 'done';
      this.options.onFinished(err);
    });
  }

  private deliver(chunk: Buffer): void {
    if (!this.sink.write(chunk) && !this.blocked && this.state === 'writing') {
      this.blocked = true;
      this.sink.onDrain(() => {
        this.blocked = false;
        this.schedule();
      });
    }
  }

  private detach(): void {
    if (this.keyspace.activeSnapshot === this) this.keyspace.activeSnapshot = null;
    this.iterator = null;
    this.encoder = null;
    this.encoderEntry = null;
    this.byMap.clear();
    for (const cap of this.captured) cap.pending = [];
    this.cowBytes = 0;
  }
}
