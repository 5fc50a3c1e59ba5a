/**
 * `npm run bench:persistence`: snapshot (RDB) cost of resplica against a real
 * redis-server started in the same run, reported as ratios (resplica / redis).
 * The boxes we run on are shared and noisy (2 cores), so the two servers take
 * turns (redis, resplica, redis, resplica, ... for BENCH_ROUNDS rounds) and
 * the summary is the median per metric; absolute numbers mean little.
 *
 * Each turn starts a fresh server in an empty directory, fills it with
 * BENCH_KEYS mixed keys (70% strings of 10-100 bytes, a seventh of them
 * integers; 10% small hashes, 10% small lists, 5% small sets, 5% small sorted
 * sets; four big collections; 10% of all keys with a TTL ten years out) over
 * one pipelined socket, then measures:
 *
 *  - baseline PING latency (worst, p99) for 2 s under a steady write load, so
 *    the BGSAVE numbers below can be read against the server's normal jitter;
 *  - SAVE: client round trip of the blocking save, and the RDB file size;
 *  - BGSAVE: from the reply until INFO persistence shows
 *    rdb_bgsave_in_progress:0 (polled every 10 ms) and whether
 *    rdb_last_bgsave_status is ok; meanwhile one client PINGs every ~1 ms (one
 *    in flight, in a worker thread so that our own event loop cannot inflate
 *    the numbers) and another keeps writing (SET of existing and new keys, 16
 *    per pipelined batch, one batch per ms at most). Target for resplica:
 *    worst PING <= 20 ms, i.e. the snapshot never stalls the event loop long;
 *  - memory: VmRSS of the server plus all its descendants (Redis forks a
 *    child) every 10 ms during the BGSAVE, peak / RSS before. Summed RSS counts
 *    pages a fork still shares twice, so the Redis figure overstates its real
 *    cost; the PSS row (smaps_rollup, every 50 ms) splits shared pages fairly.
 *    Target for resplica: peak RSS <= 1.3x;
 *  - loading: the server is killed and restarted on the file, timed from spawn
 *    until PING answers PONG (not -LOADING), alongside the server's own
 *    "DB loaded from disk: X seconds" log line; DBSIZE must match.
 *
 * A command resplica does not answer yet turns its rows into "n/a" instead of
 * failing the run.
 *
 * Options (env): BENCH_KEYS (default 1000000), BENCH_ROUNDS (default 2),
 * BENCH_TARGETS (default "redis,resplica"), BENCH_JSON=1 (also print JSON).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { populate } from './lib/dataset.js';
import { freePort, has } from './lib/process.js';
import { interleavedRounds, type MetricSpec, type Metrics } from './lib/report.js';
import { percentile, startProber, startWriter } from './lib/load.js';
import { Conn, infoField, replyText, sleep, type Reply } from './lib/resp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const DBFILENAME = 'dump.rdb';

// ---------------------------------------------------------------------------
// Servers.
// ---------------------------------------------------------------------------

type TargetName = 'redis' | 'resplica';

interface Server {
  name: TargetName;
  port: number;
  dir: string;
  proc: ChildProcess;
  log(): string;
}

function launch(name: TargetName, port: number, dir: string): Server {
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  const [command, args] =
    name === 'redis'
      ? [
          'redis-server',
          [...common, '--dbfilename', DBFILENAME, '--save', '', '--appendonly', 'no'],
        ]
      : [process.execPath, [MAIN, ...common, '--dbfilename', DBFILENAME, '--save', '']];
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => {
    log += d.toString('utf8');
    if (log.length > 1_000_000) log = log.slice(-500_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { name, port, dir, proc, log: () => log };
}

/**
 * Polls PING every 10 ms (bounded) until it answers PONG; -LOADING and refused
 * connections mean "not yet". Returns ms from `since` to the PONG.
 */
async function waitPong(server: Server, since: number, timeoutMs = 600_000): Promise<number> {
  const deadline = since + timeoutMs;
  let conn: Conn | null = null;
  try {
    while (performance.now() < deadline) {
      if (server.proc.exitCode !== null || server.proc.signalCode !== null)
        throw new Error(`${server.name} exited:\n${server.log().slice(-2000)}`);
      if (conn === null) conn = await Conn.connect(server.port).catch(() => null);
      if (conn !== null) {
        const r = await conn.call(['PING'], 10_000).catch(() => null);
        if (r === 'PONG') return performance.now() - since;
        if (r === null) conn = null;
      }
      await sleep(10);
    }
  } finally {
    conn?.close();
  }
  throw new Error(`${server.name} on ${server.port} did not answer PONG`);
}

