/**
 * `npm run bench:sentinel`: how long a Sentinel failover takes, real Redis
 * (redis-sentinel watching redis-server) against resplica (resplica
 * sentinels watching resplica servers), reported as ratios (resplica /
 * redis). The products take turns (redis, resplica, redis, ... for
 * BENCH_ROUNDS rounds) on a shared, noisy box; the summary is the median.
 *
 * One turn: 1 master and 2 replicas (started with --replicaof, links up),
 * 3 sentinels (`sentinel monitor mymaster ... 2`, down-after-milliseconds
 * 1000, failover-timeout 10000, parallel-syncs 1), settled (each knows both
 * replicas and the 2 other sentinels) and 5 s old (BENCH_KILL_AFTER_MS), so
 * that both products are measured in the same steady state; every
 * process's identity is checked by INFO server (redis_mode,
 * resplica_version) before anything is recorded.
 * A client subscribed to every sentinel (PSUBSCRIBE *) timestamps the
 * events; a writer loops: SENTINEL GET-MASTER-ADDR-BY-NAME on a sentinel,
 * then SET on that address (10 ms between failed attempts). Once it has
 * written, the master is killed (SIGKILL), and from that moment:
 *
 *  - +sdown / +odown: first sentinel to publish it for the master;
 *  - +switch-master (first): first sentinel to publish it;
 *  - +switch-master (all): the last of the 3;
 *  - first write on the new master: the writer's first OK from the
 *    promoted replica.
 *
 * Down-after-milliseconds (1000) is in every figure: Sentinel cannot notice
 * sooner. A step that fails shows n/a (the reason goes to stderr).
 *
 * Options (env): BENCH_ROUNDS (default 5), BENCH_TARGETS (default
 * "redis,resplica"), BENCH_KILL_AFTER_MS (default 5000), BENCH_JSON=1
 * (also print JSON).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, has, ProcessPool, type BenchProcess } from './lib/process.js';
import { interleavedRounds, type MetricSpec, type Metrics } from './lib/report.js';
import { Conn, infoField, replyText, sleep, type Reply } from './lib/resp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const HOST = '127.0.0.1';
const NAME = 'mymaster';

type TargetName = 'redis' | 'resplica';

type Proc = BenchProcess;

const pool = new ProcessPool();

/** Starts a data server or a sentinel in a fresh directory; waits for PONG. */
async function launch(
  name: TargetName,
  role: string,
  config: (port: number, dir: string) => { file: string; args: string[] },
  sentinel: boolean,
): Promise<Proc> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-sentinel-${name}-`));
  const { file, args } = config(port, dir);
  const conf = path.join(dir, sentinel ? 'sentinel.conf' : 'server.conf');
  writeFileSync(conf, file);
  const [command, argv] =
    name === 'redis'
      ? [sentinel ? 'redis-sentinel' : 'redis-server', [conf, ...args]]
      : [process.execPath, [MAIN, conf, ...args, ...(sentinel ? ['--sentinel'] : [])]];
  return pool.start(command, argv, { name, role, port, dir }, 200_000);
}

const kill = (p: Proc): Promise<void> => pool.kill(p);
const stop = (p: Proc): Promise<void> => pool.stop(p);

/** One command on a fresh connection; null when it cannot connect or times out. */
async function ask(port: number, args: string[], timeoutMs = 2000): Promise<Reply> {
  const c = await Conn.connect(port).catch(() => null);
  if (c === null) return null;
  try {
    return await c.call(args, timeoutMs).catch(() => null);
  } finally {
    c.close();
  }
}

/** Polls until `done` holds; the elapsed ms, or throws naming `what`. */
async function until(done: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await done()) return;
    await sleep(20);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// ---------------------------------------------------------------------------
// Events: PSUBSCRIBE * on a sentinel, each message timestamped.
// ---------------------------------------------------------------------------

interface Event {
  channel: string;
  message: string;
  at: number;
}

/** A minimal reader of pub/sub pushes (arrays of bulk strings). */
function subscribe(port: number, onEvent: (e: Event) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: HOST });
    let buf = Buffer.alloc(0);
    s.once('error', reject);
    s.on('error', () => undefined);
    s.on('connect', () => s.write('*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n'));
    s.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const parsed = readArray(buf);
        if (parsed === null) break;
        buf = buf.subarray(parsed.end);
        const [kind, , channel, message] = parsed.items;
        if (kind === 'psubscribe') resolve(s);
        else if (kind === 'pmessage' && channel !== undefined && message !== undefined)
          onEvent({ channel, message, at });
      }
    });
  });
}

function readArray(buf: Buffer): { items: string[]; end: number } | null {
  let eol = buf.indexOf('\r\n');
  if (eol === -1 || buf[0] !== 0x2a) return null;
  const n = Number(buf.toString('latin1', 1, eol));
  let pos = eol + 2;
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    eol = buf.indexOf('\r\n', pos);
    if (eol === -1) return null;
    const head = buf.toString('latin1', pos + 1, eol);
    if (buf[pos] === 0x3a) {
      items.push(head);
      pos = eol + 2;
      continue;
    }
    const len = Number(head);
    if (buf.length < eol + 2 + len + 2) return null;
    items.push(buf.toString('latin1', eol + 2, eol + 2 + len));
    pos = eol + 2 + len + 2;
  }
  return { items, end: pos };
}

// ---------------------------------------------------------------------------
// One turn.
// ---------------------------------------------------------------------------

const METRICS: MetricSpec[] = [
  { key: 'sdown_ms', label: 'SIGKILL to +sdown master, first sentinel (ms)', digits: 0 },
  { key: 'odown_ms', label: 'SIGKILL to +odown, first sentinel (ms)', digits: 0 },
  { key: 'switch_first_ms', label: 'SIGKILL to +switch-master, first sentinel (ms)', digits: 0 },
  { key: 'switch_all_ms', label: 'SIGKILL to +switch-master, all 3 sentinels (ms)', digits: 0 },
  { key: 'write_ms', label: 'SIGKILL to first write on the new master (ms)', digits: 0 },
  { key: 'setup_ms', label: 'topology start until settled (ms)', digits: 0 },
];

/** How long after starting the sentinels the master is killed. */
const KILL_AT_SENTINEL_AGE_MS = Number(process.env.BENCH_KILL_AFTER_MS ?? 5000);

const note = (name: string, msg: string): void => console.error(`  [${name}] ${msg}`);

/** Checks that the process on `port` is what we think it is. */
async function verifyIdentity(p: Proc, sentinel: boolean): Promise<void> {
  const info = await ask(p.port, ['INFO', 'server']);
  const mode = infoField(info, 'redis_mode');
  const ours = infoField(info, 'resplica_version') !== null;
  const want = sentinel ? 'sentinel' : 'standalone';
  if (mode !== want || ours !== (p.name === 'resplica'))
    throw new Error(
      `${p.role} on ${p.port} is not ${p.name} in ${want} mode: redis_mode=${mode}, resplica_version ${ours ? 'present' : 'absent'}`,
    );
}

async function turn(name: TargetName): Promise<Metrics> {
  const m: Metrics = {};
  for (const { key } of METRICS) m[key] = null;
  const procs: Proc[] = [];
  const sockets: net.Socket[] = [];
  let writing = true;
  let writer: Promise<void> = Promise.resolve();
  try {
    const t0 = performance.now();
    const server = (role: string, extra: string[]): Promise<Proc> =>
      launch(
        name,
        role,
        (port, dir) => ({
          file: `dir ${dir}\n`,
          args: [
            '--port',
            String(port),
            '--bind',
            HOST,
            '--save',
            '',
            '--appendonly',
            'no',
            '--repl-diskless-sync-delay',
            '0',
            ...extra,
          ],
        }),
        false,
      );
    const master = await server('master', []);
    procs.push(master);
    const replicas = await Promise.all([
      server('replica-1', ['--replicaof', HOST, String(master.port)]),
      server('replica-2', ['--replicaof', HOST, String(master.port)]),
    ]);
    procs.push(...replicas);
    for (const r of replicas)
      await until(
        async () =>
          infoField(await ask(r.port, ['INFO', 'replication']), 'master_link_status') === 'up',
        `${r.role} link up`,
        30_000,
      );
    const sentinelsStarted = performance.now();
    const sentinels = await Promise.all(
      [0, 1, 2].map((i) =>
        launch(
          name,
          `sentinel-${i}`,
          (port, dir) => ({
            file: [
              `port ${port}`,
              `bind ${HOST}`,
              `dir ${dir}`,
              `sentinel monitor ${NAME} ${HOST} ${master.port} 2`,
              `sentinel down-after-milliseconds ${NAME} 1000`,
              `sentinel failover-timeout ${NAME} 10000`,
              `sentinel parallel-syncs ${NAME} 1`,
              '',
            ].join('\n'),
            args: [],
          }),
          true,
        ),
      ),
    );
    procs.push(...sentinels);
    for (const p of [master, ...replicas]) await verifyIdentity(p, false);
    for (const s of sentinels) await verifyIdentity(s, true);
    const count = (r: Reply, flags: string): number =>
      Array.isArray(r)
        ? r.filter((x) => Array.isArray(x) && x[x.indexOf('flags') + 1] === flags).length
        : -1;
    await until(
      async () => {
        for (const s of sentinels) {
          if (count(await ask(s.port, ['SENTINEL', 'REPLICAS', NAME]), 'slave') !== 2) return false;
          if (count(await ask(s.port, ['SENTINEL', 'SENTINELS', NAME]), 'sentinel') !== 2)
            return false;
        }
        return true;
      },
      'the sentinels to know both replicas and each other',
      30_000,
    );
    m.setup_ms = performance.now() - t0;
    // Steady state: the kill comes at the same age of the sentinels for
    // both products (not right after settling, which resplica does sooner:
    // in their first seconds the sentinels' links are young, and a
    // reconnection is throttled to one a second after the last one).
    const age = performance.now() - sentinelsStarted;
    if (age < KILL_AT_SENTINEL_AGE_MS) await sleep(KILL_AT_SENTINEL_AGE_MS - age);

    // Subscribers and the writer.
    const events: Event[][] = sentinels.map(() => []);
    for (const [i, s] of sentinels.entries())
      sockets.push(await subscribe(s.port, (e) => events[i]!.push(e)));
    const oks: { port: number; at: number }[] = [];
    writer = (async () => {
      let conn: Conn | null = null;
      let connPort = 0;
      for (let i = 0, k = 0; writing; i++) {
        const s = sentinels[k++ % sentinels.length]!;
        const addr = await ask(s.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME], 500);
        const port = Array.isArray(addr) ? Number(addr[1]) : 0;
        if (port > 0 && (conn === null || connPort !== port)) {
          conn?.close();
          conn = await Conn.connect(port).catch(() => null);
          connPort = port;
        }
        const r =
          conn === null
            ? null
            : await conn.call(['SET', 'bench:k', String(i)], 500).catch(() => null);
        if (r === 'OK') oks.push({ port: connPort, at: performance.now() });
        else {
          if (conn !== null && r === null) {
            conn.close();
            conn = null;
          }
          await sleep(10);
        }
      }
      conn?.close();
    })();
    await until(async () => oks.length >= 5, 'the writer to write', 10_000);

    await kill(master);
    const killed = performance.now();
    const first = (channel: string, match: (msg: string) => boolean): number[] =>
      events
        .map((es) => es.find((e) => e.channel === channel && match(e.message))?.at)
        .filter((x): x is number => x !== undefined);
    const isMaster = (msg: string): boolean =>
      msg.startsWith(`master ${NAME} ${HOST} ${master.port}`);
    const isSwitch = (msg: string): boolean => msg.startsWith(`${NAME} ${HOST} ${master.port} `);
    await until(
      async () => first('+switch-master', isSwitch).length === sentinels.length,
      '+switch-master on every sentinel',
      60_000,
    );
    const newPort = Number(
      events[0]!.find((e) => e.channel === '+switch-master')!.message.split(' ')[4],
    );
    if (!replicas.some((r) => r.port === newPort))
      throw new Error(`switched to ${newPort}, not a replica`);
    await until(
      async () => oks.some((o) => o.port === newPort && o.at > killed),
      'a write on the new master',
      30_000,
    );
    const since = (xs: number[]): number | null =>
      xs.length === 0 ? null : Math.min(...xs) - killed;
    m.sdown_ms = since(first('+sdown', isMaster));
    m.odown_ms = since(first('+odown', isMaster));
    m.switch_first_ms = since(first('+switch-master', isSwitch));
    m.switch_all_ms = Math.max(...first('+switch-master', isSwitch)) - killed;
    m.write_ms = oks.find((o) => o.port === newPort && o.at > killed)!.at - killed;
    note(
      name,
      `+switch-master after ${(m.switch_first_ms ?? NaN).toFixed(0)} ms, first write after ${m.write_ms.toFixed(0)} ms`,
    );
  } catch (err) {
    note(name, `failed: ${err instanceof Error ? err.message : String(err)}`);
    for (const p of procs)
      if (p.role.startsWith('sentinel'))
        console.error(`  --- ${p.name} ${p.role} log tail ---\n${p.log().slice(-1500)}`);
  } finally {
    writing = false;
    await writer.catch(() => undefined);
    for (const s of sockets) s.destroy();
    for (const p of procs) await stop(p);
  }
  return m;
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const wanted = (process.env.BENCH_TARGETS ?? 'redis,resplica').split(',');
  const products = (['redis', 'resplica'] as const).filter((t) => wanted.includes(t));
  if (products.includes('redis') && !(has('redis-server') && has('redis-sentinel'))) {
    console.error('redis-server or redis-sentinel is not installed: no ratios.');
    products.splice(products.indexOf('redis'), 1);
  }
  const started = performance.now();
  const { results, summary } = await interleavedRounds(METRICS, products, rounds, '', turn);
  console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (process.env.BENCH_JSON === '1')
    console.log(JSON.stringify({ rounds, results, median: summary }));
}

process.on('exit', () => pool.killAllSync());
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    pool.killAllSync();
    process.exit(130);
  });

main().catch((err: unknown) => {
  console.error(replyText(String(err)));
  pool.killAllSync();
  process.exit(1);
});
