import type { Client } from '../server/client.js';
import { KEYSPACE_EVENT } from '../config/options.js';
import type { Entry } from '../store/database.js';
import { globMatch } from '../store/glob.js';
import { RedisSet } from '../store/set.js';
import {
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  isKeyword,
  keyBytes,
  keyOf,
  parseInt64,
  parseScanCursorOrReply,
  parseScanOptionsOrReply,
} from './args.js';
import { ERR_COUNT_RANGE, replyEmptyScan } from './hashes.js';
import type { CommandSpec } from './types.js';
import { deleteIfEmpty } from './collections.js';

/**
 * Set commands (t_set.c). Members are latin1 strings. Replies follow Redis
 * 7.0.15 exactly in shape (RESP3 sets for SMEMBERS, SINTER, SPOP with a
 * count; plain arrays for SRANDMEMBER and SMISMEMBER), error texts and the
 * order of checks. Member order is Redis's where it is defined (an intset is
 * sorted) and insertion order otherwise.
 */

const SET = 'set' as const;
const LONG_MAX = 9223372036854775807n;
/**
 * SPOP with a count removes members one by one while few are taken; past
 * this ratio it keeps the survivors in a fresh set instead (Redis's
 * SPOP_MOVE_STRATEGY_MUL), which re-derives the encoding.
 */
const SPOP_MOVE_STRATEGY_MUL = 5;

function setValue(c: Client, entry: Entry): RedisSet | null {
  if (entry.value instanceof RedisSet) return entry.value;
  c.reply.error(ERR_WRONGTYPE);
  return null;
}

/** A read lookup: the set, undefined when missing, null after WRONGTYPE. */
function setForRead(c: Client, keyArg: Buffer): RedisSet | undefined | null {
  const entry = c.db.lookupRead(keyOf(keyArg));
  return entry === undefined ? undefined : setValue(c, entry);
}

function notifySet(c: Client, event: string, key: string): void {
  c.server.notifyKeyspaceEvent(KEYSPACE_EVENT.SET, event, key, c.db.id);
}

function notifyDel(c: Client, key: string): void {
  c.server.notifyKeyspaceEvent(KEYSPACE_EVENT.GENERIC, 'del', key, c.db.id);
}

/** Members as a RESP3 set (an array in RESP2). */
function replyMembers(c: Client, members: readonly string[]): void {
  c.reply.setHeader(members.length);
  for (const m of members) c.reply.bulk(keyBytes(m));
}

function sadd(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  let set: RedisSet | null;
  let created = false;
  if (entry === undefined) {
    set = new RedisSet(keyOf(argv[2]!));
    created = true;
  } else {
    set = setValue(c, entry);
    if (set === null) return;
  }
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(keyOf(argv[i]!))) added++;
  if (created) c.db.set(key, set, false, added);
  else if (added > 0) c.db.touched(key, added);
  if (added > 0) notifySet(c, 'sadd', key);
  c.reply.integer(added);
}

function srem(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.integer(0);
    return;
  }
  const set = setValue(c, entry);
  if (set === null) return;
  let removed = 0;
  for (let i = 2; i < argv.length && set.size > 0; i++) {
    if (set.remove(keyOf(argv[i]!))) removed++;
  }
  if (removed > 0) {
    c.db.touched(key, removed);
    notifySet(c, 'srem', key);
    deleteIfEmpty(c, key, set);
  }
  c.reply.integer(removed);
}

function sismember(c: Client, argv: Buffer[]): void {
  const set = setForRead(c, argv[1]!);
  if (set !== null) c.reply.integer(set?.has(keyOf(argv[2]!)) === true ? 1 : 0);
}

function smismember(c: Client, argv: Buffer[]): void {
  const set = setForRead(c, argv[1]!);
  if (set === null) return;
  c.reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.reply.integer(set?.has(keyOf(argv[i]!)) === true ? 1 : 0);
}

function smembers(c: Client, argv: Buffer[]): void {
  const set = setForRead(c, argv[1]!);
  if (set !== null) replyMembers(c, set === undefined ? [] : set.list());
}

