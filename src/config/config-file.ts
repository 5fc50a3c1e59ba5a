/**
 * redis.conf and redis-server's command line, read the way Redis 7.0 reads
 * them (loadServerConfigFromString, loadServerConfig and main() in server.c).
 *
 * The text is split on '\n'; each line is trimmed, '#' lines and blank lines
 * are skipped, the rest is split with sdssplitargs' grammar (quotes, escapes)
 * and dispatched on its lower-cased first word: a CONFIG option from the
 * table, a deprecated name, or a file-only directive. Repeated options simply
 * set again, so the last one wins; the options whose grammar accumulates
 * (save, client-output-buffer-limit) do so in their codec.
 *
 * The command line is turned into more config text ("--port 6380" becomes the
 * line `port "6380"`) appended after the file, so it overrides the file and
 * fails with the same messages, line numbers included.
 */
import * as path from 'node:path';
import { splitArgsString } from '../protocol/split-args.js';
import type { LoadState } from './codecs.js';
import type { ConfigEnvironment } from './env.js';
import { ConfigError } from './errors.js';
import { OPTION_TABLE, type DeprecatedEntry, type DirectiveEntry } from './options.js';
import { trimConfigLine } from './rewrite.js';
import { globMatch } from '../store/glob.js';
import { repr, strerror } from './text.js';

/** Where a directive came from, so later checks (rename-command, user) can report the line. */
export interface Origin {
  readonly file: string | null;
  readonly lineNumber: number;
  readonly lineText: string;
}

export type FileDirectiveName = 'rename-command' | 'user' | 'loadmodule' | 'sentinel';

/** What the loader needs from the configuration being built. */
export interface LoadTarget {
  readonly env: ConfigEnvironment;
  readonly sentinelMode: boolean;
  readonly state: LoadState;
  /** Directory relative include paths resolve against (the current `dir`). */
  currentDir(): string;
  /** Whether `name` (lower case) is a CONFIG option, and whether it takes several arguments. */
  optionArity(name: string): 'single' | 'multi' | null;
  /** Sets a CONFIG option from a file line; returns Redis's error text or null. */
  setOption(name: string, args: readonly string[], origin: Origin): string | null;
  fileDirective(name: FileDirectiveName, args: readonly string[], origin: Origin): void;
  moduleConfig(name: string, value: string, origin: Origin): void;
  deprecated(name: string): void;
}

const DIRECTIVES = new Map<string, DirectiveEntry>();
const DEPRECATED = new Map<string, DeprecatedEntry>();
for (const e of OPTION_TABLE) {
  if (e.type === 'directive') DIRECTIVES.set(e.name, e);
  else if (e.type === 'deprecated') DEPRECATED.set(e.name, e);
}

function argsFit(e: { minArgs: number; maxArgs: number | null }, n: number): boolean {
  return n >= e.minArgs && (e.maxArgs === null || n <= e.maxArgs);
}

/** Nesting limit for `include`; Redis has none and would crash on a cycle. */
const MAX_INCLUDE_DEPTH = 64;

/**
 * Loads config text. `file` is only used to attribute errors. Throws
 * ConfigError on the first bad line, like Redis.
 */
export function loadConfigString(
  content: string,
  file: string | null,
  target: LoadTarget,
  depth = 0,
): void {
  target.state.readingFile = true;
  const lines = content.length === 0 ? [] : content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = trimConfigLine(lines[i]!);
    if (text.length === 0 || text.startsWith('#')) continue;
    const origin: Origin = { file, lineNumber: i + 1, lineText: text };
    const fail = (reason: string): never => {
      throw new ConfigError(reason, origin.lineNumber, origin.lineText, file);
    };

    const argv = splitArgsString(text);
    if (argv === null) return fail('Unbalanced quotes in configuration line');
    if (argv.length === 0) continue;
    const name = argv[0]!.toLowerCase();
    let args = argv.slice(1);

    const arity = target.optionArity(name);
    if (arity !== null) {
      if (arity === 'single' && args.length !== 1) fail('wrong number of arguments');
      // As Redis 7.0: one non-empty argument of a multi-argument option is
      // split on spaces, so `--save "3600 1 300 100"` means four arguments.
      if (arity === 'multi' && args.length === 1 && args[0] !== '') args = args[0]!.split(' ');
      const err = target.setOption(name, args, origin);
      if (err !== null) fail(err);
      continue;
    }

    const deprecated = DEPRECATED.get(name);
    if (deprecated && argsFit(deprecated, args.length)) {
      target.deprecated(name);
      continue;
    }

    const directive = DIRECTIVES.get(name);
    if (directive && argsFit(directive, args.length) && name !== 'sentinel') {
      if (name === 'include') {
        if (depth >= MAX_INCLUDE_DEPTH) fail('Too many nested include directives');
        loadConfigFile(args[0]!, target, depth + 1);
      } else {
        target.fileDirective(name as FileDirectiveName, args, origin);
      }
    } else if (name.includes('.')) {
      // "<module>.<option> <value>": kept for modules, which Node cannot load.
      if (args.length !== 1) fail('Module config specified without value');
      target.moduleConfig(name, args[0]!, origin);
    } else if (name === 'sentinel') {
      // A bare "sentinel" line is what --sentinel turns into; main() has already acted on it.
      if (args.length > 0) {
        if (!target.sentinelMode) fail('sentinel directive while not in sentinel mode');
        target.fileDirective('sentinel', args, origin);
      }
    } else {
      fail('Bad directive or wrong number of arguments');
    }
  }
  // Redis clears this flag at the end of every file, including included ones (see the save codec).
  target.state.readingFile = false;
}

