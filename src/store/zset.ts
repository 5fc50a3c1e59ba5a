import { mixDigest, xorDigest } from './digest.js';
import { encodingLimits } from './encoding-limits.js';
import type { AggregateValue } from './values.js';

/**
 * The sorted set value: an order-statistic B+tree (leaves hold up to
 * NODE_SIZE members in order; inner nodes hold their children's sizes and
 * smallest members) for O(log n) insert, delete, rank and range, plus a
 * member → node Map for O(1) score lookups.
 *
 * Why not Redis's skiplist: in JS every skiplist node drags two level arrays
 * behind it, so a walk over a 1M-member set chases three scattered heap
 * objects per hop and is memory-bound (measured: 13 µs per ZRANK at 1M, see
 * docs/performance.md). A B+tree of 64-wide nodes reaches any member in about
 * four node visits over contiguous arrays.
 *
 * Ordering: by score, then by member bytes (memcmp). Members are Buffers the
 * caller has already copied out of the request; the Map is keyed by the latin1
 * string of the member (binary safe, one char per byte).
 *
 * Redis keeps small sets as a listpack. We always use the tree and only
 * remember which encoding Redis would report, because two behaviours depend on
 * it: OBJECT ENCODING, and the listpack storing scores as text, which turns a
 * -0 score into 0 (d2string prints -0 as "0").
 */

/** Members per leaf and children per inner node. */
const NODE_SIZE = 64;

/** One member of the set; the handle commands hold while walking ranges. */
export interface ZNode {
  readonly member: Buffer;
  /** `member` as a latin1 string: the key of RedisZSet's map. */
  readonly key: string;
  score: number;
  /** Index in RedisZSet.slots, ZSCAN's stable cursor position. */
  slot: number;
  /** The leaf currently holding this member (kept up to date on splits). */
  leaf: Leaf | null;
}

/**
 * A new member node. An object literal rather than a class instance, as
 * database.ts's entries are: V8 pretenures literals it sees survive, so
 * loading sets with hundreds of thousands of members does not copy every
 * node (and its boxed score) twice through the young generation.
 */
function newZNode(member: Buffer, key: string, score: number): ZNode {
  const leaf: Leaf | null = null;
  return { member, key, score, slot: -1, leaf };
}

class Leaf {
  readonly items: ZNode[] = [];
  parent: Inner | null = null;
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

class Inner {
  readonly children: Array<Inner | Leaf> = [];
  /** Members below each child: rank arithmetic without visiting leaves. */
  readonly counts: number[] = [];
  /** Smallest member below each child: where a descent turns. */
  readonly mins: ZNode[] = [];
  parent: Inner | null = null;
}

type TreeNode = Inner | Leaf;

/** Order of a member relative to (score, member). */
function compareTo(node: ZNode, score: number, member: Buffer): number {
  if (node.score < score) return -1;
  if (node.score > score) return 1;
  return Buffer.compare(node.member, member);
}

/** A score interval as ZRANGEBYSCORE takes it: `(` makes a bound exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex bound: `-` (kind -1) and `+` (kind 1) sort before/after every member. */
export interface LexBound {
  kind: -1 | 0 | 1;
  value: Buffer;
  ex: boolean;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

export function scoreGteMin(value: number, range: ScoreRange): boolean {
  return range.minex ? value > range.min : value >= range.min;
}

export function scoreLteMax(value: number, range: ScoreRange): boolean {
  return range.maxex ? value < range.max : value <= range.max;
}

function compareLexBounds(a: LexBound, b: LexBound): number {
  if (a.kind !== 0 || b.kind !== 0) return a.kind === b.kind ? 0 : a.kind < b.kind ? -1 : 1;
  return Buffer.compare(a.value, b.value);
}

export function lexGteMin(member: Buffer, range: LexRange): boolean {
  const min = range.min;
  if (min.kind !== 0) return min.kind < 0;
  const cmp = Buffer.compare(member, min.value);
  return min.ex ? cmp > 0 : cmp >= 0;
}

export function lexLteMax(member: Buffer, range: LexRange): boolean {
  const max = range.max;
  if (max.kind !== 0) return max.kind > 0;
  const cmp = Buffer.compare(member, max.value);
  return max.ex ? cmp < 0 : cmp <= 0;
}

/** Ranges that can hold nothing, whatever the set (zslIsInRange's first test). */
function emptyScoreRange(range: ScoreRange): boolean {
  return range.min > range.max || (range.min === range.max && (range.minex || range.maxex));
}

function emptyLexRange(range: LexRange): boolean {
  const cmp = compareLexBounds(range.min, range.max);
  return cmp > 0 || (cmp === 0 && (range.min.ex || range.max.ex));
}

export class RedisZSet implements AggregateValue {
  readonly type = 'zset';
  private root: TreeNode = new Leaf();
  private head: Leaf = this.root as Leaf;
  private tailLeaf: Leaf = this.root as Leaf;
  private readonly dict = new Map<string, ZNode>();
  /** Slot table for ZSCAN: a node keeps its slot for its whole life. */
  private readonly slots: Array<ZNode | undefined> = [];
  /** Created on the first removal: most sets (all loaded ones) never need it. */
  private freeSlots: number[] | null = null;

