import { promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server.js';
import type { StoredValue } from '../store/values.js';
import type { Database } from '../store/database.js';
import { RdbFormatError } from './rdb-format.js';
import { RdbReader, type IncrementalRdbReader, type RdbRecordHandler } from './rdb-reader.js';
import { writeKeyspaceSync, type RdbAuxInfo } from './rdb-writer.js';
import { Snapshot, type SnapshotSink } from './snapshot.js';
import { RdbFileSink, RdbSaveError, writeRdbFileSync } from './file-sink.js';

/** Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed save, automatic retries wait this long. */
const BGSAVE_RETRY_DELAY_MS = 5000;
/** A loading slice: clients get -LOADING meanwhile, so this only bounds their wait for a reply. */
const LOAD_SLICE_MS = 10;

/** State of the last background save, as INFO's rdb_last_bgsave_status reports it. */
export type SaveStatus = 'ok' | 'err';

/** Progress of a load (INFO loading_* fields). */
export interface LoadingState {
  startedAt: number;
  totalBytes: number;
  rdbUsedMemory: number;
  reader: { readonly offset: number } | null;
  /**
   * Redis 7's async loading: a replica loading its master's snapshot aside
   * (repl-diskless-load swapdb) while the data it holds is an earlier state
   * of the same history keeps serving it; only commands flagged
   * no_async_loading are answered -LOADING.
   */
  async: boolean;
}

/**
 * RDB persistence as redis-server does it: SAVE (blocking), BGSAVE (a
 * background point-in-time snapshot, see snapshot.ts), save points checked by
 * the cron, stop-writes-on-bgsave-error, the final save at shutdown, and
 * loading the dump at start-up while clients are answered -LOADING.
 *
 * There is no child process: "in progress" means a Snapshot is running in the
 * event loop. Only one runs at a time, as Redis allows one saving child.
 */
export class Persistence {
  /** Time of the last successful save (LASTSAVE); start-up time until one happens. */
  lastSave = Date.now();
  lastBgsaveStatus: SaveStatus = 'ok';
  /** Duration of the last background save in seconds, -1 before the first. */
  lastBgsaveSeconds = -1;
  /** When the last background save was attempted (for the retry delay). */
  private lastBgsaveTry = 0;
  saves = 0;
  bgsaveScheduled = false;
  private snapshot: Snapshot | null = null;
  private snapshotStartedAt = 0;
  /** The dirty counter when the running snapshot started: what a success clears. */
  private dirtyAtSnapshotStart = 0;
  /**
   * Told when the running snapshot ends, however it ends (success, failure,
   * or killed by FLUSHALL/SHUTDOWN): replication waits on it.
   */
  private snapshotListener: ((err: Error | null) => void) | null = null;
  /** Copy-on-write bytes of the last finished snapshot (rdb_last_cow_size). */
  lastCowBytes = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  loading: LoadingState | null = null;
  /** The repl-* aux fields of the last file loaded (a restarted replica PSYNCs with them). */
  loadedReplicationInfo: LoadedReplicationInfo = {};

  constructor(private readonly server: Server) {}

  get bgsaveInProgress(): boolean {
    return this.snapshot !== null;
  }

  private get dir(): string {
    return process.cwd();
  }

  private get filename(): string {
    return this.server.config.get('dbfilename');
  }

  private auxInfo(): RdbAuxInfo {
    // The same measure as INFO used_memory: the V8 heap plus Buffers.
    const mem = process.memoryUsage();
    return {
      usedMemory: mem.heapUsed + mem.arrayBuffers,
      ...this.server.replication.saveInfo(),
    };
  }

  private writeOptions(): { compression: boolean; checksum: boolean } {
    return {
      compression: this.server.config.get('rdbcompression'),
      checksum: this.server.config.get('rdbchecksum'),
    };
  }

  /**
   * MISCONF: writes (and PING) are refused after a failed background save
   * while save points exist and stop-writes-on-bgsave-error is on.
   */
  writesDenied(): boolean {
    return (
      this.lastBgsaveStatus === 'err' &&
      this.server.config.get('stop-writes-on-bgsave-error') &&
      this.server.config.get('save').length > 0
    );
  }

  /**
   * SAVE, and the final save at shutdown: the whole dataset written at once,
   * blocking the event loop as Redis's SAVE blocks its main thread. Returns
   * false (after logging why) when the file could not be written.
   */
  saveSync(): boolean {
    const started = Date.now();
    const dirtyBefore = this.server.keyspace.dirty;
    try {
      const { keyspace } = this.server;
      const options = this.writeOptions();
      const aux = this.auxInfo();
      // Written as encoded, through one reused buffer (see writeKeyspaceSync).
      writeRdbFileSync(this.dir, this.filename, (emit) =>
        writeKeyspaceSync(keyspace, options, aux, emit, true),
      );
    } catch (err) {
      this.server.log.warning(describeSaveError(err, this.dir, this.filename));
      return false;
    }
    this.server.log.notice('DB saved on disk');
    this.server.keyspace.dirty -= dirtyBefore;
    this.lastSave = started;
    this.lastBgsaveStatus = 'ok';
    return true;
  }

  /**
   * Starts a background save. Returns false when one is already running (the
   * caller decides between an error and scheduling one).
   */
  startBackgroundSave(replication?: ReplicationSave): boolean {
    if (this.snapshot !== null) return false;
    const server = this.server;
    this.lastBgsaveTry = Date.now();
    this.saves++;
    // Not SAVE's temp-<pid>.rdb: a SAVE (DEBUG RELOAD) during a BGSAVE must
    // not replace the file the BGSAVE is writing, as Redis's parent and
    // child use their own pids.
    const tempName = `temp-bg-${process.pid}.rdb`;
    const sink = new RdbFileSink(this.dir, this.filename, tempName);
    const snapshot = new Snapshot(server.keyspace, sink, {
      ...this.writeOptions(),
      aux: { ...this.auxInfo(), ...replication?.aux },
      keySaveDelayUs: server.config.get('rdb-key-save-delay'),
      onFinished: (err) => this.backgroundSaveDone(snapshot, err),
    });
    this.snapshotListener = replication?.onDone ?? null;
    this.snapshot = snapshot;
    this.snapshotStartedAt = Date.now();
    this.dirtyAtSnapshotStart = server.keyspace.dirty;
    server.log.notice(`Background saving started by pid ${process.pid}`);
    snapshot.start();
    return true;
  }

  /**
   * A diskless replication transfer (repl-diskless-sync): the same
   * point-in-time snapshot, written to `sink` (the replicas' sockets)
   * instead of a file. It counts as the one background save in progress, as
   * Redis's RDB child does, but its end changes nothing about LASTSAVE or
   * the dirty counter.
   */
  startSocketSnapshot(sink: SnapshotSink, replication: ReplicationSave): boolean {
    if (this.snapshot !== null) return false;
    const server = this.server;
    const snapshot = new Snapshot(server.keyspace, sink, {
      ...this.writeOptions(),
      aux: { ...this.auxInfo(), ...replication.aux },
      keySaveDelayUs: server.config.get('rdb-key-save-delay'),
      onFinished: (err) => {
        if (this.snapshot !== snapshot) return;
        const listener = this.snapshotListener;
        this.detachSnapshot(snapshot);
        listener?.(err);
      },
    });
    this.snapshotListener = replication.onDone;
    this.snapshot = snapshot;
    this.snapshotStartedAt = Date.now();
    snapshot.start();
    return true;
  }

  private backgroundSaveDone(snapshot: Snapshot, err: Error | null): void {
    if (this.snapshot !== snapshot) return;
    const listener = this.snapshotListener;
    this.detachSnapshot(snapshot);
    this.lastBgsaveSeconds = Math.floor((Date.now() - this.snapshotStartedAt) / 1000);
    const server = this.server;
    if (err === null) {
      server.log.notice('DB saved on disk');
      server.log.notice(
        `RDB: ${Math.floor(snapshot.cowPeakBytes / (1024 * 1024))} MB of memory used by copy-on-write`,
      );
      server.log.notice('Background saving terminated with success');
      server.keyspace.dirty -= this.dirtyAtSnapshotStart;
      this.lastSave = this.snapshotStartedAt;
      this.lastBgsaveStatus = 'ok';
    } else {
      server.log.warning(describeSaveError(err, this.dir, this.filename));
      server.log.warning('Background saving error');
      this.lastBgsaveStatus = 'err';
    }
    listener?.(err);
  }

  private detachSnapshot(snapshot: Snapshot): void {
    this.lastCowBytes = snapshot.cowPeakBytes;
    this.snapshot = null;
    this.snapshotListener = null;
    if (this.server.keyspace.activeSnapshot === snapshot)
      this.server.keyspace.activeSnapshot = null;
  }

  /**
   * Stops a running background save without marking it failed (Redis kills
   * its child with SIGUSR1, which is not an error): FLUSHALL and SHUTDOWN.
   * Returns whether one was running.
   */
  killBackgroundSave(): boolean {
    const snapshot = this.snapshot;
    if (snapshot === null) return false;
    const listener = this.snapshotListener;
    this.detachSnapshot(snapshot);
    const reason = new Error('Background save aborted');
    snapshot.abort(reason);
    listener?.(reason);
    return true;
  }

  /**
   * FLUSHALL, as Redis's flushAllDataAndResetRDB: a running background save
   * is dropped (it would write the old data), and with save points the empty
   * dataset is saved at once so a restart does not bring the keys back.
   */
  afterFlushAll(): void {
    this.killBackgroundSave();
    if (this.server.config.get('save').length === 0) return;
    this.saveSync();
    // The save cleared the counter; the flush itself still counts as a change.
    this.server.keyspace.dirty++;
  }

  /** Save points and scheduled saves, once per cron tick (serverCron). */
  cron(now: number): void {
    if (this.snapshot !== null || this.loading !== null) return;
    const retryAllowed =
      now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY_MS || this.lastBgsaveStatus === 'ok';
    if (!retryAllowed) return;
    const dirty = this.server.keyspace.dirty;
    for (const [seconds, changes] of this.server.config.get('save')) {
      if (dirty >= changes && now - this.lastSave > seconds * 1000) {
        this.server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.startBackgroundSave();
        return;
      }
    }
    if (this.bgsaveScheduled) {
      this.bgsaveScheduled = false;
      this.startBackgroundSave();
    }
  }

  /**
   * Loads dbfilename at start-up, in slices, while the server already
   * answers -LOADING. A missing file is an empty dataset; any other problem
   * is fatal and reported like Redis (the caller exits).
   */
  async loadAtStartup(): Promise<void> {
    let data: Buffer;
    // Loading starts before the file is read: no client may see the empty
    // dataset while the read is in flight.
    this.loading = {
      startedAt: Date.now(),
      totalBytes: 0,
      rdbUsedMemory: 0,
      reader: null,
      async: false,
    };
    try {
      data = await fsp.readFile(path.join(this.dir, this.filename));
    } catch (err) {
      this.loading = null;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new LoadError(
        `Fatal error loading the DB: ${errnoText(err as NodeJS.ErrnoException)}. Exiting.`,
      );
    }
    const started = performance.now();
    await this.load(data);
    this.server.log.notice(
      `DB loaded from disk: ${((performance.now() - started) / 1000).toFixed(3)} seconds`,
    );
  }

  /**
   * Parses a whole RDB image into the keyspace in slices of LOAD_SLICE_MS,
   * with the server answering -LOADING meanwhile. Keys already expired are
   * dropped, as a master does.
   */
  load(data: Buffer): Promise<void> {
    let job: LoadJob<RdbReader>;
    try {
      job = this.beginLoad(data, false);
    } catch (err) {
      return Promise.reject(toLoadError(err));
    }
    return new Promise<void>((resolve, reject) => {
      const step = (): void => {
        let done: boolean;
        try {
          done = job.reader.run(job.handler, performance.now() + LOAD_SLICE_MS);
        } catch (err) {
          this.loading = null;
          reject(toLoadError(err));
          return;
        }
        if (!done) {
          setImmediate(step);
          return;
        }
        this.finishLoad(job);
        resolve();
      };
      step();
    });
  }

  /**
   * DEBUG RELOAD: saves (unless NOSAVE), empties the dataset (unless
   * NOFLUSH) and loads the file back in one blocking step, as Redis does.
   * MERGE lets loaded keys replace existing ones. Returns an error reply
   * text, or null on success.
   */
  debugReload(options: { save: boolean; flush: boolean; merge: boolean }): string | null {
    if (options.save && !this.saveSync()) return 'ERR';
    if (options.flush) this.server.keyspace.flushAll();
    let data: Buffer;
    try {
      data = readFileSync(path.join(this.dir, this.filename));
    } catch (err) {
      this.server.log.warning(`Fatal error loading the DB: ${(err as Error).message}`);
      return 'ERR Error trying to load the RDB dump, check server logs.';
    }
    try {
      const job = this.beginLoad(data, options.merge);
      job.reader.run(job.handler, Infinity);
      this.finishLoad(job);
    } catch (err) {
      this.loading = null;
      this.server.log.warning(toLoadError(err).message);
      return 'ERR Error trying to load the RDB dump, check server logs.';
    }
    this.server.log.warning('DB reloaded by DEBUG RELOAD');
    return null;
  }

  private beginLoad(data: Buffer, replaceExisting: boolean): LoadJob<RdbReader> {
    let reader: RdbReader;
    try {
      reader = new RdbReader(data);
    } catch (err) {
      // A bad signature or version is refused before any record is read;
      // Redis then reports it as rdbLoad failing with EINVAL.
      if (!(err instanceof RdbFormatError) || !isHeaderProblem(err)) throw err;
      throw new LoadError(err.message, 'Fatal error loading the DB: Invalid argument. Exiting.');
    }
    const keyspace = this.server.keyspace;
    return this.loadJob(reader, keyspace.databases, {
      totalBytes: data.length,
      replaceExisting,
      async: false,
      loading: true,
    });
  }

  /**
   * A replica's full sync, parsed while it arrives (replication/sync-load.ts):
   * into `targets` (the live databases, or fresh ones swapped in at the
   * end), or nowhere (`null`) when the payload is only checked before a
   * disk-mode load. `loading` sets the LOADING state for the duration.
   */
  beginStreamLoad(
    reader: IncrementalRdbReader,
    targets: Database[] | null,
    options: { totalBytes: number; async: boolean; loading: boolean },
  ): LoadJob<IncrementalRdbReader> {
    return this.loadJob(reader, targets, { ...options, replaceExisting: false });
  }

  /** One slice of a stream load; throws a LoadError on a bad payload. */
  streamLoadStep(
    job: LoadJob<IncrementalRdbReader>,
    deadline: number,
  ): 'done' | 'yield' | 'need-data' {
    try {
      return job.reader.run(job.handler, deadline);
    } catch (err) {
      throw toLoadError(err);
    }
  }

  /** A stream load that parsed its whole payload: the LOADING state ends. */
  finishStreamLoad(job: LoadJob<IncrementalRdbReader>): void {
    if (job.loading) this.finishLoad(job);
  }

  /** A stream load given up (bad payload, lost link): the LOADING state ends. */
  abortStreamLoad(job: LoadJob<IncrementalRdbReader>): void {
    if (job.loading && this.loading === job.state) this.loading = null;
  }

  private loadJob<R extends { readonly offset: number; readonly emptyKeysSkipped: number }>(
    reader: R,
    targets: Database[] | null,
    options: { totalBytes: number; replaceExisting: boolean; async: boolean; loading: boolean },
  ): LoadJob<R> {
    const server = this.server;
    const keyspace = server.keyspace;
    const log = server.log;
    const { replaceExisting } = options;
    const databaseCount = keyspace.databases.length;
    const state: LoadingState = {
      startedAt: Date.now(),
      totalBytes: options.totalBytes,
      rdbUsedMemory: 0,
      reader,
      async: options.async,
    };
    const counts = { loaded: 0, expired: 0 };
    // At start-up `replicaof` from the configuration already makes us a
    // replica (Redis loads with masterhost set), before the link exists.
    const dropExpired = keyspace.expireOnAccess && server.config.get('replicaof') === null;
    const replInfo: LoadedReplicationInfo = {};
    // A payload only checked is loaded (and reported) by a second job.
    const checkOnly = targets === null;
    if (!checkOnly) this.loadedReplicationInfo = replInfo;
    const now = Date.now();
    // Redis's test hook: a pause per key makes a load slow enough to observe.
    const keyDelayUs = server.config.get('key-load-delay');
    const handler: RdbRecordHandler = {
      aux: (field: string, value: Buffer): void => {
        const text = value.toString('latin1');
        if (checkOnly) {
          if (field === 'repl-stream-db') replInfo.replStreamDb = Number(text);
        } else if (field === 'redis-ver') log.notice(`Loading RDB produced by version ${text}`);
        else if (field === 'ctime') {
          log.notice(`RDB age ${Math.floor(now / 1000) - Number(text)} seconds`);
        } else if (field === 'repl-id') {
          replInfo.replId = text;
        } else if (field === 'repl-offset') {
          replInfo.replOffset = Number(text);
        } else if (field === 'repl-stream-db') {
          replInfo.replStreamDb = Number(text);
        } else if (field === 'used-mem') {
          state.rdbUsedMemory = Number(text);
          log.notice(
            `RDB memory usage when created ${(state.rdbUsedMemory / (1024 * 1024)).toFixed(2)} Mb`,
          );
        }
      },
      key: (dbIndex: number, key: Buffer, value: StoredValue, expireAt: number): void => {
        if (keyDelayUs > 0) busyWait(keyDelayUs);
        if (dbIndex >= databaseCount) {
          throw new LoadError(
            `FATAL: Data file was created with a Redis server configured to handle more than ${databaseCount} databases. Exiting`,
          );
        }
        if (checkOnly) return;
        const db = targets[dbIndex]!;
        // A replica keeps expired keys: its master will send the DELs.
        if (expireAt !== 0 && expireAt < now && dropExpired) {
          counts.expired++;
          return;
        }
        const name = key.latin1Slice(0, key.length);
        if (replaceExisting) {
          // DEBUG RELOAD MERGE: the loaded key wins, through the ordinary path.
          db.delete(name, false);
          db.add(name, value, expireAt);
        } else if (!db.insertLoaded(name, value, expireAt)) {
          throw new RdbFormatError(`Duplicate key '${name}' found in RDB file`, reader.offset);
        }
        counts.loaded++;
      },
    };
    if (options.loading) this.loading = state;
    return {
      reader,
      handler,
      counts,
      dirtyBefore: keyspace.dirty,
      replInfo,
      state,
      loading: options.loading,
    };
  }

  private finishLoad(job: LoadJob<{ readonly emptyKeysSkipped: number }>): void {
    this.loading = null;
    // Loading is not a change: the dataset equals the file.
    this.server.keyspace.dirty = job.dirtyBefore;
    const { loaded, expired } = job.counts;
    this.lastLoadKeysLoaded = loaded;
    this.lastLoadKeysExpired = expired;
    const log = this.server.log;
    if (job.reader.emptyKeysSkipped > 0)
      log.warning(`Done loading RDB, skipped ${job.reader.emptyKeysSkipped} empty keys.`);
    log.notice(`Done loading RDB, keys loaded: ${loaded}, keys expired: ${expired}.`);
  }

  /** INFO persistence, in Redis 7.0's field order. */
  infoLines(): string[] {
    const now = Date.now();
    const snapshot = this.snapshot;
    const loading = this.loading;
    const lines = [
      `loading:${loading !== null && !loading.async ? 1 : 0}`,
      `async_loading:${loading !== null && loading.async ? 1 : 0}`,
      `current_cow_peak:${snapshot?.cowPeakBytes ?? 0}`,
      `current_cow_size:${snapshot?.cowBytes ?? 0}`,
      'current_cow_size_age:0',
      'current_fork_perc:0.00',
      `current_save_keys_processed:${snapshot?.keysProcessed ?? 0}`,
      `current_save_keys_total:${snapshot?.keysTotal ?? 0}`,
      `rdb_changes_since_last_save:${this.server.keyspace.dirty}`,
      `rdb_bgsave_in_progress:${snapshot !== null ? 1 : 0}`,
      `rdb_last_save_time:${Math.floor(this.lastSave / 1000)}`,
      `rdb_last_bgsave_status:${this.lastBgsaveStatus}`,
      `rdb_last_bgsave_time_sec:${this.lastBgsaveSeconds}`,
      `rdb_current_bgsave_time_sec:${snapshot !== null ? Math.floor((now - this.snapshotStartedAt) / 1000) : -1}`,
      `rdb_saves:${this.saves}`,
      `rdb_last_cow_size:${this.lastCowBytes}`,
      `rdb_last_load_keys_expired:${this.lastLoadKeysExpired}`,
      `rdb_last_load_keys_loaded:${this.lastLoadKeysLoaded}`,
      'aof_enabled:0',
      'aof_rewrite_in_progress:0',
      'aof_rewrite_scheduled:0',
      'aof_last_rewrite_time_sec:-1',
      'aof_current_rewrite_time_sec:-1',
      'aof_last_bgrewrite_status:ok',
      'aof_rewrites:0',
      'aof_rewrites_consecutive_failures:0',
      'aof_last_write_status:ok',
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ];
    if (loading !== null) {
      const loadedBytes = loading.reader?.offset ?? 0;
      const elapsed = (now - loading.startedAt) / 1000;
      const perc = loading.totalBytes > 0 ? (loadedBytes / loading.totalBytes) * 100 : 0;
      const eta =
        loadedBytes > 0
          ? Math.floor(((loading.totalBytes - loadedBytes) / loadedBytes) * elapsed)
          : 1;
      lines.push(
        `loading_start_time:${Math.floor(loading.startedAt / 1000)}`,
        `loading_total_bytes:${loading.totalBytes}`,
        `loading_rdb_used_mem:${loading.rdbUsedMemory}`,
        `loading_loaded_bytes:${loadedBytes}`,
        `loading_loaded_perc:${perc.toFixed(2)}`,
        `loading_eta_seconds:${eta}`,
      );
    }
    return lines;
  }
}

/** The replication history a loaded dump recorded (rdbSaveInfo on load). */
export interface LoadedReplicationInfo {
  replId?: string;
  replOffset?: number;
  replStreamDb?: number;
}

/** What replication adds to a background save: its aux fields and an end notice. */
export interface ReplicationSave {
  aux: Partial<RdbAuxInfo>;
  onDone: (err: Error | null) => void;
}

/** One RDB being loaded: its reader, the record handler and what it counted. */
export interface LoadJob<R> {
  reader: R;
  handler: RdbRecordHandler;
  counts: { loaded: number; expired: number };
  /** The dirty counter before loading, restored after: loading is not a change. */
  dirtyBefore: number;
  /** The repl-* aux fields seen so far. */
  replInfo: LoadedReplicationInfo;
  state: LoadingState;
  /** Whether the job holds the LOADING state. */
  loading: boolean;
}

/** A signature or version Redis refuses before reading any record. */
function isHeaderProblem(err: RdbFormatError): boolean {
  return (
    err.message.startsWith('Wrong signature') ||
    err.message.startsWith("Can't handle RDB format version")
  );
}

/** A start-up load that must stop the server; `lines` are what to log, in order. */
export class LoadError extends Error {
  readonly lines: string[];
  constructor(...lines: string[]) {
    super(lines.join(' '));
    this.lines = lines;
  }
}

function toLoadError(err: unknown): Error {
  if (err instanceof LoadError) return err;
  if (err instanceof RdbFormatError) {
    const internal = `Internal error in RDB reading offset ${Math.max(0, err.offset)}, function at rdbLoad -> ${err.message}`;
    // A truncated file: Redis says so first, then names the offset.
    if (err.message === 'Unexpected EOF reading RDB file')
      return new LoadError(
        'Short read or OOM loading DB. Unrecoverable error, aborting now.',
        internal,
      );
    return new LoadError(internal);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Redis's debugDelay: a deliberate stall, only for the test hooks above. */
function busyWait(micros: number): void {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until) {
    // spin
  }
}

/** The log line Redis writes when a save fails, by the step that failed. */
function describeSaveError(err: unknown, dir: string, filename: string): string {
  if (!(err instanceof RdbSaveError)) {
    return `Write error saving DB on disk: ${err instanceof Error ? err.message : String(err)}`;
  }
  const reason = errnoText(err);
  switch (err.step) {
    case 'open':
      return `Failed opening the temp RDB file ${err.tempName} (in server root dir ${dir}) for saving: ${reason}`;
    case 'rename':
      return `Error moving temp DB file ${err.tempName} on the final destination ${filename} (in server root dir ${dir}): ${reason}`;
    case 'write':
      return `Write error saving DB on disk: ${reason}`;
  }
}

/** strerror-style text for a Node error ("Is a directory", not "EISDIR: ..."). */
function errnoText(err: { code?: string; message: string }): string {
  const byCode: Record<string, string> = {
    EISDIR: 'Is a directory',
    EACCES: 'Permission denied',
    ENOENT: 'No such file or directory',
    ENOSPC: 'No space left on device',
    EROFS: 'Read-only file system',
    EPERM: 'Operation not permitted',
    ENOTDIR: 'Not a directory',
    EIO: 'Input/output error',
  };
  return (err.code !== undefined ? byCode[err.code] : undefined) ?? err.message;
}
