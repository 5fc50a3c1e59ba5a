import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exactExpireAt, type Database, type KeyspaceEvents } from '../../src/store/database.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { mulberry32 } from '../interop/command-generator.js';

/**
 * The keyspace owns expiry: commands only ever see live keys, whichever way
 * they look (lookup, SCAN, KEYS, RANDOMKEY), and every change is announced
 * through KeyspaceEvents so WATCH, notifications and replication hang off one
 * place. Time is controlled by faking Date only: Keyspace.now() reads
 * Date.now(), while active expiry's slice budget keeps using the real
 * performance.now().
 */

const T0 = Date.UTC(2030, 0, 1);

type EventName = 'willChange' | 'changed' | 'expired';

interface RecordedEvent {
  event: EventName;
  db: number;
  key: string;
  /** The key's raw value at the moment of the event (null when absent). */
  value: string | null;
}

/** Records every event with what the database held at that instant. */
class RecordingEvents implements KeyspaceEvents {
  log: RecordedEvent[] = [];

  keyWillChange(db: Database, key: string): void {
    this.record('willChange', db, key);
  }

  keyChanged(db: Database, key: string): void {
    this.record('changed', db, key);
  }

  keyExpired(db: Database, key: string): void {
    this.record('expired', db, key);
  }

  take(): RecordedEvent[] {
    const out = this.log;
    this.log = [];
    return out;
  }

  private record(event: EventName, db: Database, key: string): void {
    const entry = db.peek(key);
    this.log.push({
      event,
      db: db.id,
      key,
      value: entry === undefined ? null : entry.value.toString('latin1'),
    });
  }
}

/** Counts events only: the bulk tests create too many keys to keep a log. */
class CountingEvents implements KeyspaceEvents {
  willChange = 0;
  changed = 0;
  expired = 0;
  keyWillChange(): void {
    this.willChange++;
  }
  keyChanged(): void {
    this.changed++;
  }
  keyExpired(): void {
    this.expired++;
  }
}

function v(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function scanAll(db: Database, count = 10): string[] {
  const out: string[] = [];
  let cursor = 0;
  do cursor = db.scan(cursor, count, (key) => out.push(key));
  while (cursor !== 0);
  return out;
}

let events: RecordingEvents;
let ks: Keyspace;
let db: Database;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  events = new RecordingEvents();
  ks = new Keyspace(16, events);
  db = ks.databases[0]!;
});

afterEach(() => {
  vi.useRealTimers();
});

