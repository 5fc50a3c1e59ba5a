import { ALL_SCENARIOS, comboFromEnv, sentinelSuite } from '../helpers/sentinel.js';

/**
 * Real redis-sentinel 7.0 processes watching resplica servers: the
 * scenarios of test/integration/sentinel.test.ts that exercise the servers,
 * here our server's side of Sentinel (its INFO replication fields, REPLICAOF
 * NO ONE inside MULTI with CONFIG REWRITE and CLIENT KILL TYPE normal, PSYNC
 * to the promoted replica, the old master turned into a replica, clients
 * following the switch). The others (a restarted sentinel, a minority) only
 * exercise the sentinels; they run here too with SENTINEL_TEST_ALL=1.
 * Skipped, with a message, when redis-sentinel is not installed (unless
 * RESPLICA_REQUIRE_REDIS=1).
 */
sentinelSuite(
  comboFromEnv({
    servers: ['resplica', 'resplica', 'resplica'],
    sentinels: ['redis', 'redis', 'redis'],
  }),
  process.env.SENTINEL_TEST_ALL === '1' ? ALL_SCENARIOS : ['failover', 'manual', 'clients'],
);