async function stop(server: Server): Promise<void> {
  const p = server.proc;
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

// ---------------------------------------------------------------------------
// Memory: VmRSS (and PSS) of a process and all its descendants.
// ---------------------------------------------------------------------------

function readKb(file: string, field: string): number {
  try {
    const text = readFileSync(file, 'latin1');
    const at = text.indexOf(`${field}:`);
    if (at === -1) return 0;
    return parseInt(text.slice(at + field.length + 1), 10) || 0;
  } catch {
    return 0; // the process went away between listing and reading
  }
}

/** The pid and its descendants, from the ppid field of /proc/<pid>/stat. */
function processTree(root: number): number[] {
  const parentOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parentOf.get(ppid);
      if (list === undefined) parentOf.set(ppid, [pid]);
      else list.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length && i < 1000; i++) out.push(...(parentOf.get(out[i]!) ?? []));
  return out;
}

function treeKb(root: number, file: 'status' | 'smaps_rollup', field: string): number {
  let total = 0;
  for (const pid of processTree(root)) total += readKb(`/proc/${pid}/${file}`, field);
  return total;
}

// ---------------------------------------------------------------------------
// One turn: fresh server, dataset, measurements.
// ---------------------------------------------------------------------------

/** Row order and descriptions for the tables; "lower" rows are costs. */
const METRICS: MetricSpec[] = [
  { key: 'populate_s', label: 'populate (s, pipelined)', digits: 2 },
  { key: 'dbsize', label: 'DBSIZE after populate', digits: 0 },
  { key: 'rss_mb', label: 'RSS after populate (MB)', digits: 0 },
  { key: 'base_ping_max_ms', label: 'PING worst, no BGSAVE (ms)', digits: 2 },
  { key: 'base_ping_p99_ms', label: 'PING p99, no BGSAVE (ms)', digits: 2 },
  { key: 'save_s', label: 'SAVE (s)', digits: 3 },
  { key: 'rdb_mb', label: 'RDB file size (MB)', digits: 2 },
  { key: 'bgsave_s', label: 'BGSAVE (s)', digits: 3 },
  { key: 'bgsave_status', label: 'rdb_last_bgsave_status', digits: 0 },
  { key: 'bg_ping_max_ms', label: 'PING worst during BGSAVE (ms)', digits: 2 },
  { key: 'bg_ping_p99_ms', label: 'PING p99 during BGSAVE (ms)', digits: 2 },
  { key: 'bg_pings', label: 'PINGs during BGSAVE', digits: 0 },
  { key: 'bg_writes', label: 'SETs during BGSAVE', digits: 0 },
  { key: 'bg_peak_rss_x', label: 'peak RSS / RSS before (x)', digits: 2 },
  { key: 'bg_peak_pss_x', label: 'peak PSS / PSS before (x)', digits: 2 },
  { key: 'load_wall_s', label: 'restart until PONG (s)', digits: 3 },
  { key: 'load_log_s', label: 'log: DB loaded from disk (s)', digits: 3 },
  { key: 'load_dbsize_ok', label: 'DBSIZE after load matches', digits: 0 },
];

async function latencyWindow(
  port: number,
  existing: number,
  during: () => Promise<void>,
): Promise<{ max: number; p99: number; pings: number; writes: number }> {
  const prober = await startProber(port);
  const writer = await startWriter(port, existing);
  let failure: unknown = null;
  try {
    await during();
  } catch (err) {
    failure = err;
  }
  const writes = await writer.stop();
  const rtts = await prober.stop();
  if (failure !== null) throw failure;
  rtts.sort((a, b) => a - b);
  return {
    max: rtts[rtts.length - 1] ?? NaN,
    p99: percentile(rtts, 0.99),
    pings: rtts.length,
    writes,
  };
}

async function dbsize(conn: Conn): Promise<number | null> {
  const r = await conn.call(['DBSIZE']);
  return typeof r === 'number' ? r : null;
}

