/**
 * `npm run bench:replication`: replication of resplica against a real
 * redis-server started in the same run, reported as ratios (resplica / redis).
 * In every topology the master and its replicas are the same product. The
 * boxes we run on are shared and noisy (2 cores), so the products take turns
 * (redis, resplica, redis, resplica, ... for BENCH_ROUNDS rounds) and the
 * summary is the median per metric; absolute numbers mean little.
 *
 * One turn of a product:
 *
 *  1. Full sync. A fresh master is filled with BENCH_KEYS mixed keys (the
 *     dataset of bench/persistence.ts, bench/lib/dataset.ts); then, for disk
 *     (`repl-diskless-sync no`) and diskless (`repl-diskless-sync yes`,
 *     `repl-diskless-sync-delay 0`), a fresh empty replica is sent
 *     `REPLICAOF 127.0.0.1 <port>` and timed until its INFO shows
 *     master_link_status:up and master_sync_in_progress:0 ("link up"), then
 *     (the write load stopped) until its offset equals the master's ("in
 *     sync"). Target for resplica: <= 1.5x Redis's time. A third mode,
 *     "swapdb", is diskless with the replica on `repl-diskless-load swapdb`:
 *     it parses the RDB while the master is still producing it.
 *  2. Meanwhile, on the master: a client PINGs every ~1 ms (one in flight, in
 *     a worker thread) and another writes (SETs, 16 pipelined, at most one
 *     batch per ms), from REPLICAOF to link up. Target: worst PING <= 20 ms.
 *  3. Throughput: redis-benchmark -t set -P 16 -c 50 -n BENCH_SET_REQUESTS
 *     -r 100000 on a fresh empty master with 0, 1 and 2 (fresh) replicas
 *     attached, each topology on its own master; reported per product as a
 *     ratio to 0 replicas (target for resplica: >= 0.8x).
 *  4. Lag under that load: every 10 ms, master_repl_offset of the master
 *     minus each replica's (master first, so the figure is, if anything, a
 *     little low); its maximum, and the time from redis-benchmark's exit until
 *     every replica's offset equals the master's.
 *  5. Partial resync: on the 1-replica topology, CLIENT KILL TYPE replica on
 *     the master, 1000 SETs written to it, and the time until the replica is
 *     back (link up, offset equal to the master's) with the master's
 *     sync_partial_ok incremented ("full" if sync_full moved instead).
 *
 * A step that fails or times out shows "n/a" (the reason goes to stderr) and
 * the run goes on. Every server's log is kept in a directory printed at the
 * end, for reading what a slow step logged.
 *
 * Options (env): BENCH_KEYS (default 1000000), BENCH_ROUNDS (default 2),
 * BENCH_SET_REQUESTS (default 1000000), BENCH_TARGETS (default
 * "redis,resplica"), BENCH_STEPS (default "sync,throughput"),
 * BENCH_NODE_FLAGS (Node flags for resplica servers, e.g. "--trace-gc", whose
 * output lands in the kept logs), BENCH_JSON=1 (also print JSON).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { populate } from './lib/dataset.js';
import { freePort, has, ProcessPool, type BenchProcess } from './lib/process.js';
import { interleavedRounds, type MetricSpec, type Metrics } from './lib/report.js';
import { percentile, startProber, startWriter } from './lib/load.js';
import { Conn, encode, infoField, replyText, sleep, type Reply } from './lib/resp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const HOST = '127.0.0.1';

// ---------------------------------------------------------------------------
// Servers: every one started is tracked, so that all are killed (by pid) on
// the way out, whatever happened.
// ---------------------------------------------------------------------------

type TargetName = 'redis' | 'resplica';
type Server = BenchProcess;

/** Extra Node flags for resplica servers (BENCH_NODE_FLAGS, e.g. "--trace-gc"). */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');

const pool = new ProcessPool();

