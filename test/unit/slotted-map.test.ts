import { describe, expect, it } from 'vitest';
import { newEntry } from '../../src/store/database.js';
import { SlottedMap } from '../../src/store/set.js';
import { mulberry32 } from '../helpers/random.js';

/**
 * SlottedMap (the storage of hashes and sets) against a plain Map: random
 * inserts, updates and deletes, with iteration in insertion order, stable
 * slots for scans, and random keys always drawn from what is present.
 */
describe('SlottedMap', () => {
  it('behaves as a Map with stable scan slots under random changes', () => {
    const rand = mulberry32(31);
    const map = new SlottedMap<number>();
    const model = new Map<string, number>();
    for (let step = 0; step < 20000; step++) {
      const key = `k${Math.floor(rand() * 300)}`;
      const r = rand();
      if (r < 0.55) {
        const value = Math.floor(rand() * 1000);
        expect(map.set(key, value)).toBe(!model.has(key));
        model.set(key, value);
      } else if (r < 0.95) {
        expect(map.delete(key)).toBe(model.delete(key));
      } else {
        // A full scan in small steps returns every key exactly once.
        const seen: string[] = [];
        let cursor = 0;
        do {
          cursor = map.scan(cursor, 7, (k, v) => {
            expect(model.get(k)).toBe(v);
            seen.push(k);
          });
        } while (cursor !== 0);
        expect(seen.sort()).toEqual(Array.from(model.keys()).sort());
      }
      expect(map.size).toBe(model.size);
      expect(map.get(key)).toBe(model.get(key));
      expect(map.has(key)).toBe(model.has(key));
      if (model.size > 0) expect(model.has(map.randomKey())).toBe(true);
    }
    expect(Array.from(map.entries())).toEqual(Array.from(model.entries()));
    expect(Array.from(map.keys())).toEqual(Array.from(model.keys()));
    expect(Array.from(map.clone().entries())).toEqual(Array.from(model.entries()));
    for (const key of Array.from(model.keys())) map.delete(key);
    expect(map.size).toBe(0);
    expect(map.scan(0, 10, () => {})).toBe(0);
  });
});

describe('Entry', () => {
  it('keeps access times exact to the millisecond, far from now too', () => {
    const now = Date.now();
    const entry = newEntry(Buffer.from('v'), 0, 0, now, 0);
    expect(entry.lastAccess).toBe(now);
    for (const at of [now + 1, now - 86_400_000 * 400, 0, now + 86_400_000 * 100, 1.5e12 + 7]) {
      entry.lastAccess = at;
      expect(entry.lastAccess).toBe(at);
    }
  });
});