async function turn(name: TargetName, keys: number): Promise<Metrics> {
  const m: Metrics = {};
  for (const { key } of METRICS) m[key] = null;
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-persistence-${name}-`));
  const rdb = path.join(dir, DBFILENAME);
  let server = launch(name, await freePort(), dir);
  const note = (msg: string): void => console.error(`  [${name}] ${msg}`);
  try {
    await waitPong(server, performance.now(), 30_000);
    let t = performance.now();
    const total = await populate(server.port, keys);
    m.populate_s = (performance.now() - t) / 1000;
    const conn = await Conn.connect(server.port);
    m.dbsize = await dbsize(conn);
    const pid = server.proc.pid!;
    m.rss_mb = readKb(`/proc/${pid}/status`, 'VmRSS') / 1024;
    note(`populated ${total} keys in ${(m.populate_s as number).toFixed(1)} s`);

    const base = await latencyWindow(server.port, keys, () => sleep(2000));
    m.base_ping_max_ms = base.max;
    m.base_ping_p99_ms = base.p99;

    t = performance.now();
    const saved = await conn.call(['SAVE']);
    if (saved === 'OK') {
      m.save_s = (performance.now() - t) / 1000;
      try {
        m.rdb_mb = statSync(rdb).size / (1024 * 1024);
      } catch {
        note(`SAVE answered OK but ${rdb} does not exist`);
      }
      note(`SAVE done`);
    } else note(`SAVE: ${replyText(saved)}`);

    // BGSAVE under load, with memory sampling.
    const info = await Conn.connect(server.port);
    const rssBefore = treeKb(pid, 'status', 'VmRSS');
    const pssBefore = treeKb(pid, 'smaps_rollup', 'Pss');
    let rssPeak = rssBefore;
    let pssPeak = pssBefore;
    let ticks = 0;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, treeKb(pid, 'status', 'VmRSS'));
      if (++ticks % 5 === 0) pssPeak = Math.max(pssPeak, treeKb(pid, 'smaps_rollup', 'Pss'));
    }, 10);
    let bgReply: Reply = null;
    let bgElapsed = NaN;
    let status: string | null = null;
    const bg = await latencyWindow(server.port, keys, async () => {
      bgReply = await conn.call(['BGSAVE']);
      const started = performance.now();
      if (typeof bgReply !== 'string' || !bgReply.startsWith('Background saving')) return;
      const deadline = started + 600_000;
      while (performance.now() < deadline) {
        const r = await info.call(['INFO', 'persistence']);
        if (infoField(r, 'rdb_bgsave_in_progress') === '0') {
          bgElapsed = performance.now() - started;
          status = infoField(r, 'rdb_last_bgsave_status');
          return;
        }
        await sleep(10);
      }
      throw new Error('BGSAVE did not finish within 10 minutes');
    });
    clearInterval(sampler);
    info.close();
    if (!Number.isNaN(bgElapsed)) {
      m.bgsave_s = bgElapsed / 1000;
      m.bgsave_status = status;
      m.bg_ping_max_ms = bg.max;
      m.bg_ping_p99_ms = bg.p99;
      m.bg_pings = bg.pings;
      m.bg_writes = bg.writes;
      m.bg_peak_rss_x = rssBefore > 0 ? rssPeak / rssBefore : null;
      m.bg_peak_pss_x = pssBefore > 0 ? pssPeak / pssBefore : null;
      note('BGSAVE done');
    } else note(`BGSAVE: ${replyText(bgReply)}`);

    // Loading: kill, restart on the file, time until PONG.
    const before = await dbsize(conn);
    conn.close();
    await stop(server);
    let hasFile = false;
    try {
      hasFile = statSync(rdb).size > 0;
    } catch {
      hasFile = false;
    }
    if (hasFile) {
      t = performance.now();
      server = launch(name, server.port, dir);
      m.load_wall_s = (await waitPong(server, t)) / 1000;
      const logged = /DB loaded from disk: ([\d.]+) seconds/.exec(server.log());
      m.load_log_s = logged === null ? null : Number(logged[1]);
      const again = await Conn.connect(server.port);
      const after = await dbsize(again);
      again.close();
      m.load_dbsize_ok = after === before ? 'yes' : `no (${after} vs ${before})`;
      note('load done');
    } else note('no RDB file written: no load measurement');
  } finally {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
  return m;
}

// ---------------------------------------------------------------------------
// Reporting.
// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const keys = Number(process.env.BENCH_KEYS ?? 1_000_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const wanted = (process.env.BENCH_TARGETS ?? 'redis,resplica').split(',');
  const targets = (['redis', 'resplica'] as const).filter((t) => wanted.includes(t));
  if (targets.includes('redis') && !has('redis-server')) {
    console.error('redis-server is not installed (apt-get install redis-server): no ratios.');
    targets.splice(targets.indexOf('redis'), 1);
  }
  const { results, summary } = await interleavedRounds(
    METRICS,
    targets,
    rounds,
    `${keys} keys`,
    async (name) => {
      try {
        return await turn(name, keys);
      } catch (err) {
        console.error(`  [${name}] failed: ${String(err)}`);
        return null;
      }
    },
  );
  const worst = summary.resplica?.bg_ping_max_ms;
  const mem = summary.resplica?.bg_peak_rss_x;
  console.log(
    `\nresplica targets: worst PING during BGSAVE <= 20 ms: ${typeof worst === 'number' ? (worst <= 20 ? 'met' : 'missed') : 'n/a'}; ` +
      `peak RSS <= 1.3x: ${typeof mem === 'number' ? (mem <= 1.3 ? 'met' : 'missed') : 'n/a'}`,
  );
  if (process.env.BENCH_JSON === '1')
    console.log(JSON.stringify({ keys, rounds, results, median: summary }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