  /** True while Redis would still hold this set as a listpack. */
  listpack: boolean;

  constructor(listpack = true) {
    this.listpack = listpack && encodingLimits.zsetMaxListpackEntries > 0;
  }

  /**
   * A set about to receive its first member, encoded as ZADD creates it: a
   * skiplist right away when the limits leave no room for that member.
   */
  static forFirstMember(memberLength: number): RedisZSet {
    return new RedisZSet(memberLength <= encodingLimits.zsetMaxListpackValue);
  }

  get size(): number {
    return this.dict.size;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  score(key: string): number | undefined {
    return this.dict.get(key)?.score;
  }

  has(key: string): boolean {
    return this.dict.has(key);
  }

  /**
   * Adds a member that is not in the set; `member` must be a private copy.
   * `key` is its latin1 string when the caller already has it.
   */
  insert(member: Buffer, score: number, key = member.latin1Slice(0, member.length)): void {
    if (
      this.listpack &&
      (this.dict.size + 1 > encodingLimits.zsetMaxListpackEntries ||
        member.length > encodingLimits.zsetMaxListpackValue)
    ) {
      this.listpack = false;
    }
    const node = newZNode(member, key, this.listpack ? score + 0 : score);
    const free = this.freeSlots;
    node.slot = free !== null && free.length > 0 ? free.pop()! : this.slots.length;
    this.slots[node.slot] = node;
    this.dict.set(key, node);
    this.link(node);
  }

  /** Changes the score of a present member (ZADD's update, ZINCRBY). */
  updateScore(key: string, score: number): void {
    const node = this.dict.get(key)!;
    this.unlinkFromTree(node);
    node.score = this.listpack ? score + 0 : score;
    this.link(node);
  }

  remove(key: string): boolean {
    const node = this.dict.get(key);
    if (node === undefined) return false;
    this.unlink(node);
    return true;
  }

  first(): ZNode | null {
    return this.head.items.length > 0 ? this.head.items[0]! : null;
  }

  last(): ZNode | null {
    const items = this.tailLeaf.items;
    return items.length > 0 ? items[items.length - 1]! : null;
  }

  /** The node's predecessor (null at the head), for reverse walks. */
  prev(node: ZNode): ZNode | null {
    const leaf = node.leaf!;
    const i = indexInLeaf(leaf, node);
    if (i > 0) return leaf.items[i - 1]!;
    const before = leaf.prev;
    return before === null ? null : before.items[before.items.length - 1]!;
  }

  next(node: ZNode): ZNode | null {
    const leaf = node.leaf!;
    const i = indexInLeaf(leaf, node);
    if (i + 1 < leaf.items.length) return leaf.items[i + 1]!;
    const after = leaf.next;
    return after === null ? null : after.items[0]!;
  }

  /** 0-based rank of a member, or -1. */
  rank(key: string): number {
    const node = this.dict.get(key);
    return node === undefined ? -1 : this.rankOfNode(node);
  }

  rankOfNode(node: ZNode): number {
    const leaf = node.leaf!;
    let rank = indexInLeaf(leaf, node);
    let child: TreeNode = leaf;
    for (let parent = leaf.parent; parent !== null; parent = parent.parent) {
      const at = parent.children.indexOf(child);
      for (let i = 0; i < at; i++) rank += parent.counts[i]!;
      child = parent;
    }
    return rank;
  }

  /** The node at a 0-based rank (must be < size). */
  byRank(rank: number): ZNode {
    if (rank < 0 || rank >= this.size) throw new Error(`rank ${rank} out of range`);
    let x = this.root;
    let left = rank;
    while (x instanceof Inner) {
      let i = 0;
      while (left >= x.counts[i]!) left -= x.counts[i++]!;
      x = x.children[i]!;
    }
    return x.items[left]!;
  }

  firstInScoreRange(range: ScoreRange): ZNode | null {
    if (emptyScoreRange(range)) return null;
    const found = this.firstWhere((n) => scoreGteMin(n.score, range));
    return found !== null && scoreLteMax(found.score, range) ? found : null;
  }

  lastInScoreRange(range: ScoreRange): ZNode | null {
    if (emptyScoreRange(range)) return null;
    const found = this.lastWhere((n) => scoreLteMax(n.score, range));
    return found !== null && scoreGteMin(found.score, range) ? found : null;
  }

  firstInLexRange(range: LexRange): ZNode | null {
    if (emptyLexRange(range)) return null;
    const found = this.firstWhere((n) => lexGteMin(n.member, range));
    return found !== null && lexLteMax(found.member, range) ? found : null;
  }

  lastInLexRange(range: LexRange): ZNode | null {
    if (emptyLexRange(range)) return null;
    const found = this.lastWhere((n) => lexLteMax(n.member, range));
    return found !== null && lexGteMin(found.member, range) ? found : null;
  }

  /** Removes the nodes of 0-based ranks start..end (inclusive); returns the count. */
  removeRankRange(start: number, end: number): number {
    if (start > end || start >= this.size) return 0;
    let node: ZNode | null = this.byRank(start);
    let removed = 0;
    for (let r = start; r <= end && node !== null; r++) {
      const after: ZNode | null = this.next(node);
      this.unlink(node);
      removed++;
      node = after;
    }
    return removed;
  }

  /** Removes and returns up to `count` members with the lowest scores, lowest first. */
  popMin(count: number): Array<[Buffer, number]> {
    const out: Array<[Buffer, number]> = [];
    while (out.length < count) {
      const node = this.first();
      if (node === null) break;
      out.push([node.member, node.score]);
      this.unlink(node);
    }
    return out;
  }

  /** Removes and returns up to `count` members with the highest scores, highest first. */
  popMax(count: number): Array<[Buffer, number]> {
    const out: Array<[Buffer, number]> = [];
    while (out.length < count) {
      const node = this.last();
      if (node === null) break;
      out.push([node.member, node.score]);
      this.unlink(node);
    }
    return out;
  }

  /** Members in order, for callers that need every element. */
  *nodes(): IterableIterator<ZNode> {
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      yield* leaf.items;
    }
  }