describe('lazy expiry', () => {
  it('a key is visible until its deadline and gone from the deadline on', () => {
    db.setExpire('k', db.set('k', v('1')), T0 + 1000);
    vi.setSystemTime(T0 + 999);
    expect(db.find('k')?.value.toString()).toBe('1');
    vi.setSystemTime(T0 + 1000);
    expect(db.find('k')).toBeUndefined();
    expect(db.peek('k')).toBeUndefined();
    expect(db.size).toBe(0);
    expect(db.expiresCount).toBe(0);
    expect(ks.stats.expiredKeys).toBe(1);
  });

  it('expired keys count as missing for find, has, lookupRead and lookupWrite', () => {
    for (const key of ['a', 'b', 'c', 'd']) db.setExpire(key, db.set(key, v(key)), T0 + 10);
    vi.setSystemTime(T0 + 10);
    expect(db.find('a')).toBeUndefined();
    expect(db.has('b')).toBe(false);
    expect(db.lookupRead('c')).toBeUndefined();
    expect(db.lookupWrite('d')).toBeUndefined();
    expect(ks.stats.keyspaceMisses).toBe(1);
    expect(ks.stats.keyspaceHits).toBe(0);
    expect(ks.stats.expiredKeys).toBe(4);
  });

  it('lookupRead counts hits and misses', () => {
    db.set('here', v('x'));
    db.lookupRead('here');
    db.lookupRead('here');
    db.lookupRead('absent');
    expect(ks.stats).toMatchObject({ keyspaceHits: 2, keyspaceMisses: 1 });
  });

  it('expired keys are left out of SCAN, KEYS and RANDOMKEY', () => {
    for (let i = 0; i < 20; i++) db.set(`live:${i}`, v('x'));
    for (let i = 0; i < 20; i++) db.setExpire(`dead:${i}`, db.set(`dead:${i}`, v('x')), T0 + 5);
    vi.setSystemTime(T0 + 5);
    // KEYS only skips them; it does not delete while iterating.
    expect(db.keys('*').sort()).toEqual(Array.from({ length: 20 }, (_, i) => `live:${i}`).sort());
    expect(db.keys('dead:*')).toEqual([]);
    const scanned = scanAll(db, 3);
    expect(scanned.filter((k) => k.startsWith('dead:'))).toEqual([]);
    expect(scanned).toHaveLength(20);
    for (let i = 0; i < 200; i++) expect(db.randomKey()).toMatch(/^live:/);
  });

  it('a frozen clock keeps a key alive for the rest of the command', () => {
    db.setExpire('k', db.set('k', v('1')), T0 + 100);
    expect(ks.freezeTime()).toBe(true);
    // A nested freeze (a command inside EXEC) does not move the clock.
    expect(ks.freezeTime()).toBe(false);
    vi.setSystemTime(T0 + 500);
    expect(db.find('k')).toBeDefined();
    ks.unfreezeTime();
    expect(db.find('k')).toBeUndefined();
  });

  it('SET on a logically expired key starts a fresh key without the old TTL, even with KEEPTTL', () => {
    db.setExpire('k', db.set('k', v('old')), T0 + 10);
    vi.setSystemTime(T0 + 20);
    const entry = db.set('k', v('new'), true);
    expect(entry.expireAt).toBe(0);
    expect(db.expiresCount).toBe(0);
    vi.setSystemTime(T0 + 10_000);
    expect(db.find('k')?.value.toString()).toBe('new');
  });

  it('PERSIST removes the deadline and the key from the volatile set', () => {
    const entry = db.set('k', v('1'));
    db.setExpire('k', entry, T0 + 10);
    expect(db.expiresCount).toBe(1);
    expect(db.persist('k', entry)).toBe(true);
    expect(db.persist('k', entry)).toBe(false);
    expect(db.expiresCount).toBe(0);
    vi.setSystemTime(T0 + 1000);
    expect(db.find('k')).toBeDefined();
  });

  it('a deadline beyond 2^53 ms keeps its exact value', () => {
    const entry = db.set('k', v('1'));
    const far = 2n ** 62n + 1n;
    db.setExpire('k', entry, far);
    expect(exactExpireAt(entry)).toBe(far);
    db.setExpire('k', entry, T0 + 50);
    expect(exactExpireAt(entry)).toBe(BigInt(T0 + 50));
    expect(entry.expireAtExact).toBeNull();
  });
});

describe('keyspace events', () => {
  it('SET announces the change before it happens and again after', () => {
    db.set('k', v('one'));
    db.set('k', v('two'));
    expect(events.take()).toEqual([
      { event: 'willChange', db: 0, key: 'k', value: null },
      { event: 'changed', db: 0, key: 'k', value: 'one' },
      { event: 'willChange', db: 0, key: 'k', value: 'one' },
      { event: 'changed', db: 0, key: 'k', value: 'two' },
    ]);
  });

  it('DEL, EXPIRE and PERSIST are announced around the change; deleting nothing is silent', () => {
    const entry = ks.databases[3]!.set('k', v('x'));
    events.take();
    ks.databases[3]!.setExpire('k', entry, T0 + 100);
    ks.databases[3]!.persist('k', entry);
    ks.databases[3]!.delete('k');
    expect(ks.databases[3]!.delete('k')).toBe(false);
    expect(events.take().map((e) => `${e.event}:${e.db}:${e.value}`)).toEqual([
      'willChange:3:x',
      'changed:3:x',
      'willChange:3:x',
      'changed:3:x',
      'willChange:3:x',
      'changed:3:null',
    ]);
  });

  it('an in-place change goes lookupWrite (before) then touched (after)', () => {
    db.set('k', v('x'));
    events.take();
    const entry = db.lookupWrite('k')!;
    entry.value = v('xy');
    db.touched('k');
    expect(events.take()).toEqual([
      { event: 'willChange', db: 0, key: 'k', value: 'x' },
      { event: 'changed', db: 0, key: 'k', value: 'xy' },
    ]);
  });

  it('an expiry found on access fires willChange, then keyExpired and keyChanged once the key is gone', () => {
    db.setExpire('k', db.set('k', v('x')), T0 + 10);
    events.take();
    vi.setSystemTime(T0 + 10);
    expect(db.find('k')).toBeUndefined();
    expect(events.take()).toEqual([
      { event: 'willChange', db: 0, key: 'k', value: 'x' },
      { event: 'expired', db: 0, key: 'k', value: null },
      { event: 'changed', db: 0, key: 'k', value: null },
    ]);
  });

  it('reads of live keys fire nothing', () => {
    db.set('k', v('x'));
    events.take();
    db.find('k');
    db.lookupRead('k');
    db.keys('*');
    scanAll(db);
    db.randomKey();
    expect(events.take()).toEqual([]);
  });
});

