import type { Client } from '../server/client.js';
import { KEYSPACE_EVENT } from '../config/options.js';
import type { Entry } from '../store/database.js';
import { globMatch } from '../store/glob.js';
import { RedisHash } from '../store/hash.js';
import {
  addLongDouble,
  formatLongDoubleHuman,
  isFiniteLongDouble,
  parseLongDouble,
} from '../store/long-double.js';
import type { SlottedMap } from '../store/set.js';
import { INT64_MAX, INT64_MIN } from '../store/values.js';
import {
  ERR_NOT_FLOAT,
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
import type { CommandSpec } from './types.js';
import { deleteIfEmpty } from './collections.js';

/**
 * Hash commands (t_hash.c). Fields are latin1 strings, values Buffers copied
 * from the arguments (which may be views of the read buffer). Semantics,
 * reply shapes, error texts and their order follow Redis 7.0.15; where the
 * order of checks matters (count before key lookup, type before options) it
 * is noted at the check.
 */

const HASH = 'hash' as const;
const ERR_RANGE = 'ERR value is out of range';
const LONG_MAX = 9223372036854775807n;
/** getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)'s message (Redis's wording). */
export const ERR_COUNT_RANGE =
  'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

/** The hash at `entry`, or null after replying WRONGTYPE. */
function hashValue(c: Client, entry: Entry): RedisHash | null {
  if (entry.value instanceof RedisHash) return entry.value;
  c.reply.error(ERR_WRONGTYPE);
  return null;
}

/**
 * hashTypeLookupWriteOrCreate: the hash to modify, created (and stored) when
 * the key is missing; null after WRONGTYPE.
 */
function hashForWrite(c: Client, key: string): RedisHash | null {
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    const hash = new RedisHash();
    // The command counts its fields once it wrote them (db.touched).
    c.db.set(key, hash, false, 0);
    return hash;
  }
  return hashValue(c, entry);
}

function notifyHash(c: Client, event: string, key: string): void {
  c.server.notifyKeyspaceEvent(KEYSPACE_EVENT.HASH, event, key, c.db.id);
}

/** HSET and HMSET: same work, different reply. */
function hsetGeneric(c: Client, argv: Buffer[], legacy: boolean): void {
  if (argv.length % 2 === 1) {
    // Pairing is the command's own rule, checked after the table's arity.
    c.reply.error(`ERR wrong number of arguments for '${legacy ? 'hmset' : 'hset'}' command`);
    return;
  }
  const key = keyOf(argv[1]!);
  const hash = hashForWrite(c, key);
  if (hash === null) return;
  hash.convertForArguments(argv, 2);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (hash.set(keyOf(argv[i]!), Buffer.from(argv[i + 1]!))) created++;
  }
  c.db.touched(key, (argv.length - 2) / 2);
  notifyHash(c, 'hset', key);
  if (legacy) c.reply.ok();
  else c.reply.integer(created);
}

function hset(c: Client, argv: Buffer[]): void {
  hsetGeneric(c, argv, false);
}

function hmset(c: Client, argv: Buffer[]): void {
  hsetGeneric(c, argv, true);
}

function hsetnx(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const hash = hashForWrite(c, key);
  if (hash === null) return;
  const field = keyOf(argv[2]!);
  if (hash.has(field)) {
    c.reply.integer(0);
    return;
  }
  hash.set(field, Buffer.from(argv[3]!));
  c.db.touched(key);
  notifyHash(c, 'hset', key);
  c.reply.integer(1);
}

/** A read lookup: the hash, undefined when the key is missing, null after WRONGTYPE. */
function hashForRead(c: Client, argv: Buffer[]): RedisHash | undefined | null {
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  return entry === undefined ? undefined : hashValue(c, entry);
}

function hget(c: Client, argv: Buffer[]): void {
  const hash = hashForRead(c, argv);
  if (hash === null) return;
  const value = hash?.get(keyOf(argv[2]!));
  if (value === undefined) c.reply.nullBulk();
  else c.reply.bulk(value);
}

