import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  redisServerAvailable,
  startRedis,
  startResplica,
  type RunningServer,
} from '../helpers/processes.js';
import { exited, infoField, removeTempDirs, tempDir, until } from '../helpers/persistence.js';
import type { RawClient } from '../helpers/resp.js';
import { Fleet, waitInSync } from '../helpers/replication.js';
import { ClientPair, skipInterop, startPair, type ServerPair } from './compare.js';

/**
 * The consistency controls of a resplica master, with real redis-server 7.0
 * replicas: WAIT (counts acks of the client's last write, blocks without
 * stopping anyone else, times out with fewer), min-replicas-to-write /
 * min-replicas-max-lag (NOREPLICAS while the only replica is stopped),
 * SHUTDOWN waiting for lagging replicas, and the reply texts checked
 * against a real redis-server master.
 * Replicas are paused with SIGSTOP/SIGCONT of processes these tests started.
 */

const fleet = new Fleet();
const stopped: RunningServer[] = [];
let pair: ServerPair | null = null;

afterEach(async () => {
  // A stopped process must run again before it can be killed cleanly.
  for (const s of stopped.splice(0)) resume(s);
  await fleet.stop();
  await pair?.stop();
  pair = null;
});

afterAll(() => removeTempDirs());

function pause(s: RunningServer): void {
  stopped.push(s);
  process.kill(s.process.pid!, 'SIGSTOP');
}

function resume(s: RunningServer): void {
  if (s.process.exitCode === null && s.process.signalCode === null)
    process.kill(s.process.pid!, 'SIGCONT');
}

async function startMaster(
  extra: string[] = [],
): Promise<{ server: RunningServer; client: RawClient }> {
  if (!redisServerAvailable)
    throw new Error('RESPLICA_REQUIRE_REDIS=1 but redis-server is missing');
  return fleet.add(
    await startResplica([
      '--dir',
      tempDir('resplica-wait-master-'),
      '--repl-diskless-sync-delay',
      '0',
      ...extra,
    ]),
  );
}

