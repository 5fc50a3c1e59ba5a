import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startResplica, type RunningServer } from '../helpers/processes.js';
import { RawClient } from '../helpers/resp.js';

/**
 * What operators read off a running server: INFO commandstats/errorstats,
 * SLOWLOG, CONFIG RESETSTAT and REWRITE, LATENCY, MEMORY USAGE, CLIENT PAUSE
 * and REPLY, the DEBUG guard, and the sentinel entry point.
 */

function infoField(info: string, name: string): string | undefined {
  return info
    .split('\r\n')
    .find((l) => l.startsWith(`${name}:`))
    ?.slice(name.length + 1);
}

/** The text of a bulk reply (INFO, CLIENT LIST). */
function bulkText(reply: string): string {
  return reply.slice(reply.indexOf('\r\n') + 2, -2);
}

describe('introspection of a running server', () => {
  let server: RunningServer;
  const clients: RawClient[] = [];

  async function connect(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startResplica(['--enable-debug-command', 'yes']);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  it('INFO commandstats counts calls, rejected and failed calls per command', async () => {
    const c = await connect();
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('SET', 'n', 'abc');
    await c.call('GET', 'n');
    await c.call('INCR', 'n'); // fails: not an integer
    await c.call('GET'); // rejected: arity
    const info = bulkText(await c.call('INFO', 'commandstats'));
    expect(info.startsWith('# Commandstats\r\n')).toBe(true);
    expect(infoField(info, 'cmdstat_get')).toMatch(
      /^calls=1,usec=\d+,usec_per_call=\d+\.\d{2},rejected_calls=1,failed_calls=0$/,
    );
    expect(infoField(info, 'cmdstat_incr')).toMatch(/^calls=1,.*,rejected_calls=0,failed_calls=1$/);
    // RESETSTAT is counted after it ran, as in Redis.
    expect(infoField(info, 'cmdstat_config|resetstat')).toMatch(/^calls=1,/);
  });

  it('INFO errorstats counts errors by code and CONFIG RESETSTAT clears them', async () => {
    const c = await connect();
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('SET', 's', 'x');
    await c.call('INCR', 's');
    await c.call('NOSUCHCOMMAND');
    await c.call('SET', 's', 'x', 'BADOPTION');
    let info = bulkText(await c.call('INFO', 'errorstats'));
    expect(infoField(info, 'errorstat_ERR')).toBe('count=3');
    const stats = bulkText(await c.call('INFO', 'stats'));
    expect(infoField(stats, 'total_error_replies')).toBe('3');
    await c.call('CONFIG', 'RESETSTAT');
    info = bulkText(await c.call('INFO', 'errorstats'));
    expect(infoField(info, 'errorstat_ERR')).toBeUndefined();
  });

  it('INFO default and all list Redis 7 sections in order', async () => {
    const c = await connect();
    const sections = (text: string): string[] =>
      text
        .split('\r\n')
        .filter((l) => l.startsWith('# '))
        .map((l) => l.slice(2));
    expect(sections(bulkText(await c.call('INFO')))).toEqual([
      'Server',
      'Clients',
      'Memory',
      'Persistence',
      'Stats',
      'Replication',
      'CPU',
      'Modules',
      'Errorstats',
      'Cluster',
      'Keyspace',
    ]);
    expect(sections(bulkText(await c.call('INFO', 'all')))).toContain('Commandstats');
    const server = bulkText(await c.call('INFO', 'server'));
    expect(infoField(server, 'redis_version')).toBe('7.0.15');
    expect(infoField(server, 'tcp_port')).toBe(String(serverPort()));
  });

  function serverPort(): number {
    return server.port;
  }

  it('SLOWLOG records commands over the threshold, newest first, and RESET empties it', async () => {
    const c = await connect();
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    await c.call('SET', 'slow', 'v');
    await c.call('DEBUG', 'SLEEP', '0.02');
    const entries = await c.call('SLOWLOG', 'GET', '2');
    expect(entries.startsWith('*2\r\n*6\r\n')).toBe(true);
    expect(entries).toContain('$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$4\r\n0.02\r\n');
    const len = Number((await c.call('SLOWLOG', 'LEN')).slice(1));
    expect(len).toBeGreaterThanOrEqual(3);
    expect(await c.call('SLOWLOG', 'RESET')).toBe('+OK\r\n');
    // SLOWLOG RESET itself is logged (threshold 0), as in Redis.
    expect(Number((await c.call('SLOWLOG', 'LEN')).slice(1))).toBeLessThanOrEqual(1);
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
  });

  it('SLOWLOG clips long arguments and honours slowlog-max-len', async () => {
    const c = await connect();
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '2');
    await c.call('SET', 'big', 'x'.repeat(200));
    const entries = await c.call('SLOWLOG', 'GET', '-1');
    expect(entries.startsWith('*2\r\n')).toBe(true);
    expect(entries).toContain(`${'x'.repeat(128)}... (72 more bytes)`);
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
  });

  it('LATENCY answers as an idle monitor and MEMORY USAGE estimates a key', async () => {
    const c = await connect();
    expect(await c.call('LATENCY', 'LATEST')).toBe('*0\r\n');
    expect(await c.call('LATENCY', 'RESET')).toBe(':0\r\n');
    await c.call('SET', 'mem', 'x'.repeat(100));
    expect(Number((await c.call('MEMORY', 'USAGE', 'mem')).slice(1))).toBeGreaterThan(100);
    expect(await c.call('MEMORY', 'USAGE', 'nokey')).toBe('$-1\r\n');
  });

  it('CLIENT PAUSE WRITE holds writes until the pause ends, reads go on', async () => {
    const admin = await connect();
    const writer = await connect();
    await admin.call('SET', 'paused', 'before');
    expect(await admin.call('CLIENT', 'PAUSE', '300', 'WRITE')).toBe('+OK\r\n');
    const started = Date.now();
    writer.send('SET', 'paused', 'after');
    expect(await admin.call('GET', 'paused')).toBe('$6\r\nbefore\r\n');
    expect((await writer.readReply(5000)).toString()).toBe('+OK\r\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await admin.call('GET', 'paused')).toBe('$5\r\nafter\r\n');
  });

  it('CLIENT UNPAUSE releases held clients at once', async () => {
    const admin = await connect();
    const writer = await connect();
    // WRITE, not ALL: under PAUSE ALL Redis holds CLIENT UNPAUSE itself too.
    await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
    writer.send('SET', 'k', 'v');
    const started = Date.now();
    admin.send('CLIENT', 'UNPAUSE');
    expect((await admin.readReply()).toString()).toBe('+OK\r\n');
    expect((await writer.readReply(5000)).toString()).toBe('+OK\r\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('CLIENT REPLY OFF and SKIP silence replies without losing the writes', async () => {
    const c = await connect();
    c.send('CLIENT', 'REPLY', 'SKIP');
    c.send('SET', 'skipped', '1');
    c.send('GET', 'skipped');
    expect((await c.readReply()).toString()).toBe('$1\r\n1\r\n');
    c.send('CLIENT', 'REPLY', 'OFF');
    c.send('SET', 'quiet', '2');
    c.send('CLIENT', 'REPLY', 'ON');
    expect((await c.readReply()).toString()).toBe('+OK\r\n');
    expect(await c.call('GET', 'quiet')).toBe('$1\r\n2\r\n');
  });
});

describe('DEBUG is guarded by enable-debug-command', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startResplica();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('is refused by default, as in Redis 7.0', async () => {
    const c = await RawClient.connect(server.port);
    try {
      expect(await c.call('DEBUG', 'SLEEP', '0')).toBe(
        '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n',
      );
    } finally {
      c.close();
    }
  });
});

describe('CONFIG REWRITE through the command', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'resplica-rewrite-'));
  let server: RunningServer;

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes runtime changes back into the config file, keeping its comments', async () => {
    const file = path.join(dir, 'redis.conf');
    writeFileSync(file, '# my settings\nmaxclients 100\n');
    server = await startResplica([], { configFile: file });
    const c = await RawClient.connect(server.port);
    try {
      expect(await c.call('CONFIG', 'SET', 'maxclients', '222', 'slowlog-max-len', '7')).toBe(
        '+OK\r\n',
      );
      expect(await c.call('CONFIG', 'REWRITE')).toBe('+OK\r\n');
    } finally {
      c.close();
    }
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# my settings');
    expect(text).toContain('maxclients 222');
    expect(text).toContain('slowlog-max-len 7');
  });
});

describe('resplica-sentinel', () => {
  it('refuses to start without a config file to keep its state in, as redis-sentinel', async () => {
    const main = path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '../../dist/src/sentinel-main.js',
    );
    const run = spawnSync(process.execPath, [main, '--port', String(await freePort())], {
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toMatch(
      /^\d+:X \d+ \w+ \d{4} [\d:.]+ # Sentinel needs config file on disk to save state\. Exiting\.\.\.$/m,
    );
  });
});
