import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  everyTypeCommands,
  infoField,
  pipeline,
  removeTempDirs,
  until,
} from '../helpers/persistence.js';
import type { RawClient } from '../helpers/resp.js';
import { expectSameData, Fleet, letShortKeyExpire, workload } from '../helpers/replication.js';

/**
 * resplica replicating from resplica, in a chain of three: master → middle
 * → sub-replica. The middle proxies its master's bytes, so all three share
 * one replication id and the same offsets; promoting the middle (REPLICAOF
 * NO ONE) keeps the sub-replica partially synced under PSYNC2's id rules.
 */

const fleet = new Fleet();

afterEach(() => fleet.stop());

afterAll(() => removeTempDirs());

function node(extra: string[]): ReturnType<Fleet['resplica']> {
  return fleet.resplica(extra, 'resplica-chain-');
}

async function replication(c: RawClient): Promise<string> {
  return c.call('INFO', 'replication');
}

describe('replication chain: resplica → resplica → resplica', () => {
  it.each([
    { mode: 'disk', diskless: 'no' },
    { mode: 'diskless', diskless: 'yes' },
  ])(
    'a chain of three ($mode) holds equal data, one replication id and equal offsets',
    async ({ diskless }) => {
      const { server: top, client: a } = await node(['--repl-diskless-sync', diskless]);
      await pipeline(a, everyTypeCommands());
      await pipeline(a, workload('before'));
      const { server: mid, client: b } = await node([
        '--repl-diskless-sync',
        diskless,
        '--replicaof',
        '127.0.0.1',
        String(top.port),
      ]);
      await expectSameData(a, b);
      // The stream is in a database other than 0 when the sub-replica
      // syncs: it must start there (repl-stream-db).
      await pipeline(a, [
        ['SELECT', '3'],
        ['SET', 'in-three', '1'],
      ]);
      const { client: c } = await node(['--replicaof', '127.0.0.1', String(mid.port)]);
      await pipeline(a, [['SET', 'still-three', '2'], ['SELECT', '0'], ...workload('after')]);
      await letShortKeyExpire(a, 'before');
      await letShortKeyExpire(a, 'after');
      await expectSameData(a, b);
      await expectSameData(b, c);
      await expectSameData(a, c);
      await c.call('SELECT', '3');
      expect(await c.call('GET', 'still-three')).toBe('$1\r\n2\r\n');
      await c.call('SELECT', '0');

      const [ia, ib, ic] = [await replication(a), await replication(b), await replication(c)];
      expect(infoField(ib, 'master_replid')).toBe(infoField(ia, 'master_replid'));
      expect(infoField(ic, 'master_replid')).toBe(infoField(ia, 'master_replid'));
      expect(infoField(ib, 'role')).toBe('slave');
      expect(infoField(ib, 'connected_slaves')).toBe('1');
      expect(infoField(ib, 'slave0')).toMatch(/^ip=127\.0\.0\.1,port=\d+,state=online/);
      // Cascading needs no re-encoding: nothing of the middle's own is added.
      expect(infoField(ic, 'master_repl_offset')).toBe(infoField(ic, 'slave_repl_offset'));
    },
    30_000,
  );

  it('REPLICAOF NO ONE on the middle keeps the sub-replica partially synced', async () => {
    const { server: top, client: a } = await node([]);
    await pipeline(a, workload('first'));
    const { server: mid, client: b } = await node(['--replicaof', '127.0.0.1', String(top.port)]);
    const { server: sub, client: c } = await node(['--replicaof', '127.0.0.1', String(mid.port)]);
    await letShortKeyExpire(a, 'first');
    await expectSameData(a, b);
    await expectSameData(b, c);
    const oldId = infoField(await replication(b), 'master_replid');
    const fullSyncs = infoField(await b.call('INFO', 'stats'), 'sync_full');

    expect(await b.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const promoted = await replication(b);
    expect(infoField(promoted, 'master_replid2')).toBe(oldId);
    await pipeline(b, workload('second'));
    await until(
      async () => infoField(await b.call('INFO', 'stats'), 'sync_partial_ok') === '1',
      'the sub-replica to PSYNC',
    );
    await letShortKeyExpire(b, 'second');
    await expectSameData(b, c);
    const ic = await replication(c);
    expect(infoField(ic, 'master_replid')).toBe(infoField(promoted, 'master_replid'));
    expect(infoField(ic, 'master_replid2')).toBe(oldId);
    expect(infoField(await b.call('INFO', 'stats'), 'sync_full')).toBe(fullSyncs);
    expect(sub.output()).toContain(
      `Master replication ID changed to ${infoField(promoted, 'master_replid')}`,
    );
    expect(mid.output()).toMatch(
      /Partial resynchronization request from 127\.0\.0\.1:\d+ accepted\. Sending \d+ bytes of backlog starting from offset \d+\./,
    );
    // Promoted: writable again.
    expect(await b.call('SET', 'x', '1')).toBe('+OK\r\n');
  }, 30_000);

  it('becoming a replica ends blocking waits with UNBLOCKED and closes those connections', async () => {
    const { server: m } = await node([]);
    const { server: r, client: admin } = await node([]);
    const blocked = await fleet.connect(r.port);
    const reply = blocked.call('BLPOP', 'nothing', '0');
    await until(
      async () => infoField(await admin.call('INFO', 'clients'), 'blocked_clients') === '1',
      'the BLPOP to block',
    );
    expect(await admin.call('HELLO', '2')).toContain('$4\r\nrole\r\n$6\r\nmaster\r\n');
    expect(await admin.call('REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
    expect(await admin.call('HELLO', '2')).toContain('$4\r\nrole\r\n$7\r\nreplica\r\n');
    // The text redis-server 7.0 sends, word for word.
    expect(await reply).toBe(
      '-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n',
    );
    await blocked.waitClosed();
    expect(infoField(await admin.call('INFO', 'clients'), 'blocked_clients')).toBe('0');
  }, 30_000);

  it('a replica without a link to its master refuses SYNC with NOMASTERLINK', async () => {
    const { server: dead } = await node([]);
    const port = dead.port;
    await dead.stop();
    const { client: r } = await node(['--replicaof', '127.0.0.1', String(port)]);
    expect(await r.call('PSYNC', '?', '-1')).toBe(
      "-NOMASTERLINK Can't SYNC while not connected with my master\r\n",
    );
    const info = await replication(r);
    expect(infoField(info, 'master_link_status')).toBe('down');
    expect(infoField(info, 'master_link_down_since_seconds')).toBe('-1');
    expect(await r.call('ROLE')).toMatch(
      /^\*5\r\n\$5\r\nslave\r\n.*\r\n\$(7|10)\r\n(connect|connecting)\r\n:-1\r\n$/s,
    );
  }, 30_000);
});
