/**
 * Propagation: turning the effects of commands into the replication stream,
 * as Redis's call() / alsoPropagate / propagatePendingCommands do.
 *
 * A command is propagated when it changed the dataset (the keyspace's dirty
 * counter moved during its call, not counting keys it found expired) or when
 * its handler forced it (PUBLISH, FLUSHALL on an empty dataset). What goes out
 * is the handler's recorded effect (`c.propagateAs`) or else the command's own
 * arguments. Keys deleted because they expired go out as `DEL key` in their
 * database, ahead of the command that noticed them.
 *
 * Everything one top-level command produces (a lazily expired key plus the
 * write, the queued commands of EXEC, extra commands a handler adds) is
 * collected while it runs and emitted when it returns; when that is more than
 * one command, or the commands of an EXEC, the block is wrapped in
 * MULTI ... EXEC so a replica applies it atomically, as Redis 7.0 wraps its
 * also_propagate array. A `SELECT db` is inserted whenever the database of
 * the next command differs from the stream's current one (Redis's
 * slaveseldb, lazily).
 *
 * Fast path: with no backlog (no replica ever attached, or the backlog freed
 * after repl-backlog-ttl) `active` is false and call() does nothing beyond
 * reading one boolean; nothing is encoded.
 */

/** Where encoded stream bytes go (the master: backlog and replicas). */
export interface StreamTarget {
  feed(chunk: Buffer): void;
}

interface PendingOp {
  db: number;
  /** The command, already RESP-encoded (arguments may be views of a read buffer). */
  bytes: Buffer;
}

const MULTI = encodeCommand([Buffer.from('MULTI')]);
const EXEC = encodeCommand([Buffer.from('EXEC')]);

export class Propagator {
  /** True while a backlog exists: only then is anything recorded. */
  active = false;
  /** Database the stream last SELECTed; -1 forces a SELECT before the next command. */
  streamDb = -1;
  /** Keys deleted by expiry while active; call() subtracts them from the dirty delta. */
  expiredCount = 0;
  /** Nesting of call() (EXEC runs its queue through call()). */
  private depth = 0;
  private pending: PendingOp[] = [];
  /** Set when the pending block comes from an EXEC: wrapped even with one write. */
  private transaction = false;
  /** Test hook and measure: how many commands were encoded. */
  encodedCommands = 0;

  constructor(private readonly target: StreamTarget) {}

  /** call() is starting a command (only called while active). */
  enter(): void {
    this.depth++;
  }

  /**
   * call() finished a command (only called when enter() was). `changed` says
   * whether it must be propagated; `effect` is what to send.
   */
  leave(changed: boolean, db: number, effect: Buffer[], isExec: boolean): void {
    this.depth--;
    if (isExec) {
      if (this.pending.length > 0) this.transaction = true;
    } else if (changed) {
      this.also(db, effect);
    }
    if (this.depth === 0) this.flush();
  }

  /** Redis's alsoPropagate: one more command in the current block (or now, outside any). */
  also(db: number, argv: Buffer[]): void {
    if (!this.active) return;
    this.encodedCommands++;
    this.pending.push({ db, bytes: encodeCommand(argv) });
    if (this.depth === 0) this.flush();
  }

  /** An expired key: `DEL key` in its database. */
  expired(db: number, key: string): void {
    if (!this.active) return;
    this.expiredCount++;
    this.also(db, [DEL, Buffer.from(key, 'latin1')]);
  }

  /**
   * Bytes that belong to the stream but to no database (the master's PING):
   * sent as they are, outside any block.
   */
  raw(argv: Buffer[]): void {
    if (!this.active) return;
    this.target.feed(encodeCommand(argv));
  }

  /** Drops a half-built block (the backlog went away mid-command). */
  reset(): void {
    this.pending = [];
    this.transaction = false;
    this.depth = 0;
  }

  private flush(): void {
    const ops = this.pending;
    if (ops.length === 0) {
      this.transaction = false;
      return;
    }
    this.pending = [];
    const wrap = this.transaction || ops.length > 1;
    this.transaction = false;
    const parts: Buffer[] = [];
    if (wrap) {
      this.select(parts, ops[0]!.db);
      parts.push(MULTI);
    }
    for (const op of ops) {
      this.select(parts, op.db);
      parts.push(op.bytes);
    }
    if (wrap) parts.push(EXEC);
    this.target.feed(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  private select(parts: Buffer[], db: number): void {
    if (db === this.streamDb) return;
    this.streamDb = db;
    parts.push(selectCommand(db));
  }
}

const DEL = Buffer.from('DEL');
const SELECT_CACHE: Buffer[] = [];

function selectCommand(db: number): Buffer {
  let cached = SELECT_CACHE[db];
  if (cached === undefined) {
    cached = encodeCommand([Buffer.from('SELECT'), Buffer.from(String(db))]);
    if (db < 64) SELECT_CACHE[db] = cached;
  }
  return cached;
}

/** A command as a RESP array of bulk strings, in one Buffer. */
export function encodeCommand(argv: readonly Buffer[]): Buffer {
  let size = 16;
  for (const arg of argv) size += arg.length + 16;
  const out = Buffer.allocUnsafe(size);
  let pos = out.write(`*${argv.length}\r\n`, 0, 'latin1');
  for (const arg of argv) {
    pos += out.write(`$${arg.length}\r\n`, pos, 'latin1');
    pos += arg.copy(out, pos);
    out[pos++] = 0x0d;
    out[pos++] = 0x0a;
  }
  return out.subarray(0, pos);
}
