import { appendFileSync, openSync, closeSync, writeSync } from 'node:fs';

/**
 * Log lines in redis-server's layout, because operators grep for them:
 *   `pid:role dd Mon yyyy hh:mm:ss.mmm <level> message`
 * role: M master, S replica, X sentinel, C child; level: `.` debug, `-` verbose,
 * `*` notice, `#` warning.
 *
 * Writes are synchronous on purpose: Redis's log is unbuffered, a crash must not
 * lose the last lines, and the volume at notice level is tiny.
 */
export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const LEVEL_MARK: Record<LogLevel, string> = {
  debug: '.',
  verbose: '-',
  notice: '*',
  warning: '#',
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type LogRole = 'M' | 'S' | 'X' | 'C';

export class Logger {
  level: LogLevel = 'notice';
  role: LogRole = 'M';
  /** Empty string: standard output, as `logfile ""` in Redis. */
  private file = '';
  private fd: number | null = null;

  setFile(path: string): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    this.file = path;
    if (path !== '') {
      // Opened for append and never truncated, as Redis does; fails loudly at
      // start-up if the path is unwritable.
      this.fd = openSync(path, 'a');
    }
  }

  get logfile(): string {
    return this.file;
  }

  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.level];
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  verbose(message: string): void {
    this.log('verbose', message);
  }
  notice(message: string): void {
    this.log('notice', message);
  }
  warning(message: string): void {
    this.log('warning', message);
  }

  log(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    this.raw(
      `${process.pid}:${this.role} ${timestamp(new Date())} ${LEVEL_MARK[level]} ${message}\n`,
    );
  }

  /** Unformatted text (the logo, the fatal config block). */
  raw(text: string): void {
    if (this.fd !== null) {
      writeSync(this.fd, text);
    } else {
      try {
        writeSync(1, text);
      } catch {
        // stdout closed (daemonized or piped to a dead reader): nothing to do.
      }
    }
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function timestamp(d: Date): string {
  return (
    `${pad(d.getDate(), 2)} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** For code paths that run before a Logger exists (argument errors). */
export function appendToFile(path: string, text: string): void {
  appendFileSync(path, text);
}
