import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config.js';
import { Server } from '../../src/server/server.js';
import { Logger } from '../../src/server/log.js';
import { Client } from '../../src/server/client.js';
import { dispatch } from '../../src/server/dispatch.js';

/**
 * The propagation hook in call(), observed through the backlog: what a
 * command sends to replicas, and that nothing is encoded without a backlog.
 */

function setup(): { server: Server; client: Client; run: (...args: string[]) => void } {
  const log = new Logger();
  log.level = 'warning';
  // No save points: FLUSHALL would otherwise save dump.rdb into the cwd.
  const server = new Server(Config.fromArgv(['--save', '']).config, log);
  const client = new Client(1, new net.Socket(), server, null);
  const run = (...args: string[]): void => {
    dispatch(
      server,
      client,
      args.map((a) => Buffer.from(a, 'latin1')),
    );
    client.reply.discard();
  };
  return { server, client, run };
}

/** The stream since the backlog was created, with CRLF shown as spaces. */
function stream(server: Server): string {
  const backlog = server.replication.backlog!;
  return Buffer.concat(backlog.readFrom(backlog.firstByteOffset))
    .toString('latin1')
    .replace(/\r\n/g, ' ')
    .trim();
}

function resp(...args: string[]): string {
  return `*${args.length} ${args.map((a) => `$${a.length} ${a}`).join(' ')}`;
}

describe('propagation hook', () => {
  it('does no propagation work at all while no replica ever attached', () => {
    const { server, run } = setup();
    for (let i = 0; i < 1000; i++) run('SET', `k${i}`, 'v', 'EX', '100');
    run('MULTI');
    run('INCR', 'n');
    run('EXEC');
    expect(server.replication.propagator.encodedCommands).toBe(0);
    expect(server.replication.masterReplOffset).toBe(0);
    expect(server.replication.backlog).toBeNull();
  });

  it('sends writes with a lazy SELECT, reads not at all, and effects instead of text', () => {
    const { server, run } = setup();
    server.replication.createBacklog();
    run('SET', 'a', '1');
    run('GET', 'a');
    run('SELECT', '2');
    run('SADD', 's', 'x');
    run('SPOP', 's');
    run('INCRBYFLOAT', 'f', '1.5');
    expect(stream(server)).toBe(
      [
        resp('SELECT', '0'),
        resp('SET', 'a', '1'),
        resp('SELECT', '2'),
        resp('SADD', 's', 'x'),
        resp('SREM', 's', 'x'),
        resp('SET', 'f', '1.5', 'KEEPTTL'),
      ].join(' '),
    );
    expect(server.replication.masterReplOffset).toBe(server.replication.backlog!.endOffset);
  });

  it('turns relative expiry into absolute deadlines', () => {
    const { server, run } = setup();
    server.replication.createBacklog();
    run('SETEX', 'a', '100', 'v');
    run('GETEX', 'a', 'PX', '5000');
    run('GETEX', 'a', 'PERSIST');
    const text = stream(server);
    expect(text).toMatch(/\$3 SET \$1 a \$1 v \$4 PXAT \$13 \d{13}/);
    expect(text).toMatch(/\$9 PEXPIREAT \$1 a \$13 \d{13}/);
    expect(text).toContain(resp('PERSIST', 'a'));
  });

  it('wraps the writes of EXEC in one MULTI ... EXEC block, and skips read-only ones', () => {
    const { server, run } = setup();
    server.replication.createBacklog();
    run('MULTI');
    run('GET', 'x');
    run('EXEC');
    expect(server.replication.masterReplOffset).toBe(0);
    run('MULTI');
    run('SET', 'x', '1');
    run('GET', 'x');
    run('EXEC');
    expect(stream(server)).toBe(
      [resp('SELECT', '0'), resp('MULTI'), resp('SET', 'x', '1'), resp('EXEC')].join(' '),
    );
  });

  it('sends an expired key as DEL ahead of the command that found it', async () => {
    const { server, run } = setup();
    server.replication.createBacklog();
    run('SET', 'gone', 'v', 'PX', '1');
    const before = server.replication.masterReplOffset;
    await new Promise((r) => setTimeout(r, 5));
    run('GET', 'gone');
    const tail = stream(server);
    expect(server.replication.masterReplOffset).toBeGreaterThan(before);
    expect(tail.endsWith(resp('DEL', 'gone'))).toBe(true);
    // A read that only found an expired key is not itself propagated.
    expect(tail).not.toContain('GET');
  });

  it('propagates PUBLISH and a FLUSHALL of an empty dataset', () => {
    const { server, run } = setup();
    server.replication.createBacklog();
    run('PUBLISH', 'ch', 'hello');
    run('FLUSHALL');
    expect(stream(server)).toBe(
      [resp('SELECT', '0'), resp('PUBLISH', 'ch', 'hello'), resp('FLUSHALL')].join(' '),
    );
  });
});
