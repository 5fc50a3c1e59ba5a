import { createClient, RESP_TYPES, type RedisClientOptions } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startResplica, type RunningServer } from '../helpers/processes.js';

/**
 * The built server driven by node-redis v5: its handshake (AUTH or HELLO,
 * CLIENT SETNAME, SELECT, CLIENT SETINFO whose errors it ignores on 7.0),
 * pipelines, Buffers through type mapping, RESP3 and reconnects must all work
 * without the client emitting an error that the test did not provoke.
 */

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached in time');
}

describe('node-redis against resplica', () => {
  let server: RunningServer;
  let authServer: RunningServer;
  const opened: Array<{ destroy(): void; isOpen: boolean }> = [];
  /** Client `error` events and process warnings nobody provoked on purpose. */
  const problems: string[] = [];
  const onWarning = (w: Error): void => {
    problems.push(`warning: ${w.message}`);
  };

  async function connect<O extends RedisClientOptions>(options: O, target: RunningServer = server) {
    const client = createClient({
      ...options,
      socket: { host: '127.0.0.1', port: target.port, reconnectStrategy: false, ...options.socket },
    });
    client.on('error', (err: Error) => problems.push(`client error: ${err.message}`));
    opened.push(client);
    await client.connect();
    return client;
  }

  beforeAll(async () => {
    process.on('warning', onWarning);
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
    for (const c of opened) if (c.isOpen) c.destroy();
    await Promise.all([server?.stop(), authServer?.stop()]);
  });

  it('connects and answers PING', async () => {
    const r = await connect({});
    expect(await r.ping()).toBe('PONG');
    expect(r.isReady).toBe(true);
  });

  it('runs string and key commands with the replies node-redis expects', async () => {
    const r = await connect({});
    expect(await r.set('nr:s', 'v1')).toBe('OK');
    expect(await r.get('nr:s')).toBe('v1');
    expect(await r.set('nr:s', 'v2', { GET: true })).toBe('v1');
    expect(await r.set('nr:s', 'x', { condition: 'NX' })).toBeNull();
    expect(await r.append('nr:s', '-tail')).toBe(7);
    expect(await r.getRange('nr:s', 0, 1)).toBe('v2');
    expect(await r.incr('nr:n')).toBe(1);
    expect(await r.incrBy('nr:n', 41)).toBe(42);
    expect(await r.incrByFloat('nr:n', 0.5)).toBe('42.5');
    expect(await r.mSet({ 'nr:a': '1', 'nr:b': '2' })).toBe('OK');
    expect(await r.mGet(['nr:a', 'nr:b', 'nr:missing'])).toEqual(['1', '2', null]);
    expect(await r.exists(['nr:a', 'nr:b', 'nr:missing'])).toBe(2);
    expect(await r.type('nr:a')).toBe('string');
    expect(await r.rename('nr:a', 'nr:c')).toBe('OK');
    expect((await r.keys('nr:*')).sort()).toEqual(['nr:b', 'nr:c', 'nr:n', 'nr:s']);
    expect(await r.expire('nr:c', 100)).toBe(1);
    expect(await r.ttl('nr:c')).toBeGreaterThan(90);
    expect(await r.persist('nr:c')).toBe(1);
    expect(await r.del(['nr:b', 'nr:c', 'nr:missing'])).toBe(2);
    await expect(r.incr('nr:s')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  it('iterates the keyspace with scanIterator', async () => {
    const r = await connect({});
    const written = Array.from({ length: 250 }, (_, i) => `nr:scan:${i}`);
    await r.mSet(written.map((k) => [k, 'x'] as [string, string]));
    const seen = new Set<string>();
    for await (const batch of r.scanIterator({ MATCH: 'nr:scan:*', COUNT: 50 }))
      for (const key of batch) seen.add(key);
    expect([...seen].sort()).toEqual([...written].sort());
  });

  it('a pipeline of 1000 commands returns 1000 replies in order', async () => {
    const r = await connect({});
    const batch = r.multi();
    for (let i = 0; i < 500; i++) batch.set(`nr:p:${i}`, String(i));
    for (let i = 0; i < 499; i++) batch.get(`nr:p:${i}`);
    batch.incr('nr:p:0');
    // execAsPipeline sends the commands without MULTI/EXEC around them.
    const results = await batch.execAsPipeline();
    expect(results).toHaveLength(1000);
    expect(results.slice(0, 500)).toEqual(Array(500).fill('OK'));
    expect(results.slice(500, 999)).toEqual(Array.from({ length: 499 }, (_, i) => String(i)));
    expect(results[999]).toBe(1);
  });

  it('concurrent commands are batched into one write without MULTI', async () => {
    const r = await connect({});
    const writes = await Promise.all(
      Array.from({ length: 300 }, (_, i) => r.set(`nr:auto:${i}`, `v${i}`)),
    );
    expect(writes).toEqual(Array(300).fill('OK'));
    const reads = await Promise.all(Array.from({ length: 300 }, (_, i) => r.get(`nr:auto:${i}`)));
    expect(reads).toEqual(Array.from({ length: 300 }, (_, i) => `v${i}`));
  });

  it('Buffer keys and values carrying every byte value round-trip unchanged', async () => {
    const r = (await connect({})).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const key = Buffer.concat([Buffer.from('nr:bin:'), allBytes]);
    const value = Buffer.concat([
      allBytes,
      Buffer.from('\r\n*-1\r\n'),
      Buffer.from(allBytes).reverse(),
    ]);
    expect(await r.set(key, value)).toBe('OK');
    const read = await r.get(key);
    expect(Buffer.isBuffer(read) && read.equals(value)).toBe(true);
    expect(await r.strLen(key)).toBe(value.length);
    const keys = await r.keys('nr:bin:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]!.equals(key)).toBe(true);
  });

  it('a key set with PX disappears once it expires', async () => {
    const r = await connect({});
    expect(await r.set('nr:ttl', 'soon gone', { expiration: { type: 'PX', value: 150 } })).toBe(
      'OK',
    );
    expect(await r.pTTL('nr:ttl')).toBeGreaterThan(0);
    await until(async () => (await r.get('nr:ttl')) === null);
    expect(await r.pTTL('nr:ttl')).toBe(-2);
  });

  it('the database option selects a database and SELECT switches it', async () => {
    const inDb5 = await connect({ database: 5 });
    const inDb0 = await connect({});
    await inDb5.set('nr:db', 'five');
    expect(await inDb0.get('nr:db')).toBeNull();
    expect(await inDb5.get('nr:db')).toBe('five');
    await inDb0.select(5);
    expect(await inDb0.get('nr:db')).toBe('five');
    await expect(inDb0.select(16)).rejects.toThrow('ERR DB index is out of range');
  });

  it('the name option names the connection with CLIENT SETNAME', async () => {
    const r = await connect({ name: 'nr-named' });
    expect(await r.clientGetName()).toBe('nr-named');
    expect(await r.sendCommand(['CLIENT', 'LIST'])).toMatch(/ name=nr-named .* cmd=client\|list /);
    expect(await r.clientInfo()).toMatchObject({
      name: 'nr-named',
      db: 0,
      resp: 2,
      cmd: 'client|info',
    });
  });

  it('the password option authenticates against requirepass', async () => {
    const r = await connect({ password: 's3cret', name: 'nr-auth' }, authServer);
    expect(await r.set('nr:auth', 'ok')).toBe('OK');
    expect(await r.clientGetName()).toBe('nr-auth');
    const withUser = await connect({ username: 'default', password: 's3cret' }, authServer);
    expect(await withUser.get('nr:auth')).toBe('ok');
  });

  it('a wrong password fails the connect with WRONGPASS', async () => {
    const r = createClient({
      socket: { host: '127.0.0.1', port: authServer.port, reconnectStrategy: false },
      password: 'wrong',
    });
    const seen: string[] = [];
    r.on('error', (err: Error) => seen.push(err.message));
    opened.push(r);
    await expect(r.connect()).rejects.toThrow(
      'WRONGPASS invalid username-password pair or user is disabled.',
    );
  });

  it('speaks RESP3 after HELLO 3, with the handshake options applied', async () => {
    const r = await connect({ RESP: 3, name: 'nr-resp3', database: 1 });
    expect(await r.set('nr:r3', 'v')).toBe('OK');
    expect(await r.get('nr:r3')).toBe('v');
    expect(await r.get('nr:r3:missing')).toBeNull();
    expect(await r.clientGetName()).toBe('nr-resp3');
    const hello = (await r.sendCommand(['HELLO', '3'])) as unknown as
      Record<string, unknown> | Map<string, unknown>;
    const proto = hello instanceof Map ? hello.get('proto') : hello['proto'];
    expect(proto).toBe(3);
    // CONFIG GET is a map in RESP3; INFO and CLIENT INFO are verbatim strings.
    expect(await r.configGet('databases')).toEqual({ databases: '16' });
    expect(await r.info('server')).toMatch(/^# Server\r\nredis_version:7\.0\.15\r\n/);
    expect(await r.clientInfo()).toMatchObject({
      name: 'nr-resp3',
      db: 1,
      resp: 3,
      cmd: 'client|info',
    });
  });

  it('speaks RESP3 with AUTH folded into HELLO', async () => {
    const r = await connect({ RESP: 3, password: 's3cret' }, authServer);
    expect(await r.get('nr:auth')).toBe('ok');
  });

  it('reconnects after CLIENT KILL and restores name and database', async () => {
    const victim = createClient({
      socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: () => 10 },
      name: 'nr-victim',
      database: 2,
    });
    // The kill is provoked: node-redis reports the closed socket as an error.
    const victimErrors: string[] = [];
    victim.on('error', (err: Error) => victimErrors.push(err.message));
    opened.push(victim);
    await victim.connect();
    const admin = await connect({});
    await victim.set('nr:victim', 'before');
    const { id, addr } = await victim.clientInfo();
    let reconnects = 0;
    victim.on('reconnecting', () => reconnects++);

    // The old `CLIENT KILL ip:port` form answers OK rather than a count.
    expect(await admin.sendCommand(['CLIENT', 'KILL', addr])).toBe('OK');
    await until(() => reconnects > 0 && victim.isReady);

    expect(await victim.get('nr:victim')).toBe('before');
    expect(await victim.clientGetName()).toBe('nr-victim');
    expect(await victim.clientId()).not.toBe(id);
    expect(victimErrors).toEqual(['Socket closed unexpectedly']);
  });
});
