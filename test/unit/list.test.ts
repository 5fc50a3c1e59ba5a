import { describe, expect, it } from 'vitest';
import { RedisList } from '../../src/store/list.js';
import { mulberry32 } from '../helpers/random.js';

/**
 * RedisList against a plain array as the model: every operation, applied to
 * both in random order, must leave the same elements. The deque's ring
 * buffer wraps and grows, so the sequences are long enough to cross both.
 */

const b = (s: string): Buffer => Buffer.from(s);
const contents = (list: RedisList): string[] => {
  const out: string[] = [];
  for (let i = 0; i < list.size; i++) out.push(list.at(i).toString());
  return out;
};

describe('RedisList', () => {
  it('keeps the same elements as an array model through random edits', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = mulberry32(seed);
      const int = (n: number): number => Math.floor(rand() * n);
      const list = new RedisList();
      let model: string[] = [];
      for (let step = 0; step < 5000; step++) {
        const v = String(int(6));
        const op = int(9);
        if (op === 0) {
          list.push(b(v), 'left');
          model.unshift(v);
        } else if (op === 1) {
          list.push(b(v), 'right');
          model.push(v);
        } else if (op === 2) {
          expect(list.pop('left')?.toString()).toBe(model.shift());
        } else if (op === 3) {
          expect(list.pop('right')?.toString()).toBe(model.pop());
        } else if (op === 4 && model.length > 0) {
          const i = int(model.length);
          list.replace(i, b(v));
          model[i] = v;
        } else if (op === 5) {
          const i = int(model.length + 1);
          list.insertAt(i, b(v));
          model.splice(i, 0, v);
        } else if (op === 6) {
          const limit = int(3);
          const fromTail = rand() < 0.5;
          let removed = 0;
          const order = model.map((_, i) => (fromTail ? model.length - 1 - i : i));
          const drop = new Set<number>();
          for (const i of order) {
            if (model[i] === v && (limit === 0 || removed < limit)) {
              drop.add(i);
              removed++;
            }
          }
          expect(list.removeMatching(b(v), limit, fromTail)).toBe(removed);
          model = model.filter((_, i) => !drop.has(i));
        } else if (op === 7 && rand() < 0.2) {
          const left = int(model.length + 2);
          const right = int(model.length + 2);
          list.trim(left, right);
          model = left + right >= model.length ? [] : model.slice(left, model.length - right);
        } else if (op === 8) {
          expect(list.indexOf(b(v))).toBe(model.indexOf(v));
        }
        expect(list.size).toBe(model.length);
      }
      expect(contents(list)).toEqual(model);
    }
  });

  it('resolves negative indexes from the tail and refuses out-of-range ones', () => {
    const list = new RedisList([b('a'), b('b'), b('c')]);
    expect(list.position(0)).toBe(0);
    expect(list.position(-1)).toBe(2);
    expect(list.position(-3)).toBe(0);
    expect(list.position(-4)).toBe(-1);
    expect(list.position(3)).toBe(-1);
  });

  it('a clone is independent of its original', () => {
    const list = new RedisList([b('a'), b('b')]);
    const copy = list.clone();
    copy.push(b('c'), 'right');
    list.replace(0, b('z'));
    expect(contents(list)).toEqual(['z', 'b']);
    expect(contents(copy)).toEqual(['a', 'b', 'c']);
  });

  it('reports the quicklist encoding at any size, as Redis 7.0 does', () => {
    expect(new RedisList([b('a')]).encoding()).toBe('quicklist');
  });
});
