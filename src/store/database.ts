import { globMatch } from './glob.js';
import { ShardedMap } from './sharded-map.js';
import { StringEncodingHint, type StoredValue } from './values.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * What entries count access times from: the process's start, so that they
 * stay small integers for weeks (see EntryFields.accessed).
 */
const ACCESS_EPOCH = Date.now();

/**
 * One key's record. Mutable on purpose: a lookup hands the entry itself to the
 * command, and updates (TTL, access time) happen in place without a second map
 * lookup. Created by newEntry (see there for why it is not a class).
 */
export interface Entry {
  value: StoredValue;
  /** Absolute expiry in ms since the epoch; 0 means no expiry. */
  expireAt: number;
  /** Position in Database.slots, the stable order SCAN and RANDOMKEY walk. */
  slot: number;
  /** Keyspace.lruClock (ms since the epoch) at the last access, for OBJECT IDLETIME. */
  lastAccess: number;
  /**
   * How Redis would have encoded this string, for OBJECT ENCODING: SET tries
   * the int encoding, APPEND/SETRANGE force raw, INCRBYFLOAT never picks int.
   */
  stringEncoding: StringEncodingHint;
  /**
   * The exact expiry when it lies beyond 2^53 ms (year 287,396), where
   * `expireAt` can only hold the nearest double. Redis accepts any int64
   * timestamp and reports it back exactly (PEXPIRETIME, GT/LT comparisons), so
   * the rare absurd deadline keeps its exact value here; `expireAt` stays a
   * plain number for the hot "has it passed" checks, which the rounding
   * cannot affect.
   */
  expireAtExact: bigint | null;
  /**
   * APPEND's growth buffer: `value` is a prefix view of it, so repeated appends
   * are amortised O(1) instead of copying the whole string each time.
   */
  appendSpare: Buffer | null;
  /**
   * The Keyspace.snapshotGeneration in which a running snapshot already wrote
   * this entry, or in which the entry was created: either way, a snapshot of
   * that generation must not write it (again).
   */
  snapshotGen: number;
}

/** What an entry object really holds: `lastAccess` is an accessor over `accessed`. */
interface EntryFields extends Entry {
  /**
   * Keyspace.lruClock at the last access, in ms since ACCESS_EPOCH. An
   * epoch-ms value is a double, which V8 keeps in a heap box of its own per
   * entry: a million extra objects for the GC on a big load. Counted from the
   * process's start it stays a small integer stored in the entry for 24 days
   * of uptime (after that V8 switches the field to doubles: slower, still
   * exact).
   */
  accessed: number;
}

/** The prototype of every entry: `lastAccess` in epoch ms over the stored offset. */
const ENTRY_PROTOTYPE = {
  get lastAccess(): number {
    return (this as unknown as EntryFields).accessed + ACCESS_EPOCH;
  },
  set lastAccess(ms: number) {
    (this as unknown as EntryFields).accessed = ms - ACCESS_EPOCH;
  },
};

/**
 * A new entry. An object literal, not a class instance: V8 tracks where
 * literals are allocated and, once it sees most of them survive, allocates
 * them straight into the old generation (pretenuring), which it never does
 * for `new`. Loading a million keys otherwise copies every entry twice
 * through the young generation; measured, the scavenges of a 2M-entry
 * build dropped from ~400 ms to ~110 ms.
 */
export function newEntry(
  value: StoredValue,
  expireAt: number,
  slot: number,
  lastAccess: number,
  snapshotGen: number,
): Entry {
  const entry = {
    __proto__: ENTRY_PROTOTYPE,
    value,
    expireAt,
    slot,
    accessed: lastAccess - ACCESS_EPOCH,
    stringEncoding: StringEncodingHint.Auto,
    expireAtExact: null,
    appendSpare: null,
    snapshotGen,
  };
  // TypeScript types __proto__ as a plain property and cannot see the
  // accessor it brings.
  return entry as unknown as EntryFields;
}

/** An entry's expiry in ms as an exact integer; 0n when it has none. */
export function exactExpireAt(entry: Entry): bigint {
  return entry.expireAtExact ?? BigInt(entry.expireAt);
}