function scard(c: Client, argv: Buffer[]): void {
  const set = setForRead(c, argv[1]!);
  if (set !== null) c.reply.integer(set?.size ?? 0);
}

function spop(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  if (argv.length === 3) {
    spopWithCount(c, argv);
    return;
  }
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.nullBulk();
    return;
  }
  const set = setValue(c, entry);
  if (set === null) return;
  const member = set.randomMember();
  set.remove(member);
  const bytes = keyBytes(member);
  // The random choice must reach replicas as the member actually removed.
  c.propagateAs = [Buffer.from('SREM'), argv[1]!, bytes];
  c.db.touched(key);
  notifySet(c, 'spop', key);
  deleteIfEmpty(c, key, set);
  c.reply.bulk(bytes);
}

function spopWithCount(c: Client, argv: Buffer[]): void {
  const requested = parseInt64(argv[2]!);
  // getPositiveLongFromObjectOrReply: one message for "not a number" and "negative".
  if (requested === null || requested < 0n) {
    c.reply.error('ERR value is out of range, must be positive');
    return;
  }
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.setHeader(0);
    return;
  }
  const set = setValue(c, entry);
  if (set === null) return;
  if (requested === 0n) {
    c.reply.setHeader(0);
    return;
  }
  const size = set.size;
  if (requested >= BigInt(size)) {
    // The whole set goes: Redis replies with it and propagates a DEL.
    const members = set.list();
    c.db.delete(key, false);
    // Redis counts every popped member as a change, not the one deletion.
    c.server.keyspace.dirty += size;
    notifySet(c, 'spop', key);
    notifyDel(c, key);
    c.propagateAs = [Buffer.from('DEL'), argv[1]!];
    replyMembers(c, members);
    return;
  }
  const count = Number(requested);
  const remaining = size - count;
  let popped: string[];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    popped = set.members.sampleDistinct(count);
    for (const m of popped) set.remove(m);
    c.db.touched(key, count);
  } else {
    // Keep the survivors in a fresh set: its encoding is re-derived, so a
    // hashtable of few integers becomes an intset again, as in Redis.
    const survivors = set.members.sampleDistinct(remaining);
    const kept = new Set(survivors);
    popped = [];
    for (const m of set.members.keys()) if (!kept.has(m)) popped.push(m);
    const fresh = new RedisSet(survivors[0]);
    for (const m of survivors) fresh.add(m);
    entry.value = fresh;
    c.db.touched(key, count);
  }
  notifySet(c, 'spop', key);
  // Redis sends one SREM per member (in batches); one SREM of all is the same effect.
  c.propagateAs = [Buffer.from('SREM'), argv[1]!, ...popped.map(keyBytes)];
  replyMembers(c, popped);
}

