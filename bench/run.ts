/**
 * `npm run bench`: redis-benchmark against resplica and a real redis-server
 * started in the same run, interleaved round by round so both see the same
 * machine noise, reported as ratios (resplica / redis). The machines we run on
 * are shared 2-core boxes: absolute numbers mean little, ratios are the result.
 *
 * Options (env): BENCH_ROUNDS (default 3), BENCH_REQUESTS (default 200000 for
 * -P 1, 10x for pipelined runs), BENCH_TESTS (default: the strings and the
 * data-type tests: set,get,incr,mset,lpush,lpop,hset,sadd,zadd,lrange_100).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, has } from './lib/process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

async function waitReady(port: number): Promise<void> {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ port, host: '127.0.0.1' }, () => sock.write('PING\r\n'));
      sock.once('data', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on ${port} did not start`);
}

interface Target {
  name: string;
  port: number;
  proc: ChildProcess;
}

async function start(name: string, command: string, args: string[]): Promise<Target> {
  const port = await freePort();
  const proc = spawn(
    command,
    [...args, '--port', String(port), '--bind', '127.0.0.1', '--save', ''],
    {
      stdio: 'ignore',
    },
  );
  await waitReady(port);
  return { name, port, proc };
}

/** Runs one redis-benchmark test and returns requests per second. */
function benchmark(port: number, test: string, pipeline: number, requests: number): number {
  const out = spawnSync(
    'redis-benchmark',
    [
      '-p',
      String(port),
      '-t',
      test,
      '-c',
      '50',
      '-n',
      String(requests),
      '-P',
      String(pipeline),
      '-q',
      '--csv',
    ],
    { encoding: 'utf8' },
  );
  // CSV: "test","rps",... — some tests run a helper step first (LRANGE_*
  // fills a list with "LPUSH (needed to benchmark LRANGE)"): take our line.
  const wanted = test.toUpperCase();
  const line = out.stdout.split('\n').find((l) => {
    const name = l.split(',')[0]!.replace(/"/g, '');
    return name === wanted || name.startsWith(`${wanted} `);
  });
  if (line === undefined)
    throw new Error(`no result from redis-benchmark: ${out.stdout}${out.stderr}`);
  return Number(line.split(',')[1]!.replace(/"/g, ''));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  if (!has('redis-benchmark')) {
    console.error(
      'redis-benchmark is not installed (apt-get install redis-tools): nothing to measure against.',
    );
    process.exit(1);
  }
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const baseRequests = Number(process.env.BENCH_REQUESTS ?? 200000);
  const tests = (
    process.env.BENCH_TESTS ?? 'set,get,incr,mset,lpush,lpop,hset,sadd,zadd,lrange_100'
  ).split(',');
  const targets: Target[] = [await start('resplica', process.execPath, [MAIN])];
  if (has('redis-server'))
    targets.push(await start('redis', 'redis-server', ['--appendonly', 'no']));
  else console.error('redis-server is not installed: reporting resplica alone, no ratios.');

  const rows: string[] = [];
  try {
    for (const pipeline of [1, 16]) {
      for (const test of tests) {
        const requests = pipeline === 1 ? baseRequests : baseRequests * 10;
        const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
        for (let round = 0; round < rounds; round++) {
          // Alternate who goes first so drift in machine load hits both.
          const order = round % 2 === 0 ? targets : [...targets].reverse();
          for (const t of order)
            samples.get(t.name)!.push(benchmark(t.port, test, pipeline, requests));
        }
        const ours = median(samples.get('resplica')!);
        const theirs = samples.has('redis') ? median(samples.get('redis')!) : NaN;
        const ratio = Number.isNaN(theirs) ? 'n/a' : (ours / theirs).toFixed(2);
        const row = `| ${test.toUpperCase()} | ${pipeline} | ${Math.round(ours)} | ${Number.isNaN(theirs) ? 'n/a' : Math.round(theirs)} | ${ratio} |`;
        rows.push(row);
        console.log(row);
      }
    }
  } finally {
    for (const t of targets) t.proc.kill('SIGKILL');
  }
  console.log('\n| test | -P | resplica rps | redis rps | ratio |\n|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