/**
 * What the keyspace tells the rest of the server. The hooks are the single
 * place where WATCH invalidation, keyspace notifications, replication of
 * expiries and (later) snapshot copy-on-write attach to the data.
 */
export interface KeyspaceEvents {
  /** A key's value or TTL is about to change or the key to disappear. */
  keyWillChange(db: Database, key: string): void;
  /** A key changed (written, deleted, expired, TTL changed). */
  keyChanged(db: Database, key: string): void;
  /** A key was found expired and removed (propagated as DEL by the master). */
  keyExpired(db: Database, key: string): void;
  /** A read lookup missed (the `keymiss` keyspace notification). */
  keyMissed?(db: Database, key: string): void;
}

/**
 * The copy-on-write hook of a running snapshot (persistence/snapshot.ts):
 * told before any key changes, so it can write out the old value first.
 */
export interface SnapshotHook {
  keyWillChange(db: Database, key: string): void;
}

/** Shared state all databases read: the clock and the change counter. */
export interface KeyspaceContext {
  readonly events: KeyspaceEvents;
  /** Bumped when a snapshot starts; new entries carry the current value. */
  snapshotGeneration: number;
  /** The running snapshot, if any (one null check on the write path otherwise). */
  activeSnapshot: SnapshotHook | null;
  /** Command time: frozen during a command/transaction so expiry is consistent. */
  now(): number;
  /** Coarse clock for access times, updated by the cron. */
  lruClock: number;
  /** Writes since the last save (rdb_changes_since_last_save). */
  dirty: number;
  /**
   * Replicas never expire keys on their own (the master sends DELs); they only
   * hide logically expired keys on reads, as Redis 7 does.
   */
  expireOnAccess: boolean;
  /**
   * Set while a replica applies its master's stream: the master decides
   * what exists, so logically expired keys still count as present
   * (expireIfNeeded returns 0 for the master client).
   */
  obeyingMaster: boolean;
  /** Counters for INFO stats. */
  stats: { expiredKeys: number; keyspaceHits: number; keyspaceMisses: number };
}

/**
 * A numbered database: the key → entry dictionary plus the structures that
 * make SCAN, RANDOMKEY and active expiry cheap.
 *
 * Why the slot array: a JS Map has no random access and no cursor that
 * survives deletions. Each key also owns a slot index that never changes while
 * the key lives; deleted slots are reused. A SCAN cursor is a slot index, so a
 * key present for the whole scan is returned exactly once (Redis's guarantee),
 * and RANDOMKEY probes random slots.
 */
export class Database {
  dict = new ShardedMap<Entry>();
  /** Keys with a TTL, iterated by the active expire cycle. */
  volatile = new ShardedMap<Entry>();
  private slots: Array<string | undefined> = [];
  private freeSlots: number[] = [];
  private expireCursor: IterableIterator<[string, Entry]> | null = null;
  /** Running estimate of the average TTL of volatile keys (INFO avg_ttl). */
  avgTtl = 0;

