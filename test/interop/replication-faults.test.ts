import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  startRedis,
  startResplica,
  stopProcess,
  type RunningServer,
} from '../helpers/processes.js';
import {
  infoField,
  looksLikeStackTrace,
  pipeline,
  randomBytes,
  removeTempDirs,
  tempDir,
  until,
} from '../helpers/persistence.js';
import { encodeCommand, RawClient } from '../helpers/resp.js';
import { expectSameData, Fleet, onCommands, waitInSync } from '../helpers/replication.js';
import { skipInterop } from './compare.js';

/**
 * Replication under faults, resplica on either side and a real redis-server
 * 7.0 on the other: a master killed (kill -9) during the snapshot transfer
 * or while streaming (also to a chain), a transfer abandoned by the replica
 * (REPLICAOF NO ONE, REPLICAOF another master), a replica killed
 * mid-transfer (alone or sharing a diskless transfer), a replica that stops
 * reading (timed out mid diskless transfer; cut at client-output-buffer-limit
 * with the master's memory bounded), a link dropped while writes go on
 * (partial resync within the backlog, full resync beyond it), and a master
 * that misbehaves on the wire; and no write acknowledged by WAIT lost when
 * the master dies and its replica is promoted. Each case ends with the datasets converged
 * (equal offsets, then equal DEBUG DIGEST) and the surviving process healthy.
 */

const fleet = new Fleet();
/** Processes a test stopped with SIGSTOP: continued before the teardown kills them. */
const stopped: RunningServer[] = [];
const fakeServers: net.Server[] = [];