  /**
   * ZSCAN step: visits up to `count` occupied slots from `cursor`; returns the
   * next cursor (0 when done). A member present for the whole scan keeps its
   * slot, so it is returned exactly once.
   */
  scan(cursor: number, count: number, visit: (node: ZNode) => void): number {
    let i = cursor;
    let seen = 0;
    while (i < this.slots.length && seen < count) {
      const node = this.slots[i++];
      if (node !== undefined) {
        visit(node);
        seen++;
      }
    }
    return i >= this.slots.length ? 0 : i;
  }

  /**
   * After ZRANGESTORE/ZUNIONSTORE... built a fresh set: Redis converts it to a
   * listpack when it fits (zsetConvertToListpackIfNeeded).
   */
  settleStoredEncoding(maxMemberLength: number): void {
    this.listpack =
      this.size <= encodingLimits.zsetMaxListpackEntries &&
      maxMemberLength <= encodingLimits.zsetMaxListpackValue;
    if (this.listpack) for (const node of this.nodes()) node.score += 0;
  }

  clone(): RedisZSet {
    const copy = new RedisZSet(this.listpack);
    copy.listpack = this.listpack;
    for (const node of this.nodes()) {
      const twin = newZNode(node.member, node.key, node.score);
      twin.slot = copy.slots.length;
      copy.slots.push(twin);
      copy.dict.set(twin.key, twin);
      copy.link(twin);
    }
    return copy;
  }

