import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startResplica, type RunningServer } from '../helpers/processes.js';
import { RawClient } from '../helpers/resp.js';

/**
 * Blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
 * BZPOPMAX, BZMPOP) over raw RESP with several connections: immediate
 * serving, wake-ups by other clients' writes, FIFO order, timeouts,
 * MULTI, CLIENT UNBLOCK, disconnects, pipelining; then ioredis and node-redis.
 * Waiting for a client to block polls INFO (bounded), never sleeps.
 */

const NULL_ARRAY = '*-1\r\n';

describe('blocking commands', () => {
  let server: RunningServer;
  const raws: RawClient[] = [];
  let admin: RawClient;

  async function raw(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    raws.push(c);
    return c;
  }

  /** Polls INFO until exactly `n` clients are blocked (bounded). */
  async function waitBlocked(n: number): Promise<void> {
    let last = '';
    for (let i = 0; i < 500; i++) {
      last = /blocked_clients:(\d+)/.exec(await admin.call('INFO', 'clients'))?.[1] ?? '';
      if (Number(last) === n) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`expected ${n} blocked clients, INFO says ${last}`);
  }

  beforeAll(async () => {
    server = await startResplica();
  });

  beforeEach(async () => {
    admin = await raw();
    await admin.call('FLUSHALL');
  });

  afterEach(() => {
    for (const c of raws.splice(0)) c.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('serves at once when a list already has elements', async () => {
    const c = await raw();
    await c.call('RPUSH', 'l', 'a', 'b');
    expect(await c.call('BLPOP', 'missing', 'l', '0')).toBe('*2\r\n$1\r\nl\r\n$1\r\na\r\n');
    expect(await c.call('BRPOP', 'l', '0')).toBe('*2\r\n$1\r\nl\r\n$1\r\nb\r\n');
    expect(await c.call('EXISTS', 'l')).toBe(':0\r\n');
    await c.call('ZADD', 'z', '1', 'a', '2', 'b');
    expect(await c.call('BZPOPMAX', 'z', '0')).toBe('*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n');
    expect(await c.call('BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5')).toBe(
      '*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n',
    );
  });

  it('refuses bad timeouts with Redis errors', async () => {
    const c = await raw();
    expect(await c.call('BLPOP', 'l', 'abc')).toBe(
      '-ERR timeout is not a float or out of range\r\n',
    );
    expect(await c.call('BLPOP', 'l', '-1')).toBe('-ERR timeout is negative\r\n');
    expect(await c.call('BLPOP', 'l', 'inf')).toBe('-ERR timeout is negative\r\n');
    expect(await c.call('BZPOPMIN', 'z', ' 1')).toBe(
      '-ERR timeout is not a float or out of range\r\n',
    );
    expect(await c.call('BLMPOP', 'x', '1', 'l', 'LEFT')).toBe(
      '-ERR timeout is not a float or out of range\r\n',
    );
    await c.call('SET', 's', 'v');
    expect(await c.call('BLPOP', 'missing', 's', '0')).toMatch(/^-WRONGTYPE/);
  });

  it('wakes a blocked BLPOP when another client pushes', async () => {
    const waiter = await raw();
    const pusher = await raw();
    waiter.send('BLPOP', 'q', '0');
    await waitBlocked(1);
    expect(await pusher.call('LPUSH', 'q', 'job')).toBe(':1\r\n');
    expect((await waiter.readReply()).toString()).toBe('*2\r\n$1\r\nq\r\n$3\r\njob\r\n');
    // The served element is gone: the push's reply counted it, the list is empty.
    expect(await pusher.call('EXISTS', 'q')).toBe(':0\r\n');
    await waitBlocked(0);
  });

  it('wakes BZPOPMIN on ZADD and BLMOVE on another BLMOVE push', async () => {
    const zwaiter = await raw();
    const mover1 = await raw();
    const mover2 = await raw();
    const pusher = await raw();
    zwaiter.send('BZPOPMIN', 'z', '0');
    mover1.send('BLMOVE', 'a', 'b', 'RIGHT', 'LEFT', '0');
    mover2.send('BRPOPLPUSH', 'b', 'c', '0');
    await waitBlocked(3);
    await pusher.call('ZADD', 'z', '2.5', 'm');
    expect((await zwaiter.readReply()).toString()).toBe(
      '*3\r\n$1\r\nz\r\n$1\r\nm\r\n$3\r\n2.5\r\n',
    );
    await pusher.call('RPUSH', 'a', 'x');
    // The element travels a → b → c in the same turn.
    expect((await mover1.readReply()).toString()).toBe('$1\r\nx\r\n');
    expect((await mover2.readReply()).toString()).toBe('$1\r\nx\r\n');
    expect(await pusher.call('LRANGE', 'c', '0', '-1')).toBe('*1\r\n$1\r\nx\r\n');
    expect(await pusher.call('EXISTS', 'a', 'b')).toBe(':0\r\n');
  });

  it('serves waiters first-blocked first-served', async () => {
    const waiters = [await raw(), await raw(), await raw()];
    for (let i = 0; i < waiters.length; i++) {
      waiters[i]!.send('BLPOP', 'fifo', '0');
      await waitBlocked(i + 1);
    }
    const pusher = await raw();
    await pusher.call('RPUSH', 'fifo', 'one', 'two', 'three');
    const got = await Promise.all(waiters.map(async (w) => (await w.readReply()).toString()));
    expect(got).toEqual([
      '*2\r\n$4\r\nfifo\r\n$3\r\none\r\n',
      '*2\r\n$4\r\nfifo\r\n$3\r\ntwo\r\n',
      '*2\r\n$4\r\nfifo\r\n$5\r\nthree\r\n',
    ]);
  });

  it('serves a client blocked on several keys from the first key that gets data', async () => {
    const waiter = await raw();
    const pusher = await raw();
    waiter.send('BLMPOP', '0', '3', 'k1', 'k2', 'k3', 'RIGHT', 'COUNT', '2');
    await waitBlocked(1);
    await pusher.call('RPUSH', 'k3', 'a', 'b', 'c');
    expect((await waiter.readReply()).toString()).toBe(
      '*2\r\n$2\r\nk3\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n',
    );
    // Two keys filled by one transaction: the one signalled first serves.
    waiter.send('BLPOP', 'k1', 'k2', '0');
    await waitBlocked(1);
    await pusher.call('MULTI');
    await pusher.call('RPUSH', 'k2', 'from-k2');
    await pusher.call('RPUSH', 'k1', 'from-k1');
    await pusher.call('EXEC');
    expect((await waiter.readReply()).toString()).toBe('*2\r\n$2\r\nk2\r\n$7\r\nfrom-k2\r\n');
  });

  it('keeps waiting while the key holds another type, and serves a later push', async () => {
    const waiter = await raw();
    const other = await raw();
    waiter.send('BLPOP', 'k', '0');
    await waitBlocked(1);
    await other.call('SET', 'k', 'string');
    await other.call('DEL', 'k');
    await other.call('ZADD', 'k', '1', 'm');
    await other.call('DEL', 'k');
    await waitBlocked(1);
    await other.call('RPUSH', 'k', 'v');
    expect((await waiter.readReply()).toString()).toBe('*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
  });

  it('times out fractional timeouts with millisecond precision', async () => {
    const c = await raw();
    for (const [args, reply] of [
      [['BLPOP', 'none', '0.15'], NULL_ARRAY],
      [['BLMOVE', 'none', 'd', 'LEFT', 'LEFT', '0.15'], NULL_ARRAY],
      [['BZMPOP', '0.15', '1', 'none', 'MAX'], NULL_ARRAY],
    ] as const) {
      const started = performance.now();
      expect(await c.call(...args)).toBe(reply);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(145);
      expect(elapsed).toBeLessThan(1000);
    }
    await c.call('HELLO', '3');
    expect(await c.call('BRPOPLPUSH', 'none', 'd', '0.05')).toBe('_\r\n');
  });

  it('keeps a timeout-0 client blocked until data arrives', async () => {
    const waiter = await raw();
    waiter.send('BZPOPMAX', 'z', '0');
    await waitBlocked(1);
    // Several cron periods later (polled, bounded) it is still blocked.
    const started = performance.now();
    for (let i = 0; i < 10000 && performance.now() - started < 300; i++) await admin.call('PING');
    expect(await admin.call('CLIENT', 'LIST')).toMatch(/flags=b .*cmd=bzpopmax/);
    expect(await admin.call('INFO', 'clients')).toMatch(/clients_in_timeout_table:0/);
    await admin.call('ZADD', 'z', '7', 'late');
    expect((await waiter.readReply()).toString()).toBe(
      '*3\r\n$1\r\nz\r\n$4\r\nlate\r\n$1\r\n7\r\n',
    );
  });

  it('answers at once inside MULTI instead of blocking', async () => {
    const c = await raw();
    await c.call('MULTI');
    for (const args of [
      ['BLPOP', 'none', '0'],
      ['BLMOVE', 'none', 'd', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'none', 'd', '0'],
      ['BZPOPMIN', 'none', '0'],
      ['BLMPOP', '0', '1', 'none', 'LEFT'],
      ['BZMPOP', '0', '1', 'none', 'MIN'],
    ]) {
      expect(await c.call(...args)).toBe('+QUEUED\r\n');
    }
    expect(await c.call('EXEC')).toBe('*6\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n');
  });

  it('unblocks with CLIENT UNBLOCK TIMEOUT and ERROR', async () => {
    const waiter = await raw();
    const id = (await waiter.call('CLIENT', 'ID')).slice(1, -2);
    expect(await admin.call('CLIENT', 'UNBLOCK', id)).toBe(':0\r\n');
    waiter.send('BLPOP', 'none', '0');
    await waitBlocked(1);
    expect(await admin.call('CLIENT', 'UNBLOCK', id, 'TIMEOUT')).toBe(':1\r\n');
    expect((await waiter.readReply()).toString()).toBe(NULL_ARRAY);
    waiter.send('BZPOPMIN', 'none', '0');
    await waitBlocked(1);
    expect(await admin.call('CLIENT', 'UNBLOCK', id, 'ERROR')).toBe(':1\r\n');
    expect((await waiter.readReply()).toString()).toBe(
      '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n',
    );
    await waitBlocked(0);
  });

  it('forgets a blocked client that disconnects or is killed', async () => {
    const gone = await raw();
    const killed = await raw();
    const survivor = await raw();
    gone.send('BLPOP', 'q', '0');
    await waitBlocked(1);
    killed.send('BLPOP', 'q', '0');
    await waitBlocked(2);
    survivor.send('BLPOP', 'q', '0');
    await waitBlocked(3);
    gone.close();
    await waitBlocked(2);
    const killedId = (/id=(\d+)[^\n]*cmd=blpop/.exec(await admin.call('CLIENT', 'LIST')) ?? [])[1];
    expect(await admin.call('CLIENT', 'KILL', 'ID', killedId!)).toBe(':1\r\n');
    await killed.waitClosed();
    await waitBlocked(1);
    await admin.call('RPUSH', 'q', 'only');
    expect((await survivor.readReply()).toString()).toBe('*2\r\n$1\r\nq\r\n$4\r\nonly\r\n');
  });

  it('runs pipelined commands only after the blocking command is answered', async () => {
    const c = await raw();
    c.write(
      Buffer.from(
        '*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*2\r\n$4\r\nECHO\r\n$5\r\nafter\r\n' +
          '*3\r\n$5\r\nRPUSH\r\n$4\r\nmine\r\n$1\r\nx\r\n',
      ),
    );
    await waitBlocked(1);
    // The pipelined RPUSH has not run yet.
    expect(await admin.call('EXISTS', 'mine')).toBe(':0\r\n');
    expect(c.pending().length).toBe(0);
    await admin.call('RPUSH', 'q', 'v');
    expect((await c.readReply()).toString()).toBe('*2\r\n$1\r\nq\r\n$1\r\nv\r\n');
    expect((await c.readReply()).toString()).toBe('$5\r\nafter\r\n');
    expect((await c.readReply()).toString()).toBe(':1\r\n');
  });

  it('leaves the element in the source when BLMOVE is served into a wrong-type destination', async () => {
    const waiter = await raw();
    await admin.call('SET', 'dst', 'string');
    waiter.send('BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0');
    await waitBlocked(1);
    await admin.call('RPUSH', 'src', 'a');
    expect((await waiter.readReply()).toString()).toMatch(/^-WRONGTYPE/);
    expect(await admin.call('LRANGE', 'src', '0', '-1')).toBe('*1\r\n$1\r\na\r\n');
  });

  it('is not closed by the idle timeout while blocked', async () => {
    await admin.call('CONFIG', 'SET', 'timeout', '1');
    try {
      const waiter = await raw();
      waiter.send('BLPOP', 'q', '1.5');
      const started = performance.now();
      expect((await waiter.readReply(5000)).toString()).toBe(NULL_ARRAY);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
      expect(waiter.isClosed).toBe(false);
    } finally {
      // `admin` sat idle past the timeout: reset through a fresh connection.
      await (await raw()).call('CONFIG', 'SET', 'timeout', '0');
    }
  });

  it('counts a blocked call once, when it is answered', async () => {
    await admin.call('CONFIG', 'RESETSTAT');
    const waiter = await raw();
    waiter.send('BLPOP', 'q', '0');
    await waitBlocked(1);
    expect(await admin.call('INFO', 'commandstats')).not.toMatch(/cmdstat_blpop/);
    await admin.call('RPUSH', 'q', 'v');
    await waiter.readReply();
    expect(await admin.call('INFO', 'commandstats')).toMatch(/cmdstat_blpop:calls=1,/);
  });

  describe('client libraries', () => {
    it('ioredis blpop and bzpopmin wait for another connection', async () => {
      const blocking = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 2 });
      const other = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 2 });
      try {
        const popped = blocking.blpop('io-list', 0);
        await waitBlocked(1);
        await other.rpush('io-list', 'hello');
        expect(await popped).toEqual(['io-list', 'hello']);
        const zpopped = blocking.bzpopmin('io-z', 0);
        await waitBlocked(1);
        await other.zadd('io-z', 3, 'm');
        expect(await zpopped).toEqual(['io-z', 'm', '3']);
        expect(await blocking.blpop('io-none', 0.05)).toBeNull();
      } finally {
        blocking.disconnect();
        other.disconnect();
      }
    });

    it('node-redis blPop on a duplicated connection', async () => {
      const client = createClient({
        socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: false },
      });
      await client.connect();
      const blocking = client.duplicate();
      await blocking.connect();
      try {
        const popped = blocking.blPop('nr-list', 0);
        await waitBlocked(1);
        await client.rPush('nr-list', 'world');
        expect(await popped).toEqual({ key: 'nr-list', element: 'world' });
        expect(await blocking.blPop('nr-none', 0.05)).toBeNull();
      } finally {
        blocking.destroy();
        client.destroy();
      }
    });
  });
});
