import { openSync, fstatSync, createReadStream, closeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { BlockState } from '../server/blocking.js';
import type { ServerStats } from '../server/stats.js';
import type { SnapshotSink } from '../persistence/snapshot.js';
import type { RdbAuxInfo } from '../persistence/rdb-writer.js';
import { ReplicationBacklog } from './backlog.js';
import { ByteQueue } from './byte-queue.js';
import { Propagator, type StreamTarget } from './propagate.js';

/**
 * The master side of Redis replication (replication.c), for replicas such as
 * redis-server 7.0 started with `replicaof`, or `redis-cli --replica`.
 *
 * Protocol. A replica connects like a client and sends PING, then
 * `REPLCONF listening-port <port>` (and maybe `ip-address`), `REPLCONF capa
 * eof capa psync2`, then `PSYNC <replid> <offset>` (`PSYNC ? -1` the first
 * time; old replicas send SYNC). From then on the connection carries the
 * replication stream one way and `REPLCONF ACK <offset>` every second the
 * other way.
 *
 * Replication ids and offsets (PSYNC2). The stream is identified by
 * master_replid and every byte of it has an offset; master_repl_offset is
 * the last one. A replica that was in sync with history H up to offset O can
 * resume (+CONTINUE) if we still speak history H at O: either H is our
 * master_replid, or H is master_replid2 (the id we had before a promotion)
 * and O <= second_repl_offset (where the two histories fork), and the
 * backlog still holds every byte after O. Otherwise it gets a full resync:
 * `+FULLRESYNC <replid> <offset>`, an RDB of the dataset as of that offset,
 * then the stream from offset + 1. The first replica to attach creates the
 * backlog, and with it a fresh replid (history before that point cannot be
 * served anyway); freeing the backlog after repl-backlog-ttl changes the id
 * again so that no replica resumes from a history we no longer hold.
 *
 * Full resync, per replica, with Redis's state names:
 *   wait_bgsave_start  waiting for a snapshot it can use (one may be running
 *                      for something else, or diskless sync is delaying)
 *   wait_bgsave_end    +FULLRESYNC sent; the snapshot is being produced; the
 *                      stream from its offset is buffered for this replica
 *   send_bulk          (disk) the finished file is being sent as `$<len>`
 *   online             streaming; after a diskless transfer, the buffered
 *                      stream is held back until the replica's first ACK
 *                      says it has loaded the RDB (repl_start_cmd_stream_on_ack)
 * Disk: a BGSAVE (persistence.ts) whose file is then sent; replicas arriving
 * while it runs attach to it by copying the buffer of one already waiting.
 * Diskless: one Snapshot whose sink writes `$EOF:<mark>` + RDB + mark to
 * every replica of that transfer, paced by the slowest socket.
 *
 * The snapshot is point-in-time at its start, which happens synchronously
 * right after +FULLRESYNC <offset> is sent, so the RDB plus the stream after
 * <offset> is exactly the dataset; nothing can run in between.
 *
 * Consistency controls (replication stays asynchronous; these only narrow
 * the window in which an acknowledged write exists on the master alone):
 *   WAIT n t           blocks the client until n online replicas acked its
 *                      last write offset (c.woff), or t ms; a WAIT that
 *                      blocks makes the next "before sleep" turn put
 *                      `REPLCONF GETACK *` in the stream so acks come at once
 *   min-replicas-*     the cron counts online replicas whose last ACK is at
 *                      most min-replicas-max-lag seconds old; below
 *                      min-replicas-to-write the dispatcher answers writes
 *                      with NOREPLICAS (writesRefused)
 */

export type ReplicaState =
  'handshake' | 'wait_bgsave_start' | 'wait_bgsave_end' | 'send_bulk' | 'online';

/** A connected replica (or a client that started the handshake with REPLCONF). */
export class Replica {
  /** 'handshake' is before SYNC/PSYNC: a plain client that said REPLCONF. */
  state: ReplicaState = 'handshake';
  listeningPort = 0;
  announcedIp = '';
  capaEof = false;
  capaPsync2 = false;
  /** SYNC (not PSYNC): no +FULLRESYNC line. */
  oldProtocol = false;
  /** REPLCONF rdb-only 1 (redis-cli --rdb): only the snapshot, then close. */
  rdbOnly = false;
  ackOffset = 0;
  ackTime = Date.now();
  /** Stream bytes held while the replica cannot take them yet. */
  readonly pending = new ByteQueue();
  /** Stream bytes for an online replica, written once per event-loop turn. */
  outQueue: Buffer[] = [];
  outBytes = 0;
  /** The offset the full resync started from (+FULLRESYNC). */
  initialOffset = 0;
  /** After a diskless transfer, streaming starts at the first ACK. */
  startStreamOnAck = false;
  /** The snapshot job producing this replica's RDB. */
  job: SyncJob | null = null;
  /** When this replica started waiting (diskless delay). */
  waitingSince = Date.now();
  /** Diskless transfer: bytes the socket still held at the last cron, and when it last drained some. */
  transferQueued = 0;
  transferProgressAt = Date.now();

  constructor(readonly client: Client) {}

  /** replicationGetSlaveName: `ip:listening-port`. */
  get name(): string {
    const ip = this.announcedIp !== '' ? this.announcedIp : this.client.addr.replace(/:\d+$/, '');
    return this.listeningPort !== 0
      ? `${ip}:${this.listeningPort}`
      : `${ip}:<unknown-replica-port>`;
  }

  get ip(): string {
    return this.announcedIp !== '' ? this.announcedIp : this.client.addr.replace(/:\d+$/, '');
  }
}

/** One snapshot serving full resyncs: to disk (then sent) or to sockets. */
interface SyncJob {
  target: 'disk' | 'socket';
  offset: number;
  replicas: Set<Replica>;
}

/** A client blocked in WAIT (an entry of Redis's clients_waiting_acks). */
interface AckWaiter {
  client: Client;
  state: BlockState;
  /** The client's woff when it blocked: the offset replicas must reach. */
  offset: number;
  numreplicas: number;
}

const GETACK = [Buffer.from('REPLCONF'), Buffer.from('GETACK'), Buffer.from('*')];

/** What a PSYNC request gets: +CONTINUE, or a full resync and why. */
export type PsyncDecision =
  | { kind: 'continue' }
  | {
      kind: 'full';
      reason: 'requested' | 'id-mismatch' | 'second-id-offset' | 'no-backlog' | 'offset-ahead';
    };

/** The replication history a master holds, as masterTryPartialResynchronization sees it. */
export interface PsyncState {
  replid: string;
  replid2: string;
  secondReplOffset: number;
  masterReplOffset: number;
  backlog: { firstByteOffset: number; histlen: number } | null;
}

/**
 * Redis's PSYNC rule (masterTryPartialResynchronization), separate so it is
 * tested alone. `offset` is the next byte the replica needs.
 */
export function decidePsync(state: PsyncState, replid: string, offset: number): PsyncDecision {
  if (replid === '?') return { kind: 'full', reason: 'requested' };
  if (replid !== state.replid) {
    if (replid !== state.replid2) return { kind: 'full', reason: 'id-mismatch' };
    if (offset > state.secondReplOffset) return { kind: 'full', reason: 'second-id-offset' };
  }
  const b = state.backlog;
  if (b === null || offset < b.firstByteOffset || offset > b.firstByteOffset + b.histlen) {
    return {
      kind: 'full',
      reason: offset > state.masterReplOffset + 1 ? 'offset-ahead' : 'no-backlog',
    };
  }
  return { kind: 'continue' };
}

const NULL_REPLID = '0'.repeat(40);
/** Above this many queued bytes on a replica socket, a diskless transfer waits. */
const SOCKET_HIGH_WATER = 1024 * 1024;
const NEWLINE = Buffer.from('\n');
const PING = [Buffer.from('PING')];
const EOF_MARK_SIZE = 40;

export class ReplicationMaster implements StreamTarget {
  replid = randomBytes(20).toString('hex');
  replid2 = NULL_REPLID;
  masterReplOffset = 0;
  secondReplOffset = -1;
  backlog: ReplicationBacklog | null = null;
  readonly replicas: Replica[] = [];
  readonly propagator: Propagator;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** When the last replica left (repl-backlog-ttl counts from here). */
  private noReplicasSince = Date.now();
  private job: SyncJob | null = null;
  private lastPing = 0;
  private lastNewline = 0;
  /** Set while this server is a replica (see setProxying). */
  private proxying = false;
  /**
   * repl_good_slaves_count: online replicas whose last ACK is at most
   * min-replicas-max-lag seconds old, refreshed by the cron and when a
   * replica comes online or goes away (refreshGoodSlavesCount).
   */
  goodReplicas = 0;
  /**
   * True while min-replicas-to-write is set and not met: the dispatcher
   * refuses writes with NOREPLICAS. A field, so the hot path reads one boolean.
   */
  writesRefused = false;
  private minReplicasToWrite = 0;
  private minReplicasMaxLag = 10;
  /** Clients blocked in WAIT, in blocking order. */
  private ackWaiters: AckWaiter[] = [];
  /** Some client started waiting this turn: GETACK goes out before sleeping. */
  private getAckRequested = false;
  /** Replicas with stream bytes queued this turn (see write). */
  private queuedReplicas: Replica[] = [];
  private streamFlushScheduled = false;
  private beforeSleepScheduled = false;

  constructor(private readonly server: Server) {
    this.propagator = new Propagator(this);
    // The server's config is not assigned yet while its fields initialise
    // (this object is one of them): read it once construction is over,
    // before any client can connect.
    queueMicrotask(() => this.watchConfig());
  }

  /** updateGoodSlaves: a CONFIG SET takes effect for the very next write. */
  private watchConfig(): void {
    const config = this.server.config;
    this.minReplicasToWrite = config.get('min-replicas-to-write');
    this.minReplicasMaxLag = config.get('min-replicas-max-lag');
    config.onApply('min-replicas-to-write', (value) => {
      this.minReplicasToWrite = value;
      this.refreshGoodReplicas(Date.now());
      return null;
    });
    config.onApply('min-replicas-max-lag', (value) => {
      this.minReplicasMaxLag = value;
      this.refreshGoodReplicas(Date.now());
      return null;
    });
    this.refreshGoodReplicas(Date.now());
  }

  private get log(): Server['log'] {
    return this.server.log;
  }

  /** The replication stream: into the backlog, then to each replica by state. */
  feed(chunk: Buffer): void {
    const backlog = this.backlog;
    if (backlog === null) return;
    backlog.append(chunk);
    this.masterReplOffset = backlog.endOffset;
    for (const r of this.replicas) {
      // A replica waiting for a snapshot to start gets the stream from that
      // snapshot's offset on: nothing before it.
      if (r.state === 'wait_bgsave_start' || r.state === 'handshake') continue;
      if (r.state === 'online' && !r.startStreamOnAck) {
        this.write(r, chunk);
      } else {
        r.pending.append(chunk);
      }
      this.checkOutputLimit(r);
    }
  }

  /**
   * Queues stream bytes for a replica. One socket write per propagated
   * command was most of a master's CPU under pipelined writes (SET -P 16
   * fell to 0.2× with one replica); the queue goes out as one write per
   * replica per event-loop turn, as Redis writes a replica's buffer once per
   * loop iteration.
   */
  private write(r: Replica, data: Buffer): void {
    if (r.client.closed) return;
    if (r.outQueue.length === 0) this.queuedReplicas.push(r);
    r.outQueue.push(data);
    r.outBytes += data.length;
    const stats = this.server.stats;
    stats.netOutputBytes += data.length;
    stats.netReplOutputBytes += data.length;
    if (!this.streamFlushScheduled) {
      this.streamFlushScheduled = true;
      setImmediate(this.flushStreams);
    }
  }

  private readonly flushStreams = (): void => {
    this.streamFlushScheduled = false;
    const queued = this.queuedReplicas;
    this.queuedReplicas = [];
    for (const r of queued) {
      const chunks = r.outQueue;
      const bytes = r.outBytes;
      r.outQueue = [];
      r.outBytes = 0;
      const c = r.client;
      if (c.closed || chunks.length === 0) continue;
      // Replies still in the client's buffer (+FULLRESYNC, +CONTINUE) go first.
      c.flush();
      c.socket.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes));
      this.checkOutputLimit(r);
    }
  };

  /** client-output-buffer-limit replica, counting what we hold for it too. */
  private checkOutputLimit(r: Replica): void {
    if (!r.client.closed) this.server.enforceOutputLimits(r.client, r.pending.length);
  }

  /** The Replica record of a client, created at its first REPLCONF/SYNC. */
  replicaOf(c: Client): Replica {
    if (c.replica === null) c.replica = new Replica(c);
    return c.replica;
  }

  psyncState(): PsyncState {
    return {
      replid: this.replid,
      replid2: this.replid2,
      secondReplOffset: this.secondReplOffset,
      masterReplOffset: this.masterReplOffset,
      backlog:
        this.backlog === null
          ? null
          : { firstByteOffset: this.backlog.firstByteOffset, histlen: this.backlog.histlen },
    };
  }

  /** SYNC and PSYNC (syncCommand). */
  sync(c: Client, argv: Buffer[]): void {
    const existing = c.replica;
    // A replica's repeated SYNC is ignored, as Redis does.
    if (existing !== null && existing.state !== 'handshake') return;
    // A replica serves sub-replicas only the history it holds in full.
    const link = this.server.replicaLink;
    if (link.isReplica && link.state !== 'connected') {
      c.reply.error("NOMASTERLINK Can't SYNC while not connected with my master");
      return;
    }
    const r = this.replicaOf(c);
    this.log.notice(`Replica ${r.name} asks for synchronization`);
    const isPsync = argv[0]!.toString('latin1').toLowerCase() === 'psync';
    if (isPsync) {
      const replid = argv[1]!.toString('latin1');
      const offsetText = argv[2]!.toString('latin1');
      if (!/^-?\d{1,18}$/.test(offsetText)) {
        c.reply.error('ERR value is not an integer or out of range');
        return;
      }
      if (this.tryPartial(r, replid, Number(offsetText))) {
        this.syncPartialOk++;
        return;
      }
      if (replid !== '?') this.syncPartialErr++;
    } else {
      r.oldProtocol = true;
    }
    this.syncFull++;
    this.attach(r);
    r.state = 'wait_bgsave_start';
    r.waitingSince = Date.now();
    if (this.replicas.length === 1 && this.backlog === null) {
      this.replid = randomBytes(20).toString('hex');
      this.clearReplid2();
      this.createBacklog();
      this.log.notice(
        `Replication backlog created, my new replication IDs are '${this.replid}' and '${this.replid2}'`,
      );
    }
    const persistence = this.server.persistence;
    const job = this.job;
    if (persistence.bgsaveInProgress) {
      // Attach to a disk snapshot made for another replica: its buffer is ours.
      const donor =
        job !== null && job.target === 'disk'
          ? this.replicas.find((o) => o !== r && o.job === job && o.state === 'wait_bgsave_end')
          : undefined;
      if (donor !== undefined && job !== null) {
        r.pending.copyFrom(donor.pending);
        this.setupFullResync(r, job);
        this.log.notice('Waiting for end of BGSAVE for SYNC');
      } else {
        this.log.notice(
          "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC",
        );
      }
      return;
    }
    if (this.diskless() && r.capaEof && this.server.config.get('repl-diskless-sync-delay') > 0) {
      this.log.notice('Delay next BGSAVE for diskless SYNC');
      return;
    }
    this.startSync();
  }

  private diskless(): boolean {
    return this.server.config.get('repl-diskless-sync');
  }

  private attach(r: Replica): void {
    const c = r.client;
    c.clientClass = 'replica';
    // Fewer, bigger packets at the price of latency, as the operator asked.
    if (this.server.config.get('repl-disable-tcp-nodelay')) c.socket.setNoDelay(false);
    if (!this.replicas.includes(r)) this.replicas.push(r);
  }

  /** Also used by tests to make the stream observable without a replica. */
  createBacklog(): void {
    this.backlog = new ReplicationBacklog(
      this.server.config.get('repl-backlog-size'),
      this.masterReplOffset,
    );
    this.propagator.active = !this.proxying;
    this.propagator.streamDb = -1;
  }

  /**
   * A replica proxies its master's stream (feedProxy) and encodes nothing
   * of its own: only a top-level master propagates, so that every node of
   * a chain holds byte-identical history (replicationFeedSlaves returns at
   * once on a replica).
   */
  setProxying(on: boolean): void {
    this.proxying = on;
    this.propagator.reset();
    this.propagator.active = !on && this.backlog !== null;
    // A promoted replica's next command says its database.
    this.propagator.streamDb = -1;
  }

  /** The master's bytes, as applied by this replica (replicationFeedStreamFromMasterStream). */
  feedProxy(bytes: Buffer): void {
    if (this.backlog === null) this.createBacklog();
    this.server.stats.netReplInputBytes += bytes.length;
    this.feed(bytes);
  }

  /** After a full sync from our master: its id and offset are now ours. */
  adoptHistory(replid: string, offset: number): void {
    this.replid = replid;
    this.clearReplid2();
    this.masterReplOffset = offset;
    this.backlog = null;
    this.createBacklog();
  }

  /** replicationAttachToNewMaster: the old history cannot be served any more. */
  freeBacklog(): void {
    this.backlog = null;
    this.propagator.active = false;
    this.propagator.reset();
  }

  /**
   * shiftReplicationId, at a promotion: the history so far stays valid
   * under the old id up to offset + 1, so former peers can PSYNC with it.
   */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.replid = randomBytes(20).toString('hex');
    this.log.warning(
      `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replid}`,
    );
  }

  /**
   * rdbPopulateSaveInfo: what a dump records of our place in the
   * replication history, so that a replica restarted from it can PSYNC
   * instead of syncing in full. A master records it only while it has a
   * backlog (otherwise nobody could continue from it); a replica while it
   * knows which database its master's stream is in. Null: nothing recorded.
   */
  saveInfo(): Pick<RdbAuxInfo, 'replId' | 'replOffset' | 'replStreamDb'> | null {
    const link = this.server.replicaLink;
    let streamDb: number | null;
    if (!link.isReplica) {
      // -1 means no write since the last sync: the next one will say its db.
      streamDb = this.backlog === null ? null : Math.max(this.propagator.streamDb, 0);
    } else {
      streamDb = link.savedStreamDb;
    }
    if (streamDb === null) return null;
    return { replId: this.replid, replOffset: this.masterReplOffset, replStreamDb: streamDb };
  }

  /** disconnectSlaves: they come back and PSYNC against the new state. */
  disconnectReplicas(): void {
    for (const r of this.replicas.slice()) r.client.kill();
  }

  private clearReplid2(): void {
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
  }

  /** masterTryPartialResynchronization: true when +CONTINUE was sent. */
  private tryPartial(r: Replica, replid: string, offset: number): boolean {
    const decision = decidePsync(this.psyncState(), replid, offset);
    if (decision.kind === 'full') {
      switch (decision.reason) {
        case 'requested':
          this.log.notice(`Full resync requested by replica ${r.name}`);
          break;
        case 'id-mismatch':
          this.log.notice(
            `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replid}' and '${this.replid2}')`,
          );
          break;
        case 'second-id-offset':
          this.log.notice(
            `Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${this.secondReplOffset}`,
          );
          break;
        case 'no-backlog':
        case 'offset-ahead':
          this.log.notice(
            `Unable to partial resync with replica ${r.name} for lack of backlog (Replica request was: ${offset}).`,
          );
          if (decision.reason === 'offset-ahead')
            this.log.warning(
              `Warning: replica ${r.name} tried to PSYNC with an offset that is greater than the master replication offset.`,
            );
          break;
      }
      return false;
    }
    const backlog = this.backlog!;
    this.attach(r);
    r.state = 'online';
    r.ackTime = Date.now();
    r.startStreamOnAck = false;
    const c = r.client;
    c.reply.raw(Buffer.from(r.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : '+CONTINUE\r\n'));
    let sent = 0;
    for (const part of backlog.readFrom(offset)) {
      this.write(r, part);
      sent += part.length;
    }
    c.flush();
    this.refreshGoodReplicas(Date.now());
    this.log.notice(
      `Partial resynchronization request from ${r.name} accepted. Sending ${sent} bytes of backlog starting from offset ${offset}.`,
    );
    return true;
  }

  /** replicationSetupSlaveForFullResync: +FULLRESYNC, and buffering from `job.offset`. */
  private setupFullResync(r: Replica, job: SyncJob): void {
    r.state = 'wait_bgsave_end';
    r.job = job;
    r.initialOffset = job.offset;
    job.replicas.add(r);
    if (!r.oldProtocol) {
      r.client.reply.raw(Buffer.from(`+FULLRESYNC ${this.replid} ${job.offset}\r\n`));
      r.client.flush();
    }
  }

  /**
   * startBgsaveForReplication: one snapshot for every replica waiting to
   * start; to sockets when diskless is on and all of them understand EOF.
   */
  private startSync(): void {
    const waiting = this.replicas.filter((r) => r.state === 'wait_bgsave_start');
    if (waiting.length === 0) return;
    const socket = this.diskless() && waiting.every((r) => r.capaEof);
    const max = this.server.config.get('repl-diskless-sync-max-replicas');
    const chosen = socket && max > 0 ? waiting.slice(0, max) : waiting;
    this.log.notice(
      `Starting BGSAVE for SYNC with target: ${socket ? 'replicas sockets' : 'disk'}`,
    );
    // The next command after the snapshot point must say its database.
    this.propagator.streamDb = -1;
    const job: SyncJob = {
      target: socket ? 'socket' : 'disk',
      offset: this.masterReplOffset,
      replicas: new Set(),
    };
    for (const r of chosen) this.setupFullResync(r, job);
    // A replica's stream goes on in its master's database without a SELECT:
    // the sub-replica starts there (rdbPopulateSaveInfo).
    const link = this.server.replicaLink;
    const aux = {
      replId: this.replid,
      replOffset: job.offset,
      replStreamDb: link.isReplica ? link.streamDb : 0,
    };
    const persistence = this.server.persistence;
    let started: boolean;
    if (socket) {
      const sink = new DisklessSink(job, this.server.stats);
      started = persistence.startSocketSnapshot(sink, {
        aux,
        onDone: (err) => this.socketSyncDone(job, err),
      });
    } else {
      started = persistence.startBackgroundSave({
        aux,
        onDone: (err) => this.diskSyncDone(job, err),
      });
    }
    if (!started) {
      this.log.warning('BGSAVE for replication failed');
      for (const r of job.replicas) r.client.kill();
      return;
    }
    this.job = job;
  }

  private diskSyncDone(job: SyncJob, err: Error | null): void {
    if (this.job === job) this.job = null;
    for (const r of job.replicas) {
      if (r.client.closed || r.state !== 'wait_bgsave_end') continue;
      if (err !== null) {
        this.log.warning('SYNC failed. BGSAVE child returned an error');
        r.client.kill();
        continue;
      }
      this.sendFile(r);
    }
    // Replicas that could not attach wait for the cron to start the next one.
  }

  /** send_bulk: `$<len>\r\n` and the dump file, paced by the socket. */
  private sendFile(r: Replica): void {
    const file = path.join(process.cwd(), this.server.config.get('dbfilename'));
    let fd: number;
    let size: number;
    try {
      // Opened now: a later save renaming over the name cannot change what we send.
      fd = openSync(file, 'r');
      size = fstatSync(fd).size;
    } catch (err) {
      this.log.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${(err as Error).message}`);
      r.client.kill();
      return;
    }
    r.state = 'send_bulk';
    const c = r.client;
    this.write(r, Buffer.from(`$${size}\r\n`));
    const stream = createReadStream('', { fd, autoClose: false, highWaterMark: 64 * 1024 });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      c.socket.off('close', onClose);
      closeSync(fd);
    };
    const onClose = (): void => {
      stream.destroy();
      finish();
    };
    c.socket.once('close', onClose);
    stream.on('error', () => {
      finish();
      c.kill();
    });
    stream.on('data', (chunk) => {
      if (c.closed) {
        onClose();
        return;
      }
      const buf = chunk as Buffer;
      this.server.stats.netOutputBytes += buf.length;
      this.server.stats.netReplOutputBytes += buf.length;
      if (!c.socket.write(buf)) {
        stream.pause();
        c.socket.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => {
      finish();
      if (!c.closed) this.putOnline(r);
    });
  }

  /** putSlaveOnline: everything held for the replica goes out, then the live stream. */
  private putOnline(r: Replica): void {
    if (r.rdbOnly) {
      r.client.close();
      return;
    }
    r.state = 'online';
    r.startStreamOnAck = false;
    r.ackTime = Date.now();
    r.job = null;
    for (const part of r.pending.drain()) this.write(r, part);
    this.refreshGoodReplicas(Date.now());
    this.log.notice(`Synchronization with replica ${r.name} succeeded`);
  }

  private socketSyncDone(job: SyncJob, err: Error | null): void {
    if (this.job === job) this.job = null;
    if (err === null) this.log.notice('Background RDB transfer terminated with success');
    else this.log.warning('Background transfer error');
    for (const r of job.replicas) {
      if (r.client.closed || r.state !== 'wait_bgsave_end') continue;
      if (err !== null) {
        r.client.kill();
        continue;
      }
      if (r.rdbOnly) {
        r.client.close();
        continue;
      }
      this.log.notice(
        `Streamed RDB transfer with replica ${r.name} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`,
      );
      r.state = 'online';
      r.startStreamOnAck = true;
      r.ackTime = Date.now();
      r.job = null;
    }
    this.refreshGoodReplicas(Date.now());
  }

  /** REPLCONF ACK <offset>. */
  ack(c: Client, offset: number): void {
    const r = c.replica;
    if (r === null || r.state === 'handshake') return;
    if (offset > r.ackOffset) r.ackOffset = offset;
    r.ackTime = Date.now();
    if (r.state === 'online' && r.startStreamOnAck) this.putOnline(r);
    // Waiters are answered before the event loop sleeps, once per turn
    // however many acks arrived (processClientsWaitingReplicas).
    if (this.ackWaiters.length > 0) this.scheduleBeforeSleep();
    this.server.checkShutdownWait(Date.now());
  }

  /** isReadyToShutdown: every replica acked everything we streamed. */
  readyToShutdown(): boolean {
    for (const r of this.replicas) if (r.ackOffset !== this.masterReplOffset) return false;
    return true;
  }

  /** sendGetackToReplicas: one `REPLCONF GETACK *` into the stream now. */
  sendGetAck(): void {
    if (!this.proxying) this.propagator.raw(GETACK);
  }

  /** finishShutdown's report of the replicas that did not catch up. */
  logShutdownLag(): void {
    if (this.replicas.length === 0) return;
    const nowSec = Math.floor(Date.now() / 1000);
    let lagging = 0;
    for (const r of this.replicas) {
      if (r.ackOffset === this.masterReplOffset) continue;
      lagging++;
      const lag = r.state === 'online' ? nowSec - Math.floor(r.ackTime / 1000) : 0;
      this.log.warning(
        `Lagging replica ${r.name} reported offset ${this.masterReplOffset - r.ackOffset} behind master, lag=${lag}, state=${stateName(r.state)}.`,
      );
    }
    this.log.notice(
      `${this.replicas.length - lagging} of ${this.replicas.length} replicas are in sync when shutting down.`,
    );
  }

  /** replicationCountAcksByOffset: online replicas that acked `offset` or more. */
  countAcks(offset: number): number {
    let count = 0;
    for (const r of this.replicas) if (r.state === 'online' && r.ackOffset >= offset) count++;
    return count;
  }

  /**
   * WAIT numreplicas timeout (waitCommand): answers at once when enough
   * replicas already acked the client's last write, or inside MULTI/EXEC;
   * otherwise blocks the client (its pipeline waits, everybody else is
   * served) and asks every replica for an ACK before the loop sleeps.
   * `deadline` is absolute ms, 0 for no timeout.
   */
  wait(c: Client, numreplicas: number, deadline: number): void {
    const offset = c.woff;
    const acked = this.countAcks(offset);
    if (acked >= numreplicas || c.multi !== null || c.denyBlocking) {
      c.reply.integer(acked);
      return;
    }
    const state = this.server.blocking.block(c, 'wait', [], deadline, noServe, (blocked) =>
      blocked.reply.integer(this.countAcks(offset)),
    );
    this.ackWaiters.push({ client: c, state, offset, numreplicas });
    this.getAckRequested = true;
    this.scheduleBeforeSleep();
  }

  private scheduleBeforeSleep(): void {
    if (this.beforeSleepScheduled) return;
    this.beforeSleepScheduled = true;
    setImmediate(() => this.beforeSleep());
  }

  /**
   * The replication part of Redis's beforeSleep: answer the WAITs that are
   * satisfied, then, when a client started waiting, one `REPLCONF GETACK *`
   * into the stream (not while clients are paused: it would move the offset).
   */
  private beforeSleep(): void {
    this.beforeSleepScheduled = false;
    if (this.ackWaiters.length > 0) this.processWaiters();
    if (this.getAckRequested && this.server.pause === null && !this.proxying) {
      this.getAckRequested = false;
      this.propagator.raw(GETACK);
    }
  }

  /** processClientsWaitingReplicas; drops waiters that timed out or left. */
  private processWaiters(): void {
    const kept: AckWaiter[] = [];
    for (const w of this.ackWaiters) {
      if (w.client.blocked !== w.state) continue;
      const acked = this.countAcks(w.offset);
      if (acked >= w.numreplicas) {
        this.server.blocking.complete(w.client, w.state, (c) => c.reply.integer(acked));
      } else {
        kept.push(w);
      }
    }
    this.ackWaiters = kept;
  }

  /** refreshGoodSlavesCount, and with it whether writes are refused. */
  refreshGoodReplicas(now: number): void {
    const min = this.minReplicasToWrite;
    const maxLag = this.minReplicasMaxLag;
    if (min === 0 || maxLag === 0) {
      this.writesRefused = false;
      return;
    }
    // Lag in whole seconds of the clock, as Redis's unixtime difference.
    const nowSec = Math.floor(now / 1000);
    let good = 0;
    for (const r of this.replicas) {
      if (r.state === 'online' && nowSec - Math.floor(r.ackTime / 1000) <= maxLag) good++;
    }
    this.goodReplicas = good;
    this.writesRefused = good < min;
  }

  /** INFO memory mem_replication_backlog: the backlog's buffer. */
  backlogMemory(): number {
    return this.backlog?.size ?? 0;
  }

  /**
   * INFO memory mem_total_replication_buffers: the backlog plus what is
   * held for replicas (pending stream) or queued on their sockets.
   */
  replicationBuffersMemory(): number {
    let total = this.backlogMemory();
    for (const r of this.replicas) {
      total += r.pending.length;
      if (!r.client.closed) total += r.client.socket.writableLength;
    }
    return total;
  }

  /** The client went away (unlinkClient). */
  clientGone(c: Client): void {
    const r = c.replica;
    if (r === null) return;
    const i = this.replicas.indexOf(r);
    if (i === -1) return;
    this.replicas.splice(i, 1);
    r.job?.replicas.delete(r);
    this.log.notice(`Connection with replica ${r.name} lost.`);
    if (this.replicas.length === 0) this.noReplicasSince = Date.now();
    this.refreshGoodReplicas(Date.now());
    // A diskless transfer nobody receives any more is pointless.
    const job = r.job;
    if (job !== null && job.target === 'socket' && job.replicas.size === 0 && this.job === job) {
      this.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
      this.server.persistence.killBackgroundSave();
    }
  }

  /** replicationCron: pings, newlines, timeouts, delayed syncs, backlog TTL. */
  cron(now: number): void {
    const config = this.server.config;
    this.refreshGoodReplicas(now);
    this.server.checkShutdownWait(now);
    // Timed-out waiters are dropped, and a GETACK held by a pause goes out.
    if (this.ackWaiters.length > 0 || this.getAckRequested) this.scheduleBeforeSleep();
    if (this.replicas.length > 0) {
      if (now - this.lastPing >= config.get('repl-ping-replica-period') * 1000) {
        this.lastPing = now;
        this.propagator.raw(PING);
      }
      if (now - this.lastNewline >= 1000) {
        this.lastNewline = now;
        // Replicas waiting for their RDB get a newline a second so they
        // know the master is alive (ignored by them, not part of the stream).
        // Written directly, not queued like the stream: these replicas have
        // no stream queued, and the RDB header may follow in this very turn.
        for (const r of this.replicas) {
          if (
            !r.client.closed &&
            (r.state === 'wait_bgsave_start' ||
              (r.state === 'wait_bgsave_end' && r.job?.target === 'disk'))
          ) {
            r.client.socket.write(NEWLINE);
            this.server.stats.netOutputBytes += NEWLINE.length;
            this.server.stats.netReplOutputBytes += NEWLINE.length;
          }
        }
      }
      const timeout = config.get('repl-timeout') * 1000;
      for (const r of this.replicas.slice()) {
        if (r.state === 'online' && now - r.ackTime > timeout) {
          this.log.warning(`Disconnecting timedout replica (streaming sync): ${r.name}`);
          r.client.kill();
        } else if (r.state === 'wait_bgsave_end' && r.job?.target === 'socket') {
          // A diskless transfer goes at the pace of its slowest replica: one
          // that stops reading would hold the snapshot (and every other sync
          // and BGSAVE) forever, so it is dropped after repl-timeout without
          // draining anything, as Redis drops it.
          const queued = r.client.socket.writableLength;
          if (queued === 0 || queued < r.transferQueued) r.transferProgressAt = now;
          r.transferQueued = queued;
          if (now - r.transferProgressAt > timeout) {
            this.log.warning(`Disconnecting timedout replica (full sync): ${r.name}`);
            r.client.kill();
          }
        }
      }
      this.startPendingSync(now);
    }
    const ttl = config.get('repl-backlog-ttl');
    if (
      this.backlog !== null &&
      !this.proxying &&
      this.replicas.length === 0 &&
      ttl > 0 &&
      now - this.noReplicasSince > ttl * 1000
    ) {
      // A fresh id: nobody may PSYNC into history we no longer keep.
      this.replid = randomBytes(20).toString('hex');
      this.clearReplid2();
      this.backlog = null;
      this.propagator.active = false;
      this.propagator.reset();
      this.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
    }
  }

  /** replicationStartPendingFork: a sync waits for a free snapshot slot and the diskless delay. */
  private startPendingSync(now: number): void {
    if (this.server.persistence.bgsaveInProgress) return;
    const waiting = this.replicas.filter((r) => r.state === 'wait_bgsave_start');
    if (waiting.length === 0) return;
    if (this.diskless() && waiting.every((r) => r.capaEof)) {
      const delay = this.server.config.get('repl-diskless-sync-delay') * 1000;
      const max = this.server.config.get('repl-diskless-sync-max-replicas');
      const oldest = Math.min(...waiting.map((r) => r.waitingSince));
      if (now - oldest < delay && !(max > 0 && waiting.length >= max)) return;
    }
    this.startSync();
  }

  /** CONFIG SET repl-backlog-size. */
  resizeBacklog(size: number): void {
    this.backlog?.resize(size);
  }

  /** INFO replication for a master, in Redis 7.0's fields. */
  infoLines(): string[] {
    const link = this.server.replicaLink;
    const lines = link.isReplica ? link.infoLines() : ['role:master'];
    lines.push(`connected_slaves:${this.replicas.length}`);
    if (this.minReplicasToWrite > 0 && this.minReplicasMaxLag > 0)
      lines.push(`min_slaves_good_slaves:${this.goodReplicas}`);
    const now = Date.now();
    this.replicas.forEach((r, i) => {
      const state = stateName(r.state);
      lines.push(
        `slave${i}:ip=${r.ip},port=${r.listeningPort},state=${state},offset=${r.ackOffset},lag=${Math.floor((now - r.ackTime) / 1000)}`,
      );
    });
    const b = this.backlog;
    lines.push(
      'master_failover_state:no-failover',
      `master_replid:${this.replid}`,
      `master_replid2:${this.replid2}`,
      `master_repl_offset:${this.masterReplOffset}`,
      `second_repl_offset:${this.secondReplOffset}`,
      `repl_backlog_active:${b !== null ? 1 : 0}`,
      `repl_backlog_size:${this.server.config.get('repl-backlog-size')}`,
      `repl_backlog_first_byte_offset:${b !== null ? b.firstByteOffset : 0}`,
      `repl_backlog_histlen:${b !== null ? b.histlen : 0}`,
    );
    return lines;
  }

  /** ROLE for a master: offset and [ip, port, acked offset] per replica. */
  role(c: Client): void {
    if (this.server.replicaLink.isReplica) {
      this.server.replicaLink.role(c);
      return;
    }
    const r = c.reply;
    r.arrayHeader(3);
    r.bulkString('master');
    r.integer(this.masterReplOffset);
    r.arrayHeader(this.replicas.length);
    for (const replica of this.replicas) {
      r.arrayHeader(3);
      r.bulkString(replica.ip);
      r.bulkString(String(replica.listeningPort));
      r.bulkString(String(replica.ackOffset));
    }
  }
}

/** replstateToString, as INFO and the shutdown log name a replica's state. */
function stateName(state: ReplicaState): string {
  return state === 'online' ? 'online' : state === 'send_bulk' ? 'send_bulk' : 'wait_bgsave';
}

function noServe(): void {
  // WAIT is answered by processWaiters or its timeout, never by a key.
}

/**
 * The diskless transfer's sink: the RDB goes to every replica of the job,
 * framed as `$EOF:<mark>\r\n` ... `<mark>`, and the snapshot waits whenever
 * the slowest socket has more than SOCKET_HIGH_WATER queued.
 */
class DisklessSink implements SnapshotSink {
  private readonly mark = randomBytes(EOF_MARK_SIZE / 2)
    .toString('hex')
    .slice(0, EOF_MARK_SIZE);
  private started = false;

  constructor(
    private readonly job: SyncJob,
    private readonly stats: ServerStats,
  ) {}

  private targets(): Replica[] {
    return [...this.job.replicas].filter((r) => !r.client.closed);
  }

  private send(chunk: Buffer): boolean {
    let ok = true;
    for (const r of this.targets()) {
      const c = r.client;
      c.flush();
      c.socket.write(chunk);
      this.stats.netOutputBytes += chunk.length;
      this.stats.netReplOutputBytes += chunk.length;
      if (c.socket.writableLength > SOCKET_HIGH_WATER) ok = false;
    }
    return ok;
  }

  write(chunk: Buffer): boolean {
    if (!this.started) {
      this.started = true;
      this.send(Buffer.from(`$EOF:${this.mark}\r\n`));
    }
    return this.send(chunk);
  }

  onDrain(callback: () => void): void {
    const slow = this.targets().filter((r) => r.client.socket.writableLength > SOCKET_HIGH_WATER);
    if (slow.length === 0) {
      queueMicrotask(callback);
      return;
    }
    let left = slow.length;
    const once = (): void => {
      left--;
      if (left === 0) callback();
    };
    for (const r of slow) {
      const s = r.client.socket;
      const onDone = (): void => {
        s.off('drain', onDone);
        s.off('close', onDone);
        once();
      };
      s.on('drain', onDone);
      s.on('close', onDone);
    }
  }

  end(callback: (err: Error | null) => void): void {
    if (!this.started) this.write(Buffer.alloc(0));
    this.send(Buffer.from(this.mark, 'latin1'));
    callback(null);
  }

  abort(): void {
    // Nothing to undo: the master drops the replicas when the job ends in error.
  }
}