  /** Redis's xorObjectDigest for zsets: per member SHA1-mix member then "%.17g" score, xor. */
  digest(keyDigest: Buffer): void {
    const element = Buffer.alloc(20);
    for (const node of this.nodes()) {
      element.fill(0);
      mixDigest(element, node.member);
      mixDigest(element, Buffer.from(formatScore(node.score), 'latin1'));
      xorDigest(keyDigest, element);
    }
  }

  /**
   * First member (in order) satisfying a predicate that is false then true
   * along the order, or null.
   */
  private firstWhere(test: (node: ZNode) => boolean): ZNode | null {
    let x = this.root;
    while (x instanceof Inner) {
      // The answer lies in the child before the first whose minimum passes.
      const i = firstPassing(x.mins, test);
      x = x.children[i === 0 ? 0 : i - 1]!;
    }
    const i = firstPassing(x.items, test);
    if (i < x.items.length) return x.items[i]!;
    // Every member of this leaf fails: the answer starts the next leaf.
    const after = x.next;
    return after !== null && after.items.length > 0 && test(after.items[0]!)
      ? after.items[0]!
      : null;
  }

  /** Last member satisfying a predicate that is true then false along the order, or null. */
  private lastWhere(test: (node: ZNode) => boolean): ZNode | null {
    let x = this.root;
    const fails = (node: ZNode): boolean => !test(node);
    while (x instanceof Inner) {
      const i = firstPassing(x.mins, fails) - 1;
      if (i < 0) return null;
      x = x.children[i]!;
    }
    const i = firstPassing(x.items, fails) - 1;
    return i < 0 ? null : x.items[i]!;
  }

  /** Places a node (not in the tree) at its position and fixes sizes and minimums. */
  private link(node: ZNode): void {
    let x = this.root;
    const score = node.score;
    const member = node.member;
    while (x instanceof Inner) {
      let i = x.mins.length - 1;
      while (i > 0 && compareTo(x.mins[i]!, score, member) > 0) i--;
      x = x.children[i]!;
    }
    const items = x.items;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareTo(items[mid]!, score, member) < 0) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, node);
    node.leaf = x;
    let child: TreeNode = x;
    for (let parent = x.parent; parent !== null; parent = parent.parent) {
      parent.counts[parent.children.indexOf(child)]!++;
      child = parent;
    }
    if (lo === 0 && x.parent !== null) this.refreshMins(x);
    if (items.length > NODE_SIZE) this.split(x);
  }

  /** After a leaf's first member changed: fix the minimums on the way up. */
  private refreshMins(leaf: Leaf): void {
    let child: TreeNode = leaf;
    let min = leaf.items[0]!;
    for (let parent = leaf.parent; parent !== null; parent = parent.parent) {
      const at = parent.children.indexOf(child);
      parent.mins[at] = min;
      if (at !== 0) break;
      min = parent.mins[0]!;
      child = parent;
    }
  }