function hmget(c: Client, argv: Buffer[]): void {
  const hash = hashForRead(c, argv);
  if (hash === null) return;
  c.reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const value = hash?.get(keyOf(argv[i]!));
    if (value === undefined) c.reply.nullBulk();
    else c.reply.bulk(value);
  }
}

function hdel(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const entry = c.db.lookupWrite(key);
  if (entry === undefined) {
    c.reply.integer(0);
    return;
  }
  const hash = hashValue(c, entry);
  if (hash === null) return;
  let deleted = 0;
  for (let i = 2; i < argv.length && hash.size > 0; i++) {
    if (hash.delete(keyOf(argv[i]!))) deleted++;
  }
  if (deleted > 0) {
    c.db.touched(key, deleted);
    notifyHash(c, 'hdel', key);
    deleteIfEmpty(c, key, hash);
  }
  c.reply.integer(deleted);
}

function hlen(c: Client, argv: Buffer[]): void {
  const hash = hashForRead(c, argv);
  if (hash !== null) c.reply.integer(hash?.size ?? 0);
}

function hstrlen(c: Client, argv: Buffer[]): void {
  const hash = hashForRead(c, argv);
  if (hash !== null) c.reply.integer(hash?.get(keyOf(argv[2]!))?.length ?? 0);
}

function hexists(c: Client, argv: Buffer[]): void {
  const hash = hashForRead(c, argv);
  if (hash !== null) c.reply.integer(hash?.has(keyOf(argv[2]!)) === true ? 1 : 0);
}

const KEYS = 1;
const VALUES = 2;

/** HKEYS, HVALS, HGETALL: a map when both halves are asked for, else an array. */
function hgetallGeneric(c: Client, argv: Buffer[], what: number): void {
  const hash = hashForRead(c, argv);
  if (hash === null) return;
  const size = hash?.size ?? 0;
  if (what === (KEYS | VALUES)) c.reply.mapHeader(size);
  else c.reply.arrayHeader(size);
  if (hash === undefined) return;
  for (const [field, value] of hash.fields.entries()) {
    if ((what & KEYS) !== 0) c.reply.bulk(keyBytes(field));
    if ((what & VALUES) !== 0) c.reply.bulk(value);
  }
}

function hkeys(c: Client, argv: Buffer[]): void {
  hgetallGeneric(c, argv, KEYS);
}

function hvals(c: Client, argv: Buffer[]): void {
  hgetallGeneric(c, argv, VALUES);
}

function hgetall(c: Client, argv: Buffer[]): void {
  hgetallGeneric(c, argv, KEYS | VALUES);
}

function hincrby(c: Client, argv: Buffer[]): void {
  // The increment is validated before the key is looked up (or created).
  const increment = parseInt64(argv[3]!);
  if (increment === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return;
  }
  const key = keyOf(argv[1]!);
  const hash = hashForWrite(c, key);
  if (hash === null) return;
  const field = keyOf(argv[2]!);
  const stored = hash.get(field);
  let current = 0n;
  if (stored !== undefined) {
    const parsed = parseInt64(stored);
    if (parsed === null) {
      c.reply.error('ERR hash value is not an integer');
      return;
    }
    current = parsed;
  }
  const sum = current + increment;
  if (sum > INT64_MAX || sum < INT64_MIN) {
    c.reply.error('ERR increment or decrement would overflow');
    return;
  }
  hash.set(field, Buffer.from(sum.toString()));
  c.db.touched(key);
  notifyHash(c, 'hincrby', key);
  c.reply.bigInteger(sum);
}

