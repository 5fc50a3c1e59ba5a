import type { Command } from '../commands/types.js';
import type { Database } from '../store/database.js';
import { parseInt64 } from '../commands/args.js';
import { parseLongDouble, type LongDouble } from '../store/long-double.js';
import { RedisList } from '../store/list.js';
import { RedisZSet } from '../store/zset.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

/**
 * Clients blocked on keys (BLPOP, BLMOVE, BLMPOP, BZPOPMIN, BZMPOP), as
 * Redis's blocked.c keeps them:
 *
 * - Each (db, key) has its waiters in blocking order: a `Set` iterates in
 *   insertion order and deletes in O(1), so a client that leaves (timeout,
 *   disconnect, CLIENT UNBLOCK) costs nothing to the others and the first
 *   blocked is the first served.
 * - A write that adds elements calls `signal()`; the key is queued once in
 *   `ready`. The dispatcher calls `handleReadyKeys()` after every top-level
 *   command (never inside EXEC, whose keys are served once the whole
 *   transaction ran), as processCommand calls handleClientsBlockedOnKeys.
 *   Keys are served in the order they became ready, so a client blocked on
 *   several keys is served from the first one that got data.
 * - Each blocked client has its own timer (ms precision). Node's timers cap
 *   at ~24.8 days, so a later deadline re-arms the timer until it is reached.
 * - A served or timed-out client's remaining pipeline is processed on the
 *   next turn (Redis's unblocked_clients list, processed in beforeSleep).
 */

/** Which value type serves a blocked client (Redis's btype). */
/** What a client waits for: a list or zset key, replicas' acks (WAIT), a shutdown. */
export type BlockKind = 'list' | 'zset' | 'wait' | 'shutdown';

/**
 * Serves a blocked client from `key`, which holds a value of the client's
 * kind: pops, replies exactly as the command would have, and sets
 * `c.propagateAs`. Runs with `c.db` as the blocking db.
 */
export type ServeBlocked = (c: Client, key: string) => void;

export interface BlockState {
  readonly kind: BlockKind;
  readonly db: Database;
  readonly keys: readonly string[];
  /** Absolute ms (Date.now() clock); 0 blocks forever. */
  readonly deadline: number;
  readonly cmd: Command | null;
  readonly serve: ServeBlocked;
  /**
   * The reply at the timeout (and for CLIENT UNBLOCK TIMEOUT), Redis's
   * replyToBlockedClientTimedOut; null for the pops' null array.
   */
  readonly onTimeout: ((c: Client) => void) | null;
  timer: NodeJS.Timeout | null;
}

/** Node refuses setTimeout delays above a signed 32-bit int of ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const LLONG_LIMIT = 2n ** 63n;

export const ERR_TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
export const ERR_TIMEOUT_NEGATIVE = 'ERR timeout is negative';
const UNBLOCKED_ERROR = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
const ROLE_CHANGED_ERROR =
  'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';

/**
 * A blocking timeout in seconds, as Redis 7.0's getTimeoutFromObjectOrReply
 * computes it: strtold, times 1000 in long double, ceiled, cast to a long
 * long. A cast that overflows (inf, or ≥ 2^63 ms) gives LLONG_MIN on x86, so
 * huge values are "negative"; tiny negatives ceil to 0 and block forever.
 * Returns the absolute deadline (0 = forever) or null after replying.
 */
export function timeoutArgOrReply(c: Client, arg: Buffer): number | null {
  const parsed = parseLongDouble(arg);
  if (parsed === null) {
    c.reply.error(ERR_TIMEOUT_NOT_FLOAT);
    return null;
  }
  const ms = ceilMillis(parsed);
  if (ms === null || ms < 0n) {
    c.reply.error(ERR_TIMEOUT_NEGATIVE);
    return null;
  }
  if (ms === 0n) return 0;
  // Anything beyond Number's safe range is forever in practice.
  const relative = ms > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ms);
  return Date.now() + relative;
}

/**
 * A timeout in milliseconds (WAIT, CLIENT PAUSE), as Redis 7.0's
 * getTimeoutFromObjectOrReply with UNIT_MILLISECONDS: an integer (string2ll),
 * not negative. Returns it (0 = no timeout for WAIT), or null after replying.
 */
export function millisecondsArgOrReply(c: Client, arg: Buffer): bigint | null {
  const ms = parseInt64(arg);
  if (ms === null) {
    c.reply.error('ERR timeout is not an integer or out of range');
    return null;
  }
  if (ms < 0n) {
    c.reply.error(ERR_TIMEOUT_NEGATIVE);
    return null;
  }
  return ms;
}

