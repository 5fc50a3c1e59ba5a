import type { Client } from '../server/client.js';
import { KEYSPACE_EVENT } from '../config/options.js';
import { encodingLimits } from '../store/encoding-limits.js';
import { globMatch } from '../store/glob.js';
import type { StoredValue } from '../store/values.js';
import { RedisSet } from '../store/set.js';
import {
  formatScore,
  lexGteMin,
  lexLteMax,
  RedisZSet,
  scoreGteMin,
  scoreLteMax,
  type LexBound,
  type LexRange,
  type ScoreRange,
  type ZNode,
} from '../store/zset.js';
import {
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  isKeyword,
  keyOf,
  parseInt64,
  parseInteger,
  parseScanCursorOrReply,
  parseScanOptionsOrReply,
} from './args.js';
import type { CommandSpec } from './types.js';
import { deleteIfEmpty } from './collections.js';
import { timeoutArgOrReply } from '../server/blocking.js';

/**
 * Sorted set commands (t_zset.c). Parsing order, error texts and reply shapes
 * follow Redis 7.0 exactly, because clients and the differential tests see
 * every one of them: e.g. ZADD parses all scores before looking the key up, so
 * a bad float wins over WRONGTYPE, while ZRANGE checks its options first.
 */

const ERR_NAN = 'ERR resulting score is not a number (NaN)';
const ERR_MINMAX_FLOAT = 'ERR min or max is not a float';
const ERR_MINMAX_LEX = 'ERR min or max not valid string range item';
const ERR_POSITIVE = 'ERR value is out of range, must be positive';
const INT64_MAX = 9223372036854775807n;
const EMPTY_ARRAY = Buffer.from('*0\r\n');
const EMPTY_SCAN = Buffer.from('*2\r\n$1\r\n0\r\n*0\r\n');
const ZSET = KEYSPACE_EVENT.ZSET;
const GENERIC = KEYSPACE_EVENT.GENERIC;

// ---------------------------------------------------------------------------
// Number parsing: C's strtod, which Redis uses directly for ranges and through
// getDoubleFromObject (stricter) for scores and weights.

function isSpace(ch: number): boolean {
  return ch === 0x20 || (ch >= 0x09 && ch <= 0x0d);
}

const INF_RE = /^(?:infinity|inf)/i;
const NAN_RE = /^nan(?:\([0-9a-z_]*\))?/i;
const HEX_RE = /^0x(?:([0-9a-f]+)(?:\.([0-9a-f]*))?|\.([0-9a-f]+))(?:p([+-]?\d+))?/i;
const DEC_RE = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/i;

interface Strtod {
  value: number;
  /** Index just past the parsed number; 0 when nothing was converted. */
  end: number;
  /** glibc would set ERANGE: a finite text overflowed to ±inf or underflowed to 0. */
  range: boolean;
}

function strtod(text: string): Strtod {
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  let sign = 1;
  if (text[i] === '+' || text[i] === '-') {
    if (text[i] === '-') sign = -1;
    i++;
  }
  const rest = text.slice(i);
  let m = INF_RE.exec(rest);
  if (m !== null) return { value: sign * Infinity, end: i + m[0].length, range: false };
  m = NAN_RE.exec(rest);
  if (m !== null) return { value: NaN, end: i + m[0].length, range: false };
  m = HEX_RE.exec(rest);
  if (m !== null) {
    const intPart = m[1] ?? '';
    const fracPart = m[2] ?? m[3] ?? '';
    const mantissa = BigInt('0x' + (intPart + fracPart || '0'));
    let exp = (m[4] === undefined ? 0 : Number(m[4])) - 4 * fracPart.length;
    let value = Number(mantissa);
    // Scale in steps so that intermediate powers of two stay representable.
    while (exp > 0 && Number.isFinite(value) && value !== 0) {
      const step = Math.min(exp, 1000);
      value *= 2 ** step;
      exp -= step;
    }
    while (exp < 0 && value !== 0) {
      const step = Math.max(exp, -1000);
      value *= 2 ** step;
      exp -= step;
    }
    const range = (!Number.isFinite(value) || value === 0) && mantissa !== 0n;
    return { value: sign * value, end: i + m[0].length, range };
  }
  m = DEC_RE.exec(rest);
  if (m !== null) {
    const value = Number(m[0]);
    const range = !Number.isFinite(value) || (value === 0 && /[1-9]/.test(m[0].split(/e/i)[0]!));
    return { value: sign * value, end: i + m[0].length, range };
  }
  // A lone "0x" still converts its "0".
  if (/^0x/i.test(rest)) return { value: 0, end: i + 1, range: false };
  return { value: 0, end: 0, range: false };
}

/** getDoubleFromObject: whole text, no leading space, no NaN, no overflow/underflow to 0. */
function parseScore(arg: Buffer): number | null {
  const text = arg.latin1Slice(0, arg.length);
  if (text.length === 0 || isSpace(text.charCodeAt(0))) return null;
  const r = strtod(text);
  if (r.end !== text.length || Number.isNaN(r.value)) return null;
  if (r.range && (!Number.isFinite(r.value) || r.value === 0)) return null;
  return r.value;
}

/** One bound of zslParseRange: `(` prefix for exclusive, plain strtod otherwise. */
function parseScoreBound(arg: Buffer): { value: number; ex: boolean } | null {
  const text = arg.latin1Slice(0, arg.length);
  const ex = text.startsWith('(');
  const body = ex ? text.slice(1) : text;
  const r = strtod(body);
  // strtod stops at a NUL as C does; everything must be consumed.
  if (r.end !== body.length || Number.isNaN(r.value)) return null;
  return { value: r.value, ex };
}

function parseScoreRange(minArg: Buffer, maxArg: Buffer): ScoreRange | null {
  const min = parseScoreBound(minArg);
  const max = parseScoreBound(maxArg);
  if (min === null || max === null) return null;
  return { min: min.value, minex: min.ex, max: max.value, maxex: max.ex };
}

function parseLexBound(arg: Buffer): LexBound | null {
  if (arg.length === 0) return null;
  const first = arg[0]!;
  // Redis tests c[1] != '\0' on a NUL-terminated string.
  const alone = arg.length === 1 || arg[1] === 0;
  if (first === 0x2b /* + */) return alone ? { kind: 1, value: arg, ex: true } : null;
  if (first === 0x2d /* - */) return alone ? { kind: -1, value: arg, ex: true } : null;
  if (first === 0x28 /* ( */) return { kind: 0, value: arg.subarray(1), ex: true };
  if (first === 0x5b /* [ */) return { kind: 0, value: arg.subarray(1), ex: false };
  return null;
}

