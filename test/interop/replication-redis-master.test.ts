import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  redisServerAvailable,
  startRedis,
  startResplica,
  type RunningServer,
} from '../helpers/processes.js';
import {
  everyTypeCommands,
  infoField,
  pipeline,
  removeTempDirs,
  tempDir,
  until,
} from '../helpers/persistence.js';
import type { RawClient } from '../helpers/resp.js';
import {
  expectSameData,
  Fleet,
  letShortKeyExpire,
  waitInSync,
  workload,
} from '../helpers/replication.js';
import { skipInterop } from './compare.js';

/**
 * A real redis-server 7.0 as the master, resplica as its replica (started
 * with --replicaof, or told REPLICAOF): full sync of every type, to disk and
 * diskless, with writes during and after it; partial resync after the link
 * drops; the replica's refusals (READONLY, MASTERDOWN) and REPLICAOF replies;
 * and a promotion after which the old master resumes from us by PSYNC.
 */

const fleet = new Fleet();

afterEach(() => fleet.stop());

afterAll(() => removeTempDirs());

async function startMaster(extra: string[]): Promise<{ server: RunningServer; client: RawClient }> {
  if (!redisServerAvailable)
    throw new Error('RESPLICA_REQUIRE_REDIS=1 but redis-server is missing');
  const server = await startRedis([
    '--dir',
    tempDir('resplica-repl-redis-master-'),
    '--enable-debug-command',
    'yes',
    // Redis 7.0 waits 5 s before a diskless sync by default.
    '--repl-diskless-sync-delay',
    '0',
    '--repl-ping-replica-period',
    '1',
    ...extra,
  ]);
  return fleet.add(server);
}

async function startReplica(
  masterPort: number,
  extra: string[] = [],
): Promise<{ server: RunningServer; client: RawClient }> {
  const server = await startResplica([
    '--dir',
    tempDir('resplica-repl-our-replica-'),
    '--enable-debug-command',
    'yes',
    '--replicaof',
    '127.0.0.1',
    String(masterPort),
    ...extra,
  ]);
  return fleet.add(server);
}

