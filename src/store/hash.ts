import { mixDigest, xorDigest } from './digest.js';
import { encodingLimits } from './encoding-limits.js';
import { SlottedMap } from './set.js';
import type { AggregateValue } from './values.js';

/**
 * A Redis hash: fields are latin1 strings, values Buffers that are never
 * modified in place (an update stores a new Buffer), so clones and pending
 * replies can share them.
 *
 * Redis 7.0 keeps a hash as a listpack while it has at most
 * hash-max-listpack-entries fields and no field or value longer than
 * hash-max-listpack-value bytes, and never converts back. We track only which
 * encoding Redis would report; iteration order is insertion order, which is
 * the listpack's order (a hashtable's order is unspecified anyway).
 */
export class RedisHash implements AggregateValue {
  readonly type = 'hash' as const;
  readonly fields: SlottedMap<Buffer>;
  /** True once Redis would have converted to a hashtable. */
  private hashtable = false;

  constructor(fields?: SlottedMap<Buffer>) {
    this.fields = fields ?? new SlottedMap<Buffer>();
  }

  get size(): number {
    return this.fields.size;
  }

  get(field: string): Buffer | undefined {
    return this.fields.get(field);
  }

  has(field: string): boolean {
    return this.fields.has(field);
  }

  /**
   * Sets a field (the value must be a private copy); true when the field is
   * new. A long field or value, or too many fields, converts as hashTypeSet
   * and hashTypeTryConversion would.
   */
  set(field: string, value: Buffer): boolean {
    const created = this.fields.set(field, value);
    if (!this.hashtable) {
      const max = encodingLimits.hashMaxListpackValue;
      if (
        field.length > max ||
        value.length > max ||
        this.fields.size > encodingLimits.hashMaxListpackEntries
      )
        this.hashtable = true;
    }
    return created;
  }

  delete(field: string): boolean {
    return this.fields.delete(field);
  }

  /**
   * HSET's up-front check (hashTypeTryConversion): any argument longer than
   * hash-max-listpack-value converts, even one that ends up overwritten.
   */
  convertForArguments(args: Buffer[], from: number): void {
    if (this.hashtable) return;
    for (let i = from; i < args.length; i++) {
      if (args[i]!.length > encodingLimits.hashMaxListpackValue) {
        this.hashtable = true;
        return;
      }
    }
  }

  /** Converts as hashTypeConvert does, e.g. a loaded listpack over the entry limit. */
  markHashtable(): void {
    this.hashtable = true;
  }

  /** True while Redis would hold the hash as a listpack (SCAN returns it whole). */
  get compact(): boolean {
    return !this.hashtable;
  }

  clone(): RedisHash {
    const copy = new RedisHash(this.fields.clone());
    copy.hashtable = this.hashtable;
    return copy;
  }

  encoding(): string {
    return this.hashtable ? 'hashtable' : 'listpack';
  }

  /**
   * xorObjectDigest for hashes: per field, SHA1-mix the field then the value
   * into a fresh 20-byte digest and xor that into the key digest.
   */
  digest(keyDigest: Buffer): void {
    for (const [field, value] of this.fields.entries()) {
      const element = Buffer.alloc(20);
      mixDigest(element, Buffer.from(field, 'latin1'));
      mixDigest(element, value);
      xorDigest(keyDigest, element);
    }
  }
}
