/**
 * Server-wide counters behind INFO stats and errorstats. CONFIG RESETSTAT
 * zeroes them (per-command counters live on each Command).
 */
export class ServerStats {
  totalConnectionsReceived = 0;
  totalCommandsProcessed = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  /**
   * The replication share of the two above (Redis 7.0's stat_net_repl_*):
   * stream and RDB bytes sent to replicas; stream bytes applied from our master.
   */
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  totalReadsProcessed = 0;
  totalWritesProcessed = 0;
  readonly errorStats = new Map<string, number>();

  /** Samples for instantaneous_ops_per_sec and friends, taken by the cron. */
  private readonly samples = {
    ops: new Metric(),
    netInput: new Metric(),
    netOutput: new Metric(),
    netReplInput: new Metric(),
    netReplOutput: new Metric(),
  };

  countError(code: string): void {
    this.totalErrorReplies++;
    // Redis caps the number of distinct error codes it tracks at 128.
    const current = this.errorStats.get(code);
    if (current !== undefined) this.errorStats.set(code, current + 1);
    else if (this.errorStats.size < 128) this.errorStats.set(code, 1);
  }

  reset(): void {
    this.totalConnectionsReceived = 0;
    this.totalCommandsProcessed = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.netReplInputBytes = 0;
    this.netReplOutputBytes = 0;
    this.totalErrorReplies = 0;
    this.unexpectedErrorReplies = 0;
    this.totalReadsProcessed = 0;
    this.totalWritesProcessed = 0;
    this.errorStats.clear();
  }

  sample(nowMs: number): void {
    this.samples.ops.track(nowMs, this.totalCommandsProcessed);
    this.samples.netInput.track(nowMs, this.netInputBytes);
    this.samples.netOutput.track(nowMs, this.netOutputBytes);
    this.samples.netReplInput.track(nowMs, this.netReplInputBytes);
    this.samples.netReplOutput.track(nowMs, this.netReplOutputBytes);
  }

  get instantaneousOps(): number {
    return Math.round(this.samples.ops.perSecond());
  }
  get instantaneousInputKbps(): number {
    return this.samples.netInput.perSecond() / 1024;
  }
  get instantaneousOutputKbps(): number {
    return this.samples.netOutput.perSecond() / 1024;
  }
  get instantaneousReplInputKbps(): number {
    return this.samples.netReplInput.perSecond() / 1024;
  }
  get instantaneousReplOutputKbps(): number {
    return this.samples.netReplOutput.perSecond() / 1024;
  }
}

/**
 * A rate over the last 16 samples taken every ~100 ms, like Redis's
 * trackInstantaneousMetric.
 */
class Metric {
  private readonly rates: number[] = new Array<number>(16).fill(0);
  private index = 0;
  private lastTime = 0;
  private lastValue = 0;

  track(nowMs: number, value: number): void {
    if (this.lastTime !== 0) {
      const elapsed = nowMs - this.lastTime;
      if (elapsed < 100) return;
      this.rates[this.index] = ((value - this.lastValue) * 1000) / elapsed;
      this.index = (this.index + 1) % this.rates.length;
    } else if (this.lastTime === 0) {
      this.lastTime = nowMs;
      this.lastValue = value;
      return;
    }
    this.lastTime = nowMs;
    this.lastValue = value;
  }

  perSecond(): number {
    let sum = 0;
    for (const r of this.rates) sum += r;
    return sum / this.rates.length;
  }
}
