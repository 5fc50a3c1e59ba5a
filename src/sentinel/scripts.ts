import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { LogLevel } from '../server/log.js';

/**
 * The operator scripts of a sentinel (`notification-script`,
 * `client-reconfig-script`), run as redis-sentinel runs them:
 *
 * - `schedule()` only appends a job; the sentinel timer calls `tick()`, which
 *   starts what may start and kills what ran too long. Nothing here waits for
 *   a child, so a script that hangs never delays monitoring or a failover.
 * - The queue holds at most SCRIPT_MAX_QUEUE jobs; one more drops the oldest
 *   job that is not running. At most SCRIPT_MAX_RUNNING children at once.
 * - Exit code 0: done. Exit code 1, or death by a signal (including our own
 *   SIGKILL after the run-time limit): run again later, after the retry
 *   delay doubled for every run already made, up to SCRIPT_MAX_RETRY runs
 *   in all. Exit code 2 or more (an unrunnable file counts as 2, as Redis's
 *   failed exec does) or the last allowed run failing: `-script-error`.
 * - A script is executed directly (no shell: arguments carrying event text
 *   are never interpreted) with a minimal environment (only PATH), so that
 *   nothing of the sentinel's own environment leaks to it. redis-sentinel
 *   passes its whole environment; ours is the deliberate exception.
 *
 * The run-time limit and the retry delay are read at every use, so that
 * SENTINEL DEBUG script-max-runtime / script-retry-delay apply at once.
 */

export const SCRIPT_MAX_QUEUE = 256;
export const SCRIPT_MAX_RUNNING = 16;
export const SCRIPT_MAX_RETRY = 10;

/** Redis's code for a failed fork, reported as the "signal" of -script-error. */
const FORK_FAILED = 99;
/** What a child whose exec failed exits with in Redis: no retry. */
const EXEC_FAILED = 2;

export interface ScriptLimits {
  /** ms a run may last before SIGKILL. */
  maxRuntime: number;
  /** ms before the first retry; doubled for every further one. */
  retryDelay: number;
}

export interface ScriptQueueOptions {
  limits: () => ScriptLimits;
  /** A sentinel event with no instance: `-script-error`, `-script-timeout`, `±script-child`. */
  event: (level: LogLevel, type: string, detail: string) => void;
  /** A plain log line. */
  log: (level: LogLevel, message: string) => void;
  /** The children's environment; only PATH by default. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/** One line of SENTINEL PENDING-SCRIPTS. */
export interface PendingScript {
  argv: string[];
  running: boolean;
  pid: number;
  /** ms since the start when running; ms until the next start allowed otherwise. */
  time: number;
  retryNum: number;
}

interface ScriptJob {
  readonly argv: string[];
  running: boolean;
  /** Runs started so far. */
  retryNum: number;
  /** When running: start time; otherwise not before this time (0: at once). */
  startTime: number;
  pid: number;
  child: ChildProcess | null;
  /** SIGKILL sent for this run (the timeout is reported once, not at every tick). */
  killSent: boolean;
}

/** The delay before run `retryNum + 1`: the base delay, doubled for every run after the first. */
export function scriptRetryDelay(base: number, retryNum: number): number {
  let delay = base;
  for (let n = retryNum; n > 1; n--) delay *= 2;
  return delay;
}

export class ScriptQueue {
  // A plain array: the queue never exceeds SCRIPT_MAX_QUEUE entries, and
  // dropping must take the oldest *non-running* job, from anywhere in it.
  private readonly jobs: ScriptJob[] = [];
  private running = 0;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;

