import type { Client } from '../server/client.js';
import type { Entry } from '../store/database.js';
import { isString, StringEncodingHint } from '../store/values.js';
import {
  addLongDouble,
  formatLongDoubleHuman,
  isFiniteLongDouble,
  parseLongDouble,
} from '../store/long-double.js';
import {
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  ERR_NOT_FLOAT,
  isKeyword,
  keyOf,
  parseInt64,
  parseInteger,
} from './args.js';
import type { CommandSpec } from './types.js';
import { integerBuffer } from '../protocol/reply-writer.js';
import { KEYSPACE_EVENT } from '../config/options.js';

/**
 * String commands. Values are Buffers; the keyspace copies nothing, so every
 * handler that stores an argument copies it first (arguments may be views into
 * the socket's read buffer).
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
const EMPTY = Buffer.alloc(0);
const STRING_EVENT = KEYSPACE_EVENT.STRING;
const GENERIC_EVENT = KEYSPACE_EVENT.GENERIC;

/** Keyspace notification in the client's database (cheap when disabled). */
function notify(c: Client, type: number, event: string, key: string): void {
  c.server.notifyKeyspaceEvent(type, event, key, c.db.id);
}

/** Reads a string value; replies WRONGTYPE and returns null for other types. */
function stringValue(c: Client, entry: Entry): Buffer | null {
  const value = entry.value;
  if (isString(value)) return value;
  c.reply.error(ERR_WRONGTYPE);
  return null;
}

function get(c: Client, argv: Buffer[]): void {
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    c.reply.nullBulk();
    return;
  }
  const value = stringValue(c, entry);
  if (value !== null) c.reply.bulk(value);
}

/** Option flags shared by SET and GETEX (parseExtendedStringArgumentsOrReply). */
const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const PERSIST = 16;
const EX = 32;
const PX = 64;
const EXAT = 128;
const PXAT = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

interface ExtendedArgs {
  flags: number;
  expireArg: Buffer | null;
}

function parseExtendedArgs(
  c: Client,
  argv: Buffer[],
  from: number,
  forSet: boolean,
): ExtendedArgs | null {
  let flags = 0;
  let expireArg: Buffer | null = null;
  for (let j = from; j < argv.length; j++) {
    const opt = argv[j]!;
    const hasNext = j < argv.length - 1;
    if (forSet && isKeyword(opt, 'NX') && (flags & XX) === 0) flags |= NX;
    else if (forSet && isKeyword(opt, 'XX') && (flags & NX) === 0) flags |= XX;
    else if (forSet && isKeyword(opt, 'GET')) flags |= GET;
    else if (forSet && isKeyword(opt, 'KEEPTTL') && (flags & (PERSIST | ANY_EXPIRE)) === 0)
      flags |= KEEPTTL;
    else if (!forSet && isKeyword(opt, 'PERSIST') && (flags & (KEEPTTL | ANY_EXPIRE)) === 0)
      flags |= PERSIST;
    else if (
      isKeyword(opt, 'EX') &&
      (flags & (KEEPTTL | PERSIST | EXAT | PX | PXAT)) === 0 &&
      hasNext
    ) {
      flags |= EX;
      expireArg = argv[++j]!;
    } else if (
      isKeyword(opt, 'PX') &&
      (flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT)) === 0 &&
      hasNext
    ) {
      flags |= PX;
      expireArg = argv[++j]!;
    } else if (
      isKeyword(opt, 'EXAT') &&
      (flags & (KEEPTTL | PERSIST | EX | PX | PXAT)) === 0 &&
      hasNext
    ) {
      flags |= EXAT;
      expireArg = argv[++j]!;
    } else if (
      isKeyword(opt, 'PXAT') &&
      (flags & (KEEPTTL | PERSIST | EX | EXAT | PX)) === 0 &&
      hasNext
    ) {
      flags |= PXAT;
      expireArg = argv[++j]!;
    } else {
      c.reply.error(ERR_SYNTAX);
      return null;
    }
  }
  return { flags, expireArg };
}

/**
 * Turns an EX/PX/EXAT/PXAT argument into an absolute ms timestamp, or replies
 * with Redis's error and returns null.
 */
