import { describe, expect, it } from 'vitest';
import { removeTempDirs } from '../helpers/persistence.js';
import {
  command,
  comboFromEnv,
  MASTER_NAME,
  skipWithout,
  Topology,
  type Reply,
  ReplyError,
} from '../helpers/sentinel.js';

/**
 * Differential: the same topology (3 redis-server, 3 sentinels) once with
 * real redis-sentinel processes and once with resplica's, and the replies of
 * the sentinel commands compared: field names in order, the values that are
 * deterministic, the rest by shape (an integer, a 40-hex id). Ports are
 * replaced by the role of what listens there, since each topology has its
 * own. SENTINEL_TEST_SENTINELS=redis compares real Redis with itself (a
 * check of the normalization).
 */

const ours = comboFromEnv({
  servers: ['redis', 'redis', 'redis'],
  sentinels: ['resplica', 'resplica', 'resplica'],
});
const reference = { servers: ours.servers, sentinels: ['redis', 'redis', 'redis'] as const };

/** Values that move with time or with the run: compared by shape only. */
const VOLATILE = new Set([
  'runid',
  'last-ping-sent',
  'last-ok-ping-reply',
  'last-ping-reply',
  'info-refresh',
  'role-reported-time',
  'last-hello-message',
  'slave-repl-offset',
  'link-pending-commands',
  'link-refcount',
  'master-link-down-time',
]);

function shape(v: string): string {
  if (/^[0-9a-f]{40}$/.test(v)) return '<id>';
  if (/^-?\d+$/.test(v)) return '<int>';
  return v;
}

/** Replaces ports by roles, ids and volatile values by shapes, recursively. */
function normalizer(t: Topology): (r: Reply, field?: string) => unknown {
  const names = new Map<string, string>();
  names.set(String(t.master.port), '<master>');
  for (const r of t.replicas) names.set(String(r.port), '<replica>');
  for (const s of t.sentinels) names.set(String(s.port), '<sentinel>');
  const text = (v: string): string =>
    v.replace(/\d{2,5}/g, (m) => names.get(m) ?? m).replace(/\b[0-9a-f]{40}\b/g, '<id>');
  const norm = (r: Reply, field?: string): unknown => {
    if (r instanceof ReplyError) return `-${text(r.message)}`;
    if (Array.isArray(r)) {
      // Flat field/value lists: keep the names, normalize the values.
      const flat = r.length % 2 === 0 && r.every((x) => typeof x === 'string');
      if (flat && r.length >= 4)
        return r.map((x, i) => (i % 2 === 0 ? x : norm(x, String(r[i - 1]))));
      const items = r.map((x) => norm(x));
      // Lists of instances: their order is a hash table's; sort them.
      return items.every(Array.isArray)
        ? items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
        : items;
    }
    if (typeof r === 'string') {
      if (field !== undefined && VOLATILE.has(field)) return shape(r);
      return text(r);
    }
    return r;
  };
  return norm;
}

async function snapshot(t: Topology): Promise<Record<string, unknown>> {
  const s = t.sentinels[0]!;
  const norm = normalizer(t);
  const out: Record<string, unknown> = {};
  const ask = async (...args: string[]): Promise<void> => {
    const key = args.map((a) => (a === String(t.master.port) ? '<master>' : a)).join(' ');
    out[key] = norm(await command(s.port, ...args));
  };
  await ask('PING');
  await ask('ROLE');
  await ask('SENTINEL', 'MASTER', MASTER_NAME);
  await ask('SENTINEL', 'MASTERS');
  await ask('SENTINEL', 'REPLICAS', MASTER_NAME);
  await ask('SENTINEL', 'SLAVES', MASTER_NAME);
  await ask('SENTINEL', 'SENTINELS', MASTER_NAME);
  await ask('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME);
  await ask('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nosuch');
  await ask('SENTINEL', 'MASTER', 'nosuch');
  await ask('SENTINEL', 'REPLICAS', 'nosuch');
  await ask('SENTINEL', 'SENTINELS', 'nosuch');
  await ask('SENTINEL', 'CKQUORUM', MASTER_NAME);
  await ask('SENTINEL', 'CKQUORUM', 'nosuch');
  await ask('SENTINEL', 'FAILOVER', 'nosuch');
  await ask('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', String(t.master.port), '0', '*');
  await ask('SENTINEL', 'MONITOR', MASTER_NAME, '127.0.0.1', String(t.master.port), '2');
  await ask('SENTINEL', 'SET', MASTER_NAME, 'nosuchoption', '1');
  await ask('SENTINEL', 'SET', 'nosuch', 'quorum', '1');
  await ask('SENTINEL', 'SET', MASTER_NAME, 'quorum', '2');
  await ask('SENTINEL', 'PENDING-SCRIPTS');
  await ask('SENTINEL', 'CONFIG', 'GET', 'resolve-hostnames');
  await ask('SENTINEL', 'NOSUCHSUBCOMMAND');
  await ask('GET', 'foo');
  const myid = await command(s.port, 'SENTINEL', 'MYID');
  out.myid = typeof myid === 'string' ? shape(myid) : myid;
  // INFO sentinel: field names in order, values normalized.
  const info = await command(s.port, 'INFO', 'sentinel');
  out['INFO sentinel'] =
    typeof info === 'string'
      ? info
          .split('\r\n')
          .filter((l) => l !== '')
          .map((l) => (l.startsWith('#') ? l : norm(l)))
      : info;
  return out;
}

afterAllCleanup();

function afterAllCleanup(): void {
  // Temp dirs of the topologies.
  process.on('exit', () => removeTempDirs());
}

describe.skipIf(skipWithout({ servers: ours.servers, sentinels: ['redis', ...ours.sentinels] }))(
  'sentinel replies: resplica sentinel vs redis-sentinel',
  () => {
    it('SENTINEL MASTER/REPLICAS/SENTINELS and friends: same fields, same deterministic values', async () => {
      const [theirs, mine] = await Promise.all([Topology.start(reference), Topology.start(ours)]);
      try {
        const [a, b] = await Promise.all([snapshot(theirs), snapshot(mine)]);
        if (process.env.SENTINEL_TEST_PRINT === '1') console.log(JSON.stringify(a, null, 1));
        for (const key of Object.keys(a)) expect({ [key]: b[key] }).toEqual({ [key]: a[key] });
        expect(Object.keys(b)).toEqual(Object.keys(a));

        // After a SENTINEL FAILOVER: the view of the new master.
        const after = async (t: Topology): Promise<unknown> => {
          const s = t.sentinels[0]!;
          expect(await command(s.port, 'SENTINEL', 'FAILOVER', MASTER_NAME)).toBe('OK');
          await t.waitSwitch(t.master.port, 30_000);
          return normalizer(t)(await command(s.port, 'SENTINEL', 'MASTER', MASTER_NAME));
        };
        const [x, y] = await Promise.all([after(theirs), after(mine)]);
        expect(y).toEqual(x);
      } catch (err) {
        console.error(`--- redis-sentinel ---\n${theirs.dump()}\n--- resplica ---\n${mine.dump()}`);
        throw err;
      } finally {
        await Promise.all([theirs.stop(), mine.stop()]);
      }
    }, 60_000);
  },
);