function parseLexRange(minArg: Buffer, maxArg: Buffer): LexRange | null {
  const min = parseLexBound(minArg);
  const max = parseLexBound(maxArg);
  return min === null || max === null ? null : { min, max };
}

/** getLongFromObjectOrReply. */
function longArg(c: Client, arg: Buffer, message = ERR_NOT_INTEGER): number | null {
  const n = parseInteger(arg);
  if (n === null) c.reply.error(message);
  return n;
}

// ---------------------------------------------------------------------------
// Lookups and replies

function isZSet(value: StoredValue): value is RedisZSet {
  return value instanceof RedisZSet;
}

/** The zset at key for reading; undefined when missing, null after a WRONGTYPE reply. */
function readZSet(c: Client, key: string): RedisZSet | undefined | null {
  const entry = c.db.lookupRead(key);
  if (entry === undefined) return undefined;
  if (isZSet(entry.value)) return entry.value;
  c.reply.error(ERR_WRONGTYPE);
  return null;
}

function writeZSet(c: Client, key: string): RedisZSet | undefined | null {
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) return undefined;
  if (isZSet(entry.value)) return entry.value;
  c.reply.error(ERR_WRONGTYPE);
  return null;
}

function replyScore(c: Client, score: number): void {
  c.reply.double(formatScore(score));
}

/** An element list as Redis emits it: flat pairs in RESP2, [member, score] arrays in RESP3. */
function replyElements(c: Client, nodes: readonly ZNode[], withScores: boolean): void {
  const resp3 = c.reply.resp === 3;
  c.reply.arrayHeader(withScores && !resp3 ? nodes.length * 2 : nodes.length);
  for (const node of nodes) {
    if (withScores && resp3) c.reply.arrayHeader(2);
    c.reply.bulk(node.member);
    if (withScores) replyScore(c, node.score);
  }
}

// ---------------------------------------------------------------------------
// ZADD / ZINCRBY

const IN_NX = 1;
const IN_XX = 2;
const IN_GT = 4;
const IN_LT = 8;
const IN_INCR = 16;

const OUT_NOP = 1;
const OUT_ADDED = 2;
const OUT_UPDATED = 4;
const OUT_NAN = 8;

/** zsetAdd: returns OUT_* flags; the resulting score is left in `addedScore`. */
let addedScore = 0;
function zsetAdd(zset: RedisZSet, score: number, member: Buffer, flags: number): number {
  const key = keyOf(member);
  const current = zset.score(key);
  if (current !== undefined) {
    if ((flags & IN_NX) !== 0) return OUT_NOP;
    if ((flags & IN_INCR) !== 0) {
      score += current;
      if (Number.isNaN(score)) return OUT_NAN;
    }
    if (((flags & IN_LT) !== 0 && score >= current) || ((flags & IN_GT) !== 0 && score <= current))
      return OUT_NOP;
    addedScore = score;
    if (score !== current) {
      zset.updateScore(key, score);
      return OUT_UPDATED;
    }
    return 0;
  }
  if ((flags & IN_XX) !== 0) return OUT_NOP;
  zset.insert(Buffer.from(member), score);
  addedScore = score;
  return OUT_ADDED;
}

function zaddGeneric(c: Client, argv: Buffer[], baseFlags: number): void {
  let flags = baseFlags;
  let ch = false;
  let scoreIdx = 2;
  for (; scoreIdx < argv.length; scoreIdx++) {
    const opt = argv[scoreIdx]!;
    if (isKeyword(opt, 'NX')) flags |= IN_NX;
    else if (isKeyword(opt, 'XX')) flags |= IN_XX;
    else if (isKeyword(opt, 'CH')) ch = true;
    else if (isKeyword(opt, 'INCR')) flags |= IN_INCR;
    else if (isKeyword(opt, 'GT')) flags |= IN_GT;
    else if (isKeyword(opt, 'LT')) flags |= IN_LT;
    else break;
  }
  const incr = (flags & IN_INCR) !== 0;
  const pairs = argv.length - scoreIdx;
  if (pairs === 0 || pairs % 2 !== 0) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const elements = pairs / 2;
  const nx = (flags & IN_NX) !== 0;
  const gt = (flags & IN_GT) !== 0;
  const lt = (flags & IN_LT) !== 0;
  if (nx && (flags & IN_XX) !== 0) {
    c.reply.error('ERR XX and NX options at the same time are not compatible');
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.reply.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return;
  }
  if (incr && elements > 1) {
    c.reply.error('ERR INCR option supports a single increment-element pair');
    return;
  }
  // Every score is parsed before anything changes: all or nothing.
  const scores = new Array<number>(elements);
  for (let j = 0; j < elements; j++) {
    const score = parseScore(argv[scoreIdx + j * 2]!);
    if (score === null) {
      c.reply.error(ERR_NOT_FLOAT);
      return;
    }
    scores[j] = score;
  }
  const key = keyOf(argv[1]!);
  let zset = writeZSet(c, key);
  if (zset === null) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  let failed = false;
  let created = false;
  if (zset === undefined && (flags & IN_XX) !== 0) {
    // No key + XX: nothing to do.
  } else {
    if (zset === undefined) {
      zset = RedisZSet.forFirstMember(argv[scoreIdx + 1]!.length);
      created = true;
    }
    for (let j = 0; j < elements; j++) {
      const out = zsetAdd(zset, scores[j]!, argv[scoreIdx + 1 + j * 2]!, flags);
      if (out === OUT_NAN) {
        failed = true;
        break;
      }
      if (out === OUT_ADDED) added++;
      else if (out === OUT_UPDATED) updated++;
      if (out !== OUT_NOP) {
        processed++;
        score = addedScore;
      }
    }
    if (created) {
      if (zset.size > 0) c.db.set(key, zset, false, added + updated);
    } else if (added + updated > 0) {
      c.db.touched(key, added + updated);
    }
  }
  if (failed) c.reply.error(ERR_NAN);
  else if (incr) {
    if (processed > 0) replyScore(c, score);
    else c.reply.nullBulk();
  } else {
    c.reply.integer(ch ? added + updated : added);
  }
  if (added + updated > 0) {
    c.server.notifyKeyspaceEvent(ZSET, incr ? 'zincr' : 'zadd', key, c.db.id);
    if (added > 0) c.server.signalKeyAsReady(c.db, key);
  }
}

function zadd(c: Client, argv: Buffer[]): void {
  zaddGeneric(c, argv, 0);
}

