import { KEYSPACE_EVENT } from '../config/options.js';
import type { Client } from '../server/client.js';
import type { AggregateValue } from '../store/values.js';

/**
 * An empty collection is never stored: once the last element left (already
 * counted as a change by the caller), the key goes with the `del` event Redis
 * sends. Shared by every collection family. Returns whether the key went.
 */
export function deleteIfEmpty(c: Client, key: string, value: AggregateValue): boolean {
  if (value.size !== 0) return false;
  c.db.delete(key, false);
  c.server.notifyKeyspaceEvent(KEYSPACE_EVENT.GENERIC, 'del', key, c.db.id);
  return true;
}
