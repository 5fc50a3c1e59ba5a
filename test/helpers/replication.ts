import type net from 'node:net';
import { expect } from 'vitest';
import { infoField, tempDir, until } from './persistence.js';
import { startResplica, type RunningServer } from './processes.js';
import { RawClient, replyLength } from './resp.js';

/**
 * Shared by the replication tests (either side, resplica or redis-server as
 * master or replica): a workload of every family, and equality checks that
 * wait for equal offsets before comparing digests and keys.
 */

/**
 * The servers and connections one test started, so that afterEach stops
 * them all (by pid) and closes the connections, whatever the test did.
 */
export class Fleet {
  private readonly servers: RunningServer[] = [];
  private readonly clients: RawClient[] = [];

  /** Keeps `server` to stop later and opens a connection to it. */
  async add(server: RunningServer): Promise<{ server: RunningServer; client: RawClient }> {
    this.servers.push(server);
    return { server, client: await this.connect(server.port) };
  }

  /**
   * A resplica for replication tests, in its own directory: DEBUG enabled,
   * diskless syncs starting at once, a PING to replicas every second.
   */
  async resplica(
    extra: string[],
    dirPrefix = 'resplica-repl-',
  ): Promise<{ server: RunningServer; client: RawClient; dir: string }> {
    const dir = tempDir(dirPrefix);
    const server = await startResplica([
      '--dir',
      dir,
      '--enable-debug-command',
      'yes',
      '--repl-diskless-sync-delay',
      '0',
      '--repl-ping-replica-period',
      '1',
      ...extra,
    ]);
    return { ...(await this.add(server)), dir };
  }

  async connect(port: number): Promise<RawClient> {
    const c = await RawClient.connect(port);
    this.clients.push(c);
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    await Promise.all(this.servers.splice(0).map((s) => s.stop()));
  }
}

/** Waits until the replica is linked and has applied every byte we streamed. */
export async function waitInSync(master: RawClient, replica: RawClient): Promise<void> {
  let last = '';
  await until(
    async () => {
      const mine = infoField(await master.call('INFO', 'replication'), 'master_repl_offset');
      const theirs = await replica.call('INFO', 'replication');
      last = `master ${mine}, replica ${infoField(theirs, 'slave_repl_offset')} (${infoField(theirs, 'master_link_status')})`;
      return (
        infoField(theirs, 'master_link_status') === 'up' &&
        infoField(theirs, 'slave_repl_offset') === mine
      );
    },
    'the replica to catch up',
    20_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}`);
  });
}

/** Same digest, same keys per database, same values for a sample of them. */
export async function expectSameData(master: RawClient, replica: RawClient): Promise<void> {
  // The master's active expiry may delete a key (and send its DEL) between
  // two reads, so equal digests are awaited at equal offsets, not read once.
  let digests: string[] = [];
  await until(
    async () => {
      await waitInSync(master, replica);
      digests = [await master.call('DEBUG', 'DIGEST'), await replica.call('DEBUG', 'DIGEST')];
      return digests[0] === digests[1];
    },
    'equal digests',
    20_000,
  ).catch(() => undefined);
  expect(digests[1]).toBe(digests[0]);
  for (const db of ['0', '1', '5', '6', '9']) {
    await master.call('SELECT', db);
    await replica.call('SELECT', db);
    const keys = (await master.call('KEYS', '*')).split('\r\n').filter((l) => !/^[*$]/.test(l));
    const theirs = (await replica.call('KEYS', '*')).split('\r\n').filter((l) => !/^[*$]/.test(l));
    expect(theirs.sort()).toEqual(keys.sort());
    // Printable names only: the text round trip would mangle binary ones.
    for (const key of keys.filter((k) => /^[\x20-\x7e]+$/.test(k)).slice(0, 40)) {
      expect(await replica.call('DEBUG', 'DIGEST-VALUE', key)).toBe(
        await master.call('DEBUG', 'DIGEST-VALUE', key),
      );
      expect(await replica.call('PEXPIRETIME', key)).toBe(await master.call('PEXPIRETIME', key));
    }
  }
  await master.call('SELECT', '0');
  await replica.call('SELECT', '0');
}

/** Writes of every family, each with its own key prefix. */
export function workload(p: string): Array<Array<string>> {
  return [
    ['SELECT', '0'],
    ['SET', `${p}:s`, 'v', 'EX', '1000'],
    ['SETEX', `${p}:se`, '1000', 'v'],
    ['PSETEX', `${p}:pse`, '1000000', 'v'],
    ['SET', `${p}:i`, '10'],
    ['INCR', `${p}:i`],
    ['INCRBYFLOAT', `${p}:f`, '1.1'],
    ['INCRBYFLOAT', `${p}:f`, '2.2'],
    ['APPEND', `${p}:s`, 'x'],
    ['GETEX', `${p}:s`, 'PX', '500000'],
    ['SET', `${p}:gd`, 'v'],
    ['GETDEL', `${p}:gd`],
    ['RPUSH', `${p}:l`, 'a', 'b', 'c', 'd'],
    ['LPOP', `${p}:l`],
    ['LMOVE', `${p}:l`, `${p}:l2`, 'LEFT', 'RIGHT'],
    ['HSET', `${p}:h`, 'f', 'v', 'g', '1'],
    ['HINCRBYFLOAT', `${p}:h`, 'g', '2.5'],
    ['HDEL', `${p}:h`, 'f'],
    ['SADD', `${p}:set`, 'a', 'b', 'c', 'd', 'e', 'f'],
    ['SPOP', `${p}:set`],
    ['SPOP', `${p}:set`, '2'],
    ['ZADD', `${p}:z`, '1', 'a', '2', 'b', '3', 'c'],
    ['ZINCRBY', `${p}:z`, '1.5', 'a'],
    ['ZPOPMIN', `${p}:z`],
    ['EXPIRE', `${p}:l2`, '1000'],
    ['PEXPIRE', `${p}:h`, '1000000'],
    ['PERSIST', `${p}:h`],
    ['MULTI'],
    ['SET', `${p}:m1`, '1'],
    ['INCR', `${p}:m2`],
    ['SELECT', '1'],
    ['SADD', `${p}:m3`, 'x'],
    ['EXEC'],
    ['SELECT', '5'],
    ['SET', `${p}:db5`, 'five'],
    ['SET', `${p}:db6`, 'six'],
    ['SWAPDB', '5', '6'],
    ['SELECT', '0'],
    ['COPY', `${p}:i`, `${p}:i2`],
    ['RENAME', `${p}:i2`, `${p}:i3`],
    ['SET', `${p}:short`, 'v', 'PX', '30'],
    ['PUBLISH', 'chan', 'message'],
  ];
}

/** The short-lived key expires on the master, which sends its DEL. */
export async function letShortKeyExpire(client: RawClient, p: string): Promise<void> {
  await until(async () => (await client.call('EXISTS', `${p}:short`)) === ':0\r\n', 'expiry');
}

/**
 * Calls `onCommand` with the arguments (latin1) of each complete command a
 * peer sends on `socket`: the reading half of a hand-driven master.
 */
export function onCommands(socket: net.Socket, onCommand: (argv: string[]) => void): void {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const len = buffer.length > 0 ? replyLength(buffer) : -1;
      if (len === -1) break;
      const argv = buffer
        .subarray(0, len)
        .toString('latin1')
        .split('\r\n')
        .filter((_, i) => i > 0 && i % 2 === 0);
      buffer = buffer.subarray(len);
      onCommand(argv);
    }
  });
}
