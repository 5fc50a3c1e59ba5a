import { comboFromEnv, sentinelSuite } from '../helpers/sentinel.js';

/**
 * Sentinel mode end to end, resplica only: 1 master and 2 replicas (resplica
 * servers) watched by 3 resplica sentinels (`main.js <conf> --sentinel`):
 * automatic failover after SIGKILL of the master (promotion, the other
 * replica following, every sentinel's view, the events, data acknowledged
 * by WAIT kept, the old master rejoining as a replica), SENTINEL FAILOVER, a
 * sentinel restarted from its rewritten config, no failover by a minority,
 * and ioredis and node-redis writing across a failover.
 *
 * The same scenarios run against real Redis from test/interop/sentinel-*;
 * SENTINEL_TEST_SERVERS / SENTINEL_TEST_SENTINELS=redis run this file against
 * redis-server / redis-sentinel instead (see test/helpers/sentinel.ts).
 */
sentinelSuite(
  comboFromEnv({
    servers: ['resplica', 'resplica', 'resplica'],
    sentinels: ['resplica', 'resplica', 'resplica'],
  }),
);
