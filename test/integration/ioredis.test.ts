import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startResplica, type RunningServer } from '../helpers/processes.js';

/**
 * The built server driven by ioredis, the most used Node client: its connect
 * sequence (CLIENT SETNAME, CLIENT SETINFO, SELECT, the INFO ready check),
 * pipelines, auto-pipelining, Buffers, AUTH and its reconnect logic must all
 * work without the client reporting a single error or warning.
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

describe('ioredis against resplica', () => {
  let server: RunningServer;
  let authServer: RunningServer;
  const clients: Redis[] = [];
  /** Every `error` event any client emitted, and every process warning. */
  const problems: string[] = [];
  const onWarning = (w: Error): void => {
    problems.push(`warning: ${w.message}`);
  };
  // ioredis reports some server answers it dislikes with console.warn.
  const realWarn = console.warn;

  function connect(options: RedisOptions = {}, target: RunningServer = server): Redis {
    const client = new Redis({
      host: '127.0.0.1',
      port: target.port,
      // A failing test should fail fast, not retry for a minute.
      maxRetriesPerRequest: 2,
      ...options,
    });
    client.on('error', (err: Error) => problems.push(`client error: ${err.message}`));
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    process.on('warning', onWarning);
    console.warn = (...args: unknown[]) =>
      problems.push(`console.warn: ${args.map(String).join(' ')}`);
    [server, authServer] = await Promise.all([
      startResplica(),
      startResplica(['--requirepass', 's3cret']),
    ]);
  });

  afterEach(() => {
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    process.off('warning', onWarning);
    console.warn = realWarn;
    for (const c of clients) c.disconnect();
    await Promise.all([server?.stop(), authServer?.stop()]);
  });

  it('connects, passes the ready check and answers PING', async () => {
    const r = connect();
    expect(await r.ping()).toBe('PONG');
    expect(r.status).toBe('ready');
    // The ready check parses INFO and waits while `loading` is not 0.
    const info = await r.info();
    expect(info).toMatch(/^redis_version:7\.0\.15\r$/m);
    expect(info).toMatch(/^loading:0\r$/m);
  });

  it('runs string and key commands with the replies ioredis expects', async () => {
    const r = connect();
    expect(await r.set('io:s', 'v1')).toBe('OK');
    expect(await r.get('io:s')).toBe('v1');
    expect(await r.set('io:s', 'v2', 'GET')).toBe('v1');
    expect(await r.set('io:s', 'x', 'NX')).toBeNull();
    expect(await r.append('io:s', '-tail')).toBe(7);
    expect(await r.strlen('io:s')).toBe(7);
    expect(await r.getrange('io:s', 0, 1)).toBe('v2');
    expect(await r.incr('io:n')).toBe(1);
    expect(await r.incrby('io:n', 41)).toBe(42);
    expect(await r.incrbyfloat('io:n', '0.5')).toBe('42.5');
    expect(await r.mset({ 'io:a': '1', 'io:b': '2' })).toBe('OK');
    expect(await r.mget('io:a', 'io:b', 'io:missing')).toEqual(['1', '2', null]);
    expect(await r.exists('io:a', 'io:b', 'io:missing')).toBe(2);
    expect(await r.type('io:a')).toBe('string');
    expect(await r.rename('io:a', 'io:c')).toBe('OK');
    expect((await r.keys('io:*')).sort()).toEqual(['io:b', 'io:c', 'io:n', 'io:s']);
    expect(await r.expire('io:c', 100)).toBe(1);
    const ttl = await r.ttl('io:c');
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await r.persist('io:c')).toBe(1);
    expect(await r.ttl('io:c')).toBe(-1);
    expect(await r.del('io:b', 'io:c', 'io:missing')).toBe(2);
    await expect(r.incr('io:s')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  it('iterates the keyspace with scanStream', async () => {
    const r = connect();
    const written = Array.from({ length: 250 }, (_, i) => `io:scan:${i}`);
    await r.mset(Object.fromEntries(written.map((k) => [k, 'x'])));
    const seen = new Set<string>();
    const stream = r.scanStream({ match: 'io:scan:*', count: 50 });
    for await (const batch of stream) for (const key of batch as string[]) seen.add(key);
    expect([...seen].sort()).toEqual([...written].sort());
  });

  it('a pipeline of 1000 commands returns 1000 replies in order', async () => {
    const r = connect();
    const p = r.pipeline();
    for (let i = 0; i < 500; i++) p.set(`io:p:${i}`, String(i));
    for (let i = 0; i < 499; i++) p.get(`io:p:${i}`);
    p.incr('io:p:0');
    const results = await p.exec();
    expect(results).toHaveLength(1000);
    for (let i = 0; i < 500; i++) expect(results![i]).toEqual([null, 'OK']);
    for (let i = 0; i < 499; i++) expect(results![500 + i]).toEqual([null, String(i)]);
    expect(results![999]).toEqual([null, 1]);
  });

  it('auto-pipelining batches concurrent commands without MULTI', async () => {
    const r = connect({ enableAutoPipelining: true });
    await r.ping();
    const writes = Array.from({ length: 300 }, (_, i) => r.set(`io:auto:${i}`, `v${i}`));
    expect(await Promise.all(writes)).toEqual(Array(300).fill('OK'));
    const reads = await Promise.all(Array.from({ length: 300 }, (_, i) => r.get(`io:auto:${i}`)));
    expect(reads).toEqual(Array.from({ length: 300 }, (_, i) => `v${i}`));
    expect(r.autoPipelineQueueSize).toBe(0);
  });

  it('Buffer keys and values carrying every byte value round-trip unchanged', async () => {
    const r = connect();
    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const key = Buffer.concat([Buffer.from('io:bin:'), allBytes]);
    const value = Buffer.concat([allBytes, Buffer.from('\r\n$-1\r\n'), allBytes.reverse()]);
    expect(await r.set(key, value)).toBe('OK');
    expect((await r.getBuffer(key))!.equals(value)).toBe(true);
    expect(await r.strlen(key)).toBe(value.length);
    expect(await r.exists(key)).toBe(1);
    const keys = await r.keysBuffer('io:bin:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]!.equals(key)).toBe(true);
    expect(await r.append(key, Buffer.from([0, 255]))).toBe(value.length + 2);
    expect((await r.getrangeBuffer(key, -2, -1)).equals(Buffer.from([0, 255]))).toBe(true);
  });

  it('a key set with PX disappears once it expires', async () => {
    const r = connect();
    expect(await r.set('io:ttl', 'soon gone', 'PX', 150)).toBe('OK');
    const pttl = await r.pttl('io:ttl');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(150);
    await until(async () => (await r.get('io:ttl')) === null);
    expect(await r.exists('io:ttl')).toBe(0);
    expect(await r.pttl('io:ttl')).toBe(-2);
  });

  it('the db option selects a database and SELECT switches it', async () => {
    const inDb3 = connect({ db: 3 });
    const inDb0 = connect();
    await inDb3.set('io:db', 'three');
    expect(await inDb0.get('io:db')).toBeNull();
    expect(await inDb3.get('io:db')).toBe('three');
    expect(await inDb0.select(3)).toBe('OK');
    expect(await inDb0.get('io:db')).toBe('three');
    await expect(inDb0.select(16)).rejects.toThrow('ERR DB index is out of range');
  });

  it('connectionName names the connection with CLIENT SETNAME', async () => {
    const r = connect({ connectionName: 'io-named' });
    expect(await r.client('GETNAME')).toBe('io-named');
    const list = (await r.client('LIST')) as string;
    expect(list).toMatch(/ name=io-named /);
  });

  it('the password option authenticates against requirepass', async () => {
    const r = connect({ password: 's3cret' }, authServer);
    expect(await r.set('io:auth', 'ok')).toBe('OK');
    expect(await r.get('io:auth')).toBe('ok');

    const named = connect(
      { username: 'default', password: 's3cret', connectionName: 'io-auth' },
      authServer,
    );
    expect(await named.client('GETNAME')).toBe('io-auth');
  });

  it('a client without the password is refused with NOAUTH', async () => {
    const r = connect({ enableReadyCheck: false, lazyConnect: true }, authServer);
    await r.connect();
    await expect(r.get('io:auth')).rejects.toThrow('NOAUTH Authentication required.');
    await expect(r.auth('wrong')).rejects.toThrow(
      'WRONGPASS invalid username-password pair or user is disabled.',
    );
    expect(await r.auth('s3cret')).toBe('OK');
    expect(await r.get('io:auth')).toBe('ok');
  });

  it('monitor() receives parsed MONITOR events, passwords redacted', async () => {
    const r = connect();
    const monitor = await r.monitor();
    clients.push(monitor);
    const events: Array<{ args: string[]; source: string; database: string }> = [];
    monitor.on('monitor', (_time: string, args: string[], source: string, database: string) =>
      events.push({ args, source, database }),
    );
    const worker = connect({ db: 6 });
    await worker.auth('not-configured').catch(() => undefined);
    await worker.set('io:mon', 'quoted "value"');
    await until(async () => events.some((e) => e.args[0] === 'set'));
    const seen = events.filter((e) => e.args[0] !== 'client' && e.args[0] !== 'info');
    expect(seen.map((e) => e.args)).toEqual([
      ['select', '6'],
      ['auth', '(redacted)'],
      ['set', 'io:mon', 'quoted "value"'],
    ]);
    expect(seen.every((e) => e.database === '6' && /^127\.0\.0\.1:\d+$/.test(e.source))).toBe(true);
  });

  it('quit() gets OK and ends the connection cleanly', async () => {
    const r = connect();
    await r.set('io:quit', '1');
    expect(await r.quit()).toBe('OK');
    await until(async () => r.status === 'end');
  });

  it('connects over the unix socket with the path option', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'resplica-io-'));
    const socketPath = path.join(dir, 'redis.sock');
    const unixServer = await startResplica(['--unixsocket', socketPath]);
    try {
      const r = new Redis({ path: socketPath, maxRetriesPerRequest: 2 });
      r.on('error', (err: Error) => problems.push(`client error: ${err.message}`));
      clients.push(r);
      expect(await r.set('io:unix', 'yes')).toBe('OK');
      const info = (await r.client('INFO')) as string;
      expect(info).toContain(` addr=${socketPath}:0 `);
      expect(info).toMatch(/ flags=U /);
      r.disconnect();
    } finally {
      await unixServer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reconnects after CLIENT KILL and restores name and database', async () => {
    const victim = connect({ connectionName: 'io-victim', db: 2, retryStrategy: () => 10 });
    const admin = connect();
    await victim.set('io:victim', 'before');
    const id = (await victim.client('ID')) as number;
    let reconnects = 0;
    victim.on('reconnecting', () => reconnects++);

    expect(await admin.client('KILL', 'ID', String(id))).toBe(1);
    await until(async () => reconnects > 0 && victim.status === 'ready');

    expect(await victim.get('io:victim')).toBe('before');
    expect(await victim.client('GETNAME')).toBe('io-victim');
    expect(await victim.client('ID')).not.toBe(id);
  });
});
