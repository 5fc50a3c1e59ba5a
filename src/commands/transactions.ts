import type { Client } from '../server/client.js';
import { call } from '../server/dispatch.js';
import { MultiState, discardTransaction } from '../server/multi.js';
import type { CommandSpec } from './types.js';

/**
 * MULTI, EXEC, DISCARD, WATCH and UNWATCH. Queueing itself happens in the
 * dispatcher (after every policy check, as Redis's processCommand does); these
 * handlers open, run and close the transaction and manage the watched keys.
 */

const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

function multi(c: Client): void {
  if (c.multi !== null) {
    c.reply.error('ERR MULTI calls can not be nested');
    return;
  }
  c.multi = new MultiState();
  c.reply.ok();
}

function exec(c: Client): void {
  const transaction = c.multi;
  if (transaction === null) {
    c.reply.error('ERR EXEC without MULTI');
    return;
  }
  const server = c.server;
  // A key watched while alive that has logically expired since counts as
  // touched, even if nothing has deleted it yet.
  if (!c.dirtyCas && server.watches.anyExpired(c, server.keyspace.now())) c.dirtyCas = true;
  if (transaction.aborted || c.dirtyCas) {
    if (transaction.aborted) c.reply.error(EXECABORT);
    else c.reply.nullArray();
    discardTransaction(c);
    return;
  }
  // Unwatch first: the transaction's own writes must not flag this client.
  server.watches.unwatchAll(c);
  // The clock is already frozen by the call() running EXEC, so every queued
  // command sees one instant and no key expires half-way through.
  c.denyBlocking = true;
  c.reply.arrayHeader(transaction.queue.length);
  for (const queued of transaction.queue) call(server, c, queued.cmd, queued.argv);
  c.denyBlocking = false;
  // The queued commands' effects were collected by the propagator as they
  // ran; when EXEC's own call() ends they go out as one MULTI ... EXEC block.
  discardTransaction(c);
}

function discard(c: Client): void {
  if (c.multi === null) {
    c.reply.error('ERR DISCARD without MULTI');
    return;
  }
  discardTransaction(c);
  c.reply.ok();
}

function watch(c: Client, argv: Buffer[]): void {
  if (c.multi !== null) {
    c.reply.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  const db = c.db;
  const now = c.server.keyspace.now();
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i]!.latin1Slice(0, argv[i]!.length);
    // Peek, not lookup: WATCH neither expires keys nor counts hits/misses.
    const entry = db.peek(key);
    const expired = entry !== undefined && entry.expireAt !== 0 && entry.expireAt <= now;
    c.server.watches.watch(c, db, key, expired);
  }
  c.reply.ok();
}

function unwatch(c: Client): void {
  c.server.watches.unwatchAll(c);
  c.dirtyCas = false;
  c.reply.ok();
}

const TRANSACTIONS = 'transactions' as const;
const NO_KEYS = { firstKey: 0, lastKey: 0, step: 0 } as const;

export const transactionCommands: readonly CommandSpec[] = [
  {
    name: 'multi',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    ...NO_KEYS,
    group: TRANSACTIONS,
    since: '1.2.0',
    complexity: 'O(1)',
    summary: 'Mark the start of a transaction block',
    handler: multi,
  },
  {
    name: 'exec',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
    ...NO_KEYS,
    group: TRANSACTIONS,
    since: '1.2.0',
    complexity: 'Depends on commands in the transaction',
    summary: 'Execute all commands issued after MULTI',
    handler: exec,
  },
  {
    name: 'discard',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    ...NO_KEYS,
    group: TRANSACTIONS,
    since: '2.0.0',
    complexity: 'O(N), when N is the number of queued commands',
    summary: 'Discard all commands issued after MULTI',
    handler: discard,
  },
  {
    name: 'watch',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    group: TRANSACTIONS,
    since: '2.2.0',
    complexity: 'O(1) for every key.',
    summary: 'Watch the given keys to determine execution of the MULTI/EXEC block',
    handler: watch,
  },
  {
    name: 'unwatch',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    ...NO_KEYS,
    group: TRANSACTIONS,
    since: '2.2.0',
    complexity: 'O(1)',
    summary: 'Forget about all watched keys',
    handler: unwatch,
  },
];