describe('dirty counter', () => {
  it('counts every write, expiry and in-place change, and no read', () => {
    const entry = db.set('a', v('1')); // 1
    db.set('a', v('2')); // 2
    db.setExpire('a', entry, T0 + 100); // 3
    db.persist('a', entry); // 4
    db.persist('a', entry); // no TTL: unchanged
    db.add('b', v('x'), T0 + 10); // 5
    db.lookupWrite('a');
    db.touched('a', 3); // 8
    db.delete('a'); // 9
    db.delete('a'); // absent: unchanged
    db.find('b');
    db.keys('*');
    expect(ks.dirty).toBe(9);
    vi.setSystemTime(T0 + 10);
    expect(db.find('b')).toBeUndefined(); // the expiry is a write too
    expect(ks.dirty).toBe(10);
  });
});

describe('SWAPDB', () => {
  it('exchanges the datasets, TTLs included, while each database keeps its index', () => {
    const a = ks.databases[0]!;
    const b = ks.databases[1]!;
    a.set('in-a', v('1'));
    b.setExpire('in-b', b.set('in-b', v('2')), T0 + 100);
    ks.swap(0, 1);
    expect(a.id).toBe(0);
    expect(b.id).toBe(1);
    expect(a.find('in-b')?.value.toString()).toBe('2');
    expect(a.expiresCount).toBe(1);
    expect(b.find('in-a')?.value.toString()).toBe('1');
    expect(b.find('in-b')).toBeUndefined();
    expect(scanAll(a)).toEqual(['in-b']);
    expect(scanAll(b)).toEqual(['in-a']);
    vi.setSystemTime(T0 + 100);
    expect(ks.activeExpireCycle(50)).toBe(false);
    expect(a.size).toBe(0);
  });

  it('moves the dictionaries by reference instead of copying keys (O(1))', () => {
    const a = ks.databases[4]!;
    const b = ks.databases[5]!;
    for (let i = 0; i < 50_000; i++) a.set(`k${i}`, v('x'));
    const dictA = a.dict;
    const dictB = b.dict;
    const started = performance.now();
    ks.swap(4, 5);
    const elapsed = performance.now() - started;
    expect(b.dict).toBe(dictA);
    expect(a.dict).toBe(dictB);
    expect(b.size).toBe(50_000);
    expect(elapsed).toBeLessThan(5);
  });

  it('swapping a database with itself changes nothing', () => {
    db.set('k', v('x'));
    ks.swap(0, 0);
    expect(db.find('k')).toBeDefined();
  });
});