function srandmember(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  if (argv.length === 2) {
    const set = setForRead(c, argv[1]!);
    if (set === null) return;
    if (set === undefined) c.reply.nullBulk();
    else c.reply.bulk(keyBytes(set.randomMember()));
    return;
  }
  // The count is checked before the key is looked up.
  const requested = parseInt64(argv[2]!);
  if (requested === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (requested < -LONG_MAX) {
    c.reply.error(ERR_COUNT_RANGE);
    return;
  }
  const set = setForRead(c, argv[1]!);
  if (set === null) return;
  if (set === undefined || requested === 0n) {
    c.reply.arrayHeader(0);
    return;
  }
  if (requested < 0n) {
    // Repetitions allowed: exactly |count| independent draws.
    const count = Number(-requested);
    c.reply.arrayHeader(count);
    for (let i = 0; i < count; i++) c.reply.bulk(keyBytes(set.randomMember()));
    return;
  }
  const members =
    requested >= BigInt(set.size) ? set.list() : set.members.sampleDistinct(Number(requested));
  c.reply.arrayHeader(members.length);
  for (const m of members) c.reply.bulk(keyBytes(m));
}

function smove(c: Client, argv: Buffer[]): void {
  const srcKey = keyOf(argv[1]!);
  const dstKey = keyOf(argv[2]!);
  const srcEntry = c.db.lookupWrite(srcKey);
  const dstEntry = c.db.lookupWrite(dstKey);
  // A missing source answers 0 before the destination's type is looked at.
  if (srcEntry === undefined) {
    c.reply.integer(0);
    return;
  }
  const src = setValue(c, srcEntry);
  if (src === null) return;
  let dst: RedisSet | undefined;
  if (dstEntry !== undefined) {
    const value = setValue(c, dstEntry);
    if (value === null) return;
    dst = value;
  }
  const member = keyOf(argv[3]!);
  if (src === dst) {
    c.reply.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.remove(member)) {
    c.reply.integer(0);
    return;
  }
  notifySet(c, 'srem', srcKey);
  // The removal counts as one change whether or not it emptied the source.
  c.db.touched(srcKey);
  deleteIfEmpty(c, srcKey, src);
  if (dst === undefined) {
    dst = new RedisSet(member);
    dst.add(member);
    c.db.set(dstKey, dst);
    notifySet(c, 'sadd', dstKey);
  } else if (dst.add(member)) {
    c.db.touched(dstKey);
    notifySet(c, 'sadd', dstKey);
  }
  c.reply.integer(1);
}

/**
 * The sets named by `keyArgs`, in order: undefined for a missing key. Every
 * key's type is checked (a missing key earlier does not stop the checks), so
 * null means WRONGTYPE was replied.
 */
function lookupSets(c: Client, keyArgs: Buffer[]): Array<RedisSet | undefined> | null {
  const sets: Array<RedisSet | undefined> = [];
  for (const arg of keyArgs) {
    const set = setForRead(c, arg);
    if (set === null) return null;
    sets.push(set);
  }
  return sets;
}

/**
 * The intersection, walking the smallest set and probing the others; stops
 * after `limit` members when limit > 0 (SINTERCARD).
 */
function intersect(sets: RedisSet[], limit = 0): string[] {
  const ordered = [...sets].sort((a, b) => a.size - b.size);
  const [smallest, ...others] = ordered as [RedisSet, ...RedisSet[]];
  const out: string[] = [];
  for (const m of smallest.list()) {
    if (others.every((s) => s.has(m))) {
      out.push(m);
      if (limit > 0 && out.length >= limit) break;
    }
  }
  return out;
}

/**
 * Stores `members` at `dstKey` as a new set (SINTERSTORE and friends), or
 * deletes the destination when the result is empty. Whatever the destination
 * held before (any type) is replaced. Replies with the cardinality.
 */
function storeResult(c: Client, dstKey: string, members: string[], event: string): void {
  if (members.length === 0) {
    if (c.db.delete(dstKey)) notifyDel(c, dstKey);
    c.reply.integer(0);
    return;
  }
  // A *STORE result starts as an intset (createIntsetObject) and converts as it grows.
  const set = new RedisSet();
  for (const m of members) set.add(m);
  c.db.set(dstKey, set);
  notifySet(c, event, dstKey);
  c.reply.integer(set.size);
}

function sinterGeneric(c: Client, keyArgs: Buffer[], dstKey: string | null): void {
  const sets = lookupSets(c, keyArgs);
  if (sets === null) return;
  const present = sets.filter((s): s is RedisSet => s !== undefined);
  // An intersection with a missing (empty) set is empty.
  const members = present.length < sets.length ? [] : intersect(present);
  if (dstKey !== null) storeResult(c, dstKey, members, 'sinterstore');
  else replyMembers(c, members);
}

function sinter(c: Client, argv: Buffer[]): void {
  sinterGeneric(c, argv.slice(1), null);
}

function sinterstore(c: Client, argv: Buffer[]): void {
  sinterGeneric(c, argv.slice(2), keyOf(argv[1]!));
}

function sintercard(c: Client, argv: Buffer[]): void {
  const numkeys = parseInt64(argv[1]!);
  if (numkeys === null || numkeys <= 0n) {
    c.reply.error('ERR numkeys should be greater than 0');
    return;
  }
  if (numkeys > BigInt(argv.length - 2)) {
    c.reply.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  const keyCount = Number(numkeys);
  let limit = 0;
  for (let j = 2 + keyCount; j < argv.length; j++) {
    if (isKeyword(argv[j]!, 'LIMIT') && j + 1 < argv.length) {
      const parsed = parseInt64(argv[++j]!);
      if (parsed === null || parsed < 0n) {
        c.reply.error("ERR LIMIT can't be negative");
        return;
      }
      limit = parsed > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(parsed);
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const sets = lookupSets(c, argv.slice(2, 2 + keyCount));
  if (sets === null) return;
  const present = sets.filter((s): s is RedisSet => s !== undefined);
  c.reply.integer(present.length < sets.length ? 0 : intersect(present, limit).length);
}

const UNION = 0;
const DIFF = 1;

function sunionDiffGeneric(c: Client, keyArgs: Buffer[], dstKey: string | null, op: number): void {
  const sets = lookupSets(c, keyArgs);
  if (sets === null) return;
  let members: string[];
  if (op === UNION) {
    const all = new Set<string>();
    for (const s of sets) if (s !== undefined) for (const m of s.members.keys()) all.add(m);
    members = Array.from(all);
  } else {
    const [first, ...rest] = sets;
    members = [];
    if (first !== undefined) {
      for (const m of first.members.keys()) {
        if (!rest.some((s) => s !== undefined && s.has(m))) members.push(m);
      }
    }
  }
  if (dstKey !== null) storeResult(c, dstKey, members, op === UNION ? 'sunionstore' : 'sdiffstore');
  else replyMembers(c, members);
}

function sunion(c: Client, argv: Buffer[]): void {
  sunionDiffGeneric(c, argv.slice(1), null, UNION);
}

function sunionstore(c: Client, argv: Buffer[]): void {
  sunionDiffGeneric(c, argv.slice(2), keyOf(argv[1]!), UNION);
}

function sdiff(c: Client, argv: Buffer[]): void {
  sunionDiffGeneric(c, argv.slice(1), null, DIFF);
}

function sdiffstore(c: Client, argv: Buffer[]): void {
  sunionDiffGeneric(c, argv.slice(2), keyOf(argv[1]!), DIFF);
}

function sscan(c: Client, argv: Buffer[]): void {
  const cursor = parseScanCursorOrReply(c, argv[2]!);
  if (cursor === null) return;
  const set = setForRead(c, argv[1]!);
  if (set === null) return;
  if (set === undefined) {
    replyEmptyScan(c);
    return;
  }
  const options = parseScanOptionsOrReply(c, argv, 3, false);
  if (options === null) return;
  const { pattern } = options;
  let found: string[];
  let next = 0;
  if (set.compact) {
    // An intset is returned whole in one call, in its sorted order.
    found = set.list().filter((m) => pattern === null || globMatch(pattern, m));
  } else {
    found = [];
    next = set.members.scan(cursor, options.count, (m) => {
      if (pattern === null || globMatch(pattern, m)) found.push(m);
    });
  }
  c.reply.arrayHeader(2);
  c.reply.bulkString(String(next));
  c.reply.arrayHeader(found.length);
  for (const m of found) c.reply.bulk(keyBytes(m));
}

interface SetSpecInput {
  name: string;
  arity: number;
  flags: CommandSpec['flags'];
  keys?: [number, number, number];
  numkeysIndex?: number;
  since: string;
  complexity: string;
  summary: string;
  handler: CommandSpec['handler'];
}

function spec(s: SetSpecInput): CommandSpec {
  const [firstKey, lastKey, step] = s.keys ?? [1, 1, 1];
  return {
    name: s.name,
    arity: s.arity,
    flags: s.flags,
    firstKey,
    lastKey,
    step,
    group: SET,
    since: s.since,
    complexity: s.complexity,
    summary: s.summary,
    handler: s.handler,
    ...(s.numkeysIndex === undefined ? {} : { numkeysIndex: s.numkeysIndex }),
  };
}

const O1 = 'O(1)';
const ALL_KEYS: [number, number, number] = [1, -1, 1];
const TOTAL = 'O(N) where N is the total number of elements in all given sets.';
const SCAN_COMPLEXITY =
  'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.';

export const setCommands: readonly CommandSpec[] = [
  spec({
    name: 'sadd',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    since: '1.0.0',
    complexity:
      'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    summary: 'Add one or more members to a set',
    handler: sadd,
  }),
  spec({
    name: 'srem',
    arity: -3,
    flags: ['write', 'fast'],
    since: '1.0.0',
    complexity: 'O(N) where N is the number of members to be removed.',
    summary: 'Remove one or more members from a set',
    handler: srem,
  }),
  spec({
    name: 'sismember',
    arity: 3,
    flags: ['readonly', 'fast'],
    since: '1.0.0',
    complexity: O1,
    summary: 'Determine if a given value is a member of a set',
    handler: sismember,
  }),
  spec({
    name: 'smismember',
    arity: -3,
    flags: ['readonly', 'fast'],
    since: '6.2.0',
    complexity: 'O(N) where N is the number of elements being checked for membership',
    summary: 'Returns the membership associated with the given elements for a set',
    handler: smismember,
  }),
  spec({
    name: 'smembers',
    arity: 2,
    flags: ['readonly'],
    since: '1.0.0',
    complexity: 'O(N) where N is the set cardinality.',
    summary: 'Get all the members in a set',
    handler: smembers,
  }),
  spec({
    name: 'scard',
    arity: 2,
    flags: ['readonly', 'fast'],
    since: '1.0.0',
    complexity: O1,
    summary: 'Get the number of members in a set',
    handler: scard,
  }),
  spec({
    name: 'spop',
    arity: -2,
    flags: ['write', 'fast'],
    since: '1.0.0',
    complexity:
      'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.',
    summary: 'Remove and return one or multiple random members from a set',
    handler: spop,
  }),
  spec({
    name: 'srandmember',
    arity: -2,
    flags: ['readonly'],
    since: '1.0.0',
    complexity:
      'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.',
    summary: 'Get one or multiple random members from a set',
    handler: srandmember,
  }),
  spec({
    name: 'smove',
    arity: 4,
    flags: ['write', 'fast'],
    keys: [1, 2, 1],
    since: '1.0.0',
    complexity: O1,
    summary: 'Move a member from one set to another',
    handler: smove,
  }),
  spec({
    name: 'sinter',
    arity: -2,
    flags: ['readonly'],
    keys: ALL_KEYS,
    since: '1.0.0',
    complexity:
      'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    summary: 'Intersect multiple sets',
    handler: sinter,
  }),
  spec({
    name: 'sintercard',
    arity: -3,
    flags: ['readonly'],
    // Movable keys (numkeys at argv[1]): Redis's legacy triple is 0 0 0.
    keys: [0, 0, 0],
    numkeysIndex: 1,
    since: '7.0.0',
    complexity:
      'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    summary: 'Intersect multiple sets and return the cardinality of the result',
    handler: sintercard,
  }),
  spec({
    name: 'sinterstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: ALL_KEYS,
    since: '1.0.0',
    complexity:
      'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    summary: 'Intersect multiple sets and store the resulting set in a key',
    handler: sinterstore,
  }),
  spec({
    name: 'sunion',
    arity: -2,
    flags: ['readonly'],
    keys: ALL_KEYS,
    since: '1.0.0',
    complexity: TOTAL,
    summary: 'Add multiple sets',
    handler: sunion,
  }),
  spec({
    name: 'sunionstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: ALL_KEYS,
    since: '1.0.0',
    complexity: TOTAL,
    summary: 'Add multiple sets and store the resulting set in a key',
    handler: sunionstore,
  }),
  spec({
    name: 'sdiff',
    arity: -2,
    flags: ['readonly'],
    keys: ALL_KEYS,
    since: '1.0.0',
    complexity: TOTAL,
    summary: 'Subtract multiple sets',
    handler: sdiff,
  }),
  spec({
    name: 'sdiffstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: ALL_KEYS,
    since: '1.0.0',
    complexity: TOTAL,
    summary: 'Subtract multiple sets and store the resulting set in a key',
    handler: sdiffstore,
  }),
  spec({
    name: 'sscan',
    arity: -3,
    flags: ['readonly'],
    since: '2.6.0',
    complexity: SCAN_COMPLEXITY,
    summary: 'Incrementally iterate Set elements',
    handler: sscan,
  }),
];
