import { Command, type CommandSpec } from './types.js';
import { stringCommands } from './strings.js';
import { keyCommands } from './keys.js';
import { connectionCommands } from './connection.js';
import { serverCommands } from './server-admin.js';

/**
 * The command table: every family declares its commands as data and this is
 * where they meet. The dispatcher, COMMAND, INFO commandstats and (later)
 * replication all read this one table.
 */
export const ALL_COMMAND_SPECS: readonly CommandSpec[] = [
  ...stringCommands,
  ...keyCommands,
  ...connectionCommands,
  ...serverCommands,
];

export class CommandTable {
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
    const base = this.lookupName(name.latin1Slice(0, name.length));
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
