import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startResplica, type RunningServer } from '../helpers/processes.js';
import { encodeCommand, RawClient } from '../helpers/resp.js';
import { infoField, removeTempDirs, tempDir, until } from '../helpers/persistence.js';

/**
 * The master side of replication seen through a hand-driven replica: the
 * handshake replies, +FULLRESYNC and the framing of disk and diskless
 * transfers, the master's PINGs in the stream, the replica dropped when it
 * stops acknowledging or when its buffer passes client-output-buffer-limit.
 */

const started: RunningServer[] = [];
const sockets: net.Socket[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of clients.splice(0)) c.close();
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

afterAll(() => removeTempDirs());

async function master(extra: string[]): Promise<{ server: RunningServer; admin: RawClient }> {
  const server = await startResplica(['--dir', tempDir('resplica-repl-'), ...extra]);
  started.push(server);
  const admin = await RawClient.connect(server.port);
  clients.push(admin);
  return { server, admin };
}

/** A replica driven by hand: everything the master sends is kept as latin1 text. */
class FakeReplica {
  received = '';
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => (this.received += d.toString('latin1')));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  static async connect(port: number): Promise<FakeReplica> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
      s.once('error', reject);
    });
    sockets.push(socket);
    return new FakeReplica(socket);
  }

  send(...args: string[]): void {
    this.socket.write(encodeCommand(args));
  }

  async waitFor(pattern: RegExp, what: string, timeoutMs = 10_000): Promise<RegExpExecArray> {
    let match: RegExpExecArray | null = null;
    await until(
      () => (match = pattern.exec(this.received)) !== null,
      `${what} (received ${JSON.stringify(this.received.slice(0, 200))})`,
      timeoutMs,
    );
    return match!;
  }
}

/** Enough keys that a snapshot slowed by rdb-key-save-delay stays open a while. */
async function fillKeys(admin: RawClient, count: number): Promise<void> {
  const mset = ['MSET'];
  for (let i = 0; i < count; i++) mset.push(`k${i}`, 'v');
  await admin.call(...mset);
}

