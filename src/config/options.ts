/**
 * Every directive redis-server 7.0.15 accepts, as data.
 *
 * This table is the single source of truth for the configuration subsystem:
 * the redis.conf loader, CONFIG GET/SET/REWRITE, the typed `ConfigValues`
 * record the server reads, and docs/config-options.md are all derived from it.
 * Names, aliases, bounds, defaults and mutability follow Redis 7.0.15 (checked
 * against `CONFIG GET *` of the real binary); the behaviour behind each one is
 * described by `status`:
 *
 *  - implemented: the value is honoured by resplica today;
 *  - planned:     accepted and shown, the feature arrives in a later milestone;
 *  - inert:       accepted and shown, but meaningless in a Node server
 *                 (allocator, threads, kernel knobs, ...). Keeping them means
 *                 an existing redis.conf loads unchanged.
 *
 * Entry kinds: ordinary options (bool/int/memory/octal/enum/flags/string) whose
 * parsing and formatting is generic; `special` options whose grammar is their
 * own (save, bind, client-output-buffer-limit, ...; see codecs.ts);
 * `directive`s that only exist in files (include, rename-command, user, ...);
 * and `deprecated` names Redis still swallows silently.
 */
import { INT_MAX, INT_MIN, LLONG_MAX, UINT_MAX, ULLONG_MAX } from './text.js';

export type OptionStatus = 'implemented' | 'inert' | 'planned';

/** Named validators for string-like options; implemented in codecs.ts. */
export type StringValidator =
  'dbfilename' | 'appendfilename' | 'appenddirname' | 'proc-title-template' | 'announced-hostname';

/** Options with a grammar of their own; implemented in codecs.ts. */
export type SpecialCodecName =
  | 'dir'
  | 'save'
  | 'client-output-buffer-limit'
  | 'oom-score-adj-values'
  | 'notify-keyspace-events'
  | 'bind'
  | 'replicaof'
  | 'latency-tracking-info-percentiles';

interface EntryBase {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly status: OptionStatus;
}

interface OptionBase extends EntryBase {
  /** CONFIG SET allowed at runtime (Redis: MODIFIABLE_CONFIG vs IMMUTABLE_CONFIG). */
  readonly mutable: boolean;
  /** CONFIG SET only when enable-protected-configs allows it. */
  readonly protected?: true;
  /** CONFIG SET refused with -LOADING while a dataset is being loaded. */
  readonly denyLoading?: true;
  /** Value must be redacted from SLOWLOG/MONITOR/command logs. */
  readonly sensitive?: true;
  /** Only answered by CONFIG GET when asked for by exact name (test hooks). */
  readonly hidden?: true;
}

export interface BoolOption extends OptionBase {
  readonly type: 'bool';
  readonly default: boolean;
}

/** Plain integers (Redis's string2ll grammar) within [min, max]. */
export interface IntOption extends OptionBase {
  readonly type: 'int';
  readonly min: bigint;
  readonly max: bigint;
  readonly default: number;
  /** Stored value is clamped into this range after a successful set (hz is "a hint"). */
  readonly clamp?: readonly [number, number];
}

/** Byte counts accepting units (1gb, 64mb, 100k, 1024); `percent` also takes "N%". */
export interface MemoryOption extends OptionBase {
  readonly type: 'memory';
  readonly min: bigint;
  readonly max: bigint;
  readonly default: number;
  readonly percent?: true;
}

/** File modes written in octal (unixsocketperm). */
export interface OctalOption extends OptionBase {
  readonly type: 'octal';
  readonly min: bigint;
  readonly max: bigint;
  readonly default: number;
}

export interface EnumOption extends OptionBase {
  readonly type: 'enum';
  /** Accepted names in Redis's order (error messages list them in this order). */
  readonly values: readonly string[];
  /** Accepted names that store another value (CONFIG GET shows the target). */
  readonly synonyms?: Readonly<Record<string, string>>;
  readonly default: string;
}

/** A set of flags given as several words; `none` is the word for the empty set. */
export interface FlagsOption extends OptionBase {
  readonly type: 'flags';
  readonly none: string;
  readonly values: readonly string[];
  readonly default: readonly string[];
  /** Pairs of flags that may not be combined, with Redis's error text. */
  readonly exclusive?: readonly (readonly [string, string, string])[];
}

