import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startResplica, type RunningServer } from '../helpers/processes.js';
import { encodeCommand, RawClient } from '../helpers/resp.js';
import { infoField, removeTempDirs, tempDir, until } from '../helpers/persistence.js';
import { onCommands } from '../helpers/replication.js';

/**
 * The replica side against a master driven by hand: the handshake resplica
 * sends, keep-alive newlines before the payload, a corrupt RDB refused
 * without touching the dataset, then a good diskless one, the first ACK,
 * offsets counted to the byte of complete commands, and REPLCONF GETACK.
 */

const started: RunningServer[] = [];
const servers: net.Server[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(started.splice(0).map((s) => s.stop()));
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

afterAll(() => removeTempDirs());

const REPLID = 'a'.repeat(40);
/** An empty RDB: header, EOF, and a zero checksum (rdbchecksum no). */
const EMPTY_RDB = Buffer.concat([
  Buffer.from('REDIS0009', 'latin1'),
  Buffer.from([0xff]),
  Buffer.alloc(8),
]);
/** The same with a checksum that cannot match. */
const BAD_RDB = Buffer.concat([
  Buffer.from('REDIS0009', 'latin1'),
  Buffer.from([0xff]),
  Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
]);

/** One connection from the replica, as the fake master sees it. */
interface Link {
  socket: net.Socket;
  commands: string[][];
}

/** A master that answers the handshake and lets the test decide the rest. */
async function fakeMaster(
  onPsync: (link: Link, argv: string[]) => void,
): Promise<{ port: number; links: Link[] }> {
  const links: Link[] = [];
  const server = net.createServer((socket) => {
    const link: Link = { socket, commands: [] };
    links.push(link);
    socket.on('error', () => undefined);
    onCommands(socket, (argv) => {
      link.commands.push(argv);
      const name = argv[0]!.toUpperCase();
      if (name === 'PING') socket.write('+PONG\r\n');
      else if (name === 'AUTH') socket.write('+OK\r\n');
      else if (name === 'REPLCONF' && argv[1]?.toUpperCase() !== 'ACK') socket.write('+OK\r\n');
      else if (name === 'PSYNC' || name === 'SYNC') onPsync(link, argv);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, links };
}

describe('replication: the replica side against a hand-driven master', () => {
  it('refuses a corrupt RDB without touching its data, then syncs, ACKs and counts offsets to the byte', async () => {
    const stream = [
      encodeCommand(['PING']),
      encodeCommand(['SELECT', '2']),
      encodeCommand(['SET', 'k', 'v']),
    ];
    const applied = stream.reduce((n, b) => n + b.length, 0);
    const master = await fakeMaster((link) => {
      const s = link.socket;
      if (link === master.links[0]) {
        // Newlines first (the master is alive, the RDB is not ready), then a bad payload.
        s.write(`+FULLRESYNC ${REPLID} 100\r\n\n\n$${BAD_RDB.length}\r\n`);
        s.write(BAD_RDB);
        return;
      }
      const mark = 'm'.repeat(40);
      s.write(`+FULLRESYNC ${REPLID} 100\r\n\n$EOF:${mark}\r\n`);
      s.write(Buffer.concat([EMPTY_RDB, Buffer.from(mark)]));
    });
    const server = await startResplica(['--dir', tempDir('resplica-fake-master-')]);
    started.push(server);
    const admin = await RawClient.connect(server.port);
    clients.push(admin);
    expect(await admin.call('SET', 'kept', '1')).toBe('+OK\r\n');
    expect(await admin.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');

    await until(
      () => server.output().includes('Failed trying to load the MASTER synchronization DB'),
      'the corrupt payload to be refused',
    );
    // Nothing was flushed for a payload that could not be loaded.
    expect(await admin.call('GET', 'kept')).toBe('$1\r\n1\r\n');
    expect(server.output()).not.toContain('MASTER <-> REPLICA sync: Flushing old data');
    const handshake = master.links[0]!.commands.map((argv) => argv.join(' '));
    expect(handshake).toEqual([
      'PING',
      `REPLCONF listening-port ${server.port}`,
      'REPLCONF capa eof capa psync2',
      // A master turned replica offers its own history first.
      expect.stringMatching(/^PSYNC [0-9a-f]{40} 1$/),
    ]);

    // The cron retries; the second payload is good (diskless framing).
    await until(() => master.links.length === 2, 'the replica to retry', 5_000);
    const second = master.links[1]!;
    await until(
      () => second.commands.some((argv) => argv.join(' ') === 'REPLCONF ACK 100'),
      'the first ACK after the diskless load',
    );
    expect(await admin.call('GET', 'kept')).toBe('$-1\r\n');
    expect(server.output()).toContain(
      'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk',
    );

    // Three complete commands and half of a fourth: only the complete ones count.
    const partial = encodeCommand(['SET', 'half', 'done']);
    second.socket.write(Buffer.concat([...stream, partial.subarray(0, 7)]));
    await until(
      async () =>
        infoField(await admin.call('INFO', 'replication'), 'slave_repl_offset') ===
        String(100 + applied),
      'the stream to be applied',
    );
    const info = await admin.call('INFO', 'replication');
    expect(infoField(info, 'slave_read_repl_offset')).toBe(String(100 + applied + 7));
    expect(infoField(info, 'master_repl_offset')).toBe(String(100 + applied));
    expect(infoField(info, 'master_replid')).toBe(REPLID);
    await admin.call('SELECT', '2');
    expect(await admin.call('GET', 'k')).toBe('$1\r\nv\r\n');

    // GETACK is answered at once with the offset before it.
    second.socket.write(
      Buffer.concat([partial.subarray(7), encodeCommand(['REPLCONF', 'GETACK', '*'])]),
    );
    const expected = `REPLCONF ACK ${100 + applied + partial.length}`;
    await until(
      () => second.commands.some((argv) => argv.join(' ') === expected),
      `${expected} from the replica`,
    );
    expect(await admin.call('GET', 'half')).toBe('$4\r\ndone\r\n');
    expect(await admin.call('CLIENT', 'LIST', 'TYPE', 'master')).toMatch(/flags=M db=2 /);
  }, 30_000);

  it('falls back to SYNC when the master does not know PSYNC, and sends it no ACKs', async () => {
    const master = await fakeMaster((link, argv) => {
      if (argv[0] === 'PSYNC') {
        link.socket.write("-ERR unknown command 'PSYNC', with args beginning with: '?' '-1' \r\n");
        return;
      }
      // SYNC: the bulk payload straight away, then the stream.
      link.socket.write(`$${EMPTY_RDB.length}\r\n`);
      link.socket.write(Buffer.concat([EMPTY_RDB, encodeCommand(['SET', 'from-sync', 'yes'])]));
    });
    const server = await startResplica(['--dir', tempDir('resplica-sync-fallback-')]);
    started.push(server);
    const admin = await RawClient.connect(server.port);
    clients.push(admin);
    expect(await admin.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
    await until(
      async () => (await admin.call('GET', 'from-sync')) === '$3\r\nyes\r\n',
      'the stream after SYNC to be applied',
    );
    const output = server.output();
    expect(output).toContain(
      "Master does not support PSYNC or is in error state (reply: -ERR unknown command 'PSYNC'",
    );
    expect(output).toContain('Retrying with SYNC...');
    expect(output).toContain('MASTER <-> REPLICA sync: Finished with success');
    const link = master.links[0]!;
    expect(link.commands.map((argv) => argv[0])).toEqual([
      'PING',
      'REPLCONF',
      'REPLCONF',
      'PSYNC',
      'SYNC',
    ]);
    // The replica's cron ACKs every second: after two of its periods, none
    // may have reached a pre-PSYNC master (an absence needs a time bound).
    const linkedAt = Date.now();
    await until(() => Date.now() - linkedAt > 2_200, 'two cron periods');
    expect(link.commands.some((argv) => argv[0] === 'REPLCONF' && argv[1] === 'ACK')).toBe(false);
  });

  it('sends AUTH with masteruser/masterauth and announces replica-announce-ip/port', async () => {
    const master = await fakeMaster(() => undefined);
    const server = await startResplica([
      '--masteruser',
      'repl',
      '--masterauth',
      'secret',
      '--replica-announce-ip',
      '10.0.0.9',
      '--replica-announce-port',
      '7777',
    ]);
    started.push(server);
    const admin = await RawClient.connect(server.port);
    clients.push(admin);
    expect(await admin.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
    await until(
      () => master.links.some((l) => l.commands.some((argv) => argv[0] === 'PSYNC')),
      'the handshake',
    );
    const link = master.links.find((l) => l.commands.some((argv) => argv[0] === 'PSYNC'))!;
    expect(link.commands.map((argv) => argv.join(' '))).toEqual([
      'PING',
      'AUTH repl secret',
      'REPLCONF listening-port 7777',
      'REPLCONF ip-address 10.0.0.9',
      'REPLCONF capa eof capa psync2',
      expect.stringMatching(/^PSYNC [0-9a-f]{40} 1$/),
    ]);
    expect(await admin.call('ROLE')).toContain('handshake');
  }, 30_000);

  it('reports the transfer in INFO and ROLE, and times out a master that stops sending', async () => {
    const master = await fakeMaster((link) => {
      // 10 of 1000 announced bytes (an RDB header and an opcode's first
      // byte, nothing the replica can refuse yet), then silence.
      link.socket.write(`+FULLRESYNC ${REPLID} 0\r\n$1000\r\nREDIS0009\xfa`, 'latin1');
    });
    const server = await startResplica(['--repl-timeout', '1']);
    started.push(server);
    const admin = await RawClient.connect(server.port);
    clients.push(admin);
    await admin.call('REPLICAOF', '127.0.0.1', String(master.port));
    await until(
      async () => /master_sync_read_bytes:10\r/.test(await admin.call('INFO', 'replication')),
      'the first bytes of the transfer',
    );
    const info = await admin.call('INFO', 'replication');
    expect(infoField(info, 'master_sync_in_progress')).toBe('1');
    expect(infoField(info, 'master_sync_total_bytes')).toBe('1000');
    expect(infoField(info, 'master_sync_left_bytes')).toBe('990');
    expect(infoField(info, 'master_sync_perc')).toBe('1.00');
    expect(infoField(info, 'master_link_status')).toBe('down');
    expect(await admin.call('ROLE')).toContain('$4\r\nsync\r\n');
    await until(
      () => server.output().includes('Timeout receiving bulk data from MASTER...'),
      'the transfer timeout',
    );
    // And it tries again.
    await until(() => master.links.length >= 2, 'a new attempt');
  }, 30_000);

  it('times out a silent stream, reconnects with PSYNC and follows a changed replication id', async () => {
    const newId = 'b'.repeat(40);
    const master = await fakeMaster((link) => {
      if (link === master.links[0]) {
        const mark = 'e'.repeat(40);
        link.socket.write(`+FULLRESYNC ${REPLID} 500\r\n$EOF:${mark}\r\n`);
        link.socket.write(Buffer.concat([EMPTY_RDB, Buffer.from(mark)]));
        return;
      }
      link.socket.write(`+CONTINUE ${newId}\r\n`);
      link.socket.write(encodeCommand(['SET', 'b', '2']));
    });
    const server = await startResplica([
      '--repl-timeout',
      '1',
      '--dir',
      tempDir('resplica-replica-'),
    ]);
    started.push(server);
    const admin = await RawClient.connect(server.port);
    clients.push(admin);
    await admin.call('REPLICAOF', '127.0.0.1', String(master.port));
    // As a real master, stream only once the replica ACKed the diskless load.
    await until(
      () =>
        master.links[0]?.commands.some((argv) => argv.join(' ') === 'REPLCONF ACK 500') === true,
      'the first ACK',
    );
    master.links[0]!.socket.write(encodeCommand(['SET', 'a', '1']));
    await until(
      async () => (await admin.call('GET', 'b')) === '$1\r\n2\r\n',
      'the resumed stream',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${server.output()}`);
    });
    expect(server.output()).toContain('MASTER timeout: no data nor PING received...');
    const setA = encodeCommand(['SET', 'a', '1']).length;
    expect(master.links[1]!.commands.find((argv) => argv[0] === 'PSYNC')).toEqual([
      'PSYNC',
      REPLID,
      String(500 + setA + 1),
    ]);
    expect(server.output()).toContain(`Master replication ID changed to ${newId}`);
    const info = await admin.call('INFO', 'replication');
    expect(infoField(info, 'master_replid')).toBe(newId);
    expect(infoField(info, 'master_replid2')).toBe(REPLID);
    expect(infoField(info, 'second_repl_offset')).toBe(String(500 + setA + 1));
  }, 30_000);

  it('survives a master that answers +CONTINUE to PSYNC ? -1, and logs commands it cannot apply', async () => {
    const master = await fakeMaster((link) => {
      if (link === master.links[0]) {
        link.socket.write('+CONTINUE\r\n');
        return;
      }
      link.socket.write(`+FULLRESYNC ${REPLID} 0\r\n$${EMPTY_RDB.length}\r\n`);
      link.socket.write(
        Buffer.concat([
          EMPTY_RDB,
          encodeCommand(['NOSUCHCMD', 'x']),
          encodeCommand(['SET', 'k', 'v']),
        ]),
      );
    });
    const server = await startResplica([
      '--dir',
      tempDir('resplica-replica-'),
      '--replicaof',
      '127.0.0.1',
      String(master.port),
    ]);
    started.push(server);
    const admin = await RawClient.connect(server.port);
    clients.push(admin);
    await until(async () => (await admin.call('GET', 'k')) === '$1\r\nv\r\n', 'the stream');
    expect(server.output()).toContain('Unexpected reply to PSYNC from master: +CONTINUE');
    expect(server.output()).toContain(
      "== CRITICAL == This replica is sending an error to its master: 'ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' ' after processing the command '<unknown>'",
    );
    // Both commands count in the offset: the stream is followed byte by byte.
    expect(infoField(await admin.call('INFO', 'replication'), 'slave_repl_offset')).toBe(
      String(encodeCommand(['NOSUCHCMD', 'x']).length + encodeCommand(['SET', 'k', 'v']).length),
    );
  }, 30_000);
});
