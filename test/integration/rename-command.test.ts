import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  RESPLICA_MAIN,
  startResplica,
  type RunningServer,
} from '../helpers/processes.js';
import { RawClient } from '../helpers/resp.js';

/**
 * rename-command from redis.conf: operators use it to hide dangerous commands
 * (`rename-command FLUSHALL ""`), so accepting it without effect would be a
 * security hole, not a compatibility detail.
 */
describe('rename-command', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'resplica-rename-'));
  let server: RunningServer;
  let client: RawClient;

  beforeAll(async () => {
    const conf = path.join(dir, 'redis.conf');
    writeFileSync(conf, 'rename-command FLUSHALL ""\nrename-command config admin-config-7f3\n');
    server = await startResplica([], { configFile: conf });
    client = await RawClient.connect(server.port);
  });

  afterAll(async () => {
    client?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a command renamed to "" no longer exists', async () => {
    expect(await client.call('FLUSHALL')).toBe(
      "-ERR unknown command 'FLUSHALL', with args beginning with: \r\n",
    );
  });

  it('a renamed command answers only under its new name', async () => {
    expect(await client.call('CONFIG', 'GET', 'port')).toBe(
      "-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' \r\n",
    );
    expect(await client.call('ADMIN-CONFIG-7F3', 'GET', 'port')).toBe(
      `*2\r\n$4\r\nport\r\n$${String(server.port).length}\r\n${server.port}\r\n`,
    );
  });

  it('renaming an unknown command is a fatal config error naming the line', async () => {
    const conf = path.join(dir, 'bad.conf');
    writeFileSync(conf, `port ${await freePort()}\nrename-command NOSUCH other\n`);
    const run = spawnSync(process.execPath, [RESPLICA_MAIN, conf], {
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('*** FATAL CONFIG FILE ERROR');
    expect(run.stderr).toContain('at line 2');
    expect(run.stderr).toContain(">>> 'rename-command NOSUCH other'");
    expect(run.stderr).toContain('No such command in rename-command');
  });
});