function hincrbyfloat(c: Client, argv: Buffer[]): void {
  const increment = parseLongDouble(argv[3]!);
  if (increment === null) {
    c.reply.error(ERR_NOT_FLOAT);
    return;
  }
  // Refused before the key is touched, unlike an infinite sum (checked below).
  if (!isFiniteLongDouble(increment)) {
    c.reply.error('ERR value is NaN or Infinity');
    return;
  }
  const key = keyOf(argv[1]!);
  const hash = hashForWrite(c, key);
  if (hash === null) return;
  const field = keyOf(argv[2]!);
  const stored = hash.get(field);
  let current = parseLongDouble(Buffer.from('0'))!;
  if (stored !== undefined) {
    const parsed = parseLongDouble(stored);
    if (parsed === null) {
      c.reply.error('ERR hash value is not a float');
      return;
    }
    current = parsed;
  }
  const sum = addLongDouble(current, increment);
  if (!isFiniteLongDouble(sum)) {
    c.reply.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = Buffer.from(formatLongDoubleHuman(sum));
  hash.set(field, text);
  c.db.touched(key);
  notifyHash(c, 'hincrbyfloat', key);
  // Replicated as HSET with the final text so replicas cannot round differently.
  c.propagateAs = [Buffer.from('HSET'), argv[1]!, argv[2]!, text];
  c.reply.bulk(text);
}

/** Writes field (and value) pairs in HRANDFIELD's shape: nested pairs in RESP3 with values. */
function replyFields(
  c: Client,
  fields: SlottedMap<Buffer>,
  picked: Iterable<string>,
  count: number,
  withValues: boolean,
): void {
  const nested = withValues && c.reply.resp === 3;
  c.reply.arrayHeader(withValues && !nested ? count * 2 : count);
  for (const field of picked) {
    if (nested) c.reply.arrayHeader(2);
    c.reply.bulk(keyBytes(field));
    if (withValues) c.reply.bulk(fields.get(field)!);
  }
}

function* repeatRandom(fields: SlottedMap<Buffer>, count: number): IterableIterator<string> {
  for (let i = 0; i < count; i++) yield fields.randomKey();
}

function hrandfield(c: Client, argv: Buffer[]): void {
  if (argv.length === 2) {
    const hash = hashForRead(c, argv);
    if (hash === null) return;
    if (hash === undefined) c.reply.nullBulk();
    else c.reply.bulk(keyBytes(hash.fields.randomKey()));
    return;
  }
  // Redis's order: the count, then the option, then the count's range with
  // values (count * 2 must fit), then the key.
  const requested = parseInt64(argv[2]!);
  if (requested === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (requested < -LONG_MAX) {
    c.reply.error(ERR_COUNT_RANGE);
    return;
  }
  if (argv.length > 4 || (argv.length === 4 && !isKeyword(argv[3]!, 'WITHVALUES'))) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const withValues = argv.length === 4;
  if (withValues && (requested < -LONG_MAX / 2n || requested > LONG_MAX / 2n)) {
    c.reply.error(ERR_RANGE);
    return;
  }
  const hash = hashForRead(c, argv);
  if (hash === null) return;
  if (hash === undefined || requested === 0n) {
    c.reply.arrayHeader(0);
    return;
  }
  const fields = hash.fields;
  if (requested < 0n) {
    // Repetitions allowed: exactly |count| independent draws.
    const count = Number(-requested);
    replyFields(c, fields, repeatRandom(fields, count), count, withValues);
    return;
  }
  const count = Number(requested);
  if (count >= fields.size) {
    replyFields(c, fields, fields.keys(), fields.size, withValues);
    return;
  }
  replyFields(c, fields, fields.sampleDistinct(count), count, withValues);
}

/** Redis's shared.emptyscan: what HSCAN/SSCAN answer for a missing key. */
export function replyEmptyScan(c: Client): void {
  c.reply.arrayHeader(2);
  c.reply.bulkString('0');
  c.reply.arrayHeader(0);
}

function hscan(c: Client, argv: Buffer[]): void {
  const cursor = parseScanCursorOrReply(c, argv[2]!);
  if (cursor === null) return;
  const hash = hashForRead(c, argv);
  if (hash === null) return;
  if (hash === undefined) {
    replyEmptyScan(c);
    return;
  }
  const options = parseScanOptionsOrReply(c, argv, 3, false);
  if (options === null) return;
  const { pattern } = options;
  const found: Array<[string, Buffer]> = [];
  let next = 0;
  if (hash.compact) {
    // A listpack is returned whole in one call, whatever COUNT says.
    for (const [field, value] of hash.fields.entries()) {
      if (pattern === null || globMatch(pattern, field)) found.push([field, value]);
    }
  } else {
    next = hash.fields.scan(cursor, options.count, (field, value) => {
      if (pattern === null || globMatch(pattern, field)) found.push([field, value]);
    });
  }
  c.reply.arrayHeader(2);
  c.reply.bulkString(String(next));
  c.reply.arrayHeader(found.length * 2);
  for (const [field, value] of found) {
    c.reply.bulk(keyBytes(field));
    c.reply.bulk(value);
  }
}

/** One key at argv[1], as every hash command declares it. */
function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  since: string,
  complexity: string,
  summary: string,
  handler: CommandSpec['handler'],
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: HASH,
    since,
    complexity,
    summary,
    handler,
  };
}