function zincrby(c: Client, argv: Buffer[]): void {
  zaddGeneric(c, argv, IN_INCR);
}

// ---------------------------------------------------------------------------
// Simple reads and removal

function zrem(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const zset = writeZSet(c, key);
  if (zset === null) return;
  if (zset === undefined) {
    c.reply.integer(0);
    return;
  }
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    if (zset.remove(keyOf(argv[j]!))) deleted++;
    if (zset.size === 0) break;
  }
  if (deleted > 0) {
    c.db.touched(key, deleted);
    c.server.notifyKeyspaceEvent(ZSET, 'zrem', key, c.db.id);
    deleteIfEmpty(c, key, zset);
  }
  c.reply.integer(deleted);
}

function zcard(c: Client, argv: Buffer[]): void {
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset !== null) c.reply.integer(zset === undefined ? 0 : zset.size);
}

function zscore(c: Client, argv: Buffer[]): void {
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset === null) return;
  const score = zset?.score(keyOf(argv[2]!));
  if (score === undefined) c.reply.nullBulk();
  else replyScore(c, score);
}

function zmscore(c: Client, argv: Buffer[]): void {
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset === null) return;
  c.reply.arrayHeader(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = zset?.score(keyOf(argv[j]!));
    if (score === undefined) c.reply.nullBulk();
    else replyScore(c, score);
  }
}

function rankGeneric(c: Client, argv: Buffer[], reverse: boolean): void {
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset === null) return;
  const rank = zset === undefined ? -1 : zset.rank(keyOf(argv[2]!));
  if (rank < 0) c.reply.nullBulk();
  else c.reply.integer(reverse ? zset!.size - 1 - rank : rank);
}

function zcount(c: Client, argv: Buffer[]): void {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  if (range === null) {
    c.reply.error(ERR_MINMAX_FLOAT);
    return;
  }
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset === null) return;
  if (zset === undefined) {
    c.reply.integer(0);
    return;
  }
  const first = zset.firstInScoreRange(range);
  if (first === null) {
    c.reply.integer(0);
    return;
  }
  const last = zset.lastInScoreRange(range)!;
  c.reply.integer(Math.max(0, zset.rankOfNode(last) - zset.rankOfNode(first) + 1));
}

function zlexcount(c: Client, argv: Buffer[]): void {
  const range = parseLexRange(argv[2]!, argv[3]!);
  if (range === null) {
    c.reply.error(ERR_MINMAX_LEX);
    return;
  }
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset === null) return;
  if (zset === undefined) {
    c.reply.integer(0);
    return;
  }
  const first = zset.firstInLexRange(range);
  if (first === null) {
    c.reply.integer(0);
    return;
  }
  const last = zset.lastInLexRange(range)!;
  c.reply.integer(Math.max(0, zset.rankOfNode(last) - zset.rankOfNode(first) + 1));
}

// ---------------------------------------------------------------------------
// ZRANGE and friends (zrangeGenericCommand)

const BY_AUTO = 0;
const BY_RANK = 1;
const BY_SCORE = 2;
const BY_LEX = 3;

/** Rank range after Redis's index sanitising; null when empty. */
function rankBounds(size: number, start: number, end: number): [number, number] | null {
  if (start < 0) start = size + start;
  if (end < 0) end = size + end;
  if (start < 0) start = 0;
  if (start > end || start >= size) return null;
  if (end >= size) end = size - 1;
  return [start, end];
}

function collectByRank(zset: RedisZSet, start: number, end: number, reverse: boolean): ZNode[] {
  const bounds = rankBounds(zset.size, start, end);
  if (bounds === null) return [];
  const [from, to] = bounds;
  const out: ZNode[] = [];
  let node: ZNode | null = zset.byRank(reverse ? zset.size - 1 - from : from);
  for (let r = from; r <= to && node !== null; r++) {
    out.push(node);
    node = reverse ? zset.prev(node) : zset.next(node);
  }
  return out;
}

/**
 * Walks from `node` while `inRange` holds, skipping `offset` first (a negative
 * offset skips everything, as Redis's `while (offset--)` does) and taking at
 * most `limit` (negative: no limit).
 */
function collectWalk(
  zset: RedisZSet,
  start: ZNode | null,
  reverse: boolean,
  offset: number,
  limit: number,
  inRange: (node: ZNode) => boolean,
): ZNode[] {
  const out: ZNode[] = [];
  let node = start;
  if (offset < 0) return out;
  while (node !== null && offset > 0) {
    node = reverse ? zset.prev(node) : zset.next(node);
    offset--;
  }
  while (node !== null && limit !== 0 && inRange(node)) {
    out.push(node);
    if (limit > 0) limit--;
    node = reverse ? zset.prev(node) : zset.next(node);
  }
  return out;
}

