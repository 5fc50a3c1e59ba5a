import { afterEach, describe, expect, it } from 'vitest';
import { encodingLimits } from '../../src/store/encoding-limits.js';
import { formatScore, RedisZSet, type ScoreRange } from '../../src/store/zset.js';
import { mulberry32 } from '../interop/command-generator.js';

/** The naive model: an array kept sorted by (score, member bytes). */
interface Item {
  member: Buffer;
  score: number;
}

function compareItems(a: Item, b: Item): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return Buffer.compare(a.member, b.member);
}

/** Binary-search insertion keeps the model sorted in O(n) per step. */
function insertSorted(model: Item[], item: Item): void {
  let lo = 0;
  let hi = model.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareItems(model[mid]!, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  model.splice(lo, 0, item);
}

function contents(z: RedisZSet): Array<[string, number]> {
  return [...z.nodes()].map((n) => [n.member.toString('latin1'), n.score]);
}

function fill(pairs: Array<[number, string]>): RedisZSet {
  const z = new RedisZSet();
  for (const [score, member] of pairs) z.insert(Buffer.from(member, 'latin1'), score);
  return z;
}

describe('RedisZSet', () => {
  const saved = { ...encodingLimits };
  afterEach(() => {
    Object.assign(encodingLimits, saved);
  });

  it('orders members by score, then by member bytes as memcmp does', () => {
    const z = fill([
      [2, 'b'],
      [1, 'z'],
      [2, 'a'],
      [-Infinity, 'm'],
      [Infinity, 'n'],
      [2, '\xff'],
      [2, 'a\x00'],
    ]);
    expect(contents(z).map(([m]) => m)).toEqual(['m', 'z', 'a', 'a\x00', 'b', '\xff', 'n']);
  });

  it('answers ranks and finds members by rank in both directions', () => {
    const z = fill([
      [3, 'c'],
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(z.rank('a')).toBe(0);
    expect(z.rank('c')).toBe(2);
    expect(z.rank('x')).toBe(-1);
    expect(z.byRank(1).key).toBe('b');
    expect(z.prev(z.byRank(1))!.key).toBe('a');
    expect(z.last()!.key).toBe('c');
  });

  it('finds the first and last member of inclusive and exclusive score ranges', () => {
    const z = fill([
      [1, 'a'],
      [2, 'b'],
      [2, 'c'],
      [3, 'd'],
    ]);
    const range = (min: number, max: number, minex = false, maxex = false): ScoreRange => ({
      min,
      max,
      minex,
      maxex,
    });
    expect(z.firstInScoreRange(range(2, 3))!.key).toBe('b');
    expect(z.lastInScoreRange(range(2, 3, false, true))!.key).toBe('c');
    expect(z.firstInScoreRange(range(2, 3, true))!.key).toBe('d');
    expect(z.firstInScoreRange(range(3, 2))).toBeNull();
    expect(z.firstInScoreRange(range(2, 2, true))).toBeNull();
    expect(z.lastInScoreRange(range(-Infinity, 0.5))).toBeNull();
  });

  it('finds lex ranges with - and + as open ends', () => {
    const z = fill([
      [0, 'a'],
      [0, 'b'],
      [0, 'c'],
    ]);
    const minus = { kind: -1 as const, value: Buffer.from('-'), ex: true };
    const plus = { kind: 1 as const, value: Buffer.from('+'), ex: true };
    const open = (v: string) => ({ kind: 0 as const, value: Buffer.from(v), ex: true });
    expect(z.firstInLexRange({ min: minus, max: plus })!.key).toBe('a');
    expect(z.lastInLexRange({ min: minus, max: open('c') })!.key).toBe('b');
    expect(z.firstInLexRange({ min: plus, max: minus })).toBeNull();
    expect(z.firstInLexRange({ min: plus, max: plus })).toBeNull();
  });

  it('pops the lowest and the highest members first', () => {
    const z = fill([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(z.popMin(2).map(([m, s]) => [m.toString(), s])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(z.popMax(5).map(([m]) => m.toString())).toEqual(['c']);
    expect(z.size).toBe(0);
  });

  it('reports listpack until a limit is crossed, and never converts back', () => {
    encodingLimits.zsetMaxListpackEntries = 3;
    encodingLimits.zsetMaxListpackValue = 4;
    const z = fill([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(z.encoding()).toBe('listpack');
    z.insert(Buffer.from('d'), 4);
    expect(z.encoding()).toBe('skiplist');
    z.remove('d');
    expect(z.encoding()).toBe('skiplist');
    const long = fill([[1, 'short']]);
    expect(long.encoding()).toBe('skiplist');
    expect(RedisZSet.forFirstMember(5).encoding()).toBe('skiplist');
  });

  it('stores -0 as 0 while a listpack, as the listpack text form does', () => {
    const small = fill([[-0, 'a']]);
    expect(Object.is(small.score('a'), 0)).toBe(true);
    const big = new RedisZSet(false);
    big.insert(Buffer.from('a'), -0);
    expect(Object.is(big.score('a'), -0)).toBe(true);
  });

  it('keeps a ZSCAN slot per member, so the scan returns every stable member once', () => {
    const z = new RedisZSet(false);
    for (let i = 0; i < 100; i++) z.insert(Buffer.from(`m${i}`), i);
    const seen = new Map<string, number>();
    let cursor = 0;
    let round = 0;
    do {
      cursor = z.scan(cursor, 7, (n) => seen.set(n.key, (seen.get(n.key) ?? 0) + 1));
      // Churn during the scan: remove and add members other than m0..m49.
      z.remove(`m${50 + round}`);
      z.insert(Buffer.from(`new${round}`), round);
      round++;
    } while (cursor !== 0);
    for (let i = 0; i < 50; i++) expect(seen.get(`m${i}`)).toBe(1);
  });

  it('agrees with a sorted-array model over 100k seeded random operations', () => {
    const random = mulberry32(20240601);
    const z = new RedisZSet(false);
    const model: Item[] = [];
    const scores = [-Infinity, Infinity, 0, -1.5, 1, 2, 3, 1e300, -1e-300, 7.25];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const find = (m: Buffer): number => model.findIndex((x) => x.member.equals(m));
    for (let op = 0; op < 100_000; op++) {
      const member = Buffer.from(`m${Math.floor(random() * 300)}`);
      const key = member.toString('latin1');
      const r = random();
      if (r < 0.45) {
        const score = random() < 0.7 ? pick(scores) : Math.floor(random() * 100) / 4;
        const at = find(member);
        if (at >= 0) {
          z.updateScore(key, score);
          model.splice(at, 1);
        } else {
          z.insert(member, score);
        }
        insertSorted(model, { member, score });
      } else if (r < 0.7) {
        const at = find(member);
        expect(z.remove(key)).toBe(at >= 0);
        if (at >= 0) model.splice(at, 1);
      } else if (r < 0.8) {
        expect(z.rank(key)).toBe(find(member));
      } else if (r < 0.85 && model.length > 0) {
        const rank = Math.floor(random() * model.length);
        expect(z.byRank(rank).member.equals(model[rank]!.member)).toBe(true);
      } else if (r < 0.92) {
        const a = pick(scores);
        const b = pick(scores);
        const range = { min: a, max: b, minex: random() < 0.5, maxex: random() < 0.5 };
        const inRange = model.filter(
          (x) =>
            (range.minex ? x.score > a : x.score >= a) &&
            (range.maxex ? x.score < b : x.score <= b),
        );
        const first = z.firstInScoreRange(range);
        const last = z.lastInScoreRange(range);
        if (inRange.length === 0) {
          expect(first).toBeNull();
          expect(last).toBeNull();
        } else {
          expect(first!.member.equals(inRange[0]!.member)).toBe(true);
          expect(last!.member.equals(inRange[inRange.length - 1]!.member)).toBe(true);
        }
      } else if (r < 0.95) {
        const start = Math.floor(random() * 10);
        const end = start + Math.floor(random() * 5);
        const removed = z.removeRankRange(start, Math.min(end, model.length - 1));
        const expected = Math.max(0, Math.min(end, model.length - 1) - start + 1);
        expect(removed).toBe(start >= model.length ? 0 : expected);
        if (start < model.length) model.splice(start, expected);
      } else {
        const count = Math.floor(random() * 3);
        const max = random() < 0.5;
        const popped = max ? z.popMax(count) : z.popMin(count);
        const expected = max
          ? model.splice(Math.max(0, model.length - count)).reverse()
          : model.splice(0, count);
        expect(popped.map(([m]) => m.toString())).toEqual(expected.map((x) => x.member.toString()));
      }
      expect(z.size).toBe(model.length);
    }
    expect(contents(z)).toEqual(model.map((x) => [x.member.toString('latin1'), x.score]));
  });
});

describe('RedisZSet at tree scale', () => {
  // Thousands of members force leaf and inner-node splits, and mass deletions
  // empty whole subtrees: ranks, neighbours and ranges must stay consistent.
  it('keeps order, ranks and neighbours consistent through splits and mass deletions', () => {
    const rand = mulberry32(4242);
    const z = new RedisZSet(false);
    const model: Item[] = [];
    const live = new Map<string, Item>();
    const check = (): void => {
      expect(z.size).toBe(model.length);
      if (model.length === 0) {
        expect(z.first()).toBeNull();
        expect(z.last()).toBeNull();
        return;
      }
      for (let k = 0; k < 50; k++) {
        const r = Math.floor(rand() * model.length);
        const node = z.byRank(r);
        expect(node.member.equals(model[r]!.member)).toBe(true);
        expect(z.rank(node.key)).toBe(r);
        const next = z.next(node);
        if (r + 1 < model.length) expect(next!.member.equals(model[r + 1]!.member)).toBe(true);
        else expect(next).toBeNull();
        const prev = z.prev(node);
        if (r > 0) expect(prev!.member.equals(model[r - 1]!.member)).toBe(true);
        else expect(prev).toBeNull();
        const range: ScoreRange = {
          min: model[r]!.score,
          max: Infinity,
          minex: false,
          maxex: false,
        };
        expect(z.firstInScoreRange(range)!.score).toBe(model[r]!.score);
      }
      expect(z.first()!.member.equals(model[0]!.member)).toBe(true);
      expect(z.last()!.member.equals(model[model.length - 1]!.member)).toBe(true);
    };
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20000; i++) {
        const member = Buffer.from(`m${round}:${i}`);
        const item = { member, score: Math.floor(rand() * 5000) };
        z.insert(Buffer.from(member), item.score);
        insertSorted(model, item);
        live.set(member.toString('latin1'), item);
      }
      check();
      // Delete 99%, mostly in runs so whole leaves and inner nodes empty out.
      const keys = [...live.keys()];
      for (let i = 0; i < keys.length; i++) {
        if (i % 100 === 0) continue;
        const key = keys[i]!;
        const item = live.get(key)!;
        expect(z.remove(key)).toBe(true);
        live.delete(key);
        model.splice(
          model.findIndex((m) => m === item),
          1,
        );
      }
      check();
      expect([...z.nodes()].map((n) => n.key)).toEqual(
        model.map((m) => m.member.toString('latin1')),
      );
    }
    z.popMin(z.size);
    model.length = 0;
    check();
  });
});

describe('formatScore', () => {
  it('writes scores as printf %.17g does, with glibc rounding ties to even', () => {
    expect(formatScore(1)).toBe('1');
    expect(formatScore(-0)).toBe('-0');
    expect(formatScore(0.1)).toBe('0.10000000000000001');
    expect(formatScore(1.5)).toBe('1.5');
    expect(formatScore(1e300)).toBe('1.0000000000000001e+300');
    expect(formatScore(2 ** 60)).toBe('1.152921504606847e+18');
    expect(formatScore(1e17)).toBe('1e+17');
    expect(formatScore(12345678901234567)).toBe('12345678901234568');
    expect(formatScore(0.0001)).toBe('0.0001');
    expect(formatScore(0.00001)).toBe('1.0000000000000001e-05');
    expect(formatScore(2 ** -25)).toBe('2.9802322387695312e-08');
    expect(formatScore(Infinity)).toBe('inf');
    expect(formatScore(-Infinity)).toBe('-inf');
    expect(formatScore(5e-324)).toBe('4.9406564584124654e-324');
  });

  it('rounds exact ties at the 18th digit to even, and only exact ones', () => {
    // 1 + m/2^17: exactly 18 significant digits, the last a 5.
    expect(formatScore(1 + 1 / 2 ** 17)).toBe('1.0000076293945312');
    expect(formatScore(1 + 3 / 2 ** 17)).toBe('1.0000228881835938');
    expect(formatScore(1 + 5 / 2 ** 17)).toBe('1.0000381469726562');
    // An 18th digit 5 that is not a tie rounds up.
    expect(formatScore(1.00000000000000015)).toBe('1.0000000000000002');
    expect(formatScore(2 ** -17 + 2 ** -69)).toBe('7.6293945312500017e-06');
    expect(formatScore(1234567.125)).toBe('1234567.125');
    expect(formatScore(0.1 + 0.2)).toBe('0.30000000000000004');
  });
});