  constructor(
    public id: number,
    private readonly ctx: KeyspaceContext,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  get expiresCount(): number {
    return this.volatile.size;
  }

  /**
   * Lookup for a read: expired keys count as missing; updates the access time
   * and the keyspace hit/miss counters.
   */
  lookupRead(key: string): Entry | undefined {
    const entry = this.find(key);
    if (entry === undefined) {
      this.ctx.stats.keyspaceMisses++;
      this.ctx.events.keyMissed?.(this, key);
    } else this.ctx.stats.keyspaceHits++;
    return entry;
  }

  /**
   * Lookup before modifying a value in place. Announces the change first so a
   * running snapshot can keep the old value (copy-on-write per key).
   */
  lookupWrite(key: string): Entry | undefined {
    const entry = this.find(key);
    if (entry !== undefined) this.willChange(key);
    return entry;
  }

  /** Lookup with lazy expiry and no counters (EXISTS, TYPE, internal checks). */
  find(key: string): Entry | undefined {
    const entry = this.dict.get(key);
    if (entry === undefined) return undefined;
    if (entry.expireAt !== 0 && entry.expireAt <= this.ctx.now() && this.expire(key, entry)) {
      return undefined;
    }
    entry.lastAccess = this.ctx.lruClock;
    return entry;
  }

  has(key: string): boolean {
    return this.find(key) !== undefined;
  }

  /** Raw access for snapshots and DEBUG: no expiry check, no side effects. */
  peek(key: string): Entry | undefined {
    return this.dict.get(key);
  }

  /**
   * Stores a value. The TTL is cleared unless keepTtl, as SET does. Returns the
   * entry so callers can set an expiry without another lookup. `changes` is
   * what the write adds to the dirty counter: one for a string, and for a new
   * collection what its command counts (Redis counts LPUSH's elements, SADD's
   * added members...), so creating a key is never counted twice.
   */
  set(key: string, value: StoredValue, keepTtl = false, changes = 1): Entry {
    let existing = this.dict.get(key);
    if (existing !== undefined && existing.expireAt !== 0 && existing.expireAt <= this.ctx.now()) {
      // An expired key is gone: its TTL must not survive into the new value.
      this.expire(key, existing);
      existing = this.dict.get(key);
    }
    this.willChange(key);
    let entry: Entry;
    if (existing !== undefined) {
      existing.value = value;
      existing.stringEncoding = StringEncodingHint.Auto;
      existing.appendSpare = null;
      existing.lastAccess = this.ctx.lruClock;
      if (!keepTtl && existing.expireAt !== 0) {
        existing.expireAt = 0;
        existing.expireAtExact = null;
        this.volatile.delete(key);
      }
      entry = existing;
    } else {
      entry = newEntry(
        value,
        0,
        this.takeSlot(key),
        this.ctx.lruClock,
        this.ctx.snapshotGeneration,
      );
      this.dict.set(key, entry);
    }
    this.ctx.dirty += changes;
    this.ctx.events.keyChanged(this, key);
    return entry;
  }

  /**
   * Adds a key that the caller knows is absent (RENAME target, MOVE, COPY).
   * `expireAt` as setExpire takes it, 0 for none; pass exactExpireAt(source)
   * to carry an expiry over.
   */
  add(key: string, value: StoredValue, expireAt: number | bigint = 0): Entry {
    this.willChange(key);
    const entry = newEntry(
      value,
      0,
      this.takeSlot(key),
      this.ctx.lruClock,
      this.ctx.snapshotGeneration,
    );
    this.dict.set(key, entry);
    if (expireAt !== 0 && expireAt !== 0n) this.setExpireOn(key, entry, expireAt);
    this.ctx.dirty++;
    this.ctx.events.keyChanged(this, key);
    return entry;
  }

  /**
   * A key read from an RDB file: one map operation, no events, no dirty
   * counting (loading is not a change). Returns false when the key already
   * existed: the file is corrupt and the caller abandons the load, so the
   * overwritten entry is not restored.
   */
  insertLoaded(key: string, value: StoredValue, expireAt: number): boolean {
    const entry = newEntry(value, 0, -1, this.ctx.lruClock, this.ctx.snapshotGeneration);
    const before = this.dict.size;
    this.dict.set(key, entry);
    if (this.dict.size === before) return false;
    entry.slot = this.takeSlot(key);
    if (expireAt !== 0) this.setExpireOn(key, entry, expireAt);
    return true;
  }

  /** Signals an in-place modification of an entry obtained by lookupWrite. */
  touched(key: string, changes = 1): void {
    this.ctx.dirty += changes;
    this.ctx.events.keyChanged(this, key);
  }

  /**
   * Removes a key. `countAsChange` is false when the removal is the tail of a
   * change already counted (a pop that emptied a collection), as Redis's
   * dbDelete adds nothing to the dirty counter there.
   */
  delete(key: string, countAsChange = true): boolean {
    const entry = this.dict.get(key);
    if (entry === undefined) return false;
    this.willChange(key);
    this.remove(key, entry);
    if (countAsChange) this.ctx.dirty++;
    this.ctx.events.keyChanged(this, key);
    return true;
  }

  /**
   * Sets an absolute expiry (ms since the epoch, > 0). A deadline in the past
   * leaves a logically expired key that the next access removes.
   */
  setExpire(key: string, entry: Entry, at: number | bigint): void {
    this.willChange(key);
    this.setExpireOn(key, entry, at);
    this.ctx.dirty++;
    this.ctx.events.keyChanged(this, key);
  }

  persist(key: string, entry: Entry): boolean {
    if (entry.expireAt === 0) return false;
    this.willChange(key);
    entry.expireAt = 0;
    entry.expireAtExact = null;
    this.volatile.delete(key);
    this.ctx.dirty++;
    this.ctx.events.keyChanged(this, key);
    return true;
  }

  /** Empties the database (FLUSHDB). Old maps are left to the GC, so it is O(1). */
  clear(): number {
    const removed = this.dict.size;
    // Fresh structures rather than clearing in place: O(1) however many keys,
    // and whoever still iterates the old ones (a snapshot) keeps them whole.
    this.dict = new ShardedMap();
    this.volatile = new ShardedMap();
    this.slots = [];
    this.freeSlots = [];
    this.expireCursor = null;
    this.avgTtl = 0;
    return removed;
  }

  /** Exchanges contents with another database (SWAPDB) in O(1); ids stay in place. */
  swapContents(other: Database): void {
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.volatile, other.volatile] = [other.volatile, this.volatile];
    [this.slots, other.slots] = [other.slots, this.slots];
    [this.freeSlots, other.freeSlots] = [other.freeSlots, this.freeSlots];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    this.expireCursor = null;
    other.expireCursor = null;
  }

