// The sentinel's script queue, with real tiny scripts: retries, limits, kills.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SCRIPT_MAX_QUEUE,
  SCRIPT_MAX_RETRY,
  SCRIPT_MAX_RUNNING,
  ScriptQueue,
  scriptRetryDelay,
  type ScriptLimits,
} from '../../src/sentinel/scripts.js';
import type { LogLevel } from '../../src/server/log.js';

interface Seen {
  level: LogLevel;
  type: string;
  detail: string;
}

let dir: string;
let queue: ScriptQueue | null = null;
let timer: NodeJS.Timeout | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'resplica-scripts-'));
});

afterEach(() => {
  if (timer !== null) clearInterval(timer);
  timer = null;
  queue?.killAll();
  queue = null;
  rmSync(dir, { recursive: true, force: true });
});

/** An executable /bin/sh script in the temp dir. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A queue driven by its own fast timer, recording events and log lines. */
function makeQueue(limits: ScriptLimits, drive = true) {
  const events: Seen[] = [];
  const logs: string[] = [];
  const q = new ScriptQueue({
    limits: () => limits,
    event: (level, type, detail) => events.push({ level, type, detail }),
    log: (_level, message) => logs.push(message),
  });
  queue = q;
  if (drive) timer = setInterval(() => q.tick(), 10);
  return { q, events, logs };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

const FAST: ScriptLimits = { maxRuntime: 60_000, retryDelay: 2 };

describe('sentinel script queue', () => {
  it('runs a script once with its arguments, verbatim and without a shell', async () => {
    const out = join(dir, 'out');
    const path = script('ok.sh', `for a in "$@"; do echo "$a" >> ${out}; done`);
    const { q, events } = makeQueue(FAST);
    q.schedule(path, ['+sdown', 'master mymaster 127.0.0.1 1 $(touch x); `id` *']);
    await until(() => q.length === 0);
    expect(lines(out)).toEqual(['+sdown', 'master mymaster 127.0.0.1 1 $(touch x); `id` *']);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    const types = events.map((e) => e.type);
    expect(types).toEqual(['+script-child', '-script-child']);
    expect(events[1]!.detail).toMatch(/^\d+ 0 0$/);
    expect(events.every((e) => e.level === 'debug')).toBe(true);
    expect(q.runningCount).toBe(0);
  });

  it('gives the script only PATH as its environment', async () => {
    const out = join(dir, 'env');
    process.env['RESPLICA_TEST_SECRET'] = 'leak';
    try {
      const path = script('env.sh', `env > ${out}`);
      const { q } = makeQueue(FAST);
      q.schedule(path, []);
      await until(() => q.length === 0);
    } finally {
      delete process.env['RESPLICA_TEST_SECRET'];
    }
    const names = lines(out).map((l) => l.split('=')[0]);
    expect(names).toContain('PATH');
    expect(names).not.toContain('RESPLICA_TEST_SECRET');
    expect(names).not.toContain('HOME');
    // The shell itself may add PWD (and SHLVL, _): nothing else.
    expect(names.filter((n) => !['PATH', 'PWD', 'SHLVL', '_', 'OLDPWD'].includes(n!))).toEqual([]);
  });

  it('retries a script that exits 1, with a doubling delay, up to the retry limit', async () => {
    const out = join(dir, 'runs');
    const path = script('retry.sh', `date +%s%N >> ${out}; exit 1`);
    const { q, events } = makeQueue({ maxRuntime: 60_000, retryDelay: 5 });
    q.schedule(path, ['a']);
    await until(() => q.length === 0, 20_000);
    expect(lines(out)).toHaveLength(SCRIPT_MAX_RETRY);
    const errors = events.filter((e) => e.type === '-script-error');
    expect(errors).toEqual([{ level: 'warning', type: '-script-error', detail: `${path} 0 1` }]);
    // The gaps grow: the last retry waited 5 ms × 2^8.
    const t = lines(out).map((l) => Number(l) / 1e6);
    expect(t[9]! - t[8]!).toBeGreaterThanOrEqual(scriptRetryDelay(5, 9) - 5);
  }, 30_000);

  it('shows a job waiting for its retry in the pending list', async () => {
    const path = script('fail1.sh', 'exit 1');
    const { q } = makeQueue({ maxRuntime: 60_000, retryDelay: 30_000 });
    q.schedule(path, ['x', 'y']);
    await until(() => q.pending()[0]?.retryNum === 1 && !q.pending()[0]!.running);
    const [p] = q.pending();
    expect(p!.argv).toEqual([path, 'x', 'y']);
    expect(p!.pid).toBe(0);
    expect(p!.time).toBeGreaterThan(29_000);
    expect(p!.time).toBeLessThanOrEqual(30_000);
  });

  it('does not retry a script that exits 2 or more', async () => {
    const out = join(dir, 'runs');
    const path = script('fatal.sh', `echo run >> ${out}; exit 3`);
    const { q, events } = makeQueue(FAST);
    q.schedule(path, []);
    await until(() => q.length === 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(lines(out)).toEqual(['run']);
    expect(events.filter((e) => e.type === '-script-error').map((e) => e.detail)).toEqual([
      `${path} 0 3`,
    ]);
  });

  it('treats a file that cannot be executed as exit code 2', async () => {
    const path = join(dir, 'plain.txt');
    writeFileSync(path, 'not a program');
    const { q, events } = makeQueue(FAST);
    q.schedule(path, []);
    q.schedule(join(dir, 'missing'), []);
    await until(() => q.length === 0);
    expect(events.filter((e) => e.type === '-script-error').map((e) => e.detail)).toEqual([
      `${path} 0 2`,
      `${join(dir, 'missing')} 0 2`,
    ]);
    expect(q.runningCount).toBe(0);
  });

  it('kills a script that runs past the limit, and retries it later', async () => {
    const pidFile = join(dir, 'pid');
    const path = script('hang.sh', `echo $$ >> ${pidFile}; exec sleep 30`);
    const { q, events } = makeQueue({ maxRuntime: 200, retryDelay: 60_000 });
    const started = Date.now();
    q.schedule(path, []);
    await until(() => q.pending()[0]?.running === false && q.pending()[0]!.retryNum === 1);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(3000);
    const pid = lines(pidFile)[0];
    expect(events.filter((e) => e.type === '-script-timeout')).toEqual([
      { level: 'warning', type: '-script-timeout', detail: `${path} ${pid}` },
    ]);
    // Killed by SIGKILL (9): a signal means "retry", so no -script-error yet.
    expect(events.find((e) => e.type === '-script-child')!.detail).toBe(`${pid} 0 9`);
    expect(events.some((e) => e.type === '-script-error')).toBe(false);
    expect(q.runningCount).toBe(0);
  });

  it('runs at most SCRIPT_MAX_RUNNING scripts at once', async () => {
    const path = script('slow.sh', 'exec sleep 30');
    const { q } = makeQueue(FAST, false);
    for (let i = 0; i < SCRIPT_MAX_RUNNING + 4; i++) q.schedule(path, [String(i)]);
    q.tick();
    expect(q.runningCount).toBe(SCRIPT_MAX_RUNNING);
    const pending = q.pending();
    expect(pending.filter((p) => p.running)).toHaveLength(SCRIPT_MAX_RUNNING);
    expect(pending.slice(SCRIPT_MAX_RUNNING).every((p) => !p.running && p.retryNum === 0)).toBe(
      true,
    );
    // Oldest first: the first sixteen started.
    expect(pending.slice(0, SCRIPT_MAX_RUNNING).map((p) => p.argv[1])).toEqual(
      Array.from({ length: SCRIPT_MAX_RUNNING }, (_, i) => String(i)),
    );
    q.tick();
    expect(q.runningCount).toBe(SCRIPT_MAX_RUNNING);
    q.killAll();
    await until(() => q.runningCount === 0);
  });

  it('drops the oldest job that is not running when the queue overflows, with a log line', async () => {
    const path = script('slow.sh', 'exec sleep 30');
    const { q, logs } = makeQueue(FAST, false);
    q.schedule(path, ['running']);
    q.tick();
    expect(q.runningCount).toBe(1);
    for (let i = 0; i < SCRIPT_MAX_QUEUE; i++) q.schedule(path, [String(i)]);
    expect(q.length).toBe(SCRIPT_MAX_QUEUE);
    const argv1 = q.pending().map((p) => p.argv[1]);
    // The running job stays; job "0", the oldest waiting, went.
    expect(argv1[0]).toBe('running');
    expect(argv1[1]).toBe('1');
    expect(argv1.at(-1)).toBe(String(SCRIPT_MAX_QUEUE - 1));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`${path} 0`);
  });

  it('never waits for a child: tick returns while scripts hang', () => {
    const path = script('slow.sh', 'exec sleep 30');
    const { q } = makeQueue(FAST, false);
    for (let i = 0; i < 4; i++) q.schedule(path, []);
    const t0 = performance.now();
    q.tick();
    q.tick();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(q.runningCount).toBe(4);
  });

  it('doubles the retry delay for every run after the first', () => {
    expect([1, 2, 3, 9].map((n) => scriptRetryDelay(30_000, n))).toEqual([
      30_000,
      60_000,
      120_000,
      30_000 * 256,
    ]);
  });
});
