import type { Client } from '../server/client.js';
import type { Entry } from '../store/database.js';
import { RedisList, type ListEnd } from '../store/list.js';
import { KEYSPACE_EVENT } from '../config/options.js';
import {
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  isKeyword,
  keyBytes,
  keyOf,
  parseInteger,
} from './args.js';
import { timeoutArgOrReply } from '../server/blocking.js';
import type { CommandSpec } from './types.js';
import { deleteIfEmpty } from './collections.js';

/**
 * List commands (t_list.c). Every handler follows Redis's order of checks,
 * because that order decides which error a bad request gets: e.g. LRANGE
 * parses its indexes before looking at the key, LINDEX after.
 *
 * Bookkeeping mirrors Redis: an emptied list is deleted (with a `del`
 * notification), pushes signal blocked clients, and the dirty counter moves
 * by the number of elements touched.
 */

const LIST = 'list';
const INT64_MIN = -9223372036854775808;
const ERR_POSITIVE = 'ERR value is out of range, must be positive';

/** The entry's list, or null after replying WRONGTYPE. */
function listOf(c: Client, entry: Entry): RedisList | null {
  const value = entry.value;
  if (value instanceof RedisList) return value;
  c.reply.error(ERR_WRONGTYPE);
  return null;
}

/** LEFT or RIGHT (getListPositionFromObjectOrReply); null after a syntax error. */
function endArg(c: Client, arg: Buffer): ListEnd | null {
  if (isKeyword(arg, 'LEFT')) return 'left';
  if (isKeyword(arg, 'RIGHT')) return 'right';
  c.reply.error(ERR_SYNTAX);
  return null;
}

function integerArg(c: Client, arg: Buffer): number | null {
  const value = parseInteger(arg);
  if (value === null) c.reply.error(ERR_NOT_INTEGER);
  return value;
}

function notifyList(c: Client, event: string, key: string): void {
  c.server.notifyKeyspaceEvent(KEYSPACE_EVENT.LIST, event, key, c.db.id);
}

/**
 * After elements left a list (listElementsRemoved): the event, then the key
 * goes if the list is empty, and the change is counted.
 */
function elementsRemoved(
  c: Client,
  key: string,
  list: RedisList,
  event: string,
  count: number,
): void {
  notifyList(c, event, key);
  c.db.touched(key, count);
  deleteIfEmpty(c, key, list);
}

/**
 * Replies the elements between two Redis indexes (negative from the tail),
 * clamped as addListRangeReply does; an empty range is an empty array.
 */
function rangeReply(c: Client, list: RedisList, start: number, end: number): void {
  const n = list.size;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) {
    c.reply.arrayHeader(0);
    return;
  }
  if (end >= n) end = n - 1;
  c.reply.arrayHeader(end - start + 1);
  for (let i = start; i <= end; i++) c.reply.bulk(list.at(i));
}

/** Pops `count` elements from one end, replying them in pop order. */
function popRangeReply(c: Client, list: RedisList, end: ListEnd, count: number): number {
  const n = Math.min(count, list.size);
  c.reply.arrayHeader(n);
  for (let i = 0; i < n; i++) c.reply.bulk(list.pop(end)!);
  return n;
}

/** LPUSH, RPUSH, and with onlyIfExists LPUSHX, RPUSHX. */
function pushGeneric(c: Client, argv: Buffer[], end: ListEnd, onlyIfExists: boolean): void {
  const key = keyOf(argv[1]!);
  const db = c.db;
  const entry = db.lookupWrite(key);
  let list: RedisList;
  if (entry === undefined) {
    if (onlyIfExists) {
      c.reply.integer(0);
      return;
    }
    list = new RedisList();
    for (let j = 2; j < argv.length; j++) list.push(Buffer.from(argv[j]!), end);
    // Redis counts one change per element pushed.
    db.set(key, list, false, argv.length - 2);
  } else {
    const existing = listOf(c, entry);
    if (existing === null) return;
    list = existing;
    for (let j = 2; j < argv.length; j++) list.push(Buffer.from(argv[j]!), end);
    db.touched(key, argv.length - 2);
  }
  c.server.signalKeyAsReady(db, key);
  notifyList(c, end === 'left' ? 'lpush' : 'rpush', key);
  c.reply.integer(list.size);
}

