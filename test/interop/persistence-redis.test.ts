import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRedis, startResplica, type RunningServer } from '../helpers/processes.js';
import {
  everyTypeCommands,
  fillKeys,
  infoField,
  infoFieldNames,
  pipeline,
  removeTempDirs,
  tempDir,
  waitInfo,
} from '../helpers/persistence.js';
import { RawClient } from '../helpers/resp.js';
import { ClientPair, skipInterop, type ServerPair } from './compare.js';

/**
 * Persistence replies against redis-server 7.0, byte for byte: BGSAVE and
 * SAVE while a background save runs, BGSAVE SCHEDULE and its syntax errors,
 * the MISCONF refusals after a failed save, SHUTDOWN's failure reply, DEBUG
 * RELOAD's option check and the field names of INFO persistence. And the
 * file format itself: a dump written by Redis loads in resplica unchanged.
 */

const started: RunningServer[] = [];
const pairs: ClientPair[] = [];

afterEach(async () => {
  for (const p of pairs.splice(0)) p.close();
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

afterAll(() => removeTempDirs());

/** Both servers with the same options, each on its own fresh --dir. */
async function startBoth(extra: string[] = []): Promise<{
  servers: ServerPair;
  clients: ClientPair;
  dirs: { resplica: string; redis: string };
}> {
  const dirs = { resplica: tempDir('resplica-rdb-mine-'), redis: tempDir('resplica-rdb-redis-') };
  const common = ['--enable-debug-command', 'yes', ...extra];
  const [resplica, redis] = await Promise.all([
    startResplica(['--dir', dirs.resplica, ...common]),
    startRedis(['--dir', dirs.redis, ...common]),
  ]);
  started.push(resplica, redis);
  const servers: ServerPair = {
    resplica,
    redis,
    stop: async () => {
      await Promise.all([resplica.stop(), redis.stop()]);
    },
  };
  const clients = await ClientPair.connect(servers);
  pairs.push(clients);
  return { servers, clients, dirs };
}

/** Waits until both servers report `field:value` in INFO persistence. */
async function waitBoth(clients: ClientPair, field: string, value: string, timeoutMs = 15_000) {
  return Promise.all([
    waitInfo(clients.resplica, field, value, timeoutMs),
    waitInfo(clients.redis, field, value, timeoutMs),
  ]);
}

describe.skipIf(skipInterop)('RDB persistence replies against redis-server 7.0', () => {
  it('BGSAVE, SAVE and BGSAVE SCHEDULE while a slow background save runs', async () => {
    const { clients } = await startBoth();
    await Promise.all([fillKeys(clients.resplica, 300), fillKeys(clients.redis, 300)]);
    await clients.same('BGSAVE', 'FOO');
    await clients.same('BGSAVE', 'SCHEDULE', 'EXTRA');
    await clients.same('CONFIG', 'SET', 'rdb-key-save-delay', '10000');
    const savesBefore = (await clients.call('INFO', 'persistence')).map((i) =>
      Number(infoField(i, 'rdb_saves')),
    );
    await clients.same('BGSAVE');
    await clients.same('BGSAVE');
    await clients.same('SAVE');
    await clients.same('BGSAVE', 'SCHEDULE');
    await clients.same('BGSAVE', 'FOO');
    await clients.same('BGSAVE', 'SCHEDULE');
    const [mine, theirs] = await clients.call('LASTSAVE');
    expect(mine).toMatch(/^:\d+\r\n$/);
    expect(theirs).toMatch(/^:\d+\r\n$/);
    const [infoMine, infoTheirs] = await clients.call('INFO', 'persistence');
    expect(infoField(infoMine, 'rdb_bgsave_in_progress')).toBe('1');
    expect(infoField(infoTheirs, 'rdb_bgsave_in_progress')).toBe('1');
    expect(infoFieldNames(infoMine), 'INFO persistence field names during BGSAVE').toEqual(
      infoFieldNames(infoTheirs),
    );
    expect(infoField(infoMine, 'current_save_keys_total')).toBe(
      infoField(infoTheirs, 'current_save_keys_total'),
    );
    await clients.same('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    // Redis 7.0 schedules a save only behind another kind of child (an AOF
    // rewrite): behind an RDB save, SCHEDULE is refused, so one save completes.
    await Promise.all(
      [clients.resplica, clients.redis].map((c, i) =>
        waitInfo(c, 'rdb_saves', String(savesBefore[i]! + 1), 15_000),
      ),
    );
    await waitBoth(clients, 'rdb_bgsave_in_progress', '0');
    const [doneMine, doneTheirs] = await clients.call('INFO', 'persistence');
    expect(infoField(doneMine, 'rdb_last_bgsave_status')).toBe('ok');
    expect(infoField(doneTheirs, 'rdb_last_bgsave_status')).toBe('ok');
    await clients.same('BGSAVE', 'SCHEDULE');
    await waitBoth(clients, 'rdb_bgsave_in_progress', '0');
  }, 25_000);

  it('save points given as one argument on the command line', async () => {
    const { clients } = await startBoth(['--save', '1 1', '--save', '3600 1 300 100']);
    await clients.same('CONFIG', 'GET', 'save');
  });

  it('INFO persistence lists the same fields, in the same order, when idle', async () => {
    const { clients } = await startBoth();
    const [mine, theirs] = await clients.call('INFO', 'persistence');
    expect(infoFieldNames(mine)).toEqual(infoFieldNames(theirs));
    expect(infoFieldNames(mine).length).toBeGreaterThan(20);
    await clients.same('SET', 'k', 'v');
    await clients.same('SAVE');
    const [after, afterTheirs] = await clients.call('INFO', 'persistence');
    expect(infoFieldNames(after)).toEqual(infoFieldNames(afterTheirs));
    expect(infoField(after, 'rdb_changes_since_last_save')).toBe('0');
    expect(infoField(after, 'rdb_saves')).toBe(infoField(afterTheirs, 'rdb_saves'));
  });

  it('MISCONF after a failed background save, and SHUTDOWN refused while saving fails', async () => {
    const { clients, dirs } = await startBoth(['--save', '3600', '1']);
    await clients.same('SET', 'k', 'v');
    // Renaming the temp file onto a directory fails, even as root.
    mkdirSync(path.join(dirs.resplica, 'dump.rdb'));
    mkdirSync(path.join(dirs.redis, 'dump.rdb'));
    await clients.same('BGSAVE');
    await waitBoth(clients, 'rdb_last_bgsave_status', 'err');
    await waitBoth(clients, 'rdb_bgsave_in_progress', '0');
    await clients.same('SET', 'k', 'w');
    await clients.same('PING');
    await clients.same('GET', 'k');
    await clients.same('INCR', 'n');
    await clients.same('MULTI');
    await clients.same('SET', 'k', 'x');
    await clients.same('GET', 'k');
    await clients.same('EXEC');
    await clients.same('SAVE');
    await clients.same('BGSAVE', 'FOO');
    await clients.same('SHUTDOWN');
    await clients.same('PING');
    await clients.same('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    await clients.same('SET', 'k', 'w');
    await clients.same('PING');
    await clients.same('GET', 'k');
    await clients.same('SHUTDOWN');
    await clients.same('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    await clients.same('SET', 'k', 'z');
  });

  it('DEBUG RELOAD and its option check', async () => {
    const { clients } = await startBoth();
    for (const c of [clients.resplica, clients.redis]) {
      const replies = await pipeline(c, everyTypeCommands());
      expect(replies.filter((r) => r.startsWith('-'))).toEqual([]);
    }
    const digest = await clients.same('DEBUG', 'DIGEST');
    await clients.same('DEBUG', 'RELOAD', 'BADOPT');
    await clients.same('DEBUG', 'RELOAD', 'NOSAVE', 'BADOPT');
    await clients.same('DEBUG', 'RELOAD');
    expect(await clients.same('DEBUG', 'DIGEST')).toBe(digest);
    await clients.same('DEBUG', 'RELOAD', 'NOSAVE');
    expect(await clients.same('DEBUG', 'DIGEST')).toBe(digest);
  });

  it('a dump written by redis-server loads in resplica with the same DEBUG DIGEST', async () => {
    const redisDir = tempDir('resplica-rdb-redis-');
    const redis = await startRedis(['--dir', redisDir, '--enable-debug-command', 'yes']);
    started.push(redis);
    const c = await RawClient.connect(redis.port);
    try {
      const replies = await pipeline(c, everyTypeCommands());
      expect(replies.filter((r) => r.startsWith('-'))).toEqual([]);
      // Integer-encoded sets and listpack/quicklist/skiplist encodings are all represented.
      expect(await c.call('OBJECT', 'ENCODING', 'set:int')).toBe('$6\r\nintset\r\n');
      expect(await c.call('OBJECT', 'ENCODING', 'list:big')).toBe('$9\r\nquicklist\r\n');
      expect(await c.call('OBJECT', 'ENCODING', 'zset:big')).toBe('$8\r\nskiplist\r\n');
      expect(await c.call('OBJECT', 'ENCODING', 'hash:small')).toBe('$8\r\nlistpack\r\n');
      const digest = await c.call('DEBUG', 'DIGEST');
      expect(digest).toMatch(/^\+[0-9a-f]{40}\r\n$/);
      expect(await c.call('SAVE')).toBe('+OK\r\n');

      const mineDir = tempDir('resplica-rdb-mine-');
      cpSync(path.join(redisDir, 'dump.rdb'), path.join(mineDir, 'dump.rdb'));
      const mine = await startResplica(['--dir', mineDir, '--enable-debug-command', 'yes']);
      started.push(mine);
      const d = await RawClient.connect(mine.port);
      try {
        expect(await d.call('DEBUG', 'DIGEST')).toBe(digest);
        expect(await d.call('DBSIZE')).toBe(await c.call('DBSIZE'));
        const pttl = Number((await d.call('PTTL', 'ttl:str')).slice(1));
        expect(pttl).toBeGreaterThan(3_600_000 - 60_000);
      } finally {
        d.close();
      }
    } finally {
      c.close();
    }
  });

  it('a dump written by resplica loads in redis-server with the same DEBUG DIGEST', async () => {
    const mineDir = tempDir('resplica-rdb-mine-');
    const mine = await startResplica(['--dir', mineDir, '--enable-debug-command', 'yes']);
    started.push(mine);
    const c = await RawClient.connect(mine.port);
    try {
      const replies = await pipeline(c, everyTypeCommands());
      expect(replies.filter((r) => r.startsWith('-'))).toEqual([]);
      const digest = await c.call('DEBUG', 'DIGEST');
      expect(await c.call('SAVE')).toBe('+OK\r\n');
      const redisDir = tempDir('resplica-rdb-redis-');
      cpSync(path.join(mineDir, 'dump.rdb'), path.join(redisDir, 'dump.rdb'));
      const redis = await startRedis(['--dir', redisDir, '--enable-debug-command', 'yes']);
      started.push(redis);
      const d = await RawClient.connect(redis.port);
      try {
        expect(await d.call('DEBUG', 'DIGEST')).toBe(digest);
      } finally {
        d.close();
      }
    } finally {
      c.close();
    }
  });
});
