import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startResplica, type RunningServer } from '../helpers/processes.js';
import { RawClient } from '../helpers/resp.js';

/**
 * MULTI/EXEC/DISCARD/WATCH/UNWATCH over raw RESP (exact bytes) and through
 * ioredis and node-redis, whose transaction helpers depend on the QUEUED /
 * EXECABORT / null-array contract.
 */

/** Polls the server's TIME until `ms` have passed on its clock (bounded). */
async function waitServerMs(c: RawClient, ms: number): Promise<void> {
  const micros = async (): Promise<number> => {
    const parts = (await c.call('TIME')).split('\r\n');
    return Number(parts[2]) * 1e6 + Number(parts[4]);
  };
  const start = await micros();
  for (let i = 0; i < 1000 && (await micros()) - start < ms * 1000; i++);
}

describe('transactions', () => {
  let server: RunningServer;
  const raws: RawClient[] = [];

  async function raw(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    raws.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startResplica(['--enable-debug-command', 'yes']);
  });

  afterEach(() => {
    for (const c of raws.splice(0)) c.close();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('queues commands and runs them in order at EXEC, errors in place', async () => {
    const c = await raw();
    await c.call('FLUSHALL');
    expect(await c.call('MULTI')).toBe('+OK\r\n');
    expect(await c.call('SET', 'a', 'x')).toBe('+QUEUED\r\n');
    expect(await c.call('INCR', 'a')).toBe('+QUEUED\r\n');
    expect(await c.call('GET', 'a')).toBe('+QUEUED\r\n');
    expect(await c.call('EXEC')).toBe(
      '*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nx\r\n',
    );
  });

  it('answers the nesting and out-of-transaction errors without aborting', async () => {
    const c = await raw();
    expect(await c.call('EXEC')).toBe('-ERR EXEC without MULTI\r\n');
    expect(await c.call('DISCARD')).toBe('-ERR DISCARD without MULTI\r\n');
    await c.call('MULTI');
    expect(await c.call('MULTI')).toBe('-ERR MULTI calls can not be nested\r\n');
    expect(await c.call('WATCH', 'k')).toBe('-ERR WATCH inside MULTI is not allowed\r\n');
    expect(await c.call('PING')).toBe('+QUEUED\r\n');
    expect(await c.call('EXEC')).toBe('*1\r\n+PONG\r\n');
  });

  it('aborts EXEC after a queue-time rejection (unknown command, arity, no_multi)', async () => {
    const c = await raw();
    for (const bad of [['NOSUCH'], ['GET'], ['SHUTDOWN']]) {
      await c.call('MULTI');
      const reply = await c.call(...bad);
      expect(reply.startsWith('-ERR')).toBe(true);
      if (bad[0] === 'SHUTDOWN')
        expect(reply).toBe('-ERR Command not allowed inside a transaction\r\n');
      expect(await c.call('EXEC')).toBe(
        '-EXECABORT Transaction discarded because of previous errors.\r\n',
      );
    }
  });

  it('DISCARD drops the queue and the watched keys', async () => {
    const c = await raw();
    const other = await raw();
    await c.call('WATCH', 'w');
    await c.call('MULTI');
    await c.call('SET', 'd', '1');
    expect(await c.call('DISCARD')).toBe('+OK\r\n');
    await other.call('SET', 'w', 'changed');
    await c.call('MULTI');
    await c.call('PING');
    expect(await c.call('EXEC')).toBe('*1\r\n+PONG\r\n');
    expect(await c.call('EXISTS', 'd')).toBe(':0\r\n');
  });

  it('WATCH makes EXEC fail when another client writes the key (null array in RESP2 and RESP3)', async () => {
    for (const protocol of ['2', '3']) {
      const c = await raw();
      const other = await raw();
      await c.call('HELLO', protocol);
      await c.call('SET', 'w', '1');
      await c.call('WATCH', 'w');
      await other.call('INCR', 'w');
      await c.call('MULTI');
      await c.call('SET', 'w', 'mine');
      expect(await c.call('EXEC')).toBe(protocol === '2' ? '*-1\r\n' : '_\r\n');
      expect(await c.call('GET', 'w')).toBe('$1\r\n2\r\n');
    }
  });

  it('WATCH is invalidated by FLUSHDB, FLUSHALL, SWAPDB, EXPIRE, DEL and expiry, not by reads', async () => {
    const c = await raw();
    const other = await raw();
    const touches: Array<Array<Array<string>>> = [
      [['FLUSHDB']],
      [['FLUSHALL']],
      [['SWAPDB', '0', '1']],
      [['EXPIRE', 'w', '100']],
      [['DEL', 'w']],
      [['RENAME', 'w', 'w2']],
    ];
    for (const commands of touches) {
      await c.call('SELECT', '0');
      await c.call('SET', 'w', '1');
      await c.call('WATCH', 'w');
      for (const command of commands) await other.call(...command);
      await c.call('MULTI');
      await c.call('PING');
      expect(await c.call('EXEC'), commands.join(' ')).toBe('*-1\r\n');
    }
    await c.call('SET', 'w', '1');
    await c.call('WATCH', 'w');
    await other.call('GET', 'w');
    await other.call('EXISTS', 'w');
    await other.call('SET', 'unrelated', '1');
    await c.call('MULTI');
    await c.call('PING');
    expect(await c.call('EXEC')).toBe('*1\r\n+PONG\r\n');
  });

  it('a watched key that expires before EXEC fails the transaction; one already expired at WATCH does not', async () => {
    const c = await raw();
    await c.call('SET', 'e', '1', 'PX', '30');
    await c.call('WATCH', 'e');
    const deadline = Date.now() + 2000;
    while ((await c.call('PTTL', 'e')) !== ':-2\r\n' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await c.call('MULTI');
    await c.call('PING');
    expect(await c.call('EXEC')).toBe('*-1\r\n');

    await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      await c.call('SET', 'e3', '1', 'PX', '1');
      await waitServerMs(c, 5);
      await c.call('WATCH', 'e3');
      await c.call('GET', 'e3'); // lazily deletes the already-expired key
      await c.call('MULTI');
      await c.call('PING');
      expect(await c.call('EXEC')).toBe('*1\r\n+PONG\r\n');
    } finally {
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  });

  it('UNWATCH forgets the watched keys and the touched state', async () => {
    const c = await raw();
    const other = await raw();
    await c.call('WATCH', 'u');
    await other.call('SET', 'u', '1');
    expect(await c.call('UNWATCH')).toBe('+OK\r\n');
    await c.call('MULTI');
    await c.call('PING');
    expect(await c.call('EXEC')).toBe('*1\r\n+PONG\r\n');
  });

  it('the transaction’s own writes do not fail it, and the clock is frozen across EXEC', async () => {
    const c = await raw();
    await c.call('WATCH', 'own');
    await c.call('MULTI');
    await c.call('SET', 'own', '1', 'PX', '1');
    await c.call('DEBUG', 'SLEEP', '0.01');
    // Frozen clock: the key set one ms before is still there for this GET.
    await c.call('GET', 'own');
    expect(await c.call('EXEC')).toBe('*3\r\n+OK\r\n+OK\r\n$1\r\n1\r\n');
  });

  it('shows MULTI state in CLIENT LIST and counts queued commands in commandstats', async () => {
    const c = await raw();
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('MULTI');
    await c.call('SET', 'x', '1');
    await c.call('INCR', 'x');
    const list = await raw();
    const clients = await list.call('CLIENT', 'LIST');
    expect(clients).toMatch(/flags=x .* multi=2 /);
    await c.call('EXEC');
    const stats = await list.call('INFO', 'commandstats');
    expect(stats).toMatch(/cmdstat_set:calls=1,/);
    expect(stats).toMatch(/cmdstat_exec:calls=1,.*failed_calls=0/);
  });

  it('MONITOR shows MULTI, the queued commands when they run, then EXEC', async () => {
    const monitor = await raw();
    expect(await monitor.call('MONITOR')).toBe('+OK\r\n');
    const c = await raw();
    await c.call('MULTI');
    await c.call('SET', 'm', '1');
    await c.call('EXEC');
    const lines: string[] = [];
    for (let i = 0; i < 3; i++) lines.push((await monitor.readReply()).toString());
    expect(lines[0]).toMatch(/"MULTI"/);
    expect(lines[1]).toMatch(/"SET" "m" "1"/);
    expect(lines[2]).toMatch(/"EXEC"/);
  });

  it('CLIENT REPLY OFF silences EXEC and everything it runs', async () => {
    const c = await raw();
    c.send('CLIENT', 'REPLY', 'OFF');
    c.send('MULTI');
    c.send('SET', 'r', '3');
    c.send('EXEC');
    expect(await c.call('CLIENT', 'REPLY', 'ON')).toBe('+OK\r\n');
    expect(await c.call('GET', 'r')).toBe('$1\r\n3\r\n');
  });

  it('RESET and disconnection end the transaction and the watches', async () => {
    const c = await raw();
    await c.call('WATCH', 'z');
    await c.call('MULTI');
    expect(await c.call('RESET')).toBe('+RESET\r\n');
    expect(await c.call('EXEC')).toBe('-ERR EXEC without MULTI\r\n');
  });

  it('ioredis multi() and watch() behave as against Redis', async () => {
    const a = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
    const b = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
    try {
      await a.connect();
      await b.connect();
      await a.del('io');
      expect(await a.multi().set('io', '1').incr('io').get('io').exec()).toEqual([
        [null, 'OK'],
        [null, 2],
        [null, '2'],
      ]);
      await a.watch('io');
      await b.set('io', 'other');
      expect(await a.multi().set('io', 'mine').exec()).toBeNull();
      await expect(a.multi().set('io', 'x').call('NOSUCH').exec()).rejects.toThrow(/EXECABORT/);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('node-redis multi() and watch() behave as against Redis', async () => {
    const a = createClient({ socket: { host: '127.0.0.1', port: server.port } });
    const b = createClient({ socket: { host: '127.0.0.1', port: server.port } });
    await a.connect();
    await b.connect();
    try {
      await a.del('nr');
      expect(await a.multi().set('nr', '5').incrBy('nr', 3).get('nr').exec()).toEqual([
        'OK',
        8,
        '8',
      ]);
      const isolated = await a.duplicate().connect();
      try {
        await isolated.watch('nr');
        await b.set('nr', 'changed');
        await expect(isolated.multi().set('nr', 'mine').exec()).rejects.toThrow(/WATCH/i);
      } finally {
        isolated.destroy();
      }
      expect(await a.get('nr')).toBe('changed');
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});
