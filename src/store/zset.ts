import { mixDigest, xorDigest } from './digest.js';
import { encodingLimits } from './encoding-limits.js';
import type { AggregateValue } from './values.js';

/**
 * The sorted set value: a skiplist with span counts (Redis's zskiplist) for
 * O(log n) insert, delete, rank and range, plus a member → node Map for O(1)
 * score lookups. A balanced tree would do as well; the skiplist is chosen so
 * that every algorithm (rank from spans, range descent, reverse walks through
 * `backward`) reads like Redis's and its corner cases land in the same place.
 *
 * Ordering: by score, then by member bytes (memcmp). Members are Buffers the
 * caller has already copied out of the request; the Map is keyed by the latin1
 * string of the member (binary safe, one char per byte).
 *
 * Redis keeps small sets as a listpack. We always use the skiplist and only
 * remember which encoding Redis would report, because two behaviours depend on
 * it: OBJECT ENCODING, and the listpack storing scores as text, which turns a
 * -0 score into 0 (d2string prints -0 as "0").
 */

const MAX_LEVEL = 32;
const P = 0.25;

export class ZNode {
  readonly next: Array<ZNode | null>;
  /** span[i]: how many level-0 steps next[i] jumps over (rank arithmetic). */
  readonly span: number[];
  backward: ZNode | null = null;
  /** Index in RedisZSet.slots, ZSCAN's stable cursor position. */
  slot = -1;

  constructor(
    readonly member: Buffer,
    readonly key: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
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

function compareNodeTo(node: ZNode, score: number, member: Buffer): number {
  if (node.score < score) return -1;
  if (node.score > score) return 1;
  return Buffer.compare(node.member, member);
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

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

export class RedisZSet implements AggregateValue {
  readonly type = 'zset';
  private readonly header = new ZNode(Buffer.alloc(0), '', 0, MAX_LEVEL);
  private tail: ZNode | null = null;
  private level = 1;
  private readonly dict = new Map<string, ZNode>();
  /** Slot table for ZSCAN: a node keeps its slot for its whole life. */
  private readonly slots: Array<ZNode | undefined> = [];
  private readonly freeSlots: number[] = [];

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

  /** Adds a member that is not in the set; `member` must be a private copy. */
  insert(member: Buffer, score: number): void {
    if (
      this.listpack &&
      (this.dict.size + 1 > encodingLimits.zsetMaxListpackEntries ||
        member.length > encodingLimits.zsetMaxListpackValue)
    ) {
      this.listpack = false;
    }
    const key = member.latin1Slice(0, member.length);
    this.insertNode(member, key, this.listpack ? score + 0 : score);
  }

  /** Changes the score of a present member (ZADD's update, ZINCRBY). */
  updateScore(key: string, score: number): void {
    const node = this.dict.get(key)!;
    const stored = this.listpack ? score + 0 : score;
    this.unlink(node);
    this.insertNode(node.member, key, stored);
  }

  remove(key: string): boolean {
    const node = this.dict.get(key);
    if (node === undefined) return false;
    this.unlink(node);
    return true;
  }

  first(): ZNode | null {
    return this.header.next[0]!;
  }

  last(): ZNode | null {
    return this.tail;
  }

  /** The node's predecessor (null at the head), for reverse walks. */
  prev(node: ZNode): ZNode | null {
    return node.backward;
  }

  next(node: ZNode): ZNode | null {
    return node.next[0]!;
  }

  /** 0-based rank of a member, or -1. */
  rank(key: string): number {
    const node = this.dict.get(key);
    return node === undefined ? -1 : this.rankOfNode(node);
  }

  rankOfNode(node: ZNode): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && compareNodeTo(f, node.score, node.member) <= 0) {
        rank += x.span[i]!;
        x = f;
        f = x.next[i]!;
      }
      if (x === node) return rank - 1;
    }
    return rank - 1;
  }