afterEach(async () => {
  for (const s of stopped.splice(0)) s.process.kill('SIGCONT');
  await fleet.stop();
  await Promise.all(
    fakeServers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

afterAll(() => removeTempDirs());

type Kind = 'resplica' | 'redis';

interface Node {
  server: RunningServer;
  client: RawClient;
}

/** A server of either kind with DEBUG enabled, in a fresh dir unless `dir` is given. */
async function start(
  kind: Kind,
  extra: string[] = [],
  options: { port?: number; dir?: string } = {},
): Promise<Node> {
  const args = [
    '--dir',
    options.dir ?? tempDir(`resplica-faults-${kind}-`),
    '--enable-debug-command',
    'yes',
    '--repl-ping-replica-period',
    '1',
    '--repl-diskless-sync-delay',
    '0',
    ...extra,
  ];
  const server =
    kind === 'resplica'
      ? await startResplica(args, { port: options.port })
      : await startRedis(args, { port: options.port });
  return fleet.add(server);
}

function replicaOf(port: number): string[] {
  return ['--replicaof', '127.0.0.1', String(port)];
}

/**
 * kill -9 of a server we started, and of its own children first (a
 * redis-server's snapshot child), so that nothing outlives the test.
 */
async function kill9(server: RunningServer): Promise<void> {
  const pid = server.process.pid!;
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
  } catch {
    // No /proc: nothing to find.
  }
  for (const child of children.filter((c) => /^\d+$/.test(c))) {
    try {
      process.kill(Number(child), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await stopProcess(server.process, 'SIGKILL');
}

/** Resident memory of a process we started, in bytes (Linux /proc). */
function rss(server: RunningServer): number {
  const status = readFileSync(`/proc/${server.process.pid!}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (m === null) throw new Error(`no VmRSS in /proc/${server.process.pid!}/status`);
  return Number(m[1]) * 1024;
}

async function replInfo(client: RawClient, field: string): Promise<string> {
  return infoField(await client.call('INFO', 'replication'), field);
}

/** Bytes of the RDB received so far; 0 when no transfer is running. */
async function syncReadBytes(client: RawClient): Promise<number> {
  const m = /^master_sync_read_bytes:(\d+)\r$/m.exec(await client.call('INFO', 'replication'));
  return m === null ? 0 : Number(m[1]);
}

async function stat(client: RawClient, field: string): Promise<number> {
  return Number(infoField(await client.call('INFO', 'stats'), field));
}

/** The surviving process answers, did not exit, and printed no stack trace. */
async function expectHealthy(node: Node): Promise<void> {
  expect(node.server.process.exitCode).toBeNull();
  expect(node.server.process.signalCode).toBeNull();
  expect(await node.client.call('PING')).toBe('+PONG\r\n');
  expect(looksLikeStackTrace(node.server.output())).toBe(false);
}

/** `count` keys (with a few types) so that a slowed snapshot takes a while. */
async function fill(client: RawClient, prefix: string, count: number): Promise<void> {
  const mset = ['MSET'];
  // 200-byte values: the RDB spans many of the writer's chunks, so a slowed
  // transfer really streams bytes while it runs.
  for (let i = 0; i < count; i++) mset.push(`${prefix}:${i}`, `value-${i}-`.padEnd(200, '.'));
  const replies = await pipeline(client, [
    mset,
    ['RPUSH', `${prefix}:list`, 'a', 'b', 'c'],
    ['HSET', `${prefix}:hash`, 'f', 'v'],
    ['ZADD', `${prefix}:zset`, '1', 'm'],
    ['SADD', `${prefix}:set`, 'x', 'y'],
    ['SET', `${prefix}:ttl`, 'v', 'EX', '10000'],
  ]);
  expect(replies[0]).toBe('+OK\r\n');
}

/**
 * Writes of several families in pipelined batches on a connection of its
 * own, until stopped or until the server goes away (a killed master).
 */
function keepWriting(port: number, prefix: string): { stop(): Promise<void> } {
  let running = true;
  let sent = 0;
  const done = (async () => {
    let c: RawClient | null = null;
    try {
      c = await RawClient.connect(port);
      while (running) {
        const batch: string[][] = [];
        for (let i = 0; i < 10; i++, sent++) {
          batch.push(['SET', `${prefix}:s:${sent % 200}`, String(sent)]);
          batch.push(['INCR', `${prefix}:counter`]);
          batch.push(['RPUSH', `${prefix}:list`, String(sent)]);
          batch.push(['HSET', `${prefix}:hash`, `f${sent % 50}`, String(sent)]);
          batch.push(['ZADD', `${prefix}:zset`, String(sent), `m${sent % 70}`]);
        }
        batch.push(['LTRIM', `${prefix}:list`, '-100', '-1']);
        await pipeline(c, batch);
      }
    } catch {
      // The server died under the writer: that is the point of some tests.
    } finally {
      c?.close();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** Waits until a writer's counter reached `n` (so the fault lands among its writes). */
async function afterWrites(client: RawClient, key: string, n: number): Promise<void> {
  await until(async () => {
    const reply = await client.call('GET', key);
    return reply.startsWith('$') && !reply.startsWith('$-1') && Number(reply.split('\r\n')[1]) >= n;
  }, `${n} writes on ${key}`);
}

describe.skipIf(skipInterop)('replication faults: the master dies', () => {
  it.each([
    { master: 'redis' as Kind, sync: 'yes', restart: 'empty' },
    { master: 'resplica' as Kind, sync: 'no', restart: 'on its dump' },
    { master: 'resplica' as Kind, sync: 'yes', restart: 'empty' },
  ])(
    'resplica replica of a $master master (diskless $sync) killed mid-transfer keeps its old data, then resyncs when it is back $restart',
    async ({ master: kind, sync, restart }) => {
      const dir = tempDir('resplica-faults-master-dir-');
      const m = await start(kind, ['--repl-diskless-sync', sync], { dir });
      await fill(m.client, 'snap', 3000);
      if (restart === 'on its dump') expect(await m.client.call('SAVE')).toBe('+OK\r\n');
      // 1 ms per key: the snapshot takes ~3 s.
      await m.client.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000');

      const r = await start('resplica');
      await pipeline(r.client, [
        ['SET', 'old:a', '1'],
        ['RPUSH', 'old:l', 'x', 'y'],
      ]);
      const before = await r.client.call('DEBUG', 'DIGEST');
      expect(await r.client.call('REPLICAOF', '127.0.0.1', String(m.server.port))).toBe('+OK\r\n');
      await until(
        async () => (await replInfo(r.client, 'master_sync_in_progress')) === '1',
        'the transfer to start',
      );
      if (sync === 'yes')
        await until(async () => (await syncReadBytes(r.client)) > 0, 'the first bytes of the RDB');
      await kill9(m.server);

      await until(
        () =>
          /I\/O error (trying to sync with MASTER|reading bulk count from MASTER): connection lost/.test(
            r.server.output(),
          ),
        'the replica to log the lost transfer',
      );
      await until(
        () => r.server.output().includes('Error condition on socket for SYNC: Connection refused'),
        'the replica to retry a master that is down',
      );
      // Never a half-loaded dataset: the old one, whole, still served.
      expect(await replInfo(r.client, 'master_link_status')).toBe('down');
      expect(await r.client.call('DEBUG', 'DIGEST')).toBe(before);
      expect(await r.client.call('GET', 'old:a')).toBe('$1\r\n1\r\n');
      expect(r.server.output()).not.toContain('MASTER <-> REPLICA sync: Flushing old data');

      const again = await start(kind, ['--repl-diskless-sync', sync], {
        port: m.server.port,
        dir: restart === 'on its dump' ? dir : undefined,
      });
      expect(await again.client.call('DBSIZE')).toBe(
        restart === 'on its dump' ? ':3005\r\n' : ':0\r\n',
      );
      await pipeline(again.client, [
        ['SET', 'after:restart', 'yes'],
        ['INCR', 'after:counter'],
      ]);
      await expectSameData(again.client, r.client);
      expect(await r.client.call('EXISTS', 'old:a')).toBe(':0\r\n');
      await expectHealthy(r);
    },
    30_000,
  );

  it('redis-server master killed while the resplica replica loads its RDB: the whole RDB or nothing, then a resync', async () => {
    const m = await start('redis');
    expect(await m.client.call('DEBUG', 'POPULATE', '200000')).toBe('+OK\r\n');
    const r = await start('resplica');
    await r.client.call('SET', 'old', '1');
    await r.client.call('REPLICAOF', '127.0.0.1', String(m.server.port));
    await until(
      () => r.server.output().includes('MASTER <-> REPLICA sync: Loading DB in memory'),
      'the replica to start loading',
    );
    await kill9(m.server);
    // The load goes on to its end; the history it holds becomes the cached master.
    await until(
      () => r.server.output().includes('Caching the disconnected master state.'),
      'the replica to finish loading and cache the master',
    );
    expect(r.server.output()).toContain('Connection with master lost.');
    expect(await replInfo(r.client, 'master_link_status')).toBe('down');
    // What it holds is the complete RDB: nothing half loaded, nothing old.
    expect(await r.client.call('DBSIZE')).toBe(':200000\r\n');
    expect(await r.client.call('EXISTS', 'old')).toBe(':0\r\n');

    const again = await start('redis', [], { port: m.server.port });
    await again.client.call('SET', 'after', '1');
    await expectSameData(again.client, r.client);
    await expectHealthy(r);
  }, 30_000);

  it.each([
    { master: 'resplica' as Kind, replica: 'redis' as Kind },
    { master: 'redis' as Kind, replica: 'resplica' as Kind },
  ])(
    '$master master killed while streaming: the $replica replica full-resyncs with the new master and converges',
    async ({ master: kind, replica: replicaKind }) => {
      const m = await start(kind);
      const r = await start(replicaKind, replicaOf(m.server.port));
      await fill(m.client, 'first', 500);
      await waitInSync(m.client, r.client);
      const oldId = await replInfo(m.client, 'master_replid');

      const writer = keepWriting(m.server.port, 'w1');
      await afterWrites(m.client, 'w1:counter', 300);
      await kill9(m.server);
      await writer.stop();
      await until(
        async () => (await replInfo(r.client, 'master_link_status')) === 'down',
        'the replica to see the master go',
      );

      const again = await start(kind, [], { port: m.server.port });
      const writer2 = keepWriting(again.server.port, 'w2');
      await afterWrites(again.client, 'w2:counter', 100);
      await writer2.stop();
      await expectSameData(again.client, r.client);
      // A new master has a new history: no partial resync was possible.
      const newId = await replInfo(again.client, 'master_replid');
      expect(newId).not.toBe(oldId);
      expect(await replInfo(r.client, 'master_replid')).toBe(newId);
      expect(await stat(again.client, 'sync_full')).toBe(1);
      expect(r.server.output()).toMatch(new RegExp(`Full resync from master: ${newId}:`));
      expect(await r.client.call('EXISTS', 'first:1')).toBe(':0\r\n');
      await expectHealthy(r);
    },
    30_000,
  );
});

describe.skipIf(skipInterop)('replication faults: the replica gives up a transfer', () => {
  /** A resplica replica with data of its own, half way through a slow sync from a redis-server master. */
  async function midTransfer(): Promise<{ m: Node; r: Node; before: string }> {
    const m = await start('redis', ['--rdb-key-save-delay', '1000']);
    await fill(m.client, 'slow', 3000);
    const r = await start('resplica');
    await pipeline(r.client, [
      ['SET', 'old:a', '1'],
      ['HSET', 'old:h', 'f', 'v'],
    ]);
    const before = await r.client.call('DEBUG', 'DIGEST');
    await r.client.call('REPLICAOF', '127.0.0.1', String(m.server.port));
    await until(async () => (await syncReadBytes(r.client)) > 0, 'the transfer to stream');
    return { m, r, before };
  }

  it('REPLICAOF NO ONE mid-transfer keeps the old dataset and takes writes', async () => {
    const { m, r, before } = await midTransfer();
    expect(await r.client.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(await replInfo(r.client, 'role')).toBe('master');
    expect(await r.client.call('DEBUG', 'DIGEST')).toBe(before);
    // The abandoned transfer never lands, however long the master goes on.
    await until(
      async () =>
        infoField(await m.client.call('INFO', 'persistence'), 'rdb_bgsave_in_progress') === '0',
      'the master to give up its snapshot',
    );
    expect(await r.client.call('DEBUG', 'DIGEST')).toBe(before);
    expect(await r.client.call('SET', 'new', '1')).toBe('+OK\r\n');
    expect(r.server.output()).not.toContain('MASTER <-> REPLICA sync: Flushing old data');
    await expectHealthy(r);
    await expectHealthy(m);
  }, 30_000);

  it('REPLICAOF another master mid-transfer: the first transfer is dropped, the second one syncs', async () => {
    const { m, r } = await midTransfer();
    const other = await start('resplica');
    await fill(other.client, 'other', 100);
    expect(await r.client.call('REPLICAOF', '127.0.0.1', String(other.server.port))).toBe(
      '+OK\r\n',
    );
    await expectSameData(other.client, r.client);
    expect(await r.client.call('EXISTS', 'slow:1', 'old:a')).toBe(':0\r\n');
    // Still the other master's data once the first master's snapshot is over.
    await until(
      async () =>
        infoField(await m.client.call('INFO', 'persistence'), 'rdb_bgsave_in_progress') === '0',
      'the first master to give up its snapshot',
    );
    await other.client.call('SET', 'later', '1');
    await expectSameData(other.client, r.client);
    await expectHealthy(r);
  }, 30_000);

  it('redis-server master killed while streaming to a chain (resplica in the middle, redis-server at the end): both converge with the new master', async () => {
    const m = await start('redis');
    const middle = await start('resplica', replicaOf(m.server.port));
    const leaf = await start('redis', replicaOf(middle.server.port));
    await fill(m.client, 'first', 300);
    await waitInSync(m.client, leaf.client);

    const writer = keepWriting(m.server.port, 'w1');
    await afterWrites(m.client, 'w1:counter', 300);
    await kill9(m.server);
    await writer.stop();
    await until(
      async () => (await replInfo(middle.client, 'master_link_status')) === 'down',
      'the middle replica to see the master go',
    );
    // The middle replica keeps its sub-replica while its master is away.
    await waitInSync(middle.client, leaf.client).catch(() => undefined);
    expect(await leaf.client.call('DEBUG', 'DIGEST')).toBe(
      await middle.client.call('DEBUG', 'DIGEST'),
    );

    const again = await start('redis', [], { port: m.server.port });
    const writer2 = keepWriting(again.server.port, 'w2');
    await afterWrites(again.client, 'w2:counter', 100);
    await writer2.stop();
    await expectSameData(again.client, middle.client);
    await expectSameData(again.client, leaf.client);
    await expectHealthy(middle);
    await expectHealthy(leaf);
  }, 30_000);
});

describe.skipIf(skipInterop)('replication faults: the replica dies or stops reading', () => {
  it.each([
    { replica: 'redis' as Kind, diskless: 'yes' },
    { replica: 'redis' as Kind, diskless: 'no' },
    { replica: 'resplica' as Kind, diskless: 'yes' },
  ])(
    'a $replica replica killed mid-transfer (diskless $diskless) is dropped by the resplica master; a new one syncs',
    async ({ replica: replicaKind, diskless }) => {
      const m = await start('resplica', [
        '--repl-diskless-sync',
        diskless,
        '--rdb-key-save-delay',
        '1000',
      ]);
      await fill(m.client, 'k', 3000);
      const r = await start(replicaKind, replicaOf(m.server.port));
      await until(
        async () => /slave0:.*state=wait_bgsave,/.test(await m.client.call('INFO', 'replication')),
        'the snapshot to start',
      );
      expect(infoField(await m.client.call('INFO', 'persistence'), 'rdb_bgsave_in_progress')).toBe(
        '1',
      );
      await kill9(r.server);
      await until(
        async () => (await replInfo(m.client, 'connected_slaves')) === '0',
        'the master to drop the dead replica',
      );
      expect(m.server.output()).toMatch(/Connection with replica 127\.0\.0\.1:\d+ lost\./);
      if (diskless === 'yes') {
        // The transfer's last replica left: the snapshot is stopped and released.
        await until(
          async () =>
            infoField(await m.client.call('INFO', 'persistence'), 'rdb_bgsave_in_progress') === '0',
          'the diskless snapshot to stop',
        );
        expect(m.server.output()).toContain(
          'Diskless rdb transfer, last replica dropped, killing fork child.',
        );
      }

      await m.client.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await m.client.call('SET', 'after', 'the crash');
      const r2 = await start(replicaKind, replicaOf(m.server.port));
      await expectSameData(m.client, r2.client);
      expect(await replInfo(m.client, 'connected_slaves')).toBe('1');
      await expectHealthy(m);
    },
    30_000,
  );

  it('one of two redis-server replicas of a diskless transfer killed: the other completes it', async () => {
    // The transfer starts once both replicas wait for it (the delay is a bound).
    const m = await start('resplica', [
      '--repl-diskless-sync-delay',
      '10',
      '--repl-diskless-sync-max-replicas',
      '2',
      '--rdb-key-save-delay',
      '1000',
    ]);
    await fill(m.client, 'k', 2000);
    const doomed = await start('redis', replicaOf(m.server.port));
    const survivor = await start('redis', replicaOf(m.server.port));
    await until(
      async () =>
        infoField(await m.client.call('INFO', 'persistence'), 'rdb_bgsave_in_progress') === '1',
      'the shared snapshot to start',
    );
    const info = await m.client.call('INFO', 'replication');
    expect(info).toMatch(/slave0:.*state=wait_bgsave,/);
    expect(info).toMatch(/slave1:.*state=wait_bgsave,/);
    await kill9(doomed.server);
    await until(
      async () => (await replInfo(m.client, 'connected_slaves')) === '1',
      'the master to drop the dead replica',
    );
    // The transfer goes on for the replica that is left.
    expect(infoField(await m.client.call('INFO', 'persistence'), 'rdb_bgsave_in_progress')).toBe(
      '1',
    );
    await m.client.call('SET', 'during', 'the transfer');
    await expectSameData(m.client, survivor.client);
    expect(await stat(m.client, 'sync_full')).toBe(2);
    await expectHealthy(m);
    await expectHealthy(survivor);
  }, 30_000);

  /**
   * A replica stopped (SIGSTOP) in the middle of a diskless transfer: Redis
   * 7.0's replicationCron drops it once nothing could be written to it for
   * repl-timeout seconds ("Disconnecting timedout replica (full sync)") and
   * stops the snapshot it alone was holding up.
   */
  async function stuckDisklessReplica(kind: Kind): Promise<void> {
    const m = await start(kind, ['--repl-timeout', '2', '--rdb-key-save-delay', '200']);
    // ~20 MB that LZF cannot shrink: far more than the socket buffers
    // between the two processes.
    const batch: Array<Array<string | Buffer>> = [];
    for (let i = 0; i < 2000; i++)
      batch.push(['SET', `big:${i}`, Buffer.from(randomBytes(10_000, i + 1))]);
    await pipeline(m.client, batch);
    const r = await start('redis', replicaOf(m.server.port));
    await until(
      async () =>
        infoField(await m.client.call('INFO', 'persistence'), 'rdb_bgsave_in_progress') === '1',
      'the diskless transfer to start',
    );
    r.server.process.kill('SIGSTOP');
    stopped.push(r.server);
    // Redis drops it after ~3 s (repl-timeout 2, checked once a second).
    await until(
      async () => (await replInfo(m.client, 'connected_slaves')) === '0',
      'the master to drop the stuck replica',
      8_000,
    );
    expect(m.server.output()).toMatch(
      /Disconnecting timedout replica \(full sync\): 127\.0\.0\.1:\d+/,
    );
    await until(
      async () =>
        infoField(await m.client.call('INFO', 'persistence'), 'rdb_bgsave_in_progress') === '0',
      'the transfer to stop',
    );
    r.server.process.kill('SIGCONT');
    stopped.splice(0);
    await m.client.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await m.client.call('SET', 'after', '1');
    await expectSameData(m.client, r.client);
    await expectHealthy(m);
  }

  it('a replica that stops reading mid diskless transfer is dropped by a redis-server master after repl-timeout', async () => {
    await stuckDisklessReplica('redis');
  }, 30_000);

  // A replica that stops reading during a diskless transfer would stall the
  // snapshot for good (the transfer goes at its pace): it must be dropped
  // after repl-timeout, freeing the snapshot for others.
  it('a replica that stops reading mid diskless transfer is dropped by a resplica master after repl-timeout', async () => {
    await stuckDisklessReplica('resplica');
  }, 30_000);

  it('a redis-server replica that stops reading is cut at client-output-buffer-limit; the master memory stays bounded; it comes back', async () => {
    const m = await start('resplica', ['--client-output-buffer-limit', 'replica 1mb 0 0']);
    const stoppedReplica = await start('redis', replicaOf(m.server.port));
    await m.client.call('SET', 'before', '1');
    await waitInSync(m.client, stoppedReplica.client);

    stoppedReplica.server.process.kill('SIGSTOP');
    stopped.push(stoppedReplica.server);
    const base = rss(m.server);
    // 128 MB of stream over four small keys: the dataset does not grow, only
    // what the master would hold for the replica if it did not cut it. The
    // peak is taken separately for each half: by the second half the replica
    // is long gone, and what is left is the GC's slack (about 40 MB on Node
    // 20 for this load, replica or not).
    const value = 'x'.repeat(16 * 1024);
    const peaks = [base, base];
    for (let round = 0; round < 128; round++) {
      const batch: string[][] = [];
      for (let i = 0; i < 64; i++) batch.push(['SET', `big:${i % 4}`, value]);
      await pipeline(m.client, batch);
      const half = round < 64 ? 0 : 1;
      peaks[half] = Math.max(peaks[half]!, rss(m.server));
    }
    await until(
      async () => (await replInfo(m.client, 'connected_slaves')) === '0',
      'the master to cut the replica',
    );
    expect(m.server.output()).toMatch(
      /Client id=\d+ addr=127\.0\.0\.1:\d+ .*flags=S .* scheduled to be closed ASAP for overcoming of output buffer limits\./,
    );
    const [first, second] = peaks as [number, number];
    expect(Math.max(first, second) - base).toBeLessThan(64 * 1024 * 1024);
    expect(second - first).toBeLessThan(16 * 1024 * 1024);

    stoppedReplica.server.process.kill('SIGCONT');
    stopped.splice(0);
    await m.client.call('SET', 'after', '2');
    await expectSameData(m.client, stoppedReplica.client);
    await expectHealthy(m);
    await expectHealthy(stoppedReplica);
  }, 30_000);
});

describe.skipIf(skipInterop)('replication faults: the link drops while writes go on', () => {
  const pairs = [
    { master: 'resplica' as Kind, replica: 'redis' as Kind },
    { master: 'redis' as Kind, replica: 'resplica' as Kind },
    { master: 'resplica' as Kind, replica: 'resplica' as Kind },
  ];

  it.each(pairs)(
    'CLIENT KILL TYPE master on the $replica replica of a $master master: partial resync within the backlog',
    async ({ master: kind, replica: replicaKind }) => {
      // A large backlog: the writer cannot outrun it while the link is down.
      const m = await start(kind, ['--repl-backlog-size', '64mb']);
      const r = await start(replicaKind, replicaOf(m.server.port));
      await fill(m.client, 'first', 200);
      await waitInSync(m.client, r.client);
      const fullBefore = await stat(m.client, 'sync_full');

      const writer = keepWriting(m.server.port, 'w');
      await afterWrites(m.client, 'w:counter', 100);
      expect(await r.client.call('CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
      await until(
        async () => (await stat(m.client, 'sync_partial_ok')) === 1,
        'the partial resync',
      );
      const counter = Number((await m.client.call('GET', 'w:counter')).split('\r\n')[1]);
      await afterWrites(m.client, 'w:counter', counter + 100);
      await writer.stop();
      await expectSameData(m.client, r.client);
      expect(await stat(m.client, 'sync_full')).toBe(fullBefore);
      expect(r.server.output()).toContain('Successful partial resynchronization with master.');
      await expectHealthy(m);
      await expectHealthy(r);
    },
    30_000,
  );

  it.each(pairs)(
    'a $replica replica stopped while a $master master writes past a 16kb backlog: full resync',
    async ({ master: kind, replica: replicaKind }) => {
      const m = await start(kind, ['--repl-backlog-size', '16kb']);
      const r = await start(replicaKind, replicaOf(m.server.port));
      await fill(m.client, 'first', 200);
      await waitInSync(m.client, r.client);
      expect(await stat(m.client, 'sync_full')).toBe(1);

      r.server.process.kill('SIGSTOP');
      stopped.push(r.server);
      expect(await m.client.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(':1\r\n');
      // ~200 kB of stream while the replica cannot reconnect: the backlog
      // no longer holds the offset it will ask for.
      const value = 'v'.repeat(1000);
      const batch: string[][] = [];
      for (let i = 0; i < 200; i++) batch.push(['SET', `missed:${i}`, value]);
      await pipeline(m.client, batch);
      r.server.process.kill('SIGCONT');
      stopped.splice(0);

      await until(async () => (await stat(m.client, 'sync_full')) === 2, 'the full resync');
      await expectSameData(m.client, r.client);
      expect(await stat(m.client, 'sync_partial_ok')).toBe(0);
      expect(await stat(m.client, 'sync_partial_err')).toBe(1);
      expect(await r.client.call('GET', 'missed:199')).toBe(`$1000\r\n${value}\r\n`);
      await expectHealthy(m);
      await expectHealthy(r);
    },
    30_000,
  );
});

describe.skipIf(skipInterop)('replication faults: WAIT across a master kill', () => {
  /**
   * SET then `WAIT 1 1000`, one at a time, until the master is killed: every
   * write a WAIT reported as reached by the replica must be on the replica
   * once it is promoted (REPLICAOF NO ONE). This pins the replica's ACKs too:
   * it may only acknowledge bytes it has applied.
   */
  async function ackedWritesSurvive(kind: Kind, replicaKind: Kind): Promise<void> {
    const m = await start(kind);
    const r = await start(replicaKind, replicaOf(m.server.port));
    await m.client.call('SET', 'before', '1');
    await waitInSync(m.client, r.client);

    const writer = await fleet.connect(m.server.port);
    const acked: number[] = [];
    const done = (async () => {
      try {
        for (let i = 0; ; i++) {
          const [set, wait] = await pipeline(writer, [
            ['SET', `acked:${i}`, String(i)],
            ['WAIT', '1', '1000'],
          ]);
          if (set === '+OK\r\n' && wait === ':1\r\n') acked.push(i);
        }
      } catch {
        // The master was killed under the writer.
      }
    })();
    await until(() => acked.length >= 200, '200 acknowledged writes');
    await kill9(m.server);
    await done;

    expect(await r.client.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const replies = await pipeline(
      r.client,
      acked.map((i) => ['GET', `acked:${i}`]),
    );
    const lost = acked.filter((i, n) => replies[n] !== `$${String(i).length}\r\n${i}\r\n`);
    expect(lost).toEqual([]);
    // The promoted replica serves a new replica of its own.
    await r.client.call('SET', 'promoted', '1');
    const next = await start('redis', replicaOf(r.server.port));
    await expectSameData(r.client, next.client);
    await expectHealthy(r);
  }

  it.each([{ replica: 'redis' as Kind }, { replica: 'resplica' as Kind }])(
    'a stopped $replica replica is not counted by WAIT on a resplica master until it applies the write',
    async ({ replica: replicaKind }) => {
      const m = await start('resplica');
      const r = await start(replicaKind, replicaOf(m.server.port));
      await m.client.call('SET', 'before', '1');
      await waitInSync(m.client, r.client);
      r.server.process.kill('SIGSTOP');
      stopped.push(r.server);
      expect(await m.client.call('SET', 'while', 'stopped')).toBe('+OK\r\n');
      const t0 = Date.now();
      expect(await m.client.call('WAIT', '1', '300')).toBe(':0\r\n');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      r.server.process.kill('SIGCONT');
      stopped.splice(0);
      expect(await m.client.call('WAIT', '1', '3000')).toBe(':1\r\n');
      expect(await r.client.call('GET', 'while')).toBe('$7\r\nstopped\r\n');
      await expectSameData(m.client, r.client);
    },
    30_000,
  );

  it.each([
    { master: 'resplica' as Kind, replica: 'redis' as Kind },
    { master: 'resplica' as Kind, replica: 'resplica' as Kind },
    { master: 'redis' as Kind, replica: 'resplica' as Kind },
  ])(
    'a $master master: no write acknowledged by WAIT is lost on the promoted $replica replica',
    async ({ master: kind, replica: replicaKind }) => {
      await ackedWritesSurvive(kind, replicaKind);
    },
    30_000,
  );
});

// ---- A master that misbehaves on the wire ------------------------------------

const REPLID = 'f'.repeat(40);

/** An RDB with the given body between the header and EOF, checksum 0 (not checked). */
function rdb(body: number[], version = '0009'): Buffer {
  return Buffer.concat([
    Buffer.from(`REDIS${version}`, 'latin1'),
    Buffer.from(body),
    Buffer.from([0xff]),
    Buffer.alloc(8),
  ]);
}

/** db 0, then one string key k = v. */
const ONE_KEY = [0xfe, 0x00, 0x00, 0x01, 0x6b, 0x01, 0x76];

interface Misbehaviour {
  name: string;
  /** What the master sends after +FULLRESYNC (then it may close). */
  send(socket: net.Socket): void;
  /** The replica's log line for it. */
  log: string;
}

const misbehaviours: Misbehaviour[] = [
  {
    name: 'garbage instead of the payload header',
    send: (s) => s.write('this is not an RDB\r\n'),
    log: "Bad protocol from MASTER, the first byte is not '$' (we received 'this is not an RDB')",
  },
  {
    name: 'a bulk length that is not a number',
    send: (s) => s.write('$12abc\r\n'),
    log: "Bad protocol from MASTER: invalid bulk length '$12abc'",
  },
  {
    name: 'a length shorter than the RDB',
    send: (s) => {
      const payload = rdb(ONE_KEY);
      s.write(`$${payload.length - 5}\r\n`);
      s.write(payload);
    },
    log: 'Failed trying to load the MASTER synchronization DB',
  },
  {
    name: 'a truncated RDB (the master closes mid-payload)',
    send: (s) => {
      const payload = rdb(ONE_KEY);
      s.write(`$${payload.length + 1000}\r\n`);
      s.end(payload);
    },
    log: 'I/O error trying to sync with MASTER: connection lost',
  },
  {
    name: 'a truncated diskless RDB (no EOF mark)',
    send: (s) => {
      s.write(`$EOF:${'z'.repeat(40)}\r\n`);
      s.end(rdb(ONE_KEY).subarray(0, 12));
    },
    log: 'I/O error trying to sync with MASTER: connection lost',
  },
  {
    name: 'an RDB version it cannot read',
    send: (s) => {
      const payload = rdb(ONE_KEY, '0011');
      s.write(`$${payload.length}\r\n`);
      s.write(payload);
    },
    log: "Can't handle RDB format version 11",
  },
  {
    name: 'an RDB of an unknown value type',
    send: (s) => {
      const payload = rdb([0xfe, 0x00, 0x63, 0x01, 0x6b, 0x01, 0x76]);
      s.write(`$${payload.length}\r\n`);
      s.write(payload);
    },
    log: 'Unknown RDB encoding type 99',
  },
  {
    name: 'an RDB holding module data',
    send: (s) => {
      const payload = rdb([0xfe, 0x00, 0x07, 0x01, 0x6b, 0, 0, 0, 0, 0, 0, 0, 0]);
      s.write(`$${payload.length}\r\n`);
      s.write(payload);
    },
    log: 'Module data type (RDB type 7) is not supported',
  },
  {
    name: 'an error instead of the payload',
    send: (s) => s.write('-ERR snapshot failed\r\n'),
    log: 'MASTER aborted replication with an error: ERR snapshot failed',
  },
];

/**
 * A master that answers the handshake, misbehaves on the first connection
 * and serves a good sync (one key, then `SET good yes` in the stream) on the
 * next ones. Counts connections.
 */
async function misbehavingMaster(bad: Misbehaviour): Promise<{ port: number; links: number }> {
  const state = { port: 0, links: 0 };
  const server = net.createServer((socket) => {
    const link = state.links++;
    socket.on('error', () => undefined);
    onCommands(socket, (argv) => {
      const name = argv[0]!.toUpperCase();
      if (name === 'PING') socket.write('+PONG\r\n');
      else if (name === 'REPLCONF' && argv[1]?.toUpperCase() !== 'ACK') socket.write('+OK\r\n');
      else if (name === 'PSYNC') {
        socket.write(`+FULLRESYNC ${REPLID} 0\r\n`);
        if (link === 0) {
          bad.send(socket);
        } else {
          const payload = rdb(ONE_KEY);
          socket.write(`$${payload.length}\r\n`);
          socket.write(Buffer.concat([payload, encodeCommand(['SET', 'good', 'yes'])]));
        }
      }
    });
  });
  fakeServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.port = typeof address === 'object' && address !== null ? address.port : 0;
  return state;
}

describe.each(['disabled', 'swapdb'])(
  'replication faults: a misbehaving master (repl-diskless-load %s)',
  (load) => {
    it.each(misbehaviours)(
      'resplica as replica, sent $name: logs it, keeps its data, retries, then syncs',
      async (bad) => {
        const master = await misbehavingMaster(bad);
        const r = await start('resplica', ['--repl-diskless-load', load]);
        await pipeline(r.client, [
          ['SET', 'old', '1'],
          ['SADD', 'old:set', 'a', 'b'],
        ]);
        const before = await r.client.call('DEBUG', 'DIGEST');
        expect(await r.client.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
        await until(() => r.server.output().includes(bad.log), `the log line ${bad.log}`).catch(
          (err: Error) => {
            throw new Error(`${err.message}\n${r.server.output()}`);
          },
        );
        // Nothing of the bad payload was loaded, nothing of ours was lost.
        expect(await r.client.call('DEBUG', 'DIGEST')).toBe(before);
        expect(await r.client.call('GET', 'old')).toBe('$1\r\n1\r\n');
        expect(r.server.output()).not.toContain('MASTER <-> REPLICA sync: Flushing old data');

        // The cron retries; the next sync is good.
        await until(
          async () => (await r.client.call('GET', 'good')) === '$3\r\nyes\r\n',
          'the retried sync',
        );
        expect(master.links).toBeGreaterThanOrEqual(2);
        expect(await r.client.call('GET', 'k')).toBe('$1\r\nv\r\n');
        expect(await r.client.call('DBSIZE')).toBe(':2\r\n');
        expect(await replInfo(r.client, 'master_link_status')).toBe('up');
        await expectHealthy(r);
      },
      30_000,
    );
  },
);

describe('replication faults: a misbehaving master, parsed straight into an empty replica', () => {
  // The ones that get past the `$` header, so that parsing starts.
  const payloadFaults = misbehaviours.filter(
    (bad) => !bad.log.startsWith('Bad protocol') && !bad.log.startsWith('MASTER aborted'),
  );
  it.each(payloadFaults)(
    'on-empty-db, sent $name: nothing half-loaded stays, then it syncs',
    async (bad) => {
      const master = await misbehavingMaster(bad);
      const r = await start('resplica', ['--repl-diskless-load', 'on-empty-db']);
      expect(await r.client.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
      await until(() => r.server.output().includes(bad.log), `the log line ${bad.log}`);
      expect(r.server.output()).toMatch(/MASTER <-> REPLICA sync: receiving .* to parser/);
      await until(
        async () => (await r.client.call('GET', 'good')) === '$3\r\nyes\r\n',
        'the retried sync',
      );
      expect(await r.client.call('DBSIZE')).toBe(':2\r\n');
      await expectHealthy(r);
    },
    30_000,
  );
});