/** LPOP and RPOP, with the optional count that turns the reply into an array. */
function popGeneric(c: Client, argv: Buffer[], end: ListEnd): void {
  const name = end === 'left' ? 'lpop' : 'rpop';
  if (argv.length > 3) {
    c.reply.error(`ERR wrong number of arguments for '${name}' command`);
    return;
  }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const parsed = parseInteger(argv[2]!);
    if (parsed === null || parsed < 0) {
      c.reply.error(ERR_POSITIVE);
      return;
    }
    count = parsed;
  }
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    // Without a count the reply is one element, so "nothing" is a null bulk.
    if (hasCount) c.reply.nullArray();
    else c.reply.nullBulk();
    return;
  }
  const list = listOf(c, entry);
  if (list === null) return;
  if (hasCount && count === 0) {
    c.reply.arrayHeader(0);
    return;
  }
  let removed = 1;
  if (hasCount) removed = popRangeReply(c, list, end, count);
  else c.reply.bulk(list.pop(end)!);
  elementsRemoved(c, key, list, name, removed);
}

function llen(c: Client, argv: Buffer[]): void {
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    c.reply.integer(0);
    return;
  }
  const list = listOf(c, entry);
  if (list !== null) c.reply.integer(list.size);
}

function lrange(c: Client, argv: Buffer[]): void {
  const start = integerArg(c, argv[2]!);
  if (start === null) return;
  const end = integerArg(c, argv[3]!);
  if (end === null) return;
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    c.reply.arrayHeader(0);
    return;
  }
  const list = listOf(c, entry);
  if (list !== null) rangeReply(c, list, start, end);
}

function lindex(c: Client, argv: Buffer[]): void {
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    c.reply.nullBulk();
    return;
  }
  const list = listOf(c, entry);
  if (list === null) return;
  const index = integerArg(c, argv[2]!);
  if (index === null) return;
  const position = list.position(index);
  if (position === -1) c.reply.nullBulk();
  else c.reply.bulk(list.at(position));
}

function lset(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.error('ERR no such key');
    return;
  }
  const list = listOf(c, entry);
  if (list === null) return;
  const index = integerArg(c, argv[2]!);
  if (index === null) return;
  const position = list.position(index);
  if (position === -1) {
    c.reply.error('ERR index out of range');
    return;
  }
  list.replace(position, Buffer.from(argv[3]!));
  c.db.touched(key);
  notifyList(c, 'lset', key);
  c.reply.ok();
}

function linsert(c: Client, argv: Buffer[]): void {
  let after: boolean;
  if (isKeyword(argv[2]!, 'AFTER')) after = true;
  else if (isKeyword(argv[2]!, 'BEFORE')) after = false;
  else {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.integer(0);
    return;
  }
  const list = listOf(c, entry);
  if (list === null) return;
  const pivot = list.indexOf(argv[3]!);
  if (pivot === -1) {
    c.reply.integer(-1);
    return;
  }
  list.insertAt(after ? pivot + 1 : pivot, Buffer.from(argv[4]!));
  c.db.touched(key);
  notifyList(c, 'linsert', key);
  c.reply.integer(list.size);
}

function lrem(c: Client, argv: Buffer[]): void {
  const count = integerArg(c, argv[2]!);
  if (count === null) return;
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.integer(0);
    return;
  }
  const list = listOf(c, entry);
  if (list === null) return;
  // A negative count removes from the tail; 0 removes every match.
  const removed = list.removeMatching(argv[3]!, Math.abs(count), count < 0);
  if (removed > 0) {
    c.db.touched(key, removed);
    notifyList(c, 'lrem', key);
  }
  deleteIfEmpty(c, key, list);
  c.reply.integer(removed);
}

function ltrim(c: Client, argv: Buffer[]): void {
  let start = integerArg(c, argv[2]!);
  if (start === null) return;
  let end = integerArg(c, argv[3]!);
  if (end === null) return;
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.ok();
    return;
  }
  const list = listOf(c, entry);
  if (list === null) return;
  const n = list.size;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  let left: number;
  let right: number;
  if (start > end || start >= n) {
    // An empty range empties the list.
    left = 0;
    right = n;
  } else {
    if (end >= n) end = n - 1;
    left = start;
    right = n - end - 1;
  }
  list.trim(left, right);
  notifyList(c, 'ltrim', key);
  // Redis signals the key as modified even when nothing was trimmed.
  c.db.touched(key, left + right);
  deleteIfEmpty(c, key, list);
  c.reply.ok();
}

