import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { SnapshotSink } from './snapshot.js';

/**
 * Writing an RDB file safely, as rdbSave does: everything goes to a temp file
 * in the target directory, which is fsynced and only then renamed over the
 * target (then the directory is fsynced so the rename survives a crash). A
 * reader of the target therefore sees the old file or the new one, never half
 * of one.
 *
 * The temp file is always created fresh (unlink, then exclusive create): an
 * aborted save whose last write is still in flight keeps writing into its
 * own, orphaned inode and can never scribble over the next save's file.
 */

/** Above this many queued bytes the sink reports itself full. */
const HIGH_WATER = 4 * 1024 * 1024;
/** A paused snapshot resumes once the queue is below this. */
const LOW_WATER = 1024 * 1024;
/** Buffers handed to one writev call. */
const WRITEV_BATCH = 64;

/**
 * A failed save, with the step that failed so the log line can be Redis's
 * ("Failed opening the temp RDB file ...", "Write error saving DB on disk
 * ...", "Error moving temp DB file ... on the final destination ...").
 */
export class RdbSaveError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly step: 'open' | 'write' | 'rename',
    readonly tempName: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'RdbSaveError';
    this.code = (cause as NodeJS.ErrnoException | null)?.code;
  }
}

function asError(err: unknown, step: RdbSaveError['step'], tempPath: string): Error {
  return err instanceof RdbSaveError ? err : new RdbSaveError(step, path.basename(tempPath), err);
}

/** fsync of a directory; some platforms refuse it, which is not a failure. */
async function syncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | null = null;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort, as Redis's fsyncFileDir ignores EBADF/EINVAL.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export class RdbFileSink implements SnapshotSink {
  private readonly tempPath: string;
  private readonly targetPath: string;
  private handle: fsp.FileHandle | null = null;
  private readonly opening: Promise<void>;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private error: Error | null = null;
  private aborted = false;
  private drainCallback: (() => void) | null = null;
  private endCallback: ((err: Error | null) => void) | null = null;

  constructor(
    private readonly dir: string,
    filename: string,
    tempName: string,
  ) {
    this.tempPath = path.join(dir, tempName);
    this.targetPath = path.join(dir, filename);
    this.opening = this.open();
  }

  write(chunk: Buffer): boolean {
    // After a failure the bytes have nowhere to go; end() reports the error.
    if (this.error !== null || this.aborted) return true;
    this.queue.push(chunk);
    this.queued += chunk.length;
    void this.pump();
    return this.queued <= HIGH_WATER;
  }

  onDrain(callback: () => void): void {
    if (this.queued <= LOW_WATER || this.error !== null || this.aborted) {
      queueMicrotask(callback);
      return;
    }
    this.drainCallback = callback;
  }

  end(callback: (err: Error | null) => void): void {
    this.endCallback = callback;
    void this.pump();
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.queue = [];
    this.queued = 0;
    this.endCallback = null;
    void this.pump();
  }

  private async open(): Promise<void> {
    try {
      await fsp.unlink(this.tempPath).catch(() => undefined);
      this.handle = await fsp.open(this.tempPath, 'wx');
    } catch (err) {
      this.error = asError(err, 'open', this.tempPath);
    }
  }

  /** The single writer loop: drains the queue, then finishes or cleans up. */
  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      await this.opening;
      while (this.error === null && !this.aborted && this.queue.length > 0) {
        const batch = this.queue.splice(0, WRITEV_BATCH);
        let size = 0;
        for (const b of batch) size += b.length;
        try {
          await this.writeAll(batch, size);
        } catch (err) {
          this.error = asError(err, 'write', this.tempPath);
          break;
        }
        this.queued -= size;
        if (this.drainCallback !== null && this.queued <= LOW_WATER) {
          const cb = this.drainCallback;
          this.drainCallback = null;
          cb();
        }
      }
      if (this.aborted || this.error !== null) {
        const cb = this.endCallback;
        this.endCallback = null;
        const drain = this.drainCallback;
        this.drainCallback = null;
        await this.cleanup();
        drain?.();
        cb?.(this.aborted ? new Error('aborted') : this.error);
        return;
      }
      if (this.endCallback !== null && this.queue.length === 0) {
        const cb = this.endCallback;
        this.endCallback = null;
        try {
          await this.handle!.sync();
        } catch (err) {
          this.error = asError(err, 'write', this.tempPath);
          await this.cleanup();
          cb(this.error);
          return;
        }
        try {
          await this.handle!.close();
          this.handle = null;
          await fsp.rename(this.tempPath, this.targetPath);
          await syncDir(this.dir);
        } catch (err) {
          this.error = asError(err, 'rename', this.tempPath);
          // Closed already: remove the temp file by name, as rdbSave unlinks it.
          await fsp.unlink(this.tempPath).catch(() => undefined);
          cb(this.error);
          return;
        }
        cb(null);
      }
    } finally {
      this.writing = false;
    }
    // Writes queued while the loop was finishing one batch.
    if (this.queue.length > 0 || this.endCallback !== null) void this.pump();
  }

  private async writeAll(batch: Buffer[], size: number): Promise<void> {
    const { bytesWritten } = await this.handle!.writev(batch);
    if (bytesWritten === size) return;
    // A short write: finish the rest buffer by buffer.
    let skip = bytesWritten;
    for (const b of batch) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      let offset = skip;
      skip = 0;
      while (offset < b.length) {
        const r = await this.handle!.write(b, offset, b.length - offset);
        offset += r.bytesWritten;
      }
    }
  }

  /** Closes and removes the temp file, unless the path is already someone else's file. */
  private async cleanup(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle === null) return;
    try {
      const mine = await handle.stat();
      const current = await fsp.stat(this.tempPath).catch(() => null);
      if (current !== null && current.ino === mine.ino && current.dev === mine.dev)
        await fsp.unlink(this.tempPath);
    } catch {
      // Nothing more to do: the error that brought us here is what matters.
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
}

/**
 * SAVE's synchronous write: temp file, fsync, rename over the target, fsync
 * the directory. `content` is the file's chunks, or a producer that hands
 * them over as it encodes them (each written before the next is made, so
 * SAVE needs no second copy of the dataset in memory).
 */
export function writeRdbFileSync(
  dir: string,
  filename: string,
  content: Buffer[] | ((emit: (chunk: Buffer) => void) => void),
): void {
  const tempPath = path.join(dir, `temp-${process.pid}.rdb`);
  const targetPath = path.join(dir, filename);
  try {
    fs.unlinkSync(tempPath);
  } catch {
    // Usually absent.
  }
  let fd: number;
  try {
    fd = fs.openSync(tempPath, 'wx');
  } catch (err) {
    throw asError(err, 'open', tempPath);
  }
  const emit = (chunk: Buffer): void => {
    let offset = 0;
    while (offset < chunk.length) offset += fs.writeSync(fd, chunk, offset);
  };
  try {
    if (Array.isArray(content)) for (const chunk of content) emit(chunk);
    else content(emit);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tempPath, { force: true });
    throw asError(err, 'write', tempPath);
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tempPath, targetPath);
  } catch (err) {
    fs.rmSync(tempPath, { force: true });
    throw asError(err, 'rename', tempPath);
  }
  try {
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch {
    // Best effort, as for the asynchronous sink.
  }
}