function rangeGeneric(
  c: Client,
  argv: Buffer[],
  argStart: number,
  store: boolean,
  fixedBy: number,
  fixedReverse: boolean | null,
): void {
  let by = fixedBy;
  let reverse = fixedReverse;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let limitGiven = false;
  for (let j = argStart + 3; j < argv.length; j++) {
    const arg = argv[j]!;
    const left = argv.length - j - 1;
    if (!store && isKeyword(arg, 'WITHSCORES')) withScores = true;
    else if (isKeyword(arg, 'LIMIT') && left >= 2) {
      const o = longArg(c, argv[j + 1]!);
      if (o === null) return;
      const l = longArg(c, argv[j + 2]!);
      if (l === null) return;
      offset = o;
      limit = l;
      limitGiven = l !== -1;
      j += 2;
    } else if (reverse === null && isKeyword(arg, 'REV')) reverse = true;
    else if (by === BY_AUTO && isKeyword(arg, 'BYLEX')) by = BY_LEX;
    else if (by === BY_AUTO && isKeyword(arg, 'BYSCORE')) by = BY_SCORE;
    else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (reverse === null) reverse = false;
  if (by === BY_AUTO) by = BY_RANK;
  if (limitGiven && by === BY_RANK) {
    c.reply.error(
      'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    );
    return;
  }
  if (withScores && by === BY_LEX) {
    c.reply.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return;
  }
  let minArg = argv[argStart + 1]!;
  let maxArg = argv[argStart + 2]!;
  if (reverse && by !== BY_RANK) [minArg, maxArg] = [maxArg, minArg];
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: LexRange | null = null;
  if (by === BY_RANK) {
    const s = longArg(c, minArg);
    if (s === null) return;
    const e = longArg(c, maxArg);
    if (e === null) return;
    start = s;
    end = e;
  } else if (by === BY_SCORE) {
    scoreRange = parseScoreRange(minArg, maxArg);
    if (scoreRange === null) {
      c.reply.error(ERR_MINMAX_FLOAT);
      return;
    }
  } else {
    lexRange = parseLexRange(minArg, maxArg);
    if (lexRange === null) {
      c.reply.error(ERR_MINMAX_LEX);
      return;
    }
  }
  const zset = readZSet(c, keyOf(argv[argStart]!));
  if (zset === null) return;
  let nodes: ZNode[] = [];
  if (zset !== undefined) {
    if (by === BY_RANK) nodes = collectByRank(zset, start, end, reverse);
    else if (scoreRange !== null) {
      const range = scoreRange;
      const first = reverse ? zset.lastInScoreRange(range) : zset.firstInScoreRange(range);
      nodes = collectWalk(zset, first, reverse, offset, limit, (n) =>
        reverse ? scoreGteMin(n.score, range) : scoreLteMax(n.score, range),
      );
    } else {
      const range = lexRange!;
      const first = reverse ? zset.lastInLexRange(range) : zset.firstInLexRange(range);
      nodes = collectWalk(zset, first, reverse, offset, limit, (n) =>
        reverse ? lexGteMin(n.member, range) : lexLteMax(n.member, range),
      );
    }
  } else if (!store) {
    c.reply.raw(EMPTY_ARRAY);
    return;
  }
  if (!store) {
    replyElements(c, nodes, withScores);
    return;
  }
  // Redis 7.0 creates the destination from the result's size when it knows it
  // (rank ranges), else as a listpack, then converts as it grows: members
  // stored before a conversion went through the listpack's text form, which
  // turns a -0 score into 0.
  const dst = new RedisZSet(
    by !== BY_RANK || nodes.length <= encodingLimits.zsetMaxListpackEntries,
  );
  for (const node of nodes) dst.insert(node.member, node.score);
  storeResult(c, keyOf(argv[1]!), dst, -1, 'zrangestore');
}

/**
 * Stores a freshly built result or, when empty, deletes the destination
 * (Redis's *STORE). A result built as a skiplist gets the encoding Redis
 * would convert it to from its longest member; maxLen -1 keeps the encoding.
 */
function storeResult(
  c: Client,
  dstKey: string,
  dst: RedisZSet,
  maxLen: number,
  event: string,
): void {
  if (dst.size > 0) {
    if (maxLen >= 0) dst.settleStoredEncoding(maxLen);
    c.db.set(dstKey, dst);
    c.reply.integer(dst.size);
    c.server.notifyKeyspaceEvent(ZSET, event, dstKey, c.db.id);
    c.server.signalKeyAsReady(c.db, dstKey);
    return;
  }
  c.reply.integer(0);
  if (c.db.delete(dstKey)) c.server.notifyKeyspaceEvent(GENERIC, 'del', dstKey, c.db.id);
}

function zrange(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, false, BY_AUTO, null);
}
function zrangestore(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 2, true, BY_AUTO, null);
}
function zrevrange(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, false, BY_RANK, true);
}
function zrangebyscore(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, false, BY_SCORE, false);
}
function zrevrangebyscore(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, false, BY_SCORE, true);
}
function zrangebylex(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, false, BY_LEX, false);
}
function zrevrangebylex(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, false, BY_LEX, true);
}

// ---------------------------------------------------------------------------
// ZREMRANGEBY*

function remrangeGeneric(c: Client, argv: Buffer[], by: number): void {
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: LexRange | null = null;
  if (by === BY_RANK) {
    const s = longArg(c, argv[2]!);
    if (s === null) return;
    const e = longArg(c, argv[3]!);
    if (e === null) return;
    start = s;
    end = e;
  } else if (by === BY_SCORE) {
    scoreRange = parseScoreRange(argv[2]!, argv[3]!);
    if (scoreRange === null) {
      c.reply.error(ERR_MINMAX_FLOAT);
      return;
    }
  } else {
    lexRange = parseLexRange(argv[2]!, argv[3]!);
    if (lexRange === null) {
      c.reply.error(ERR_MINMAX_LEX);
      return;
    }
  }
  const key = keyOf(argv[1]!);
  const zset = writeZSet(c, key);
  if (zset === null) return;
  if (zset === undefined) {
    c.reply.integer(0);
    return;
  }
  let deleted = 0;
  if (by === BY_RANK) {
    const bounds = rankBounds(zset.size, start, end);
    if (bounds !== null) deleted = zset.removeRankRange(bounds[0], bounds[1]);
  } else {
    let node: ZNode | null;
    let inRange: (n: ZNode) => boolean;
    if (scoreRange !== null) {
      const range = scoreRange;
      node = zset.firstInScoreRange(range);
      inRange = (n) => scoreLteMax(n.score, range);
    } else {
      const range = lexRange!;
      node = zset.firstInLexRange(range);
      inRange = (n) => lexLteMax(n.member, range);
    }
    while (node !== null && inRange(node)) {
      const after = zset.next(node);
      zset.remove(node.key);
      deleted++;
      node = after;
    }
  }
  if (deleted > 0) {
    c.db.touched(key, deleted);
    const event =
      by === BY_RANK ? 'zremrangebyrank' : by === BY_SCORE ? 'zremrangebyscore' : 'zremrangebylex';
    c.server.notifyKeyspaceEvent(ZSET, event, key, c.db.id);
    deleteIfEmpty(c, key, zset);
  }
  c.reply.integer(deleted);
}

// ---------------------------------------------------------------------------
// Pops (genericZpopCommand)

/**
 * The first of `keys` that exists, as [key argument, sorted set]; null when
 * none does, undefined after replying WRONGTYPE (Redis checks keys in order).
 */
function firstZSet(c: Client, keys: readonly Buffer[]): [Buffer, RedisZSet] | null | undefined {
  for (const arg of keys) {
    const entry = c.db.lookupWrite(keyOf(arg));
    if (entry === undefined) continue;
    if (!isZSet(entry.value)) {
      c.reply.error(ERR_WRONGTYPE);
      return undefined;
    }
    return [arg, entry.value];
  }
  return null;
}

