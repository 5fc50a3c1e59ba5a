/**
 * The server's configuration: loaded once from redis.conf and the command
 * line, read on every hot path, changed by CONFIG SET, persisted by CONFIG
 * REWRITE, with Redis 7.0.15's semantics and error texts throughout.
 *
 * Values live in one plain record keyed by canonical option name, so
 * `config.get('timeout')` is a property load; CONFIG GET answers from a
 * parallel record of preformatted texts, so it never re-derives 64-bit
 * numbers from floats. Both records are only written here.
 *
 * Runtime effects (rebinding the listener, resizing the backlog, ...) belong
 * to the subsystems that own them; they register `onApply` hooks, which
 * CONFIG SET calls after all new values validated, rolling every value back
 * if one hook refuses, as Redis does with its apply functions.
 */
import * as path from 'node:path';
import { codecFor, type Codec, type LoadState } from './codecs.js';
import {
  buildConfigFromArgv,
  loadConfigString,
  readConfigPattern,
  type FileDirectiveName,
  type LoadTarget,
  type Origin,
} from './config-file.js';
import { nodeEnvironment, type ConfigEnvironment } from './env.js';
import { ConfigError, ConfigSetError } from './errors.js';
import {
  OPTION_TABLE,
  isOptionEntry,
  type ConfigName,
  type ConfigValues,
  type OptionEntry,
  type TableEntry,
} from './options.js';
import { RewriteState, overwriteFileAtomically, readOldConfig } from './rewrite.js';
import { globMatch, isGlobPattern } from '../store/glob.js';
import { strerror } from './text.js';

export {
  ConfigError,
  ConfigSetError,
  formatFatalConfigError,
  type ConfigErrorKind,
} from './errors.js';
export { buildConfigFromArgv, type CommandLine, type Origin } from './config-file.js';
export type { ConfigEnvironment } from './env.js';
export {
  KEYSPACE_EVENT,
  type ConfigName,
  type ConfigValues,
  type OutputBufferLimits,
} from './options.js';

/** One option at runtime: its table entry and the codec built from it. */
interface Slot {
  readonly name: ConfigName;
  readonly entry: OptionEntry;
  readonly codec: Codec;
}

/** A name CONFIG understands: the canonical one or an alias, both pointing at the slot. */
interface NameEntry {
  readonly slot: Slot;
  /** The name as Redis registers it (what CONFIG GET patterns match and errors quote). */
  readonly registered: string;
}

const SLOTS: readonly Slot[] = (OPTION_TABLE as readonly TableEntry[])
  .filter(isOptionEntry)
  .map((entry) => ({
    name: entry.name as ConfigName,
    entry,
    codec: codecFor(entry),
  }));

/** Every CONFIG name in table order, each canonical name followed by its aliases. */
const NAMES = new Map<string, NameEntry>();
for (const slot of SLOTS) {
  NAMES.set(slot.name, { slot, registered: slot.name });
  for (const alias of slot.entry.aliases ?? []) NAMES.set(alias, { slot, registered: alias });
}

const STATUS_BY_NAME = new Map<string, TableEntry['status']>(
  OPTION_TABLE.map((e) => [e.name, e.status]),
);

const lookup = (name: string): NameEntry | undefined => NAMES.get(name.toLowerCase());

export type ApplyHook<K extends ConfigName> = (
  value: ConfigValues[K],
  previous: ConfigValues[K],
) => string | null;
type AnyHook = (value: unknown, previous: unknown) => string | null;

export type ConfigLogLevel = 'debug' | 'verbose' | 'notice' | 'warning';

export interface ConfigSetContext {
  /** The client is local (unix socket or loopback): enough for options protected with 'local'. */
  localClient?: boolean;
  /** A dataset is being loaded: options marked denyLoading are refused with -LOADING. */
  loading?: boolean;
}

/** Directives read at start-up that are not CONFIG options, kept for the subsystems that own them. */
export interface FileDirectives {
  renameCommands: Array<{ from: string; to: string; origin: Origin }>;
  users: Array<{ args: string[]; origin: Origin }>;
  loadModules: Array<{ path: string; args: string[]; origin: Origin }>;
  sentinel: Array<{ args: string[]; origin: Origin }>;
  /** "<module>.<option> value" lines; the last one for a name wins, as in Redis. */
  moduleConfigs: Map<string, { value: string; origin: Origin }>;
}