/** Starts a server in a fresh directory and waits until it answers PONG. */
async function launch(name: TargetName, role: string): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-repl-${name}-`));
  const common = ['--port', String(port), '--bind', HOST, '--dir', dir, '--save', ''];
  const [command, args] =
    name === 'redis'
      ? ['redis-server', [...common, '--appendonly', 'no']]
      : [process.execPath, [...NODE_FLAGS, MAIN, ...common]];
  return pool.start(command, args, { name, role, port, dir });
}

const stop = (server: Server): Promise<void> => pool.stop(server);

// ---------------------------------------------------------------------------
// Replication state, read from INFO.
// ---------------------------------------------------------------------------

async function info(conn: Conn, section: string): Promise<Reply> {
  return conn.call(['INFO', section], 10_000).catch(() => null);
}

function num(r: Reply, field: string): number {
  const v = infoField(r, field);
  return v === null ? NaN : Number(v);
}

/** The replica's link is up and no sync is running. */
function linkUp(r: Reply): boolean {
  return (
    infoField(r, 'master_link_status') === 'up' && infoField(r, 'master_sync_in_progress') === '0'
  );
}

/** Polls every `everyMs` until `done` holds; returns the elapsed ms, or NaN after `timeoutMs`. */
async function until(
  done: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 10,
): Promise<number> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  while (performance.now() < deadline) {
    if (await done()) return performance.now() - started;
    await sleep(everyMs);
  }
  return NaN;
}

/** True when every replica's offset equals the master's (and the links are up). */
async function inSync(master: Conn, replicas: Conn[]): Promise<boolean> {
  const m = num(await info(master, 'replication'), 'master_repl_offset');
  if (Number.isNaN(m)) return false;
  for (const r of replicas) {
    const ri = await info(r, 'replication');
    if (!linkUp(ri) || num(ri, 'master_repl_offset') !== m) return false;
  }
  return true;
}

async function replicaOf(replica: Conn, master: Server): Promise<void> {
  const r = await replica.call(['REPLICAOF', HOST, String(master.port)]);
  if (r !== 'OK' && !(typeof r === 'string' && r.startsWith('OK')))
    throw new Error(`REPLICAOF: ${replyText(r)}`);
}

async function configSet(conn: Conn, ...pairs: string[]): Promise<void> {
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const r = await conn.call(['CONFIG', 'SET', pairs[i]!, pairs[i + 1]!]);
    if (r !== 'OK') throw new Error(`CONFIG SET ${pairs[i]} ${pairs[i + 1]}: ${replyText(r)}`);
  }
}

async function dbsize(conn: Conn): Promise<number | null> {
  const r = await conn.call(['DBSIZE'], 60_000).catch(() => null);
  return typeof r === 'number' ? r : null;
}

// ---------------------------------------------------------------------------
// Metrics.
// ---------------------------------------------------------------------------

const METRICS: MetricSpec[] = [
  { key: 'populate_s', label: 'populate master (s, pipelined)', digits: 2 },
  { key: 'disk_link_s', label: 'disk sync: REPLICAOF until link up (s)', digits: 3 },
  { key: 'disk_sync_s', label: 'disk sync: REPLICAOF until offsets equal (s)', digits: 3 },
  { key: 'disk_ping_max_ms', label: 'disk sync: master PING worst (ms)', digits: 2 },
  { key: 'disk_ping_p99_ms', label: 'disk sync: master PING p99 (ms)', digits: 2 },
  { key: 'disk_writes', label: 'disk sync: SETs during sync', digits: 0 },
  { key: 'disk_dbsize_ok', label: 'disk sync: replica DBSIZE = master', digits: 0 },
  { key: 'diskless_link_s', label: 'diskless sync: REPLICAOF until link up (s)', digits: 3 },
  { key: 'diskless_sync_s', label: 'diskless sync: REPLICAOF until offsets equal (s)', digits: 3 },
  { key: 'diskless_ping_max_ms', label: 'diskless sync: master PING worst (ms)', digits: 2 },
  { key: 'diskless_ping_p99_ms', label: 'diskless sync: master PING p99 (ms)', digits: 2 },
  { key: 'diskless_writes', label: 'diskless sync: SETs during sync', digits: 0 },
  { key: 'diskless_dbsize_ok', label: 'diskless sync: replica DBSIZE = master', digits: 0 },
  { key: 'swapdb_link_s', label: 'swapdb sync: REPLICAOF until link up (s)', digits: 3 },
  { key: 'swapdb_sync_s', label: 'swapdb sync: REPLICAOF until offsets equal (s)', digits: 3 },
  { key: 'swapdb_ping_max_ms', label: 'swapdb sync: master PING worst (ms)', digits: 2 },
  { key: 'swapdb_ping_p99_ms', label: 'swapdb sync: master PING p99 (ms)', digits: 2 },
  { key: 'swapdb_writes', label: 'swapdb sync: SETs during sync', digits: 0 },
  { key: 'swapdb_dbsize_ok', label: 'swapdb sync: replica DBSIZE = master', digits: 0 },
  { key: 'set_rps_0', label: 'SET -P 16 rps, 0 replicas', digits: 0 },
  { key: 'set_rps_1', label: 'SET -P 16 rps, 1 replica', digits: 0 },
  { key: 'set_rps_2', label: 'SET -P 16 rps, 2 replicas', digits: 0 },
  { key: 'set_x_1', label: 'SET rps 1 replica / 0 replicas (x)', digits: 2 },
  { key: 'set_x_2', label: 'SET rps 2 replicas / 0 replicas (x)', digits: 2 },
  { key: 'lag_max_kb_1', label: 'max lag under load, 1 replica (KB)', digits: 0 },
  { key: 'lag_max_kb_2', label: 'max lag under load, 2 replicas (KB)', digits: 0 },
  { key: 'catchup_ms_1', label: 'catch-up after load, 1 replica (ms)', digits: 1 },
  { key: 'catchup_ms_2', label: 'catch-up after load, 2 replicas (ms)', digits: 1 },
  { key: 'psync_ms', label: 'link kill until back in sync (ms)', digits: 0 },
  { key: 'psync_kind', label: 'resync after link kill', digits: 0 },
];

const note = (name: string, msg: string): void => console.error(`  [${name}] ${msg}`);

/** Runs a step; a failure is logged and leaves its metrics n/a. */
async function step(name: string, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    note(name, `${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---------------------------------------------------------------------------
// 1 + 2: full sync of a populated master: disk, diskless, and diskless into
// a replica with repl-diskless-load swapdb (both ends streaming).
// ---------------------------------------------------------------------------

type SyncMode = 'disk' | 'diskless' | 'swapdb';
const SYNC_MODES: SyncMode[] = ['disk', 'diskless', 'swapdb'];

async function fullSync(master: Server, keys: number, mode: SyncMode, m: Metrics): Promise<void> {
  const mc = await Conn.connect(master.port);
  const replica = await launch(master.name, `replica-${mode}`);
  const rc = await Conn.connect(replica.port);
  try {
    await configSet(
      mc,
      'repl-diskless-sync',
      mode === 'disk' ? 'no' : 'yes',
      'repl-diskless-sync-delay',
      '0',
    );
    // The replica parses the stream as it arrives, into databases swapped in at the end.
    if (mode === 'swapdb') await configSet(rc, 'repl-diskless-load', 'swapdb');
    const prober = await startProber(master.port);
    const writer = await startWriter(master.port, keys);
    const t0 = performance.now();
    let link = NaN;
    try {
      await replicaOf(rc, master);
      link = await until(async () => linkUp(await info(rc, 'replication')), 600_000);
    } finally {
      m[`${mode}_writes`] = await writer.stop();
      const rtts = (await prober.stop()).sort((a, b) => a - b);
      m[`${mode}_ping_max_ms`] = rtts[rtts.length - 1] ?? null;
      m[`${mode}_ping_p99_ms`] = rtts.length > 0 ? percentile(rtts, 0.99) : null;
    }
    if (Number.isNaN(link)) throw new Error('link not up within 600 s');
    m[`${mode}_link_s`] = link / 1000;
    const caught = await until(() => inSync(mc, [rc]), 60_000, 5);
    if (Number.isNaN(caught)) throw new Error('offsets not equal within 60 s of link up');
    m[`${mode}_sync_s`] = (performance.now() - t0) / 1000;
    const [a, b] = [await dbsize(mc), await dbsize(rc)];
    m[`${mode}_dbsize_ok`] = a !== null && a === b ? 'yes' : `no (${b} vs ${a})`;
    note(master.name, `${mode} sync: link up ${(link / 1000).toFixed(2)} s`);
  } finally {
    mc.close();
    rc.close();
    await stop(replica);
  }
}

// ---------------------------------------------------------------------------
// 3 + 4 + 5: SET throughput with 0, 1, 2 replicas; lag; partial resync.
// ---------------------------------------------------------------------------

/** Runs redis-benchmark (async, so that the lag sampler keeps running); returns SET rps. */
function setBenchmark(port: number, requests: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-h', HOST, '-p', String(port), '-t', 'set', '-P', '16', '-c', '50'];
    args.push('-n', String(requests), '-r', '100000', '--csv');
    const p = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    p.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const timer = setTimeout(() => p.kill('SIGKILL'), 600_000);
    p.once('error', reject);
    p.once('exit', () => {
      clearTimeout(timer);
      const line = /^"SET","([\d.]+)"/m.exec(out);
      if (line === null) reject(new Error(`redis-benchmark: ${out.slice(-500)}`));
      else resolve(Number(line[1]));
    });
  });
}

