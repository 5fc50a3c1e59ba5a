import net from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startResplica, type RunningServer } from '../helpers/processes.js';
import { RawClient, encodeCommand } from '../helpers/resp.js';

/**
 * Pub/sub and keyspace notifications: message shapes over raw RESP2 and RESP3,
 * the subscribed-mode rules, introspection, cleanup on RESET and disconnect,
 * the pubsub output-buffer limit, and the ioredis / node-redis subscriber APIs.
 */

/** Polls `check` until it returns true (bounded), instead of sleeping. */
async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached in time');
}

describe('pub/sub', () => {
  let server: RunningServer;
  const raws: RawClient[] = [];

  async function raw(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    raws.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startResplica();
  });

  afterEach(async () => {
    for (const c of raws.splice(0)) c.close();
    // Let the server see the disconnects before the next test counts subscribers.
    const probe = await RawClient.connect(server.port);
    await until(async () => (await probe.call('PUBSUB', 'NUMPAT')) === ':0\r\n');
    probe.close();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('delivers messages and pattern messages in RESP2 array shape', async () => {
    const sub = await raw();
    const pub = await raw();
    expect(await sub.call('SUBSCRIBE', 'news', 'sport')).toBe(
      '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n',
    );
    expect((await sub.readReply()).toString()).toBe(
      '*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n',
    );
    expect(await sub.call('PSUBSCRIBE', 'n*')).toBe(
      '*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n',
    );
    expect(await pub.call('PUBLISH', 'news', 'hello')).toBe(':2\r\n');
    expect((await sub.readReply()).toString()).toBe(
      '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n',
    );
    expect((await sub.readReply()).toString()).toBe(
      '*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n',
    );
    expect(await pub.call('PUBLISH', 'nobody', 'x')).toBe(':1\r\n');
    expect(await pub.call('PUBLISH', 'zzz', 'x')).toBe(':0\r\n');
  });

  it('uses push frames in RESP3 and allows any command while subscribed', async () => {
    const sub = await raw();
    await sub.call('HELLO', '3');
    expect(await sub.call('SUBSCRIBE', 'c3')).toBe('>3\r\n$9\r\nsubscribe\r\n$2\r\nc3\r\n:1\r\n');
    expect(await sub.call('SET', 'k', 'v')).toBe('+OK\r\n');
    expect(await sub.call('PING')).toBe('+PONG\r\n');
    // Publishing to itself: the push arrives before PUBLISH's own reply.
    sub.send('PUBLISH', 'c3', 'me');
    expect((await sub.readReply()).toString()).toBe(
      '>3\r\n$7\r\nmessage\r\n$2\r\nc3\r\n$2\r\nme\r\n',
    );
    expect((await sub.readReply()).toString()).toBe(':1\r\n');
    expect(await sub.call('UNSUBSCRIBE')).toBe('>3\r\n$11\r\nunsubscribe\r\n$2\r\nc3\r\n:0\r\n');
    expect(await sub.call('UNSUBSCRIBE')).toBe('>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n');
  });

  it('restricts a RESP2 subscriber to the subscribe family, PING, QUIT and RESET', async () => {
    const sub = await raw();
    await sub.call('SUBSCRIBE', 'x');
    expect(await sub.call('GET', 'k')).toBe(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    expect(await sub.call('CONFIG', 'GET', 'port')).toMatch(/Can't execute 'config\|get'/);
    expect(await sub.call('PING')).toBe('*2\r\n$4\r\npong\r\n$0\r\n\r\n');
    expect(await sub.call('PING', 'hi')).toBe('*2\r\n$4\r\npong\r\n$2\r\nhi\r\n');
    expect(await sub.call('UNSUBSCRIBE', 'x')).toBe(
      '*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:0\r\n',
    );
    expect(await sub.call('GET', 'nokey')).toBe('$-1\r\n');
    expect(await sub.call('PUNSUBSCRIBE')).toBe('*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n');
  });

  it('answers PUBSUB CHANNELS, NUMSUB, NUMPAT and the shard variants', async () => {
    const a = await raw();
    const b = await raw();
    const q = await raw();
    await a.call('SUBSCRIBE', 'alpha');
    await b.call('SUBSCRIBE', 'alpha');
    await b.call('SUBSCRIBE', 'beta');
    await a.call('PSUBSCRIBE', 'a*');
    await b.call('PSUBSCRIBE', 'a*');
    await b.call('SSUBSCRIBE', 'shard1');
    const channels = (await q.call('PUBSUB', 'CHANNELS')).split('\r\n');
    expect(channels[0]).toBe('*2');
    expect(channels.filter((l) => l === 'alpha' || l === 'beta').sort()).toEqual(['alpha', 'beta']);
    expect(await q.call('PUBSUB', 'CHANNELS', 'b*')).toBe('*1\r\n$4\r\nbeta\r\n');
    expect(await q.call('PUBSUB', 'NUMSUB', 'alpha', 'none')).toBe(
      '*4\r\n$5\r\nalpha\r\n:2\r\n$4\r\nnone\r\n:0\r\n',
    );
    expect(await q.call('PUBSUB', 'NUMPAT')).toBe(':1\r\n');
    expect(await q.call('PUBSUB', 'SHARDCHANNELS')).toBe('*1\r\n$6\r\nshard1\r\n');
    expect(await q.call('PUBSUB', 'SHARDNUMSUB', 'shard1')).toBe('*2\r\n$6\r\nshard1\r\n:1\r\n');
    expect(await q.call('SPUBLISH', 'shard1', 'm')).toBe(':1\r\n');
    const info = await q.call('INFO', 'stats');
    expect(info).toContain('pubsub_channels:2\r\n');
    expect(info).toContain('pubsub_patterns:1\r\n');
    expect(info).toContain('pubsubshard_channels:1\r\n');
    const list = await q.call('CLIENT', 'LIST');
    expect(list).toMatch(/flags=P .*sub=2 psub=1 ssub=1 /);
  });

  it('RESET and disconnection remove every subscription', async () => {
    const a = await raw();
    const q = await raw();
    await a.call('SUBSCRIBE', 'gone');
    await a.call('PSUBSCRIBE', 'g*');
    expect(await a.call('RESET')).toBe('+RESET\r\n');
    expect(await q.call('PUBSUB', 'NUMSUB', 'gone')).toBe('*2\r\n$4\r\ngone\r\n:0\r\n');
    expect(await q.call('PUBSUB', 'NUMPAT')).toBe(':0\r\n');
    const b = await raw();
    await b.call('SUBSCRIBE', 'gone');
    b.close();
    await until(async () => (await q.call('PUBLISH', 'gone', 'x')) === ':0\r\n');
  });

  it('publishes keyspace and keyevent notifications for the enabled classes', async () => {
    const sub = await raw();
    const c = await raw();
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEg$xn');
    try {
      await sub.call('PSUBSCRIBE', '__key*@0__:*');
      await c.call('SET', 'nk', 'v');
      const messages: string[] = [];
      for (let i = 0; i < 4; i++) {
        const parts = (await sub.readReply()).toString().split('\r\n');
        messages.push(`${parts[6]} ${parts[8]}`);
      }
      expect(messages).toEqual([
        '__keyspace@0__:nk new',
        '__keyevent@0__:new nk',
        '__keyspace@0__:nk set',
        '__keyevent@0__:set nk',
      ]);
      await c.call('DEL', 'nk');
      expect((await sub.readReply()).toString()).toContain('__keyspace@0__:nk\r\n$3\r\ndel\r\n');
      await sub.readReply();
      // Classes not enabled (l, h, m...) publish nothing.
      await c.call('GET', 'missing');
      await c.call('PSETEX', 'short', '1', 'v');
      const seen: string[] = [];
      await until(async () => {
        await c.call('EXISTS', 'short');
        while (seen.length < 10) {
          try {
            seen.push((await sub.readReply(50)).toString());
          } catch {
            break;
          }
        }
        return seen.some((m) => m.includes('expired'));
      });
      expect(seen.some((m) => m.includes('keymiss'))).toBe(false);
    } finally {
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });

  it('disconnects a subscriber that stops reading at the pubsub hard output limit', async () => {
    const c = await raw();
    await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 262144 0 0');
    try {
      const slow = net.connect({ port: server.port, host: '127.0.0.1' });
      await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
      let closed = false;
      slow.on('close', () => (closed = true));
      slow.on('error', () => (closed = true));
      slow.write(encodeCommand(['SUBSCRIBE', 'flood']));
      await until(async () => (await c.call('PUBSUB', 'NUMSUB', 'flood')).endsWith(':1\r\n'));
      // Stop reading: the kernel buffers fill, then the server's queue grows.
      slow.pause();
      const payload = 'x'.repeat(64 * 1024);
      await until(async () => {
        for (let i = 0; i < 50; i++) c.send('PUBLISH', 'flood', payload);
        for (let i = 0; i < 50; i++) await c.readReply();
        return (await c.call('PUBSUB', 'NUMSUB', 'flood')).endsWith(':0\r\n');
      }, 15000);
      slow.destroy();
      expect(closed || slow.destroyed).toBe(true);
    } finally {
      await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 33554432 8388608 60');
    }
  });

  it('serves ioredis subscribe and psubscribe', async () => {
    const sub = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
    const pub = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
    try {
      await sub.connect();
      await pub.connect();
      const got: string[] = [];
      sub.on('message', (channel: string, message: string) => got.push(`${channel}:${message}`));
      sub.on('pmessage', (pattern: string, channel: string, message: string) =>
        got.push(`${pattern}|${channel}:${message}`),
      );
      expect(await sub.subscribe('io1', 'io2')).toBe(2);
      expect(await sub.psubscribe('io*')).toBe(3);
      expect(await pub.publish('io1', 'a')).toBe(2);
      await until(async () => got.length === 2);
      expect(got.sort()).toEqual(['io*|io1:a', 'io1:a']);
      // (ioredis's argument-less unsubscribe() never resolves, against Redis too.)
      await sub.unsubscribe('io1', 'io2');
      await sub.punsubscribe('io*');
      expect(await sub.get('afterwards')).toBeNull();
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  it('serves node-redis subscribe (RESP2 and RESP3)', async () => {
    for (const RESP of [2, 3] as const) {
      const sub = createClient({ socket: { host: '127.0.0.1', port: server.port }, RESP });
      const pub = createClient({ socket: { host: '127.0.0.1', port: server.port } });
      await sub.connect();
      await pub.connect();
      try {
        const got: string[] = [];
        await sub.subscribe('nr', (message, channel) => got.push(`${channel}:${message}`));
        await sub.pSubscribe('n*', (message, channel) => got.push(`p ${channel}:${message}`));
        expect(await pub.publish('nr', 'hello')).toBe(2);
        await until(async () => got.length === 2);
        expect(got.sort()).toEqual(['nr:hello', 'p nr:hello']);
        await sub.unsubscribe('nr');
        await sub.pUnsubscribe('n*');
      } finally {
        sub.destroy();
        pub.destroy();
      }
    }
  });
});
