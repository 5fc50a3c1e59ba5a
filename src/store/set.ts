import { xorDigest } from './digest.js';
import { encodingLimits } from './encoding-limits.js';
import type { AggregateValue } from './values.js';

/**
 * A string-keyed map whose keys also own a stable slot index, shared by sets
 * and hashes for the same reasons the keyspace uses slots (database.ts): a JS
 * Map has no random access (SRANDMEMBER, SPOP, HRANDFIELD) and no cursor that
 * survives deletions (SSCAN, HSCAN). A slot never moves while its key lives
 * and freed slots are reused, so a scan cursor is a slot index and every
 * element present for the whole scan is returned exactly once.
 *
 * Iteration (`keys`, `entries`) follows the Map's insertion order, which is
 * also the order of Redis's listpack encoding: an update keeps its place, a
 * removal followed by a re-insert moves to the end.
 */
export class SlottedMap<V> {
  private readonly index = new Map<string, number>();
  /**
   * Slot i holds its key at 2i and its value at 2i + 1: one array rather
   * than one per column, and the free list only once something was deleted,
   * because a loaded dataset has hundreds of thousands of small hashes and
   * sets and every object each of them drags along is GC work (load time).
   */
  private slots: Array<string | V | undefined> = [];
  private freeSlots: number[] | null = null;

  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): V | undefined {
    const slot = this.index.get(key);
    return slot === undefined ? undefined : (this.slots[2 * slot + 1] as V);
  }

  /** Inserts or updates; true when the key is new. */
  set(key: string, value: V): boolean {
    const slot = this.index.get(key);
    if (slot !== undefined) {
      this.slots[2 * slot + 1] = value;
      return false;
    }
    const fresh = this.takeSlot();
    this.slots[2 * fresh] = key;
    this.slots[2 * fresh + 1] = value;
    this.index.set(key, fresh);
    return true;
  }

  delete(key: string): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) return false;
    this.index.delete(key);
    const slots = this.slots;
    slots[2 * slot] = undefined;
    slots[2 * slot + 1] = undefined;
    if (2 * slot === slots.length - 2) {
      // Trim trailing holes so the array shrinks with the data.
      while (slots.length > 0 && slots[slots.length - 2] === undefined) slots.length -= 2;
    } else {
      (this.freeSlots ??= []).push(slot);
    }
    return true;
  }

  keys(): IterableIterator<string> {
    return this.index.keys();
  }

  *entries(): IterableIterator<[string, V]> {
    const slots = this.slots;
    for (const [key, slot] of this.index) yield [key, slots[2 * slot + 1] as V];
  }

  /** A uniformly random key; the map must not be empty. */
  randomKey(): string {
    const slots = this.slots;
    const count = slots.length / 2;
    // Probing is O(1) while the slot array is dense; a sparse one (after mass
    // deletions) falls back to a walk from a random start.
    for (let tries = 0; tries < 32; tries++) {
      const key = slots[2 * Math.floor(Math.random() * count)];
      if (key !== undefined) return key as string;
    }
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const key = slots[2 * ((start + i) % count)];
      if (key !== undefined) return key as string;
    }
    throw new Error('randomKey on an empty SlottedMap');
  }

  /**
   * `count` distinct random keys (count < size), in random order. A sample
   * close to the whole map is cut from a shuffled copy; a small one is drawn
   * by probing, which stays cheap because repeats are rare.
   */
  sampleDistinct(count: number): string[] {
    if (count * 3 > this.size) {
      const all = Array.from(this.index.keys());
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (all.length - i));
        const t = all[i]!;
        all[i] = all[j]!;
        all[j] = t;
      }
      all.length = count;
      return all;
    }
    const picked = new Set<string>();
    while (picked.size < count) picked.add(this.randomKey());
    return Array.from(picked);
  }

  /**
   * One scan step from slot `cursor`: visits up to `count` keys (or skips at
   * most 10×count empty slots, as Redis bounds empty buckets). Returns the
   * next cursor, 0 once the walk is complete.
   */
  scan(cursor: number, count: number, visit: (key: string, value: V) => void): number {
    let returned = 0;
    let visited = 0;
    const limit = count * 10;
    const slots = this.slots;
    const end = slots.length / 2;
    let i = cursor;
    while (i < end && returned < count && visited < limit) {
      const key = slots[2 * i];
      const value = slots[2 * i + 1];
      i++;
      visited++;
      if (key === undefined) continue;
      visit(key as string, value as V);
      returned++;
    }
    return i >= end ? 0 : i;
  }

  /** A copy with the same keys and values (values are shared: callers store immutable ones). */
  clone(): SlottedMap<V> {
    const copy = new SlottedMap<V>();
    for (const [key, value] of this.entries()) copy.set(key, value);
    return copy;
  }

  private takeSlot(): number {
    const free = this.freeSlots;
    if (free !== null) {
      while (free.length > 0) {
        const slot = free.pop()!;
        // Slots past the trimmed end are stale entries of the free list.
        if (2 * slot < this.slots.length && this.slots[2 * slot] === undefined) return slot;
      }
    }
    this.slots.push(undefined, undefined);
    return this.slots.length / 2 - 1;
  }
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Whether Redis would store the member in an intset: the text is exactly what
 * string2ll accepts (optional '-', no leading zeros, no '+', within int64).
 */
