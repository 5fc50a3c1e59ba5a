import { FLAG_BITS, type Command } from '../commands/types.js';
import { repr } from '../protocol/repr.js';
import type { Client } from './client.js';
import type { Server } from './server.js';
import type { MultiState } from './multi.js';

/**
 * Every cross-cutting check a command goes through, in one place and in Redis's
 * order (processCommand in server.c):
 *
 *   1. existence (unknown command / unknown subcommand)
 *   2. arity
 *   3. protected commands (DEBUG and enable-debug-command)
 *   4. authentication (NOAUTH unless the command is flagged no_auth)
 *   5. transaction context (no_multi commands refused inside MULTI)
 *   6. out-of-memory (maxmemory, denyoom)      - not implemented
 *   7. failed background save (MISCONF: writes and PING)
 *   8. min-replicas (NOREPLICAS: writes, on a master only)
 *   9. read-only replica (READONLY)
 *  10. subscribed-client context (RESP2)
 *  11. stale replica (MASTERDOWN)
 *  12. loading (LOADING: commands without the loading flag)
 *  13. CLIENT PAUSE holds the client
 *  14. MULTI queueing
 *
 * then call(): run the handler, propagate the command's effect when it
 * changed the dataset (replication/propagate.ts), count it, feed MONITOR.
 *
 * Every rejection inside MULTI also aborts the transaction (EXECABORT), as
 * Redis's rejectCommand does.
 *
 * The master client (a replica applying its master's stream) is obeyed:
 * MISCONF, NOREPLICAS, READONLY and CLIENT PAUSE do not apply to it, as
 * Redis's obey_client; it is authenticated and its replies are discarded.
 */

const NO_AUTH = FLAG_BITS.no_auth;
const PROTECTED = FLAG_BITS.protected;
const SKIP_SLOWLOG = FLAG_BITS.skip_slowlog;
const WRITE = FLAG_BITS.write;
const MAY_REPLICATE = FLAG_BITS.may_replicate;
const SKIP_MONITOR = FLAG_BITS.skip_monitor | FLAG_BITS.admin;
const NO_MULTI = FLAG_BITS.no_multi;
const LOADING_OK = FLAG_BITS.loading;
const NO_ASYNC_LOADING = FLAG_BITS.no_async_loading;
const STALE_OK = FLAG_BITS.stale;

const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** Commands a RESP2 client in subscribed mode may still run (full names). */
const SUBSCRIBED_CONTEXT = new Set([
  'ping',
  'subscribe',
  'ssubscribe',
  'unsubscribe',
  'sunsubscribe',
  'psubscribe',
  'punsubscribe',
  'quit',
  'reset',
]);

