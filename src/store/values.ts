/**
 * The value types a key can hold. Strings are Buffers (binary safe, and the
 * reply writer can send them without copying); the aggregate types arrive with
 * the data-types milestone and extend this union.
 */
export type StoredValue = Buffer;

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

export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export function typeName(_value: StoredValue): TypeName {
  return 'string';
}

/** Largest and smallest values Redis accepts as a 64-bit signed integer. */
export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
