import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { ClientPair, showReply, skipInterop, startPair, type ServerPair } from './compare.js';

/**
 * Blocking pops against a real redis-server 7.0: the same multi-client
 * scenario runs on both servers (waiters block one after another, then a
 * second connection writes), and every reply, the waiters' included, must be
 * byte-identical, in RESP2 and RESP3. Waiters still blocked at the end are
 * released with CLIENT UNBLOCK (TIMEOUT or ERROR) so each gets one reply.
 */

type Args = string[];

interface Scenario {
  name: string;
  /** Run first on the writer connection (setup). */
  setup?: Args[];
  /** One blocking command per waiter, blocked in this order. */
  waiters: Args[];
  /** Run on the writer once every waiter is blocked (or answered at once). */
  writes: Args[];
  unblockAs?: 'TIMEOUT' | 'ERROR';
}

const SCENARIOS: Scenario[] = [
  {
    name: 'BLPOP/BRPOP on several keys served in FIFO order',
    waiters: [
      ['BLPOP', 'k1', 'k2', '0'],
      ['BRPOP', 'k2', 'k1', '0'],
      ['BLPOP', 'k2', '0'],
    ],
    writes: [
      ['RPUSH', 'k2', 'a', 'b'],
      ['LPUSH', 'k1', 'c'],
    ],
  },
  {
    name: 'BZPOPMIN/BZPOPMAX/BZMPOP woken by ZADD',
    waiters: [
      ['BZPOPMIN', 'z1', 'z2', '0'],
      ['BZPOPMAX', 'z2', '0'],
      ['BZMPOP', '0', '2', 'z1', 'z2', 'MAX', 'COUNT', '10'],
    ],
    writes: [
      ['ZADD', 'z2', '1.5', 'a', '2', 'b', '-3', 'c', 'inf', 'd'],
      ['ZADD', 'z1', '0', 'x'],
      ['ZCARD', 'z2'],
    ],
  },
  {
    name: 'BLMPOP with counts, and one waiter left for CLIENT UNBLOCK ERROR',
    waiters: [
      ['BLMPOP', '0', '2', 'm1', 'm2', 'LEFT', 'COUNT', '2'],
      ['BLMPOP', '0', '1', 'm2', 'RIGHT'],
      ['BLMPOP', '0', '1', 'm1', 'RIGHT'],
    ],
    writes: [['RPUSH', 'm2', '1', '2', '3']],
    unblockAs: 'ERROR',
  },
  {
    name: 'BLMOVE chains and BRPOPLPUSH, left for CLIENT UNBLOCK TIMEOUT',
    setup: [['SET', 'wrong', 'string']],
    waiters: [
      ['BLMOVE', 'a', 'b', 'RIGHT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'b', 'c', '0'],
      ['BLMOVE', 'c', 'wrong', 'LEFT', 'LEFT', '0'],
      ['BLMOVE', 'none', 'x', 'LEFT', 'LEFT', '0'],
    ],
    writes: [
      ['RPUSH', 'a', 'v1'],
      ['LRANGE', 'c', '0', '-1'],
    ],
    unblockAs: 'TIMEOUT',
  },
  {
    name: 'keys filled inside one transaction serve in signal order',
    waiters: [
      ['BLPOP', 't1', 't2', '0'],
      ['BLPOP', 't1', '0'],
    ],
    writes: [['MULTI'], ['RPUSH', 't2', 'second'], ['RPUSH', 't1', 'first'], ['EXEC']],
  },
  {
    name: 'a key replaced by another type keeps its waiters',
    waiters: [
      ['BLPOP', 'w', '0'],
      ['BZPOPMIN', 'w', '0'],
    ],
    writes: [
      ['SET', 'w', 's'],
      ['DEL', 'w'],
      ['ZADD', 'w', '1', 'm'],
      ['RPUSH', 'other', 'x'],
    ],
  },
  {
    name: 'a list or sorted set arriving by RENAME, COPY or MOVE serves waiters',
    setup: [['SELECT', '0']],
    waiters: [
      ['BLPOP', 'r1', '0'],
      ['BZPOPMAX', 'r2', '0'],
      ['BRPOP', 'r3', '0'],
    ],
    writes: [
      ['RPUSH', 'src', 'a', 'b'],
      ['RENAME', 'src', 'r1'],
      ['ZADD', 'zsrc', '1', 'x', '2', 'y'],
      ['COPY', 'zsrc', 'r2'],
      ['SELECT', '1'],
      ['RPUSH', 'r3', 'moved'],
      ['MOVE', 'r3', '0'],
      ['SELECT', '0'],
      ['LRANGE', 'r1', '0', '-1'],
    ],
  },
  {
    name: 'short timeouts and immediate answers',
    setup: [
      ['RPUSH', 'full', 'a', 'b'],
      ['ZADD', 'zfull', '1', 'm'],
    ],
    waiters: [
      ['BLPOP', 'empty', 'full', '0'],
      ['BZPOPMIN', 'zfull', '0'],
      ['BLMOVE', 'none', 'dst', 'LEFT', 'RIGHT', '0.02'],
      ['BRPOPLPUSH', 'none', 'dst', '0.01'],
      ['BLPOP', 'none', '0.001'],
      ['BZMPOP', '0.01', '1', 'none', 'MIN'],
    ],
    writes: [],
  },
];

/** One server's connections for a scenario. */
interface Side {
  writer: RawClient;
  waiters: RawClient[];
}

describe.skipIf(skipInterop)('blocking pops reply exactly as redis-server 7.0 does', () => {
  let pair: ServerPair;
  let clients: ClientPair;
  const opened: RawClient[] = [];

  beforeAll(async () => {
    pair = await startPair();
    clients = await ClientPair.connect(pair);
  });

  afterAll(async () => {
    for (const c of opened) c.close();
    clients.close();
    await pair.stop();
  });

  beforeEach(async () => {
    await clients.same('FLUSHALL');
  });

  /** Polls INFO until `n` clients are blocked (bounded). */
  async function waitBlocked(admin: RawClient, n: number): Promise<void> {
    let last = '';
    for (let i = 0; i < 500; i++) {
      last = /blocked_clients:(\d+)/.exec(await admin.call('INFO', 'clients'))?.[1] ?? '';
      if (Number(last) === n) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`expected ${n} blocked clients, INFO says ${last}`);
  }

  /** Runs a scenario on one server; returns every reply in a fixed order. */
  async function run(port: number, admin: RawClient, s: Scenario, resp: 2 | 3): Promise<Buffer[]> {
    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect(port);
      opened.push(c);
      if (resp === 3) await c.call('HELLO', '3');
      return c;
    };
    const side: Side = { writer: await connect(), waiters: [] };
    const replies: Buffer[] = [];
    for (const args of s.setup ?? []) replies.push(Buffer.from(await side.writer.call(...args)));
    const answered = new Map<number, Buffer>();
    let blocked = 0;
    for (const [i, args] of s.waiters.entries()) {
      const w = await connect();
      side.waiters.push(w);
      w.send(...args);
      // Either it blocks, or it answers at once (data, or a short timeout).
      for (let tries = 0; ; tries++) {
        if (w.pending().length > 0) {
          answered.set(i, await w.readReply());
          break;
        }
        const now = Number(/blocked_clients:(\d+)/.exec(await admin.call('INFO', 'clients'))?.[1]);
        if (now === blocked + 1) {
          blocked++;
          break;
        }
        if (tries > 500) throw new Error(`waiter ${i} neither blocked nor answered`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    for (const args of s.writes) replies.push(await sendAndRead(side.writer, args));
    // Release whoever is still blocked, in blocking order, so each waiter has one reply.
    const list = await admin.call('CLIENT', 'LIST');
    const stillBlocked = [...list.matchAll(/id=(\d+) [^\n]*flags=[^ ]*b/g)].map((m) => m[1]!);
    for (const id of stillBlocked) {
      await admin.call('CLIENT', 'UNBLOCK', id, s.unblockAs ?? 'TIMEOUT');
    }
    await waitBlocked(admin, 0);
    for (const [i, w] of side.waiters.entries()) {
      replies.push(answered.get(i) ?? (await w.readReply()));
    }
    replies.push(Buffer.from(await admin.call('DEBUG', 'DIGEST')));
    for (const c of [side.writer, ...side.waiters]) c.close();
    return replies;
  }

  async function sendAndRead(c: RawClient, args: Args): Promise<Buffer> {
    c.send(...args);
    return c.readReply();
  }

  for (const resp of [2, 3] as const) {
    for (const s of SCENARIOS) {
      it(`${s.name} (RESP${resp})`, async () => {
        const mine = await run(pair.resplica.port, clients.resplica, s, resp);
        const theirs = await run(pair.redis.port, clients.redis, s, resp);
        expect(mine.map(showReply)).toEqual(theirs.map(showReply));
      });
    }
  }

  it('refuses timeouts and arguments with the same errors', async () => {
    for (const args of [
      ['BLPOP', 'k', 'abc'],
      ['BLPOP', 'k', '-1'],
      ['BLPOP', 'k', 'inf'],
      ['BLPOP', 'k', '-inf'],
      ['BLPOP', 'k', 'nan'],
      ['BLPOP', 'k', ' 1'],
      ['BLPOP', 'k', '1 '],
      ['BLPOP', 'k', '1e16'],
      ['BLPOP', 'k', '99999999999999999'],
      ['BRPOP', 'k'],
      ['BZPOPMIN', 'k', 'x'],
      ['BZPOPMAX', 'k', '-0.5'],
      ['BLMOVE', 'a', 'b', 'UP', 'LEFT', 'x'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', 'x'],
      ['BRPOPLPUSH', 'a', 'b', '-2'],
      ['BLMPOP', 'x', '1', 'k', 'LEFT'],
      ['BLMPOP', '0', '0', 'k', 'LEFT'],
      ['BLMPOP', '0', '1', 'k', 'UP'],
      ['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '0'],
      ['BZMPOP', '0', '1', 'k', 'MINX'],
      ['BZMPOP', '-1', '1', 'k', 'MIN'],
      ['BZMPOP', '0', '5', 'k', 'MIN'],
      ['CLIENT', 'UNBLOCK', '999999'],
      ['CLIENT', 'UNBLOCK', '999999', 'ERROR'],
      ['CLIENT', 'UNBLOCK', '1', 'MAYBE'],
    ]) {
      await clients.same(...args);
    }
    await clients.same('SET', 's', 'v');
    await clients.same('BLPOP', 'missing', 's', '0');
    await clients.same('BZPOPMIN', 's', '0');
    await clients.same('BLMPOP', '0', '2', 'missing', 's', 'LEFT');
    await clients.same('BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0');
  });

  it('answers inside MULTI as the non-blocking forms', async () => {
    await clients.same('RPUSH', 'l', 'a');
    await clients.same('MULTI');
    for (const args of [
      ['BLPOP', 'none', '0'],
      ['BRPOP', 'none', 'l', '0'],
      ['BLMOVE', 'none', 'd', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'none', 'd', '0'],
      ['BZPOPMIN', 'none', '0'],
      ['BZPOPMAX', 'none', '0'],
      ['BLMPOP', '0', '1', 'none', 'LEFT'],
      ['BZMPOP', '0', '1', 'none', 'MIN'],
    ]) {
      await clients.same(...args);
    }
    await clients.same('EXEC');
    // HELLO's reply holds the client id, which differs between the servers.
    await clients.call('HELLO', '3');
    await clients.same('MULTI');
    await clients.same('BLPOP', 'none', '0');
    await clients.same('BLMOVE', 'none', 'd', 'LEFT', 'LEFT', '0');
    await clients.same('EXEC');
    await clients.call('HELLO', '2');
  });
});