async function startRedisReplica(
  masterPort: number,
): Promise<{ server: RunningServer; client: RawClient }> {
  const replica = await fleet.add(
    await startRedis([
      '--dir',
      tempDir('resplica-wait-replica-'),
      '--replicaof',
      '127.0.0.1',
      String(masterPort),
    ]),
  );
  return replica;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe.skipIf(skipInterop)('WAIT on a resplica master with redis-server replicas', () => {
  it('returns 1, then 2, once one and then two replicas acknowledged the writes', async () => {
    const master = await startMaster();
    const one = await startRedisReplica(master.server.port);
    await waitInSync(master.client, one.client);

    expect(await master.client.call('SET', 'k', 'v1')).toBe('+OK\r\n');
    // GETACK goes out as the WAIT blocks: no waiting for the replica's
    // once-a-second ACK.
    const first = await timed(() => master.client.call('WAIT', '1', '5000'));
    expect(first.value).toBe(':1\r\n');
    expect(first.ms).toBeLessThan(900);

    const two = await startRedisReplica(master.server.port);
    await waitInSync(master.client, two.client);
    expect(await master.client.call('SET', 'k', 'v2')).toBe('+OK\r\n');
    const second = await timed(() => master.client.call('WAIT', '2', '5000'));
    expect(second.value).toBe(':2\r\n');
    expect(second.ms).toBeLessThan(900);
    expect(await two.client.call('GET', 'k')).toBe('$2\r\nv2\r\n');
    // Asking for more replicas than exist waits the whole timeout.
    const more = await timed(() => master.client.call('WAIT', '3', '300'));
    expect(more.value).toBe(':2\r\n');
    expect(more.ms).toBeGreaterThanOrEqual(280);
  });

  it('times out with fewer when a replica is stopped, serving other clients meanwhile', async () => {
    const master = await startMaster();
    const one = await startRedisReplica(master.server.port);
    const two = await startRedisReplica(master.server.port);
    await waitInSync(master.client, one.client);
    await waitInSync(master.client, two.client);

    pause(two.server);
    expect(await master.client.call('SET', 'k', 'v')).toBe('+OK\r\n');
    const started = Date.now();
    master.client.send('WAIT', '2', '1500');
    const other = await fleet.connect(master.server.port);
    await until(
      async () => infoField(await other.call('INFO', 'clients'), 'blocked_clients') === '1',
      'WAIT to block',
    );
    // The event loop is free: another client is served at once.
    const served = await timed(() => other.call('SET', 'other', 'x'));
    expect(served.value).toBe('+OK\r\n');
    expect(served.ms).toBeLessThan(200);
    expect(await other.call('CLIENT', 'LIST')).toMatch(/flags=b .*cmd=wait/);

    const reply = (await master.client.readReply(5000)).toString();
    expect(reply).toBe(':1\r\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);

    // Back from the pause: it acks everything, and WAIT 2 is satisfied.
    resume(two.server);
    expect(await master.client.call('WAIT', '2', '5000')).toBe(':2\r\n');
  });

  it('answers at once for 0 replicas, inside MULTI, and a WAIT blocked forever ends with the ack', async () => {
    const master = await startMaster();
    const one = await startRedisReplica(master.server.port);
    await waitInSync(master.client, one.client);
    pause(one.server);
    expect(await master.client.call('SET', 'k', 'v')).toBe('+OK\r\n');
    const zero = await timed(() => master.client.call('WAIT', '0', '0'));
    expect(zero.value).toBe(':0\r\n');
    expect(zero.ms).toBeLessThan(200);

    // Inside a transaction WAIT cannot block: the current count.
    expect(await master.client.call('MULTI')).toBe('+OK\r\n');
    expect(await master.client.call('SET', 'k', 'v2')).toBe('+QUEUED\r\n');
    expect(await master.client.call('WAIT', '1', '0')).toBe('+QUEUED\r\n');
    expect(await master.client.call('EXEC')).toBe('*2\r\n+OK\r\n:0\r\n');

    // Timeout 0 blocks until the replica is back and acks.
    master.client.send('WAIT', '1', '0');
    await new Promise((r) => setTimeout(r, 300));
    resume(one.server);
    expect((await master.client.readReply(5000)).toString()).toBe(':1\r\n');
  });
});

describe.skipIf(skipInterop)('min-replicas-to-write on a resplica master', () => {
  it('refuses writes with NOREPLICAS while the only replica stopped acking, and accepts them once it is back', async () => {
    const master = await startMaster([
      '--min-replicas-to-write',
      '1',
      '--min-replicas-max-lag',
      '1',
    ]);
    // No replica yet: writes refused, reads served.
    expect(await master.client.call('SET', 'k', 'v')).toBe(
      '-NOREPLICAS Not enough good replicas to write.\r\n',
    );
    expect(await master.client.call('GET', 'k')).toBe('$-1\r\n');
    expect(
      infoField(await master.client.call('INFO', 'replication'), 'min_slaves_good_slaves'),
    ).toBe('0');

    const one = await startRedisReplica(master.server.port);
    await until(
      async () => (await master.client.call('SET', 'k', 'v')) === '+OK\r\n',
      'writes to be accepted with a good replica',
    );
    expect(
      infoField(await master.client.call('INFO', 'replication'), 'min_slaves_good_slaves'),
    ).toBe('1');
    await waitInSync(master.client, one.client);

    pause(one.server);
    await until(
      async () =>
        (await master.client.call('SET', 'k', 'v2')) ===
        '-NOREPLICAS Not enough good replicas to write.\r\n',
      'NOREPLICAS once the replica lags more than 1 s',
    );
    // EXEC with writes is refused too, and the transaction is doomed.
    expect(await master.client.call('MULTI')).toBe('+OK\r\n');
    expect(await master.client.call('INCR', 'n')).toBe(
      '-NOREPLICAS Not enough good replicas to write.\r\n',
    );
    expect(await master.client.call('EXEC')).toMatch(/^-EXECABORT/);

    resume(one.server);
    await until(
      async () => (await master.client.call('SET', 'k', 'v3')) === '+OK\r\n',
      'writes to resume once the replica acks again',
    );
    await waitInSync(master.client, one.client);
    expect(await one.client.call('GET', 'k')).toBe('$2\r\nv3\r\n');
  });

  it('does not apply to the master client: a replica with min-replicas set still applies and forwards the stream', async () => {
    const master = await startMaster();
    const middle = await fleet.add(
      await startResplica([
        '--dir',
        tempDir('resplica-wait-middle-'),
        '--repl-diskless-sync-delay',
        '0',
        '--min-replicas-to-write',
        '2',
        '--replicaof',
        '127.0.0.1',
        String(master.server.port),
      ]),
    );
    const leaf = await startRedisReplica(middle.server.port);
    await waitInSync(master.client, middle.client);
    expect(await master.client.call('SET', 'chain', 'v')).toBe('+OK\r\n');
    expect(await master.client.call('INCR', 'n')).toBe(':1\r\n');
    await waitInSync(master.client, middle.client);
    await waitInSync(middle.client, leaf.client);
    expect(await middle.client.call('GET', 'chain')).toBe('$1\r\nv\r\n');
    expect(await leaf.client.call('GET', 'n')).toBe('$1\r\n1\r\n');
    // Writes from its own clients meet READONLY, as on Redis.
    expect(await middle.client.call('SET', 'x', 'y')).toMatch(/^-READONLY/);

    // INFO's replication traffic and buffers, both sides.
    const masterStats = await master.client.call('INFO', 'stats');
    const sent = Number(infoField(masterStats, 'total_net_repl_output_bytes'));
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(Number(infoField(masterStats, 'total_net_output_bytes')));
    const received = Number(
      infoField(await middle.client.call('INFO', 'stats'), 'total_net_repl_input_bytes'),
    );
    expect(received).toBeGreaterThan(0);
    const memory = await master.client.call('INFO', 'memory');
    expect(infoField(memory, 'mem_replication_backlog')).toBe('1048576');
    expect(Number(infoField(memory, 'mem_total_replication_buffers'))).toBeGreaterThanOrEqual(
      1048576,
    );
  });
});

function alive(s: RunningServer): boolean {
  return s.process.exitCode === null && s.process.signalCode === null;
}

/** A resplica master and one redis-server replica in sync with it. */
async function masterWithReplica(extra: string[] = []): Promise<{
  master: { server: RunningServer; client: RawClient };
  replica: { server: RunningServer; client: RawClient };
}> {
  const master = await startMaster(extra);
  const replica = await startRedisReplica(master.server.port);
  await waitInSync(master.client, replica.client);
  return { master, replica };
}

/**
 * SHUTDOWN, Redis 7.0's way: unless NOW (or shutdown-timeout 0), writes are
 * paused and the master waits up to shutdown-timeout seconds for lagging
 * replicas to ack every byte, so that the last writes are not lost; SIGTERM
 * waits too; SHUTDOWN ABORT cancels the wait.
 */
describe.skipIf(skipInterop)('SHUTDOWN of a master waits for lagging replicas', () => {
  it('holds writes while waiting, and exits once the replica acked the last write', async () => {
    const { master, replica } = await masterWithReplica();
    pause(replica.server);
    expect(await master.client.call('SET', 'last', 'write')).toBe('+OK\r\n');
    const started = Date.now();
    master.client.send('SHUTDOWN', 'NOSAVE');
    const other = await fleet.connect(master.server.port);
    await until(
      () => master.server.output().includes('Waiting for replicas before shutting down.'),
      'the wait',
    );
    // Reads are served, writes are held by the pause.
    expect(await other.call('GET', 'last')).toBe('$5\r\nwrite\r\n');
    other.send('SET', 'held', 'x');
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(master.server)).toBe(true);

    resume(replica.server);
    await exited(master.server.process, 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    const log = master.server.output();
    expect(log).toContain('1 of 1 replicas are in sync when shutting down.');
    // Nothing acknowledged was lost; the held write never ran.
    expect(await replica.client.call('GET', 'last')).toBe('$5\r\nwrite\r\n');
    expect(await replica.client.call('EXISTS', 'held')).toBe(':0\r\n');
  });

  it('gives up after shutdown-timeout and names the lagging replica', async () => {
    const { master, replica } = await masterWithReplica(['--shutdown-timeout', '1']);
    pause(replica.server);
    expect(await master.client.call('SET', 'k', 'v')).toBe('+OK\r\n');
    const started = Date.now();
    master.client.send('SHUTDOWN', 'NOSAVE');
    await exited(master.server.process, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const log = master.server.output();
    expect(log).toMatch(
      /Lagging replica 127\.0\.0\.1:\d+ reported offset \d+ behind master, lag=\d+, state=online\./,
    );
    expect(log).toContain('0 of 1 replicas are in sync when shutting down.');
  });

  it('does not wait with NOW, nor with shutdown-timeout 0', async () => {
    const { master, replica } = await masterWithReplica();
    pause(replica.server);
    expect(await master.client.call('SET', 'k', 'v')).toBe('+OK\r\n');
    const started = Date.now();
    master.client.send('SHUTDOWN', 'NOW', 'NOSAVE');
    await exited(master.server.process, 5000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(master.server.output()).not.toContain('Waiting for replicas');

    const second = await masterWithReplica(['--shutdown-timeout', '0']);
    pause(second.replica.server);
    expect(await second.master.client.call('SET', 'k', 'v')).toBe('+OK\r\n');
    second.master.client.send('SHUTDOWN', 'NOSAVE');
    await exited(second.master.server.process, 1000);
  });

  it('SHUTDOWN ABORT cancels the wait: the blocked SHUTDOWN fails and held writes run', async () => {
    const { master, replica } = await masterWithReplica();
    pause(replica.server);
    expect(await master.client.call('SET', 'k', 'v')).toBe('+OK\r\n');
    master.client.send('SHUTDOWN', 'NOSAVE');
    const other = await fleet.connect(master.server.port);
    await until(() => master.server.output().includes('Waiting for replicas'), 'the wait');
    const writer = await fleet.connect(master.server.port);
    writer.send('SET', 'held', 'x');
    expect(await other.call('SHUTDOWN', 'ABORT')).toBe('+OK\r\n');
    expect((await master.client.readReply()).toString()).toBe(
      '-ERR Errors trying to SHUTDOWN. Check logs.\r\n',
    );
    expect((await writer.readReply()).toString()).toBe('+OK\r\n');
    expect(await other.call('SHUTDOWN', 'ABORT')).toBe('-ERR No shutdown in progress.\r\n');
    expect(master.server.output()).toContain('Shutdown manually aborted.');
    expect(alive(master.server)).toBe(true);
  });

  it('SIGTERM waits for the replica too', async () => {
    const { master, replica } = await masterWithReplica();
    pause(replica.server);
    expect(await master.client.call('SET', 'k', 'v')).toBe('+OK\r\n');
    master.server.process.kill('SIGTERM');
    await until(() => master.server.output().includes('Waiting for replicas'), 'the wait');
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(master.server)).toBe(true);
    resume(replica.server);
    await exited(master.server.process, 5000);
    expect(master.server.output()).toContain('1 of 1 replicas are in sync when shutting down.');
  });
});

describe.skipIf(skipInterop)('WAIT and NOREPLICAS replies, against a real redis-server', () => {
  it('answers argument errors, WAIT 0 and a short timeout as redis-server does', async () => {
    pair = await startPair();
    const clients = await ClientPair.connect(pair);
    try {
      for (const args of [
        ['WAIT', '1', 'abc'],
        ['WAIT', '1', '-1'],
        ['WAIT', 'x', '1'],
        ['WAIT', '1', '1.5'],
        ['WAIT', '1'],
        ['WAIT', '0', '0'],
        ['WAIT', '-1', '0'],
        ['WAIT', '1', '20'],
        ['SET', 'k', 'v'],
        ['WAIT', '1', '20'],
      ])
        await clients.same(...args);
      // Redis's info field, and its refusal, when min-replicas-to-write is set.
      await clients.same('CONFIG', 'SET', 'min-replicas-to-write', '1');
      await clients.same('SET', 'k', 'v');
      await clients.same('GET', 'k');
      await clients.same('MULTI');
      await clients.same('SET', 'k', 'v');
      await clients.same('EXEC');
      const [mine, theirs] = await clients.call('INFO', 'replication');
      expect(fieldNames(mine)).toEqual(fieldNames(theirs));
      expect(infoField(mine, 'min_slaves_good_slaves')).toBe('0');
      // A max lag of 0 turns the check off, and the field disappears.
      await clients.same('CONFIG', 'SET', 'min-replicas-max-lag', '0');
      await clients.same('SET', 'k', 'v');
      const [mine2, theirs2] = await clients.call('INFO', 'replication');
      expect(fieldNames(mine2)).toEqual(fieldNames(theirs2));

      // On a replica (its master need not be up) WAIT is refused.
      await clients.same('REPLICAOF', '127.0.0.1', '1');
      await clients.same('WAIT', '1', '0');
      await clients.same('REPLICAOF', 'NO', 'ONE');
    } finally {
      clients.close();
    }
  });
});

function fieldNames(info: string): string[] {
  return info
    .split('\r\n')
    .filter((l) => l.includes(':') && !l.startsWith('$'))
    .map((l) => l.slice(0, l.indexOf(':')));
}