/** Commands that act on the transaction itself instead of being queued inside MULTI. */
const NOT_QUEUED = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export function dispatch(server: Server, c: Client, argv: Buffer[]): void {
  const cmd = server.commands.lookup(argv);
  // Set at lookup, as Redis does (CLIENT INFO shows cmd=client|info; a
  // rejected or unknown command is still the client's last one).
  c.lastCommand = cmd ?? null;

  if (cmd === undefined) {
    const base = server.commands.lookupName(argv[0]!.toString('latin1'));
    if (base !== undefined && base.subcommands !== null) {
      reject(
        c,
        null,
        `ERR unknown subcommand '${truncate(cString(argv[1]!), 128)}'. Try ${base.spec.name.toUpperCase()} HELP.`,
      );
    } else {
      reject(c, null, unknownCommandError(argv));
    }
    return;
  }

  const arity = cmd.spec.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    reject(c, cmd, `ERR wrong number of arguments for '${cmd.fullName}' command`);
    return;
  }

  if ((cmd.flagBits & PROTECTED) !== 0 && !server.debugCommandAllowed(c)) {
    reject(
      c,
      cmd,
      'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    );
    return;
  }

  if (!c.authenticated && (cmd.flagBits & NO_AUTH) === 0) {
    reject(c, cmd, 'NOAUTH Authentication required.');
    return;
  }

  if (c.multi !== null && (cmd.flagBits & NO_MULTI) !== 0) {
    reject(c, cmd, 'ERR Command not allowed inside a transaction');
    return;
  }

  // EXEC is judged by what it would run, as Redis's is_write_command is.
  const effectiveBits =
    cmd.fullName === 'exec' && c.multi !== null ? c.multi.flagBits | cmd.flagBits : cmd.flagBits;
  const obey = c.clientClass === 'master';
  if (
    ((effectiveBits & WRITE) !== 0 || cmd.fullName === 'ping') &&
    !obey &&
    server.persistence.writesDenied()
  ) {
    reject(c, cmd, MISCONF);
    return;
  }

  const link = server.replicaLink;
  // min-replicas-to-write (checkGoodReplicasStatus): only a master refuses.
  if (
    server.replication.writesRefused &&
    (effectiveBits & WRITE) !== 0 &&
    !obey &&
    link.masterHost === null
  ) {
    reject(c, cmd, 'NOREPLICAS Not enough good replicas to write.');
    return;
  }
  if (
    link.masterHost !== null &&
    !obey &&
    (effectiveBits & WRITE) !== 0 &&
    server.config.get('replica-read-only')
  ) {
    reject(c, cmd, "READONLY You can't write against a read only replica.");
    return;
  }

  if (c.subscribed && c.reply.resp === 2 && !SUBSCRIBED_CONTEXT.has(cmd.fullName)) {
    reject(
      c,
      cmd,
      `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
    return;
  }

  if (
    link.masterHost !== null &&
    link.state !== 'connected' &&
    !server.config.get('replica-serve-stale-data') &&
    !allowedWhileStale(c, cmd)
  ) {
    reject(
      c,
      cmd,
      "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    );
    return;
  }

  const loading = server.persistence.loading;
  if (
    loading !== null &&
    (loading.async ? deniedWhileAsyncLoading(c, cmd) : !allowedWhileLoading(c, cmd))
  ) {
    reject(c, cmd, 'LOADING Redis is loading the dataset in memory');
    return;
  }

  const pause = server.pause;
  // Replicas are never paused; subscribers are (their class is 'pubsub').
  // The master client is not held either: its offset must follow its stream.
  if (pause !== null && c.clientClass !== 'replica' && !obey && isPausedBy(pause.mode, c, cmd)) {
    // The arguments may be views of the shared read buffer: keep copies.
    c.heldArgv = argv.map((a) => Buffer.from(a));
    server.pausedClients.push(c);
    return;
  }

  if (c.multi !== null && !NOT_QUEUED.has(cmd.fullName)) {
    if (!c.dirtyCas) queueCommand(c.multi, cmd, argv);
    // CLIENT REPLY OFF/SKIP apply to QUEUED as to any reply.
    if (c.skipNextReply) c.skipNextReply = false;
    else if (c.replyMode !== 'off') c.reply.raw(QUEUED);
    return;
  }

  call(server, c, cmd, argv);
  // After each top-level command (never between EXEC's queued commands), the
  // keys it filled serve their blocked clients, as handleClientsBlockedOnKeys.
  if (server.blocking.hasReadyKeys) server.blocking.handleReadyKeys();
}

/**
 * Runs a command that passed every check. Also the entry point for commands
 * that execute on behalf of others (EXEC, later the replication stream).
 */
export function call(server: Server, c: Client, cmd: Command, argv: Buffer[]): void {
  const keyspace = server.keyspace;
  const handler = cmd.spec.handler!;

  c.errorMark = c.reply.errorCount;
  // CLIENT REPLY OFF, or the one command after CLIENT REPLY SKIP, is silenced.
  // Commands run by EXEC (denyBlocking is set) inherit EXEC's muting and
  // never consume a SKIP: as in Redis, a SKIP issued inside EXEC applies to
  // the command after the EXEC.
  const outerMuted = c.reply.muted;
  const skipThis = !outerMuted && !c.denyBlocking && c.skipNextReply;
  c.reply.muted = outerMuted || skipThis || c.replyMode === 'off';
  const froze = keyspace.freezeTime();
  // Propagation bookkeeping only while a backlog exists; otherwise one
  // boolean read is all replication costs a command.
  const replication = server.replication;
  const propagator = replication.propagator;
  const tracking = propagator.active;
  let dirtyBefore = 0;
  let expiredBefore = 0;
  let offsetBefore = 0;
  if (tracking) {
    dirtyBefore = keyspace.dirty;
    expiredBefore = propagator.expiredCount;
    offsetBefore = replication.masterReplOffset;
    propagator.enter();
  }
  // Inside a read batch the previous command's end is this one's start, so
  // the clock is read once per command (the gap, parsing and dispatch, is
  // counted with the command, as part of serving it).
  const started = server.batchClock !== 0 ? server.batchClock : performance.now();
  handler(c, argv);
  if (tracking) {
    // Keys the command found expired are propagated as DELs of their own;
    // only its own changes make it a write. A command that blocked changed
    // nothing yet.
    const changed =
      c.blocked === null &&
      (c.forcePropagate ||
        keyspace.dirty - dirtyBefore - (propagator.expiredCount - expiredBefore) > 0);
    propagator.leave(changed, c.db.id, c.propagateAs ?? argv, cmd.fullName === 'exec');
    // c->woff: where the stream ended after this client's last write (WAIT).
    if (replication.masterReplOffset !== offsetBefore) c.woff = replication.masterReplOffset;
  }
  c.forcePropagate = false;
  const ended = performance.now();
  if (server.batchClock !== 0) server.batchClock = ended;
  const elapsedUs = Math.round((ended - started) * 1000);
  if (froze) keyspace.unfreezeTime();
  if (skipThis) c.skipNextReply = false;
  c.reply.muted = outerMuted;
  // After the handler, as Redis 7.0 does: MONITOR shows the database SELECT
  // switched to, and the arguments AUTH and HELLO redacted.
  if (server.monitors.size > 0 && (cmd.flagBits & SKIP_MONITOR) === 0)
    feedMonitors(server, c, argv);
  // A command that blocked is counted in commandstats when it is answered,
  // as Redis counts blocked calls on unblock (server/blocking.ts).
  if (c.blocked !== null) {
    c.propagateAs = null;
    return;
  }

  const stats = cmd.stats;
  stats.calls++;
  stats.usec += elapsedUs;
  // Only errors since the previous call() count: EXEC is not failed because
  // a queued command failed (each queued command's call() moved the mark).
  if (c.reply.errorCount !== c.errorMark) stats.failedCalls++;
  c.errorMark = c.reply.errorCount;
  server.stats.totalCommandsProcessed++;
  if (
    elapsedUs >= server.slowlogThresholdUs &&
    server.slowlogThresholdUs >= 0 &&
    (cmd.flagBits & SKIP_SLOWLOG) === 0
  ) {
    server.slowlog.record(c, argv, elapsedUs, server.config.get('slowlog-max-len'));
  }
  // Propagation happened right after the handler (see above).
  c.propagateAs = null;
}

const QUEUED = Buffer.from('+QUEUED\r\n');

function queueCommand(multi: MultiState, cmd: Command, argv: Buffer[]): void {
  // A doomed transaction (aborted, or a WATCHed key touched) only waits for
  // EXEC/DISCARD: keep nothing.
  if (multi.aborted) return;
  // The arguments may be views of the shared read buffer: keep copies.
  multi.queue.push({ cmd, argv: argv.map((a) => Buffer.from(a)) });
  multi.flagBits |= cmd.flagBits;
}

function reject(c: Client, cmd: Command | null, message: string): void {
  if (cmd !== null) cmd.stats.rejectedCalls++;
  // Redis's flagTransaction: a command refused while queueing dooms the EXEC.
  if (c.multi !== null) c.multi.aborted = true;
  c.reply.error(message);
}

/** `unknown command 'x', with args beginning with: 'a' 'b' ` as Redis 7.0 builds it. */
function unknownCommandError(argv: Buffer[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${truncate(cString(argv[i]!), 128 - args.length)}' `;
  }
  return `ERR unknown command '${truncate(cString(argv[0]!), 128)}', with args beginning with: ${args}`;
}

/** An argument as Redis's printf("%s") shows it: cut at the first NUL byte. */
function cString(arg: Buffer): string {
  const nul = arg.indexOf(0);
  return arg.toString('latin1', 0, nul === -1 ? arg.length : nul);
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** Redis's is_denyloading_command, inverted: EXEC needs every queued command to allow it. */
function allowedWhileLoading(c: Client, cmd: Command): boolean {
  if ((cmd.flagBits & LOADING_OK) === 0) return false;
  if (cmd.fullName !== 'exec' || c.multi === null) return true;
  return c.multi.queue.every((queued) => (queued.cmd.flagBits & LOADING_OK) !== 0);
}

/** Redis's is_deny_async_loading_command: EXEC counts its queue's flags. */
function deniedWhileAsyncLoading(c: Client, cmd: Command): boolean {
  if ((cmd.flagBits & NO_ASYNC_LOADING) !== 0) return true;
  if (cmd.fullName !== 'exec' || c.multi === null) return false;
  return c.multi.queue.some((queued) => (queued.cmd.flagBits & NO_ASYNC_LOADING) !== 0);
}

/** Redis's is_denystale_command, inverted: EXEC needs every queued command to be stale-safe. */
function allowedWhileStale(c: Client, cmd: Command): boolean {
  if ((cmd.flagBits & STALE_OK) === 0) return false;
  if (cmd.fullName !== 'exec' || c.multi === null) return true;
  return c.multi.queue.every((queued) => (queued.cmd.flagBits & STALE_OK) !== 0);
}

function isPausedBy(mode: 'write' | 'all', c: Client, cmd: Command): boolean {
  if (mode === 'all') return true;
  // PAUSE WRITE holds anything that may change the dataset or propagate,
  // including an EXEC whose queue holds such a command.
  const bits = cmd.fullName === 'exec' && c.multi !== null ? c.multi.flagBits : cmd.flagBits;
  return (bits & (WRITE | MAY_REPLICATE)) !== 0;
}

/** MONITOR line: `+<sec>.<usec> [<db> <addr>] "CMD" "arg" ...`. */
function feedMonitors(server: Server, c: Client, argv: Buffer[]): void {
  const nowUs = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
  const seconds = nowUs / 1000000n;
  const micros = (nowUs % 1000000n).toString().padStart(6, '0');
  const origin = c.unixPath !== null ? `unix:${c.unixPath}` : c.addr;
  let line = `${seconds}.${micros} [${c.dbIndex} ${origin}]`;
  for (const arg of argv) line += ` ${repr(arg)}`;
  for (const monitor of server.monitors) {
    if (monitor === c) continue;
    monitor.reply.simple(line);
    monitor.flushSoon();
  }
}