export interface FromArgvResult {
  config: Config;
  sentinelMode: boolean;
  showVersion: boolean;
  showHelp: boolean;
  /** Config text was read from stdin (Redis logs "Reading config from stdin"). */
  readFromStdin: boolean;
}

export class Config {
  /** Typed view of `raw`: the record the server reads. */
  private readonly values: ConfigValues;
  private readonly raw: Record<string, unknown> = {};
  /** CONFIG GET text of each option, kept in step with `raw`. */
  private readonly texts: Record<string, string> = {};
  private readonly hooks = new Map<string, AnyHook[]>();
  private readonly listeners: Array<(name: ConfigName) => void> = [];
  private readonly rewriteProviders = new Map<string, () => readonly string[]>();
  private log: (level: ConfigLogLevel, message: string) => void = () => {};

  /** Absolute path of the config file, for CONFIG REWRITE; null when started without one. */
  readonly configFile: string | null;
  readonly sentinelMode: boolean;
  /** Inert or planned directives given at start-up, canonical names, each once (log them once at notice level). */
  readonly acceptedInert: string[] = [];
  readonly fileDirectives: FileDirectives = {
    renameCommands: [],
    users: [],
    loadModules: [],
    sentinel: [],
    moduleConfigs: new Map(),
  };

  private constructor(
    private readonly env: ConfigEnvironment,
    configFile: string | null,
    sentinelMode: boolean,
  ) {
    this.configFile = configFile;
    this.sentinelMode = sentinelMode;
    for (const slot of SLOTS) {
      const value = slot.codec.defaultValue(env);
      this.raw[slot.name] = value;
      this.texts[slot.name] = slot.codec.format(value);
    }
    this.values = this.raw as unknown as ConfigValues;
  }

  /** Built-in defaults, as redis-server started with no arguments. */
  static defaults(env: ConfigEnvironment = nodeEnvironment): Config {
    return new Config(env, null, false);
  }

  /**
   * Configuration from redis-server style arguments (process.argv.slice(2)):
   * `[config-file | -] [--name value ...] [-]`. Throws ConfigError.
   */
  static fromArgv(
    argv: readonly string[],
    env: ConfigEnvironment = nodeEnvironment,
  ): FromArgvResult {
    const cl = buildConfigFromArgv(argv);
    const configFile = cl.configFile === null ? null : path.resolve(env.cwd(), cl.configFile);
    const config = new Config(env, configFile, cl.sentinelMode);
    const result = {
      config,
      sentinelMode: cl.sentinelMode,
      showVersion: cl.showVersion,
      showHelp: cl.showHelp,
      readFromStdin: cl.readStdin,
    };
    if (argv.length === 0 || cl.showVersion || cl.showHelp) return result;

    const target = config.loadTarget();
    let content = configFile === null ? '' : readConfigPattern(configFile, target);
    if (cl.readStdin) content += env.readStdin();
    // Redis joins the command-line options with a newline even when there are none.
    content += '\n' + cl.options;
    loadConfigString(content, configFile, target);
    config.checkLoaded();
    return result;
  }

  get<K extends ConfigName>(name: K): ConfigValues[K] {
    return this.values[name];
  }

  /** A path from the config (logfile, dbfilename, ...) as Redis would open it, i.e. relative to `dir`. */
  resolvePath(p: string): string {
    return path.resolve(this.values.dir, p);
  }

  /** Whether CONFIG SET/GET arguments for this option must be redacted from logs (passwords). */
  static isSensitive(name: string): boolean {
    return lookup(name)?.slot.entry.sensitive === true;
  }

