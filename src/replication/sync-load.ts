import { closeSync, fsync, openSync, renameSync, unlinkSync, writeSync, close } from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server.js';
import { Database } from '../store/database.js';
import { RdbReader, type IncrementalRdbReader } from '../persistence/rdb-reader.js';
import type { LoadJob } from '../persistence/persistence.js';

/**
 * Where a full sync's RDB goes while it arrives from the master, as
 * `repl-diskless-load` decides (Redis's readSyncBulkPayload):
 *
 *   disk    (`disabled`, and `on-empty-db` with data) the payload is written
 *           to a temp file and parsed as it arrives, only to check it; once
 *           complete and sound it replaces dbfilename and is loaded in a
 *           second pass after the old data is flushed. A bad payload leaves
 *           the old data untouched (Redis would already have flushed it).
 *   socket  (`on-empty-db` with no keys) parsed straight into the live,
 *           empty databases with -LOADING answered; a bad payload leaves
 *           them empty again.
 *   swapdb  parsed into fresh databases while the old ones keep serving;
 *           swapped in when the payload is complete and sound, discarded
 *           otherwise. Needs memory for both datasets, as Redis warns.
 *
 * Parsing happens in slices of SLICE_MS between reads, so a master that
 * streams its snapshot (diskless sync) and this replica work in parallel.
 */

/** How long one parsing slice may keep the event loop (ms). */
const SLICE_MS = 10;

export type SyncLoadMode = 'disk' | 'socket' | 'swapdb';

export class SyncLoad {
  readonly reader: IncrementalRdbReader = RdbReader.incremental();
  readonly job: LoadJob<IncrementalRdbReader>;
  /** swapdb: the databases being filled. */
  readonly staging: Database[] | null = null;
  /** disk: the payload, kept for the loading pass. */
  readonly chunks: Buffer[] = [];
  private file: { fd: number; tempName: string } | null = null;
  private ended = false;
  private parsed = false;
  private scheduled = false;
  private finished = false;

  constructor(
    private readonly server: Server,
    readonly mode: SyncLoadMode,
    totalBytes: number,
    /** Async loading: the old data is an earlier state of the same history. */
    asyncLoading: boolean,
    private readonly onComplete: () => void,
    private readonly onError: (err: Error) => void,
  ) {
    const keyspace = server.keyspace;
    let targets: Database[] | null = null;
    if (mode === 'socket') targets = keyspace.databases;
    else if (mode === 'swapdb') {
      this.staging = keyspace.databases.map((db) => new Database(db.id, keyspace));
      targets = this.staging;
    }
    this.job = server.persistence.beginStreamLoad(this.reader, targets, {
      totalBytes: Math.max(totalBytes, 0),
      async: asyncLoading,
      loading: mode !== 'disk',
    });
    if (mode === 'disk') this.openTempFile();
  }

  /** Payload bytes from the master (never the `$` header or the EOF mark's framing). */
  push(chunk: Buffer): void {
    if (this.finished) return;
    if (this.file !== null) {
      try {
        writeSync(this.file.fd, chunk);
      } catch (err) {
        this.fail(
          new Error(
            `Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: ${(err as Error).message}`,
          ),
        );
        return;
      }
      this.chunks.push(chunk);
    }
    this.reader.push(chunk);
    this.schedule();
  }

  /** The whole payload arrived. */
  end(): void {
    if (this.finished) return;
    this.ended = true;
    this.reader.end();
    this.schedule();
  }

  /** The link went away or a newer transfer replaced this one. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.server.persistence.abortStreamLoad(this.job);
    this.discardTempFile();
    // Never a half-loaded dataset: the live databases were empty before.
    if (this.mode === 'socket') this.server.keyspace.flushAll();
  }

  /**
   * disk: the checked payload becomes dbfilename (fsync, then rename), as
   * Redis renames its transfer file before loading it.
   */
  installFile(done: (err: Error | null) => void): void {
    const file = this.file;
    if (file === null) {
      done(null);
      return;
    }
    fsync(file.fd, (syncErr) => {
      close(file.fd, () => {
        this.file = null;
        if (syncErr !== null) {
          this.unlinkQuietly(file.tempName);
          done(
            new Error(
              `Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: ${syncErr.message}`,
            ),
          );
          return;
        }
        const filename = this.server.config.get('dbfilename');
        try {
          renameSync(file.tempName, filename);
        } catch (err) {
          this.unlinkQuietly(file.tempName);
          done(
            new Error(
              `Failed trying to rename the temp DB into ${filename} in MASTER <-> REPLICA synchronization: ${(err as Error).message}`,
            ),
          );
          return;
        }
        done(null);
      });
    });
  }

  /** The payload as one buffer, for the disk mode's loading pass. */
  payload(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private schedule(): void {
    if (this.scheduled || this.finished) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.step();
    });
  }

  private step(): void {
    if (this.finished) return;
    if (!this.parsed) {
      let result: 'done' | 'yield' | 'need-data';
      try {
        result = this.server.persistence.streamLoadStep(this.job, performance.now() + SLICE_MS);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      if (result === 'yield') {
        this.schedule();
        return;
      }
      if (result === 'need-data') return;
      this.parsed = true;
    }
    // The RDB ended: complete once the framing says the payload did too.
    if (!this.ended) return;
    this.finished = true;
    this.server.persistence.finishStreamLoad(this.job);
    this.onComplete();
  }

  private fail(err: Error): void {
    this.abort();
    this.onError(err);
  }

  private openTempFile(): void {
    // Redis's name for the transfer file: temp-<unixtime>.<pid>.rdb.
    const tempName = `temp-${Math.floor(Date.now() / 1000)}.${process.pid}.rdb`;
    try {
      this.file = { fd: openSync(path.resolve(tempName), 'w', 0o644), tempName };
    } catch (err) {
      this.finished = true;
      this.server.persistence.abortStreamLoad(this.job);
      const message = `Opening the temp file needed for MASTER <-> REPLICA synchronization: ${(err as Error).message}`;
      // Reported from the caller's turn, after construction returned.
      setImmediate(() => this.onError(new Error(message)));
    }
  }

  private discardTempFile(): void {
    const file = this.file;
    if (file === null) return;
    this.file = null;
    try {
      closeSync(file.fd);
    } catch {
      // Already closed by a failed install: nothing left to release.
    }
    this.unlinkQuietly(file.tempName);
  }

  private unlinkQuietly(name: string): void {
    try {
      unlinkSync(name);
    } catch {
      // A temp file that is already gone is what we wanted.
    }
  }
}