  /** A random live key, or null when empty. */
  randomKey(): string | null {
    // A replica may not delete expired keys, so when every key is volatile
    // and logically expired the loop below could never end; like Redis's
    // dbRandomKey, give up after 100 tries and return a possibly expired key.
    const allVolatile = !this.ctx.expireOnAccess && this.volatile.size === this.dict.size;
    let tries = 100;
    while (this.dict.size > 0) {
      let key: string | undefined;
      // Probing is O(1) while the slot array is dense; a sparse array (after
      // mass deletions) falls back to a walk from a random start.
      for (let tries = 0; tries < 32 && key === undefined; tries++) {
        key = this.slots[Math.floor(Math.random() * this.slots.length)];
      }
      if (key === undefined) {
        const start = Math.floor(Math.random() * this.slots.length);
        for (let i = 0; i < this.slots.length && key === undefined; i++) {
          key = this.slots[(start + i) % this.slots.length];
        }
      }
      if (key === undefined) return null;
      const entry = this.dict.get(key)!;
      if (entry.expireAt !== 0 && entry.expireAt <= this.ctx.now()) {
        if (allVolatile && --tries === 0) return key;
        if (this.expire(key, entry)) continue;
      }
      return key;
    }
    return null;
  }

  /**
   * One SCAN step from `cursor`: visits live keys until `count` were returned
   * (or 10×count empty slots were skipped, as Redis bounds empty buckets).
   * Returns the next cursor, 0 when the walk is complete.
   */
  scan(cursor: number, count: number, visit: (key: string, entry: Entry) => void): number {
    let returned = 0;
    let visited = 0;
    const limit = count * 10;
    let i = cursor;
    const now = this.ctx.now();
    while (i < this.slots.length && returned < count && visited < limit) {
      const key = this.slots[i++];
      visited++;
      if (key === undefined) continue;
      const entry = this.dict.get(key)!;
      if (entry.expireAt !== 0 && entry.expireAt <= now && this.expire(key, entry)) continue;
      visit(key, entry);
      returned++;
    }
    return i >= this.slots.length ? 0 : i;
  }

  /** Keys matching a glob (KEYS); expired keys are skipped. */
  keys(pattern: string): string[] {
    const all = pattern === '*';
    const now = this.ctx.now();
    const out: string[] = [];
    for (const [key, entry] of this.dict) {
      if (entry.expireAt !== 0 && entry.expireAt <= now) continue;
      if (all || globMatch(pattern, key)) out.push(key);
    }
    return out;
  }