  /**
   * CONFIG GET: several names or glob patterns (Redis's stringmatch, case
   * insensitive). An exact name is answered under the spelling asked for,
   * hidden test options included; a pattern matches canonical names and
   * aliases alike. No option is answered twice.
   */
  getMatching(patterns: readonly string[]): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const seen = new Set<string>();
    for (const pattern of patterns) {
      if (!isGlobPattern(pattern)) {
        const key = pattern.toLowerCase();
        const hit = NAMES.get(key);
        if (hit && !seen.has(key)) {
          seen.add(key);
          out.push([pattern, this.texts[hit.slot.name]!]);
        }
        continue;
      }
      for (const [key, { slot, registered }] of NAMES) {
        if (slot.entry.hidden || seen.has(key) || !globMatch(pattern, registered, true)) continue;
        seen.add(key);
        out.push([registered, this.texts[slot.name]!]);
      }
    }
    return out;
  }

  /**
   * CONFIG SET with one or more name/value pairs, all or nothing:
   *  1. every name is checked (unknown, immutable, protected, loading,
   *     duplicate) and the first problem is reported;
   *  2. every value is parsed and stored; a bad one restores all;
   *  3. apply hooks of changed options run in order; if one returns a reason,
   *     all values are restored, hooks that already ran are re-run with the
   *     old values, and the reason is reported.
   * Throws ConfigSetError carrying Redis's exact reply.
   */
  set(pairs: ReadonlyArray<readonly [string, string]>, ctx: ConfigSetContext = {}): void {
    const entries: NameEntry[] = [];
    let failure: string | null = null;
    for (const [name] of pairs) {
      const hit = lookup(name);
      if (!hit) {
        failure ??= `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
        continue;
      }
      if (failure !== null) continue;
      const e = hit.slot.entry;
      if (!e.mutable || (e.protected && !this.protectedAllowed(ctx))) {
        failure = configSetFailed(
          name,
          e.mutable ? "can't set protected config" : "can't set immutable config",
        );
      } else if (ctx.loading && e.denyLoading) {
        failure = 'LOADING Redis is loading the dataset in memory';
      } else if (entries.some((prev) => prev.registered === hit.registered)) {
        failure = configSetFailed(name, 'duplicate parameter');
      }
      entries.push(hit);
    }
    if (failure !== null) throw new ConfigSetError(failure);

    const backups = new Map<Slot, { value: unknown; text: string }>();
    const restore = (): void => {
      for (const [slot, b] of backups) this.store(slot, b.value, b.text);
    };
    for (let i = 0; i < pairs.length; i++) {
      const { slot, registered } = entries[i]!;
      const value = pairs[i]![1];
      const args = !slot.codec.multiArg ? [value] : value === '' ? [] : value.split(' ');
      if (!backups.has(slot))
        backups.set(slot, { value: this.raw[slot.name], text: this.texts[slot.name]! });
      const r = slot.codec.parse(args, this.raw[slot.name], { load: null, env: this.env });
      if (!r.ok) {
        restore();
        throw new ConfigSetError(configSetFailed(registered, r.error));
      }
      this.store(slot, r.value, r.text);
    }

    const changed = [...backups].filter(([slot, b]) => this.texts[slot.name] !== b.text);
    const applied: Array<[Slot, AnyHook]> = [];
    for (const [slot, backup] of changed) {
      for (const hook of this.hooks.get(slot.name) ?? []) {
        const reason = hook(this.raw[slot.name], backup.value);
        if (reason === null) {
          applied.push([slot, hook]);
          continue;
        }
        this.log(
          'warning',
          `Failed applying new configuration. Possibly related to new ${slot.name} setting. Restoring previous settings.`,
        );
        const attempted = new Map(applied.map(([s]) => [s, this.raw[s.name]]));
        restore();
        for (const [s, h] of applied) {
          const again = h(this.raw[s.name], attempted.get(s));
          if (again !== null)
            this.log('warning', `Failed applying restored failed CONFIG SET command: ${again}`);
        }
        const registered = entries.find((n) => n.slot === slot)!.registered;
        throw new ConfigSetError(configSetFailed(registered, reason));
      }
    }
    for (const [slot] of changed) this.emitChange(slot.name);
  }

  /** Registers the runtime effect of an option; a returned string refuses the change (see set()). */
  onApply<K extends ConfigName>(name: K, hook: ApplyHook<K>): void {
    const list = this.hooks.get(name) ?? [];
    list.push(hook as AnyHook);
    this.hooks.set(name, list);
  }

  /** Called with the canonical name of each option changed by set() or setInternal(). */
  onChange(listener: (name: ConfigName) => void): void {
    this.listeners.push(listener);
  }

  /** Where rollback warnings go (the server passes its logger). */
  setLogger(log: (level: ConfigLogLevel, message: string) => void): void {
    this.log = log;
  }

  /**
   * Lets the owner of a file-only directive (ACL users, sentinel state)
   * supply its lines for CONFIG REWRITE; without a provider such lines are
   * kept untouched. `option` is the directive name ('user', 'sentinel monitor', ...).
   */
  setRewriteProvider(option: string, provide: () => readonly string[]): void {
    this.rewriteProviders.set(option, provide);
  }

  /**
   * For the server's own changes (REPLICAOF updates 'replicaof', ...): stores
   * the value without validation or apply hooks, so CONFIG GET and REWRITE
   * reflect it; onChange listeners are told.
   */
  setInternal<K extends ConfigName>(name: K, value: ConfigValues[K]): void {
    const slot = NAMES.get(name)!.slot;
    this.store(slot, value, slot.codec.format(value));
    this.emitChange(slot.name);
  }

  /**
   * CONFIG REWRITE: rewrites the config file in place, keeping comments,
   * unknown lines and order; only options that differ from their default or
   * already appear in the file are written. Atomic (temp file + fsync + rename).
   */
  rewrite(): void {
    const file = this.configFile;
    if (file === null) throw new ConfigSetError('ERR The server is running without a config file');
    try {
      const state = new RewriteState(
        readOldConfig(file),
        (name) => lookup(name) !== undefined,
        this.sentinelMode,
        this.values['cluster-enabled'],
      );
      for (const slot of SLOTS)
        slot.codec.rewrite(state, slot.name, this.raw[slot.name], this.texts[slot.name]!);
      for (const [option, provide] of this.rewriteProviders) {
        for (const line of provide()) state.line(option, line, true);
        state.processed(option);
      }
      overwriteFileAtomically(file, state.content());
    } catch (err) {
      throw new ConfigSetError(`ERR Rewriting config file: ${strerror(err)}`);
    }
  }

  private store(slot: Slot, value: unknown, text: string): void {
    this.raw[slot.name] = value;
    this.texts[slot.name] = text;
  }

  private emitChange(name: ConfigName): void {
    for (const l of this.listeners) l(name);
  }

  private protectedAllowed(ctx: ConfigSetContext): boolean {
    const mode = this.values['enable-protected-configs'];
    return mode === 'yes' || (mode === 'local' && ctx.localClient === true);
  }

  private noteAccepted(name: string): void {
    const status = STATUS_BY_NAME.get(name);
    if ((status === 'inert' || status === 'planned') && !this.acceptedInert.includes(name)) {
      this.acceptedInert.push(name);
    }
  }

  /** The loader's view of this config while start-up files are read. */
  private loadTarget(): LoadTarget {
    const state: LoadState = { readingFile: false, saveLoaded: false };
    return {
      env: this.env,
      sentinelMode: this.sentinelMode,
      state,
      currentDir: () => this.values.dir,
      optionArity: (name) => {
        const hit = NAMES.get(name);
        return hit ? (hit.slot.codec.multiArg ? 'multi' : 'single') : null;
      },
      setOption: (name, args) => {
        const { slot } = NAMES.get(name)!;
        const r = slot.codec.parse(args, this.raw[slot.name], { load: state, env: this.env });
        if (!r.ok) return r.error;
        this.store(slot, r.value, r.text);
        this.noteAccepted(slot.name);
        return null;
      },
      fileDirective: (name: FileDirectiveName, args, origin) => {
        const d = this.fileDirectives;
        if (name === 'rename-command')
          d.renameCommands.push({ from: args[0]!, to: args[1]!, origin });
        else if (name === 'user') d.users.push({ args: [...args], origin });
        else if (name === 'loadmodule')
          d.loadModules.push({ path: args[0]!, args: args.slice(1), origin });
        else d.sentinel.push({ args: [...args], origin });
        this.noteAccepted(name);
      },
      moduleConfig: (name, value, origin) => {
        this.fileDirectives.moduleConfigs.set(name, { value, origin });
        this.noteAccepted('loadmodule');
      },
      deprecated: (name) => this.noteAccepted(name),
    };
  }

  /** The checks Redis makes once all config text is read. */
  private checkLoaded(): void {
    const logfile = this.values.logfile;
    if (logfile !== '') {
      try {
        this.env.checkAppendable(this.resolvePath(logfile));
      } catch (err) {
        throw new ConfigError(
          `Can't open the log file: ${strerror(err)}`,
          0,
          '',
          this.configFile,
          'global',
        );
      }
    }
    if (this.values['cluster-enabled'] && this.values.replicaof !== null) {
      throw new ConfigError(
        'replicaof directive not allowed in cluster mode',
        0,
        '',
        this.configFile,
        'global',
      );
    }
  }
}

function configSetFailed(name: string, reason: string): string {
  return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`;
}

/**
 * Pairs from CONFIG SET's arguments (after "CONFIG SET"); an odd count is
 * Redis's "ERR syntax error".
 */
export function configSetPairs(args: readonly string[]): Array<[string, string]> {
  if (args.length % 2 !== 0) throw new ConfigSetError('ERR syntax error');
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < args.length; i += 2) pairs.push([args[i]!, args[i + 1]!]);
  return pairs;
}
