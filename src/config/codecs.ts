/**
 * How each kind of option turns arguments into a value, shows it to CONFIG
 * GET, and writes it back for CONFIG REWRITE. One codec is built per table
 * entry (see `codecFor`); the generic kinds read their bounds and choices
 * from the entry, the special ones implement Redis's own grammar.
 *
 * Error strings are Redis 7.0.15's, verbatim: they reach users both in the
 * fatal config-file block and after "ERR CONFIG SET failed (...) - ".
 *
 * A codec keeps two forms of a value: the typed value the server reads, and
 * the exact text CONFIG GET answers. Both are produced together on parse so
 * that 64-bit numbers beyond 2^53 still read back exactly as they were given.
 */
import * as path from 'node:path';
import type { ConfigEnvironment } from './env.js';
import {
  KEYSPACE_EVENT,
  SPECIAL_DEFAULTS,
  type EnumOption,
  type FlagsOption,
  type IntOption,
  type MemoryOption,
  type OctalOption,
  type OptionEntry,
  type OutputBufferLimit,
  type OutputBufferLimits,
  type SpecialValueTypes,
  type StringOption,
  type StringValidator,
} from './options.js';
import {
  LLONG_MAX,
  formatMemoryForRewrite,
  formatPercentile,
  memtoull,
  repr,
  strerror,
  string2d,
  string2ll,
  strtollFull,
  toSigned64,
  toUnsigned64,
} from './text.js';

/** State Redis keeps while reading config files; only `save` cares (see parseSave). */
export interface LoadState {
  readingFile: boolean;
  saveLoaded: boolean;
}

export interface ParseContext {
  /** Non-null while loading files/argv at start-up, null for CONFIG SET. */
  readonly load: LoadState | null;
  readonly env: ConfigEnvironment;
}

export type ParseResult = { ok: true; value: unknown; text: string } | { ok: false; error: string };

/** What a codec needs from CONFIG REWRITE's line bookkeeping (implemented in rewrite.ts). */
export interface RewriteSink {
  readonly sentinelMode: boolean;
  readonly clusterEnabled: boolean;
  /** Puts `line` where `option` was in the old file, or appends it if `force`. */
  line(option: string, line: string, force: boolean): void;
  /** Marks `option` as handled so its unused old lines are blanked. */
  processed(option: string): void;
}

export interface Codec {
  /** Whether a config line may carry several arguments (CONFIG SET splits on spaces). */
  readonly multiArg: boolean;
  parse(args: readonly string[], current: unknown, ctx: ParseContext): ParseResult;
  /** CONFIG GET text for a value handed in by the server (setInternal). */
  format(value: unknown): string;
  defaultValue(env: ConfigEnvironment): unknown;
  rewrite(sink: RewriteSink, name: string, value: unknown, text: string): void;
}

interface TypedCodec<T> {
  multiArg: boolean;
  parse(
    args: readonly string[],
    current: T,
    ctx: ParseContext,
  ): { value: T; text?: string } | string;
  format(value: T): string;
  defaultValue(env: ConfigEnvironment): T;
  rewrite(sink: RewriteSink, name: string, value: T, text: string): void;
}

/** Erases a codec's value type; values only ever reach a codec from the slot it produced. */
function typed<T>(impl: TypedCodec<T>): Codec {
  return {
    multiArg: impl.multiArg,
    parse(args, current, ctx) {
      const r = impl.parse(args, current as T, ctx);
      if (typeof r === 'string') return { ok: false, error: r };
      return { ok: true, value: r.value, text: r.text ?? impl.format(r.value) };
    },
    format: (value) => impl.format(value as T),
    defaultValue: (env) => impl.defaultValue(env),
    rewrite: (sink, name, value, text) => impl.rewrite(sink, name, value as T, text),
  };
}

// ---- Generic kinds ---------------------------------------------------------