async function throughput(
  name: TargetName,
  replicaCount: 0 | 1 | 2,
  requests: number,
  m: Metrics,
): Promise<void> {
  const servers: Server[] = [];
  const conns: Conn[] = [];
  try {
    const master = await launch(name, `master-${replicaCount}r`);
    servers.push(master);
    const mc = await Conn.connect(master.port);
    conns.push(mc);
    // Both products default to a 5 s diskless delay: not what is measured here.
    await configSet(mc, 'repl-diskless-sync-delay', '0');
    const rcs: Conn[] = [];
    for (let i = 0; i < replicaCount; i++) {
      const r = await launch(name, `replica-${replicaCount}r-${i}`);
      servers.push(r);
      const rc = await Conn.connect(r.port);
      conns.push(rc);
      rcs.push(rc);
      await replicaOf(rc, master);
    }
    if (Number.isNaN(await until(() => inSync(mc, rcs), 60_000)))
      throw new Error('replicas not in sync within 60 s');

    // Lag sampler: every 10 ms while redis-benchmark runs.
    let sampling = true;
    let lagMax = replicaCount > 0 ? 0 : NaN;
    const sampler = (async () => {
      for (let i = 0; i < 1_000_000 && sampling && replicaCount > 0; i++) {
        const mo = num(await info(mc, 'replication'), 'master_repl_offset');
        for (const rc of rcs) {
          const ro = num(await info(rc, 'replication'), 'master_repl_offset');
          if (!Number.isNaN(mo) && !Number.isNaN(ro)) lagMax = Math.max(lagMax, mo - ro);
        }
        await sleep(10);
      }
    })();
    let rps = NaN;
    try {
      rps = await setBenchmark(master.port, requests);
    } finally {
      sampling = false;
      await sampler;
    }
    m[`set_rps_${replicaCount}`] = rps;
    if (replicaCount === 0) return;
    const stoppedAt = performance.now();
    const caught = await until(() => inSync(mc, rcs), 60_000, 2);
    m[`lag_max_kb_${replicaCount}`] = lagMax / 1024;
    if (Number.isNaN(caught)) note(name, `${replicaCount} replicas: not caught up within 60 s`);
    else m[`catchup_ms_${replicaCount}`] = performance.now() - stoppedAt;
    note(name, `SET with ${replicaCount} replica(s): ${rps.toFixed(0)} rps`);

    if (replicaCount === 1) await step(name, 'partial resync', () => partialResync(mc, rcs[0]!, m));
  } finally {
    for (const c of conns) c.close();
    for (const s of servers) await stop(s);
  }
}