/**
 * Loads one config file, or every file matching a pattern containing `*`,
 * `?` or `[` (a pattern matching nothing is silently skipped, so an empty
 * conf.d/ directory is fine). Like Redis, matched files are read first and
 * then parsed as one text. Relative paths start from the current `dir`.
 */
export function loadConfigFile(pattern: string, target: LoadTarget, depth = 0): void {
  loadConfigString(readConfigPattern(pattern, target), pattern, target, depth);
}

/** The concatenated text of the files `pattern` names; an unreadable one is an 'open' error. */
export function readConfigPattern(
  pattern: string,
  target: Pick<LoadTarget, 'env' | 'currentDir'>,
): string {
  let content = '';
  for (const file of expandConfigPattern(pattern, target)) {
    try {
      content += target.env.readFile(path.resolve(target.currentDir(), file));
    } catch (err) {
      throw new ConfigError(
        `Fatal error, can't open config file '${file}': ${strerror(err)}`,
        0,
        '',
        file,
        'open',
      );
    }
  }
  return content;
}

function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

/**
 * glob(3) as Redis calls it: wildcards in any path segment, hidden entries
 * only matched by a pattern starting with '.', results sorted. Returns paths
 * in the same relative/absolute form as the pattern.
 */
export function expandConfigPattern(
  pattern: string,
  target: Pick<LoadTarget, 'env' | 'currentDir'>,
): string[] {
  if (!hasWildcard(pattern)) return [pattern];
  const join = (prefix: string, entry: string): string =>
    prefix === '' ? entry : prefix.endsWith('/') ? prefix + entry : `${prefix}/${entry}`;
  let prefixes = [pattern.startsWith('/') ? '/' : ''];
  let expanded = false;
  for (const part of pattern.split('/').filter((p) => p.length > 0)) {
    // Leading literal segments are taken as written, like glob(3), which never reads them.
    if (!expanded && !hasWildcard(part)) {
      prefixes = prefixes.map((prefix) => join(prefix, part));
      continue;
    }
    expanded = true;
    const globPart = part.replace(/\[!/g, '[^');
    const next: string[] = [];
    for (const prefix of prefixes) {
      let entries: string[];
      try {
        entries = target.env.listDirectory(path.resolve(target.currentDir(), prefix || '.'));
      } catch {
        continue;
      }
      for (const entry of entries) {
        const matches = hasWildcard(part)
          ? (!entry.startsWith('.') || part.startsWith('.')) && globMatch(globPart, entry, false)
          : entry === part;
        if (matches) next.push(join(prefix, entry));
      }
    }
    prefixes = next;
  }
  return prefixes.sort();
}

/** redis-server's command line, as main() in server.c understands it. */
export interface CommandLine {
  /** First argument when it doesn't start with '-': the config file (pattern), as given. */
  configFile: string | null;
  /** A lone '-' as first or last argument: config text is also read from stdin. */
  readStdin: boolean;
  /** Config text built from the --name value pairs, appended after the file and stdin. */
  options: string;
  /** "--sentinel" anywhere: run as Sentinel (it is not a config option). */
  sentinelMode: boolean;
  /** -v/--version or -h/--help as the first argument; nothing else is parsed then. */
  showVersion: boolean;
  showHelp: boolean;
}

/**
 * Parses redis-server's arguments (without the executable name).
 *
 * Each "--name" starts a new config line and every following argument is one
 * of its values (quoted, so spaces survive) until the next "--name". The first
 * value may itself start with "--" (`--requirepass --secret`), except after
 * --save and --sentinel, which take no value when followed by another option:
 * `--save --port 1` means `save ""`. "--port 6380" in one argument is also
 * accepted. These are Redis 7.0's rules, quirks included.
 */
export function buildConfigFromArgv(argv: readonly string[]): CommandLine {
  const result: CommandLine = {
    configFile: null,
    readStdin: false,
    options: '',
    sentinelMode: argv.includes('--sentinel'),
    showVersion: false,
    showHelp: false,
  };
  if (argv.length === 0) return result;
  const first = argv[0]!;
  if (first === '-v' || first === '--version') return { ...result, showVersion: true };
  if (first === '--help' || first === '-h') return { ...result, showHelp: true };

  let j = 0;
  if (!first.startsWith('-')) {
    result.configFile = first;
    j = 1;
  }
  let options = '';
  let lastNameHadValue = true;
  const last = argv.length - 1;
  for (; j < argv.length; j++) {
    const arg = argv[j]!;
    const nextIsOption = j !== last && argv[j + 1]!.startsWith('--');
    if (arg === '-' && (j === 0 || j === last)) {
      result.readStdin = true;
    } else if (lastNameHadValue && arg.startsWith('--')) {
      if (options.length > 0) options += '\n';
      options += arg.slice(2) + ' ';
      const words = splitArgsString(arg);
      if (words !== null && words.length === 1) {
        lastNameHadValue = false;
        const lower = arg.toLowerCase();
        if (lower === '--save' && (nextIsOption || j === last)) {
          options += '""';
          lastNameHadValue = nextIsOption;
        } else if (lower === '--sentinel' && nextIsOption) {
          lastNameHadValue = true;
        }
      } else {
        lastNameHadValue = true;
      }
    } else {
      options += repr(arg) + ' ';
      lastNameHadValue = true;
    }
  }
  result.options = options;
  return result;
}