  /** The node at a 0-based rank (must be < size). */
  byRank(rank: number): ZNode {
    let traversed = 0;
    let x = this.header;
    const target = rank + 1;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && traversed + x.span[i]! <= target) {
        traversed += x.span[i]!;
        x = f;
        f = x.next[i]!;
      }
      if (traversed === target) return x;
    }
    throw new Error(`rank ${rank} out of range`);
  }

  firstInScoreRange(range: ScoreRange): ZNode | null {
    if (emptyScoreRange(range) || this.tail === null) return null;
    if (!scoreGteMin(this.tail.score, range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && !scoreGteMin(f.score, range)) {
        x = f;
        f = x.next[i]!;
      }
    }
    const found = x.next[0]!;
    return found !== null && scoreLteMax(found.score, range) ? found : null;
  }

  lastInScoreRange(range: ScoreRange): ZNode | null {
    const head = this.header.next[0]!;
    if (emptyScoreRange(range) || head === null) return null;
    if (!scoreLteMax(head.score, range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && scoreLteMax(f.score, range)) {
        x = f;
        f = x.next[i]!;
      }
    }
    return x !== this.header && scoreGteMin(x.score, range) ? x : null;
  }

  firstInLexRange(range: LexRange): ZNode | null {
    if (emptyLexRange(range) || this.tail === null) return null;
    if (!lexGteMin(this.tail.member, range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && !lexGteMin(f.member, range)) {
        x = f;
        f = x.next[i]!;
      }
    }
    const found = x.next[0]!;
    return found !== null && lexLteMax(found.member, range) ? found : null;
  }

  lastInLexRange(range: LexRange): ZNode | null {
    const head = this.header.next[0]!;
    if (emptyLexRange(range) || head === null) return null;
    if (!lexLteMax(head.member, range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && lexLteMax(f.member, range)) {
        x = f;
        f = x.next[i]!;
      }
    }
    return x !== this.header && lexGteMin(x.member, range) ? x : null;
  }

  /** Removes the nodes of 0-based ranks start..end (inclusive); returns the count. */
  removeRankRange(start: number, end: number): number {
    if (start > end || start >= this.size) return 0;
    let node: ZNode | null = this.byRank(start);
    let removed = 0;
    for (let r = start; r <= end && node !== null; r++) {
      const after: ZNode | null = node.next[0]!;
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
      const node = this.header.next[0]!;
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
      const node = this.tail;
      if (node === null) break;
      out.push([node.member, node.score]);
      this.unlink(node);
    }
    return out;
  }

  /** Members in order, for callers that need every element. */
  *nodes(): IterableIterator<ZNode> {
    for (let x = this.header.next[0]!; x !== null; x = x.next[0]!) yield x;
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
    for (const node of this.nodes()) copy.insertNode(node.member, node.key, node.score);
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

  private insertNode(member: Buffer, key: string, score: number): void {
    const update = new Array<ZNode>(MAX_LEVEL);
    const rank = new Array<number>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      let f = x.next[i]!;
      while (f !== null && compareNodeTo(f, score, member) < 0) {
        rank[i]! += x.span[i]!;
        x = f;
        f = x.next[i]!;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.dict.size;
      }
      this.level = level;
    }
    const node = new ZNode(member, key, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.next[i] = u.next[i]!;
      u.next[i] = node;
      node.span[i] = u.span[i]! - (rank[0]! - rank[i]!);
      u.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.header ? null : update[0]!;
    const after = node.next[0]!;
    if (after !== null) after.backward = node;
    else this.tail = node;
    this.dict.set(key, node);
    node.slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.slots.length;
    this.slots[node.slot] = node;
  }

  private unlink(node: ZNode): void {
    const update = new Array<ZNode>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && f !== node && compareNodeTo(f, node.score, node.member) < 0) {
        x = f;
        f = x.next[i]!;
      }
      update[i] = x;
    }
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (u.next[i] === node) {
        u.span[i]! += node.span[i]! - 1;
        u.next[i] = node.next[i]!;
      } else {
        u.span[i]!--;
      }
    }
    const after = node.next[0]!;
    if (after !== null) after.backward = node.backward;
    else this.tail = node.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.dict.delete(node.key);
    this.slots[node.slot] = undefined;
    this.freeSlots.push(node.slot);
    if (this.dict.size === 0) {
      // Nothing left to protect: start the slot table afresh.
      this.slots.length = 0;
      this.freeSlots.length = 0;
    }
  }
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

/** %g layout of 17 significant digits d.ddd × 10^exponent. */
function formatG(digits: string, exponent: number): string {
  if (exponent < -4 || exponent >= 17) {
    let mantissa = digits.slice(0, 1);
    const frac = digits.slice(1).replace(/0+$/, '');
    if (frac.length > 0) mantissa += '.' + frac;
    const absExp = Math.abs(exponent);
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  }
  let text: string;
  if (exponent < 0) {
    text = '0.' + '0'.repeat(-exponent - 1) + digits;
  } else {
    text = digits.slice(0, exponent + 1) + '.' + digits.slice(exponent + 1);
  }
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text;
}

/** True when the exact value has exactly 18 significant digits, the last a 5. */
function isExactTie(abs: number, exp18: string): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
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
  exact = exact.replace(/0+$/, '');
  const e = exp18.indexOf('e');
  const shown = (exp18.slice(0, 1) + exp18.slice(2, e)).replace(/0+$/, '');
  return exact === shown;
}
