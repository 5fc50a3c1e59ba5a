import type { Client } from '../server/client.js';
import { KEYSPACE_EVENT } from '../config/options.js';
import { crc64 } from '../persistence/crc64.js';
import { RDB_VERSION, RdbFormatError } from '../persistence/rdb-format.js';
import { decodeValue } from '../persistence/rdb-reader.js';
import { encodeValue } from '../persistence/rdb-writer.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, isKeyword, keyOf, parseInt64 } from './args.js';
import type { CommandSpec } from './types.js';
import type { StoredValue } from '../store/values.js';

/**
 * DUMP and RESTORE: one key's value in RDB form, so keys move between
 * servers (redis-cli --rdb-style tools, MIGRATE-like scripts) byte-compatible
 * with Redis. The payload is the value's RDB type byte and encoding, then the
 * RDB version (2 bytes, little endian) and a CRC-64 of all that (8 bytes, little
 * endian), exactly as Redis's createDumpPayload builds it.
 */

const ERR_PAYLOAD = 'ERR DUMP payload version or checksum are wrong';

function dump(c: Client, argv: Buffer[]): void {
  const entry = c.db.lookupRead(keyOf(argv[1]!));
  if (entry === undefined) {
    c.reply.nullBulk();
    return;
  }
  const { type, payload } = encodeValue(entry.value, c.server.config.get('rdbcompression'));
  const body = Buffer.allocUnsafe(1 + payload.length + 2);
  body[0] = type;
  payload.copy(body, 1);
  body.writeUInt16LE(RDB_VERSION, 1 + payload.length);
  c.reply.bulk(Buffer.concat([body, crc64(body)]));
}

/** Redis's verifyDumpPayload: a version we can read and a matching checksum. */
function payloadIsValid(data: Buffer): boolean {
  if (data.length < 10) return false;
  const footer = data.length - 10;
  if (data.readUInt16LE(footer) > RDB_VERSION) return false;
  return crc64(data.subarray(0, data.length - 8)).equals(data.subarray(data.length - 8));
}

/** An option value in 0..max, or null after replying RESTORE's error for it. */
function boundedIntOrReply(c: Client, arg: Buffer, max: number, what: string): number | null {
  const v = parseInt64(arg);
  if (v === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return null;
  }
  if (v < 0n || Number(v) > max) {
    c.reply.error(`ERR Invalid ${what}`);
    return null;
  }
  return Number(v);
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restore(c: Client, argv: Buffer[]): void {
  let replace = false;
  let absoluteTtl = false;
  let idleSeconds = -1;
  let frequency = -1;
  for (let j = 4; j < argv.length; j++) {
    const arg = argv[j]!;
    const hasValue = j + 1 < argv.length;
    if (isKeyword(arg, 'REPLACE')) replace = true;
    else if (isKeyword(arg, 'ABSTTL')) absoluteTtl = true;
    else if (isKeyword(arg, 'IDLETIME') && hasValue && frequency === -1) {
      const idle = boundedIntOrReply(c, argv[++j]!, Infinity, 'IDLETIME value, must be >= 0');
      if (idle === null) return;
      idleSeconds = idle;
    } else if (isKeyword(arg, 'FREQ') && hasValue && idleSeconds === -1) {
      const freq = boundedIntOrReply(c, argv[++j]!, 255, 'FREQ value, must be >= 0 and <= 255');
      if (freq === null) return;
      frequency = freq;
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const key = keyOf(argv[1]!);
  const db = c.db;
  if (!replace && db.lookupWrite(key) !== undefined) {
    c.reply.error('BUSYKEY Target key name already exists.');
    return;
  }
  const ttl = parseInt64(argv[2]!);
  if (ttl === null) {
    c.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (ttl < 0n) {
    c.reply.error('ERR Invalid TTL value, must be >= 0');
    return;
  }
  const data = argv[3]!;
  if (!payloadIsValid(data)) {
    c.reply.error(ERR_PAYLOAD);
    return;
  }
  let value: StoredValue | null;
  try {
    // Redis reads the value from the whole argument (rioInitWithBuffer over
    // it), footer included, and ignores what follows the value: a body that
    // runs into the version and checksum, or has bytes left over, still loads.
    value = decodeValue(data[0]!, data, 1).value;
  } catch (err) {
    if (!(err instanceof RdbFormatError)) throw err;
    value = null;
  }
  if (value === null) {
    c.reply.error('ERR Bad data format');
    return;
  }
  // Replacing counts as one change, as in Redis (its dbDelete adds nothing).
  const deleted = replace && db.delete(key, false);
  // Redis adds a relative TTL to its clock in int64 arithmetic: a TTL near
  // the limit wraps to a negative deadline, which counts as already past.
  const expireAt =
    ttl === 0n ? 0n : absoluteTtl ? ttl : BigInt.asIntN(64, ttl + BigInt(Date.now()));
  // A deadline already past only removes the replaced key, as Redis does.
  if (expireAt !== 0n && expireAt <= BigInt(c.server.keyspace.now())) {
    if (deleted) {
      c.server.keyspace.dirty++;
      c.server.notifyKeyspaceEvent(KEYSPACE_EVENT.GENERIC, 'del', key, db.id);
      c.propagateAs = [Buffer.from('DEL'), argv[1]!];
    }
    c.reply.ok();
    return;
  }
  const entry = db.add(key, value, expireAt);
  // Replicas get the deadline, not a TTL relative to when they apply it.
  if (expireAt !== 0n && !absoluteTtl)
    c.propagateAs = [...argv.slice(0, 2), Buffer.from(String(expireAt)), ...argv.slice(3), ABSTTL];
  if (idleSeconds >= 0) entry.lastAccess = c.server.keyspace.lruClock - idleSeconds * 1000;
  c.server.notifyKeyspaceEvent(KEYSPACE_EVENT.GENERIC, 'restore', key, db.id);
  c.server.signalKeyAsReady(db, key);
  c.reply.ok();
}

const ABSTTL = Buffer.from('ABSTTL');
const GENERIC = 'generic' as const;

export const dumpRestoreCommands: CommandSpec[] = [
  {
    name: 'dump',
    arity: 2,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: GENERIC,
    since: '2.6.0',
    complexity: 'O(1) to access the key and additional O(N*M) to serialize it',
    summary: 'Return a serialized version of the value stored at the specified key.',
    handler: dump,
  },
  {
    name: 'restore',
    arity: -4,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: GENERIC,
    since: '2.6.0',
    complexity:
      'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value',
    summary: 'Create a key using the provided serialized value, previously obtained using DUMP.',
    handler: restore,
  },
];