const boolCodec = (def: boolean): Codec =>
  typed<boolean>({
    multiArg: false,
    parse(args) {
      const a = args[0]!.toLowerCase();
      if (a === 'yes') return { value: true };
      if (a === 'no') return { value: false };
      return "argument must be 'yes' or 'no'";
    },
    format: (v) => (v ? 'yes' : 'no'),
    defaultValue: () => def,
    rewrite: (sink, name, v) => sink.line(name, `${name} ${v ? 'yes' : 'no'}`, v !== def),
  });

function boundsError(min: bigint, max: bigint, octal: boolean): string {
  const f = (v: bigint): string => (octal ? v.toString(8) : v.toString());
  return `argument must be between ${f(min)} and ${f(max)} inclusive`;
}

/**
 * Redis checks bounds on the value as its C type sees it: types whose range
 * goes past LLONG_MAX are unsigned, the others signed (so a memory value at or
 * above 2^63 wraps negative there and is refused).
 */
function inBounds(v: bigint, min: bigint, max: bigint): boolean {
  const x = max > LLONG_MAX ? toUnsigned64(v) : toSigned64(v);
  return x >= min && x <= max;
}

function intCodec(e: IntOption): Codec {
  return typed<number>({
    multiArg: false,
    parse(args) {
      const v = string2ll(args[0]!);
      if (v === null) return "argument couldn't be parsed into an integer";
      if (!inBounds(v, e.min, e.max)) return boundsError(e.min, e.max, false);
      let n = v;
      if (e.clamp) {
        const [lo, hi] = e.clamp;
        if (n < BigInt(lo)) n = BigInt(lo);
        if (n > BigInt(hi)) n = BigInt(hi);
      }
      return { value: Number(n), text: n.toString() };
    },
    format: (v) => BigInt(Math.trunc(v)).toString(),
    defaultValue: () => e.default,
    rewrite: (sink, name, _v, text) =>
      sink.line(name, `${name} ${text}`, text !== String(e.default)),
  });
}

function memoryCodec(e: MemoryOption): Codec {
  const format = (v: number): string =>
    e.percent && v < 0 ? `${-v}%` : BigInt(Math.trunc(v)).toString();
  return typed<number>({
    multiArg: false,
    parse(args) {
      const s = args[0]!;
      let v = memtoull(s);
      if (v === null && e.percent && s.length > 1 && s.endsWith('%')) {
        const p = string2ll(s.slice(0, -1));
        if (p !== null && p >= 0n) v = -p;
      }
      if (v === null) {
        return e.percent
          ? 'argument must be a memory or percent value'
          : 'argument must be a memory value';
      }
      if (e.percent && v < 0n) {
        if (v < e.min) return `percentage argument must be less or equal to ${-e.min}`;
        return { value: Number(v), text: `${-v}%` };
      }
      if (!inBounds(v, e.min, e.max)) return boundsError(e.min, e.max, false);
      return { value: Number(v), text: v.toString() };
    },
    format,
    defaultValue: () => e.default,
    rewrite(sink, name, v, text) {
      const force = text !== format(e.default);
      if (e.percent && v < 0) sink.line(name, `${name} ${text}`, force);
      else sink.line(name, `${name} ${formatMemoryForRewrite(BigInt(text))}`, force);
    },
  });
}

function octalCodec(e: OctalOption): Codec {
  return typed<number>({
    multiArg: false,
    parse(args) {
      const v = strtollFull(args[0]!, 8, true);
      if (v === null) return "argument couldn't be parsed as an octal number";
      if (!inBounds(v, e.min, e.max)) return boundsError(e.min, e.max, true);
      return { value: Number(v), text: v.toString(8) };
    },
    format: (v) => v.toString(8),
    defaultValue: () => e.default,
    rewrite: (sink, name, v, text) => sink.line(name, `${name} ${text}`, v !== e.default),
  });
}

function enumError(names: readonly string[]): string {
  return `argument(s) must be one of the following: ${names.join(', ')}`;
}