describe('active expiry', () => {
  it('removes expired keys over repeated slices and says when stale keys remain', () => {
    const counting = new CountingEvents();
    const big = new Keyspace(16, counting);
    const EXPIRED = 100_000;
    // Spread across databases so the round-robin has to visit several.
    for (let i = 0; i < EXPIRED; i++) {
      const d = big.databases[i % 3]!;
      d.setExpire(`dead:${i}`, d.set(`dead:${i}`, v('x')), T0 + 1);
    }
    for (let i = 0; i < 1000; i++) {
      const d = big.databases[i % 3]!;
      d.setExpire(`later:${i}`, d.set(`later:${i}`, v('x')), T0 + 3_600_000);
      d.set(`forever:${i}`, v('x'));
    }
    vi.setSystemTime(T0 + 1);
    // One millisecond cannot cover 100k deletions: the first slice stops early.
    expect(big.activeExpireCycle(1)).toBe(true);
    expect(big.keyCount).toBeGreaterThan(2000);
    let slices = 1;
    while (big.activeExpireCycle(1)) {
      slices++;
      expect(slices).toBeLessThan(10_000);
    }
    expect(big.keyCount).toBe(2000);
    expect(big.stats.expiredKeys).toBe(EXPIRED);
    expect(counting.expired).toBe(EXPIRED);
    for (let i = 0; i < 3; i++) {
      expect(big.databases[i]!.expiresCount).toBeGreaterThan(300);
      expect(big.databases[i]!.avgTtl).toBeGreaterThan(3_000_000);
    }
  });

  it('reports nothing to do when no key is stale', () => {
    db.setExpire('k', db.set('k', v('x')), T0 + 1000);
    db.set('p', v('x'));
    events.take();
    expect(ks.activeExpireCycle(10)).toBe(false);
    expect(db.size).toBe(2);
    expect(events.take()).toEqual([]);
  });

  it('announces each key it expires', () => {
    ks.databases[7]!.setExpire('k', ks.databases[7]!.set('k', v('x')), T0 + 1);
    events.take();
    vi.setSystemTime(T0 + 2);
    expect(ks.activeExpireCycle(10)).toBe(false);
    expect(events.take().map((e) => `${e.event}:${e.db}:${e.key}`)).toEqual([
      'willChange:7:k',
      'expired:7:k',
      'changed:7:k',
    ]);
  });
});

describe('replica mode (expireOnAccess = false)', () => {
  beforeEach(() => {
    ks.expireOnAccess = false;
  });

  it('hides logically expired keys from reads without deleting them', () => {
    db.setExpire('k', db.set('k', v('x')), T0 + 10);
    db.set('live', v('y'));
    events.take();
    const dirty = ks.dirty;
    vi.setSystemTime(T0 + 10);
    expect(db.find('k')).toBeUndefined();
    expect(db.lookupRead('k')).toBeUndefined();
    expect(db.keys('*')).toEqual(['live']);
    expect(scanAll(db)).toEqual(['live']);
    for (let i = 0; i < 50; i++) expect(db.randomKey()).toBe('live');
    // Still stored: the master's DEL is what removes it.
    expect(db.peek('k')).toBeDefined();
    expect(db.size).toBe(2);
    expect(ks.dirty).toBe(dirty);
    expect(ks.stats.expiredKeys).toBe(0);
    expect(events.take()).toEqual([]);
    expect(db.delete('k')).toBe(true);
    expect(db.size).toBe(1);
  });

  it('RANDOMKEY terminates when every key is logically expired, returning one as Redis does', () => {
    for (let i = 0; i < 5; i++) db.setExpire(`k${i}`, db.set(`k${i}`, v('x')), T0 + 10);
    vi.setSystemTime(T0 + 10);
    // Redis gives up after 100 tries when all keys are volatile, rather than
    // spinning forever on keys it is not allowed to delete.
    expect(db.randomKey()).toMatch(/^k[0-4]$/);
    expect(db.size).toBe(5);
  });
});

