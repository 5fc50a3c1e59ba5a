import { sentinelSuite } from '../helpers/sentinel.js';

/**
 * resplica sentinels watching real redis-server 7.0 instances: what our
 * sentinel reads (INFO replication, hello messages through the servers'
 * pub/sub) and sends (the MULTI block promoting a replica, REPLICAOF to the
 * others) must work against the real server, not only against ours.
 * Skipped, with a message, when redis-server is not installed (unless
 * RESPLICA_REQUIRE_REDIS=1).
 */
sentinelSuite(
  {
    servers: ['redis', 'redis', 'redis'],
    sentinels: ['resplica', 'resplica', 'resplica'],
  },
  ['failover', 'manual', 'clients'],
);
