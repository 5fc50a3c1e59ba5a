import type { Command } from '../commands/types.js';
import type { Database } from '../store/database.js';
import type { Client } from './client.js';

/**
 * Transaction state (MULTI/EXEC) and the WATCH index, as Redis's multi.c keeps
 * them: each client owns its queue and its list of watched keys; the server
 * owns one index from (database, key) to the clients watching it, so a write
 * finds the clients to invalidate with one lookup.
 */

/** A command queued between MULTI and EXEC; argv are private copies. */
export interface QueuedCommand {
  cmd: Command;
  argv: Buffer[];
}

/** One client's open transaction. */
export class MultiState {
  readonly queue: QueuedCommand[] = [];
  /**
   * A command was rejected while queueing (unknown, arity, policy): EXEC
   * answers EXECABORT (Redis's CLIENT_DIRTY_EXEC).
   */
  aborted = false;
  /** Union of the queued commands' flag bits: CLIENT PAUSE WRITE holds an EXEC that writes. */
  flagBits = 0;
}

/** A key one client WATCHes. */
export interface WatchedKey {
  db: Database;
  key: string;
  /**
   * The key was already logically expired when WATCHed: its removal by expiry
   * is then no change (Redis 7.0's watchedKey.expired).
   */
  expired: boolean;
}

/**
 * Server-wide WATCH index. Keyed by the Database object, not its index:
 * SWAPDB exchanges contents but each numbered database keeps its watchers, as
 * Redis keeps watched_keys in place.
 */
export class WatchRegistry {
  private readonly byDb = new Map<Database, Map<string, Set<Client>>>();
  /** Number of (database, key) pairs watched by anyone: 0 makes touch() free. */
  private watchedPairs = 0;

  get size(): number {
    return this.watchedPairs;
  }

  watch(c: Client, db: Database, key: string, expired: boolean): void {
    for (const wk of c.watched) if (wk.db === db && wk.key === key) return;
    let keys = this.byDb.get(db);
    if (keys === undefined) {
      keys = new Map();
      this.byDb.set(db, keys);
    }
    let clients = keys.get(key);
    if (clients === undefined) {
      clients = new Set();
      keys.set(key, clients);
      this.watchedPairs++;
    }
    clients.add(c);
    c.watched.push({ db, key, expired });
  }

  unwatchAll(c: Client): void {
    if (c.watched.length === 0) return;
    for (const wk of c.watched) {
      const keys = this.byDb.get(wk.db);
      const clients = keys?.get(wk.key);
      if (keys === undefined || clients === undefined) continue;
      clients.delete(c);
      if (clients.size === 0) {
        keys.delete(wk.key);
        this.watchedPairs--;
        if (keys.size === 0) this.byDb.delete(wk.db);
      }
    }
    c.watched = [];
  }

  /**
   * A key changed (called from the keyspace's keyChanged, so after the change):
   * every client watching it will fail its EXEC.
   */
  touch(db: Database, key: string): void {
    if (this.watchedPairs === 0) return;
    const clients = this.byDb.get(db)?.get(key);
    if (clients === undefined) return;
    const removed = db.peek(key) === undefined;
    for (const c of [...clients]) {
      const wk = c.watched.find((w) => w.db === db && w.key === key);
      if (wk !== undefined && wk.expired) {
        // Watched while already expired, now really deleted: logically the
        // same (missing) key, so no change.
        if (removed) {
          wk.expired = false;
          continue;
        }
      }
      this.dirty(c);
    }
  }

  /**
   * FLUSHDB/FLUSHALL (replacedWith null) and SWAPDB: every watched key that
   * exists in the emptied database, or in the one replacing it, is touched.
   * Called before the contents change.
   */
  touchDb(emptied: Database, replacedWith: Database | null): void {
    const keys = this.byDb.get(emptied);
    if (keys === undefined) return;
    for (const [key, clients] of [...keys]) {
      if (emptied.peek(key) !== undefined || replacedWith?.peek(key) !== undefined) {
        for (const c of [...clients]) this.dirty(c);
      }
    }
  }

  /** EXEC refuses when a key watched while alive has expired since (not yet deleted). */
  anyExpired(c: Client, now: number): boolean {
    for (const wk of c.watched) {
      if (wk.expired) continue;
      const entry = wk.db.peek(wk.key);
      if (entry !== undefined && entry.expireAt !== 0 && entry.expireAt <= now) return true;
    }
    return false;
  }

  /** Marks the client's EXEC to fail; its watches are useless from now on. */
  private dirty(c: Client): void {
    c.dirtyCas = true;
    this.unwatchAll(c);
  }
}

/** Ends a transaction, whatever its outcome (EXEC, DISCARD, RESET, close). */
export function discardTransaction(c: Client): void {
  c.multi = null;
  c.dirtyCas = false;
  c.server.watches.unwatchAll(c);
}