async function handshake(port: number): Promise<FakeReplica> {
  const r = await FakeReplica.connect(port);
  r.send('PING');
  r.send('REPLCONF', 'listening-port', '4321');
  r.send('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
  await r.waitFor(/^\+PONG\r\n\+OK\r\n\+OK\r\n/, 'handshake replies');
  r.received = '';
  return r;
}

describe('replication master', () => {
  it('answers a disk-based full resync with +FULLRESYNC, $<len> and an RDB, then streams', async () => {
    const { server, admin } = await master(['--repl-diskless-sync', 'no']);
    await admin.call('SET', 'k', 'v');
    const r = await handshake(server.port);
    r.send('PSYNC', '?', '-1');
    const m = await r.waitFor(/^\+FULLRESYNC ([0-9a-f]{40}) 0\r\n\n*\$(\d+)\r\n/, '+FULLRESYNC');
    const replid = m[1]!;
    const header = m[0].length;
    const size = Number(m[2]);
    await until(() => r.received.length >= header + size, 'the whole RDB');
    const rdb = r.received.slice(header, header + size);
    expect(rdb.startsWith('REDIS0010')).toBe(true);
    expect(rdb).toContain(`repl-id\x28${replid}`);
    await admin.call('SET', 'after', '1');
    await r.waitFor(
      /\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*3\r\n\$3\r\nSET\r\n\$5\r\nafter/,
      'the stream',
    );
    const info = await admin.call('INFO', 'replication');
    expect(info).toMatch(/slave0:ip=127\.0\.0\.1,port=4321,state=online,offset=0,lag=\d+/);
    expect(infoField(info, 'master_replid')).toBe(replid);
    r.send('REPLCONF', 'ACK', infoField(info, 'master_repl_offset'));
    await until(
      async () =>
        (await admin.call('INFO', 'replication')).includes(
          `offset=${infoField(info, 'master_repl_offset')},`,
        ),
      'the ACK to be recorded',
    );
    expect(server.output()).toContain('Replica 127.0.0.1:4321 asks for synchronization');
    expect(server.output()).toContain('Full resync requested by replica 127.0.0.1:4321');
  });

  it('frames a diskless transfer with $EOF:<mark> and holds the stream until the first ACK', async () => {
    const { server, admin } = await master([
      '--repl-diskless-sync',
      'yes',
      '--repl-diskless-sync-delay',
      '0',
    ]);
    await admin.call('SET', 'k', 'v');
    const r = await handshake(server.port);
    r.send('PSYNC', '?', '-1');
    const m = await r.waitFor(/\$EOF:([0-9a-f]{40})\r\nREDIS0010[^]*\1/, 'the marked RDB');
    await until(() => server.output().includes('Waiting for REPLCONF ACK'), 'transfer end');
    await admin.call('SET', 'held', '1');
    const before = r.received.length;
    expect(r.received.slice(m.index + m[0].length)).not.toContain('held');
    r.send('REPLCONF', 'ACK', '0');
    await r.waitFor(/\$4\r\nheld\r\n/, 'the held stream');
    expect(r.received.length).toBeGreaterThan(before);
    expect(server.output()).toContain('Synchronization with replica 127.0.0.1:4321 succeeded');
  });

  it('puts the master PING in the stream and drops a replica that stops acknowledging', async () => {
    const { server } = await master([
      '--repl-diskless-sync',
      'no',
      '--repl-ping-replica-period',
      '1',
      '--repl-timeout',
      '1',
    ]);
    const r = await handshake(server.port);
    r.send('PSYNC', '?', '-1');
    await r.waitFor(/\*1\r\n\$4\r\nPING\r\n/, 'a PING from the master');
    await until(() => r.closed, 'the replica to be dropped', 10_000);
    expect(server.output()).toContain(
      'Disconnecting timedout replica (streaming sync): 127.0.0.1:4321',
    );
    expect(server.output()).toContain('Connection with replica 127.0.0.1:4321 lost.');
  });

  it('drops a syncing replica whose buffered stream passes the replica output limit', async () => {
    const { server, admin } = await master([
      '--repl-diskless-sync',
      'no',
      '--rdb-key-save-delay',
      '2000',
      '--client-output-buffer-limit',
      'replica 64kb 0 0',
    ]);
    await fillKeys(admin, 1000);
    const r = await handshake(server.port);
    r.send('PSYNC', '?', '-1');
    await r.waitFor(/^\+FULLRESYNC/, '+FULLRESYNC');
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 10; i++) await admin.call('SET', `big${i}`, big);
    await until(() => r.closed, 'the replica to be dropped');
    expect(server.output()).toMatch(
      /Client id=\d+ addr=127\.0\.0\.1:\d+ .*flags=S .* scheduled to be closed ASAP for overcoming of output buffer limits\./,
    );
  });

  it('lets a second replica attach to a disk sync already running for the first', async () => {
    const { server, admin } = await master([
      '--repl-diskless-sync',
      'no',
      '--rdb-key-save-delay',
      '1000',
    ]);
    await fillKeys(admin, 500);
    const first = await handshake(server.port);
    first.send('PSYNC', '?', '-1');
    await first.waitFor(/^\+FULLRESYNC [0-9a-f]{40} (\d+)/, '+FULLRESYNC');
    await admin.call('SET', 'between', '1');
    const second = await handshake(server.port);
    second.send('PSYNC', '?', '-1');
    const a = await first.waitFor(/\+FULLRESYNC [0-9a-f]{40} (\d+)/, 'first offset');
    const b = await second.waitFor(/^\+FULLRESYNC [0-9a-f]{40} (\d+)/, 'second offset');
    // Same snapshot, same starting offset, same buffered stream afterwards.
    expect(b[1]).toBe(a[1]);
    expect(server.output()).toContain('Waiting for end of BGSAVE for SYNC');
    for (const r of [first, second])
      await r.waitFor(/\$7\r\nbetween\r\n/, 'the write made during the snapshot', 15_000);
    expect(infoField(await admin.call('INFO', 'stats'), 'sync_full')).toBe('2');
    expect(await admin.call('BGSAVE')).toBe('+Background saving started\r\n');
  }, 25_000);

  it('answers REPLCONF and PSYNC argument errors as Redis does', async () => {
    const { server, admin } = await master([]);
    expect(await admin.call('REPLCONF', 'listening-port')).toBe('-ERR syntax error\r\n');
    expect(await admin.call('REPLCONF', 'listening-port', 'abc')).toBe(
      '-ERR value is not an integer or out of range\r\n',
    );
    expect(await admin.call('REPLCONF', 'foo', '1')).toBe(
      '-ERR Unrecognized REPLCONF option: foo\r\n',
    );
    expect(await admin.call('REPLCONF', 'capa', 'whatever')).toBe('+OK\r\n');
    expect(await admin.call('PSYNC', 'a', 'b')).toBe(
      '-ERR value is not an integer or out of range\r\n',
    );
    expect(await admin.call('ROLE')).toBe('*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n');
    void server;
  });
});