function enumCodec(e: EnumOption): Codec {
  return typed<string>({
    multiArg: false,
    parse(args) {
      const a = args[0]!.toLowerCase();
      const hit = e.values.find((v) => v === a);
      if (hit === undefined) return enumError(e.values);
      return { value: e.synonyms?.[hit] ?? hit };
    },
    format: (v) => v,
    defaultValue: () => e.default,
    rewrite: (sink, name, v) => sink.line(name, `${name} ${v}`, v !== e.default),
  });
}

function flagsCodec(e: FlagsOption): Codec {
  const format = (v: readonly string[]): string => (v.length === 0 ? e.none : v.join(' '));
  return typed<string[]>({
    multiArg: true,
    parse(args) {
      if (args.length === 0) return enumError([e.none, ...e.values]);
      const set = new Set<string>();
      for (const a of args) {
        const lower = a.toLowerCase();
        if (lower === e.none) continue;
        if (!e.values.includes(lower)) return enumError([e.none, ...e.values]);
        set.add(lower);
      }
      for (const [x, y, message] of e.exclusive ?? []) {
        if (set.has(x) && set.has(y)) return message;
      }
      return { value: e.values.filter((v) => set.has(v)) };
    },
    format,
    defaultValue: () => [...e.default],
    rewrite: (sink, name, _v, text) =>
      sink.line(name, `${name} ${text}`, text !== format(e.default)),
  });
}

/** A basename has no '/' (Redis's pathIsBaseName). */
const isBaseName = (s: string): boolean => !s.includes('/');

const PROC_TITLE_VARIABLES = new Set([
  'title',
  'listen-addr',
  'server-mode',
  'port',
  'tls-port',
  'unixsocket',
  'config-file',
]);

/**
 * Redis's sdstemplate check for proc-title-template: "{{" is a literal brace,
 * "{name}" must be a known variable, and the expansion (with an empty title)
 * must not be blank.
 */
function validProcTitleTemplate(t: string): boolean {
  let expanded = '';
  for (let i = 0; i < t.length;) {
    if (t[i] !== '{') {
      expanded += t[i++];
    } else if (t[i + 1] === '{') {
      expanded += '{';
      i += 2;
    } else {
      const end = t.indexOf('}', i + 1);
      if (end < 0) return false;
      const name = t.slice(i + 1, end);
      if (!PROC_TITLE_VARIABLES.has(name)) return false;
      expanded += name === 'title' ? '' : 'x';
      i = end + 1;
    }
  }
  return expanded.replace(/^ +| +$/g, '').length > 0;
}

const STRING_VALIDATORS: Readonly<Record<StringValidator, (s: string) => string | null>> = {
  dbfilename: (s) => (isBaseName(s) ? null : "dbfilename can't be a path, just a filename"),
  appendfilename: (s) =>
    s === ''
      ? "appendfilename can't be empty"
      : isBaseName(s)
        ? null
        : "appendfilename can't be a path, just a filename",
  appenddirname: (s) =>
    s === ''
      ? "appenddirname can't be empty"
      : isBaseName(s)
        ? null
        : "appenddirname can't be a path, just a dirname",
  'proc-title-template': (s) =>
    validProcTitleTemplate(s) ? null : 'template format is invalid or contains unknown variables',
  'announced-hostname': (s) =>
    Buffer.byteLength(s) >= 256
      ? 'Hostnames must be less than 256 characters'
      : /^[A-Za-z0-9.-]*$/.test(s)
        ? null
        : 'Hostnames may only contain alphanumeric characters, hyphens or dots',
};

function stringCodec(e: StringOption): Codec {
  const isNull = (v: string): boolean => e.emptyIsNull && v === '';
  return typed<string>({
    multiArg: false,
    parse(args) {
      const s = args[0]!;
      const err = e.validate ? STRING_VALIDATORS[e.validate](s) : null;
      return err ?? { value: s };
    },
    format: (v) => v,
    defaultValue: () => e.default ?? '',
    rewrite(sink, name, v) {
      // An unset string must vanish from the file so that it stays unset after a restart.
      if (isNull(v)) return sink.processed(name);
      sink.line(name, `${name} ${repr(v)}`, !(e.default !== null && v === e.default));
    },
  });
}

