import type { Client } from '../server/client.js';
import { exactExpireAt, type Database } from '../store/database.js';
import { encodingOf, refcountOf } from '../store/encoding.js';
import { globMatch } from '../store/glob.js';
import { isString, StringEncodingHint, typeName } from '../store/values.js';
import {
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  intArgOrReply,
  isKeyword,
  keyBytes,
  keyOf,
  parseInt64,
  parseScanCursorOrReply,
  parseScanOptionsOrReply,
} from './args.js';
import type { CommandSpec } from './types.js';
import { KEYSPACE_EVENT } from '../config/options.js';

/**
 * Generic keyspace commands: existence, deletion, expiry, iteration, renaming
 * and moving keys between databases, plus the database-level commands
 * (SELECT, SWAPDB, FLUSHDB/FLUSHALL, DBSIZE).
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const ERR_NO_SUCH_KEY = 'ERR no such key';
const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';
const ERR_DB_RANGE = 'ERR DB index is out of range';
const GENERIC_EVENT = KEYSPACE_EVENT.GENERIC;

function del(c: Client, argv: Buffer[]): void {
  let removed = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = keyOf(argv[i]!);
    // An already expired key does not count as deleted.
    if (c.db.find(key) !== undefined && c.db.delete(key)) {
      removed++;
      c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'del', key, c.db.id);
    }
  }
  c.reply.integer(removed);
}

function exists(c: Client, argv: Buffer[]): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.lookupRead(keyOf(argv[i]!)) !== undefined) count++;
  }
  c.reply.integer(count);
}

function type(c: Client, argv: Buffer[]): void {
  const entry = c.db.find(keyOf(argv[1]!));
  c.reply.simple(entry === undefined ? 'none' : typeName(entry.value));
}

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT. `basetime` is now for the relative
 * forms and 0 for the absolute ones; `seconds` selects the unit.
 */
function expireGeneric(
  c: Client,
  argv: Buffer[],
  relative: boolean,
  seconds: boolean,
  name: string,
): void {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    if (isKeyword(opt, 'NX')) flags |= EXPIRE_NX;
    else if (isKeyword(opt, 'XX')) flags |= EXPIRE_XX;
    else if (isKeyword(opt, 'GT')) flags |= EXPIRE_GT;
    else if (isKeyword(opt, 'LT')) flags |= EXPIRE_LT;
    else {
      c.reply.error(`ERR Unsupported option ${opt.toString()}`);
      return;
    }
  }
  if ((flags & EXPIRE_NX) !== 0 && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) !== 0) {
    c.reply.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return;
  }
  if ((flags & EXPIRE_GT) !== 0 && (flags & EXPIRE_LT) !== 0) {
    c.reply.error('ERR GT and LT options at the same time are not compatible');
    return;
  }
  const parsed = parseInt64(argv[2]!);
  if (parsed === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return;
  }
  let when = parsed;
  const invalid = `ERR invalid expire time in '${name}' command`;
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) {
      c.reply.error(invalid);
      return;
    }
    when *= 1000n;
  }
  const now = c.server.keyspace.now();
  const base = relative ? BigInt(now) : 0n;
  if (when > INT64_MAX - base) {
    c.reply.error(invalid);
    return;
  }
  when += base;

  const key = keyOf(argv[1]!);
  const db = c.db;
  const entry = db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.integer(0);
    return;
  }
  if (flags !== 0) {
    const current = entry.expireAt === 0 ? -1n : exactExpireAt(entry);
    if ((flags & EXPIRE_NX) !== 0 && current !== -1n) return c.reply.integer(0);
    if ((flags & EXPIRE_XX) !== 0 && current === -1n) return c.reply.integer(0);
    // No TTL counts as infinite: GT never beats it, LT always does.
    if ((flags & EXPIRE_GT) !== 0 && (current === -1n || when <= current))
      return c.reply.integer(0);
    if ((flags & EXPIRE_LT) !== 0 && current !== -1n && when >= current) return c.reply.integer(0);
  }
  if (when <= BigInt(now) && c.server.keyspace.expireOnAccess) {
    db.delete(key);
    c.propagateAs = [Buffer.from('DEL'), argv[1]!];
    c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'del', key, db.id);
  } else {
    db.setExpire(key, entry, when);
    c.propagateAs = [Buffer.from('PEXPIREAT'), argv[1]!, Buffer.from(when.toString())];
    // Redis replies before announcing a new TTL (but after announcing a DEL).
    c.reply.integer(1);
    c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'expire', key, db.id);
    return;
  }
  c.reply.integer(1);
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME. */
function ttlGeneric(c: Client, argv: Buffer[], ms: boolean, absolute: boolean): void {
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    c.reply.integer(-2);
    return;
  }
  if (entry.expireAt === 0) {
    c.reply.integer(-1);
    return;
  }
  if (entry.expireAtExact === null) {
    let ttl = absolute ? entry.expireAt : entry.expireAt - c.server.keyspace.now();
    if (ttl < 0) ttl = 0;
    c.reply.integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
    return;
  }
  // Beyond 2^53 ms only integer arithmetic stays exact (Redis's long long).
  const ttl = absolute
    ? entry.expireAtExact
    : entry.expireAtExact - BigInt(c.server.keyspace.now());
  c.reply.bigInteger(ms ? ttl : (ttl + 500n) / 1000n);
}

