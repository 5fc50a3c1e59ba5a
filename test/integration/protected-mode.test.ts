import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  redisServerAvailable,
  startRedis,
  startResplica,
  type RunningServer,
} from '../helpers/processes.js';
import { RawClient } from '../helpers/resp.js';

/**
 * Protected mode: with no password, connections from anything but loopback get
 * one DENIED error and are closed. A connection to this host's own
 * non-loopback address arrives from that address, which is enough to exercise
 * the rule without a second machine. The servers listen on loopback and that
 * one address only (not 0.0.0.0), so nothing else on the network can reach them.
 */

function nonLoopbackIPv4(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

const external = nonLoopbackIPv4();

if (external === null)
  console.warn('no non-loopback IPv4 address on this host: skipping protected-mode tests');

/** Everything the server sends before closing the connection. */
async function firstReplyThenClose(port: number, host: string): Promise<string> {
  const c = await RawClient.connect(port, host);
  try {
    c.send('PING');
    const reply = (await c.readReply()).toString();
    await c.waitClosed();
    return reply;
  } finally {
    c.close();
  }
}

describe.skipIf(external === null)('protected mode', () => {
  const host = external!;
  const servers: RunningServer[] = [];

  async function start(extra: string[]): Promise<RunningServer> {
    const s = await startResplica(['--bind', '127.0.0.1', host, ...extra]);
    servers.push(s);
    return s;
  }

  let guarded: RunningServer;

  beforeAll(async () => {
    guarded = await start(['--protected-mode', 'yes']);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('refuses a non-loopback client with DENIED and closes it', async () => {
    const reply = await firstReplyThenClose(guarded.port, host);
    expect(reply).toMatch(
      /^-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\. /,
    );
    expect(
      reply.endsWith(
        'NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n',
      ),
    ).toBe(true);
  });

  it.skipIf(!redisServerAvailable)('sends the same DENIED bytes as redis-server', async () => {
    const redis = await startRedis(['--bind', '127.0.0.1', host, '--protected-mode', 'yes']);
    servers.push(redis);
    expect(await firstReplyThenClose(guarded.port, host)).toBe(
      await firstReplyThenClose(redis.port, host),
    );
  });

  it('still serves loopback clients', async () => {
    const c = await RawClient.connect(guarded.port, '127.0.0.1');
    expect(await c.call('PING')).toBe('+PONG\r\n');
    c.close();
  });

  it('CONFIG SET protected-mode no opens the server to other addresses at once', async () => {
    const s = await start(['--protected-mode', 'yes']);
    const admin = await RawClient.connect(s.port, '127.0.0.1');
    expect(await admin.call('CONFIG', 'SET', 'protected-mode', 'no')).toBe('+OK\r\n');
    const outside = await RawClient.connect(s.port, host);
    expect(await outside.call('PING')).toBe('+PONG\r\n');
    outside.close();
    admin.close();
  });

  it('a password lifts protected mode: outsiders are asked to authenticate', async () => {
    const s = await start(['--protected-mode', 'yes', '--requirepass', 'pm-secret']);
    const outside = await RawClient.connect(s.port, host);
    expect(await outside.call('PING')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await outside.call('AUTH', 'pm-secret')).toBe('+OK\r\n');
    expect(await outside.call('PING')).toBe('+PONG\r\n');
    outside.close();
  });

  it('protected-mode no accepts non-loopback clients', async () => {
    const s = await start(['--protected-mode', 'no']);
    const outside = await RawClient.connect(s.port, host);
    expect(await outside.call('PING')).toBe('+PONG\r\n');
    outside.close();
  });
});