// ---- Special options -------------------------------------------------------

const dirCodec = typed<string>({
  multiArg: false,
  parse(args, current, ctx) {
    try {
      return { value: ctx.env.resolveDirectory(path.resolve(current, args[0]!)) };
    } catch (err) {
      return strerror(err);
    }
  },
  format: (v) => v,
  defaultValue: (env) => env.cwd(),
  // Redis always writes the absolute working directory.
  rewrite: (sink, name, v) => sink.line(name, `${name} ${repr(v)}`, true),
});

type SavePoints = SpecialValueTypes['save'];

/**
 * Save points. CONFIG SET replaces the list; in a config file the first
 * `save` line replaces the built-in defaults and later lines append, and
 * `save ""` always clears. Redis 7.0 also forgets it is reading a file once an
 * included file has been read, after which each `save` line replaces the list
 * again; this quirk is reproduced so a config behaves as it does under Redis.
 */
const saveCodec = typed<SavePoints>({
  multiArg: true,
  parse(args, current, ctx) {
    let list = args;
    let reset = false;
    if (list.length === 1 && list[0] === '') {
      list = [];
      reset = true;
    }
    if (list.length % 2 !== 0) return 'Invalid save parameters';
    const points: SavePoints = [];
    for (let j = 0; j < list.length; j += 2) {
      const seconds = strtollFull(list[j]!);
      const changes = strtollFull(list[j + 1]!);
      if (seconds === null || changes === null || seconds < 1n || changes < 0n)
        return 'Invalid save parameters';
      points.push([Number(seconds), Number(BigInt.asIntN(32, changes))]);
    }
    let base: SavePoints = [];
    const load = ctx.load;
    if (load?.readingFile) {
      if (load.saveLoaded && !reset) base = current;
      load.saveLoaded = true;
    }
    return { value: [...base, ...points] };
  },
  format: (v) => v.map(([s, c]) => `${s} ${c}`).join(' '),
  defaultValue: () => SPECIAL_DEFAULTS.save.map(([s, c]): [number, number] => [s, c]),
  rewrite(sink, name, v) {
    if (!sink.sentinelMode) {
      if (v.length === 0) sink.line(name, `${name} ""`, true);
      for (const [s, c] of v) sink.line(name, `${name} ${s} ${c}`, true);
    }
    sink.processed(name);
  },
});

const OBUF_CLASSES: ReadonlyArray<[keyof OutputBufferLimits, string]> = [
  ['normal', 'normal'],
  ['replica', 'slave'],
  ['pubsub', 'pubsub'],
];

const OBUF_CLASS_BY_NAME: Readonly<Record<string, keyof OutputBufferLimits>> = {
  normal: 'normal',
  slave: 'replica',
  replica: 'replica',
  pubsub: 'pubsub',
};

const copyLimits = (v: OutputBufferLimits): OutputBufferLimits => ({
  normal: { ...v.normal },
  replica: { ...v.replica },
  pubsub: { ...v.pubsub },
});