async function partialResync(mc: Conn, rc: Conn, m: Metrics): Promise<void> {
  const before = await info(mc, 'stats');
  const okBefore = num(before, 'sync_partial_ok');
  const fullBefore = num(before, 'sync_full');
  const t0 = performance.now();
  const killed = await mc.call(['CLIENT', 'KILL', 'TYPE', 'replica']);
  if (killed !== 1) throw new Error(`CLIENT KILL TYPE replica: ${replyText(killed)}`);
  let payload = '';
  for (let i = 0; i < 1000; i++) payload += encode(['SET', `psync:${i}`, 'x'.repeat(32)]);
  await mc.send(payload, 1000);
  let after: Reply = null;
  const took = await until(async () => {
    if (!(await inSync(mc, [rc]))) return false;
    after = await info(mc, 'stats');
    return num(after, 'sync_partial_ok') > okBefore || num(after, 'sync_full') > fullBefore;
  }, 60_000);
  if (Number.isNaN(took)) throw new Error('replica not back in sync within 60 s');
  m.psync_ms = performance.now() - t0;
  m.psync_kind = num(after, 'sync_partial_ok') > okBefore ? 'partial' : 'full';
}

// ---------------------------------------------------------------------------
// One turn of a product.
// ---------------------------------------------------------------------------

async function turn(
  name: TargetName,
  keys: number,
  requests: number,
  steps: string[],
): Promise<Metrics> {
  const m: Metrics = {};
  for (const { key } of METRICS) m[key] = null;
  if (steps.includes('sync')) await runFullSyncs(name, keys, m);
  if (steps.includes('throughput')) await runThroughput(name, requests, m);
  return m;
}

