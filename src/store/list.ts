import Denque from 'denque';
import { mixDigest } from './digest.js';
import type { AggregateValue } from './values.js';

/** Which end of a list a push or pop works on (Redis's LIST_HEAD / LIST_TAIL). */
export type ListEnd = 'left' | 'right';

/**
 * The list type. A ring-buffer deque (denque) rather than Redis's quicklist:
 * pushes and pops at both ends are O(1) and, unlike a linked list of packed
 * nodes, indexing is O(1) too, so LINDEX/LRANGE never walk the list. The price
 * is O(min(i, n - i)) element moves for an insertion or removal in the
 * middle (LINSERT, LSET through splice), which Redis's documented complexities
 * (O(N)) already allow.
 *
 * Elements are Buffers owned by the list: callers pass copies, never views of
 * a request buffer.
 */
export class RedisList implements AggregateValue {
  readonly type = 'list';
  private items: Denque<Buffer>;

  constructor(items?: Buffer[]) {
    this.items = items === undefined ? new Denque<Buffer>() : new Denque<Buffer>(items);
  }

  get size(): number {
    return this.items.length;
  }

  /** Elements are immutable Buffers (LSET replaces, never edits), so sharing them is safe. */
  clone(): RedisList {
    return new RedisList(this.items.toArray());
  }

  /** Redis 7.0 stores every list as a quicklist, whatever its size. */
  encoding(): string {
    return 'quicklist';
  }

  /** xorObjectDigest for lists: each element mixed in order, head to tail. */
  digest(keyDigest: Buffer): void {
    const n = this.items.length;
    for (let i = 0; i < n; i++) mixDigest(keyDigest, this.items.peekAt(i)!);
  }

  push(value: Buffer, end: ListEnd): void {
    if (end === 'left') this.items.unshift(value);
    else this.items.push(value);
  }

  /** Removes and returns the element at one end; undefined when empty. */
  pop(end: ListEnd): Buffer | undefined {
    return end === 'left' ? this.items.shift() : this.items.pop();
  }

  /** The element at a 0-based index from the head; no negative indexes here. */
  at(index: number): Buffer {
    return this.items.peekAt(index)!;
  }

  /**
   * Resolves a Redis index (negative counts from the tail) to a position, or
   * -1 when it falls outside the list.
   */
  position(index: number): number {
    const n = this.items.length;
    const i = index < 0 ? n + index : index;
    return i >= 0 && i < n ? i : -1;
  }

  /** Replaces the element at a valid position (from position()). */
  replace(position: number, value: Buffer): void {
    this.items.splice(position, 1, value);
  }

  /** Inserts before the element at `position` (position === size appends). */
  insertAt(position: number, value: Buffer): void {
    if (position === 0) this.items.unshift(value);
    else if (position === this.items.length) this.items.push(value);
    else this.items.splice(position, 0, value);
  }

  /** Position of the first element equal to `value` from the head, or -1. */
  indexOf(value: Buffer): number {
    const n = this.items.length;
    for (let i = 0; i < n; i++) if (this.items.peekAt(i)!.equals(value)) return i;
    return -1;
  }

  /** Drops `left` elements from the head and `right` from the tail (LTRIM). */
  trim(left: number, right: number): void {
    const n = this.items.length;
    const kept = n - left - right;
    if (kept <= 0) {
      this.items.clear();
      return;
    }
    if (kept < left + right) {
      // Keeping fewer than we drop: copying the survivors is cheaper.
      const survivors = new Array<Buffer>(kept);
      for (let i = 0; i < kept; i++) survivors[i] = this.items.peekAt(left + i)!;
      this.items = new Denque<Buffer>(survivors);
      return;
    }
    for (let i = 0; i < left; i++) this.items.shift();
    for (let i = 0; i < right; i++) this.items.pop();
  }

  /**
   * Removes up to `limit` elements equal to `value` (0 = all), scanning from
   * the head, or from the tail when `fromTail`. Returns how many went.
   */
  removeMatching(value: Buffer, limit: number, fromTail: boolean): number {
    const n = this.items.length;
    const remove = new Uint8Array(n);
    let removed = 0;
    for (let k = 0; k < n && (limit === 0 || removed < limit); k++) {
      const i = fromTail ? n - 1 - k : k;
      if (this.items.peekAt(i)!.equals(value)) {
        remove[i] = 1;
        removed++;
      }
    }
    if (removed === 0) return 0;
    // One O(N) rebuild instead of one O(N) splice per match.
    const survivors = new Array<Buffer>(n - removed);
    let j = 0;
    for (let i = 0; i < n; i++) if (remove[i] === 0) survivors[j++] = this.items.peekAt(i)!;
    this.items = new Denque<Buffer>(survivors);
    return removed;
  }
}