  constructor(private readonly opts: ScriptQueueOptions) {
    this.env = opts.env ?? { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
    this.now = opts.now ?? Date.now;
  }

  get runningCount(): number {
    return this.running;
  }

  get length(): number {
    return this.jobs.length;
  }

  /** Queues `path args...` to run at the next tick. */
  schedule(path: string, args: readonly string[]): void {
    this.jobs.push({
      argv: [path, ...args],
      running: false,
      retryNum: 0,
      startTime: 0,
      pid: 0,
      child: null,
      killSent: false,
    });
    if (this.jobs.length <= SCRIPT_MAX_QUEUE) return;
    const i = this.jobs.findIndex((j) => !j.running);
    if (i < 0) return;
    const [dropped] = this.jobs.splice(i, 1);
    // redis-sentinel drops silently; a line tells the operator that a
    // notification was lost.
    this.opts.log(
      'warning',
      `Scripts queue full (${SCRIPT_MAX_QUEUE} jobs): dropping the oldest pending one, ${dropped!.argv.join(' ')}`,
    );
  }

  /** One timer run: start what may start, kill what ran too long. */
  tick(): void {
    this.runPending();
    this.killTimedOut();
  }

  private runPending(): void {
    const now = this.now();
    for (const job of [...this.jobs]) {
      if (this.running >= SCRIPT_MAX_RUNNING) break;
      if (job.running) continue;
      if (job.startTime !== 0 && job.startTime > now) continue;
      this.start(job);
    }
  }

  private start(job: ScriptJob): void {
    job.running = true;
    job.startTime = this.now();
    job.retryNum++;
    job.killSent = false;
    let child: ChildProcess;
    try {
      child = spawn(job.argv[0]!, job.argv.slice(1), {
        env: this.env,
        shell: false,
        // stdout and stderr shared with the sentinel, as a forked child's are.
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch {
      // Nothing was started (bad arguments, no resources): Redis's fork
      // failure. Unlike Redis (which tries again at the next tick, forever),
      // the usual retry rules apply, so that a job that can never start
      // does not report an error ten times a second.
      this.opts.event('warning', '-script-error', `${job.argv[0]} ${FORK_FAILED} 0`);
      job.running = false;
      if (job.retryNum >= SCRIPT_MAX_RETRY) this.remove(job);
      else
        job.startTime = this.now() + scriptRetryDelay(this.opts.limits().retryDelay, job.retryNum);
      return;
    }
    job.child = child;
    this.running++;
    // A running script must not keep the sentinel alive at shutdown (a forked
    // child does not hold redis-sentinel either); it finishes on its own.
    child.unref();
    let done = false;
    const finish = (code: number, signal: number): void => {
      if (done) return;
      done = true;
      this.terminated(job, code, signal);
    };
    child.on('exit', (code, signal) => finish(code ?? 0, signalNumber(signal)));
    // 'error' without a pid: the file could not be executed (missing, not
    // executable, bad interpreter). Redis's child exits 2 after a failed exec.
    child.on('error', () => {
      if (child.pid === undefined) finish(EXEC_FAILED, 0);
    });
    if (child.pid !== undefined) {
      job.pid = child.pid;
      this.opts.event('debug', '+script-child', String(child.pid));
    }
  }

  /** sentinelCollectTerminatedScripts, for one child. */
  private terminated(job: ScriptJob, code: number, signal: number): void {
    this.running--;
    this.opts.event('debug', '-script-child', `${job.pid} ${code} ${signal}`);
    job.child = null;
    if (!this.jobs.includes(job)) return; // Defensive: running jobs are never dropped.
    if ((signal !== 0 || code === 1) && job.retryNum !== SCRIPT_MAX_RETRY) {
      job.running = false;
      job.pid = 0;
      job.startTime = this.now() + scriptRetryDelay(this.opts.limits().retryDelay, job.retryNum);
      return;
    }
    if (signal !== 0 || code !== 0)
      this.opts.event('warning', '-script-error', `${job.argv[0]} ${signal} ${code}`);
    this.remove(job);
  }

  private killTimedOut(): void {
    const now = this.now();
    const limit = this.opts.limits().maxRuntime;
    for (const job of this.jobs) {
      if (!job.running || job.killSent || job.child === null) continue;
      if (now - job.startTime <= limit) continue;
      job.killSent = true;
      this.opts.event('warning', '-script-timeout', `${job.argv[0]} ${job.pid}`);
      job.child.kill('SIGKILL');
    }
  }

  private remove(job: ScriptJob): void {
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
  }

  /** The queue as SENTINEL PENDING-SCRIPTS shows it, oldest first. */
  pending(): PendingScript[] {
    const now = this.now();
    return this.jobs.map((j) => ({
      argv: [...j.argv],
      running: j.running,
      pid: j.pid,
      time: j.running ? now - j.startTime : j.startTime === 0 ? 0 : Math.max(0, j.startTime - now),
      retryNum: j.retryNum,
    }));
  }

  /** Kills the running children (for tests and in-process shutdown); the queue is emptied. */
  killAll(): void {
    for (const j of this.jobs) j.child?.kill('SIGKILL');
    this.jobs.length = 0;
  }
}

/**
 * What Redis checks of a script path when it is configured: that the file
 * exists and may be executed by us (access(X_OK)).
 */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === null) return 0;
  return osConstants.signals[signal] ?? 0;
}
