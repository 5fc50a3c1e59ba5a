import {
  Database,
  type KeyspaceContext,
  type KeyspaceEvents,
  type SnapshotHook,
} from './database.js';

/**
 * All numbered databases plus the state they share (clock, dirty counter,
 * expiry policy). The server owns one Keyspace; commands reach a Database
 * through their client's selected index.
 */
export class Keyspace implements KeyspaceContext {
  readonly databases: Database[];
  lruClock = Date.now();
  dirty = 0;
  expireOnAccess = true;
  obeyingMaster = false;
  readonly stats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };
  snapshotGeneration = 0;
  activeSnapshot: SnapshotHook | null = null;
  /**
   * When non-zero, the time every expiry check uses: Redis evaluates a whole
   * command (and a whole MULTI/EXEC) at one instant so a key cannot expire
   * half-way through it.
   */
  private frozenAt = 0;
  /** Round-robin position of the active expire cycle across databases. */
  private expireDb = 0;

  constructor(
    count: number,
    readonly events: KeyspaceEvents,
  ) {
    this.databases = [];
    for (let i = 0; i < count; i++) this.databases.push(new Database(i, this));
  }

  now(): number {
    return this.frozenAt !== 0 ? this.frozenAt : Date.now();
  }

  /**
   * Freezes the clock unless it already is (a batch of commands, or EXEC,
   * freezes once for all its commands). Returns whether this call froze it,
   * so the caller knows whether to unfreeze.
   */
  freezeTime(): boolean {
    if (this.frozenAt !== 0) return false;
    this.frozenAt = Date.now();
    return true;
  }

  unfreezeTime(): void {
    this.frozenAt = 0;
  }

  get keyCount(): number {
    let n = 0;
    for (const db of this.databases) n += db.size;
    return n;
  }

  /** SWAPDB: clients keep their index and see the other dataset. */
  swap(a: number, b: number): void {
    if (a === b) return;
    this.databases[a]!.swapContents(this.databases[b]!);
  }

  flushAll(): number {
    let removed = 0;
    for (const db of this.databases) removed += db.clear();
    return removed;
  }

  /**
   * One active-expiry slice across databases, round-robin, within budgetMs.
   * Returns true when stale keys probably remain.
   */
  activeExpireCycle(budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    let more = false;
    for (let visited = 0; visited < this.databases.length; visited++) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return true;
      const db = this.databases[this.expireDb]!;
      this.expireDb = (this.expireDb + 1) % this.databases.length;
      if (db.activeExpire(remaining)) more = true;
    }
    return more;
  }
}