  private split(x: TreeNode): void {
    const half = x instanceof Leaf ? x.items.length >>> 1 : x.children.length >>> 1;
    let right: TreeNode;
    let rightCount: number;
    let rightMin: ZNode;
    if (x instanceof Leaf) {
      const leaf = new Leaf();
      const moved = x.items.splice(half);
      for (const n of moved) {
        n.leaf = leaf;
        leaf.items.push(n);
      }
      leaf.next = x.next;
      leaf.prev = x;
      if (x.next !== null) x.next.prev = leaf;
      else this.tailLeaf = leaf;
      x.next = leaf;
      right = leaf;
      rightCount = moved.length;
      rightMin = moved[0]!;
    } else {
      const inner = new Inner();
      const children = x.children.splice(half);
      const counts = x.counts.splice(half);
      const mins = x.mins.splice(half);
      rightCount = 0;
      for (let i = 0; i < children.length; i++) {
        children[i]!.parent = inner;
        inner.children.push(children[i]!);
        inner.counts.push(counts[i]!);
        inner.mins.push(mins[i]!);
        rightCount += counts[i]!;
      }
      right = inner;
      rightMin = mins[0]!;
    }
    let parent = x.parent;
    if (parent === null) {
      parent = new Inner();
      parent.children.push(x);
      // x was the root: it held every member; the split below moves some right.
      parent.counts.push(this.size);
      parent.mins.push(x instanceof Leaf ? x.items[0]! : x.mins[0]!);
      x.parent = parent;
      this.root = parent;
    }
    const at = parent.children.indexOf(x);
    parent.counts[at]! -= rightCount;
    parent.children.splice(at + 1, 0, right);
    parent.counts.splice(at + 1, 0, rightCount);
    parent.mins.splice(at + 1, 0, rightMin);
    right.parent = parent;
    if (parent.children.length > NODE_SIZE) this.split(parent);
  }

  /** Removes a member from the tree and from the lookup structures. */
  private unlink(node: ZNode): void {
    this.unlinkFromTree(node);
    this.dict.delete(node.key);
    this.slots[node.slot] = undefined;
    (this.freeSlots ??= []).push(node.slot);
    if (this.dict.size === 0) {
      // Nothing left to protect: start the slot table afresh.
      this.slots.length = 0;
      this.freeSlots.length = 0;
    }
  }

  /** Takes a node out of the tree only (updateScore re-links it). */
  private unlinkFromTree(node: ZNode): void {
    const leaf = node.leaf!;
    const i = indexInLeaf(leaf, node);
    leaf.items.splice(i, 1);
    node.leaf = null;
    let child: TreeNode = leaf;
    for (let parent = leaf.parent; parent !== null; parent = parent.parent) {
      parent.counts[parent.children.indexOf(child)]!--;
      child = parent;
    }
    if (leaf.items.length === 0) this.dropEmpty(leaf);
    else if (i === 0 && leaf.parent !== null) this.refreshMins(leaf);
  }

  /** Detaches an emptied node from its parent (and the parent, if emptied in turn). */
  private dropEmpty(x: TreeNode): void {
    const parent = x.parent;
    if (parent === null) return; // the root may stay empty
    if (x instanceof Leaf) {
      if (x.prev !== null) x.prev.next = x.next;
      else this.head = x.next!;
      if (x.next !== null) x.next.prev = x.prev;
      else this.tailLeaf = x.prev!;
    }
    const at = parent.children.indexOf(x);
    parent.children.splice(at, 1);
    parent.counts.splice(at, 1);
    parent.mins.splice(at, 1);
    if (parent.children.length === 0) {
      this.dropEmpty(parent);
    } else if (at === 0 && parent.parent !== null) {
      this.refreshInnerMins(parent);
    }
    // A root with one child is replaced by it, so descents stay short.
    while (this.root instanceof Inner && this.root.children.length === 1) {
      const only: TreeNode = this.root.children[0]!;
      only.parent = null;
      this.root = only;
    }
  }

  /** After an inner node's first child changed: fix the minimums above it. */
  private refreshInnerMins(inner: Inner): void {
    let child: TreeNode = inner;
    const min = inner.mins[0]!;
    for (let parent = inner.parent; parent !== null; parent = parent.parent) {
      const at = parent.children.indexOf(child);
      parent.mins[at] = min;
      if (at !== 0) break;
      child = parent;
    }
  }
}