/** Client output buffer limits: groups of "<class> <hard> <soft> <seconds>", merged into the current ones. */
const clientOutputBufferLimitCodec = typed<OutputBufferLimits>({
  multiArg: true,
  parse(args, current) {
    if (args.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
    const next = copyLimits(current);
    for (let j = 0; j < args.length; j += 4) {
      const cls = OBUF_CLASS_BY_NAME[args[j]!.toLowerCase()];
      if (cls === undefined) return 'Invalid client class specified in buffer limit configuration.';
      const hard = memtoull(args[j + 1]!);
      const soft = memtoull(args[j + 2]!);
      const seconds = strtollFull(args[j + 3]!);
      if (hard === null || soft === null || seconds === null || seconds < 0n) {
        return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
      }
      next[cls] = {
        hard: Number(hard),
        soft: Number(soft),
        softSeconds: Number(BigInt.asIntN(32, seconds)),
      };
    }
    return { value: next };
  },
  format: (v) =>
    OBUF_CLASSES.map(([k, label]) => `${label} ${v[k].hard} ${v[k].soft} ${v[k].softSeconds}`).join(
      ' ',
    ),
  defaultValue: () => copyLimits(SPECIAL_DEFAULTS['client-output-buffer-limit']),
  rewrite(sink, name, v) {
    const defs = SPECIAL_DEFAULTS['client-output-buffer-limit'];
    const same = (a: OutputBufferLimit, b: OutputBufferLimit): boolean =>
      a.hard === b.hard && a.soft === b.soft && a.softSeconds === b.softSeconds;
    for (const [k] of OBUF_CLASSES) {
      const l = v[k];
      const line = `${name} ${k} ${formatMemoryForRewrite(BigInt(l.hard))} ${formatMemoryForRewrite(BigInt(l.soft))} ${l.softSeconds}`;
      sink.line(name, line, !same(l, defs[k]));
    }
  },
});

const oomScoreAdjValuesCodec = typed<[number, number, number]>({
  multiArg: true,
  parse(args) {
    if (args.length !== 3) return 'wrong number of arguments';
    const out: number[] = [];
    for (const a of args) {
      const v = strtollFull(a);
      if (v === null || v < -2000n || v > 2000n) {
        return 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.';
      }
      out.push(Number(v));
    }
    return { value: [out[0]!, out[1]!, out[2]!] };
  },
  format: (v) => v.join(' '),
  defaultValue: () => [...SPECIAL_DEFAULTS['oom-score-adj-values']],
  rewrite(sink, name, v) {
    const d = SPECIAL_DEFAULTS['oom-score-adj-values'];
    sink.line(
      name,
      `${name} ${v.join(' ')}`,
      v.some((x, i) => x !== d[i]),
    );
  },
});

const E = KEYSPACE_EVENT;
const NOTIFY_ALL =
  E.GENERIC |
  E.STRING |
  E.LIST |
  E.SET |
  E.HASH |
  E.ZSET |
  E.EXPIRED |
  E.EVICTED |
  E.STREAM |
  E.MODULE;
const EVENT_CHARS: Readonly<Record<string, number>> = {
  A: NOTIFY_ALL,
  g: E.GENERIC,
  $: E.STRING,
  l: E.LIST,
  s: E.SET,
  h: E.HASH,
  z: E.ZSET,
  x: E.EXPIRED,
  e: E.EVICTED,
  K: E.KEYSPACE,
  E: E.KEYEVENT,
  t: E.STREAM,
  m: E.KEY_MISS,
  d: E.MODULE,
  n: E.NEW,
};
/** Output order of keyspaceEventsFlagsToString, after the 'A' shortcut. */
const EVENT_CLASS_ORDER: ReadonlyArray<[string, number]> = [
  ['g', E.GENERIC],
  ['$', E.STRING],
  ['l', E.LIST],
  ['s', E.SET],
  ['h', E.HASH],
  ['z', E.ZSET],
  ['x', E.EXPIRED],
  ['e', E.EVICTED],
  ['t', E.STREAM],
  ['d', E.MODULE],
  ['n', E.NEW],
];

/** Redis's keyspaceEventsStringToFlags; null for an unknown class character. */
export function keyspaceEventsFromString(s: string): number | null {
  let flags = 0;
  for (const c of s) {
    const f = EVENT_CHARS[c];
    if (f === undefined) return null;
    flags |= f;
  }
  return flags;
}

/** Redis's keyspaceEventsFlagsToString ('A' hides 'n', as in Redis). */
export function keyspaceEventsToString(flags: number): string {
  let out = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out += 'A';
  else for (const [c, f] of EVENT_CLASS_ORDER) if (flags & f) out += c;
  if (flags & E.KEYSPACE) out += 'K';
  if (flags & E.KEYEVENT) out += 'E';
  if (flags & E.KEY_MISS) out += 'm';
  return out;
}

const notifyKeyspaceEventsCodec = typed<number>({
  multiArg: false,
  parse(args) {
    if (args.length !== 1) return 'wrong number of arguments';
    const flags = keyspaceEventsFromString(args[0]!);
    if (flags === null) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    return { value: flags };
  },
  format: keyspaceEventsToString,
  defaultValue: () => SPECIAL_DEFAULTS['notify-keyspace-events'],
  rewrite: (sink, name, v, text) => sink.line(name, `${name} ${repr(text)}`, v !== 0),
});

const BIND_MAX = 16;

const bindCodec = typed<string[]>({
  multiArg: true,
  parse(args) {
    if (args.length > BIND_MAX) return 'Too many bind addresses specified.';
    return { value: args.length === 1 && args[0] === '' ? [] : [...args] };
  },
  format: (v) => v.join(' '),
  defaultValue: () => [...SPECIAL_DEFAULTS.bind],
  rewrite(sink, name, v) {
    const d = SPECIAL_DEFAULTS.bind;
    // The default is never written, and an old explicit line is dropped.
    if (v.length === d.length && v.every((a, i) => a === d[i])) return sink.processed(name);
    sink.line(name, `${name} ${v.length > 0 ? v.join(' ') : '""'}`, true);
  },
});

type ReplicaOf = SpecialValueTypes['replicaof'];

const replicaofCodec = typed<ReplicaOf>({
  multiArg: true,
  parse(args) {
    if (args.length !== 2) return 'wrong number of arguments';
    const [host, portText] = [args[0]!, args[1]!];
    if (host.toLowerCase() === 'no' && portText.toLowerCase() === 'one') return { value: null };
    const port = strtollFull(portText);
    if (port === null || port < 0n || port > 65535n) return 'Invalid master port';
    return { value: { host, port: Number(port) } };
  },
  format: (v) => (v ? `${v.host} ${v.port}` : ''),
  defaultValue: () => null,
  rewrite(sink, name, v) {
    // A master (or a cluster node) must not keep any replicaof line.
    if (v === null || sink.clusterEnabled) return sink.processed(name);
    sink.line(name, `${name} ${v.host} ${v.port}`, true);
  },
});

const latencyPercentilesCodec = typed<number[]>({
  multiArg: true,
  parse(args) {
    if (args.length === 1 && args[0] === '') return { value: [] };
    const out: number[] = [];
    for (const a of args) {
      const v = string2d(a);
      if (v === null) return 'Invalid latency-tracking-info-percentiles parameters';
      if (v > 100 || v < 0)
        return 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]';
      out.push(v);
    }
    return { value: out };
  },
  format: (v) => v.map(formatPercentile).join(' '),
  defaultValue: () => [...SPECIAL_DEFAULTS['latency-tracking-info-percentiles']],
  // Always written, so that an empty list survives a restart instead of reverting to the default.
  rewrite: (sink, name, v) =>
    sink.line(
      name,
      v.length === 0 ? `${name} ""` : `${name} ${v.map(formatPercentile).join(' ')}`,
      true,
    ),
});

const SPECIAL_CODECS: { readonly [K in keyof SpecialValueTypes]: Codec } = {
  dir: dirCodec,
  save: saveCodec,
  'client-output-buffer-limit': clientOutputBufferLimitCodec,
  'oom-score-adj-values': oomScoreAdjValuesCodec,
  'notify-keyspace-events': notifyKeyspaceEventsCodec,
  bind: bindCodec,
  replicaof: replicaofCodec,
  'latency-tracking-info-percentiles': latencyPercentilesCodec,
};

export function codecFor(e: OptionEntry): Codec {
  switch (e.type) {
    case 'bool':
      return boolCodec(e.default);
    case 'int':
      return intCodec(e);
    case 'memory':
      return memoryCodec(e);
    case 'octal':
      return octalCodec(e);
    case 'enum':
      return enumCodec(e);
    case 'flags':
      return flagsCodec(e);
    case 'string':
      return stringCodec(e);
    case 'special':
      return SPECIAL_CODECS[e.codec];
  }
}
