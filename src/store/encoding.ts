import type { Entry } from './database.js';
import { isString, StringEncodingHint } from './values.js';
import { parseInt64 } from '../commands/args.js';

/**
 * The encoding Redis would report for a value (OBJECT ENCODING, DEBUG OBJECT).
 * Our in-memory representation differs; the answer must not, because tools
 * and tests read it.
 */

/** Redis's embstr limit: strings up to 44 bytes live in one allocation. */
const EMBSTR_LIMIT = 44;

export function encodingOf(entry: Entry): string {
  const value = entry.value;
  if (!isString(value)) return value.encoding();
  const len = value.length;
  switch (entry.stringEncoding) {
    case StringEncodingHint.Raw:
      return 'raw';
    case StringEncodingHint.NoInt:
      return len <= EMBSTR_LIMIT ? 'embstr' : 'raw';
    default:
      if (len <= 20 && parseInt64(value) !== null) return 'int';
      return len <= EMBSTR_LIMIT ? 'embstr' : 'raw';
  }
}

/**
 * Redis shares the objects for integers 0..9999 (OBJ_SHARED_INTEGERS); such
 * values report the "shared" refcount, except private copies (COPY).
 */
export function refcountOf(entry: Entry): number {
  const value = entry.value;
  if (
    isString(value) &&
    entry.stringEncoding !== StringEncodingHint.Copied &&
    encodingOf(entry) === 'int'
  ) {
    const n = parseInt64(value);
    if (n !== null && n >= 0n && n < 10000n) return 2147483647;
  }
  return 1;
}