function persist(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  const persisted = entry !== undefined && c.db.persist(key, entry);
  if (persisted) c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'persist', key, c.db.id);
  c.reply.integer(persisted ? 1 : 0);
}

function keys(c: Client, argv: Buffer[]): void {
  const found = c.db.keys(argv[1]!.toString('latin1'));
  c.reply.arrayHeader(found.length);
  for (const key of found) c.reply.bulk(keyBytes(key));
}

function scan(c: Client, argv: Buffer[]): void {
  const cursor = parseScanCursorOrReply(c, argv[1]!);
  if (cursor === null) return;
  const options = parseScanOptionsOrReply(c, argv, 2, true);
  if (options === null) return;
  const { count, pattern, type: typeFilter } = options;
  const found: string[] = [];
  const next = c.db.scan(cursor, count, (key, entry) => {
    if (typeFilter !== null && typeName(entry.value) !== typeFilter) return;
    if (pattern !== null && !globMatch(pattern, key)) return;
    found.push(key);
  });
  c.reply.arrayHeader(2);
  c.reply.bulkString(String(next));
  c.reply.arrayHeader(found.length);
  for (const key of found) c.reply.bulk(keyBytes(key));
}

function randomkey(c: Client): void {
  const key = c.db.randomKey();
  if (key === null) c.reply.nullBulk();
  else c.reply.bulk(keyBytes(key));
}

function renameGeneric(c: Client, argv: Buffer[], nx: boolean): void {
  const from = keyOf(argv[1]!);
  const to = keyOf(argv[2]!);
  const db = c.db;
  if (from === to) {
    if (db.lookupWrite(from) === undefined) c.reply.error(ERR_NO_SUCH_KEY);
    else if (nx) c.reply.integer(0);
    else c.reply.ok();
    return;
  }
  const source = db.lookupWrite(from);
  if (source === undefined) {
    c.reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  if (db.lookupWrite(to) !== undefined) {
    if (nx) {
      c.reply.integer(0);
      return;
    }
    db.delete(to);
  }
  const moved = db.add(to, source.value, exactExpireAt(source));
  moved.stringEncoding = source.stringEncoding;
  db.delete(from);
  c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'rename_from', from, db.id);
  c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'rename_to', to, db.id);
  if (nx) c.reply.integer(1);
  else c.reply.ok();
}

function validDb(c: Client, index: number): Database | null {
  const dbs = c.server.keyspace.databases;
  return index >= 0 && index < dbs.length ? dbs[index]! : null;
}

function move(c: Client, argv: Buffer[]): void {
  const index = intArgOrReply(c, argv[2]!);
  if (index === null) return;
  const dst = validDb(c, index);
  if (dst === null) {
    c.reply.error(ERR_DB_RANGE);
    return;
  }
  const src = c.db;
  if (src === dst) {
    c.reply.error(ERR_SAME_OBJECT);
    return;
  }
  const key = keyOf(argv[1]!);
  const entry = src.lookupWrite(key);
  if (entry === undefined || dst.lookupWrite(key) !== undefined) {
    c.reply.integer(0);
    return;
  }
  const moved = dst.add(key, entry.value, exactExpireAt(entry));
  moved.stringEncoding = entry.stringEncoding;
  src.delete(key);
  c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'move_from', key, src.id);
  c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'move_to', key, dst.id);
  c.reply.integer(1);
}