function expireAtFromArg(
  c: Client,
  arg: Buffer,
  flags: number,
  commandName: string,
): bigint | null {
  const parsed = parseInt64(arg);
  if (parsed === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return null;
  }
  const seconds = (flags & (EX | EXAT)) !== 0;
  if (parsed <= 0n || (seconds && parsed > INT64_MAX / 1000n)) {
    c.reply.error(`ERR invalid expire time in '${commandName}' command`);
    return null;
  }
  let ms = seconds ? parsed * 1000n : parsed;
  if ((flags & (EX | PX)) !== 0) ms += BigInt(c.server.keyspace.now());
  if (ms <= 0n || ms > INT64_MAX) {
    c.reply.error(`ERR invalid expire time in '${commandName}' command`);
    return null;
  }
  return ms;
}

function set(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  let flags = 0;
  let expireAt = 0n;
  if (argv.length > 3) {
    const parsed = parseExtendedArgs(c, argv, 3, true);
    if (parsed === null) return;
    flags = parsed.flags;
    if (parsed.expireArg !== null) {
      const at = expireAtFromArg(c, parsed.expireArg, flags, 'set');
      if (at === null) return;
      expireAt = at;
    }
  }
  const db = c.db;
  if ((flags & GET) !== 0) {
    const old = db.lookupRead(key);
    if (old === undefined) {
      c.reply.nullBulk();
    } else {
      const value = stringValue(c, old);
      if (value === null) return;
      c.reply.bulk(value);
    }
  }
  if ((flags & (NX | XX)) !== 0) {
    const found = db.find(key) !== undefined;
    if (((flags & NX) !== 0 && found) || ((flags & XX) !== 0 && !found)) {
      if ((flags & GET) === 0) c.reply.nullBulk();
      return;
    }
  }
  const entry = db.set(key, Buffer.from(argv[2]!), (flags & KEEPTTL) !== 0);
  if (expireAt !== 0n) {
    db.setExpire(key, entry, expireAt);
    // Replicas must see the absolute time, not a relative TTL.
    c.propagateAs = [
      argv[0]!,
      argv[1]!,
      argv[2]!,
      Buffer.from('PXAT'),
      Buffer.from(String(expireAt)),
    ];
  }
  notify(c, STRING_EVENT, 'set', key);
  if (expireAt !== 0n) notify(c, GENERIC_EVENT, 'expire', key);
  if ((flags & GET) === 0) c.reply.ok();
}

function setnx(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  if (c.db.find(key) !== undefined) {
    c.reply.integer(0);
    return;
  }
  c.db.set(key, Buffer.from(argv[2]!));
  notify(c, STRING_EVENT, 'set', key);
  c.reply.integer(1);
}

function setexGeneric(c: Client, argv: Buffer[], unitFlag: number, name: string): void {
  const expireAt = expireAtFromArg(c, argv[2]!, unitFlag, name);
  if (expireAt === null) return;
  const key = keyOf(argv[1]!);
  const entry = c.db.set(key, Buffer.from(argv[3]!));
  c.db.setExpire(key, entry, expireAt);
  // As SET EX: replicas must see the absolute time.
  c.propagateAs = [SET, argv[1]!, argv[3]!, PXAT_ARG, Buffer.from(String(expireAt))];
  notify(c, STRING_EVENT, 'set', key);
  notify(c, GENERIC_EVENT, 'expire', key);
  c.reply.ok();
}

const SET = Buffer.from('SET');
const PXAT_ARG = Buffer.from('PXAT');

function getset(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const old = c.db.lookupRead(key);
  if (old !== undefined) {
    const value = stringValue(c, old);
    if (value === null) return;
    c.reply.bulk(value);
  } else {
    c.reply.nullBulk();
  }
  c.db.set(key, Buffer.from(argv[2]!));
  notify(c, STRING_EVENT, 'set', key);
}

function getdel(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupRead(key);
  if (entry === undefined) {
    c.reply.nullBulk();
    return;
  }
  const value = stringValue(c, entry);
  if (value === null) return;
  c.reply.bulk(value);
  c.db.delete(key);
  c.propagateAs = [Buffer.from('DEL'), argv[1]!];
  notify(c, GENERIC_EVENT, 'del', key);
}