export interface StringOption extends OptionBase {
  readonly type: 'string';
  /** null means "unset": shown as "" and left out of rewritten files. */
  readonly default: string | null;
  /** An empty value means unset (Redis EMPTY_STRING_IS_NULL). */
  readonly emptyIsNull: boolean;
  readonly validate?: StringValidator;
}

export interface SpecialOption extends OptionBase {
  readonly type: 'special';
  readonly codec: SpecialCodecName;
  /** Takes several arguments on a config line (CONFIG SET splits its value on spaces). */
  readonly multiArg: boolean;
}

/** File-only directives, handled by the loader rather than stored as values. */
export interface DirectiveEntry extends EntryBase {
  readonly type: 'directive';
  /** Argument count excluding the directive name; max null = unbounded. */
  readonly minArgs: number;
  readonly maxArgs: number | null;
}

/** Names Redis 7.0 still accepts and ignores (with exactly these argument counts). */
export interface DeprecatedEntry extends EntryBase {
  readonly type: 'deprecated';
  readonly minArgs: number;
  readonly maxArgs: number;
}

export type OptionEntry =
  | BoolOption
  | IntOption
  | MemoryOption
  | OctalOption
  | EnumOption
  | FlagsOption
  | StringOption
  | SpecialOption;

export type TableEntry = OptionEntry | DirectiveEntry | DeprecatedEntry;

const MB = 1024 * 1024;
const PROTECTED_ACTION = ['no', 'yes', 'local'] as const;
const SHUTDOWN_FLAGS = ['save', 'nosave', 'now', 'force'] as const;
const SHUTDOWN_EXCLUSIVE = [
  ['save', 'nosave', "shutdown options SAVE and NOSAVE can't be used simultaneously"],
] as const;