describe.skipIf(skipInterop)('replication: resplica replicating from redis-server 7.0', () => {
  it.each([
    { mode: 'to disk', diskless: 'no', framing: 'receiving \\d+ bytes from master to disk' },
    {
      mode: 'diskless',
      diskless: 'yes',
      framing: 'receiving streamed RDB from master with EOF to disk',
    },
  ])(
    'full sync $mode of every type, with writes during and after the sync',
    async ({ diskless, framing }) => {
      // rdb-key-save-delay (µs per key) keeps the master's snapshot open long
      // enough for the first batch of writes to land in the middle of it.
      const { server: m, client: master } = await startMaster([
        '--repl-diskless-sync',
        diskless,
        '--rdb-key-save-delay',
        '500',
      ]);
      await pipeline(master, everyTypeCommands());
      const filler: string[] = ['MSET'];
      for (let i = 0; i < 2000; i++) filler.push(`filler:${i}`, `value-${i}`);
      await pipeline(master, [['SELECT', '9'], filler, ['SELECT', '0']]);

      const { server: r, client: replica } = await startReplica(m.port);
      await until(
        async () => /state=wait_bgsave/.test(await master.call('INFO', 'replication')),
        'the full sync to start',
      );
      await pipeline(master, workload('during'));
      expect(await master.call('INFO', 'replication')).toMatch(/state=wait_bgsave/);
      await until(
        () => r.output().includes('MASTER <-> REPLICA sync: Finished with success'),
        'the replica to load the RDB',
        20_000,
      );
      await pipeline(master, workload('after'));
      await letShortKeyExpire(master, 'during');
      await letShortKeyExpire(master, 'after');
      await expectSameData(master, replica);

      await pipeline(master, [['FLUSHALL'], ...workload('again')]);
      await letShortKeyExpire(master, 'again');
      await expectSameData(master, replica);

      const log = r.output();
      for (const line of [
        `Connecting to MASTER 127.0.0.1:${m.port}`,
        'MASTER <-> REPLICA sync started',
        'Non blocking connect for SYNC fired the event.',
        'Master replied to PING, replication can continue...',
        'Partial resynchronization not possible (no cached master)',
        'Full resync from master: ',
        'MASTER <-> REPLICA sync: Flushing old data',
        'MASTER <-> REPLICA sync: Loading DB in memory',
      ])
        expect(log).toContain(line);
      expect(log).toMatch(new RegExp(`MASTER <-> REPLICA sync: ${framing}`));

      const info = await replica.call('INFO', 'replication');
      expect(infoField(info, 'role')).toBe('slave');
      expect(infoField(info, 'master_host')).toBe('127.0.0.1');
      expect(infoField(info, 'master_port')).toBe(String(m.port));
      expect(infoField(info, 'master_link_status')).toBe('up');
      expect(infoField(info, 'master_sync_in_progress')).toBe('0');
      expect(infoField(info, 'slave_read_only')).toBe('1');
      const masterInfo = await master.call('INFO', 'replication');
      // Same history: same id, and our own offset follows the master's.
      expect(infoField(info, 'master_replid')).toBe(infoField(masterInfo, 'master_replid'));
      expect(infoField(info, 'slave_repl_offset')).toBe(infoField(info, 'master_repl_offset'));
      expect(infoField(await master.call('INFO', 'stats'), 'sync_full')).toBe('1');
      expect(await replica.call('ROLE')).toMatch(
        new RegExp(
          `^\\*5\\r\\n\\$5\\r\\nslave\\r\\n\\$9\\r\\n127\\.0\\.0\\.1\\r\\n:${m.port}\\r\\n\\$9\\r\\nconnected\\r\\n:\\d+\\r\\n$`,
        ),
      );
      // Our ACKs reach the master: it reports our offset.
      await until(
        async () =>
          new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=${r.port},state=online,offset=[1-9]`).test(
            await master.call('INFO', 'replication'),
          ),
        'an ACK from the replica',
      );
      expect(await replica.call('CLIENT', 'LIST', 'TYPE', 'master')).toMatch(/flags=M /);
    },
    30_000,
  );

  it('partial resync after CLIENT KILL TYPE master, and after the master drops us', async () => {
    const { server: m, client: master } = await startMaster(['--repl-diskless-sync', 'no']);
    await pipeline(master, everyTypeCommands());
    const { server: r, client: replica } = await startReplica(m.port);
    await pipeline(master, workload('first'));
    await expectSameData(master, replica);

    // The link goes and writes happen before it is back: only the master's
    // backlog can give them to us.
    expect(await replica.call('CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
    await pipeline(master, workload('missed'));
    await until(
      async () => infoField(await master.call('INFO', 'stats'), 'sync_partial_ok') === '1',
      'the first partial resync',
    );
    await letShortKeyExpire(master, 'missed');
    await expectSameData(master, replica);

    const replies = await pipeline(master, [
      ['CLIENT', 'KILL', 'TYPE', 'replica'],
      ...workload('missed2'),
    ]);
    expect(replies[0]).toBe(':1\r\n');
    await until(
      async () => infoField(await master.call('INFO', 'stats'), 'sync_partial_ok') === '2',
      'the second partial resync',
    );
    await letShortKeyExpire(master, 'missed2');
    await expectSameData(master, replica);

    const stats = await master.call('INFO', 'stats');
    expect(infoField(stats, 'sync_full')).toBe('1');
    expect(infoField(stats, 'sync_partial_err')).toBe('0');
    const log = r.output();
    expect(log).toContain('Connection with master lost.');
    expect(log).toContain('Caching the disconnected master state.');
    expect(log).toMatch(/Trying a partial resynchronization \(request [0-9a-f]{40}:\d+\)\./);
    expect(log).toContain('Successful partial resynchronization with master.');
    expect(log).toContain('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
  }, 30_000);

  it('refuses writes (READONLY) and, with serve-stale-data off, reads while the link is down (MASTERDOWN)', async () => {
    const { server: m, client: master } = await startMaster([]);
    await master.call('SET', 'k', 'v');
    const { client: replica } = await startReplica(m.port);
    await waitInSync(master, replica);
    expect(await replica.call('GET', 'k')).toBe('$1\r\nv\r\n');
    expect(await replica.call('SET', 'k', 'w')).toBe(
      "-READONLY You can't write against a read only replica.\r\n",
    );
    // A write inside MULTI dooms the EXEC, as any refused command.
    expect(await replica.call('MULTI')).toBe('+OK\r\n');
    expect(await replica.call('INCR', 'n')).toMatch(/^-READONLY/);
    expect(await replica.call('EXEC')).toMatch(/^-EXECABORT/);
    expect(await replica.call('CONFIG', 'SET', 'replica-read-only', 'no')).toBe('+OK\r\n');
    expect(await replica.call('SET', 'local', '1')).toBe('+OK\r\n');
    expect(await replica.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no')).toBe('+OK\r\n');
    // Same master: nothing to do, with Redis's reply.
    expect(await replica.call('REPLICAOF', '127.0.0.1', String(m.port))).toBe(
      '+OK Already connected to specified master\r\n',
    );
    expect(await replica.call('REPLICAOF', '127.0.0.1', 'port')).toBe(
      '-ERR Invalid master port\r\n',
    );
    expect(await replica.call('REPLICAOF', '127.0.0.1', '70000')).toBe(
      '-ERR Invalid master port\r\n',
    );

    await m.stop();
    await until(
      async () =>
        infoField(await replica.call('INFO', 'replication'), 'master_link_status') === 'down',
      'the link to go down',
    );
    expect(await replica.call('GET', 'k')).toBe(
      "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n",
    );
    // Only commands flagged stale answer (PING is not one of them, as in Redis).
    expect(await replica.call('PING')).toMatch(/^-MASTERDOWN/);
    const info = await replica.call('INFO', 'replication');
    expect(Number(infoField(info, 'master_link_down_since_seconds'))).toBeGreaterThanOrEqual(0);
    expect(infoField(info, 'master_last_io_seconds_ago')).toBe('-1');
    expect(await replica.call('CONFIG', 'SET', 'replica-serve-stale-data', 'yes')).toBe('+OK\r\n');
    expect(await replica.call('GET', 'k')).toBe('$1\r\nv\r\n');
  }, 30_000);

  it('REPLICAOF NO ONE promotes us; the old master then resumes from us by PSYNC', async () => {
    const { server: m, client: master } = await startMaster(['--repl-diskless-sync', 'no']);
    await pipeline(master, workload('first'));
    const { server: r, client: replica } = await startReplica(m.port);
    await letShortKeyExpire(master, 'first');
    await expectSameData(master, replica);
    const before = await replica.call('INFO', 'replication');

    expect(await replica.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const after = await replica.call('INFO', 'replication');
    expect(infoField(after, 'role')).toBe('master');
    expect(infoField(after, 'master_replid2')).toBe(infoField(before, 'master_replid'));
    expect(infoField(after, 'second_repl_offset')).toBe(
      String(Number(infoField(before, 'master_repl_offset')) + 1),
    );
    expect(infoField(after, 'master_replid')).not.toBe(infoField(before, 'master_replid'));
    expect(r.output()).toMatch(
      /Setting secondary replication ID to [0-9a-f]{40}, valid up to offset: \d+\. New replication ID is [0-9a-f]{40}/,
    );
    expect(r.output()).toContain('MASTER MODE enabled (user request from');
    expect(await replica.call('SET', 'promoted', 'yes')).toBe('+OK\r\n');
    // Promoted: keys expire here again.
    await replica.call('SET', 'soon', 'x', 'PX', '20');
    await until(async () => (await replica.call('EXISTS', 'soon')) === ':0\r\n', 'expiry');

    // The old master follows us and continues its own history.
    expect(await master.call('REPLICAOF', '127.0.0.1', String(r.port))).toBe('+OK\r\n');
    await until(
      async () => infoField(await replica.call('INFO', 'stats'), 'sync_partial_ok') === '1',
      'the old master to PSYNC',
    );
    await pipeline(replica, workload('second'));
    await letShortKeyExpire(replica, 'second');
    await expectSameData(replica, master);
    expect(infoField(await replica.call('INFO', 'stats'), 'sync_full')).toBe('0');
    expect(await master.call('GET', 'promoted')).toBe('$3\r\nyes\r\n');
  }, 30_000);
});
