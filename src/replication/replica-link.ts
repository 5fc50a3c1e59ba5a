import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { dispatch } from '../server/dispatch.js';
import { ProtocolError } from '../protocol/request-parser.js';
import { SyncLoad, type SyncLoadMode } from './sync-load.js';
import { encodeCommand } from './propagate.js';

/**
 * The replica side of Redis replication (replication.c: connectWithMaster,
 * syncWithMaster, readSyncBulkPayload, replicationCron), for masters such as
 * redis-server 7.0 or another resplica.
 *
 * Protocol, as the replica speaks it. We connect to the master like a client
 * and send PING; then, pipelined, AUTH (masterauth/masteruser, when set),
 * `REPLCONF listening-port <port>` (and `ip-address` when
 * replica-announce-ip is set) and `REPLCONF capa eof capa psync2`, reading
 * each reply in turn; then `PSYNC <replid> <offset+1>` when a cached master
 * says which history we hold, else `PSYNC ? -1`. The master answers
 *   +FULLRESYNC <replid> <offset>  an RDB follows, as `$<len>\r\n<bytes>` (disk)
 *                                  or `$EOF:<40 chars>\r\n<bytes><same 40 chars>`
 *                                  (diskless); bare newlines before it only say
 *                                  the master is alive
 *   +CONTINUE [<replid>]           the missing stream follows directly
 * and from then on the connection carries the replication stream, which is
 * executed as the commands of a special client (the "master client", CLIENT
 * LIST flags=M) whose replies are discarded. We send `REPLCONF ACK <offset>`
 * every second and when the master asks with `REPLCONF GETACK`.
 *
 * Offsets and ids (PSYNC2). After a full sync our master_replid and
 * master_repl_offset are the master's; every byte of a complete command we
 * apply moves the offset, and exactly those bytes (not a re-encoding) go to
 * our own backlog and sub-replicas, so a chain of replicas shares one
 * history and a sub-replica can PSYNC to any of its ancestors. When the link
 * drops, the master's id and our offset are kept as the "cached master", so
 * the reconnection asks PSYNC and normally gets +CONTINUE. A +CONTINUE with
 * a new id (our master was promoted) shifts ids as a promotion does:
 * master_replid2 = the old id, second_repl_offset = offset + 1.
 *
 * States, with Redis's names (REPL_STATE_*); each transition is one
 * function below and writes Redis's log line:
 *   none                 not a replica
 *   connect              must connect (the cron tries every second)
 *   connecting           TCP connect in flight
 *   receive_ping_reply   PING sent
 *   send_handshake       sending AUTH / REPLCONF (one pipelined write)
 *   receive_auth_reply / receive_port_reply / receive_ip_reply /
 *   receive_capa_reply   reading the handshake replies in order
 *   send_psync           sending PSYNC
 *   receive_psync_reply  waiting for +FULLRESYNC / +CONTINUE
 *   transfer             receiving (then checking and loading) the RDB
 *   connected            streaming
 *
 * The RDB is buffered in memory, checked completely (structure and CRC-64)
 * before the dataset is touched, then loaded in slices with -LOADING
 * answered meanwhile: a bad or short payload leaves the old data in place
 * and the link retries, never a half-loaded dataset.
 */

export type ReplState =
  | 'none'
  | 'connect'
  | 'connecting'
  | 'receive_ping_reply'
  | 'send_handshake'
  | 'receive_auth_reply'
  | 'receive_port_reply'
  | 'receive_ip_reply'
  | 'receive_capa_reply'
  | 'send_psync'
  | 'receive_psync_reply'
  | 'transfer'
  | 'connected';

/** The history we hold from a master we lost (Redis's cached_master). */
interface CachedMaster {
  replid: string;
  /** The last stream byte applied. */
  offset: number;
  /** The database the stream had selected: a +CONTINUE resumes in it. */
  db: number;
}

/** An RDB being received. */
interface Transfer {
  replid: string;
  offset: number;
  /** Payload length for `$<len>`, -1 for the EOF-mark framing; null before the header. */
  size: number | null;
  mark: Buffer | null;
  /** Where the payload goes as it arrives (null until the `$` header). */
  load: SyncLoad | null;
  read: number;
  /** The last EOF_MARK_SIZE bytes received (EOF framing). */
  tail: Buffer;
  /** The whole payload arrived: it is being checked and loaded. */
  complete: boolean;
  /** Started by SYNC: the master knows no offsets and takes no ACKs. */
  prePsync: boolean;
}

const EOF_MARK_SIZE = 40;
const EMPTY = Buffer.alloc(0);