function copy(c: Client, argv: Buffer[]): void {
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    if (isKeyword(argv[j]!, 'REPLACE')) {
      replace = true;
    } else if (isKeyword(argv[j]!, 'DB') && j + 1 < argv.length) {
      const index = intArgOrReply(c, argv[++j]!);
      if (index === null) return;
      const target = validDb(c, index);
      if (target === null) {
        c.reply.error(ERR_DB_RANGE);
        return;
      }
      dst = target;
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const from = keyOf(argv[1]!);
  const to = keyOf(argv[2]!);
  if (dst === c.db && from === to) {
    c.reply.error(ERR_SAME_OBJECT);
    return;
  }
  const source = c.db.lookupRead(from);
  if (source === undefined) {
    c.reply.integer(0);
    return;
  }
  if (dst.lookupWrite(to) !== undefined) {
    if (!replace) {
      c.reply.integer(0);
      return;
    }
    dst.delete(to);
  }
  const value = source.value;
  const copied = dst.add(
    to,
    isString(value) ? Buffer.from(value) : value.clone(),
    exactExpireAt(source),
  );
  copied.stringEncoding =
    source.stringEncoding === StringEncodingHint.Auto
      ? StringEncodingHint.Copied
      : source.stringEncoding;
  c.server.notifyKeyspaceEvent(GENERIC_EVENT, 'copy_to', to, dst.id);
  c.reply.integer(1);
}

function touch(c: Client, argv: Buffer[]): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.find(keyOf(argv[i]!)) !== undefined) count++;
  }
  c.reply.integer(count);
}

function dbsize(c: Client): void {
  c.reply.integer(c.db.size);
}

/** FLUSHDB/FLUSHALL's optional ASYNC|SYNC: both are O(1) here (the GC frees). */
function flushMode(c: Client, argv: Buffer[]): boolean {
  if (
    argv.length > 2 ||
    (argv.length === 2 && !isKeyword(argv[1]!, 'ASYNC') && !isKeyword(argv[1]!, 'SYNC'))
  ) {
    c.reply.error(ERR_SYNTAX);
    return false;
  }
  return true;
}

function flushdb(c: Client, argv: Buffer[]): void {
  if (!flushMode(c, argv)) return;
  flushDatabase(c, c.db);
  // Propagated even when the database was already empty, as Redis 7.0 does.
  c.forcePropagate = true;
  c.reply.ok();
}

function flushall(c: Client, argv: Buffer[]): void {
  if (!flushMode(c, argv)) return;
  for (const db of c.server.keyspace.databases) flushDatabase(c, db);
  c.server.persistence.afterFlushAll();
  // The dirty counter may have moved backwards (the save above); a flush
  // always reaches replicas, as in Redis 7.0.
  c.forcePropagate = true;
  c.reply.ok();
}

/** Empties a database, announcing each key so WATCH and snapshots see it. */
function flushDatabase(c: Client, db: Database): void {
  // Watchers are told per database, not per key: a flush stays O(1) and never
  // stalls the event loop on a large keyspace.
  c.server.watches.touchDb(db, null);
  const removed = db.clear();
  c.server.keyspace.dirty += removed;
}

function select(c: Client, argv: Buffer[]): void {
  const index = intArgOrReply(c, argv[1]!);
  if (index === null) return;
  const db = validDb(c, index);
  if (db === null) {
    c.reply.error(ERR_DB_RANGE);
    return;
  }
  c.db = db;
  c.reply.ok();
}

function swapdb(c: Client, argv: Buffer[]): void {
  const a = intArgOrReply(c, argv[1]!, 'ERR invalid first DB index');
  if (a === null) return;
  const b = intArgOrReply(c, argv[2]!, 'ERR invalid second DB index');
  if (b === null) return;
  if (validDb(c, a) === null || validDb(c, b) === null) {
    c.reply.error(ERR_DB_RANGE);
    return;
  }
  const watches = c.server.watches;
  const dbs = c.server.keyspace.databases;
  // Watchers stay with the database index: a watched key that exists on
  // either side now sees different contents.
  watches.touchDb(dbs[a]!, dbs[b]!);
  watches.touchDb(dbs[b]!, dbs[a]!);
  c.server.keyspace.swap(a, b);
  c.server.keyspace.dirty++;
  c.reply.ok();
}

const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

function objectSubcommand(
  c: Client,
  argv: Buffer[],
  what: 'encoding' | 'refcount' | 'idletime' | 'freq',
): void {
  const entry = c.db.peek(keyOf(argv[2]!));
  const live =
    entry !== undefined && (entry.expireAt === 0 || entry.expireAt > c.server.keyspace.now());
  if (what === 'freq') {
    // Without an LFU eviction policy Redis does not track frequency.
    if (!live) c.reply.nullBulk();
    else c.reply.error(LFU_NOT_SELECTED);
    return;
  }
  if (!live || entry === undefined) {
    c.reply.nullBulk();
    return;
  }
  if (what === 'encoding') c.reply.bulkString(encodingOf(entry));
  else if (what === 'refcount') c.reply.integer(refcountOf(entry));
  else c.reply.integer(Math.floor((c.server.keyspace.lruClock - entry.lastAccess) / 1000));
}

