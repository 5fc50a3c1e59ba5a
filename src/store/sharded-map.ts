/**
 * A string-keyed Map split into SHARD_COUNT Maps by a hash of the key, for a
 * database's key dictionaries.
 *
 * Why: a JS Map rehashes its whole table in one step when it grows. At a
 * million keys that step took 64 ms alone and ~250–350 ms inside a server
 * with a large heap (measured: the master's PING stalled that long when a
 * write load crossed 2^20 keys), and 234 ms at 2^21 alone. Redis rehashes
 * incrementally to avoid exactly this. Split 64 ways, each growth moves a
 * 64th of the keys (~1 ms at a million keys). The price is hashing the key
 * in JS on every access, a few nanoseconds for the short keys of real
 * workloads (long keys are sampled, see shardOf).
 *
 * Iteration walks the shards in turn; like a Map iterator it stays valid
 * while entries are added and deleted (snapshots and active expiry rely on
 * that), and sees every entry present for the whole walk exactly once.
 */

const SHARD_BITS = 6;
const SHARD_COUNT = 1 << SHARD_BITS;
const SHARD_MASK = SHARD_COUNT - 1;

/** FNV-1a over the key's code units; keys over 32 units hash their ends and length. */
function shardOf(key: string): number {
  let h = 0x811c9dc5;
  const n = key.length;
  if (n <= 32) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < 16; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    for (let i = n - 16; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ n, 0x01000193);
  }
  // The low bits of FNV mix poorly for short keys: fold the high ones in.
  return (h ^ (h >>> 16) ^ (h >>> 26)) & SHARD_MASK;
}

export class ShardedMap<V> {
  private readonly shards: Array<Map<string, V>> = [];
  private count = 0;

  constructor() {
    for (let i = 0; i < SHARD_COUNT; i++) this.shards.push(new Map());
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.shards[shardOf(key)]!.get(key);
  }

  has(key: string): boolean {
    return this.shards[shardOf(key)]!.has(key);
  }

  set(key: string, value: V): this {
    const shard = this.shards[shardOf(key)]!;
    const before = shard.size;
    shard.set(key, value);
    this.count += shard.size - before;
    return this;
  }

  delete(key: string): boolean {
    if (!this.shards[shardOf(key)]!.delete(key)) return false;
    this.count--;
    return true;
  }

  entries(): ShardedMapIterator<V> {
    return new ShardedMapIterator(this.shards);
  }

  [Symbol.iterator](): ShardedMapIterator<V> {
    return new ShardedMapIterator(this.shards);
  }
}

/** Walks the shards' own iterators in turn (no generator: this is the SAVE and KEYS loop). */
export class ShardedMapIterator<V> implements IterableIterator<[string, V]> {
  private index = 0;
  private current: IterableIterator<[string, V]>;

  constructor(private readonly shards: ReadonlyArray<Map<string, V>>) {
    this.current = shards[0]!.entries();
  }

  next(): IteratorResult<[string, V]> {
    for (;;) {
      const step = this.current.next();
      if (step.done !== true) return step;
      if (this.index === this.shards.length - 1) return step;
      this.index++;
      this.current = this.shards[this.index]!.entries();
    }
  }

  [Symbol.iterator](): ShardedMapIterator<V> {
    return this;
  }
}
