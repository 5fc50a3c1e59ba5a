import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Conn, sleep } from './resp.js';

/** Whether a program is on the PATH (redis-server, redis-benchmark). */
export function has(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/** A TCP port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/** A benchmarked process (server or sentinel) started in its own directory. */
export interface BenchProcess {
  name: 'redis' | 'resplica';
  role: string;
  port: number;
  dir: string;
  proc: ChildProcess;
  log(): string;
}

/**
 * The processes one benchmark run started: each is tracked from its spawn
 * so that all of them are killed (by pid) on the way out, whatever happened,
 * and each one's log can be kept for reading what a slow step logged.
 */
export class ProcessPool {
  private readonly running = new Set<BenchProcess>();
  /** Where stop() keeps each log (empty: nowhere). */
  logDir = '';
  private logSeq = 0;

  /** Spawns `command` and waits (bounded) until `port` answers PONG. */
  async start(
    command: string,
    args: string[],
    what: Omit<BenchProcess, 'proc' | 'log'>,
    keepLogBytes = 1_000_000,
  ): Promise<BenchProcess> {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (d: Buffer): void => {
      log += d.toString('utf8');
      if (log.length > keepLogBytes) log = log.slice(-keepLogBytes / 2);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const p: BenchProcess = { ...what, proc, log: () => log };
    this.running.add(p);
    try {
      await waitPong(p, 30_000);
    } catch (err) {
      await this.stop(p);
      throw err;
    }
    return p;
  }

  /** SIGKILL by pid, waiting for the exit. */
  async kill(p: BenchProcess): Promise<void> {
    if (p.proc.exitCode === null && p.proc.signalCode === null)
      await new Promise<void>((resolve) => {
        p.proc.once('exit', () => resolve());
        p.proc.kill('SIGKILL');
      });
  }

  /** Kills the process, keeps its log (when logDir is set), removes its directory. */
  async stop(p: BenchProcess): Promise<void> {
    await this.kill(p);
    this.running.delete(p);
    rmSync(p.dir, { recursive: true, force: true });
    if (this.logDir !== '')
      writeFileSync(
        path.join(this.logDir, `${String(++this.logSeq).padStart(3, '0')}-${p.name}-${p.role}.log`),
        p.log(),
      );
  }

  /** For process exit handlers: no waiting possible there. */
  killAllSync(): void {
    for (const p of this.running)
      if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  }
}

/** Polls PING every 10 ms (bounded) until it answers PONG; fails at once if the process exited. */
async function waitPong(p: BenchProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let conn: Conn | null = null;
  try {
    while (performance.now() < deadline) {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null)
        throw new Error(`${p.name} ${p.role} exited:\n${p.log().slice(-2000)}`);
      if (conn === null) conn = await Conn.connect(p.port).catch(() => null);
      if (conn !== null) {
        const r = await conn.call(['PING'], 10_000).catch(() => null);
        if (r === 'PONG') return;
        if (r === null) conn = null;
      }
      await sleep(10);
    }
  } finally {
    conn?.close();
  }
  throw new Error(`${p.name} ${p.role} on ${p.port} did not answer PONG`);
}
