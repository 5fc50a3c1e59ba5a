import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { removeTempDirs, until } from '../helpers/persistence.js';
import {
  command,
  comboFromEnv,
  fieldList,
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
  's-down-time',
  'o-down-time',
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
  await ask('SENTINEL', 'RESET', 'nosuch*');
  await ask('SENTINEL', 'DEBUG');
  await ask('SENTINEL', 'CONFIG', 'GET', '*');
  // HELP: the descriptions are prose (ours is our own); the synopses must match.
  const help = await command(s.port, 'SENTINEL', 'HELP');
  out['SENTINEL HELP (synopses)'] = Array.isArray(help)
    ? help.filter((l) => typeof l === 'string' && !l.startsWith(' '))
    : help;
  // The commands a sentinel serves, by name. ACL aside: resplica has no
  // ACL command at all yet (README: no ACL users beyond `default`), which
  // is the server's gap, not the sentinel's.
  const table = await command(s.port, 'COMMAND');
  const names = Array.isArray(table)
    ? table.map((c) => (Array.isArray(c) ? String(c[0]) : String(c))).sort()
    : [];
  out['COMMAND (names but acl)'] = names.filter((n) => n !== 'acl');
  out['COMMAND COUNT = number of names'] =
    (await command(s.port, 'COMMAND', 'COUNT')) === names.length;
  // HELLO: the connection id differs, the rest (mode sentinel) must not.
  const hello = await command(s.port, 'HELLO', '2');
  out['HELLO 2'] = Array.isArray(hello)
    ? hello.map((v, i) => (hello[i - 1] === 'id' ? '<int>' : norm(v)))
    : norm(hello);
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

const skip = skipWithout({ servers: ours.servers, sentinels: ['redis', ...ours.sentinels] });

describe.skipIf(skip)('sentinel replies: resplica sentinel vs redis-sentinel', () => {
  // The same topology twice, started side by side: with redis-sentinel
  // ("theirs") and with resplica's sentinel ("mine"); the tests run in turn.
  let theirs: Topology;
  let mine: Topology;
  beforeAll(async () => {
    const started = await Promise.allSettled([Topology.start(reference), Topology.start(ours)]);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      for (const r of started) if (r.status === 'fulfilled') await r.value.stop();
      throw failed.reason;
    }
    [theirs, mine] = started.map((r) => (r as PromiseFulfilledResult<Topology>).value) as [
      Topology,
      Topology,
    ];
  }, 30_000);
  afterAll(async () => {
    await Promise.all([theirs?.stop(), mine?.stop()]);
    removeTempDirs();
  });
  const dumpOnFailure = (ctx: TestContext): void =>
    ctx.onTestFailed(() =>
      console.error(`--- redis-sentinel ---\n${theirs.dump()}\n--- resplica ---\n${mine.dump()}`),
    );

  it('SENTINEL MASTER/REPLICAS/SENTINELS and friends: same fields, same deterministic values', async (ctx) => {
    dumpOnFailure(ctx);
    const [a, b] = await Promise.all([snapshot(theirs), snapshot(mine)]);
    if (process.env.SENTINEL_TEST_PRINT === '1') console.log(JSON.stringify(a, null, 1));
    // Every difference at once, each with both replies.
    const diffs = Object.keys(a)
      .filter((key) => !isDeepStrictEqual(a[key], b[key]))
      .map((key) => ({ command: key, redis: a[key], resplica: b[key] }));
    expect(diffs).toEqual([]);
    expect(Object.keys(b)).toEqual(Object.keys(a));
  });

  it('INFO: the same sections and field names (resplica adds resplica_version and node_version)', async (ctx) => {
    dumpOnFailure(ctx);
    const sections = async (t: Topology): Promise<string[][]> => {
      const info = await command(t.sentinels[0]!.port, 'INFO');
      if (typeof info !== 'string') throw new Error(`INFO: ${String(info)}`);
      return info.split('\r\n# ').map((sec) =>
        sec
          .replace(/^# /, '')
          .split('\r\n')
          .filter((l) => l !== '')
          .map((l, i) => (i === 0 ? l : l.slice(0, l.indexOf(':'))))
          .filter((name) => name !== 'resplica_version' && name !== 'node_version'),
      );
    };
    const [a, b] = await Promise.all([sections(theirs), sections(mine)]);
    expect(b.map((sec) => sec[0])).toEqual(a.map((sec) => sec[0]));
    for (const [i, sec] of a.entries()) {
      const ours = b[i] ?? [];
      const missing = sec.filter((n) => !ours.includes(n));
      const extra = ours.filter((n) => !sec.includes(n));
      expect({ section: sec[0], missing, extra }).toEqual({
        section: sec[0],
        missing: [],
        extra: [],
      });
      expect(ours).toEqual(sec); // and in the same order
    }
  });

  it('a replica down: SENTINEL REPLICAS shows it the same way', async (ctx) => {
    dumpOnFailure(ctx);
    const down = async (t: Topology): Promise<unknown> => {
      const victim = t.replicas[1]!;
      await t.kill(victim);
      const s = t.sentinels[0]!;
      await until(
        async () =>
          fieldList(await command(s.port, 'SENTINEL', 'REPLICAS', MASTER_NAME)).some(
            (r) => r.get('port') === String(victim.port) && r.get('flags')!.includes('s_down'),
          ),
        'the sentinel to flag the killed replica s_down',
      );
      return normalizer(t)(await command(s.port, 'SENTINEL', 'REPLICAS', MASTER_NAME));
    };
    const [x, y] = await Promise.all([down(theirs), down(mine)]);
    expect(y).toEqual(x);
  });

  it('after SENTINEL FAILOVER: the same view of the new master', async (ctx) => {
    dumpOnFailure(ctx);
    const after = async (t: Topology): Promise<unknown> => {
      const s = t.sentinels[0]!;
      expect(await command(s.port, 'SENTINEL', 'FAILOVER', MASTER_NAME)).toBe('OK');
      await t.waitSwitch(t.master.port, 30_000);
      return normalizer(t)(await command(s.port, 'SENTINEL', 'MASTER', MASTER_NAME));
    };
    const [x, y] = await Promise.all([after(theirs), after(mine)]);
    expect(y).toEqual(x);
  });
});