function popGeneric(
  c: Client,
  keys: readonly Buffer[],
  max: boolean,
  count: number,
  emitKey: boolean,
  nested: boolean,
): Buffer | null {
  const found = firstZSet(c, keys);
  if (found === undefined) return null;
  if (found === null) {
    // ZMPOP answers a null array; ZPOPMIN/ZPOPMAX an empty one.
    if (emitKey) c.reply.nullArray();
    else c.reply.raw(EMPTY_ARRAY);
    return null;
  }
  if (count === 0) {
    c.reply.raw(EMPTY_ARRAY);
    return null;
  }
  const [keyArg, zset] = found;
  popFrom(c, keyArg, zset, max, count, emitKey ? SHAPE_MPOP : nested ? SHAPE_NESTED : SHAPE_FLAT);
  return keyArg;
}

/** ZPOPMIN's flat pairs, RESP3's nested pairs, ZMPOP's [key, [[m, s]...]], BZPOPMIN's [key, m, s]. */
const SHAPE_FLAT = 0;
const SHAPE_NESTED = 1;
const SHAPE_MPOP = 2;
const SHAPE_BZPOP = 3;

function popFrom(
  c: Client,
  keyArg: Buffer,
  zset: RedisZSet,
  max: boolean,
  count: number,
  shape: number,
): void {
  const key = keyOf(keyArg);
  const popped = max ? zset.popMax(count) : zset.popMin(count);
  const emitKey = shape === SHAPE_MPOP;
  const nested = shape === SHAPE_NESTED || shape === SHAPE_MPOP;
  if (shape === SHAPE_BZPOP) {
    c.reply.arrayHeader(1 + popped.length * 2);
    c.reply.bulk(keyArg);
  } else if (emitKey) {
    c.reply.arrayHeader(2);
    c.reply.bulk(keyArg);
    c.reply.arrayHeader(popped.length);
  } else {
    c.reply.arrayHeader(nested ? popped.length : popped.length * 2);
  }
  for (const [member, score] of popped) {
    if (nested) c.reply.arrayHeader(2);
    c.reply.bulk(member);
    replyScore(c, score);
  }
  c.db.touched(key, popped.length);
  c.server.notifyKeyspaceEvent(ZSET, max ? 'zpopmax' : 'zpopmin', key, c.db.id);
  deleteIfEmpty(c, key, zset);
}

/**
 * BZPOPMIN/BZPOPMAX key [key ...] timeout: one member from the first
 * non-empty sorted set as [key, member, score], else block. Replicas get
 * `ZPOPMIN key`, as Redis rewrites it.
 */
function blockingPopMinMax(c: Client, argv: Buffer[], max: boolean): void {
  const deadline = timeoutArgOrReply(c, argv[argv.length - 1]!);
  if (deadline === null) return;
  const keys = argv.slice(1, -1);
  const found = firstZSet(c, keys);
  if (found === undefined) return;
  const verb = Buffer.from(max ? 'ZPOPMAX' : 'ZPOPMIN');
  if (found !== null) {
    popFrom(c, found[0], found[1], max, 1, SHAPE_BZPOP);
    c.propagateAs = [verb, Buffer.from(found[0])];
    return;
  }
  if (c.denyBlocking) {
    c.reply.nullArray();
    return;
  }
  c.server.blocking.block(c, 'zset', keys.map(keyOf), deadline, (served, key) => {
    const zset = served.db.lookupWrite(key)?.value;
    if (zset === undefined || !isZSet(zset)) return;
    const keyArg = Buffer.from(key, 'latin1');
    popFrom(served, keyArg, zset, max, 1, SHAPE_BZPOP);
    served.propagateAs = [verb, keyArg];
  });
}

function popMinMax(c: Client, argv: Buffer[], max: boolean): void {
  if (argv.length > 3) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const n = parseInteger(argv[2]!);
    if (n === null || n < 0) {
      c.reply.error(ERR_POSITIVE);
      return;
    }
    count = n;
  }
  // RESP3 nests [member, score] pairs, but only when a count was given.
  const nested = c.reply.resp === 3 && count !== -1;
  popGeneric(c, [argv[1]!], max, count === -1 ? 1 : count, false, nested);
}

/** ZMPOP; BZMPOP passes its deadline (its timeout comes first, so numkeys one later). */
function zmpopGeneric(c: Client, argv: Buffer[], numkeysIdx: number, deadline: number): void {
  const numkeys = parseInteger(argv[numkeysIdx]!);
  if (numkeys === null || numkeys < 1) {
    c.reply.error('ERR numkeys should be greater than 0');
    return;
  }
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  let max: boolean;
  if (isKeyword(argv[whereIdx]!, 'MIN')) max = false;
  else if (isKeyword(argv[whereIdx]!, 'MAX')) max = true;
  else {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && isKeyword(argv[j]!, 'COUNT') && j < argv.length - 1) {
      const n = parseInteger(argv[++j]!);
      if (n === null || n < 1) {
        c.reply.error('ERR count should be greater than 0');
        return;
      }
      count = n;
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, whereIdx);
  const verb = Buffer.from(max ? 'zpopmax' : 'zpopmin');
  const countArg = Buffer.from(String(count));
  if (deadline !== NO_BLOCK && !c.denyBlocking) {
    const found = firstZSet(c, keys);
    if (found === undefined) return;
    if (found === null) {
      c.server.blocking.block(c, 'zset', keys.map(keyOf), deadline, (served, key) => {
        const zset = served.db.lookupWrite(key)?.value;
        if (zset === undefined || !isZSet(zset)) return;
        const keyArg = Buffer.from(key, 'latin1');
        popFrom(served, keyArg, zset, max, count, SHAPE_MPOP);
        served.propagateAs = [verb, keyArg, countArg];
      });
      return;
    }
  }
  const popped = popGeneric(c, keys, max, count, true, true);
  // Replicas get the ZPOPMIN/ZPOPMAX that had the same effect, as Redis rewrites it.
  if (popped !== null) c.propagateAs = [verb, popped, countArg];
}

/** ZMPOP, and the blocking pops' non-blocking forms, never wait. */
const NO_BLOCK = -1;

function zmpop(c: Client, argv: Buffer[]): void {
  zmpopGeneric(c, argv, 1, NO_BLOCK);
}

function bzmpop(c: Client, argv: Buffer[]): void {
  const deadline = timeoutArgOrReply(c, argv[1]!);
  if (deadline !== null) zmpopGeneric(c, argv, 2, deadline);
}

// ---------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (zunionInterDiffGenericCommand)

/**
 * A source of a set operation. Plain sets count as sorted sets whose scores
 * are all 1, as in Redis.
 */
interface SetOpSource {
  zset: RedisZSet | null;
  set: RedisSet | null;
  weight: number;
  size: number;
}

function sourceScore(src: SetOpSource, key: string): number | undefined {
  if (src.zset !== null) return src.zset.score(key);
  return src.set?.has(key) === true ? 1 : undefined;
}