export function isIntsetMember(member: string): boolean {
  const len = member.length;
  if (len === 0 || len > 20) return false;
  if (!/^(0|-?[1-9][0-9]*)$/.test(member)) return false;
  if (len < 19) return true;
  const value = BigInt(member);
  return value <= INT64_MAX && value >= INT64_MIN;
}

function compareIntegers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A Redis set: members are latin1 strings (binary safe, one char per byte).
 *
 * Redis 7.0 keeps a set as an intset while every member is an integer and
 * there are at most set-max-intset-entries of them, else as a hashtable, and
 * never converts back (except SPOP's rebuild, see `rebuilt`). We only track
 * which encoding Redis would report; the storage is always the slotted map.
 */
export class RedisSet implements AggregateValue {
  readonly type = 'set' as const;
  readonly members: SlottedMap<true>;
  /** True once Redis would have converted to a hashtable. */
  private hashtable: boolean;

  /**
   * `first` is the member the set is created for (setTypeCreate): an integer
   * starts an intset, anything else a hashtable. Without it the set starts as
   * an intset (createIntsetObject, as the *STORE commands do).
   */
  constructor(first?: string, members?: SlottedMap<true>) {
    this.hashtable = first !== undefined && !isIntsetMember(first);
    this.members = members ?? new SlottedMap<true>();
  }

  get size(): number {
    return this.members.size;
  }

  has(member: string): boolean {
    return this.members.has(member);
  }

  /** Adds a member; true when it was not there. Tracks Redis's encoding conversions. */
  add(member: string): boolean {
    if (!this.members.set(member, true)) return false;
    if (!this.hashtable) {
      if (!isIntsetMember(member) || this.members.size > encodingLimits.setMaxIntsetEntries)
        this.hashtable = true;
    }
    return true;
  }

  remove(member: string): boolean {
    return this.members.delete(member);
  }

  /** True while Redis would hold the set as an intset (SSCAN returns it whole). */
  get compact(): boolean {
    return !this.hashtable;
  }

  randomMember(): string {
    return this.members.randomKey();
  }

  /**
   * Members in the order Redis would list them: an intset is sorted
   * numerically; a hashtable's order is unspecified, insertion order here.
   */
  list(): string[] {
    const out = Array.from(this.members.keys());
    if (!this.hashtable) out.sort(compareIntegers);
    return out;
  }

  /**
   * A new set holding the same members, encoded as Redis encodes a set built
   * from scratch (SPOP's "keep the remaining elements" strategy replaces the
   * value this way, so a hashtable set of few integers becomes an intset).
   */
  rebuilt(): RedisSet {
    const members = Array.from(this.members.keys());
    const fresh = new RedisSet(members[0]);
    for (const m of members) fresh.add(m);
    return fresh;
  }

  clone(): RedisSet {
    const copy = new RedisSet(undefined, this.members.clone());
    copy.hashtable = this.hashtable;
    return copy;
  }

  encoding(): string {
    return this.hashtable ? 'hashtable' : 'intset';
  }

  /** xorObjectDigest for sets: each member's SHA1 xored into the key digest. */
  digest(keyDigest: Buffer): void {
    for (const member of this.members.keys()) xorDigest(keyDigest, Buffer.from(member, 'latin1'));
  }
}
