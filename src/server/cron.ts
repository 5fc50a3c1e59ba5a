import type { Server } from './server.js';

/**
 * The periodic work Redis does in serverCron, run `hz` times per second:
 * the coarse LRU clock, active expiry, idle-client timeouts, CLIENT PAUSE
 * expiry, the instantaneous metrics and the RDB save points.
 *
 * Active expiry runs in slices of at most 1 ms separated by setImmediate, so a
 * backlog of stale keys never blocks I/O for long; per period it may use up to
 * 25% of the period, as Redis's slow cycle does.
 */
export interface Cron {
  stop(): void;
  reschedule(): void;
}

const EXPIRE_SLICE_MS = 1;

export function startCron(server: Server): Cron {
  let timer: NodeJS.Timeout | null = null;
  let expireBudget = 0;
  let expireSliceQueued = false;
  let lastReplicaCron = 0;

  const runExpireSlice = (): void => {
    expireSliceQueued = false;
    if (server.shuttingDown) return;
    const slice = Math.min(EXPIRE_SLICE_MS, expireBudget);
    if (slice <= 0) return;
    const started = performance.now();
    const more = server.keyspace.activeExpireCycle(slice);
    expireBudget -= performance.now() - started;
    if (more && expireBudget > 0) {
      expireSliceQueued = true;
      setImmediate(runExpireSlice);
    }
  };

  const tick = (): void => {
    const now = Date.now();
    server.keyspace.lruClock = now;
    server.stats.sample(now);
    server.unpauseIfExpired(now);
    closeTimedOutClients(server, now);
    server.persistence.cron(now);
    server.replication.cron(now);
    if (now - lastReplicaCron >= 1000) {
      // replicationCron runs once a second, whatever hz says.
      lastReplicaCron = now;
      server.replicaLink.cron(now);
    }
    if (server.activeExpireEnabled && server.keyspace.expireOnAccess) {
      expireBudget = (1000 / server.config.get('hz')) * 0.25;
      if (!expireSliceQueued) runExpireSlice();
    }
  };

  const schedule = (): void => {
    if (timer !== null) clearInterval(timer);
    timer = setInterval(tick, Math.max(1, Math.floor(1000 / server.config.get('hz'))));
    timer.unref();
  };
  schedule();

  return {
    stop(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
    reschedule: schedule,
  };
}

function closeTimedOutClients(server: Server, now: number): void {
  const timeout = server.config.get('timeout');
  for (const c of server.clients.values()) {
    if (
      timeout > 0 &&
      c.clientClass === 'normal' &&
      c.heldArgv === null &&
      // Blocked clients wait as long as their own timeout says (as Redis).
      c.blocked === null &&
      now - c.lastInteraction > timeout * 1000
    ) {
      server.log.verbose('Closing idle client');
      c.kill();
      continue;
    }
    // Quiet clients give their reply buffer back, as Redis 7 shrinks it.
    if (now - c.lastInteraction > 2000) c.reply.releaseIdleBuffer();
  }
}