export class ReplicaLink {
  state: ReplState = 'none';
  masterHost: string | null = null;
  masterPort = 0;
  /** The master client while streaming (CLIENT LIST flags=M). */
  masterClient: Client | null = null;
  private cached: CachedMaster | null = null;
  private socket: net.Socket | null = null;
  /** Bytes read from the master not consumed yet by the current state. */
  private input: Buffer = EMPTY;
  private transfer: Transfer | null = null;
  /** When anything was last read from the master (repl-timeout). */
  private lastIo = Date.now();
  /** When the link went down; 0 while it never was up. */
  private downSince = 0;
  /** Offsets of the master client: bytes read, and bytes of complete commands applied. */
  private readOffset = 0;
  private appliedOffset = 0;
  /** Bytes read by the master client's parser since it was created. */
  private fed = 0;
  private fedBase = 0;
  /** Stream bytes read but not applied yet (kept to proxy them verbatim). */
  private unapplied: Buffer = EMPTY;
  /** The current master was reached by SYNC: it understands no REPLCONF ACK. */
  private masterIsPrePsync = false;
  /** Bumped whenever the link is torn down, so async steps of an old link stop. */
  private generation = 0;

  constructor(private readonly server: Server) {}

  private get log(): Server['log'] {
    return this.server.log;
  }

  get isReplica(): boolean {
    return this.masterHost !== null;
  }

  /** The database the master's stream is in (the repl-stream-db of our own snapshots). */
  get streamDb(): number {
    return this.masterClient?.db.id ?? 0;
  }

  // ---- Becoming a replica, and stopping -----------------------------------

  /** replicationSetMaster: REPLICAOF host port, or `replicaof` at start-up. */
  setMaster(host: string, port: number): void {
    const wasMaster = this.masterHost === null;
    this.masterHost = null;
    // Freeing the old master caches its state: we may PSYNC the new one with it.
    this.masterClient?.kill();
    this.masterHost = host;
    this.masterPort = port;
    this.server.blocking.disconnectAll(this.server.clients.values());
    this.server.replication.disconnectReplicas();
    this.cancelHandshake();
    if (wasMaster) {
      this.cached = null;
      this.cacheMasterUsingMyself();
    }
    this.becomeReplicaRole();
    this.server.config.setInternal('replicaof', { host, port });
    this.state = 'connect';
    this.log.notice(`Connecting to MASTER ${host}:${port}`);
    this.connect();
  }

  /**
   * `replicaof` in the configuration: Redis only sets the master there (no
   * cached master is synthesized, nothing to disconnect yet).
   */
  startFromConfig(host: string, port: number): void {
    this.masterHost = host;
    this.masterPort = port;
    this.becomeReplicaRole();
    this.restoreHistoryFromDump();
    this.state = 'connect';
    this.log.notice(`Connecting to MASTER ${host}:${port}`);
    this.connect();
  }

  /** replicationUnsetMaster: REPLICAOF NO ONE (a promotion). */
  unsetMaster(): void {
    if (this.masterHost === null) return;
    this.masterHost = null;
    this.masterClient?.kill();
    this.cached = null;
    this.cancelHandshake();
    const replication = this.server.replication;
    replication.shiftReplicationId();
    // Our replicas must learn the new id: they reconnect and PSYNC with the old one.
    replication.disconnectReplicas();
    this.state = 'none';
    this.downSince = 0;
    this.server.keyspace.expireOnAccess = true;
    replication.setProxying(false);
    this.server.log.role = 'M';
    this.server.config.setInternal('replicaof', null);
  }

  /**
   * A dump we saved as a replica (or a master with replicas) records the
   * replication id, offset and stream database it matches: restarted from
   * it, we offer that history to the master and may continue partially
   * instead of transferring everything again (loadDataFromDisk).
   */
  private restoreHistoryFromDump(): void {
    const { replId, replOffset, replStreamDb } = this.server.persistence.loadedReplicationInfo;
    if (replId === undefined || replId.length !== 40 || replOffset === undefined) return;
    if (!Number.isSafeInteger(replOffset) || replOffset < 0) return;
    if (replStreamDb === undefined || !Number.isInteger(replStreamDb) || replStreamDb < 0) return;
    const replication = this.server.replication;
    replication.replid = replId;
    replication.masterReplOffset = replOffset;
    this.cacheMasterUsingMyself(replStreamDb);
  }

  /** The database our master's stream is in, for rdbPopulateSaveInfo; null when unknown. */
  get savedStreamDb(): number | null {
    return this.masterClient?.db.id ?? this.cached?.db ?? null;
  }

