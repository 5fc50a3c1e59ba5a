import { describe, expect, it } from 'vitest';
import { ShardedMap } from '../../src/store/sharded-map.js';
import { mulberry32 } from '../helpers/random.js';

/** The key dictionary of a database: a Map's behaviour, without its whole-table rehash. */
describe('ShardedMap', () => {
  it('behaves as a Map under random sets, deletes and lookups, keys short and long', () => {
    const random = mulberry32(11);
    const ours = new ShardedMap<number>();
    const model = new Map<string, number>();
    const key = (): string => {
      const n = Math.floor(random() * 3000);
      // Long keys share their middle: only their ends and length tell them apart.
      return random() < 0.2 ? `${n}:${'x'.repeat(100)}:${n % 7}` : `k${n}`;
    };
    for (let i = 0; i < 50_000; i++) {
      const k = key();
      const r = random();
      if (r < 0.5) {
        ours.set(k, i);
        model.set(k, i);
      } else if (r < 0.7) {
        expect(ours.delete(k)).toBe(model.delete(k));
      } else {
        expect(ours.get(k)).toBe(model.get(k));
        expect(ours.has(k)).toBe(model.has(k));
      }
      expect(ours.size).toBe(model.size);
    }
    expect(new Map(ours)).toEqual(model);
    expect(new Map(ours.entries())).toEqual(model);
  });

  it('spreads keys over its shards', () => {
    const map = new ShardedMap<number>();
    for (let i = 0; i < 64_000; i++) map.set(`user:${i}`, i);
    const shards = (map as unknown as { shards: Array<Map<string, number>> }).shards;
    for (const shard of shards) expect(shard.size).toBeGreaterThan(500);
  });

  it('an iterator walks every entry present throughout exactly once while others come and go', () => {
    const map = new ShardedMap<number>();
    for (let i = 0; i < 5000; i++) map.set(`stay:${i}`, i);
    for (let i = 0; i < 5000; i++) map.set(`go:${i}`, i);
    const seen = new Map<string, number>();
    let added = 0;
    for (const [k] of map) {
      seen.set(k, (seen.get(k) ?? 0) + 1);
      if (added < 5000) map.set(`new:${added++}`, 0);
      map.delete(`go:${added}`);
    }
    for (let i = 0; i < 5000; i++) expect(seen.get(`stay:${i}`)).toBe(1);
    for (const count of seen.values()) expect(count).toBe(1);
  });
});
