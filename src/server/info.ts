import os from 'node:os';
import type { Server } from './server.js';
import { REDIS_VERSION, RESPLICA_VERSION } from './server.js';

/**
 * INFO, section by section, with Redis 7.0's field names and `# Section`
 * layout: monitoring tools parse these lines, so names and formats follow Redis
 * even where our numbers come from a different source (V8's heap instead of
 * jemalloc, for instance).
 */

type Section = (server: Server) => string[];

const SECTIONS: Record<string, Section> = {
  server: serverSection,
  clients: clientsSection,
  memory: memorySection,
  persistence: persistenceSection,
  stats: statsSection,
  replication: replicationSection,
  cpu: cpuSection,
  modules: () => [],
  commandstats: commandstatsSection,
  errorstats: errorstatsSection,
  cluster: () => ['cluster_enabled:0'],
  keyspace: keyspaceSection,
};

const TITLES: Record<string, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  commandstats: 'Commandstats',
  errorstats: 'Errorstats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
};

const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'errorstats',
  'cluster',
  'keyspace',
];
const ALL_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'commandstats',
  'errorstats',
  'cluster',
  'keyspace',
];

/** Builds the INFO text for the requested section names (as INFO's arguments). */
export function renderInfo(server: Server, requested: string[]): string {
  const wanted = new Set<string>();
  if (requested.length === 0) {
    for (const s of DEFAULT_SECTIONS) wanted.add(s);
  }
  for (const raw of requested) {
    const name = raw.toLowerCase();
    if (name === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else if (name === 'all' || name === 'everything') for (const s of ALL_SECTIONS) wanted.add(s);
    else wanted.add(name);
  }
  const parts: string[] = [];
  for (const name of ALL_SECTIONS) {
    if (!wanted.has(name)) continue;
    const lines = SECTIONS[name]!(server);
    parts.push([`# ${TITLES[name]}`, ...lines].join('\r\n'));
  }
  return parts.length === 0 ? '' : parts.join('\r\n\r\n') + '\r\n';
}

function serverSection(server: Server): string[] {
  const now = Date.now();
  const uptime = Math.floor((now - server.startedAt) / 1000);
  return [
    `redis_version:${REDIS_VERSION}`,
    `resplica_version:${RESPLICA_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    'redis_build_id:0',
    'redis_mode:standalone',
    `os:${os.type()} ${os.release()} ${os.arch() === 'x64' ? 'x86_64' : os.arch()}`,
    'arch_bits:64',
    'monotonic_clock:POSIX clock_gettime',
    'multiplexing_api:epoll',
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `node_version:${process.versions.node}`,
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${server.runId}`,
    `tcp_port:${server.tcpPort}`,
    `server_time_usec:${now * 1000}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${server.config.get('hz')}`,
    `configured_hz:${server.config.get('hz')}`,
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
    `executable:${process.argv[1] ?? ''}`,
    `config_file:${server.config.configFile ?? ''}`,
    'io_threads_active:0',
  ];
}

function clientsSection(server: Server): string[] {
  let maxInput = 0;
  let maxOutput = 0;
  for (const c of server.clients.values()) {
    maxInput = Math.max(maxInput, c.parser.pendingBytes);
    maxOutput = Math.max(maxOutput, c.socket.writableLength);
  }
  return [
    `connected_clients:${server.clients.size}`,
    'cluster_connections:0',
    `maxclients:${server.config.get('maxclients')}`,
    `client_recent_max_input_buffer:${maxInput}`,
    `client_recent_max_output_buffer:${maxOutput}`,
    `blocked_clients:${server.pausedClients.length + server.blocking.count}`,
    'tracking_clients:0',
    `clients_in_timeout_table:${server.blocking.withTimeout}`,
  ];
}

/** Redis's bytesToHuman: B, K, M, G with two decimals. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(2)}K`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)}M`;
  if (n < 1024 ** 4) return `${(n / 1024 ** 3).toFixed(2)}G`;
  return `${(n / 1024 ** 4).toFixed(2)}T`;
}

function memorySection(server: Server): string[] {
  const mem = process.memoryUsage();
  // Buffers (all our values) live outside the V8 heap: count both.
  const used = mem.heapUsed + mem.arrayBuffers;
  server.memoryPeak = Math.max(server.memoryPeak, used);
  const peak = server.memoryPeak;
  const maxmemory = server.config.get('maxmemory');
  const total = os.totalmem();
  return [
    `used_memory:${used}`,
    `used_memory_human:${bytesToHuman(used)}`,
    `used_memory_rss:${mem.rss}`,
    `used_memory_rss_human:${bytesToHuman(mem.rss)}`,
    `used_memory_peak:${peak}`,
    `used_memory_peak_human:${bytesToHuman(peak)}`,
    `used_memory_peak_perc:${((used / peak) * 100).toFixed(2)}%`,
    `used_memory_overhead:${mem.heapTotal - mem.heapUsed}`,
    `used_memory_startup:${server.memoryAtStartup}`,
    `used_memory_dataset:${Math.max(0, used - server.memoryAtStartup)}`,
    `total_system_memory:${total}`,
    `total_system_memory_human:${bytesToHuman(total)}`,
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${bytesToHuman(maxmemory)}`,
    `maxmemory_policy:${server.config.get('maxmemory-policy')}`,
    `mem_fragmentation_ratio:${(mem.rss / Math.max(1, used)).toFixed(2)}`,
    `mem_fragmentation_bytes:${mem.rss - used}`,
    'mem_not_counted_for_evict:0',
    `mem_replication_backlog:${server.replication.backlogMemory()}`,
    `mem_total_replication_buffers:${server.replication.replicationBuffersMemory()}`,
    'mem_clients_slaves:0',
    'mem_clients_normal:0',
    'mem_aof_buffer:0',
    'mem_allocator:libc',
    'active_defrag_running:0',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
  ];
}

function persistenceSection(server: Server): string[] {
  return server.persistence.infoLines();
}

function statsSection(server: Server): string[] {
  const s = server.stats;
  const k = server.keyspace.stats;
  return [
    `total_connections_received:${s.totalConnectionsReceived}`,
    `total_commands_processed:${s.totalCommandsProcessed}`,
    `instantaneous_ops_per_sec:${s.instantaneousOps}`,
    `total_net_input_bytes:${s.netInputBytes}`,
    `total_net_output_bytes:${s.netOutputBytes}`,
    `total_net_repl_input_bytes:${s.netReplInputBytes}`,
    `total_net_repl_output_bytes:${s.netReplOutputBytes}`,
    `instantaneous_input_kbps:${s.instantaneousInputKbps.toFixed(2)}`,
    `instantaneous_output_kbps:${s.instantaneousOutputKbps.toFixed(2)}`,
    `instantaneous_input_repl_kbps:${s.instantaneousReplInputKbps.toFixed(2)}`,
    `instantaneous_output_repl_kbps:${s.instantaneousReplOutputKbps.toFixed(2)}`,
    `rejected_connections:${s.rejectedConnections}`,
    `sync_full:${server.replication.syncFull}`,
    `sync_partial_ok:${server.replication.syncPartialOk}`,
    `sync_partial_err:${server.replication.syncPartialErr}`,
    `expired_keys:${k.expiredKeys}`,
    'expired_stale_perc:0.00',
    'expired_time_cap_reached_count:0',
    'expire_cycle_cpu_milliseconds:0',
    'evicted_keys:0',
    'evicted_clients:0',
    'total_eviction_exceeded_time:0',
    'current_eviction_exceeded_time:0',
    `keyspace_hits:${k.keyspaceHits}`,
    `keyspace_misses:${k.keyspaceMisses}`,
    `pubsub_channels:${server.pubsub.channels.size}`,
    `pubsub_patterns:${server.pubsub.patterns.size}`,
    `pubsubshard_channels:${server.pubsub.shardChannels.size}`,
    'latest_fork_usec:0',
    'total_forks:0',
    'migrate_cached_sockets:0',
    'slave_expires_tracked_keys:0',
    'active_defrag_hits:0',
    'active_defrag_misses:0',
    'active_defrag_key_hits:0',
    'active_defrag_key_misses:0',
    'total_active_defrag_time:0',
    'current_active_defrag_time:0',
    'tracking_total_keys:0',
    'tracking_total_items:0',
    'tracking_total_prefixes:0',
    `unexpected_error_replies:${s.unexpectedErrorReplies}`,
    `total_error_replies:${s.totalErrorReplies}`,
    'dump_payload_sanitizations:0',
    `total_reads_processed:${s.totalReadsProcessed}`,
    `total_writes_processed:${s.totalWritesProcessed}`,
    'io_threaded_reads_processed:0',
    'io_threaded_writes_processed:0',
    // Redis 7.0 counts its reply buffers resizing; ours are Node's and never resize.
    'reply_buffer_shrinks:0',
    'reply_buffer_expands:0',
  ];
}

function replicationSection(server: Server): string[] {
  return server.replication.infoLines();
}

function cpuSection(): string[] {
  const usage = process.resourceUsage();
  const sys = (usage.systemCPUTime / 1e6).toFixed(6);
  const user = (usage.userCPUTime / 1e6).toFixed(6);
  return [
    `used_cpu_sys:${sys}`,
    `used_cpu_user:${user}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
    `used_cpu_sys_main_thread:${sys}`,
    `used_cpu_user_main_thread:${user}`,
  ];
}

function commandstatsSection(server: Server): string[] {
  const lines: string[] = [];
  for (const cmd of server.commands.everyCommand()) {
    const s = cmd.stats;
    if (s.calls === 0 && s.rejectedCalls === 0 && s.failedCalls === 0) continue;
    const perCall = s.calls === 0 ? 0 : s.usec / s.calls;
    lines.push(
      `cmdstat_${cmd.fullName}:calls=${s.calls},usec=${s.usec},usec_per_call=${perCall.toFixed(2)},` +
        `rejected_calls=${s.rejectedCalls},failed_calls=${s.failedCalls}`,
    );
  }
  return lines;
}

function errorstatsSection(server: Server): string[] {
  const lines: string[] = [];
  for (const [code, count] of server.stats.errorStats)
    lines.push(`errorstat_${code}:count=${count}`);
  return lines;
}

function keyspaceSection(server: Server): string[] {
  const lines: string[] = [];
  for (const db of server.keyspace.databases) {
    if (db.size === 0) continue;
    lines.push(
      `db${db.id}:keys=${db.size},expires=${db.expiresCount},avg_ttl=${Math.round(db.avgTtl)}`,
    );
  }
  return lines;
}
