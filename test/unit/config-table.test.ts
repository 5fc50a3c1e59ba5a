// The option table itself: its generated documentation, its agreement with
// the real redis-server, and the Redis string conversions it relies on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config.js';
import { OPTION_TABLE } from '../../src/config/options.js';
import { renderOptionsDoc, withAcceptedDirectives } from '../../src/config/print-options-doc.js';
import { globMatch, isGlobPattern } from '../../src/store/glob.js';
import { memtoull, repr, string2ll, strtollFull } from '../../src/config/text.js';

/**
 * `CONFIG GET *` of redis-server 7.0.15 (Debian build, TLS enabled) started
 * without a config file, minus `dir`, which is the working directory.
 */
const REDIS_7_0_15_DEFAULTS: Readonly<Record<string, string>> = {
  'acl-pubsub-default': 'resetchannels',
  aclfile: '',
  'acllog-max-len': '128',
  'active-defrag-cycle-max': '25',
  'active-defrag-cycle-min': '1',
  'active-defrag-ignore-bytes': '104857600',
  'active-defrag-max-scan-fields': '1000',
  'active-defrag-threshold-lower': '10',
  'active-defrag-threshold-upper': '100',
  'active-expire-effort': '1',
  activedefrag: 'no',
  activerehashing: 'yes',
  'always-show-logo': 'no',
  'aof-disable-auto-gc': 'no',
  'aof-load-truncated': 'yes',
  'aof-rewrite-incremental-fsync': 'yes',
  'aof-timestamp-enabled': 'no',
  'aof-use-rdb-preamble': 'yes',
  aof_rewrite_cpulist: '',
  appenddirname: 'appendonlydir',
  appendfilename: 'appendonly.aof',
  appendfsync: 'everysec',
  appendonly: 'no',
  'auto-aof-rewrite-min-size': '67108864',
  'auto-aof-rewrite-percentage': '100',
  bgsave_cpulist: '',
  bind: '* -::*',
  'bind-source-addr': '',
  bio_cpulist: '',
  'busy-reply-threshold': '5000',
  'client-output-buffer-limit':
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
  'client-query-buffer-limit': '1073741824',
  'cluster-allow-pubsubshard-when-down': 'yes',
  'cluster-allow-reads-when-down': 'no',
  'cluster-allow-replica-migration': 'yes',
  'cluster-announce-bus-port': '0',
  'cluster-announce-hostname': '',
  'cluster-announce-ip': '',
  'cluster-announce-port': '0',
  'cluster-announce-tls-port': '0',
  'cluster-config-file': 'nodes.conf',
  'cluster-enabled': 'no',
  'cluster-link-sendbuf-limit': '0',
  'cluster-migration-barrier': '1',
  'cluster-node-timeout': '15000',
  'cluster-port': '0',
  'cluster-preferred-endpoint-type': 'ip',
  'cluster-replica-no-failover': 'no',
  'cluster-replica-validity-factor': '10',
  'cluster-require-full-coverage': 'yes',
  'cluster-slave-no-failover': 'no',
  'cluster-slave-validity-factor': '10',
  'crash-log-enabled': 'yes',
  'crash-memcheck-enabled': 'yes',
  daemonize: 'no',
  databases: '16',
  dbfilename: 'dump.rdb',
  'disable-thp': 'yes',
  'dynamic-hz': 'yes',
  'enable-debug-command': 'no',
  'enable-module-command': 'no',
  'enable-protected-configs': 'no',
  'hash-max-listpack-entries': '512',
  'hash-max-listpack-value': '64',
  'hash-max-ziplist-entries': '512',
  'hash-max-ziplist-value': '64',
  'hll-sparse-max-bytes': '3000',
  hz: '10',
  'ignore-warnings': '',
  'io-threads': '1',
  'io-threads-do-reads': 'no',
  'jemalloc-bg-thread': 'yes',
  'latency-monitor-threshold': '0',
  'latency-tracking': 'yes',
  'latency-tracking-info-percentiles': '50 99 99.9',
  'lazyfree-lazy-eviction': 'no',
  'lazyfree-lazy-expire': 'no',
  'lazyfree-lazy-server-del': 'no',
  'lazyfree-lazy-user-del': 'no',
  'lazyfree-lazy-user-flush': 'no',
  'lfu-decay-time': '1',
  'lfu-log-factor': '10',
  'list-compress-depth': '0',
  'list-max-listpack-size': '-2',
  'list-max-ziplist-size': '-2',
  logfile: '',
  loglevel: 'notice',
  'lua-time-limit': '5000',
  masterauth: '',
  masteruser: '',
  maxclients: '10000',
  maxmemory: '0',
  'maxmemory-clients': '0',
  'maxmemory-eviction-tenacity': '10',
  'maxmemory-policy': 'noeviction',
  'maxmemory-samples': '5',
  'min-replicas-max-lag': '10',
  'min-replicas-to-write': '0',
  'min-slaves-max-lag': '10',
  'min-slaves-to-write': '0',
  'no-appendfsync-on-rewrite': 'no',
  'notify-keyspace-events': '',
  'oom-score-adj': 'no',
  'oom-score-adj-values': '0 200 800',
  pidfile: '',
  port: '6379',
  'proc-title-template': '{title} {listen-addr} {server-mode}',
  'propagation-error-behavior': 'ignore',
  'protected-mode': 'yes',
  'proto-max-bulk-len': '536870912',
  'rdb-del-sync-files': 'no',
  'rdb-save-incremental-fsync': 'yes',
  rdbchecksum: 'yes',
  rdbcompression: 'yes',
  'repl-backlog-size': '1048576',
  'repl-backlog-ttl': '3600',
  'repl-disable-tcp-nodelay': 'no',
  'repl-diskless-load': 'disabled',
  'repl-diskless-sync': 'yes',
  'repl-diskless-sync-delay': '5',
  'repl-diskless-sync-max-replicas': '0',
  'repl-ping-replica-period': '10',
  'repl-ping-slave-period': '10',
  'repl-timeout': '60',
  'replica-announce-ip': '',
  'replica-announce-port': '0',
  'replica-announced': 'yes',
  'replica-ignore-disk-write-errors': 'no',
  'replica-ignore-maxmemory': 'yes',
  'replica-lazy-flush': 'no',
  'replica-priority': '100',
  'replica-read-only': 'yes',
  'replica-serve-stale-data': 'yes',
  replicaof: '',
  requirepass: '',
  'sanitize-dump-payload': 'no',
  save: '3600 1 300 100 60 10000',
  server_cpulist: '',
  'set-max-intset-entries': '512',
  'set-proc-title': 'yes',
  'shutdown-on-sigint': 'default',
  'shutdown-on-sigterm': 'default',
  'shutdown-timeout': '10',
  'slave-announce-ip': '',
  'slave-announce-port': '0',
  'slave-ignore-maxmemory': 'yes',
  'slave-lazy-flush': 'no',
  'slave-priority': '100',
  'slave-read-only': 'yes',
  'slave-serve-stale-data': 'yes',
  slaveof: '',
  'slowlog-log-slower-than': '10000',
  'slowlog-max-len': '128',
  'socket-mark-id': '0',
  'stop-writes-on-bgsave-error': 'yes',
  'stream-node-max-bytes': '4096',
  'stream-node-max-entries': '100',
  supervised: 'no',
  'syslog-enabled': 'no',
  'syslog-facility': 'local0',
  'syslog-ident': 'redis',
  'tcp-backlog': '511',
  'tcp-keepalive': '300',
  timeout: '0',
  'tls-auth-clients': 'yes',
  'tls-ca-cert-dir': '',
  'tls-ca-cert-file': '',
  'tls-cert-file': '',
  'tls-ciphers': '',
  'tls-ciphersuites': '',
  'tls-client-cert-file': '',
  'tls-client-key-file': '',
  'tls-client-key-file-pass': '',
  'tls-cluster': 'no',
  'tls-dh-params-file': '',
  'tls-key-file': '',
  'tls-key-file-pass': '',
  'tls-port': '0',
  'tls-prefer-server-ciphers': 'no',
  'tls-protocols': '',
  'tls-replication': 'no',
  'tls-session-cache-size': '20480',
  'tls-session-cache-timeout': '300',
  'tls-session-caching': 'yes',
  'tracking-table-max-keys': '1000000',
  unixsocket: '',
  unixsocketperm: '0',
  'zset-max-listpack-entries': '128',
  'zset-max-listpack-value': '64',
  'zset-max-ziplist-entries': '128',
  'zset-max-ziplist-value': '64',
};