describe('SCAN guarantees', () => {
  it('a walk over a static keyspace returns each key exactly once', () => {
    for (let i = 0; i < 1000; i++) db.set(`k${i}`, v('x'));
    for (const count of [1, 7, 100, 5000]) {
      const seen = scanAll(db, count);
      expect(seen).toHaveLength(1000);
      expect(new Set(seen).size).toBe(1000);
    }
  });

  it('an empty database scans to cursor 0 at once', () => {
    expect(db.scan(0, 10, () => undefined)).toBe(0);
  });

  for (const seed of [1, 2, 3, 42, 1234, 99_991, 31_337, 65_537]) {
    it(`keys present for the whole walk are returned despite concurrent churn (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      const int = (n: number): number => Math.floor(rand() * n);
      const STABLE = 60;
      const MAX_CHURN = 300;
      const stable: string[] = [];
      const churn = new Set<string>();
      let next = 0;
      const addChurn = (): void => {
        const key = `churn:${next++}`;
        const entry = db.set(key, v('c'));
        // Some churn keys carry a TTL that the clock will overtake mid-walk.
        if (int(3) === 0) db.setExpire(key, entry, Date.now() + 1 + int(20));
        churn.add(key);
      };
      // Stable keys sit among churn keys so their slots interleave.
      for (let i = 0; i < STABLE + 200; i++) {
        if (int(4) === 0 && stable.length < STABLE) {
          stable.push(`stable:${stable.length}`);
          db.set(stable[stable.length - 1]!, v('s'));
        } else addChurn();
      }
      while (stable.length < STABLE) {
        stable.push(`stable:${stable.length}`);
        db.set(stable[stable.length - 1]!, v('s'));
      }
      // Slots never outnumber the peak of live keys, and every call advances
      // the cursor by at least one slot: that bounds the walk.
      const bound = STABLE + MAX_CHURN + 1;
      const seen = new Map<string, number>();
      let cursor = 0;
      let calls = 0;
      do {
        cursor = db.scan(cursor, 1 + int(4), (key, entry) => {
          // Only live keys come back.
          expect(entry.expireAt === 0 || entry.expireAt > Date.now()).toBe(true);
          seen.set(key, (seen.get(key) ?? 0) + 1);
        });
        calls++;
        expect(calls).toBeLessThanOrEqual(bound);
        // Churn between calls: deletions (sometimes in bulk, which trims the
        // slot array), additions reusing freed slots, and time passing.
        const deletions = int(4) === 0 ? int(40) : int(4);
        for (let i = 0; i < deletions && churn.size > 0; i++) {
          const victims = [...churn];
          const key = victims[int(victims.length)]!;
          db.delete(key);
          churn.delete(key);
        }
        const additions = int(5);
        for (let i = 0; i < additions && churn.size < MAX_CHURN; i++) addChurn();
        vi.setSystemTime(Date.now() + int(3));
        for (const key of churn) if (db.peek(key) === undefined) churn.delete(key);
      } while (cursor !== 0);
      const missing = stable.filter((k) => !seen.has(k));
      expect(missing).toEqual([]);
    });
  }
});

describe('RANDOMKEY', () => {
  it('returns only live keys, and null for an empty database', () => {
    expect(db.randomKey()).toBeNull();
    for (let i = 0; i < 100; i++) {
      const entry = db.set(`k${i}`, v('x'));
      if (i % 2 === 0) db.setExpire(`k${i}`, entry, T0 + 10);
    }
    vi.setSystemTime(T0 + 10);
    for (let i = 0; i < 500; i++) {
      const key = db.randomKey();
      expect(key).not.toBeNull();
      expect(Number(key!.slice(1)) % 2).toBe(1);
    }
    for (let i = 1; i < 100; i += 2) db.delete(`k${i}`);
    expect(db.randomKey()).toBeNull();
  });

  // Survivors spread over the slot array, or all at its far end (where the
  // holes before them cannot be trimmed away).
  for (const [layout, survives] of [
    ['spread', (i: number): boolean => i % 100 === 37],
    ['clustered at the end', (i: number): boolean => i >= 9900],
  ] as const) {
    it(`still finds every survivor quickly after 99% of 10k keys were deleted (${layout})`, () => {
      const N = 10_000;
      for (let i = 0; i < N; i++) db.set(`k${i}`, v('x'));
      const survivors = new Set<string>();
      for (let i = 0; i < N; i++) {
        if (survives(i)) survivors.add(`k${i}`);
        else db.delete(`k${i}`);
      }
      expect(db.size).toBe(100);
      const seen = new Set<string>();
      const started = performance.now();
      for (let i = 0; i < 10_000; i++) {
        const key = db.randomKey();
        expect(survivors.has(key!)).toBe(true);
        seen.add(key!);
      }
      expect(performance.now() - started).toBeLessThan(1000);
      expect(seen.size).toBe(100);
    });
  }
});
