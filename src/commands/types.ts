import type { Client } from '../server/client.js';

/**
 * Command flags, named as in Redis 7's command table (COMMAND INFO shows them).
 * The dispatcher reads them to enforce policy; handlers never re-check policy.
 */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_multi'
  | 'allow_busy'
  | 'no_mandatory_keys'
  | 'sentinel'
  | 'only_sentinel'
  | 'no_async_loading'
  /** Refused unless enable-debug-command allows it (DEBUG). */
  | 'protected';

export type CommandGroup =
  | 'generic'
  | 'string'
  | 'list'
  | 'set'
  | 'sorted_set'
  | 'hash'
  | 'pubsub'
  | 'transactions'
  | 'connection'
  | 'server'
  | 'scripting'
  | 'hyperloglog'
  | 'cluster'
  | 'sentinel'
  | 'geo'
  | 'stream'
  | 'bitmap';

/**
 * A handler receives arguments whose count already satisfies the arity, from a
 * client that passed every policy check. It writes exactly one reply.
 */
export type CommandHandler = (c: Client, argv: Buffer[]) => void;

/** How a command is declared, once, in its family's module. */
export interface CommandSpec {
  /** Lower-case name (for a subcommand, just the subcommand: `get`). */
  name: string;
  /** As Redis: N means exactly N arguments including the name; -N at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  /** Key positions (1-based argv indexes); lastKey -1 means "to the end". */
  firstKey: number;
  lastKey: number;
  step: number;
  group: CommandGroup;
  summary: string;
  since: string;
  complexity: string;
  /**
   * For commands whose keys are counted by an argument (LMPOP, ZUNIONSTORE,
   * SINTERCARD...): the argv index of that count; the keys follow it. Such
   * commands show the `movablekeys` flag, as in Redis.
   */
  numkeysIndex?: number;
  /** Extra ACL categories beyond what group and flags imply (e.g. `dangerous`). */
  acl?: readonly string[];
  handler?: CommandHandler;
  subcommands?: readonly CommandSpec[];
}

/** Per-command counters for INFO commandstats. */
export class CommandStats {
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;

  reset(): void {
    this.calls = this.usec = this.rejectedCalls = this.failedCalls = 0;
  }
}

/** Flag bits, so the dispatcher tests a flag with one AND. */
export const FLAG_BITS: Record<CommandFlag, number> = {
  write: 1 << 0,
  readonly: 1 << 1,
  denyoom: 1 << 2,
  admin: 1 << 3,
  pubsub: 1 << 4,
  noscript: 1 << 5,
  blocking: 1 << 6,
  loading: 1 << 7,
  stale: 1 << 8,
  skip_monitor: 1 << 9,
  skip_slowlog: 1 << 10,
  fast: 1 << 11,
  no_auth: 1 << 12,
  may_replicate: 1 << 13,
  no_multi: 1 << 14,
  allow_busy: 1 << 15,
  no_mandatory_keys: 1 << 16,
  sentinel: 1 << 17,
  only_sentinel: 1 << 18,
  protected: 1 << 19,
  no_async_loading: 1 << 20,
};

/** The runtime form of a spec: flags as bits, full name, stats, subcommands. */
export class Command {
  readonly flagBits: number;
  readonly stats = new CommandStats();
  readonly subcommands: Map<string, Command> | null;
  /** `config|get` for subcommands, as Redis names them in errors and stats. */
  readonly fullName: string;

  constructor(
    readonly spec: CommandSpec,
    readonly parent: Command | null,
  ) {
    let bits = 0;
    for (const f of spec.flags) bits |= FLAG_BITS[f];
    this.flagBits = bits;
    this.fullName = parent === null ? spec.name : `${parent.spec.name}|${spec.name}`;
    if (spec.subcommands !== undefined) {
      this.subcommands = new Map();
      for (const sub of spec.subcommands) this.subcommands.set(sub.name, new Command(sub, this));
    } else {
      this.subcommands = null;
    }
  }

  has(flag: CommandFlag): boolean {
    return (this.flagBits & FLAG_BITS[flag]) !== 0;
  }
}