// One line per directive reads as a table; Prettier would spread each entry over many lines.
// prettier-ignore
export const OPTION_TABLE = [
  // ---- Network and clients -------------------------------------------------
  { name: 'bind', type: 'special', codec: 'bind', multiArg: true, mutable: true, status: 'implemented' },
  { name: 'bind-source-addr', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'protected-mode', type: 'bool', default: true, mutable: true, status: 'implemented' },
  { name: 'port', type: 'int', min: 0n, max: 65535n, default: 6379, mutable: true, status: 'implemented' },
  { name: 'tcp-backlog', type: 'int', min: 0n, max: INT_MAX, default: 511, mutable: false, status: 'implemented' },
  { name: 'unixsocket', type: 'string', default: null, emptyIsNull: true, mutable: false, status: 'implemented' },
  { name: 'unixsocketperm', type: 'octal', min: 0n, max: 0o777n, default: 0, mutable: false, status: 'implemented' },
  { name: 'socket-mark-id', type: 'int', min: 0n, max: UINT_MAX, default: 0, mutable: false, status: 'inert' },
  { name: 'timeout', type: 'int', min: 0n, max: INT_MAX, default: 0, mutable: true, status: 'implemented' },
  { name: 'tcp-keepalive', type: 'int', min: 0n, max: INT_MAX, default: 300, mutable: true, status: 'implemented' },
  { name: 'maxclients', type: 'int', min: 1n, max: UINT_MAX, default: 10000, mutable: true, status: 'implemented' },
  { name: 'proto-max-bulk-len', type: 'memory', min: 1024n * 1024n, max: LLONG_MAX, default: 512 * MB, mutable: true, status: 'implemented' },
  { name: 'client-query-buffer-limit', type: 'memory', min: 1024n * 1024n, max: LLONG_MAX, default: 1024 * MB, mutable: true, status: 'implemented' },
  { name: 'client-output-buffer-limit', type: 'special', codec: 'client-output-buffer-limit', multiArg: true, mutable: true, status: 'implemented' },
  { name: 'maxmemory-clients', type: 'memory', percent: true, min: -100n, max: LLONG_MAX, default: 0, mutable: true, status: 'planned' },

  // ---- General ------------------------------------------------------------
  { name: 'daemonize', type: 'bool', default: false, mutable: false, status: 'implemented' },
  { name: 'supervised', type: 'enum', values: ['upstart', 'systemd', 'auto', 'no'], default: 'no', mutable: false, status: 'planned' },
  { name: 'pidfile', type: 'string', default: null, emptyIsNull: true, mutable: false, status: 'implemented' },
  { name: 'loglevel', type: 'enum', values: ['debug', 'verbose', 'notice', 'warning'], default: 'notice', mutable: true, status: 'implemented' },
  { name: 'logfile', type: 'string', default: '', emptyIsNull: false, mutable: false, status: 'implemented' },
  { name: 'syslog-enabled', type: 'bool', default: false, mutable: false, status: 'inert' },
  { name: 'syslog-ident', type: 'string', default: 'redis', emptyIsNull: false, mutable: false, status: 'inert' },
  { name: 'syslog-facility', type: 'enum', values: ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], default: 'local0', mutable: false, status: 'inert' },
  { name: 'crash-log-enabled', type: 'bool', default: true, mutable: true, status: 'inert' },
  { name: 'crash-memcheck-enabled', type: 'bool', default: true, mutable: true, status: 'inert' },
  { name: 'databases', type: 'int', min: 1n, max: INT_MAX, default: 16, mutable: false, status: 'implemented' },
  { name: 'always-show-logo', type: 'bool', default: false, mutable: false, status: 'implemented' },
  { name: 'set-proc-title', type: 'bool', default: true, mutable: false, status: 'inert' },
  { name: 'proc-title-template', type: 'string', default: '{title} {listen-addr} {server-mode}', emptyIsNull: false, validate: 'proc-title-template', mutable: true, status: 'inert' },
  { name: 'enable-protected-configs', type: 'enum', values: PROTECTED_ACTION, default: 'no', mutable: false, status: 'implemented' },
  { name: 'enable-debug-command', type: 'enum', values: PROTECTED_ACTION, default: 'no', mutable: false, status: 'implemented' },
  { name: 'enable-module-command', type: 'enum', values: PROTECTED_ACTION, default: 'no', mutable: false, status: 'inert' },
  { name: 'ignore-warnings', type: 'string', default: '', emptyIsNull: false, mutable: true, status: 'inert' },
  { name: 'hz', type: 'int', min: 0n, max: INT_MAX, default: 10, clamp: [1, 500], mutable: true, status: 'implemented' },
  { name: 'dynamic-hz', type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'shutdown-timeout', type: 'int', min: 0n, max: INT_MAX, default: 10, mutable: true, status: 'implemented' },
  { name: 'shutdown-on-sigint', type: 'flags', none: 'default', values: SHUTDOWN_FLAGS, default: [], exclusive: SHUTDOWN_EXCLUSIVE, mutable: true, status: 'implemented' },
  { name: 'shutdown-on-sigterm', type: 'flags', none: 'default', values: SHUTDOWN_FLAGS, default: [], exclusive: SHUTDOWN_EXCLUSIVE, mutable: true, status: 'implemented' },

  // ---- Snapshotting -------------------------------------------------------
  { name: 'save', type: 'special', codec: 'save', multiArg: true, mutable: true, status: 'implemented' },
  { name: 'stop-writes-on-bgsave-error', type: 'bool', default: true, mutable: true, status: 'implemented' },
  { name: 'rdbcompression', type: 'bool', default: true, mutable: true, status: 'implemented' },
  { name: 'rdbchecksum', type: 'bool', default: true, mutable: false, status: 'implemented' },
  { name: 'sanitize-dump-payload', type: 'enum', values: ['no', 'yes', 'clients'], default: 'no', mutable: true, status: 'planned' },
  { name: 'dbfilename', type: 'string', default: 'dump.rdb', emptyIsNull: false, validate: 'dbfilename', protected: true, mutable: true, status: 'implemented' },
  { name: 'rdb-del-sync-files', type: 'bool', default: false, mutable: true, status: 'implemented' },
  { name: 'dir', type: 'special', codec: 'dir', multiArg: false, protected: true, denyLoading: true, mutable: true, status: 'implemented' },
  { name: 'rdb-save-incremental-fsync', type: 'bool', default: true, mutable: true, status: 'inert' },
  { name: 'rdb-key-save-delay', type: 'int', min: INT_MIN, max: INT_MAX, default: 0, hidden: true, mutable: true, status: 'implemented' },
  { name: 'key-load-delay', type: 'int', min: INT_MIN, max: INT_MAX, default: 0, hidden: true, mutable: true, status: 'implemented' },
  { name: 'loading-process-events-interval-bytes', type: 'int', min: 1024n, max: INT_MAX, default: 2 * MB, hidden: true, mutable: true, status: 'planned' },

  // ---- Replication --------------------------------------------------------
  { name: 'replicaof', aliases: ['slaveof'], type: 'special', codec: 'replicaof', multiArg: true, mutable: false, status: 'implemented' },
  { name: 'masterauth', type: 'string', default: null, emptyIsNull: true, sensitive: true, mutable: true, status: 'implemented' },
  { name: 'masteruser', type: 'string', default: null, emptyIsNull: true, sensitive: true, mutable: true, status: 'implemented' },
  { name: 'replica-serve-stale-data', aliases: ['slave-serve-stale-data'], type: 'bool', default: true, mutable: true, status: 'implemented' },
  { name: 'replica-read-only', aliases: ['slave-read-only'], type: 'bool', default: true, mutable: true, status: 'implemented' },
  { name: 'repl-diskless-sync', type: 'bool', default: true, mutable: true, status: 'implemented' },
  { name: 'repl-diskless-sync-delay', type: 'int', min: 0n, max: INT_MAX, default: 5, mutable: true, status: 'implemented' },
  { name: 'repl-diskless-sync-max-replicas', type: 'int', min: 0n, max: INT_MAX, default: 0, mutable: true, status: 'implemented' },
  { name: 'repl-diskless-load', type: 'enum', values: ['disabled', 'on-empty-db', 'swapdb'], default: 'disabled', denyLoading: true, mutable: true, status: 'implemented' },
  { name: 'repl-ping-replica-period', aliases: ['repl-ping-slave-period'], type: 'int', min: 1n, max: INT_MAX, default: 10, mutable: true, status: 'implemented' },
  { name: 'repl-timeout', type: 'int', min: 1n, max: INT_MAX, default: 60, mutable: true, status: 'implemented' },
  { name: 'repl-disable-tcp-nodelay', type: 'bool', default: false, mutable: true, status: 'implemented' },
  { name: 'repl-backlog-size', type: 'memory', min: 1n, max: LLONG_MAX, default: MB, mutable: true, status: 'implemented' },
  { name: 'repl-backlog-ttl', type: 'int', min: 0n, max: LLONG_MAX, default: 3600, mutable: true, status: 'implemented' },
  { name: 'replica-priority', aliases: ['slave-priority'], type: 'int', min: 0n, max: INT_MAX, default: 100, mutable: true, status: 'implemented' },
  { name: 'replica-announced', type: 'bool', default: true, mutable: true, status: 'implemented' },
  { name: 'min-replicas-to-write', aliases: ['min-slaves-to-write'], type: 'int', min: 0n, max: INT_MAX, default: 0, mutable: true, status: 'implemented' },
  { name: 'min-replicas-max-lag', aliases: ['min-slaves-max-lag'], type: 'int', min: 0n, max: INT_MAX, default: 10, mutable: true, status: 'implemented' },
  { name: 'replica-announce-ip', aliases: ['slave-announce-ip'], type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'implemented' },
  { name: 'replica-announce-port', aliases: ['slave-announce-port'], type: 'int', min: 0n, max: 65535n, default: 0, mutable: true, status: 'implemented' },
  { name: 'replica-lazy-flush', aliases: ['slave-lazy-flush'], type: 'bool', default: false, mutable: true, status: 'inert' },
  { name: 'replica-ignore-maxmemory', aliases: ['slave-ignore-maxmemory'], type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'replica-ignore-disk-write-errors', type: 'bool', default: false, mutable: true, status: 'planned' },
  { name: 'propagation-error-behavior', type: 'enum', values: ['ignore', 'panic', 'panic-on-replicas'], default: 'ignore', mutable: true, status: 'planned' },

  // ---- Keyspace events, slow log, latency ---------------------------------
  { name: 'notify-keyspace-events', type: 'special', codec: 'notify-keyspace-events', multiArg: false, mutable: true, status: 'implemented' },
  { name: 'slowlog-log-slower-than', type: 'int', min: -1n, max: LLONG_MAX, default: 10000, mutable: true, status: 'implemented' },
  { name: 'slowlog-max-len', type: 'int', min: 0n, max: LLONG_MAX, default: 128, mutable: true, status: 'implemented' },
  { name: 'latency-monitor-threshold', type: 'int', min: 0n, max: LLONG_MAX, default: 0, mutable: true, status: 'planned' },
  { name: 'latency-tracking', type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'latency-tracking-info-percentiles', type: 'special', codec: 'latency-tracking-info-percentiles', multiArg: true, mutable: true, status: 'planned' },

  // ---- Security and ACL ---------------------------------------------------
  { name: 'requirepass', type: 'string', default: null, emptyIsNull: true, sensitive: true, mutable: true, status: 'implemented' },
  { name: 'aclfile', type: 'string', default: '', emptyIsNull: false, mutable: false, status: 'planned' },
  { name: 'acllog-max-len', type: 'int', min: 0n, max: LLONG_MAX, default: 128, mutable: true, status: 'planned' },
  { name: 'acl-pubsub-default', type: 'enum', values: ['allchannels', 'resetchannels'], default: 'resetchannels', mutable: true, status: 'planned' },

  // ---- Memory management and eviction -------------------------------------
  { name: 'maxmemory', type: 'memory', min: 0n, max: ULLONG_MAX, default: 0, mutable: true, status: 'planned' },
  { name: 'maxmemory-policy', type: 'enum', values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], default: 'noeviction', mutable: true, status: 'planned' },
  { name: 'maxmemory-samples', type: 'int', min: 1n, max: INT_MAX, default: 5, mutable: true, status: 'planned' },
  { name: 'maxmemory-eviction-tenacity', type: 'int', min: 0n, max: 100n, default: 10, mutable: true, status: 'planned' },
  { name: 'lfu-log-factor', type: 'int', min: 0n, max: INT_MAX, default: 10, mutable: true, status: 'planned' },
  { name: 'lfu-decay-time', type: 'int', min: 0n, max: INT_MAX, default: 1, mutable: true, status: 'planned' },
  { name: 'active-expire-effort', type: 'int', min: 1n, max: 10n, default: 1, mutable: true, status: 'planned' },
  { name: 'lazyfree-lazy-eviction', type: 'bool', default: false, mutable: true, status: 'inert' },
  { name: 'lazyfree-lazy-expire', type: 'bool', default: false, mutable: true, status: 'inert' },
  { name: 'lazyfree-lazy-server-del', type: 'bool', default: false, mutable: true, status: 'inert' },
  { name: 'lazyfree-lazy-user-del', type: 'bool', default: false, mutable: true, status: 'inert' },
  { name: 'lazyfree-lazy-user-flush', type: 'bool', default: false, mutable: true, status: 'inert' },
  { name: 'tracking-table-max-keys', type: 'int', min: 0n, max: LLONG_MAX, default: 1000000, mutable: true, status: 'planned' },

  // ---- Process and OS knobs with no meaning in Node -------------------------
  { name: 'io-threads', type: 'int', min: 1n, max: 128n, default: 1, mutable: false, status: 'inert' },
  { name: 'io-threads-do-reads', type: 'bool', default: false, mutable: false, status: 'inert' },
  { name: 'oom-score-adj', type: 'enum', values: ['no', 'yes', 'relative', 'absolute'], synonyms: { relative: 'yes' }, default: 'no', mutable: true, status: 'inert' },
  { name: 'oom-score-adj-values', type: 'special', codec: 'oom-score-adj-values', multiArg: true, mutable: true, status: 'inert' },
  { name: 'disable-thp', type: 'bool', default: true, mutable: false, status: 'inert' },
  { name: 'jemalloc-bg-thread', type: 'bool', default: true, mutable: true, status: 'inert' },
  { name: 'activerehashing', type: 'bool', default: true, mutable: true, status: 'inert' },
  { name: 'activedefrag', type: 'bool', default: false, mutable: true, status: 'inert' },
  { name: 'active-defrag-ignore-bytes', type: 'memory', min: 1n, max: LLONG_MAX, default: 100 * MB, mutable: true, status: 'inert' },
  { name: 'active-defrag-threshold-lower', type: 'int', min: 0n, max: 1000n, default: 10, mutable: true, status: 'inert' },
  { name: 'active-defrag-threshold-upper', type: 'int', min: 0n, max: 1000n, default: 100, mutable: true, status: 'inert' },
  { name: 'active-defrag-cycle-min', type: 'int', min: 1n, max: 99n, default: 1, mutable: true, status: 'inert' },
  { name: 'active-defrag-cycle-max', type: 'int', min: 1n, max: 99n, default: 25, mutable: true, status: 'inert' },
  { name: 'active-defrag-max-scan-fields', type: 'int', min: 1n, max: LLONG_MAX, default: 1000, mutable: true, status: 'inert' },
  { name: 'server_cpulist', type: 'string', default: null, emptyIsNull: true, mutable: false, status: 'inert' },
  { name: 'bio_cpulist', type: 'string', default: null, emptyIsNull: true, mutable: false, status: 'inert' },
  { name: 'aof_rewrite_cpulist', type: 'string', default: null, emptyIsNull: true, mutable: false, status: 'inert' },
  { name: 'bgsave_cpulist', type: 'string', default: null, emptyIsNull: true, mutable: false, status: 'inert' },
  { name: 'use-exit-on-panic', type: 'bool', default: false, hidden: true, mutable: true, status: 'inert' },
  { name: 'watchdog-period', type: 'int', min: 0n, max: INT_MAX, default: 0, hidden: true, mutable: true, status: 'inert' },

  // ---- Append only file ---------------------------------------------------
  { name: 'appendonly', type: 'bool', default: false, denyLoading: true, mutable: true, status: 'planned' },
  { name: 'appendfilename', type: 'string', default: 'appendonly.aof', emptyIsNull: false, validate: 'appendfilename', mutable: false, status: 'planned' },
  { name: 'appenddirname', type: 'string', default: 'appendonlydir', emptyIsNull: false, validate: 'appenddirname', mutable: false, status: 'planned' },
  { name: 'appendfsync', type: 'enum', values: ['everysec', 'always', 'no'], default: 'everysec', mutable: true, status: 'planned' },
  { name: 'no-appendfsync-on-rewrite', type: 'bool', default: false, mutable: true, status: 'planned' },
  { name: 'auto-aof-rewrite-percentage', type: 'int', min: 0n, max: INT_MAX, default: 100, mutable: true, status: 'planned' },
  { name: 'auto-aof-rewrite-min-size', type: 'memory', min: 0n, max: LLONG_MAX, default: 64 * MB, mutable: true, status: 'planned' },
  { name: 'aof-load-truncated', type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'aof-use-rdb-preamble', type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'aof-timestamp-enabled', type: 'bool', default: false, mutable: true, status: 'planned' },
  { name: 'aof-rewrite-incremental-fsync', type: 'bool', default: true, mutable: true, status: 'inert' },
  { name: 'aof-disable-auto-gc', type: 'bool', default: false, mutable: true, status: 'planned' },

  // ---- Scripting ----------------------------------------------------------
  { name: 'busy-reply-threshold', aliases: ['lua-time-limit'], type: 'int', min: 0n, max: LLONG_MAX, default: 5000, mutable: true, status: 'planned' },

  // ---- Cluster ------------------------------------------------------------
  { name: 'cluster-enabled', type: 'bool', default: false, mutable: false, status: 'planned' },
  { name: 'cluster-config-file', type: 'string', default: 'nodes.conf', emptyIsNull: false, mutable: false, status: 'planned' },
  { name: 'cluster-node-timeout', type: 'int', min: 0n, max: LLONG_MAX, default: 15000, mutable: true, status: 'planned' },
  { name: 'cluster-port', type: 'int', min: 0n, max: 65535n, default: 0, mutable: false, status: 'planned' },
  { name: 'cluster-replica-validity-factor', aliases: ['cluster-slave-validity-factor'], type: 'int', min: 0n, max: INT_MAX, default: 10, mutable: true, status: 'planned' },
  { name: 'cluster-migration-barrier', type: 'int', min: 0n, max: INT_MAX, default: 1, mutable: true, status: 'planned' },
  { name: 'cluster-allow-replica-migration', type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'cluster-require-full-coverage', type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'cluster-replica-no-failover', aliases: ['cluster-slave-no-failover'], type: 'bool', default: false, mutable: true, status: 'planned' },
  { name: 'cluster-allow-reads-when-down', type: 'bool', default: false, mutable: true, status: 'planned' },
  { name: 'cluster-allow-pubsubshard-when-down', type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'cluster-link-sendbuf-limit', type: 'memory', min: 0n, max: ULLONG_MAX, default: 0, mutable: true, status: 'planned' },
  { name: 'cluster-announce-hostname', type: 'string', default: null, emptyIsNull: true, validate: 'announced-hostname', mutable: true, status: 'planned' },
  { name: 'cluster-preferred-endpoint-type', type: 'enum', values: ['ip', 'hostname', 'unknown-endpoint'], default: 'ip', mutable: true, status: 'planned' },
  { name: 'cluster-announce-ip', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'cluster-announce-port', type: 'int', min: 0n, max: 65535n, default: 0, mutable: true, status: 'planned' },
  { name: 'cluster-announce-tls-port', type: 'int', min: 0n, max: 65535n, default: 0, mutable: true, status: 'planned' },
  { name: 'cluster-announce-bus-port', type: 'int', min: 0n, max: 65535n, default: 0, mutable: true, status: 'planned' },

  // ---- Data type encodings (values are honoured as thresholds) -------------
  { name: 'hash-max-listpack-entries', aliases: ['hash-max-ziplist-entries'], type: 'int', min: 0n, max: LLONG_MAX, default: 512, mutable: true, status: 'planned' },
  { name: 'hash-max-listpack-value', aliases: ['hash-max-ziplist-value'], type: 'memory', min: 0n, max: LLONG_MAX, default: 64, mutable: true, status: 'planned' },
  { name: 'list-max-listpack-size', aliases: ['list-max-ziplist-size'], type: 'int', min: INT_MIN, max: INT_MAX, default: -2, mutable: true, status: 'planned' },
  { name: 'list-compress-depth', type: 'int', min: 0n, max: INT_MAX, default: 0, mutable: true, status: 'inert' },
  { name: 'set-max-intset-entries', type: 'int', min: 0n, max: LLONG_MAX, default: 512, mutable: true, status: 'planned' },
  { name: 'zset-max-listpack-entries', aliases: ['zset-max-ziplist-entries'], type: 'int', min: 0n, max: LLONG_MAX, default: 128, mutable: true, status: 'planned' },
  { name: 'zset-max-listpack-value', aliases: ['zset-max-ziplist-value'], type: 'memory', min: 0n, max: LLONG_MAX, default: 64, mutable: true, status: 'planned' },
  { name: 'hll-sparse-max-bytes', type: 'memory', min: 0n, max: LLONG_MAX, default: 3000, mutable: true, status: 'planned' },
  { name: 'stream-node-max-bytes', type: 'memory', min: 0n, max: LLONG_MAX, default: 4096, mutable: true, status: 'planned' },
  { name: 'stream-node-max-entries', type: 'int', min: 0n, max: LLONG_MAX, default: 100, mutable: true, status: 'planned' },

  // ---- TLS (present in Debian's TLS-enabled build) --------------------------
  { name: 'tls-port', type: 'int', min: 0n, max: 65535n, default: 0, mutable: true, status: 'planned' },
  { name: 'tls-cert-file', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-key-file', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-key-file-pass', type: 'string', default: null, emptyIsNull: true, sensitive: true, mutable: true, status: 'planned' },
  { name: 'tls-client-cert-file', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-client-key-file', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-client-key-file-pass', type: 'string', default: null, emptyIsNull: true, sensitive: true, mutable: true, status: 'planned' },
  { name: 'tls-dh-params-file', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-ca-cert-file', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-ca-cert-dir', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-auth-clients', type: 'enum', values: ['no', 'yes', 'optional'], default: 'yes', mutable: true, status: 'planned' },
  { name: 'tls-replication', type: 'bool', default: false, mutable: true, status: 'planned' },
  { name: 'tls-cluster', type: 'bool', default: false, mutable: true, status: 'planned' },
  { name: 'tls-protocols', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-ciphers', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-ciphersuites', type: 'string', default: null, emptyIsNull: true, mutable: true, status: 'planned' },
  { name: 'tls-prefer-server-ciphers', type: 'bool', default: false, mutable: true, status: 'planned' },
  { name: 'tls-session-caching', type: 'bool', default: true, mutable: true, status: 'planned' },
  { name: 'tls-session-cache-size', type: 'int', min: 0n, max: INT_MAX, default: 20480, mutable: true, status: 'planned' },
  { name: 'tls-session-cache-timeout', type: 'int', min: 0n, max: INT_MAX, default: 300, mutable: true, status: 'planned' },

  // ---- File-only directives -----------------------------------------------
  { name: 'include', type: 'directive', minArgs: 1, maxArgs: 1, status: 'implemented' },
  { name: 'rename-command', type: 'directive', minArgs: 2, maxArgs: 2, status: 'implemented' },
  { name: 'user', type: 'directive', minArgs: 1, maxArgs: null, status: 'planned' },
  // Native modules cannot be loaded into Node; kept so the line is reported, not rejected.
  { name: 'loadmodule', type: 'directive', minArgs: 1, maxArgs: null, status: 'inert' },
  { name: 'sentinel', type: 'directive', minArgs: 0, maxArgs: null, status: 'planned' },

  // ---- Accepted and ignored by Redis 7.0 ----------------------------------
  { name: 'list-max-ziplist-entries', type: 'deprecated', minArgs: 1, maxArgs: 1, status: 'inert' },
  { name: 'list-max-ziplist-value', type: 'deprecated', minArgs: 1, maxArgs: 1, status: 'inert' },
  { name: 'lua-replicate-commands', type: 'deprecated', minArgs: 1, maxArgs: 1, status: 'inert' },
] as const satisfies readonly TableEntry[];