/** ceill(x * 1000.0L) as a long long; null where the cast overflows. */
function ceilMillis(x: LongDouble): bigint | null {
  if (x.kind === 'zero') return 0n;
  if (x.kind !== 'finite') return null;
  // The product is rounded to the 64-bit mantissa before ceill sees it, which
  // decides cases like 0.1 (just above 1/10 in binary): 100 ms, not 101.
  let mantissa = x.mantissa * 1000n;
  let exponent = x.exponent;
  const excess = mantissa.toString(2).length - 64;
  if (excess > 0) {
    const shift = BigInt(excess);
    const half = 1n << (shift - 1n);
    const rest = mantissa & ((1n << shift) - 1n);
    mantissa >>= shift;
    if (rest > half || (rest === half && (mantissa & 1n) === 1n)) mantissa += 1n;
    exponent += excess;
  }
  let magnitude: bigint;
  let exact: boolean;
  if (exponent >= 0) {
    magnitude = mantissa << BigInt(exponent);
    exact = true;
  } else {
    const shift = BigInt(-exponent);
    magnitude = mantissa >> shift;
    exact = magnitude << shift === mantissa;
  }
  const ms = x.negative ? -magnitude : exact ? magnitude : magnitude + 1n;
  return ms >= LLONG_LIMIT ? null : ms;
}

export class BlockingRegistry {
  /** Waiters per database, per latin1 key, in blocking order. */
  private readonly waiters = new Map<Database, Map<string, Set<Client>>>();
  /** Keys signalled since the last handleReadyKeys, in signal order. */
  private ready: Array<{ db: Database; key: string }> = [];
  private readonly readySet = new Map<Database, Set<string>>();
  /** Clients unblocked whose buffered commands still have to run. */
  private readonly unblocked: Client[] = [];
  private unblockedScheduled = false;
  /** Clients blocked right now (INFO blocked_clients). */
  count = 0;
  /** Those of them with a deadline (INFO clients_in_timeout_table). */
  withTimeout = 0;

  constructor(private readonly server: Server) {}

  get hasReadyKeys(): boolean {
    return this.ready.length !== 0;
  }

  /**
   * Blocks `c` on `keys` (latin1, duplicates allowed as in BLPOP k k). The
   * caller has not replied; the reply comes from `serve`, the timeout, or
   * CLIENT UNBLOCK.
   */
  block(
    c: Client,
    kind: BlockKind,
    keys: readonly string[],
    deadline: number,
    serve: ServeBlocked,
    onTimeout: ((c: Client) => void) | null = null,
  ): BlockState {
    const db = c.db;
    const unique = [...new Set(keys)];
    const state: BlockState = {
      kind,
      db,
      keys: unique,
      deadline,
      cmd: c.lastCommand,
      serve,
      onTimeout,
      timer: null,
    };
    let perDb = this.waiters.get(db);
    if (perDb === undefined) {
      perDb = new Map();
      this.waiters.set(db, perDb);
    }
    for (const key of unique) {
      let set = perDb.get(key);
      if (set === undefined) {
        set = new Set();
        perDb.set(key, set);
      }
      set.add(c);
    }
    c.blocked = state;
    this.count++;
    if (deadline !== 0) {
      this.withTimeout++;
      this.armTimer(c, state);
    }
    return state;
  }

  /**
   * Answers a client blocked on something other than keys (WAIT, when
   * enough replicas acknowledged) with `reply`, and releases it.
   */
  complete(c: Client, state: BlockState, reply: (c: Client) => void): void {
    if (c.blocked !== state) return;
    const muted = c.reply.muted;
    c.reply.muted = c.replyMode === 'off';
    reply(c);
    c.reply.muted = muted;
    this.finish(c, state, 0);
  }

  /** A key got elements: queue it if someone waits on it (signalKeyAsReady). */
  signal(db: Database, key: string): void {
    if (this.waiters.get(db)?.has(key) !== true) return;
    let set = this.readySet.get(db);
    if (set === undefined) {
      set = new Set();
      this.readySet.set(db, set);
    }
    if (set.has(key)) return;
    set.add(key);
    this.ready.push({ db, key });
  }

  /**
   * Serves the clients waiting on every ready key (handleClientsBlockedOnKeys).
   * Serving may make more keys ready (BLMOVE pushes to its destination), so
   * it loops until nothing is left.
   */
  handleReadyKeys(): void {
    while (this.ready.length !== 0) {
      const batch = this.ready;
      this.ready = [];
      for (const { db, key } of batch) {
        // Cleared before serving, so a key refilled while serving is queued again.
        this.readySet.get(db)?.delete(key);
        const set = this.waiters.get(db)?.get(key);
        if (set === undefined) continue;
        for (const c of [...set]) {
          const state = c.blocked;
          if (state === null || state.db !== db) continue;
          // Lazy expiry applies; a key deleted or now of another type serves no one.
          const kind = valueKind(db, key);
          if (kind === null) break;
          if (kind !== state.kind) continue;
          this.serveOne(c, state, key);
        }
      }
    }
  }

