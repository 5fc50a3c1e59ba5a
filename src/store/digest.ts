import { hash } from 'node:crypto';
import type { Database, Entry } from './database.js';
import { OBJECT_TYPE_CODE, isString, typeName } from './values.js';

/**
 * DEBUG DIGEST with Redis's algorithm (computeDatasetDigest in debug.c), so a
 * digest taken here can be compared with one from a real redis-server holding
 * the same data: per key, SHA1-mix the key, the type and the value; xor the key
 * digests together (order independent); mix in each non-empty db's index.
 */

// The one-shot crypto.hash is about twice as fast as createHash() for the
// tiny inputs DEBUG DIGEST feeds it, one per key and element.
function sha1(data: Buffer): Buffer {
  return hash('sha1', data, 'buffer');
}

/** digest ^= SHA1(data): order-independent accumulation (sets, hash fields). */
export function xorDigest(digest: Buffer, data: Buffer): void {
  const hash = sha1(data);
  for (let j = 0; j < 20; j++) digest[j]! ^= hash[j]!;
}

/** digest = SHA1(digest ^ SHA1(data)): order-dependent accumulation (lists). */
export function mixDigest(digest: Buffer, data: Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

/** Digest of one key's value and TTL flag (DEBUG DIGEST-VALUE mixes only this). */
export function mixEntry(digest: Buffer, entry: Entry): void {
  const type = Buffer.alloc(4);
  type.writeUInt32BE(OBJECT_TYPE_CODE[typeName(entry.value)]);
  mixDigest(digest, type);
  const value = entry.value;
  if (isString(value)) mixDigest(digest, value);
  else value.digest(digest);
  if (entry.expireAt !== 0) xorDigest(digest, Buffer.from('!!expire!!'));
}

export function datasetDigest(databases: Database[]): Buffer {
  const final = Buffer.alloc(20);
  for (const db of databases) {
    if (db.size === 0) continue;
    const index = Buffer.alloc(4);
    index.writeUInt32BE(db.id);
    mixDigest(final, index);
    for (const [key, entry] of db.dict) {
      const digest = Buffer.alloc(20);
      mixDigest(digest, Buffer.from(key, 'latin1'));
      mixEntry(digest, entry);
      xorDigest(final, digest);
    }
  }
  return final;
}