describe('option table', () => {
  it('lists every accepted-but-inactive directive in docs/operations.md (run print-options-doc.ts --update)', () => {
    const ops = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    expect(ops).toBe(withAcceptedDirectives(ops));
    expect(ops).toContain('`activerehashing`');
  });

  it('has docs/config-options.md generated from it (run src/config/print-options-doc.ts to update)', () => {
    const docs = readFileSync(new URL('../../docs/config-options.md', import.meta.url), 'utf8');
    expect(docs).toBe(renderOptionsDoc());
  });

  it('answers CONFIG GET * with the names and defaults of redis-server 7.0.15, except the loopback-only bind', () => {
    const ours = Object.fromEntries(
      Config.defaults()
        .getMatching(['*'])
        .filter(([k]) => k !== 'dir'),
    );
    // The one deliberate difference (docs/operations.md): resplica listens on
    // loopback only until configured otherwise.
    expect(ours).toEqual({ ...REDIS_7_0_15_DEFAULTS, bind: '127.0.0.1 -::1' });
  });

  it('names every directive and alias once', () => {
    const names = OPTION_TABLE.flatMap((e) => ['aliases' in e ? e.aliases : [], e.name].flat());
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => n === n.toLowerCase())).toBe(true);
  });
});

describe('Redis string conversions', () => {
  it('parses integers with string2ll strictness', () => {
    expect(string2ll('0')).toBe(0n);
    expect(string2ll('-12')).toBe(-12n);
    expect(string2ll('9223372036854775807')).toBe(9223372036854775807n);
    for (const bad of ['', '+1', '01', '-0', ' 1', '1 ', '1e3', '9223372036854775808'])
      expect(string2ll(bad)).toBeNull();
  });

  it('parses C strtoll numbers, where an empty string is zero', () => {
    expect(strtollFull('')).toBe(0n);
    expect(strtollFull(' +10')).toBe(10n);
    expect(strtollFull('010')).toBe(10n);
    expect(strtollFull('0700', 8)).toBe(448n);
    for (const bad of ['10k', '+', ' ', '1 ']) expect(strtollFull(bad)).toBeNull();
  });

  it('parses memory units like memtoull', () => {
    expect(memtoull('1gb')).toBe(1073741824n);
    expect(memtoull('1G')).toBe(1000000000n);
    expect(memtoull('10b')).toBe(10n);
    expect(memtoull('100k')).toBe(100000n);
    expect(memtoull('')).toBe(0n);
    expect(memtoull('mb')).toBe(0n);
    for (const bad of ['-1', '+10', ' 10', '1.5gb', '0x10', '10tb'])
      expect(memtoull(bad)).toBeNull();
  });

  it('quotes strings the way sdscatrepr does', () => {
    expect(repr('a b')).toBe('"a b"');
    expect(repr('q"\\\n\t')).toBe('"q\\"\\\\\\n\\t"');
    expect(repr('é')).toBe('"\\xc3\\xa9"');
  });

  it('matches globs like Redis stringmatch', () => {
    expect(globMatch('*max*', 'maxmemory', true)).toBe(true);
    expect(globMatch('MAX*', 'maxmemory', true)).toBe(true);
    expect(globMatch('MAX*', 'maxmemory', false)).toBe(false);
    expect(globMatch('h?', 'hz', true)).toBe(true);
    expect(globMatch('[z-a]one', 'mone', true)).toBe(true);
    expect(globMatch('[^m]one', 'mone', true)).toBe(false);
    expect(globMatch('a\\*b', 'a*b', true)).toBe(true);
    expect(globMatch('a\\*b', 'axb', true)).toBe(false);
    expect(globMatch('*', '', true)).toBe(false);
    expect(isGlobPattern('port')).toBe(false);
    expect(isGlobPattern('p[o]rt')).toBe(true);
  });
});