type Row = (typeof OPTION_TABLE)[number];
type OptionRow = Exclude<Row, { type: 'directive' | 'deprecated' }>;

/** The keyspace-event classes as Redis's bit flags (notify.c). */
export const KEYSPACE_EVENT = {
  KEYSPACE: 1 << 0, // K
  KEYEVENT: 1 << 1, // E
  GENERIC: 1 << 2, // g
  STRING: 1 << 3, // $
  LIST: 1 << 4, // l
  SET: 1 << 5, // s
  HASH: 1 << 6, // h
  ZSET: 1 << 7, // z
  EXPIRED: 1 << 8, // x
  EVICTED: 1 << 9, // e
  STREAM: 1 << 10, // t
  KEY_MISS: 1 << 11, // m
  LOADED: 1 << 12, // module-only, not settable
  MODULE: 1 << 13, // d
  NEW: 1 << 14, // n
} as const;

export interface OutputBufferLimit {
  /** Bytes; 0 = no limit. */
  hard: number;
  soft: number;
  softSeconds: number;
}

export interface OutputBufferLimits {
  normal: OutputBufferLimit;
  replica: OutputBufferLimit;
  pubsub: OutputBufferLimit;
}

/** Value types of the special options, keyed by codec. */
export interface SpecialValueTypes {
  /** Absolute path; Redis chdirs into it, resplica keeps it and resolves relative paths against it. */
  dir: string;
  /** [seconds, changes] save points; empty = snapshotting disabled. */
  save: Array<[number, number]>;
  'client-output-buffer-limit': OutputBufferLimits;
  /** [master, replica, bgchild] */
  'oom-score-adj-values': [number, number, number];
  /** Bit mask of KEYSPACE_EVENT flags. */
  'notify-keyspace-events': number;
  /** Addresses as written, including a leading '-' for optional ones; empty = no TCP listener. */
  bind: string[];
  /** null when this server is a master. */
  replicaof: { host: string; port: number } | null;
  'latency-tracking-info-percentiles': number[];
}

