import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { RawClient } from '../helpers/resp.js';
import { ClientPair, showReply, skipInterop, startPair, type ServerPair } from './compare.js';

/**
 * MULTI/EXEC/WATCH and pub/sub against a real redis-server 7.0: reply bytes,
 * pushed message bytes and keyspace notification streams must be identical,
 * in RESP2 and RESP3.
 */

type Args = string[];

/** Polls a server's TIME until `ms` have passed on its clock (bounded). */
async function waitServerMs(c: RawClient, ms: number): Promise<void> {
  const micros = async (): Promise<number> => {
    const parts = (await c.call('TIME')).split('\r\n');
    return Number(parts[2]) * 1e6 + Number(parts[4]);
  };
  const start = await micros();
  for (let i = 0; i < 1000 && (await micros()) - start < ms * 1000; i++);
}

/** Reads pushed messages until the `sync` channel's marker arrives. */
async function readUntilSync(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 100; i++) {
    const reply = (await c.readReply()).toString('latin1');
    if (reply.includes('\r\nsync\r\n')) return out;
    out.push(reply);
  }
  throw new Error('no sync marker');
}

describe.skipIf(skipInterop)(
  'transactions and pub/sub answered exactly as redis-server 7.0',
  () => {
    let servers: ServerPair;
    let a: ClientPair;
    let b: ClientPair;

    async function sameAll(pair: ClientPair, ...commands: Args[]): Promise<void> {
      for (const args of commands) await pair.same(...args);
    }

    /** HELLO's reply carries the client id, which differs: compare the rest. */
    async function hello(pair: ClientPair, protocol: string): Promise<void> {
      await pair.call('HELLO', protocol);
    }

    beforeAll(async () => {
      servers = await startPair();
    });

    afterAll(async () => {
      await servers?.stop();
    });

    beforeEach(async () => {
      a = await ClientPair.connect(servers);
      b = await ClientPair.connect(servers);
      await a.same('FLUSHALL');
    });

    afterEach(() => {
      a.close();
      b.close();
    });

    for (const protocol of ['2', '3']) {
      it(`MULTI/EXEC/DISCARD replies and errors match (RESP${protocol})`, async () => {
        await hello(a, protocol);
        await sameAll(
          a,
          ['EXEC'],
          ['DISCARD'],
          ['MULTI'],
          ['MULTI'],
          ['WATCH', 'x'],
          ['SET', 'x', '1'],
          ['INCR', 'x'],
          ['LPUSH', 'x', 'oops'],
          ['GET', 'x'],
          ['TTL', 'x'],
          ['EXEC'],
          ['MULTI'],
          ['SET', 'x'],
          ['GET', 'x'],
          ['EXEC'],
          ['MULTI'],
          ['NOSUCHCOMMAND', 'arg'],
          ['EXEC'],
          ['MULTI'],
          ['SHUTDOWN'],
          ['EXEC'],
          ['MULTI'],
          ['PING'],
          ['DISCARD'],
          ['MULTI'],
          ['EXEC'],
          ['MULTI'],
          ['UNWATCH'],
          ['EXEC'],
          // Inside EXEC a client must get one reply per command.
          ['MULTI'],
          ['MONITOR'],
          ['EXEC'],
          ['PING'],
        );
      });

      it(`WATCH outcomes match: touched, untouched, flushed, swapped, expired (RESP${protocol})`, async () => {
        await hello(a, protocol);
        const touches: Args[] = [
          ['SET', 'w', 'other'],
          ['GET', 'w'],
          ['DEL', 'w'],
          ['EXPIRE', 'w', '100'],
          ['FLUSHDB'],
          ['SWAPDB', '0', '1'],
          ['SET', 'unrelated', '1'],
        ];
        for (const touch of touches) {
          await sameAll(a, ['FLUSHALL'], ['SET', 'w', '1'], ['WATCH', 'w']);
          await b.same(...touch);
          await sameAll(a, ['MULTI'], ['GET', 'w'], ['EXEC']);
        }
        // A watched key that was missing and gets created.
        await sameAll(a, ['FLUSHALL'], ['WATCH', 'fresh']);
        await b.same('SET', 'fresh', '1');
        await sameAll(a, ['MULTI'], ['PING'], ['EXEC']);
        // Logically expired at EXEC time though nobody deleted it yet.
        await sameAll(a, ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'e', '1', 'PX', '20']);
        await sameAll(a, ['WATCH', 'e']);
        await Promise.all([waitServerMs(a.resplica, 30), waitServerMs(a.redis, 30)]);
        await sameAll(a, ['MULTI'], ['PING'], ['EXEC'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
      });

      it(`SUBSCRIBE/PUBLISH message bytes match (RESP${protocol})`, async () => {
        await hello(a, protocol);
        await sameAll(
          a,
          ['UNSUBSCRIBE'],
          ['PUNSUBSCRIBE'],
          ['SUBSCRIBE', 'ch'],
          ['PSUBSCRIBE', 'c*', 'x?'],
          ['PING'],
          ['PING', 'hello'],
          ['GET', 'k'],
          ['SSUBSCRIBE', 'sh'],
        );
        await b.same('PUBLISH', 'ch', 'payload');
        await b.same('SPUBLISH', 'sh', 'shard payload');
        await b.same('PUBSUB', 'NUMSUB', 'ch', 'nope');
        await b.same('PUBSUB', 'NUMPAT');
        await b.same('PUBSUB', 'SHARDNUMSUB', 'sh');
        await b.same('PUBSUB', 'CHANNELS', 'c*');
        await b.same('PUBSUB', 'HELP');
        await b.same('PUBSUB', 'CHANNELS', 'a', 'b');
        for (let i = 0; i < 3; i++) {
          const [mine, theirs] = await Promise.all([a.resplica.readReply(), a.redis.readReply()]);
          expect(showReply(mine)).toBe(showReply(theirs));
        }
        await sameAll(
          a,
          ['UNSUBSCRIBE', 'ch', 'never'],
          ['PUNSUBSCRIBE', 'x?'],
          ['PUNSUBSCRIBE'],
          ['SUNSUBSCRIBE'],
          ['PING'],
          ['RESET'],
        );
        await b.same('PUBSUB', 'NUMPAT');
      });

      it(`keyspace notification streams match (RESP${protocol})`, async () => {
        await b.same('CONFIG', 'SET', 'notify-keyspace-events', 'AKEmn');
        try {
          await hello(a, protocol);
          await sameAll(a, ['SUBSCRIBE', 'sync'], ['PSUBSCRIBE', '__key*__:*']);
          const commands: Args[] = [
            ['SET', 'k', 'v'],
            ['SET', 'k', 'v2', 'EX', '100'],
            ['SETNX', 'k', 'x'],
            ['SETEX', 'se', '100', 'v'],
            ['PSETEX', 'pse', '100000', 'v'],
            ['GETSET', 'k', 'v3'],
            ['MSET', 'm1', '1', 'm2', '2'],
            ['MSETNX', 'm3', '1', 'm4', '2'],
            ['APPEND', 'k', 'more'],
            ['APPEND', 'newappend', 'x'],
            ['SETRANGE', 'k', '2', 'zz'],
            ['SETRANGE', 'sr', '3', 'q'],
            ['INCR', 'n'],
            ['INCRBY', 'n', '5'],
            ['DECR', 'n'],
            ['INCRBYFLOAT', 'n', '0.5'],
            ['GET', 'missing'],
            ['MGET', 'k', 'missing2'],
            ['GETEX', 'k', 'EX', '50'],
            ['GETEX', 'k', 'PERSIST'],
            ['GETDEL', 'm1'],
            ['EXPIRE', 'm2', '100'],
            ['PERSIST', 'm2'],
            ['PEXPIRE', 'm2', '-1'],
            ['RENAME', 'k', 'k2'],
            ['RENAMENX', 'k2', 'k3'],
            ['COPY', 'k3', 'k4'],
            ['MOVE', 'k4', '2'],
            ['DEL', 'k3', 'nothing'],
            ['UNLINK', 'n'],
            ['FLUSHALL'],
          ];
          for (const command of commands) {
            await b.same(...command);
            await b.same('PUBLISH', 'sync', 'x');
            const [mine, theirs] = await Promise.all([
              readUntilSync(a.resplica),
              readUntilSync(a.redis),
            ]);
            expect(mine, command.join(' ')).toEqual(theirs);
          }
        } finally {
          await b.same('CONFIG', 'SET', 'notify-keyspace-events', '');
        }
      });
    }
  },
);
