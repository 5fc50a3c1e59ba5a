import type { Client } from './client.js';

/**
 * SLOWLOG: commands slower than `slowlog-log-slower-than` microseconds, newest
 * first, at most `slowlog-max-len` entries. Arguments are clipped the way
 * Redis clips them (32 arguments, 128 bytes each) so one huge command cannot
 * pin megabytes in the log.
 */
export interface SlowlogEntry {
  id: number;
  timestamp: number;
  durationUs: number;
  argv: Buffer[];
  addr: string;
  name: string;
}

const MAX_ARGS = 32;
const MAX_ARG_LEN = 128;

export class Slowlog {
  private entries: SlowlogEntry[] = [];
  private nextId = 0;

  record(c: Client, argv: Buffer[], durationUs: number, maxLen: number): void {
    const kept: Buffer[] = [];
    const count = Math.min(argv.length, MAX_ARGS);
    for (let i = 0; i < count; i++) {
      if (count < argv.length && i === MAX_ARGS - 1) {
        kept.push(Buffer.from(`... (${argv.length - MAX_ARGS + 1} more arguments)`));
        break;
      }
      const arg = argv[i]!;
      kept.push(
        arg.length > MAX_ARG_LEN
          ? Buffer.concat([
              arg.subarray(0, MAX_ARG_LEN),
              Buffer.from(`... (${arg.length - MAX_ARG_LEN} more bytes)`),
            ])
          : Buffer.from(arg),
      );
    }
    this.entries.unshift({
      id: this.nextId++,
      timestamp: Math.floor(Date.now() / 1000),
      durationUs,
      argv: kept,
      addr: c.addr,
      name: c.name,
    });
    this.trim(maxLen);
  }

  trim(maxLen: number): void {
    if (this.entries.length > maxLen) this.entries.length = Math.max(0, maxLen);
  }

  get length(): number {
    return this.entries.length;
  }

  latest(count: number): SlowlogEntry[] {
    return count < 0 ? this.entries.slice() : this.entries.slice(0, count);
  }

  reset(): void {
    this.entries = [];
  }
}