/** Visits a source's members until `visit` returns false. */
function forEachSource(
  src: SetOpSource,
  visit: (member: Buffer, key: string, score: number) => boolean,
): void {
  if (src.zset !== null) {
    for (const node of src.zset.nodes()) if (!visit(node.member, node.key, node.score)) return;
  } else if (src.set !== null) {
    for (const key of src.set.list()) if (!visit(Buffer.from(key, 'latin1'), key, 1)) return;
  }
}

const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

function aggregate(target: number, value: number, how: number): number {
  if (how === AGG_SUM) {
    const sum = target + value;
    // inf + -inf: Redis keeps the convention that the result is 0.
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === AGG_MIN) return value < target ? value : target;
  return value > target ? value : target;
}

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;

function setOpGeneric(
  c: Client,
  argv: Buffer[],
  dstKey: string | null,
  numkeysIdx: number,
  op: number,
  cardinalityOnly: boolean,
): void {
  const setnum = longArg(c, argv[numkeysIdx]!);
  if (setnum === null) return;
  if (setnum < 1) {
    c.reply.error(
      `ERR at least 1 input key is needed for '${argv[0]!.toString('latin1').toLowerCase()}' command`,
    );
    return;
  }
  if (setnum > argv.length - (numkeysIdx + 1)) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const sources: SetOpSource[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const entry = c.db.lookupRead(keyOf(argv[j]!));
    if (entry === undefined) {
      sources.push({ zset: null, set: null, weight: 1, size: 0 });
    } else if (isZSet(entry.value)) {
      sources.push({ zset: entry.value, set: null, weight: 1, size: entry.value.size });
    } else if (entry.value instanceof RedisSet) {
      sources.push({ zset: null, set: entry.value, weight: 1, size: entry.value.size });
    } else {
      c.reply.error(ERR_WRONGTYPE);
      return;
    }
  }
  let how = AGG_SUM;
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const arg = argv[j]!;
    if (
      op !== OP_DIFF &&
      !cardinalityOnly &&
      remaining >= setnum + 1 &&
      isKeyword(arg, 'WEIGHTS')
    ) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseScore(argv[j]!);
        if (w === null) {
          c.reply.error('ERR weight value is not a float');
          return;
        }
        sources[i]!.weight = w;
      }
    } else if (
      op !== OP_DIFF &&
      !cardinalityOnly &&
      remaining >= 2 &&
      isKeyword(arg, 'AGGREGATE')
    ) {
      const which = argv[j + 1]!;
      if (isKeyword(which, 'SUM')) how = AGG_SUM;
      else if (isKeyword(which, 'MIN')) how = AGG_MIN;
      else if (isKeyword(which, 'MAX')) how = AGG_MAX;
      else {
        c.reply.error(ERR_SYNTAX);
        return;
      }
      j += 2;
    } else if (dstKey === null && !cardinalityOnly && isKeyword(arg, 'WITHSCORES')) {
      withScores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && isKeyword(arg, 'LIMIT')) {
      const n = longArg(c, argv[j + 1]!, "ERR LIMIT can't be negative");
      if (n === null) return;
      if (n < 0) {
        c.reply.error("ERR LIMIT can't be negative");
        return;
      }
      limit = n;
      j += 2;
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  // Smallest first, as Redis sorts them (this also fixes the order of SUMs).
  if (op !== OP_DIFF) sources.sort((a, b) => a.size - b.size);

  const result = new RedisZSet(false);
  let maxLength = 0;
  let cardinality = 0;
  const add = (member: Buffer, score: number): void => {
    result.insert(member, score);
    if (member.length > maxLength) maxLength = member.length;
  };

  if (op === OP_INTER) {
    const first = sources[0]!;
    if (first.size > 0) {
      forEachSource(first, (member, key, value) => {
        let score = first.weight * value;
        if (Number.isNaN(score)) score = 0;
        let i = 1;
        for (; i < sources.length; i++) {
          const other = sourceScore(sources[i]!, key);
          if (other === undefined) break;
          score = aggregate(score, other * sources[i]!.weight, how);
        }
        if (i < sources.length) return true;
        if (cardinalityOnly) {
          cardinality++;
          return !(limit > 0 && cardinality >= limit);
        }
        add(member, score);
        return true;
      });
    }
  } else if (op === OP_UNION) {
    const acc = new Map<string, { member: Buffer; score: number }>();
    for (const src of sources) {
      if (src.size === 0) continue;
      forEachSource(src, (member, key, value) => {
        let score = src.weight * value;
        if (Number.isNaN(score)) score = 0;
        const existing = acc.get(key);
        if (existing === undefined) acc.set(key, { member, score });
        else existing.score = aggregate(existing.score, score, how);
        return true;
      });
    }
    for (const { member, score } of acc.values()) add(member, score);
  } else {
    const first = sources[0]!;
    forEachSource(first, (member, key, value) => {
      for (let i = 1; i < sources.length; i++) {
        if (sources[i]!.size > 0 && sourceScore(sources[i]!, key) !== undefined) return true;
      }
      add(member, value);
      return true;
    });
  }

  if (dstKey !== null) {
    const event = op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore';
    storeResult(c, dstKey, result, maxLength, event);
  } else if (cardinalityOnly) {
    c.reply.integer(cardinality);
  } else {
    replyElements(c, [...result.nodes()], withScores);
  }
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER

function zrandmember(c: Client, argv: Buffer[]): void {
  if (argv.length >= 3) {
    const exact = parseInt64(argv[2]!);
    if (exact === null) {
      c.reply.error(ERR_NOT_INTEGER);
      return;
    }
    const l = Number(exact);
    if (exact < -INT64_MAX) {
      c.reply.error(
        'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
      );
      return;
    }
    if (argv.length > 4 || (argv.length === 4 && !isKeyword(argv[3]!, 'WITHSCORES'))) {
      c.reply.error(ERR_SYNTAX);
      return;
    }
    const withScores = argv.length === 4;
    if (withScores && (exact < -INT64_MAX / 2n || exact > INT64_MAX / 2n)) {
      c.reply.error('ERR value is out of range');
      return;
    }
    randomWithCount(c, argv, l, withScores);
    return;
  }
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset === null) return;
  if (zset === undefined) {
    c.reply.nullBulk();
    return;
  }
  c.reply.bulk(zset.byRank(Math.floor(Math.random() * zset.size)).member);
}

