import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  redisServerAvailable,
  skipMessage,
  startRedis,
  startResplica,
  type RunningServer,
} from '../helpers/processes.js';
import { infoField, pipeline, removeTempDirs, tempDir, until } from '../helpers/persistence.js';
import { expectSameData, Fleet, waitInSync, workload } from '../helpers/replication.js';

/**
 * A replica restarted from its own dump continues where the dump left off:
 * the file records the replication id, offset and stream database
 * (repl-id, repl-offset, repl-stream-db aux fields), the restarted replica
 * offers that history, and a master that still holds it in its backlog
 * answers +CONTINUE instead of transferring everything again.
 */

const fleet = new Fleet();
afterEach(() => fleet.stop());
afterAll(() => removeTempDirs());

const requireRedis = process.env.RESPLICA_REQUIRE_REDIS === '1';
if (!redisServerAvailable && !requireRedis) console.warn(skipMessage('redis-server'));

async function statsField(client: { call(...a: string[]): Promise<string> }, name: string) {
  return Number(infoField(await client.call('INFO', 'stats'), name));
}

describe.each([
  { masterKind: 'resplica', skip: false },
  { masterKind: 'redis-server', skip: !redisServerAvailable && !requireRedis },
])('a resplica replica restarted from its dump ($masterKind master)', ({ masterKind, skip }) => {
  it.skipIf(skip)(
    'continues with a partial resync, keeps the data, and the master counts no full sync',
    async () => {
      const masterServer: RunningServer =
        masterKind === 'resplica'
          ? await startResplica(['--dir', tempDir('resplica-restart-m-')])
          : await startRedis(['--dir', tempDir('resplica-restart-m-')]);
      const { client: m } = await fleet.add(masterServer);
      await pipeline(m, workload('before'));
      // A write in db 3 last: the dump must record the stream's database.
      await pipeline(m, [
        ['SELECT', '3'],
        ['SET', 'in-db3', 'yes'],
      ]);

      const dir = tempDir('resplica-restart-r-');
      const args = ['--dir', dir, '--replicaof', '127.0.0.1', String(masterServer.port)];
      const first = await startResplica(args);
      const { client: r1 } = await fleet.add(first);
      await waitInSync(m, r1);
      expect(await statsField(m, 'sync_full')).toBe(1);

      // SHUTDOWN SAVE writes the dump with our place in the history.
      await r1.call('SHUTDOWN', 'SAVE').catch(() => '');
      await until(() => first.process.exitCode !== null, 'the replica to exit');

      // Writes it missed: the master's backlog still holds them, in db 3.
      await pipeline(m, [['SET', 'missed', '1'], ...workload('during')]);

      const second = await startResplica(args, { port: first.port });
      const { client: r2 } = await fleet.add(second);
      await waitInSync(m, r2);
      expect(second.output()).toContain('Successful partial resynchronization with master.');
      expect(second.output()).not.toContain('Full resync from master');
      expect(await statsField(m, 'sync_full')).toBe(1);
      expect(await statsField(m, 'sync_partial_ok')).toBe(1);
      await r2.call('SELECT', '3');
      expect(await r2.call('GET', 'missed')).toBe('$1\r\n1\r\n');
      await expectSameData(m, r2);
      expect(infoField(await r2.call('INFO', 'replication'), 'master_replid')).toBe(
        infoField(await m.call('INFO', 'replication'), 'master_replid'),
      );
    },
    45_000,
  );
});