async function runFullSyncs(name: TargetName, keys: number, m: Metrics): Promise<void> {
  await step(name, 'full sync', async () => {
    const master = await launch(name, 'master');
    try {
      const t = performance.now();
      const total = await populate(master.port, keys);
      m.populate_s = (performance.now() - t) / 1000;
      note(name, `populated ${total} keys in ${(m.populate_s as number).toFixed(1)} s`);
      for (const mode of SYNC_MODES)
        await step(name, `${mode} sync`, () => fullSync(master, keys, mode, m));
    } finally {
      await stop(master);
    }
  });
}

async function runThroughput(name: TargetName, requests: number, m: Metrics): Promise<void> {
  for (const count of [0, 1, 2] as const)
    await step(name, `SET with ${count} replicas`, () => throughput(name, count, requests, m));
  const base = m.set_rps_0;
  for (const count of [1, 2]) {
    const v = m[`set_rps_${count}`];
    if (typeof base === 'number' && typeof v === 'number' && base > 0)
      m[`set_x_${count}`] = v / base;
  }
}

// ---------------------------------------------------------------------------
// Reporting.
// ---------------------------------------------------------------------------

function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'met' : 'missed';
}

function targets(redis: Metrics | null, ours: Metrics | null): string {
  const x = (key: string): number | null => {
    const a = redis?.[key];
    const b = ours?.[key];
    return typeof a === 'number' && typeof b === 'number' && a > 0 ? b / a : null;
  };
  const n = (key: string): number | null => {
    const v = ours?.[key];
    return typeof v === 'number' && !Number.isNaN(v) ? v : null;
  };
  const le = (v: number | null, limit: number): boolean | null => (v === null ? null : v <= limit);
  const ge = (v: number | null, limit: number): boolean | null => (v === null ? null : v >= limit);
  return [
    `disk sync <= 1.5x redis: ${verdict(le(x('disk_sync_s'), 1.5))}`,
    `diskless sync <= 1.5x redis: ${verdict(le(x('diskless_sync_s'), 1.5))}`,
    `swapdb sync <= 1.5x redis: ${verdict(le(x('swapdb_sync_s'), 1.5))}`,
    `worst PING during disk sync <= 20 ms: ${verdict(le(n('disk_ping_max_ms'), 20))}`,
    `worst PING during diskless sync <= 20 ms: ${verdict(le(n('diskless_ping_max_ms'), 20))}`,
    `SET rps with 1 replica >= 0.8x of 0: ${verdict(ge(n('set_x_1'), 0.8))}`,
    `SET rps with 2 replicas >= 0.8x of 0: ${verdict(ge(n('set_x_2'), 0.8))}`,
  ].join('; ');
}

async function main(): Promise<void> {
  const keys = Number(process.env.BENCH_KEYS ?? 1_000_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const requests = Number(process.env.BENCH_SET_REQUESTS ?? 1_000_000);
  const wanted = (process.env.BENCH_TARGETS ?? 'redis,resplica').split(',');
  const steps = (process.env.BENCH_STEPS ?? 'sync,throughput').split(',');
  const products = (['redis', 'resplica'] as const).filter((t) => wanted.includes(t));
  if (!has('redis-benchmark'))
    throw new Error('redis-benchmark is not installed (apt-get install redis-tools)');
  if (products.includes('redis') && !has('redis-server')) {
    console.error('redis-server is not installed (apt-get install redis-server): no ratios.');
    products.splice(products.indexOf('redis'), 1);
  }
  const logDir = path.join(os.tmpdir(), `bench-replication-logs-${process.pid}`);
  mkdirSync(logDir, { recursive: true });
  pool.logDir = logDir;
  const started = performance.now();
  const { results, summary } = await interleavedRounds(
    METRICS,
    products,
    rounds,
    `${keys} keys`,
    (name) => turn(name, keys, requests, steps),
  );
  console.log(`\nresplica targets: ${targets(summary.redis, summary.resplica)}`);
  console.log(
    `\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s; server logs in ${logDir}`,
  );
  if (process.env.BENCH_JSON === '1')
    console.log(JSON.stringify({ keys, rounds, requests, results, median: summary }));
}

process.on('exit', () => pool.killAllSync());
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    pool.killAllSync();
    process.exit(130);
  });

main().catch((err: unknown) => {
  console.error(err);
  pool.killAllSync();
  process.exit(1);
});
