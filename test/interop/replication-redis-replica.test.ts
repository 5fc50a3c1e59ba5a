import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  redisCliAvailable,
  startRedis,
  startResplica,
  stopProcess,
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
import { expectSameData, Fleet, letShortKeyExpire, workload } from '../helpers/replication.js';
import { redisServerAvailable } from '../helpers/processes.js';
import { skipInterop } from './compare.js';

/**
 * resplica as a master, a real redis-server 7.0 as its replica (started with
 * --replicaof): the initial full sync (to disk and diskless), writes of every
 * family during and after it, and a partial resync after the link drops. The
 * datasets must end equal: same offsets, same DEBUG DIGEST, same keys.
 */

const fleet = new Fleet();
const children: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((p) => stopProcess(p)));
  await fleet.stop();
});

afterAll(() => removeTempDirs());

async function startMaster(extra: string[]): Promise<{ server: RunningServer; client: RawClient }> {
  if (!redisServerAvailable)
    throw new Error('RESPLICA_REQUIRE_REDIS=1 but redis-server is missing');
  const server = await startResplica([
    '--dir',
    tempDir('resplica-repl-master-'),
    '--enable-debug-command',
    'yes',
    '--repl-ping-replica-period',
    '1',
    ...extra,
  ]);
  return fleet.add(server);
}

async function startReplica(
  masterPort: number,
): Promise<{ server: RunningServer; client: RawClient }> {
  const server = await startRedis([
    '--dir',
    tempDir('resplica-repl-replica-'),
    '--enable-debug-command',
    'yes',
    '--replicaof',
    '127.0.0.1',
    String(masterPort),
  ]);
  return fleet.add(server);
}

/** A BLPOP that blocks, then is served by a push from another client. */
async function blockedPopServedByPush(master: RunningServer, p: string): Promise<void> {
  const blocker = await fleet.connect(master.port);
  const pusher = await fleet.connect(master.port);
  blocker.send('BLPOP', `${p}:bl`, '0');
  await until(
    async () => infoField(await pusher.call('INFO', 'clients'), 'blocked_clients') === '1',
    'BLPOP to block',
  );
  expect(await pusher.call('RPUSH', `${p}:bl`, 'x', 'y')).toBe(':2\r\n');
  expect((await blocker.readReply()).toString()).toContain('x');
}