function getex(c: Client, argv: Buffer[]): void {
  const parsed = parseExtendedArgs(c, argv, 2, false);
  if (parsed === null) return;
  const key = keyOf(argv[1]!);
  const db = c.db;
  const entry = db.lookupRead(key);
  if (entry === undefined) {
    c.reply.nullBulk();
    return;
  }
  const value = stringValue(c, entry);
  if (value === null) return;
  let expireAt = 0n;
  if (parsed.expireArg !== null) {
    const at = expireAtFromArg(c, parsed.expireArg, parsed.flags, 'getex');
    if (at === null) return;
    expireAt = at;
  }
  c.reply.bulk(value);
  // Replicas get the effect: DEL, PEXPIREAT <absolute ms> or PERSIST.
  if ((parsed.flags & (EXAT | PXAT)) !== 0 && expireAt <= c.server.keyspace.now()) {
    db.delete(key);
    c.propagateAs = [Buffer.from('DEL'), argv[1]!];
    notify(c, GENERIC_EVENT, 'del', key);
  } else if (expireAt !== 0n) {
    db.setExpire(key, entry, expireAt);
    c.propagateAs = [Buffer.from('PEXPIREAT'), argv[1]!, Buffer.from(String(expireAt))];
    notify(c, GENERIC_EVENT, 'expire', key);
  } else if ((parsed.flags & PERSIST) !== 0) {
    if (db.persist(key, entry)) notify(c, GENERIC_EVENT, 'persist', key);
    c.propagateAs = [Buffer.from('PERSIST'), argv[1]!];
  }
}

function mget(c: Client, argv: Buffer[]): void {
  c.reply.arrayHeader(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const entry = c.db.lookupRead(keyOf(argv[i]!));
    if (entry !== undefined && isString(entry.value)) c.reply.bulk(entry.value);
    else c.reply.nullBulk();
  }
}

function mset(c: Client, argv: Buffer[]): void {
  if (argv.length % 2 === 0) {
    c.reply.error(`ERR wrong number of arguments for 'mset' command`);
    return;
  }
  setPairs(c, argv);
  c.reply.ok();
}

function msetnx(c: Client, argv: Buffer[]): void {
  if (argv.length % 2 === 0) {
    c.reply.error(`ERR wrong number of arguments for 'msetnx' command`);
    return;
  }
  for (let i = 1; i < argv.length; i += 2) {
    if (c.db.find(keyOf(argv[i]!)) !== undefined) {
      c.reply.integer(0);
      return;
    }
  }
  setPairs(c, argv);
  c.reply.integer(1);
}

/** MSET/MSETNX: each pair is stored and announced in turn. */
function setPairs(c: Client, argv: Buffer[]): void {
  for (let i = 1; i < argv.length; i += 2) {
    const key = keyOf(argv[i]!);
    c.db.set(key, Buffer.from(argv[i + 1]!));
    notify(c, STRING_EVENT, 'set', key);
  }
}

function checkStringLength(c: Client, total: number): boolean {
  if (total > c.server.config.get('proto-max-bulk-len')) {
    c.reply.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    return false;
  }
  return true;
}

function append(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const addition = argv[2]!;
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.db.set(key, Buffer.from(addition));
    notify(c, STRING_EVENT, 'append', key);
    c.reply.integer(addition.length);
    return;
  }
  const value = stringValue(c, entry);
  if (value === null) return;
  const total = value.length + addition.length;
  if (!checkStringLength(c, total)) return;
  // Appending writes only past the end of every view handed out before, so
  // replies still queued on sockets are unaffected.
  let spare = entry.appendSpare;
  if (
    spare === null ||
    spare.buffer !== value.buffer ||
    value.byteOffset !== spare.byteOffset ||
    total > spare.length
  ) {
    spare = Buffer.allocUnsafeSlow(Math.max(64, total * 2));
    value.copy(spare, 0);
  }
  addition.copy(spare, value.length);
  entry.value = spare.subarray(0, total);
  entry.appendSpare = spare;
  entry.stringEncoding = StringEncodingHint.Raw;
  c.db.touched(key);
  notify(c, STRING_EVENT, 'append', key);
  c.reply.integer(total);
}

function strlen(c: Client, argv: Buffer[]): void {
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    c.reply.integer(0);
    return;
  }
  const value = stringValue(c, entry);
  if (value !== null) c.reply.integer(value.length);
}

function getrange(c: Client, argv: Buffer[]): void {
  let start = parseInteger(argv[2]!);
  let end = parseInteger(argv[3]!);
  if (start === null || end === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return;
  }
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    c.reply.bulk(EMPTY);
    return;
  }
  const value = stringValue(c, entry);
  if (value === null) return;
  const len = value.length;
  if (start < 0 && end < 0 && start > end) {
    c.reply.bulk(EMPTY);
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) {
    c.reply.bulk(EMPTY);
    return;
  }
  c.reply.bulk(value.subarray(start, end + 1));
}