function randomWithCount(c: Client, argv: Buffer[], l: number, withScores: boolean): void {
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset === null) return;
  if (zset === undefined || l === 0) {
    c.reply.raw(EMPTY_ARRAY);
    return;
  }
  const size = zset.size;
  let nodes: ZNode[];
  if (l < 0 || l === 1) {
    // Repetitions allowed: independent draws.
    const count = Math.abs(l);
    nodes = new Array<ZNode>(count);
    for (let i = 0; i < count; i++) nodes[i] = zset.byRank(Math.floor(Math.random() * size));
  } else if (l >= size) {
    // The whole set, highest first: Redis's zset iterator (zuiNext) walks from the tail.
    nodes = [...zset.nodes()].reverse();
  } else {
    // Distinct members: a partial Fisher-Yates shuffle over ranks.
    const ranks = new Map<number, number>();
    nodes = [];
    for (let i = 0; i < l; i++) {
      const r = i + Math.floor(Math.random() * (size - i));
      const picked = ranks.get(r) ?? r;
      ranks.set(r, ranks.get(i) ?? i);
      nodes.push(zset.byRank(picked));
    }
  }
  replyElements(c, nodes, withScores);
}

// ---------------------------------------------------------------------------
// ZSCAN

/**
 * A score as a listpack stores it (d2string), which ZSCAN of a listpack
 * replies verbatim: integral values within ±2^62 print as integers (1.5e17
 * becomes 150000000000000000), anything else as %.17g. A skiplist's scores
 * are printed with %.17g instead.
 */
function listpackScoreText(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) <= 2 ** 62) return BigInt(score).toString();
  return formatScore(score);
}

function zscan(c: Client, argv: Buffer[]): void {
  // Redis's order: cursor, then the key, then the options.
  const cursor = parseScanCursorOrReply(c, argv[2]!);
  if (cursor === null) return;
  const zset = readZSet(c, keyOf(argv[1]!));
  if (zset === null) return;
  if (zset === undefined) {
    c.reply.raw(EMPTY_SCAN);
    return;
  }
  const options = parseScanOptionsOrReply(c, argv, 3, false);
  if (options === null) return;
  const { count, pattern } = options;
  const found: ZNode[] = [];
  const visit = (node: ZNode): void => {
    if (pattern === null || globMatch(pattern, node.key)) found.push(node);
  };
  let next = 0;
  if (zset.listpack) {
    // A listpack is returned whole in one call, in order, as Redis does.
    for (const node of zset.nodes()) visit(node);
  } else {
    next = zset.scan(cursor, count, visit);
  }
  c.reply.arrayHeader(2);
  c.reply.bulkString(String(next));
  c.reply.arrayHeader(found.length * 2);
  for (const node of found) {
    c.reply.bulk(node.member);
    c.reply.bulkString(zset.listpack ? listpackScoreText(node.score) : formatScore(node.score));
  }
}

// ---------------------------------------------------------------------------
// The command table

const GROUP = 'sorted_set';

function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: [number, number, number],
  since: string,
  complexity: string,
  summary: string,
  handler: CommandSpec['handler'],
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    group: GROUP,
    since,
    complexity,
    summary,
    handler,
  };
}

const ONE: [number, number, number] = [1, 1, 1];
/** Movable keys (numkeys): Redis's legacy triple is 0 0 0, or 1 1 1 for the destination. */
const MOVABLE: [number, number, number] = [0, 0, 0];
const RANGE_N =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.';
const RANGE_LIMIT =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';
const REMOVED =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.';
const UNION =
  'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.';
const INTER =
  'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const DIFF =
  'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';
const POP =
  'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.';