  /**
   * Active expiry: examines volatile keys round-robin for at most `budgetMs`,
   * deleting the expired ones. Returns true when the sample suggests more stale
   * keys remain (the caller may schedule another slice).
   */
  activeExpire(budgetMs: number): boolean {
    // As Redis, a database without volatile keys reports avg_ttl 0.
    if (this.volatile.size === 0) {
      this.avgTtl = 0;
      return false;
    }
    const deadline = performance.now() + budgetMs;
    const now = this.ctx.now();
    let ttlSum = 0;
    let ttlSamples = 0;
    while (true) {
      // Emptied by this very cycle: reset now, as Redis's loop does.
      if (this.volatile.size === 0) {
        this.avgTtl = 0;
        return false;
      }
      let sampled = 0;
      let expired = 0;
      for (let i = 0; i < 20 && this.volatile.size > 0; i++) {
        if (this.expireCursor === null) this.expireCursor = this.volatile.entries();
        const next = this.expireCursor.next();
        if (next.done === true) {
          this.expireCursor = null;
          if (sampled === 0 && i > 0) break;
          continue;
        }
        const [key, entry] = next.value;
        sampled++;
        if (entry.expireAt <= now) {
          if (this.expire(key, entry)) expired++;
        } else {
          ttlSum += entry.expireAt - now;
          ttlSamples++;
        }
      }
      if (ttlSamples > 0) {
        // Same smoothing idea as Redis: new samples move the estimate slowly.
        const sampleAvg = ttlSum / ttlSamples;
        this.avgTtl = this.avgTtl === 0 ? sampleAvg : (this.avgTtl / 50) * 49 + sampleAvg / 50;
      }
      if (this.volatile.size === 0) {
        this.avgTtl = 0;
        return false;
      }
      // Stop when under 10% of the sample was stale, as Redis's cycle does.
      if (sampled === 0 || expired * 10 <= sampled) return false;
      if (performance.now() >= deadline) return true;
    }
  }

  /**
   * Removes an expired key unless this server is a replica (then the key is
   * only hidden). Returns true when the key must be treated as missing.
   */
  private expire(key: string, entry: Entry): boolean {
    if (!this.ctx.expireOnAccess) return !this.ctx.obeyingMaster;
    this.willChange(key);
    this.remove(key, entry);
    this.ctx.dirty++;
    this.ctx.stats.expiredKeys++;
    this.ctx.events.keyExpired(this, key);
    this.ctx.events.keyChanged(this, key);
    return true;
  }

  /**
   * Every change announcement goes through here: the snapshot hook first, so
   * it sees the old value, then the server's events.
   */
  private willChange(key: string): void {
    const snapshot = this.ctx.activeSnapshot;
    if (snapshot !== null) snapshot.keyWillChange(this, key);
    this.ctx.events.keyWillChange(this, key);
  }

  private setExpireOn(key: string, entry: Entry, at: number | bigint): void {
    if (entry.expireAt === 0) this.volatile.set(key, entry);
    if (typeof at === 'bigint') {
      entry.expireAt = Number(at);
      entry.expireAtExact = at > MAX_SAFE ? at : null;
    } else {
      entry.expireAt = at;
      entry.expireAtExact = null;
    }
  }

  private remove(key: string, entry: Entry): void {
    this.dict.delete(key);
    if (entry.expireAt !== 0) this.volatile.delete(key);
    this.slots[entry.slot] = undefined;
    if (entry.slot === this.slots.length - 1) {
      // Trim trailing holes so the array shrinks with the data.
      while (this.slots.length > 0 && this.slots[this.slots.length - 1] === undefined)
        this.slots.pop();
    } else {
      this.freeSlots.push(entry.slot);
    }
  }

  private takeSlot(key: string): number {
    while (this.freeSlots.length > 0) {
      const slot = this.freeSlots.pop()!;
      // Slots past the trimmed end are stale entries of the free list.
      if (slot < this.slots.length && this.slots[slot] === undefined) {
        this.slots[slot] = key;
        return slot;
      }
    }
    this.slots.push(key);
    return this.slots.length - 1;
  }
}