function setrange(c: Client, argv: Buffer[]): void {
  const offset = parseInteger(argv[2]!);
  if (offset === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (offset < 0) {
    c.reply.error('ERR offset is out of range');
    return;
  }
  const key = keyOf(argv[1]!);
  const patch = argv[3]!;
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    if (patch.length === 0) {
      c.reply.integer(0);
      return;
    }
    if (!checkStringLength(c, offset + patch.length)) return;
    const value = Buffer.alloc(offset + patch.length);
    patch.copy(value, offset);
    const created = c.db.set(key, value);
    created.stringEncoding = StringEncodingHint.Raw;
    notify(c, STRING_EVENT, 'setrange', key);
    c.reply.integer(value.length);
    return;
  }
  const old = stringValue(c, entry);
  if (old === null) return;
  if (patch.length === 0) {
    c.reply.integer(old.length);
    return;
  }
  if (!checkStringLength(c, offset + patch.length)) return;
  // A fresh buffer, never an in-place overwrite: an earlier reply may still
  // be queued on a socket as a view of the old bytes.
  const value = Buffer.alloc(Math.max(old.length, offset + patch.length));
  old.copy(value, 0);
  patch.copy(value, offset);
  entry.value = value;
  entry.appendSpare = null;
  entry.stringEncoding = StringEncodingHint.Raw;
  c.db.touched(key);
  notify(c, STRING_EVENT, 'setrange', key);
  c.reply.integer(value.length);
}

function incrDecr(c: Client, key: string, delta: bigint): void {
  const db = c.db;
  const entry = db.lookupWrite(key);
  let current = 0n;
  if (entry !== undefined) {
    const value = stringValue(c, entry);
    if (value === null) return;
    const parsed = parseInt64(value);
    if (parsed === null) {
      c.reply.error(ERR_NOT_INTEGER);
      return;
    }
    current = parsed;
  }
  const next = current + delta;
  if (next > INT64_MAX || next < INT64_MIN) {
    c.reply.error(ERR_OVERFLOW);
    return;
  }
  const text = Buffer.from(next.toString());
  if (entry !== undefined) {
    // INCR keeps the key's TTL.
    entry.value = text;
    entry.appendSpare = null;
    entry.stringEncoding = StringEncodingHint.Auto;
    db.touched(key);
  } else {
    db.set(key, text);
  }
  notify(c, STRING_EVENT, 'incrby', key);
  c.reply.bigInteger(next);
}

/** Fast path for INCR/DECR on small integers, the common case under load. */
function incrDecrByOne(c: Client, argv: Buffer[], delta: 1 | -1): void {
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry !== undefined && isString(entry.value) && entry.value.length < 15) {
    const current = parseInteger(entry.value);
    if (current !== null) {
      const next = current + delta;
      entry.value = integerBuffer(next);
      entry.appendSpare = null;
      entry.stringEncoding = StringEncodingHint.Auto;
      c.db.touched(key);
      notify(c, STRING_EVENT, 'incrby', key);
      c.reply.integer(next);
      return;
    }
  }
  incrDecr(c, key, BigInt(delta));
}

