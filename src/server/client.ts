import type { Socket } from 'node:net';
import { RequestParser } from '../protocol/request-parser.js';
import { ReplyWriter } from '../protocol/reply-writer.js';
import type { Database } from '../store/database.js';
import type { Command } from '../commands/types.js';
import type { Server } from './server.js';
import type { MultiState, WatchedKey } from './multi.js';
import type { BlockState } from './blocking.js';
import type { Replica } from '../replication/master.js';

/**
 * Client types, as CLIENT LIST TYPE names them; 'master' (the replication
 * stream from our master) uses the 'normal' output-buffer limits.
 */
export type ClientClass = 'normal' | 'replica' | 'pubsub' | 'master';

/** CLIENT REPLY modes. */
export type ReplyMode = 'on' | 'off' | 'skip';

/**
 * One connection's state. The client owns its parser and reply buffer; the
 * server drives it (read → parse → dispatch → flush). Fields are public because
 * command families read and update them directly; the invariants that matter
 * (auth, selected db) are only changed through the commands that own them.
 */
export class Client {
  readonly parser: RequestParser;
  readonly reply: ReplyWriter;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();

  db: Database;
  name = '';
  user = 'default';
  authenticated: boolean;
  /** Last command executed, `NULL` before the first (CLIENT LIST cmd=). */
  lastCommand: Command | null = null;

  replyMode: ReplyMode = 'on';
  /** Set by CLIENT REPLY SKIP: suppress the reply of the next command only. */
  skipNextReply = false;
  monitor = false;
  /**
   * Set by a handler whose effect must reach replicas as a different command
   * (SET EX → SET PXAT, INCRBYFLOAT → SET): the dispatcher propagates this
   * instead of argv and clears it.
   */
  propagateAs: Buffer[] | null = null;
  /**
   * Set by a handler whose command must reach replicas although it may have
   * changed nothing (PUBLISH, FLUSHALL of an empty dataset): Redis's
   * forceCommandPropagation. Cleared by the dispatcher.
   */
  forcePropagate = false;
  /** Replication state once the client said REPLCONF or SYNC/PSYNC (a replica). */
  replica: Replica | null = null;
  /**
   * master_repl_offset right after this client's last command that moved
   * the stream (Redis's c->woff): what WAIT waits for replicas to reach.
   */
  woff = 0;
  /** A command held back by CLIENT PAUSE, run when the pause ends. */
  heldArgv: Buffer[] | null = null;
  /**
   * Set while blocked in BLPOP, BZPOPMIN... (CLIENT_BLOCKED): like heldArgv,
   * it stops the client's pipeline until a push, the timeout or CLIENT
   * UNBLOCK answers the blocked command.
   */
  blocked: BlockState | null = null;
  /** Close once the pending replies are written (QUIT, protocol errors). */
  closeAfterReply = false;
  closed = false;
  /** Milliseconds since epoch when the soft output limit was first exceeded. */
  softLimitSince = 0;
  /**
   * Output-buffer-limit class: 'pubsub' while subscribed (server/pubsub.ts
   * switches it), 'replica' for replicas.
   */
  clientClass: ClientClass = 'normal';

  /** The MULTI queue; null outside a transaction (CLIENT_MULTI). */
  multi: MultiState | null = null;
  /** A WATCHed key was touched: EXEC will answer a null array (CLIENT_DIRTY_CAS). */
  dirtyCas = false;
  /** Keys this client WATCHes; the server-wide index lives in WatchRegistry. */
  watched: WatchedKey[] = [];
  /**
   * Set while EXEC runs its queue: blocking commands (BLPOP...) must answer
   * at once instead of blocking (CLIENT_DENY_BLOCKING).
   */
  denyBlocking = false;
  /**
   * Reply error count at the end of the last call(): a command counts as
   * failed only for errors it produced itself, so EXEC is not charged with its
   * queued commands' errors (Redis's prev_err_count).
   */
  errorMark = 0;
  /** Pub/sub subscriptions (latin1 names); null until the first one keeps idle clients small. */
  channels: Set<string> | null = null;
  patterns: Set<string> | null = null;
  shardChannels: Set<string> | null = null;
  /** CLIENT_PUBSUB: set by (P|S)SUBSCRIBE, cleared when the last subscription goes. */
  subscribed = false;

  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    readonly server: Server,
    /** Unix socket clients have no port; CLIENT LIST shows the path. */
    readonly unixPath: string | null,
  ) {
    this.parser = new RequestParser(server.config.get('proto-max-bulk-len'));
    this.reply = new ReplyWriter();
    this.db = server.keyspace.databases[0]!;
    this.authenticated = !server.authRequired();
    if (unixPath !== null) {
      this.addr = `${unixPath}:0`;
      this.laddr = `${unixPath}:0`;
    } else {
      this.addr = formatAddress(socket.remoteAddress, socket.remotePort);
      this.laddr = formatAddress(socket.localAddress, socket.localPort);
    }
    this.fd = socketFd(socket);
  }

  get dbIndex(): number {
    return this.db.id;
  }

  /** Hands the encoded replies to the socket and applies the output limits. */
  flush(): void {
    if (this.closed) return;
    const n = this.reply.flush(this.socket);
    if (n > 0) {
      this.server.stats.netOutputBytes += n;
      this.server.stats.totalWritesProcessed++;
    }
    if (this.closeAfterReply) {
      this.close();
      return;
    }
    this.server.enforceOutputLimits(this, this.replica?.pending.length ?? 0);
  }

  /** Queues this client to be flushed at the end of the current event-loop turn. */
  flushSoon(): void {
    this.server.scheduleFlush(this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket.writableLength > 0 || this.closeAfterReply) {
      this.socket.end();
    } else {
      this.socket.destroy();
    }
    this.server.unlinkClient(this);
  }

  /** Closes without writing anything pending (limits exceeded, CLIENT KILL). */
  kill(): void {
    if (this.closed) return;
    this.closed = true;
    this.reply.discard();
    this.socket.destroy();
    this.server.unlinkClient(this);
  }
}

function formatAddress(ip: string | undefined, port: number | undefined): string {
  const host = ip ?? '?';
  // Redis prints IPv4-mapped IPv6 addresses in their IPv4 form.
  const clean = host.startsWith('::ffff:') ? host.slice(7) : host;
  return `${clean}:${port ?? 0}`;
}

function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}