  /** CLIENT UNBLOCK: false when the client is not blocked on keys. */
  unblockByRequest(c: Client, asError: boolean): boolean {
    const state = c.blocked;
    // A SHUTDOWN waiting for replicas has no timeout reply: not unblockable.
    if (state === null || state.kind === 'shutdown') return false;
    this.replyAndUnblock(c, state, asError);
    return true;
  }

  /**
   * disconnectAllBlockedClients: becoming a replica of a (new) master ends
   * every blocking wait with an error, and the connection once it is
   * written: what the client waited for belongs to a dataset about to be
   * replaced. A SHUTDOWN waiting for replicas keeps waiting.
   */
  disconnectAll(clients: Iterable<Client>): void {
    for (const c of clients) {
      const state = c.blocked;
      if (state === null || state.kind === 'shutdown') continue;
      const muted = c.reply.muted;
      c.reply.muted = c.replyMode === 'off';
      c.reply.error(ROLE_CHANGED_ERROR);
      c.reply.muted = muted;
      c.closeAfterReply = true;
      this.finish(c, state, 0);
    }
  }

  /** The client is going away: drop it from every wait list, no reply. */
  forget(c: Client): void {
    if (c.blocked === null) return;
    this.release(c, c.blocked);
  }

  private serveOne(c: Client, state: BlockState, key: string): void {
    const muted = c.reply.muted;
    c.reply.muted = c.replyMode === 'off';
    const previousDb = c.db;
    c.db = state.db;
    const started = performance.now();
    state.serve(c, key);
    const elapsedMs = performance.now() - started;
    c.db = previousDb;
    c.reply.muted = muted;
    // Served outside its own call(): c.propagateAs (LPOP key, LMOVE...,
    // ZPOPMIN key) is what replicas must apply, in the blocking db.
    if (c.propagateAs !== null) this.server.replication.propagator.also(state.db.id, c.propagateAs);
    c.propagateAs = null;
    this.finish(c, state, elapsedMs);
  }

  private replyAndUnblock(c: Client, state: BlockState, asError: boolean): void {
    const muted = c.reply.muted;
    c.reply.muted = c.replyMode === 'off';
    if (asError) c.reply.error(UNBLOCKED_ERROR);
    else if (state.onTimeout !== null) state.onTimeout(c);
    // Every blocking pop, BLMOVE included, times out with a null array.
    else c.reply.nullArray();
    c.reply.muted = muted;
    this.finish(c, state, 0);
  }

  /**
   * After the reply: count the command, as Redis counts blocked calls when
   * they end (the time spent waiting is not part of their µs), then release.
   */
  private finish(c: Client, state: BlockState, elapsedMs: number): void {
    const cmd = state.cmd;
    if (cmd !== null) {
      cmd.stats.calls++;
      cmd.stats.usec += Math.round(elapsedMs * 1000);
      if (c.reply.errorCount !== c.errorMark) cmd.stats.failedCalls++;
    }
    c.errorMark = c.reply.errorCount;
    this.server.stats.totalCommandsProcessed++;
    this.release(c, state);
    // Redis refreshes lastinteraction when it writes a reply: the idle
    // timeout counts from the answer, not from the blocking command.
    c.lastInteraction = Date.now();
    c.flushSoon();
    this.unblocked.push(c);
    if (!this.unblockedScheduled) {
      this.unblockedScheduled = true;
      setImmediate(() => this.processUnblocked());
    }
  }

  private release(c: Client, state: BlockState): void {
    if (state.timer !== null) clearTimeout(state.timer);
    const perDb = this.waiters.get(state.db);
    if (perDb !== undefined) {
      for (const key of state.keys) {
        const set = perDb.get(key);
        if (set === undefined) continue;
        set.delete(c);
        if (set.size === 0) perDb.delete(key);
      }
    }
    c.blocked = null;
    this.count--;
    if (state.deadline !== 0) this.withTimeout--;
  }

  private armTimer(c: Client, state: BlockState): void {
    const delay = Math.min(Math.max(0, state.deadline - Date.now()), MAX_TIMER_MS);
    state.timer = setTimeout(() => {
      state.timer = null;
      if (c.blocked !== state) return;
      if (Date.now() < state.deadline) {
        this.armTimer(c, state);
        return;
      }
      this.replyAndUnblock(c, state, false);
    }, delay);
  }

  /** Runs what unblocked clients had pipelined behind their blocking command. */
  private processUnblocked(): void {
    this.unblockedScheduled = false;
    const clients = this.unblocked.splice(0);
    for (const c of clients) this.server.resumeInput(c);
  }
}

/** The kind of blocked client the key's value can serve; null if none. */
function valueKind(db: Database, key: string): BlockKind | null {
  const value = db.find(key)?.value;
  if (value instanceof RedisList) return 'list';
  if (value instanceof RedisZSet) return 'zset';
  return null;
}