function lpos(c: Client, argv: Buffer[]): void {
  let rank = 1;
  let count = -1; // -1: COUNT not given, so the reply is a single index
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    const hasNext = j < argv.length - 1;
    if (isKeyword(opt, 'RANK') && hasNext) {
      // 7.0 takes any int64 here; the range check came in a later version.
      const parsed = integerArg(c, argv[++j]!);
      if (parsed === null) return;
      if (parsed === 0) {
        c.reply.error(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
        return;
      }
      rank = parsed;
    } else if (isKeyword(opt, 'COUNT') && hasNext) {
      const parsed = parseInteger(argv[++j]!);
      if (parsed === null || parsed < 0) {
        c.reply.error("ERR COUNT can't be negative");
        return;
      }
      count = parsed;
    } else if (isKeyword(opt, 'MAXLEN') && hasNext) {
      const parsed = parseInteger(argv[++j]!);
      if (parsed === null || parsed < 0) {
        c.reply.error("ERR MAXLEN can't be negative");
        return;
      }
      maxlen = parsed;
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const fromTail = rank < 0;
  // Redis negates the rank in a C long: RANK -2^63 stays negative, so every
  // match qualifies and COUNT never cuts the scan short.
  const everyMatch = rank === INT64_MIN;
  if (fromTail) rank = -rank;

  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    if (count !== -1) c.reply.arrayHeader(0);
    else c.reply.nullBulk();
    return;
  }
  const list = listOf(c, entry);
  if (list === null) return;

  const element = argv[2]!;
  const n = list.size;
  const limit = maxlen === 0 ? n : Math.min(maxlen, n);
  const found: number[] = [];
  let matches = 0;
  for (let k = 0; k < limit; k++) {
    const i = fromTail ? n - 1 - k : k;
    if (!list.at(i).equals(element)) continue;
    matches++;
    if (!everyMatch && matches < rank) continue;
    found.push(i);
    if (count === -1) break;
    if (count !== 0 && !everyMatch && matches - rank + 1 >= count) break;
  }
  if (count === -1) {
    if (found.length === 0) c.reply.nullBulk();
    else c.reply.integer(found[0]!);
    return;
  }
  c.reply.arrayHeader(found.length);
  for (const i of found) c.reply.integer(i);
}

/**
 * LMOVE and RPOPLPUSH. The destination's type is only checked once the
 * source is known to hold something, as Redis does; source and destination
 * may be the same list (a rotation).
 */
function moveGeneric(c: Client, argv: Buffer[], from: ListEnd, to: ListEnd): void {
  const db = c.db;
  const sourceKey = keyOf(argv[1]!);
  const sourceEntry = db.lookupWrite(sourceKey);
  if (sourceEntry === undefined) {
    c.reply.nullBulk();
    return;
  }
  const source = listOf(c, sourceEntry);
  if (source === null) return;
  const destKey = keyOf(argv[2]!);
  const destEntry = db.lookupWrite(destKey);
  let dest: RedisList | null = null;
  if (destEntry !== undefined) {
    dest = listOf(c, destEntry);
    if (dest === null) return;
  }
  const value = source.pop(from)!;
  // Redis counts an LMOVE once, with the pop from the source.
  if (dest === null) {
    dest = new RedisList();
    dest.push(value, to);
    db.set(destKey, dest, false, 0);
  } else {
    dest.push(value, to);
    db.touched(destKey, 0);
  }
  c.server.signalKeyAsReady(db, destKey);
  notifyList(c, to === 'left' ? 'lpush' : 'rpush', destKey);
  c.reply.bulk(value);
  elementsRemoved(c, sourceKey, source, from === 'left' ? 'lpop' : 'rpop', 1);
}

function lmove(c: Client, argv: Buffer[]): void {
  const from = endArg(c, argv[3]!);
  if (from === null) return;
  const to = endArg(c, argv[4]!);
  if (to === null) return;
  moveGeneric(c, argv, from, to);
}

/**
 * LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first
 * non-empty list. BLMPOP passes its deadline (the timeout is its first
 * argument, so numkeys comes one later) and blocks when every list is empty.
 */
function lmpopGeneric(c: Client, argv: Buffer[], numkeysIndex: number, deadline: number): void {
  const numkeys = parseInteger(argv[numkeysIndex]!);
  if (numkeys === null || numkeys < 1) {
    c.reply.error('ERR numkeys should be greater than 0');
    return;
  }
  const firstKey = numkeysIndex + 1;
  const whereIndex = firstKey + numkeys;
  if (whereIndex >= argv.length) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const end = endArg(c, argv[whereIndex]!);
  if (end === null) return;
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && isKeyword(argv[j]!, 'COUNT') && j < argv.length - 1) {
      const parsed = parseInteger(argv[++j]!);
      if (parsed === null || parsed < 1) {
        c.reply.error('ERR count should be greater than 0');
        return;
      }
      count = parsed;
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(firstKey, whereIndex);
  if (popFirstNonEmpty(c, keys, end, count)) return;
  if (deadline === NO_BLOCK || c.denyBlocking) c.reply.nullArray();
  else blockOnLists(c, keys, deadline, end, count);
}

/** LMPOP and the blocking commands' non-blocking forms never wait. */
const NO_BLOCK = -1;

/**
 * Pops from the first of `keys` holding a list, replying [key, element] (or
 * [key, [elements]] with a count, as LMPOP); a key of another type is
 * WRONGTYPE, as Redis checks keys in order. False when all are missing.
 */
function popFirstNonEmpty(c: Client, keys: Buffer[], end: ListEnd, count: number): boolean {
  for (const arg of keys) {
    const key = keyOf(arg);
    const entry = c.db.lookupWrite(key);
    if (entry === undefined) continue;
    const list = listOf(c, entry);
    if (list !== null) popWithKey(c, key, list, end, count);
    return true;
  }
  return false;
}

/**
 * The pop of BLPOP/BRPOP (count -1: one element) and [B]LMPOP, with the key
 * in the reply. Replicas get the plain pop of what was taken: `LPOP key`, or
 * `LPOP key <popped>` for the counted forms, as Redis rewrites them.
 */
function popWithKey(c: Client, key: string, list: RedisList, end: ListEnd, count: number): void {
  const name = end === 'left' ? 'lpop' : 'rpop';
  const keyArg = keyBytes(key);
  c.reply.arrayHeader(2);
  c.reply.bulk(keyArg);
  let popped = 1;
  if (count === -1) c.reply.bulk(list.pop(end)!);
  else popped = popRangeReply(c, list, end, count);
  elementsRemoved(c, key, list, name, popped);
  const verb = Buffer.from(name.toUpperCase());
  c.propagateAs = count === -1 ? [verb, keyArg] : [verb, keyArg, Buffer.from(String(popped))];
}

function blockOnLists(
  c: Client,
  keys: Buffer[],
  deadline: number,
  end: ListEnd,
  count: number,
): void {
  c.server.blocking.block(c, 'list', keys.map(keyOf), deadline, (served, key) => {
    const list = served.db.lookupWrite(key)?.value;
    if (list instanceof RedisList) popWithKey(served, key, list, end, count);
  });
}

function lmpop(c: Client, argv: Buffer[]): void {
  lmpopGeneric(c, argv, 1, NO_BLOCK);
}

function blmpop(c: Client, argv: Buffer[]): void {
  const deadline = timeoutArgOrReply(c, argv[1]!);
  if (deadline !== null) lmpopGeneric(c, argv, 2, deadline);
}

/** BLPOP/BRPOP key [key ...] timeout: the timeout is checked before any key. */
function blockingPop(c: Client, argv: Buffer[], end: ListEnd): void {
  const deadline = timeoutArgOrReply(c, argv[argv.length - 1]!);
  if (deadline === null) return;
  const keys = argv.slice(1, -1);
  if (popFirstNonEmpty(c, keys, end, -1)) return;
  if (c.denyBlocking) c.reply.nullArray();
  else blockOnLists(c, keys, deadline, end, -1);
}

/**
 * BLMOVE and BRPOPLPUSH. With a source list this is LMOVE/RPOPLPUSH (and
 * replicates as such); without one it blocks. Served later, a destination of
 * the wrong type answers WRONGTYPE and leaves the element in the source, as
 * Redis 7.0 does.
 */
function blockingMove(
  c: Client,
  argv: Buffer[],
  from: ListEnd,
  to: ListEnd,
  timeoutArg: Buffer,
): void {
  const deadline = timeoutArgOrReply(c, timeoutArg);
  if (deadline === null) return;
  const isLmove = argv.length === 6;
  const source = Buffer.from(argv[1]!);
  const destination = Buffer.from(argv[2]!);
  const effect = isLmove
    ? [Buffer.from('LMOVE'), source, destination, Buffer.from(argv[3]!), Buffer.from(argv[4]!)]
    : [Buffer.from('RPOPLPUSH'), source, destination];
  if (c.db.find(keyOf(source)) !== undefined) {
    moveGeneric(c, argv, from, to);
    c.propagateAs = effect;
    return;
  }
  // Inside MULTI the empty source answers as LMOVE does: a null bulk.
  if (c.denyBlocking) {
    c.reply.nullBulk();
    return;
  }
  const moveArgv = [argv[0]!, source, destination];
  c.server.blocking.block(c, 'list', [keyOf(source)], deadline, (served) => {
    moveGeneric(served, moveArgv, from, to);
    served.propagateAs = effect;
  });
}

function blmove(c: Client, argv: Buffer[]): void {
  const from = endArg(c, argv[3]!);
  if (from === null) return;
  const to = endArg(c, argv[4]!);
  if (to === null) return;
  blockingMove(c, argv, from, to, argv[5]!);
}

/** The fields every list command shares. */
const oneKey = { firstKey: 1, lastKey: 1, step: 1, group: LIST } as const;
const PUSH_COMPLEXITY =
  'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.';

export const listCommands: readonly CommandSpec[] = [
  {
    name: 'lpush',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    ...oneKey,
    since: '1.0.0',
    complexity: PUSH_COMPLEXITY,
    summary: 'Prepend one or multiple elements to a list',
    handler: (c, argv) => pushGeneric(c, argv, 'left', false),
  },
  {
    name: 'rpush',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    ...oneKey,
    since: '1.0.0',
    complexity: PUSH_COMPLEXITY,
    summary: 'Append one or multiple elements to a list',
    handler: (c, argv) => pushGeneric(c, argv, 'right', false),
  },
  {
    name: 'lpushx',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    ...oneKey,
    since: '2.2.0',
    complexity: PUSH_COMPLEXITY,
    summary: 'Prepend an element to a list, only if the list exists',
    handler: (c, argv) => pushGeneric(c, argv, 'left', true),
  },
  {
    name: 'rpushx',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    ...oneKey,
    since: '2.2.0',
    complexity: PUSH_COMPLEXITY,
    summary: 'Append an element to a list, only if the list exists',
    handler: (c, argv) => pushGeneric(c, argv, 'right', true),
  },
  {
    name: 'lpop',
    arity: -2,
    flags: ['write', 'fast'],
    ...oneKey,
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements returned',
    summary: 'Remove and get the first elements in a list',
    handler: (c, argv) => popGeneric(c, argv, 'left'),
  },
  {
    name: 'rpop',
    arity: -2,
    flags: ['write', 'fast'],
    ...oneKey,
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements returned',
    summary: 'Remove and get the last elements in a list',
    handler: (c, argv) => popGeneric(c, argv, 'right'),
  },
  {
    name: 'llen',
    arity: 2,
    flags: ['readonly', 'fast'],
    ...oneKey,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Get the length of a list',
    handler: llen,
  },
  {
    name: 'lrange',
    arity: 4,
    flags: ['readonly'],
    ...oneKey,
    since: '1.0.0',
    complexity:
      'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.',
    summary: 'Get a range of elements from a list',
    handler: lrange,
  },
  {
    name: 'lindex',
    arity: 3,
    flags: ['readonly'],
    ...oneKey,
    since: '1.0.0',
    complexity:
      'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).',
    summary: 'Get an element from a list by its index',
    handler: lindex,
  },
  {
    name: 'lset',
    arity: 4,
    flags: ['write', 'denyoom'],
    ...oneKey,
    since: '1.0.0',
    complexity:
      'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).',
    summary: 'Set the value of an element in a list by its index',
    handler: lset,
  },
  {
    name: 'linsert',
    arity: 5,
    flags: ['write', 'denyoom'],
    ...oneKey,
    since: '2.2.0',
    complexity:
      'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).',
    summary: 'Insert an element before or after another element in a list',
    handler: linsert,
  },
  {
    name: 'lrem',
    arity: 4,
    flags: ['write'],
    ...oneKey,
    since: '1.0.0',
    complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.',
    summary: 'Remove elements from a list',
    handler: lrem,
  },
  {
    name: 'ltrim',
    arity: 4,
    flags: ['write'],
    ...oneKey,
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements to be removed by the operation.',
    summary: 'Trim a list to the specified range',
    handler: ltrim,
  },
  {
    name: 'lpos',
    arity: -3,
    flags: ['readonly'],
    ...oneKey,
    since: '6.0.6',
    complexity:
      'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.',
    summary: 'Return the index of matching elements on a list',
    handler: lpos,
  },
  {
    name: 'lmove',
    arity: 5,
    flags: ['write', 'denyoom'],
    ...oneKey,
    lastKey: 2,
    since: '6.2.0',
    complexity: 'O(1)',
    summary: 'Pop an element from a list, push it to another list and return it',
    handler: lmove,
  },
  {
    name: 'rpoplpush',
    arity: 3,
    flags: ['write', 'denyoom'],
    ...oneKey,
    lastKey: 2,
    since: '1.2.0',
    complexity: 'O(1)',
    summary: 'Remove the last element in a list, prepend it to another list and return it',
    handler: (c, argv) => moveGeneric(c, argv, 'right', 'left'),
  },
  {
    // Keys follow numkeys (movablekeys in Redis); the table has no such flag
    // yet, so like Redis's legacy triple it declares no fixed key positions.
    name: 'lmpop',
    arity: -4,
    flags: ['write'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    numkeysIndex: 1,
    group: LIST,
    since: '7.0.0',
    complexity:
      'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    summary: 'Pop elements from a list',
    handler: lmpop,
  },
  {
    name: 'blpop',
    arity: -3,
    flags: ['write', 'noscript', 'blocking'],
    ...oneKey,
    lastKey: -2,
    since: '2.0.0',
    complexity: 'O(N) where N is the number of provided keys.',
    summary: 'Remove and get the first element in a list, or block until one is available',
    handler: (c, argv) => blockingPop(c, argv, 'left'),
  },
  {
    name: 'brpop',
    arity: -3,
    flags: ['write', 'noscript', 'blocking'],
    ...oneKey,
    lastKey: -2,
    since: '2.0.0',
    complexity: 'O(N) where N is the number of provided keys.',
    summary: 'Remove and get the last element in a list, or block until one is available',
    handler: (c, argv) => blockingPop(c, argv, 'right'),
  },
  {
    name: 'blmove',
    arity: 6,
    flags: ['write', 'denyoom', 'noscript', 'blocking'],
    ...oneKey,
    lastKey: 2,
    since: '6.2.0',
    complexity: 'O(1)',
    summary:
      'Pop an element from a list, push it to another list and return it; or block until one is available',
    handler: blmove,
  },
  {
    name: 'brpoplpush',
    arity: 4,
    flags: ['write', 'denyoom', 'noscript', 'blocking'],
    ...oneKey,
    lastKey: 2,
    since: '2.2.0',
    complexity: 'O(1)',
    summary:
      'Pop an element from a list, push it to another list and return it; or block until one is available',
    handler: (c, argv) => blockingMove(c, argv, 'right', 'left', argv[3]!),
  },
  {
    // Movable keys after numkeys, as LMPOP (see there).
    name: 'blmpop',
    arity: -5,
    flags: ['write', 'blocking'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    numkeysIndex: 2,
    group: LIST,
    since: '7.0.0',
    complexity:
      'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    summary: 'Pop elements from a list, or block until one is available',
    handler: blmpop,
  },
];