function objectHelp(c: Client): void {
  const lines = [
    'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'ENCODING <key>',
    '    Return the kind of internal representation used in order to store the value',
    '    associated with a <key>.',
    'FREQ <key>',
    '    Return the access frequency index of the <key>. The returned integer is',
    '    proportional to the logarithm of the recent access frequency of the key.',
    'IDLETIME <key>',
    '    Return the idle time of the <key>, that is the approximated number of',
    '    seconds elapsed since the last access to the key.',
    'REFCOUNT <key>',
    '    Return the number of references of the value associated with the specified',
    '    <key>.',
    'HELP',
    // Redis 7.0's addReplyHelp ends every HELP with "Prints", not "Print".
    '    Prints this help.',
  ];
  c.reply.arrayHeader(lines.length);
  for (const line of lines) c.reply.simple(line);
}

const GENERIC = 'generic' as const;
const KEY1 = { firstKey: 1, lastKey: 1, step: 1 } as const;
const NO_KEYS = { firstKey: 0, lastKey: 0, step: 0 } as const;

export const keyCommands: readonly CommandSpec[] = [
  {
    name: 'del',
    arity: -2,
    flags: ['write'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys',
    summary: 'Delete keys',
    handler: del,
  },
  {
    name: 'unlink',
    arity: -2,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    group: GENERIC,
    since: '4.0.0',
    complexity: 'O(1) per key',
    summary: 'Delete keys, freeing memory in the background',
    handler: del,
  },
  {
    name: 'exists',
    arity: -2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys',
    summary: 'Count how many of the given keys exist',
    handler: exists,
  },
  {
    name: 'type',
    arity: 2,
    flags: ['readonly', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Type of the value stored at a key',
    handler: type,
  },
  {
    name: 'expire',
    arity: -3,
    flags: ['write', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Set a key time to live in seconds',
    handler: (c, a) => expireGeneric(c, a, true, true, 'expire'),
  },
  {
    name: 'pexpire',
    arity: -3,
    flags: ['write', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '2.6.0',
    complexity: 'O(1)',
    summary: 'Set a key time to live in milliseconds',
    handler: (c, a) => expireGeneric(c, a, true, false, 'pexpire'),
  },
  {
    name: 'expireat',
    arity: -3,
    flags: ['write', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '1.2.0',
    complexity: 'O(1)',
    summary: 'Set the expiry of a key as a Unix time in seconds',
    handler: (c, a) => expireGeneric(c, a, false, true, 'expireat'),
  },
  {
    name: 'pexpireat',
    arity: -3,
    flags: ['write', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '2.6.0',
    complexity: 'O(1)',
    summary: 'Set the expiry of a key as a Unix time in milliseconds',
    handler: (c, a) => expireGeneric(c, a, false, false, 'pexpireat'),
  },
  {
    name: 'ttl',
    arity: 2,
    flags: ['readonly', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Time to live of a key in seconds',
    handler: (c, a) => ttlGeneric(c, a, false, false),
  },
  {
    name: 'pttl',
    arity: 2,
    flags: ['readonly', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '2.6.0',
    complexity: 'O(1)',
    summary: 'Time to live of a key in milliseconds',
    handler: (c, a) => ttlGeneric(c, a, true, false),
  },
  {
    name: 'expiretime',
    arity: 2,
    flags: ['readonly', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '7.0.0',
    complexity: 'O(1)',
    summary: 'Expiry of a key as a Unix time in seconds',
    handler: (c, a) => ttlGeneric(c, a, false, true),
  },
  {
    name: 'pexpiretime',
    arity: 2,
    flags: ['readonly', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '7.0.0',
    complexity: 'O(1)',
    summary: 'Expiry of a key as a Unix time in milliseconds',
    handler: (c, a) => ttlGeneric(c, a, true, true),
  },
  {
    name: 'persist',
    arity: 2,
    flags: ['write', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '2.2.0',
    complexity: 'O(1)',
    summary: 'Remove the expiry of a key',
    handler: persist,
  },
  {
    name: 'keys',
    arity: 2,
    flags: ['readonly'],
    ...NO_KEYS,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(N) with N the number of keys in the database',
    summary: 'All keys matching a pattern',
    acl: ['dangerous'],
    handler: keys,
  },
  {
    name: 'scan',
    arity: -2,
    flags: ['readonly'],
    ...NO_KEYS,
    group: GENERIC,
    since: '2.8.0',
    complexity: 'O(1) per call, O(N) for a complete iteration',
    summary: 'Incrementally iterate the keyspace',
    handler: scan,
  },
  {
    name: 'randomkey',
    arity: 1,
    flags: ['readonly'],
    ...NO_KEYS,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'A random key',
    handler: randomkey,
  },
  {
    name: 'rename',
    arity: 3,
    flags: ['write'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Rename a key',
    handler: (c, a) => renameGeneric(c, a, false),
  },
  {
    name: 'renamenx',
    arity: 3,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Rename a key only if the new name does not exist',
    handler: (c, a) => renameGeneric(c, a, true),
  },
  {
    name: 'copy',
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    group: GENERIC,
    since: '6.2.0',
    complexity: 'O(N) for collections, O(1) for strings',
    summary: 'Copy a key',
    handler: copy,
  },
  {
    name: 'move',
    arity: 3,
    flags: ['write', 'fast'],
    ...KEY1,
    group: GENERIC,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Move a key to another database',
    handler: move,
  },
  {
    name: 'touch',
    arity: -2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    group: GENERIC,
    since: '3.2.1',
    complexity: 'O(N) where N is the number of keys',
    summary: 'Update the access time of keys',
    handler: touch,
  },
  {
    name: 'dbsize',
    arity: 1,
    flags: ['readonly', 'fast'],
    ...NO_KEYS,
    group: 'server',
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Number of keys in the selected database',
    handler: dbsize,
  },
  {
    name: 'flushdb',
    arity: -1,
    flags: ['write'],
    ...NO_KEYS,
    group: 'server',
    since: '1.0.0',
    complexity: 'O(1) here',
    summary: 'Remove all keys from the selected database',
    acl: ['dangerous'],
    handler: flushdb,
  },
  {
    name: 'flushall',
    arity: -1,
    flags: ['write'],
    ...NO_KEYS,
    group: 'server',
    since: '1.0.0',
    complexity: 'O(1) here',
    summary: 'Remove all keys from all databases',
    acl: ['dangerous'],
    handler: flushall,
  },
  {
    name: 'select',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    ...NO_KEYS,
    group: 'connection',
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Change the selected database',
    handler: select,
  },
  {
    name: 'swapdb',
    arity: 3,
    flags: ['write', 'fast'],
    ...NO_KEYS,
    group: 'server',
    since: '4.0.0',
    complexity: 'O(1)',
    summary: 'Swap two databases',
    acl: ['dangerous'],
    handler: swapdb,
  },
  {
    name: 'object',
    arity: -2,
    flags: [],
    ...NO_KEYS,
    group: GENERIC,
    since: '2.2.3',
    complexity: 'Depends on subcommand',
    summary: 'Inspect the internals of values',
    subcommands: [
      {
        name: 'encoding',
        arity: 3,
        flags: ['readonly'],
        firstKey: 2,
        lastKey: 2,
        step: 1,
        group: GENERIC,
        since: '2.2.3',
        complexity: 'O(1)',
        summary: 'Internal encoding of a value',
        handler: (c, a) => objectSubcommand(c, a, 'encoding'),
      },
      {
        name: 'freq',
        arity: 3,
        flags: ['readonly'],
        firstKey: 2,
        lastKey: 2,
        step: 1,
        group: GENERIC,
        since: '4.0.0',
        complexity: 'O(1)',
        summary: 'Logarithmic access frequency of a key',
        handler: (c, a) => objectSubcommand(c, a, 'freq'),
      },
      {
        name: 'idletime',
        arity: 3,
        flags: ['readonly'],
        firstKey: 2,
        lastKey: 2,
        step: 1,
        group: GENERIC,
        since: '2.2.3',
        complexity: 'O(1)',
        summary: 'Seconds since the key was last accessed',
        handler: (c, a) => objectSubcommand(c, a, 'idletime'),
      },
      {
        name: 'refcount',
        arity: 3,
        flags: ['readonly'],
        firstKey: 2,
        lastKey: 2,
        step: 1,
        group: GENERIC,
        since: '2.2.3',
        complexity: 'O(1)',
        summary: 'Reference count of a value',
        handler: (c, a) => objectSubcommand(c, a, 'refcount'),
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        ...NO_KEYS,
        group: GENERIC,
        since: '6.2.0',
        complexity: 'O(1)',
        summary: 'Help on OBJECT subcommands',
        handler: objectHelp,
      },
    ],
  },
];