describe.skipIf(skipInterop)('replication: redis-server 7.0 replicating from resplica', () => {
  it.each([
    { mode: 'to disk', diskless: 'no', target: 'disk' },
    { mode: 'diskless', diskless: 'yes', target: 'replicas sockets' },
  ])(
    'full sync $mode of every type, with writes during and after the sync',
    async ({ diskless, target }) => {
      // A slow snapshot (rdb-key-save-delay, µs per key) keeps the sync open
      // long enough for the first batch of writes to land in the middle of it.
      const { server: m, client: master } = await startMaster([
        '--repl-diskless-sync',
        diskless,
        '--repl-diskless-sync-delay',
        '0',
        '--rdb-key-save-delay',
        '1000',
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
      // Those writes really did arrive while the snapshot was being made.
      expect(await master.call('INFO', 'replication')).toMatch(/state=wait_bgsave/);
      await until(
        async () => /slave0:.*state=online/.test(await master.call('INFO', 'replication')),
        'the replica to go online',
        20_000,
      );
      expect(m.output()).toContain(`Replica 127.0.0.1:${r.port} asks for synchronization`);
      expect(m.output()).toContain(`Starting BGSAVE for SYNC with target: ${target}`);
      if (diskless === 'yes') {
        expect(m.output()).toContain(
          `Streamed RDB transfer with replica 127.0.0.1:${r.port} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`,
        );
        expect(r.output()).toContain('MASTER <-> REPLICA sync: receiving streamed RDB from master');
      }
      await until(
        () => m.output().includes(`Synchronization with replica 127.0.0.1:${r.port} succeeded`),
        'the stream to be enabled',
      );
      await until(
        () => r.output().includes('MASTER <-> REPLICA sync: Finished with success'),
        'the replica to load the RDB',
      );

      await pipeline(master, workload('after'));
      await blockedPopServedByPush(m, 'after');
      await letShortKeyExpire(master, 'during');
      await letShortKeyExpire(master, 'after');
      await expectSameData(master, replica);

      // FLUSHALL, then a fresh dataset in several databases.
      await pipeline(master, [['FLUSHALL'], ...workload('again')]);
      await letShortKeyExpire(master, 'again');
      await expectSameData(master, replica);

      const info = await master.call('INFO', 'replication');
      expect(info).toMatch(new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=${r.port},state=online,`));
      expect(infoField(info, 'repl_backlog_active')).toBe('1');
      expect(infoField(await master.call('INFO', 'stats'), 'sync_full')).toBe('1');
      const role = await master.call('ROLE');
      expect(role).toContain(`$6\r\nmaster\r\n:${infoField(info, 'master_repl_offset')}\r\n`);
      expect(role).toContain(`$9\r\n127.0.0.1\r\n$${String(r.port).length}\r\n${r.port}\r\n`);
      // The replica's REPLCONF ACKs (once a second) are read as its commands.
      await until(
        async () =>
          /flags=S .*cmd=replconf/.test(await master.call('CLIENT', 'LIST', 'TYPE', 'replica')),
        'an ACK from the replica',
      );
    },
    30_000,
  );

  it('a FLUSHALL during a full sync stops it; the replica comes back for a new one', async () => {
    const { server: m, client: master } = await startMaster([
      '--repl-diskless-sync',
      'no',
      '--rdb-key-save-delay',
      '500',
    ]);
    const filler: string[] = ['MSET'];
    for (let i = 0; i < 1000; i++) filler.push(`filler:${i}`, `value-${i}`);
    await master.call(...filler);
    const { client: replica } = await startReplica(m.port);
    await until(
      async () => /state=wait_bgsave/.test(await master.call('INFO', 'replication')),
      'the full sync to start',
    );
    await pipeline(master, [['FLUSHALL'], ...workload('after')]);
    await letShortKeyExpire(master, 'after');
    await expectSameData(master, replica);
    expect(m.output()).toContain('SYNC failed. BGSAVE child returned an error');
    expect(Number(infoField(await master.call('INFO', 'stats'), 'sync_full'))).toBeGreaterThan(1);
  }, 30_000);

  it('partial resync after the link drops: +CONTINUE with the missed bytes', async () => {
    const { server: m, client: master } = await startMaster(['--repl-diskless-sync', 'no']);
    await pipeline(master, everyTypeCommands());
    const { server: r, client: replica } = await startReplica(m.port);
    await pipeline(master, workload('first'));
    await expectSameData(master, replica);

    // Kill the link and write in the same batch: the replica can only learn
    // of these writes from the backlog.
    const replies = await pipeline(master, [
      ['CLIENT', 'KILL', 'TYPE', 'replica'],
      ...workload('missed'),
    ]);
    expect(replies[0]).toBe(':1\r\n');
    await until(
      async () => infoField(await master.call('INFO', 'stats'), 'sync_partial_ok') === '1',
      'the partial resync',
      20_000,
    );
    await letShortKeyExpire(master, 'missed');
    await expectSameData(master, replica);
    expect(m.output()).toMatch(
      new RegExp(
        `Partial resynchronization request from 127\\.0\\.0\\.1:${r.port} accepted\\. Sending [1-9]\\d* bytes of backlog starting from offset \\d+\\.`,
      ),
    );
    expect(r.output()).toContain('Successful partial resynchronization with master.');
    expect(infoField(await master.call('INFO', 'stats'), 'sync_full')).toBe('1');
    expect(infoField(await master.call('INFO', 'stats'), 'sync_partial_err')).toBe('0');
  }, 30_000);

  it.skipIf(!redisCliAvailable)('redis-cli --replica receives the stream', async () => {
    const { server: m, client: master } = await startMaster(['--repl-diskless-sync-delay', '0']);
    await master.call('SET', 'before', '1');
    const cli = spawn('redis-cli', ['-p', String(m.port), '--replica'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(cli);
    let output = '';
    cli.stdout.on('data', (d: Buffer) => (output += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await until(() => output.includes('Logging commands from master'), `redis-cli sync: ${output}`);
    await master.call('SET', 'after', '2');
    await master.call('INCRBYFLOAT', 'f', '1.5');
    await until(
      () => output.includes('"SET","f","1.5","KEEPTTL"'),
      `the stream in redis-cli: ${output}`,
    );
    expect(output).toContain('"SET","after","2"');
  });
});