const O1 = 'O(1)';
const ON = 'O(N) where N is the size of the hash.';

export const hashCommands: readonly CommandSpec[] = [
  spec(
    'hset',
    -4,
    ['write', 'denyoom', 'fast'],
    '2.0.0',
    'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    'Set the string value of a hash field',
    hset,
  ),
  spec(
    'hsetnx',
    4,
    ['write', 'denyoom', 'fast'],
    '2.0.0',
    O1,
    'Set the value of a hash field, only if the field does not exist',
    hsetnx,
  ),
  spec('hget', 3, ['readonly', 'fast'], '2.0.0', O1, 'Get the value of a hash field', hget),
  spec(
    'hmget',
    -3,
    ['readonly', 'fast'],
    '2.0.0',
    'O(N) where N is the number of fields being requested.',
    'Get the values of all the given hash fields',
    hmget,
  ),
  spec(
    'hmset',
    -4,
    ['write', 'denyoom', 'fast'],
    '2.0.0',
    'O(N) where N is the number of fields being set.',
    'Set multiple hash fields to multiple values',
    hmset,
  ),
  spec(
    'hdel',
    -3,
    ['write', 'fast'],
    '2.0.0',
    'O(N) where N is the number of fields to be removed.',
    'Delete one or more hash fields',
    hdel,
  ),
  spec('hlen', 2, ['readonly', 'fast'], '2.0.0', O1, 'Get the number of fields in a hash', hlen),
  spec(
    'hstrlen',
    3,
    ['readonly', 'fast'],
    '3.2.0',
    O1,
    'Get the length of the value of a hash field',
    hstrlen,
  ),
  spec(
    'hexists',
    3,
    ['readonly', 'fast'],
    '2.0.0',
    O1,
    'Determine if a hash field exists',
    hexists,
  ),
  spec('hkeys', 2, ['readonly'], '2.0.0', ON, 'Get all the fields in a hash', hkeys),
  spec('hvals', 2, ['readonly'], '2.0.0', ON, 'Get all the values in a hash', hvals),
  spec('hgetall', 2, ['readonly'], '2.0.0', ON, 'Get all the fields and values in a hash', hgetall),
  spec(
    'hincrby',
    4,
    ['write', 'denyoom', 'fast'],
    '2.0.0',
    O1,
    'Increment the integer value of a hash field by the given number',
    hincrby,
  ),
  spec(
    'hincrbyfloat',
    4,
    ['write', 'denyoom', 'fast'],
    '2.6.0',
    O1,
    'Increment the float value of a hash field by the given amount',
    hincrbyfloat,
  ),
  spec(
    'hrandfield',
    -2,
    ['readonly'],
    '6.2.0',
    'O(N) where N is the number of fields returned',
    'Get one or multiple random fields from a hash',
    hrandfield,
  ),
  spec(
    'hscan',
    -3,
    ['readonly'],
    '2.8.0',
    'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    'Incrementally iterate hash fields and associated values',
    hscan,
  ),
];
