import { Command, type CommandSpec } from './types.js';
import { stringCommands } from './strings.js';
import { keyCommands } from './keys.js';
import { dumpRestoreCommands } from './dump-restore.js';
import { connectionCommands } from './connection.js';
import { serverCommands } from './server-admin.js';
import { listCommands } from './lists.js';
import { hashCommands } from './hashes.js';
import { setCommands } from './sets.js';
import { sortedSetCommands } from './sorted-sets.js';
import { transactionCommands } from './transactions.js';
import { pubsubCommands } from './pubsub.js';
import { replicationCommands } from './replication.js';

/**
 * The command table: every family declares its commands as data and this is
 * where they meet. The dispatcher, COMMAND, INFO commandstats and (later)
 * replication all read this one table.
 */
export const ALL_COMMAND_SPECS: readonly CommandSpec[] = [
  ...stringCommands,
  ...keyCommands,
  ...dumpRestoreCommands,
  ...connectionCommands,
  ...serverCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...sortedSetCommands,
  ...transactionCommands,
  ...pubsubCommands,
  ...replicationCommands,
];

export class CommandTable {
  private lastName: Buffer = Buffer.alloc(0);
  private lastCommand: Command | undefined = undefined;
  /** Keyed by lower-case and upper-case name, so most lookups avoid lowercasing. */
  private readonly byName = new Map<string, Command>();
  readonly all: Command[] = [];

  constructor(specs: readonly CommandSpec[] = ALL_COMMAND_SPECS) {
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`duplicate command ${spec.name}`);
      const command = new Command(spec, null);
      this.all.push(command);
      this.byName.set(spec.name, command);
      this.byName.set(spec.name.toUpperCase(), command);
    }
  }

  lookupName(name: string): Command | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** Resolves argv to a command or subcommand, as Redis's lookupCommand does. */
  lookup(argv: Buffer[]): Command | undefined {
    const name = argv[0]!;
    let base: Command | undefined;
    // Pipelines repeat the same command: comparing a few bytes with the last
    // name seen is cheaper than making a string and hashing it.
    if (this.lastCommand !== undefined && sameBytes(name, this.lastName)) {
      base = this.lastCommand;
    } else {
      base = this.lookupName(name.latin1Slice(0, name.length));
      if (base !== undefined && name.length <= 32) {
        this.lastName = Buffer.from(name);
        this.lastCommand = base;
      }
    }
    if (base === undefined || base.subcommands === null || argv.length < 2) return base;
    return base.subcommands.get(argv[1]!.toString('latin1').toLowerCase());
  }

  /**
   * `rename-command OLD NEW` from redis.conf: NEW becomes the name clients
   * use, OLD stops existing; an empty NEW disables the command. Errors are
   * returned as Redis words them (the caller turns them into the fatal config
   * block naming the line). Stats and error texts keep the original name, as
   * in Redis.
   */
  rename(from: string, to: string): string | null {
    const command = this.lookupName(from);
    if (command === undefined) return 'No such command in rename-command';
    if (to !== '' && this.lookupName(to) !== undefined) return 'Target command name already exists';
    for (const [name, c] of this.byName) if (c === command) this.byName.delete(name);
    this.lastCommand = undefined;
    if (to !== '') {
      this.byName.set(to.toLowerCase(), command);
      this.byName.set(to.toUpperCase(), command);
    }
    return null;
  }

  /** Every command and subcommand, for INFO commandstats and CONFIG RESETSTAT. */
  *everyCommand(): Generator<Command> {
    for (const c of this.all) {
      yield c;
      if (c.subcommands !== null) yield* c.subcommands.values();
    }
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  const len = a.length;
  if (len !== b.length) return false;
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
}