function incrby(c: Client, argv: Buffer[], negate: boolean): void {
  const delta = parseInt64(argv[2]!);
  if (delta === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (negate && delta === INT64_MIN) {
    c.reply.error('ERR decrement would overflow');
    return;
  }
  incrDecr(c, keyOf(argv[1]!), negate ? -delta : delta);
}

function incrbyfloat(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const db = c.db;
  const entry = db.lookupWrite(key);
  let current = parseLongDouble(Buffer.from('0'))!;
  if (entry !== undefined) {
    const value = stringValue(c, entry);
    if (value === null) return;
    const parsed = parseLongDouble(value);
    if (parsed === null) {
      c.reply.error(ERR_NOT_FLOAT);
      return;
    }
    current = parsed;
  }
  const increment = parseLongDouble(argv[2]!);
  if (increment === null) {
    c.reply.error(ERR_NOT_FLOAT);
    return;
  }
  const sum = addLongDouble(current, increment);
  if (!isFiniteLongDouble(sum)) {
    c.reply.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = Buffer.from(formatLongDoubleHuman(sum));
  if (entry !== undefined) {
    entry.value = text;
    entry.appendSpare = null;
    db.touched(key);
    entry.stringEncoding = StringEncodingHint.NoInt;
  } else {
    db.set(key, text).stringEncoding = StringEncodingHint.NoInt;
  }
  // Replicated as SET with the final value so replicas cannot round differently.
  c.propagateAs = [Buffer.from('SET'), argv[1]!, text, Buffer.from('KEEPTTL')];
  notify(c, STRING_EVENT, 'incrbyfloat', key);
  c.reply.bulk(text);
}

const STRING = 'string' as const;

export const stringCommands: readonly CommandSpec[] = [
  {
    name: 'get',
    arity: 2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Get the value of a key',
    handler: get,
  },
  {
    name: 'set',
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Set the string value of a key, with optional expiry and conditions',
    handler: set,
  },
  {
    name: 'setnx',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Set the value of a key only if it does not exist',
    handler: setnx,
  },
  {
    name: 'setex',
    arity: 4,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '2.0.0',
    complexity: 'O(1)',
    summary: 'Set the value and expiry in seconds of a key',
    handler: (c, argv) => setexGeneric(c, argv, EX, 'setex'),
  },
  {
    name: 'psetex',
    arity: 4,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '2.6.0',
    complexity: 'O(1)',
    summary: 'Set the value and expiry in milliseconds of a key',
    handler: (c, argv) => setexGeneric(c, argv, PX, 'psetex'),
  },
  {
    name: 'getset',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Set a new value and return the old one',
    handler: getset,
  },
  {
    name: 'getdel',
    arity: 2,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '6.2.0',
    complexity: 'O(1)',
    summary: 'Get the value of a key and delete the key',
    handler: getdel,
  },
  {
    name: 'getex',
    arity: -2,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '6.2.0',
    complexity: 'O(1)',
    summary: 'Get the value of a key and optionally set or remove its expiry',
    handler: getex,
  },
  {
    name: 'mget',
    arity: -2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys',
    summary: 'Get the values of several keys',
    handler: mget,
  },
  {
    name: 'mset',
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: -1,
    step: 2,
    group: STRING,
    since: '1.0.1',
    complexity: 'O(N) where N is the number of keys',
    summary: 'Set several keys at once',
    handler: mset,
  },
  {
    name: 'msetnx',
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: -1,
    step: 2,
    group: STRING,
    since: '1.0.1',
    complexity: 'O(N) where N is the number of keys',
    summary: 'Set several keys at once, only if none of them exists',
    handler: msetnx,
  },
  {
    name: 'append',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '2.0.0',
    complexity: 'O(1) amortised',
    summary: 'Append a value to a key',
    handler: append,
  },
  {
    name: 'strlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '2.2.0',
    complexity: 'O(1)',
    summary: 'Length of the value stored at a key',
    handler: strlen,
  },
  {
    name: 'getrange',
    arity: 4,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '2.4.0',
    complexity: 'O(N) where N is the length of the returned string',
    summary: 'Substring of the value stored at a key',
    handler: getrange,
  },
  {
    name: 'substr',
    arity: 4,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(N) where N is the length of the returned string',
    summary: 'Substring of the value stored at a key (old name of GETRANGE)',
    handler: getrange,
  },
  {
    name: 'setrange',
    arity: 4,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '2.2.0',
    complexity: 'O(N) where N is the new length',
    summary: 'Overwrite part of a string at an offset',
    handler: setrange,
  },
  {
    name: 'incr',
    arity: 2,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Increment the integer value of a key by one',
    handler: (c, argv) => incrDecrByOne(c, argv, 1),
  },
  {
    name: 'decr',
    arity: 2,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Decrement the integer value of a key by one',
    handler: (c, argv) => incrDecrByOne(c, argv, -1),
  },
  {
    name: 'incrby',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Increment the integer value of a key by an amount',
    handler: (c, argv) => incrby(c, argv, false),
  },
  {
    name: 'decrby',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Decrement the integer value of a key by an amount',
    handler: (c, argv) => incrby(c, argv, true),
  },
  {
    name: 'incrbyfloat',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: STRING,
    since: '2.6.0',
    complexity: 'O(1)',
    summary: 'Increment the float value of a key by an amount',
    handler: incrbyfloat,
  },
];