  private becomeReplicaRole(): void {
    // Replicas do not expire keys: the master sends the DELs.
    this.server.keyspace.expireOnAccess = false;
    this.server.replication.setProxying(true);
    this.server.log.role = 'S';
  }

  /**
   * replicationCacheMasterUsingMyself: a master turning replica may hold the
   * new master's history already (it was promoted from our stream).
   */
  private cacheMasterUsingMyself(streamDb = 0): void {
    const replication = this.server.replication;
    this.log.notice(
      'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
    );
    this.cached = {
      replid: replication.replid,
      offset: replication.masterReplOffset,
      db: streamDb,
    };
  }

  // ---- Connecting and the handshake ----------------------------------------

  /** connectWithMaster: connect -> connecting. */
  private connect(): void {
    const generation = ++this.generation;
    const socket = net.connect({ host: this.masterHost!, port: this.masterPort });
    socket.setNoDelay(true);
    this.socket = socket;
    this.input = EMPTY;
    this.lastIo = Date.now();
    this.state = 'connecting';
    this.log.notice('MASTER <-> REPLICA sync started');
    socket.once('connect', () => {
      if (generation === this.generation) this.connected();
    });
    socket.on('data', (chunk: Buffer) => {
      if (generation === this.generation) this.onData(chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (generation !== this.generation) return;
      if (this.state === 'connecting')
        this.log.warning(`Error condition on socket for SYNC: ${errnoText(err)}`);
      else this.log.warning(`Error reading from MASTER: ${errnoText(err)}`);
    });
    socket.on('close', () => {
      if (generation === this.generation) this.socketClosed();
    });
  }

  /** The TCP connection is up: connecting -> receive_ping_reply. */
  private connected(): void {
    this.log.notice('Non blocking connect for SYNC fired the event.');
    this.lastIo = Date.now();
    this.send(['PING']);
    this.state = 'receive_ping_reply';
  }

  private send(argv: string[]): void {
    this.socket?.write(encodeCommand(argv.map((a) => Buffer.from(a))));
  }

  /** receive_ping_reply -> send_handshake -> receive_auth_reply or receive_port_reply. */
  private receivePingReply(line: string): void {
    // Without masterauth a master requiring a password still lets the
    // handshake go on: AUTH comes next, or the PSYNC fails with NOAUTH.
    if (
      line.startsWith('-') &&
      !line.startsWith('-NOAUTH') &&
      !line.startsWith('-NOPERM') &&
      !line.startsWith('-ERR operation not permitted')
    ) {
      this.log.warning(`Error reply to PING from master: '${line.slice(1)}'`);
      this.fail();
      return;
    }
    this.log.notice('Master replied to PING, replication can continue...');
    this.sendHandshake();
  }

  private sendHandshake(): void {
    this.state = 'send_handshake';
    const config = this.server.config;
    const auth = config.get('masterauth');
    const user = config.get('masteruser');
    if (auth !== '') this.send(user !== '' ? ['AUTH', user, auth] : ['AUTH', auth]);
    const announcedPort = config.get('replica-announce-port');
    this.send([
      'REPLCONF',
      'listening-port',
      String(announcedPort !== 0 ? announcedPort : this.server.tcpPort),
    ]);
    const ip = config.get('replica-announce-ip');
    if (ip !== '') this.send(['REPLCONF', 'ip-address', ip]);
    this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    this.state = auth !== '' ? 'receive_auth_reply' : 'receive_port_reply';
  }

  private receiveAuthReply(line: string): void {
    if (line.startsWith('-')) {
      this.log.warning(`Unable to AUTH to MASTER: ${line.slice(1)}`);
      this.fail();
      return;
    }
    this.state = 'receive_port_reply';
  }

  private receivePortReply(line: string): void {
    if (line.startsWith('-'))
      this.log.notice(
        `(Non critical) Master does not understand REPLCONF listening-port: ${line.slice(1)}`,
      );
    this.state =
      this.server.config.get('replica-announce-ip') !== ''
        ? 'receive_ip_reply'
        : 'receive_capa_reply';
  }

  private receiveIpReply(line: string): void {
    if (line.startsWith('-'))
      this.log.notice(
        `(Non critical) Master does not understand REPLCONF ip-address: ${line.slice(1)}`,
      );
    this.state = 'receive_capa_reply';
  }

  private receiveCapaReply(line: string): void {
    if (line.startsWith('-'))
      this.log.notice(`(Non critical) Master does not understand REPLCONF capa: ${line.slice(1)}`);
    this.sendPsync();
  }

  /** slaveTryPartialResynchronization, the sending half: send_psync -> receive_psync_reply. */
  private sendPsync(): void {
    this.state = 'send_psync';
    const cached = this.cached;
    if (cached !== null) {
      const next = String(cached.offset + 1);
      this.log.notice(`Trying a partial resynchronization (request ${cached.replid}:${next}).`);
      this.send(['PSYNC', cached.replid, next]);
    } else {
      this.log.notice('Partial resynchronization not possible (no cached master)');
      this.send(['PSYNC', '?', '-1']);
    }
    this.state = 'receive_psync_reply';
  }

  /** The reading half: +FULLRESYNC -> transfer, +CONTINUE -> connected. */
  private receivePsyncReply(line: string): void {
    // The master may send newlines before answering, to keep the link alive.
    if (line === '') return;
    if (line.startsWith('+FULLRESYNC')) {
      const [, replid, offsetText] = line.split(' ');
      if (replid === undefined || replid.length !== 40 || !/^-?\d+$/.test(offsetText ?? '')) {
        this.log.warning('Master replied with wrong +FULLRESYNC syntax.');
        this.fail();
        return;
      }
      this.log.notice(`Full resync from master: ${replid}:${offsetText}`);
      if (this.cached !== null) {
        this.log.notice('Discarding previously cached master state.');
        this.cached = null;
      }
      this.startTransfer(replid, Number(offsetText));
      return;
    }
    // +CONTINUE answers only a PSYNC that named a history.
    if (line.startsWith('+CONTINUE') && this.cached !== null) {
      this.continueFromCache(this.cached, line.slice('+CONTINUE'.length).trim());
      return;
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      this.log.notice(
        `Master is currently unable to PSYNC but should be in the future: ${line.slice(1)}`,
      );
      this.fail();
      return;
    }
    if (line.startsWith('-ERR')) {
      this.log.notice(`Master does not support PSYNC or is in error state (reply: ${line})`);
    } else {
      this.log.warning(`Unexpected reply to PSYNC from master: ${line}`);
    }
    this.fallBackToSync();
  }

  /**
   * A master that does not understand PSYNC (older than Redis 2.8, or a
   * server that only implements SYNC): the legacy full transfer, with no
   * replication id or offset to continue from later. Such a master does not
   * understand REPLCONF ACK either, so none are sent (CLIENT_PRE_PSYNC).
   */
  private fallBackToSync(): void {
    this.log.notice('Retrying with SYNC...');
    this.send(['SYNC']);
    if (this.cached !== null) {
      this.log.notice('Discarding previously cached master state.');
      this.cached = null;
    }
    this.startTransfer(randomBytes(20).toString('hex'), 0);
    this.transfer!.prePsync = true;
  }

  /** +CONTINUE: receive_psync_reply -> connected, with the cached history. */
  private continueFromCache(cached: CachedMaster, newReplid: string): void {
    const replication = this.server.replication;
    this.log.notice('Successful partial resynchronization with master.');
    if (newReplid !== '' && newReplid !== cached.replid) {
      // Our master was promoted: its old id is still ours up to here.
      this.log.warning(`Master replication ID changed to ${newReplid}`);
      replication.replid2 = cached.replid;
      replication.secondReplOffset = replication.masterReplOffset + 1;
      replication.replid = newReplid;
      cached.replid = newReplid;
      replication.disconnectReplicas();
    }
    if (replication.backlog === null) replication.createBacklog();
    this.cached = null;
    this.establish(cached.offset, cached.db);
    this.log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
  }

  // ---- The RDB transfer ----------------------------------------------------

  private startTransfer(replid: string, offset: number): void {
    this.transfer = {
      replid,
      offset,
      size: null,
      mark: null,
      load: null,
      read: 0,
      tail: EMPTY,
      complete: false,
      prePsync: false,
    };
    this.state = 'transfer';
    this.lastIo = Date.now();
  }

  /**
   * readSyncBulkPayload: the `$` header (after keep-alive newlines), then
   * the payload. Returns false when it needs more bytes.
   */
  private readPayload(): boolean {
    const t = this.transfer!;
    if (t.size === null) {
      const line = this.takeLine();
      if (line === null) return false;
      if (line === '') return true;
      if (line.startsWith('-')) {
        this.log.warning(`MASTER aborted replication with an error: ${line.slice(1)}`);
        this.fail();
        return false;
      }
      if (!line.startsWith('$')) {
        this.log.warning(
          `Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`,
        );
        this.fail();
        return false;
      }
      const mode = this.syncLoadMode();
      const into = mode === 'disk' ? 'to disk' : 'to parser';
      if (line.startsWith('$EOF:') && line.length === 5 + EOF_MARK_SIZE) {
        t.mark = Buffer.from(line.slice(5), 'latin1');
        t.size = -1;
        this.log.notice(
          `MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${into}`,
        );
      } else {
        const size = Number(line.slice(1));
        if (!Number.isSafeInteger(size) || size < 0) {
          this.log.warning(`Bad protocol from MASTER: invalid bulk length '${line}'`);
          this.fail();
          return false;
        }
        t.size = size;
        this.log.notice(`MASTER <-> REPLICA sync: receiving ${size} bytes from master ${into}`);
      }
      this.beginSyncLoad(t, mode);
      return true;
    }
    const input = this.input;
    const load = t.load!;
    if (t.size >= 0) {
      const take = Math.min(t.size - t.read, input.length);
      if (take > 0) load.push(input.subarray(0, take));
      t.read += take;
      this.input = input.subarray(take);
      if (t.read === t.size) this.payloadComplete(t);
      return false;
    }
    // The mark's bytes go to the reader too: it ignores what follows the
    // RDB's end, and the length is checked once the mark is seen.
    load.push(input);
    t.read += input.length;
    this.input = EMPTY;
    t.tail =
      input.length >= EOF_MARK_SIZE
        ? input.subarray(input.length - EOF_MARK_SIZE)
        : Buffer.concat([t.tail, input]).subarray(-EOF_MARK_SIZE);
    if (t.read >= EOF_MARK_SIZE && t.tail.equals(t.mark!)) this.payloadComplete(t);
    return false;
  }

  /** useDisklessLoad: where this payload goes (see sync-load.ts). */
  private syncLoadMode(): SyncLoadMode {
    const setting = this.server.config.get('repl-diskless-load');
    if (setting === 'swapdb') return 'swapdb';
    if (setting === 'on-empty-db' && this.server.keyspace.keyCount === 0) return 'socket';
    return 'disk';
  }

  private beginSyncLoad(t: Transfer, mode: SyncLoadMode): void {
    const server = this.server;
    const generation = this.generation;
    if (mode === 'socket') {
      // Parsed straight into the live databases: the old history ends now.
      this.attachToNewMaster();
      this.log.notice('MASTER <-> REPLICA sync: Flushing old data');
      server.keyspace.flushAll();
    }
    if (mode !== 'disk') this.log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    // Serving the old data while loading is only right when it is an
    // earlier state of the very history being loaded.
    const asyncLoading = mode === 'swapdb' && server.replication.replid === t.replid;
    t.load = new SyncLoad(
      server,
      mode,
      t.size ?? 0,
      asyncLoading,
      () => {
        if (generation === this.generation) this.syncLoadComplete(t);
      },
      (err) => this.syncLoadFailed(t, generation, err),
    );
  }

  /** replicationAttachToNewMaster: our replicas and backlog belong to the old history. */
  private attachToNewMaster(): void {
    const server = this.server;
    server.replication.disconnectReplicas();
    server.replication.freeBacklog();
    server.persistence.killBackgroundSave();
  }

  /**
   * All of the payload arrived. Reading from the master pauses until it is
   * loaded; what already arrived after it is stream, kept in `input`.
   */
  private payloadComplete(t: Transfer): void {
    t.complete = true;
    this.socket?.pause();
    t.load!.end();
  }

  private syncLoadFailed(t: Transfer, generation: number, err: Error): void {
    const mode = t.load!.mode;
    this.log.warning(
      `Failed trying to load the MASTER synchronization DB from ${mode === 'disk' ? 'disk' : 'socket'}: ${err.message}`,
    );
    if (mode === 'swapdb') {
      this.log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background');
    } else if (mode === 'socket') {
      // Never a half-loaded dataset.
      this.server.keyspace.flushAll();
    }
    if (generation === this.generation) this.fail();
  }

  /** The payload parsed whole and sound: make it the dataset. */
  private syncLoadComplete(t: Transfer): void {
    const load = t.load!;
    const streamDb = load.job.replInfo.replStreamDb ?? 0;
    if (t.mark !== null && load.reader.offset !== t.read - EOF_MARK_SIZE) {
      this.syncLoadFailed(t, this.generation, new Error('Replication stream EOF marker is broken'));
      return;
    }
    if (load.mode === 'disk') {
      const generation = this.generation;
      load.installFile((err) => {
        if (generation !== this.generation) return;
        if (err !== null) {
          this.log.warning(err.message);
          this.fail();
          return;
        }
        void this.loadTransfer(load.payload(), t, streamDb, generation);
      });
      return;
    }
    if (load.mode === 'swapdb') {
      this.attachToNewMaster();
      this.log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      const databases = this.server.keyspace.databases;
      for (let i = 0; i < databases.length; i++) {
        databases[i]!.clear();
        databases[i]!.swapContents(load.staging![i]!);
      }
      this.log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    }
    this.syncDone(t, streamDb);
  }

  /**
   * disk mode: the checked payload, loaded after the old data is flushed,
   * in slices with -LOADING answered meanwhile.
   */
  private async loadTransfer(
    rdb: Buffer,
    t: Transfer,
    streamDb: number,
    generation: number,
  ): Promise<void> {
    const server = this.server;
    this.attachToNewMaster();
    this.log.notice('MASTER <-> REPLICA sync: Flushing old data');
    server.keyspace.flushAll();
    this.log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    let failure: Error | null = null;
    try {
      await server.persistence.load(rdb);
    } catch (err) {
      failure = err as Error;
    }
    if (server.config.get('rdb-del-sync-files') && server.config.get('save').length === 0) {
      this.log.notice(
        'Removing the RDB file obtained from the master. This replica has persistence disabled',
      );
      rm(server.config.get('dbfilename'), { force: true }, () => undefined);
    }
    if (failure !== null) {
      this.log.warning(
        `Failed trying to load the MASTER synchronization DB from disk: ${failure.message}`,
      );
      // Never a half-loaded dataset.
      server.keyspace.flushAll();
      if (generation === this.generation) this.fail();
      return;
    }
    if (generation !== this.generation) {
      // The link died while loading: what we loaded is the master's state at
      // t.offset, so it becomes the cached master and the next link PSYNCs.
      server.replication.adoptHistory(t.replid, t.offset);
      this.log.notice('Caching the disconnected master state.');
      this.cached = { replid: t.replid, offset: t.offset, db: streamDb };
      return;
    }
    this.syncDone(t, streamDb);
  }

  /** The new dataset is in place: adopt the master's history and stream. */
  private syncDone(t: Transfer, streamDb: number): void {
    const server = this.server;
    server.replication.adoptHistory(t.replid, t.offset);
    this.transfer = null;
    const diskless = t.mark !== null;
    this.establish(t.offset, streamDb < server.keyspace.databases.length ? streamDb : 0);
    this.masterIsPrePsync = t.prePsync;
    this.log.notice('MASTER <-> REPLICA sync: Finished with success');
    // After a diskless transfer the master streams only once we ACK.
    if (diskless) this.sendAck();
    this.socket?.resume();
    this.drain();
  }

  // ---- Streaming -----------------------------------------------------------

  /** replicationCreateMasterClient: -> connected. */
  private establish(offset: number, db: number): void {
    this.masterIsPrePsync = false;
    const socket = this.socket!;
    const c = this.server.createMasterClient(socket);
    c.db = this.server.database(db);
    this.masterClient = c;
    this.readOffset = offset;
    this.appliedOffset = offset;
    this.fed = 0;
    this.fedBase = offset;
    this.unapplied = EMPTY;
    this.state = 'connected';
    this.downSince = 0;
    this.lastIo = Date.now();
  }

  /**
   * The master's stream: executed command by command as the master client;
   * the offset moves by the bytes of each complete command (a MULTI block
   * counts at its EXEC), and exactly the applied bytes are proxied to our
   * backlog and replicas.
   */
  private feedStream(data: Buffer): void {
    const c = this.masterClient;
    if (c === null || c.closed) return;
    const server = this.server;
    const keyspace = server.keyspace;
    this.readOffset += data.length;
    this.fed += data.length;
    server.stats.netInputBytes += data.length;
    c.lastInteraction = Date.now();
    c.parser.feed(data);
    this.unapplied = this.unapplied.length === 0 ? data : Buffer.concat([this.unapplied, data]);
    const froze = keyspace.freezeTime();
    keyspace.obeyingMaster = true;
    try {
      while (!c.closed) {
        let argv: Buffer[] | null;
        try {
          argv = c.parser.next();
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          this.log.warning(
            `Protocol error (${err.message}) from client: ${server.describeClient(c)}`,
          );
          c.kill();
          return;
        }
        if (argv === null) break;
        if (argv.length > 0) dispatch(server, c, argv);
        if (c.multi === null) this.applied(this.fedBase + this.fed - c.parser.pendingBytes);
      }
    } finally {
      keyspace.obeyingMaster = false;
      if (froze) keyspace.unfreezeTime();
    }
    if (c.parser.holdsInput) c.parser.detach();
  }

  /** Everything up to `offset` is applied: it goes on to our backlog and replicas. */
  private applied(offset: number): void {
    const delta = offset - this.appliedOffset;
    if (delta <= 0) return;
    const bytes = this.unapplied.subarray(0, delta);
    this.unapplied = this.unapplied.subarray(delta);
    this.appliedOffset = offset;
    this.server.replication.feedProxy(bytes);
  }

  /** replicationSendAck: `REPLCONF ACK <offset>`. */
  sendAck(): void {
    if (this.state !== 'connected' || this.socket === null || this.masterIsPrePsync) return;
    this.send(['REPLCONF', 'ACK', String(this.appliedOffset)]);
  }

  // ---- Reading, failures, timeouts -----------------------------------------

  private onData(chunk: Buffer): void {
    this.lastIo = Date.now();
    if (this.state === 'connected' && this.input.length === 0) {
      this.feedStream(chunk);
      return;
    }
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    this.drain();
  }

  /** Hands buffered input to the current state until it needs more. */
  private drain(): void {
    while (this.input.length > 0 && this.socket !== null) {
      const state = this.state;
      if (state === 'transfer') {
        if (this.transfer === null || this.transfer.complete) return;
        if (!this.readPayload()) return;
        continue;
      }
      if (state === 'connected') {
        const data = this.input;
        this.input = EMPTY;
        this.feedStream(data);
        return;
      }
      const line = this.takeLine();
      if (line === null) return;
      switch (state) {
        case 'receive_ping_reply':
          // Keep-alive newlines carry nothing.
          if (line !== '') this.receivePingReply(line);
          break;
        case 'receive_auth_reply':
          this.receiveAuthReply(line);
          break;
        case 'receive_port_reply':
          this.receivePortReply(line);
          break;
        case 'receive_ip_reply':
          this.receiveIpReply(line);
          break;
        case 'receive_capa_reply':
          this.receiveCapaReply(line);
          break;
        case 'receive_psync_reply':
          this.receivePsyncReply(line);
          break;
        default:
          return;
      }
    }
  }

  /** One `\n`-terminated line (without `\r\n`), or null until it is complete. */
  private takeLine(): string | null {
    const eol = this.input.indexOf(0x0a);
    if (eol === -1) return null;
    const end = eol > 0 && this.input[eol - 1] === 0x0d ? eol - 1 : eol;
    const line = this.input.toString('latin1', 0, end);
    this.input = this.input.subarray(eol + 1);
    return line;
  }

  /** A failed handshake or transfer: drop the connection, the cron retries. */
  private fail(): void {
    this.cancelHandshake();
    if (this.masterHost !== null) this.state = 'connect';
  }

  /** cancelReplicationHandshake / undoConnectWithMaster. */
  private cancelHandshake(): void {
    if (this.state === 'connected') return;
    this.generation++;
    this.transfer?.load?.abort();
    this.transfer = null;
    this.input = EMPTY;
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    if (this.state !== 'none') this.state = 'connect';
  }

  private socketClosed(): void {
    if (this.state === 'connected') {
      const c = this.masterClient;
      if (c !== null && !c.closed) {
        c.closed = true;
        this.server.unlinkClient(c);
      }
      return;
    }
    if (this.state === 'transfer' && this.transfer?.complete === true) {
      // The payload is all here and loading: what is lost is the link after it.
      this.log.warning('Connection with master lost.');
    } else if (this.state === 'transfer' && this.transfer !== null && this.transfer.size !== null) {
      this.log.warning('I/O error trying to sync with MASTER: connection lost');
    } else if (this.state === 'transfer') {
      // +FULLRESYNC came, the `$` header did not: the master is making its snapshot.
      this.log.warning('I/O error reading bulk count from MASTER: connection lost');
    } else if (this.state !== 'connecting') {
      this.log.warning('Master closed the connection during the handshake');
    }
    this.fail();
  }

  /**
   * The master client went away (link lost, CLIENT KILL TYPE master,
   * timeout): cache its history and reconnect at once, as
   * replicationHandleMasterDisconnection does.
   */
  masterGone(c: Client): void {
    if (c !== this.masterClient) return;
    this.masterClient = null;
    this.log.warning('Connection with master lost.');
    this.log.notice('Caching the disconnected master state.');
    this.cached = {
      replid: this.server.replication.replid,
      offset: this.appliedOffset,
      db: c.db.id,
    };
    this.generation++;
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.input = EMPTY;
    this.downSince = Date.now();
    if (this.masterHost === null) return;
    this.state = 'connect';
    this.log.notice(`Reconnecting to MASTER ${this.masterHost}:${this.masterPort}`);
    this.connect();
  }

  /** replicationCron, the replica half: timeouts, connecting, ACKs. */
  cron(now: number): void {
    if (this.masterHost === null) return;
    const timeout = this.server.config.get('repl-timeout') * 1000;
    const state = this.state;
    if (state !== 'connect' && state !== 'connected' && state !== 'transfer') {
      if (now - this.lastIo > timeout) {
        this.log.warning('Timeout connecting to the MASTER...');
        this.fail();
      }
    } else if (state === 'transfer' && this.transfer !== null && !this.transfer.complete) {
      if (now - this.lastIo > timeout) {
        this.log.warning(
          "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
        );
        this.fail();
      }
    } else if (state === 'connected' && now - this.lastIo > timeout) {
      this.log.warning('MASTER timeout: no data nor PING received...');
      this.masterClient?.kill();
    }
    // Never a second transfer while the first one is still loading.
    if (this.state === 'connect' && this.server.persistence.loading === null) {
      this.log.notice(`Connecting to MASTER ${this.masterHost}:${this.masterPort}`);
      this.connect();
    }
    this.sendAck();
  }

  // ---- What operators see --------------------------------------------------

  /** The replica part of INFO replication (role:slave ... replica_announced). */
  infoLines(): string[] {
    const now = Date.now();
    const config = this.server.config;
    const master = this.masterClient;
    const state = this.state;
    const applied = master !== null ? this.appliedOffset : (this.cached?.offset ?? 1);
    const read = master !== null ? this.readOffset : (this.cached?.offset ?? 1);
    const lines = [
      'role:slave',
      `master_host:${this.masterHost}`,
      `master_port:${this.masterPort}`,
      `master_link_status:${state === 'connected' ? 'up' : 'down'}`,
      `master_last_io_seconds_ago:${master !== null ? Math.floor((now - this.lastIo) / 1000) : -1}`,
      `master_sync_in_progress:${state === 'transfer' ? 1 : 0}`,
      `slave_read_repl_offset:${read}`,
      `slave_repl_offset:${applied}`,
    ];
    const t = this.transfer;
    if (state === 'transfer') {
      const size = t !== null && t.size !== null && t.size > 0 ? t.size : 0;
      const got = t?.read ?? 0;
      lines.push(
        `master_sync_total_bytes:${size}`,
        `master_sync_read_bytes:${got}`,
        `master_sync_left_bytes:${size - got}`,
        `master_sync_perc:${(size > 0 ? (got / size) * 100 : 0).toFixed(2)}`,
        `master_sync_last_io_seconds_ago:${Math.floor((now - this.lastIo) / 1000)}`,
      );
    }
    if (state !== 'connected') {
      lines.push(
        `master_link_down_since_seconds:${this.downSince !== 0 ? Math.floor((now - this.downSince) / 1000) : -1}`,
      );
    }
    lines.push(
      `slave_priority:${config.get('replica-priority')}`,
      `slave_read_only:${config.get('replica-read-only') ? 1 : 0}`,
      `replica_announced:${config.get('replica-announced') ? 1 : 0}`,
    );
    return lines;
  }

  /** ROLE for a replica: slave, host, port, state, offset. */
  role(c: Client): void {
    const r = c.reply;
    r.arrayHeader(5);
    r.bulkString('slave');
    r.bulkString(this.masterHost ?? '');
    r.integer(this.masterPort);
    r.bulkString(roleState(this.state));
    r.integer(this.masterClient !== null ? this.appliedOffset : -1);
  }
}

function roleState(state: ReplState): string {
  switch (state) {
    case 'none':
    case 'connect':
    case 'connecting':
      return state;
    case 'transfer':
      return 'sync';
    case 'connected':
      return 'connected';
    default:
      return 'handshake';
  }
}

/** strerror-style text for a socket error. */
function errnoText(err: NodeJS.ErrnoException): string {
  const byCode: Record<string, string> = {
    ECONNREFUSED: 'Connection refused',
    ECONNRESET: 'Connection reset by peer',
    ETIMEDOUT: 'Connection timed out',
    EHOSTUNREACH: 'No route to host',
    ENETUNREACH: 'Network is unreachable',
    ENOTFOUND: 'Name or service not known',
    EPIPE: 'Broken pipe',
  };
  return (err.code !== undefined ? byCode[err.code] : undefined) ?? err.message;
}
