import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientPair, skipInterop, startPair, type ServerPair } from './compare.js';

/**
 * rdb_changes_since_last_save counts what Redis counts per command: save
 * points (`save 60 10000`) fire on this counter, so a collection created,
 * emptied or moved must add the same number of changes as on Redis.
 */

const COMMANDS: string[][] = [
  ['SET', 'k', 'v'],
  ['MSET', 'a', '1', 'b', '2'],
  ['INCR', 'a'],
  ['DEL', 'k', 'a', 'missing'],
  ['LPUSH', 'l', 'a', 'b', 'c'],
  ['LPOP', 'l', '3'],
  ['RPUSH', 'q', 'a', 'b', 'c'],
  ['LMOVE', 'q', 'q2', 'LEFT', 'LEFT'],
  ['RPOPLPUSH', 'q', 'q2'],
  ['LMOVE', 'q', 'q3', 'LEFT', 'RIGHT'],
  ['SADD', 's', 'a', 'b'],
  ['SREM', 's', 'a', 'b'],
  ['SADD', 's', 'a', 'b', 'c'],
  ['SPOP', 's', '10'],
  ['SADD', 's1', 'x'],
  ['SMOVE', 's1', 's2', 'x'],
  ['HSET', 'h', 'a', '1', 'b', '2'],
  ['HSET', 'h', 'a', '3'],
  ['HDEL', 'h', 'a', 'b'],
  ['HSETNX', 'h2', 'f', 'v'],
  ['HINCRBY', 'h3', 'f', '1'],
  ['ZADD', 'z', '1', 'a', '2', 'b'],
  ['ZADD', 'z', '3', 'a'],
  ['ZPOPMIN', 'z', '2'],
];

function changes(info: string): number {
  const m = /rdb_changes_since_last_save:(\d+)/.exec(info);
  if (m === null) throw new Error(`no rdb_changes_since_last_save in ${info}`);
  return Number(m[1]);
}

describe.skipIf(skipInterop)('the dirty counter against redis-server 7.0', () => {
  let servers: ServerPair;
  let clients: ClientPair;

  beforeAll(async () => {
    servers = await startPair();
    clients = await ClientPair.connect(servers);
  });

  afterAll(async () => {
    clients?.close();
    await servers?.stop();
  });

  it('each command adds the same number of changes as on Redis', async () => {
    await clients.same('FLUSHALL');
    for (const command of COMMANDS) {
      const [mineBefore, theirsBefore] = await clients.call('INFO', 'persistence');
      // Replies are compared by the family suites (SPOP's order is random).
      await clients.call(...command);
      const [mineAfter, theirsAfter] = await clients.call('INFO', 'persistence');
      expect(
        changes(mineAfter) - changes(mineBefore),
        `changes counted for ${command.join(' ')}`,
      ).toBe(changes(theirsAfter) - changes(theirsBefore));
    }
  });
});
