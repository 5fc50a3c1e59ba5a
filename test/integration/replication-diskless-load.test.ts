import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/processes.js';
import {
  everyTypeCommands,
  fillKeys,
  infoField,
  pipeline,
  removeTempDirs,
  until,
} from '../helpers/persistence.js';
import type { RawClient } from '../helpers/resp.js';
import { expectSameData, Fleet, waitInSync, workload } from '../helpers/replication.js';

/**
 * repl-diskless-load on a resplica replica: where the master's snapshot goes
 * while it arrives. `disabled` writes it to disk, checks it, then loads it;
 * `on-empty-db` parses an empty replica's payload straight into its
 * databases; `swapdb` parses into fresh databases and swaps them in, serving
 * the old data meanwhile when it is an earlier state of the same history.
 */

const fleet = new Fleet();
afterEach(() => fleet.stop());
afterAll(() => removeTempDirs());

function node(extra: string[]): ReturnType<Fleet['resplica']> {
  return fleet.resplica(extra, 'resplica-dl-');
}

/** Points the replica at a port nobody listens on while `writes` run, then back. */
async function awayWhile(
  replica: RawClient,
  masterPort: number,
  writes: () => Promise<void>,
): Promise<void> {
  expect(await replica.call('REPLICAOF', '127.0.0.1', String(await freePort()))).toBe('+OK\r\n');
  await writes();
  expect(await replica.call('REPLICAOF', '127.0.0.1', String(masterPort))).toBe('+OK\r\n');
}

describe('repl-diskless-load', () => {
  it.each([
    { load: 'disabled', diskless: 'no', into: 'to disk', file: true },
    { load: 'disabled', diskless: 'yes', into: 'to disk', file: true },
    { load: 'on-empty-db', diskless: 'yes', into: 'to parser', file: false },
    { load: 'swapdb', diskless: 'no', into: 'to parser', file: false },
    { load: 'swapdb', diskless: 'yes', into: 'to parser', file: false },
  ])(
    '$load with a $diskless diskless master: the payload goes $into and the data is equal',
    async ({ load, diskless, into, file }) => {
      const { server: m, client: master } = await node(['--repl-diskless-sync', diskless]);
      await pipeline(master, everyTypeCommands());
      await pipeline(master, workload('sync'));
      await fillKeys(master, 3_000, 'bulk:');
      const {
        server: r,
        client: replica,
        dir,
      } = await node(['--repl-diskless-load', load, '--replicaof', '127.0.0.1', String(m.port)]);
      await expectSameData(master, replica);
      const log = r.output();
      expect(log).toMatch(new RegExp(`MASTER <-> REPLICA sync: receiving .* ${into}`));
      expect(log).toContain('MASTER <-> REPLICA sync: Finished with success');
      if (load === 'swapdb') {
        expect(log).toContain('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
        expect(log).toContain('MASTER <-> REPLICA sync: Discarding old DB in background');
      } else {
        expect(log).toContain('MASTER <-> REPLICA sync: Flushing old data');
      }
      // Only the disk mode leaves the master's snapshot as our dump.
      expect(existsSync(path.join(dir, 'dump.rdb'))).toBe(file);
      // And the stream goes on after the load.
      await master.call('SET', 'after', 'load');
      await waitInSync(master, replica);
      expect(await replica.call('GET', 'after')).toBe('$4\r\nload\r\n');
    },
    30_000,
  );

  it('swapdb serves the old data while a resync of the same history loads, on-empty-db falls back to disk when there is data', async () => {
    const { server: m, client: master } = await node([
      '--repl-backlog-size',
      '16kb',
      '--repl-diskless-sync',
      'yes',
    ]);
    await fillKeys(master, 2_000, 'old:');
    const { server: r, client: replica } = await node([
      '--repl-diskless-load',
      'swapdb',
      '--replicaof',
      '127.0.0.1',
      String(m.port),
    ]);
    await waitInSync(master, replica);
    // Away from the master while it writes past its backlog: the next sync
    // is full, of the same replication id the replica already follows.
    await replica.call('CONFIG', 'SET', 'key-load-delay', '1000');
    await awayWhile(replica, m.port, () => fillKeys(master, 2_000, 'new:'));
    await until(
      async () => infoField(await replica.call('INFO', 'persistence'), 'async_loading') === '1',
      'the async load to start',
    );
    const persistence = await replica.call('INFO', 'persistence');
    expect(infoField(persistence, 'loading')).toBe('0');
    // Reads see the data held before the resync; commands flagged
    // no_async_loading wait.
    expect(await replica.call('GET', 'old:1')).not.toBe('$-1\r\n');
    expect(await replica.call('EXISTS', 'new:1')).toBe(':0\r\n');
    expect(await replica.call('SAVE')).toMatch(/^-LOADING /);
    await replica.call('CONFIG', 'SET', 'key-load-delay', '0');
    await waitInSync(master, replica);
    expect(await replica.call('EXISTS', 'new:1')).toBe(':1\r\n');
    expect(r.output()).toContain('Swapping active DB with loaded DB');

    // on-empty-db with data: loaded from disk, as `disabled`.
    await replica.call('CONFIG', 'SET', 'repl-diskless-load', 'on-empty-db');
    await awayWhile(replica, m.port, () => fillKeys(master, 2_000, 'newer:'));
    await until(
      () =>
        (r.output().match(/receiving streamed RDB from master with EOF to disk/g) ?? []).length > 0,
      'a sync to disk',
    );
    await expectSameData(master, replica);
  }, 40_000);

  it('swapdb answers -LOADING while it loads a history it did not follow', async () => {
    const { server: m, client: master } = await node([]);
    await fillKeys(master, 2_000, 'k:');
    const { client: replica } = await node([
      '--repl-diskless-load',
      'swapdb',
      '--key-load-delay',
      '1000',
    ]);
    await replica.call('SET', 'mine', '1');
    await replica.call('REPLICAOF', '127.0.0.1', String(m.port));
    await until(
      async () => infoField(await replica.call('INFO', 'persistence'), 'loading') === '1',
      'the load to start',
    );
    expect(infoField(await replica.call('INFO', 'persistence'), 'async_loading')).toBe('0');
    expect(await replica.call('GET', 'mine')).toMatch(/^-LOADING /);
    await replica.call('CONFIG', 'SET', 'key-load-delay', '0');
    await waitInSync(master, replica);
    expect(await replica.call('GET', 'mine')).toBe('$-1\r\n');
  }, 30_000);
});
