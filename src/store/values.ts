/**
 * The value types a key can hold. Strings are Buffers (binary safe, and the
 * reply writer can send them without copying); lists, hashes, sets and sorted
 * sets are classes implementing AggregateValue, each in its own module
 * (list.ts, hash.ts, set.ts, zset.ts).
 */
export type AggregateType = 'list' | 'hash' | 'set' | 'zset';

/**
 * What the generic keyspace code (TYPE, COPY, OBJECT, DEBUG, SCAN TYPE, INFO)
 * needs from a collection, so that code never switches on the concrete type.
 */
export interface AggregateValue {
  readonly type: AggregateType;
  /** Number of elements (an empty collection is never stored: its key is deleted). */
  readonly size: number;
  /** A deep copy (COPY): later changes to one must not show in the other. */
  clone(): AggregateValue;
  /**
   * The encoding Redis 7.0 would report for this value (OBJECT ENCODING):
   * thresholds come from encoding-limits.ts; like Redis, a value that grew
   * past them keeps the big encoding when it shrinks again.
   */
  encoding(): string;
  /**
   * Mixes the value into a DEBUG DIGEST key digest exactly as Redis's
   * xorObjectDigest does for this type (see digest.ts), so digests can be
   * compared with a real redis-server holding the same data.
   */
  digest(keyDigest: Buffer): void;
}

export type StoredValue = Buffer | AggregateValue;

export function isString(value: StoredValue): value is Buffer {
  return value instanceof Buffer;
}

/** See Entry.stringEncoding. */
export enum StringEncodingHint {
  /** As SET leaves it: int when it looks like one, else embstr/raw by length. */
  Auto = 0,
  /** Modified in place (APPEND, SETRANGE): always raw. */
  Raw = 1,
  /** Created from a number formatting (INCRBYFLOAT): embstr/raw by length, never int. */
  NoInt = 2,
  /**
   * A COPY of an Auto value: encoded like it, but a private object. Redis's
   * dupStringObject never hands out the shared integers, so a copied small
   * integer reports refcount 1 where the original reports the shared count.
   */
  Copied = 3,
}

export type TypeName = 'string' | AggregateType | 'stream';

export function typeName(value: StoredValue): TypeName {
  return isString(value) ? 'string' : value.type;
}

/** Redis's object type numbers, mixed into DEBUG DIGEST (OBJ_STRING ... OBJ_HASH). */
export const OBJECT_TYPE_CODE: Record<TypeName, number> = {
  string: 0,
  list: 1,
  set: 2,
  zset: 3,
  hash: 4,
  stream: 6,
};

/** Largest and smallest values Redis accepts as a 64-bit signed integer. */
export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