/** Index of the first element passing a false-then-true predicate (length if none). */
function firstPassing(nodes: readonly ZNode[], test: (node: ZNode) => boolean): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(nodes[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Position of a node in its leaf: binary search by order, then a short scan for ties. */
function indexInLeaf(leaf: Leaf, node: ZNode): number {
  const items = leaf.items;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareTo(items[mid]!, node.score, node.member) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (items[lo] === node) return lo;
  return items.indexOf(node);
}

/**
 * A score as C's printf("%.17g") writes it, which is what Redis 7.0 replies
 * (addReplyDouble), stores in listpacks and mixes into DEBUG DIGEST; `inf` and
 * `-inf` for the infinities. JS's toPrecision rounds ties away from zero where
 * glibc rounds them to even, so an exact tie at the 18th digit is redone from
 * the double's exact decimal expansion.
 */
export function formatScore(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Number.isNaN(x)) return 'nan';
  if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) {
    return Object.is(x, -0) ? '-0' : String(x);
  }
  const negative = x < 0;
  const abs = Math.abs(x);
  const exp18 = abs.toExponential(17); // 18 significant digits
  let digits: string;
  let exponent: number;
  if (exp18[18] === '5' && isExactTie(abs, exp18)) {
    const e = exp18.indexOf('e');
    const all = exp18.slice(0, 1) + exp18.slice(2, e - 1);
    exponent = Number(exp18.slice(e + 1));
    const lastDigit = all.charCodeAt(16) - 48;
    if (lastDigit % 2 === 0) {
      digits = all;
    } else {
      const bumped = (BigInt(all) + 1n).toString();
      if (bumped.length > 17) {
        digits = bumped.slice(0, 17);
        exponent++;
      } else {
        digits = bumped;
      }
    }
  } else {
    const exp17 = abs.toExponential(16);
    const e = exp17.indexOf('e');
    digits = exp17.slice(0, 1) + exp17.slice(2, e);
    exponent = Number(exp17.slice(e + 1));
  }
  return (negative ? '-' : '') + formatG(digits, exponent);
}

/** `text` without its trailing '0' characters (a loop: the regex showed in SAVE profiles). */
function trimZeros(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 48) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** %g layout of 17 significant digits d.ddd × 10^exponent. */
function formatG(digits: string, exponent: number): string {
  if (exponent < -4 || exponent >= 17) {
    let mantissa = digits.slice(0, 1);
    const frac = trimZeros(digits.slice(1));
    if (frac.length > 0) mantissa += '.' + frac;
    const absExp = Math.abs(exponent);
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  }
  let text: string;
  if (exponent < 0) {
    text = '0.' + '0'.repeat(-exponent - 1) + digits;
  } else {
    // 17 digits with exponent 16 leave an empty fraction: no point at all.
    if (exponent + 1 >= digits.length) return digits;
    text = digits.slice(0, exponent + 1) + '.' + digits.slice(exponent + 1);
  }
  text = trimZeros(text);
  return text.charCodeAt(text.length - 1) === 46 ? text.slice(0, -1) : text;
}

/** Scratch for reading a double's bits without allocating. */
const scoreBits = new DataView(new ArrayBuffer(8));

/** Number of trailing zero bits of a non-zero uint32. */
function trailingZeros(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** True when the exact value has exactly 18 significant digits, the last a 5. */
function isExactTie(abs: number, exp18: string): boolean {
  const view = scoreBits;
  view.setFloat64(0, abs);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  // Cheap filter first: a non-integer m·2^-f (m odd) has exactly f digits
  // after the point, the last a 5, so f + (decimal exponent) + 1
  // significant digits in all; unless that makes 18 it is no tie, and the
  // BigInt expansion below (microseconds) is skipped.
  const hiMantissa = (hi & 0xfffff) | (biased === 0 ? 0 : 0x100000);
  const zeros =
    lo !== 0 ? trailingZeros(lo) : hiMantissa !== 0 ? 32 + trailingZeros(hiMantissa) : 0;
  const fractionBits = (biased === 0 ? 1074 : 1075 - biased) - zeros;
  if (fractionBits > 0) {
    const exponent10 = Number(exp18.slice(exp18.indexOf('e') + 1));
    if (fractionBits + exponent10 + 1 !== 18) return false;
  }
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) {
    e2 = -1074;
  } else {
    mantissa |= 1n << 52n;
    e2 = biased - 1075;
  }
  let exact: string;
  if (e2 >= 0) exact = (mantissa << BigInt(e2)).toString();
  else exact = (mantissa * 5n ** BigInt(-e2)).toString();
  exact = trimZeros(exact);
  const e = exp18.indexOf('e');
  const shown = trimZeros(exp18.slice(0, 1) + exp18.slice(2, e));
  return exact === shown;
}
