import { sentinelSuite } from '../helpers/sentinel.js';

/**
 * A mixed group: two resplica sentinels and one real redis-sentinel watching
 * resplica servers must agree (hello messages, votes, epochs, config
 * updates) and fail over together, whoever leads: after SIGKILL of the
 * master (an election between both kinds), SENTINEL FAILOVER sent to the
 * redis-sentinel (it leads, ours follow) and to a resplica sentinel (ours
 * leads, redis-sentinel follows), and a sentinel restarted after missing the
 * failover (a resplica one, learning from both kinds).
 */
sentinelSuite(
  {
    servers: ['resplica', 'resplica', 'resplica'],
    sentinels: ['resplica', 'resplica', 'redis'],
  },
  ['failover', 'manual', 'restart'],
  { manualVia: [2, 0] },
);