const declared: readonly CommandSpec[] = [
  spec(
    'zadd',
    -4,
    ['write', 'denyoom', 'fast'],
    ONE,
    '1.2.0',
    'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
    'Add one or more members to a sorted set, or update its score if it already exists',
    zadd,
  ),
  spec(
    'zincrby',
    4,
    ['write', 'denyoom', 'fast'],
    ONE,
    '1.2.0',
    'O(log(N)) where N is the number of elements in the sorted set.',
    'Increment the score of a member in a sorted set',
    zincrby,
  ),
  spec(
    'zrem',
    -3,
    ['write', 'fast'],
    ONE,
    '1.2.0',
    'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
    'Remove one or more members from a sorted set',
    zrem,
  ),
  spec(
    'zcard',
    2,
    ['readonly', 'fast'],
    ONE,
    '1.2.0',
    'O(1)',
    'Get the number of members in a sorted set',
    zcard,
  ),
  spec(
    'zscore',
    3,
    ['readonly', 'fast'],
    ONE,
    '1.2.0',
    'O(1)',
    'Get the score associated with the given member in a sorted set',
    zscore,
  ),
  spec(
    'zmscore',
    -3,
    ['readonly', 'fast'],
    ONE,
    '6.2.0',
    'O(N) where N is the number of members being requested.',
    'Get the score associated with the given members in a sorted set',
    zmscore,
  ),
  spec(
    'zrank',
    3,
    ['readonly', 'fast'],
    ONE,
    '2.0.0',
    'O(log(N))',
    'Determine the index of a member in a sorted set',
    (c, argv) => rankGeneric(c, argv, false),
  ),
  spec(
    'zrevrank',
    3,
    ['readonly', 'fast'],
    ONE,
    '2.0.0',
    'O(log(N))',
    'Determine the index of a member in a sorted set, with scores ordered from high to low',
    (c, argv) => rankGeneric(c, argv, true),
  ),
  spec(
    'zcount',
    4,
    ['readonly', 'fast'],
    ONE,
    '2.0.0',
    'O(log(N)) with N being the number of elements in the sorted set.',
    'Count the members in a sorted set with scores within the given values',
    zcount,
  ),
  spec(
    'zlexcount',
    4,
    ['readonly', 'fast'],
    ONE,
    '2.8.9',
    'O(log(N)) with N being the number of elements in the sorted set.',
    'Count the number of members in a sorted set between a given lexicographical range',
    zlexcount,
  ),
  spec(
    'zrange',
    -4,
    ['readonly'],
    ONE,
    '1.2.0',
    RANGE_N,
    'Return a range of members in a sorted set',
    zrange,
  ),
  spec(
    'zrangestore',
    -5,
    ['write', 'denyoom'],
    [1, 2, 1],
    '6.2.0',
    'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
    'Store a range of members from sorted set into another key',
    zrangestore,
  ),
  spec(
    'zrevrange',
    -4,
    ['readonly'],
    ONE,
    '1.2.0',
    RANGE_N,
    'Return a range of members in a sorted set, by index, with scores ordered from high to low',
    zrevrange,
  ),
  spec(
    'zrangebyscore',
    -4,
    ['readonly'],
    ONE,
    '1.0.5',
    RANGE_LIMIT,
    'Return a range of members in a sorted set, by score',
    zrangebyscore,
  ),
  spec(
    'zrevrangebyscore',
    -4,
    ['readonly'],
    ONE,
    '2.2.0',
    RANGE_LIMIT,
    'Return a range of members in a sorted set, by score, with scores ordered from high to low',
    zrevrangebyscore,
  ),
  spec(
    'zrangebylex',
    -4,
    ['readonly'],
    ONE,
    '2.8.9',
    RANGE_LIMIT,
    'Return a range of members in a sorted set, by lexicographical range',
    zrangebylex,
  ),
  spec(
    'zrevrangebylex',
    -4,
    ['readonly'],
    ONE,
    '2.8.9',
    RANGE_LIMIT,
    'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.',
    zrevrangebylex,
  ),
  spec(
    'zremrangebyrank',
    4,
    ['write'],
    ONE,
    '2.0.0',
    REMOVED,
    'Remove all members in a sorted set within the given indexes',
    (c, argv) => remrangeGeneric(c, argv, BY_RANK),
  ),
  spec(
    'zremrangebyscore',
    4,
    ['write'],
    ONE,
    '1.2.0',
    REMOVED,
    'Remove all members in a sorted set within the given scores',
    (c, argv) => remrangeGeneric(c, argv, BY_SCORE),
  ),
  spec(
    'zremrangebylex',
    4,
    ['write'],
    ONE,
    '2.8.9',
    REMOVED,
    'Remove all members in a sorted set between the given lexicographical range',
    (c, argv) => remrangeGeneric(c, argv, BY_LEX),
  ),
  spec(
    'zpopmin',
    -2,
    ['write', 'fast'],
    ONE,
    '5.0.0',
    POP,
    'Remove and return members with the lowest scores in a sorted set',
    (c, argv) => popMinMax(c, argv, false),
  ),
  spec(
    'zpopmax',
    -2,
    ['write', 'fast'],
    ONE,
    '5.0.0',
    POP,
    'Remove and return members with the highest scores in a sorted set',
    (c, argv) => popMinMax(c, argv, true),
  ),
  spec(
    'bzpopmin',
    -3,
    ['write', 'noscript', 'blocking', 'fast'],
    [1, -2, 1],
    '5.0.0',
    'O(log(N)) with N being the number of elements in the sorted set.',
    'Remove and return the member with the lowest score from one or more sorted sets, or block until one is available',
    (c, argv) => blockingPopMinMax(c, argv, false),
  ),
  spec(
    'bzpopmax',
    -3,
    ['write', 'noscript', 'blocking', 'fast'],
    [1, -2, 1],
    '5.0.0',
    'O(log(N)) with N being the number of elements in the sorted set.',
    'Remove and return the member with the highest score from one or more sorted sets, or block until one is available',
    (c, argv) => blockingPopMinMax(c, argv, true),
  ),
  spec(
    'bzmpop',
    -5,
    ['write', 'blocking'],
    MOVABLE,
    '7.0.0',
    'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    'Remove and return members with scores in a sorted set or block until one is available',
    bzmpop,
  ),
  spec(
    'zmpop',
    -4,
    ['write'],
    MOVABLE,
    '7.0.0',
    'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    'Remove and return members with scores in a sorted set',
    zmpop,
  ),
  spec('zunion', -3, ['readonly'], MOVABLE, '6.2.0', UNION, 'Add multiple sorted sets', (c, argv) =>
    setOpGeneric(c, argv, null, 1, OP_UNION, false),
  ),
  spec(
    'zinter',
    -3,
    ['readonly'],
    MOVABLE,
    '6.2.0',
    INTER,
    'Intersect multiple sorted sets',
    (c, argv) => setOpGeneric(c, argv, null, 1, OP_INTER, false),
  ),
  spec(
    'zdiff',
    -3,
    ['readonly'],
    MOVABLE,
    '6.2.0',
    DIFF,
    'Subtract multiple sorted sets',
    (c, argv) => setOpGeneric(c, argv, null, 1, OP_DIFF, false),
  ),
  spec(
    'zunionstore',
    -4,
    ['write', 'denyoom'],
    ONE,
    '2.0.0',
    'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
    'Add multiple sorted sets and store the resulting sorted set in a new key',
    (c, argv) => setOpGeneric(c, argv, keyOf(argv[1]!), 2, OP_UNION, false),
  ),
  spec(
    'zinterstore',
    -4,
    ['write', 'denyoom'],
    ONE,
    '2.0.0',
    INTER,
    'Intersect multiple sorted sets and store the resulting sorted set in a new key',
    (c, argv) => setOpGeneric(c, argv, keyOf(argv[1]!), 2, OP_INTER, false),
  ),
  spec(
    'zdiffstore',
    -4,
    ['write', 'denyoom'],
    ONE,
    '6.2.0',
    DIFF,
    'Subtract multiple sorted sets and store the resulting sorted set in a new key',
    (c, argv) => setOpGeneric(c, argv, keyOf(argv[1]!), 2, OP_DIFF, false),
  ),
  spec(
    'zintercard',
    -3,
    ['readonly'],
    MOVABLE,
    '7.0.0',
    'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.',
    'Intersect multiple sorted sets and return the cardinality of the result',
    (c, argv) => setOpGeneric(c, argv, null, 1, OP_INTER, true),
  ),
  spec(
    'zrandmember',
    -2,
    ['readonly'],
    ONE,
    '6.2.0',
    'O(N) where N is the number of elements returned',
    'Get one or multiple random elements from a sorted set',
    zrandmember,
  ),
  spec(
    'zscan',
    -3,
    ['readonly'],
    ONE,
    '2.8.0',
    'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    'Incrementally iterate sorted sets elements and associated scores',
    zscan,
  ),
];

/** Where the numkeys argument sits for the commands with movable keys. */
const NUMKEYS_AT: Record<string, number> = {
  zmpop: 1,
  bzmpop: 2,
  zunion: 1,
  zinter: 1,
  zdiff: 1,
  zintercard: 1,
  zunionstore: 2,
  zinterstore: 2,
  zdiffstore: 2,
};

export const sortedSetCommands: readonly CommandSpec[] = declared.map((c) =>
  NUMKEYS_AT[c.name] === undefined ? c : { ...c, numkeysIndex: NUMKEYS_AT[c.name] },
);
