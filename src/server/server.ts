import net from 'node:net';
import { unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { ProtocolError } from '../protocol/request-parser.js';
import { Keyspace } from '../store/keyspace.js';
import { encodingLimits } from '../store/encoding-limits.js';
import type { Database, KeyspaceEvents } from '../store/database.js';
import { CommandTable } from '../commands/table.js';
import { Client } from './client.js';
import { dispatch } from './dispatch.js';
import { Logger } from './log.js';
import { ServerStats } from './stats.js';
import { startCron, type Cron } from './cron.js';
import { Slowlog } from './slowlog.js';
import { PubSub } from './pubsub.js';
import { WatchRegistry, discardTransaction } from './multi.js';
import { BlockingRegistry, type BlockState } from './blocking.js';
import { KEYSPACE_EVENT } from '../config/options.js';
import { Persistence } from '../persistence/persistence.js';
import { ReplicationMaster } from '../replication/master.js';
import { ReplicaLink } from '../replication/replica-link.js';

/** The Redis version we are compatible with; clients check it for features. */
export const REDIS_VERSION = '7.0.15';
export const RESPLICA_VERSION = '0.1.0';

const PROTECTED_MODE_DENIED = Buffer.from(
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n",
);
const MAX_CLIENTS_REACHED = Buffer.from('-ERR max number of clients reached\r\n');

/** Why the listening sockets could not be opened (start-up aborts). */
export class ListenError extends Error {}

/** SHUTDOWN's modifiers (and shutdown-on-sigterm / shutdown-on-sigint). */
export interface ShutdownOptions {
  save: boolean;
  nosave: boolean;
  force: boolean;
  /** Skip waiting for lagging replicas (shutdown-timeout). */
  now: boolean;
}

/** What requestShutdown did. */
export type ShutdownOutcome = 'exiting' | 'failed' | 'waiting';

/**
 * A shutdown waiting for lagging replicas (Redis 7.0's shutdown_mstime):
 * writes are paused, replicas were asked for an ACK, and the cron or an
 * ACK finishes it once every replica acked master_repl_offset or at the
 * deadline. The clients that asked are blocked until then.
 */
interface ShutdownWait {
  options: ShutdownOptions;
  deadline: number;
  clients: Array<{ client: Client; state: BlockState }>;
  /** The write pause this wait installed (none if CLIENT PAUSE already held clients). */
  pause: PauseState | null;
}

/** How CLIENT PAUSE is currently holding clients. */
export interface PauseState {
  mode: 'write' | 'all';
  until: number;
}

/**
 * The server: owns the keyspace, the command table, the clients and the
 * listening sockets, and drives each client through read → parse → dispatch →
 * flush. Everything that runs per command lives in dispatch.ts; periodic work
 * in cron.ts.
 */
export class Server {
  readonly keyspace: Keyspace;
  /** The server's command table, or sentinel mode's (src/sentinel/commands.ts). */
  readonly commands: CommandTable;
  readonly clients = new Map<number, Client>();
  readonly stats = new ServerStats();
  readonly runId = randomBytes(20).toString('hex');
  readonly startedAt = Date.now();
  readonly monitors = new Set<Client>();
  readonly pubsub = new PubSub();
  readonly watches = new WatchRegistry();
  /** Clients blocked on keys (BLPOP, BZPOPMIN...) and the keys ready to serve them. */
  readonly blocking: BlockingRegistry = new BlockingRegistry(this);
  /** Cached `notify-keyspace-events` mask (KEYSPACE_EVENT bits); 0 = off. */
  notifyFlags = 0;
  /**
   * A key about to be created (keyWillChange saw it absent), so keyChanged can
   * announce the `new` event after it exists; only tracked when 'n' is on.
   */
  private creatingKey: string | null = null;
  /** Clients whose replies were produced outside their own read (pub/sub, timers). */
  private readonly pendingFlush = new Set<Client>();
  private flushScheduled = false;
  /**
   * performance.now() at the end of the last command of the current read
   * batch (0 outside a batch); call() uses it as the next command's start.
   */
  batchClock = 0;
  /** Every socket reads into this one buffer (see readIntoSharedBuffer). */
  private readonly readBuffer = Buffer.allocUnsafeSlow(64 * 1024);
  private listeners: net.Server[] = [];
  private unixListener: net.Server | null = null;
  private nextClientId = 1;
  private cron: Cron | null = null;
  pause: PauseState | null = null;
  /** Clients that stopped at a command held by CLIENT PAUSE, in arrival order. */
  readonly pausedClients: Client[] = [];
  /** Set while SHUTDOWN runs, so a second signal does not start it twice. */
  shuttingDown = false;
  readonly slowlog = new Slowlog();
  /** Cached `slowlog-log-slower-than` (µs; negative disables). */
  slowlogThresholdUs = 10000;
  /** RDB saving and loading (SAVE, BGSAVE, save points, start-up load). */
  readonly persistence: Persistence = new Persistence(this);
  memoryPeak = 0;
  readonly memoryAtStartup = process.memoryUsage().heapUsed;
  /** The master side of replication: ids, offsets, backlog, replicas, propagation. */
  readonly replication: ReplicationMaster = new ReplicationMaster(this);
  /** The replica side: the link to our master, when we have one. */
  readonly replicaLink: ReplicaLink = new ReplicaLink(this);
  /** Called once requestShutdown has saved; main.ts closes everything and exits. */
  onShutdownRequest: (() => void) | null = null;
  /** DEBUG SET-ACTIVE-EXPIRE switches the cron's expiry cycle off for tests. */
  activeExpireEnabled = true;
  /** Configs read on every command, cached on change. */
  requirePass = '';
  tcpPort = 0;

  constructor(
    readonly config: Config,
    readonly log: Logger,
    commands: CommandTable = new CommandTable(),
  ) {
    this.commands = commands;
    // The keyspace's change hooks: WATCH invalidation and keyspace
    // notifications. keyWillChange/keyChanged run on every write, so each
    // returns after one test when nothing is watched or notified.
    const events: KeyspaceEvents = {
      keyWillChange: (db, key) => {
        // Database.set/add announce a creation while the key is still absent.
        if ((this.notifyFlags & KEYSPACE_EVENT.NEW) !== 0 && db.peek(key) === undefined)
          this.creatingKey = key;
      },
      keyChanged: (db, key) => {
        if (this.watches.size !== 0) this.watches.touch(db, key);
        // A list or sorted set may arrive whole (RENAME, COPY, MOVE, RESTORE),
        // which Redis's dbAdd signals too; serving re-checks type and content.
        if (this.blocking.count !== 0) this.blocking.signal(db, key);
        if (this.creatingKey !== null) {
          const created = this.creatingKey === key && db.peek(key) !== undefined;
          this.creatingKey = null;
          if (created) this.notifyKeyspaceEvent(KEYSPACE_EVENT.NEW, 'new', key, db.id);
        }
      },
      keyExpired: (db, key) => {
        this.replication.propagator.expired(db.id, key);
        this.notifyKeyspaceEvent(KEYSPACE_EVENT.EXPIRED, 'expired', key, db.id);
      },
      keyMissed: (db, key) => {
        this.notifyKeyspaceEvent(KEYSPACE_EVENT.KEY_MISS, 'keymiss', key, db.id);
      },
    };
    this.keyspace = new Keyspace(config.get('databases'), events);
    for (const { from, to, origin } of config.fileDirectives.renameCommands) {
      const problem = this.commands.rename(from, to);
      if (problem !== null)
        throw new ConfigError(problem, origin.lineNumber, origin.lineText, origin.file);
    }
    this.requirePass = config.get('requirepass');
    this.slowlogThresholdUs = config.get('slowlog-log-slower-than');
    this.notifyFlags = config.get('notify-keyspace-events');
    this.installConfigHooks();
  }

  /**
   * Keyspace notifications (`notify-keyspace-events`), called by handlers as
   * Redis's notifyKeyspaceEvent is: `type` is a KEYSPACE_EVENT class bit
   * (STRING, LIST, GENERIC, EXPIRED...), `event` the event name ("lpush",
   * "del", "expired"...). `key` is latin1. Nothing is built unless the class
   * is enabled, so handlers call this unconditionally.
   */
  notifyKeyspaceEvent(type: number, event: string, key: string, dbid: number): void {
    const flags = this.notifyFlags;
    if ((flags & type) === 0) return;
    this.pubsub.notifyKeyspaceEvent(flags, event, key, dbid);
  }

  /**
   * A key may now satisfy clients blocked on it (BLPOP, BZPOPMIN...): called
   * by the handlers that add elements. The dispatcher serves the waiting
   * clients right after the current top-level command.
   */
  signalKeyAsReady(db: Database, key: string): void {
    this.blocking.signal(db, key);
  }

  /**
   * Redis's prepareForShutdown: unless NOW was given or shutdown-timeout is
   * 0, a master whose replicas have not all acked master_repl_offset first
   * pauses writes, sends them `REPLCONF GETACK *` and waits (asynchronously:
   * 'waiting', `waiter` blocked) up to shutdown-timeout seconds; see
   * checkShutdownWait. A shutdown already waiting is joined.
   */
  requestShutdown(options: ShutdownOptions, waiter: Client | null = null): ShutdownOutcome {
    if (this.shuttingDown) return 'exiting';
    const pending = this.shutdownWait;
    if (pending !== null) {
      if (waiter !== null) this.blockOnShutdown(pending, waiter);
      return 'waiting';
    }
    this.log.warning('User requested shutdown...');
    const timeout = this.config.get('shutdown-timeout');
    if (!options.now && timeout !== 0 && !this.replication.readyToShutdown()) {
      // GETACK first: a paused server sends nothing into the stream.
      if (this.pause === null) this.replication.sendGetAck();
      let pause: PauseState | null = null;
      if (this.pause === null) {
        pause = { mode: 'write', until: Infinity };
        this.pause = pause;
      }
      const wait: ShutdownWait = {
        options,
        deadline: Date.now() + timeout * 1000,
        clients: [],
        pause,
      };
      this.shutdownWait = wait;
      if (waiter !== null) this.blockOnShutdown(wait, waiter);
      this.log.notice('Waiting for replicas before shutting down.');
      return 'waiting';
    }
    return this.finishShutdown(options) ? 'exiting' : 'failed';
  }

  /** Set while a shutdown waits for lagging replicas. */
  private shutdownWait: ShutdownWait | null = null;

  private blockOnShutdown(wait: ShutdownWait, c: Client): void {
    const state = this.blocking.block(c, 'shutdown', [], 0, () => {});
    wait.clients.push({ client: c, state });
  }

  /**
   * The cron (and every replica ACK) finishes a waiting shutdown once every
   * replica caught up or the deadline passed; if the final save then fails
   * (without FORCE) the shutdown is cancelled as SHUTDOWN ABORT would.
   */
  checkShutdownWait(now: number): void {
    const wait = this.shutdownWait;
    if (wait === null) return;
    if (now < wait.deadline && !this.replication.readyToShutdown()) return;
    this.shutdownWait = null;
    if (this.finishShutdown(wait.options)) return;
    this.cancelShutdownWait(wait);
  }

  /** SHUTDOWN ABORT: false when no shutdown is waiting. */
  abortShutdown(): boolean {
    const wait = this.shutdownWait;
    if (wait === null) return false;
    this.shutdownWait = null;
    this.cancelShutdownWait(wait);
    this.log.warning('Shutdown manually aborted.');
    return true;
  }

  /** cancelShutdown: the blocked SHUTDOWNs get an error, writes resume. */
  private cancelShutdownWait(wait: ShutdownWait): void {
    for (const { client, state } of wait.clients) {
      this.blocking.complete(client, state, (c) =>
        c.reply.error('ERR Errors trying to SHUTDOWN. Check logs.'),
      );
    }
    if (wait.pause !== null && this.pause === wait.pause) this.unpause();
  }

  /**
   * finishShutdown: logs the replicas still lagging, stops a background
   * save, writes the final snapshot when save points exist (or SAVE was
   * asked), then lets main.ts close everything and exit. Returns false, with
   * the server still running, when that save failed and FORCE was not given.
   */
  private finishShutdown(options: ShutdownOptions): boolean {
    this.replication.logShutdownLag();
    if (this.persistence.killBackgroundSave())
      this.log.warning('There is a child saving an .rdb. Killing it!');
    if (options.save || (!options.nosave && this.config.get('save').length > 0)) {
      this.log.notice('Saving the final RDB snapshot before exiting.');
      if (!this.persistence.saveSync()) {
        if (!options.force) {
          this.log.warning("Error trying to save the DB, can't exit.");
          this.log.warning(
            'Errors trying to shut down the server. Check the logs for more information.',
          );
          return false;
        }
        this.log.warning('Error trying to save the DB. Exit anyway.');
      }
    }
    this.shuttingDown = true;
    this.onShutdownRequest?.();
    return true;
  }

  /** enable-debug-command: yes, no, or local (loopback and unix socket only). */
  debugCommandAllowed(c: Client): boolean {
    const setting = this.config.get('enable-debug-command');
    if (setting === 'yes') return true;
    if (setting === 'local') return c.unixPath !== null || isLoopback(c.socket.remoteAddress);
    return false;
  }

  authRequired(): boolean {
    return this.requirePass !== '';
  }

  /** Opens the TCP listeners (and the unix socket) or throws ListenError. */
  async listen(): Promise<void> {
    const port = this.config.get('port');
    this.tcpPort = port;
    if (port !== 0) {
      this.listeners = await this.openTcpListeners(this.config.get('bind'), port);
    }
    const unixPath = this.config.get('unixsocket');
    if (unixPath !== '') {
      this.unixListener = await this.openUnixListener(unixPath, this.config.get('unixsocketperm'));
    }
    this.cron = startCron(this);
  }

  /** Actual TCP port (useful when tests bind port 0 through the API). */
  boundPort(): number {
    const address = this.listeners[0]?.address();
    return typeof address === 'object' && address !== null ? address.port : this.tcpPort;
  }

  private async openTcpListeners(bind: string[], port: number): Promise<net.Server[]> {
    const opened: net.Server[] = [];
    for (const spec of bind) {
      const optional = spec.startsWith('-');
      const raw = optional ? spec.slice(1) : spec;
      const host = raw === '*' ? '0.0.0.0' : raw === '::*' ? '::' : raw;
      try {
        opened.push(await this.listenOn({ host, port, ipv6Only: host.includes(':') }));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        // A `-` address may be missing on this host (e.g. no IPv6): skip it.
        if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EINVAL'))
          continue;
        for (const s of opened) s.close();
        const reason = code === 'EADDRINUSE' ? 'Address already in use' : (err as Error).message;
        this.log.warning(
          `Warning: Could not create server TCP listening socket ${raw}:${port}: bind: ${reason}`,
        );
        throw new ListenError(`Failed listening on port ${port} (tcp), aborting.`);
      }
    }
    if (opened.length === 0) {
      throw new ListenError(`Failed listening on port ${port} (tcp), aborting.`);
    }
    return opened;
  }

  private async openUnixListener(path: string, perm: number): Promise<net.Server> {
    try {
      unlinkSync(path);
    } catch {
      // No stale socket file: fine.
    }
    try {
      const server = await this.listenOn({ path });
      if (perm !== 0) chmodSync(path, perm);
      // main.ts logs "ready to accept connections at <path>" once start-up is done.
      return server;
    } catch (err) {
      this.log.warning(`Failed opening Unix socket: ${(err as Error).message}`);
      throw new ListenError('Failed listening on unix socket, aborting.');
    }
  }

  private listenOn(options: net.ListenOptions): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      // pauseOnConnect: accept() re-wraps the handle to read into the shared
      // buffer, so the socket net creates must not start reading itself.
      const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) =>
        this.accept(socket, options.path ?? null),
      );
      server.once('error', reject);
      server.listen({ ...options, backlog: this.config.get('tcp-backlog') }, () => {
        server.off('error', reject);
        server.on('error', (err) =>
          this.log.warning(`Accepting client connection: ${err.message}`),
        );
        resolve(server);
      });
    });
  }

  private accept(accepted: net.Socket, unixPath: string | null): void {
    this.stats.totalConnectionsReceived++;
    if (this.shuttingDown) {
      accepted.destroy();
      return;
    }
    if (this.clients.size >= this.config.get('maxclients')) {
      this.stats.rejectedConnections++;
      accepted.end(MAX_CLIENTS_REACHED);
      return;
    }
    if (
      unixPath === null &&
      this.config.get('protected-mode') &&
      !this.authRequired() &&
      !isLoopback(accepted.remoteAddress)
    ) {
      this.stats.rejectedConnections++;
      accepted.end(PROTECTED_MODE_DENIED);
      return;
    }
    let client: Client | null = null;
    const socket = this.readIntoSharedBuffer(accepted, (length) => {
      if (client !== null) this.onRead(client, length);
    });
    if (unixPath === null) {
      const keepAlive = this.config.get('tcp-keepalive');
      if (keepAlive > 0) socket.setKeepAlive(true, keepAlive * 1000);
    }
    const created = new Client(this.nextClientId++, socket, this, unixPath);
    client = created;
    created.reply.onError = (code) => this.stats.countError(code);
    this.clients.set(created.id, created);
    socket.on('error', () => created.kill());
    socket.on('close', () => {
      if (!created.closed) {
        created.closed = true;
        this.unlinkClient(created);
      }
    });
  }

  /**
   * Re-wraps an accepted connection's handle in a socket that reads straight
   * into this server's shared read buffer (net's `onread` option) instead of
   * through a readable stream. That skips a 64KB allocation and the stream
   * machinery on every read, which is most of the per-request overhead at
   * pipeline depth 1 (measured: docs/performance.md). The parser copies what
   * it must keep before the next read reuses the buffer.
   */
  private readIntoSharedBuffer(accepted: net.Socket, onRead: (length: number) => void): net.Socket {
    const handle = (accepted as unknown as { _handle: unknown })._handle;
    const options = {
      handle,
      onread: {
        buffer: this.readBuffer,
        callback: (length: number): boolean => {
          onRead(length);
          return true;
        },
      },
    };
    return new net.Socket(options as net.SocketConstructorOpts);
  }

  private onRead(c: Client, length: number): void {
    if (c.closed) return;
    const chunk = this.readBuffer.subarray(0, length);
    this.stats.netInputBytes += length;
    this.stats.totalReadsProcessed++;
    c.lastInteraction = Date.now();
    c.parser.feed(chunk);
    // One clock reading per read: every command of the batch sees the same
    // time, as every command of a Redis event-loop iteration does.
    this.keyspace.freezeTime();
    this.batchClock = performance.now();
    this.processInput(c);
    this.batchClock = 0;
    this.keyspace.unfreezeTime();
    if (c.parser.holdsInput) c.parser.detach();
    if (!c.closed && c.parser.pendingBytes > this.config.get('client-query-buffer-limit')) {
      this.log.warning(
        `Closing client that reached max query buffer length: ${this.describeClient(c)}`,
      );
      c.kill();
      return;
    }
    c.flush();
    if (this.pendingFlush.size > 0) this.flushPending();
  }

  /**
   * Runs every complete command buffered for the client, stopping early when
   * the client closes, is held by CLIENT PAUSE or blocks (BLPOP...).
   */
  processInput(c: Client): void {
    while (!c.closed && !c.closeAfterReply && c.heldArgv === null && c.blocked === null) {
      let argv: Buffer[] | null;
      // Unauthenticated clients get Redis's tighter header limits.
      c.parser.authRequired = !c.authenticated;
      try {
        argv = c.parser.next();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.log.verbose(`Protocol error (${err.message}) from client: ${this.describeClient(c)}`);
        c.reply.error(err.message);
        c.closeAfterReply = true;
        break;
      }
      if (argv === null) break;
      if (argv.length === 0) continue;
      dispatch(this, c, argv);
    }
  }

  /**
   * Runs the commands a client pipelined behind a blocking command, once that
   * command was answered (served, timed out or CLIENT UNBLOCK).
   */
  resumeInput(c: Client): void {
    if (c.closed || c.blocked !== null || c.heldArgv !== null) return;
    const froze = this.keyspace.freezeTime();
    this.processInput(c);
    if (froze) this.keyspace.unfreezeTime();
    c.flush();
    if (this.pendingFlush.size > 0) this.flushPending();
  }

  /**
   * The client that executes the master's replication stream, on the
   * replica link's socket (which the link reads itself). Its replies are
   * discarded and it passes the checks a master's commands skip.
   */
  createMasterClient(socket: net.Socket): Client {
    const c = new Client(this.nextClientId++, socket, this, null);
    c.clientClass = 'master';
    c.authenticated = true;
    c.reply.muted = true;
    c.reply.onError = (code, message) => {
      this.stats.countError(code);
      // The master's stream failing here means the datasets now differ.
      this.log.warning(
        `== CRITICAL == This replica is sending an error to its master: '${message}' after processing the command '${c.lastCommand?.fullName ?? '<unknown>'}'`,
      );
    };
    this.clients.set(c.id, c);
    return c;
  }

  /** Queues a client whose replies were produced outside its own read. */
  scheduleFlush(c: Client): void {
    this.pendingFlush.add(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
  }

  private flushPending(): void {
    this.flushScheduled = false;
    for (const c of this.pendingFlush) c.flush();
    this.pendingFlush.clear();
  }

  /** Called by Client when its connection ends, whatever the reason. */
  unlinkClient(c: Client): void {
    this.clients.delete(c.id);
    if (c.multi !== null || c.watched.length > 0) discardTransaction(c);
    if (c.subscribed) this.pubsub.unsubscribeAll(c);
    if (c.blocked !== null) this.blocking.forget(c);
    if (c.replica !== null) this.replication.clientGone(c);
    if (c.clientClass === 'master') this.replicaLink.masterGone(c);
    this.monitors.delete(c);
    this.pendingFlush.delete(c);
    const held = this.pausedClients.indexOf(c);
    if (held !== -1) this.pausedClients.splice(held, 1);
  }

  /**
   * client-output-buffer-limit: a client whose unsent output passes the hard
   * limit, or stays over the soft limit for the configured seconds, is closed.
   */
  enforceOutputLimits(c: Client, heldBytes = 0): void {
    // The master client has no class of its own here, as in Redis.
    const limits = this.config.get('client-output-buffer-limit')[
      c.clientClass === 'master' ? 'normal' : c.clientClass
    ];
    if (limits.hard === 0 && limits.soft === 0) return;
    // heldBytes: output kept outside the socket (a syncing replica's stream).
    const used = c.socket.writableLength + heldBytes;
    let exceeded = limits.hard !== 0 && used >= limits.hard;
    if (!exceeded && limits.soft !== 0 && used >= limits.soft) {
      const now = Date.now();
      if (c.softLimitSince === 0) c.softLimitSince = now;
      else if (now - c.softLimitSince >= limits.softSeconds * 1000) exceeded = true;
    } else if (used < limits.soft) {
      c.softLimitSince = 0;
    }
    if (exceeded) {
      this.log.warning(
        `Client ${this.describeClient(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
      );
      c.kill();
    }
  }

  /** The `id=... addr=...` description Redis uses in logs and CLIENT LIST. */
  describeClient(c: Client): string {
    return describeClient(this, c);
  }

  /** Releases clients held by CLIENT PAUSE once it ends or is lifted. */
  unpauseIfExpired(now: number): void {
    if (this.pause !== null && now >= this.pause.until) this.unpause();
  }

  unpause(): void {
    this.pause = null;
    const held = this.pausedClients.splice(0);
    for (const c of held) {
      if (c.closed || c.heldArgv === null) continue;
      const argv = c.heldArgv;
      c.heldArgv = null;
      dispatch(this, c, argv);
      this.processInput(c);
      c.flush();
    }
  }

  /** Selected database for a client, validated by SELECT. */
  database(index: number): Database {
    return this.keyspace.databases[index]!;
  }

  writePidFile(): void {
    const path = this.config.get('pidfile');
    if (path === '') return;
    try {
      writeFileSync(path, `${process.pid}\n`);
    } catch (err) {
      this.log.warning(`Failed to write PID file: ${(err as Error).message}`);
    }
  }

  /**
   * Closes listeners and clients and removes the pid file and unix socket.
   * Saving and replica catch-up hook in here as those features land.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.persistence.killBackgroundSave();
    this.cron?.stop();
    for (const s of this.listeners) s.close();
    this.unixListener?.close();
    for (const c of [...this.clients.values()]) {
      c.flush();
      c.kill();
    }
    const pidfile = this.config.get('pidfile');
    if (pidfile !== '') {
      this.log.notice('Removing the pid file.');
      try {
        unlinkSync(pidfile);
      } catch {
        // Already gone.
      }
    }
    const unixPath = this.config.get('unixsocket');
    if (unixPath !== '') {
      this.log.notice('Removing the unix socket file.');
      try {
        unlinkSync(unixPath);
      } catch {
        // Already gone.
      }
    }
  }

  private installConfigHooks(): void {
    this.config.onApply('requirepass', (value) => {
      this.requirePass = value;
      return null;
    });
    this.config.onApply('loglevel', (value) => {
      this.log.level = value;
      return null;
    });
    this.config.onApply('logfile', (value) => {
      try {
        this.log.setFile(value);
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    });
    this.config.onApply('proto-max-bulk-len', (value) => {
      for (const c of this.clients.values()) c.parser.maxBulkLen = value;
      return null;
    });
    this.config.onApply('slowlog-log-slower-than', (value) => {
      this.slowlogThresholdUs = value;
      return null;
    });
    this.config.onApply('notify-keyspace-events', (value) => {
      this.notifyFlags = value;
      return null;
    });
    this.config.onApply('slowlog-max-len', (value) => {
      this.slowlog.trim(value);
      return null;
    });
    // Re-binding listeners is asynchronous in Node while CONFIG SET must
    // answer now; until that is built, a runtime change is refused (and
    // rolled back) rather than reported as done.
    this.config.onApply(
      'port',
      () =>
        'changing the listening port at runtime is not supported yet; set it in the config file',
    );
    this.config.onApply(
      'bind',
      () => 'changing bind addresses at runtime is not supported yet; set them in the config file',
    );
    this.config.onApply('dir', (value) => {
      // As Redis: `dir` is the working directory, so relative paths follow it.
      try {
        process.chdir(value);
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    });
    const limits: Array<[Parameters<Config['onApply']>[0], keyof typeof encodingLimits]> = [
      ['hash-max-listpack-entries', 'hashMaxListpackEntries'],
      ['hash-max-listpack-value', 'hashMaxListpackValue'],
      ['set-max-intset-entries', 'setMaxIntsetEntries'],
      ['zset-max-listpack-entries', 'zsetMaxListpackEntries'],
      ['zset-max-listpack-value', 'zsetMaxListpackValue'],
      ['list-max-listpack-size', 'listMaxListpackSize'],
    ];
    for (const [option, field] of limits) {
      encodingLimits[field] = this.config.get(option) as number;
      this.config.onApply(option, (value) => {
        encodingLimits[field] = value as number;
        return null;
      });
    }
    this.config.onApply('repl-backlog-size', (value) => {
      this.replication.resizeBacklog(value);
      return null;
    });
    this.config.onApply('hz', () => {
      this.cron?.reschedule();
      return null;
    });
  }
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

export function describeClient(server: Server, c: Client): string {
  const now = Date.now();
  const flags = clientFlags(server, c);
  const subs = c.channels?.size ?? 0;
  const psubs = c.patterns?.size ?? 0;
  const ssubs = c.shardChannels?.size ?? 0;
  const multi = c.multi === null ? -1 : c.multi.queue.length;
  const cmd = c.lastCommand === null ? 'NULL' : c.lastCommand.fullName;
  const qbuf = c.parser.pendingBytes;
  const obl = c.reply.bufferedBytes;
  const omem = c.socket.writableLength;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} ` +
    `flags=${flags} db=${c.dbIndex} sub=${subs} psub=${psubs} ssub=${ssubs} multi=${multi} qbuf=${qbuf} qbuf-free=${Math.max(0, 20474 - qbuf)} ` +
    `argv-mem=0 multi-mem=0 rbs=${c.reply.bufferCapacity} rbp=${c.reply.bufferCapacity} obl=${obl} oll=0 omem=${omem} ` +
    `tot-mem=${qbuf + c.reply.bufferCapacity + omem} events=r cmd=${cmd} user=${c.user} redir=-1 resp=${c.reply.resp}`
  );
}

function clientFlags(server: Server, c: Client): string {
  let flags = '';
  if (c.clientClass === 'replica') flags += 'S';
  if (c.clientClass === 'master') flags += 'M';
  if (c.monitor) flags += 'O';
  if (c.subscribed) flags += 'P';
  if (c.multi !== null) flags += 'x';
  if (c.blocked !== null || c.heldArgv !== null || server.pausedClients.includes(c)) flags += 'b';
  if (c.dirtyCas) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  if (c.unixPath !== null) flags += 'U';
  return flags === '' ? 'N' : flags;
}