type ValueOf<E> = E extends { type: 'bool' }
  ? boolean
  : E extends { type: 'int' | 'memory' | 'octal' }
    ? number
    : E extends { type: 'enum'; values: readonly (infer V)[]; synonyms: infer S }
      ? Exclude<V, keyof S>
      : E extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : E extends { type: 'flags'; values: readonly (infer V)[] }
          ? V[]
          : E extends { type: 'string' }
            ? string
            : E extends { type: 'special'; codec: infer C extends SpecialCodecName }
              ? SpecialValueTypes[C]
              : never;

/**
 * One typed property per option, under its canonical Redis name. Unset
 * strings read as ''; `maxmemory-clients` follows Redis and stores a
 * percentage of maxmemory as a negative number.
 */
export type ConfigValues = { [E in OptionRow as E['name']]: ValueOf<E> };

export type ConfigName = keyof ConfigValues;

/** Default values of the special options (ordinary options carry theirs in the table). */
export const SPECIAL_DEFAULTS: { [C in Exclude<SpecialCodecName, 'dir'>]: SpecialValueTypes[C] } = {
  save: [
    [3600, 1],
    [300, 100],
    [60, 10000],
  ],
  'client-output-buffer-limit': {
    normal: { hard: 0, soft: 0, softSeconds: 0 },
    replica: { hard: 256 * MB, soft: 64 * MB, softSeconds: 60 },
    pubsub: { hard: 32 * MB, soft: 8 * MB, softSeconds: 60 },
  },
  'oom-score-adj-values': [0, 200, 800],
  'notify-keyspace-events': 0,
  // Loopback only by default (Redis compiles in `* -::*` and relies on protected
  // mode); a server that is reachable only locally until configured is safer.
  bind: ['127.0.0.1', '-::1'],
  replicaof: null,
  'latency-tracking-info-percentiles': [50, 99, 99.9],
};

export function isOptionEntry(e: TableEntry): e is OptionEntry {
  return e.type !== 'directive' && e.type !== 'deprecated';
}
