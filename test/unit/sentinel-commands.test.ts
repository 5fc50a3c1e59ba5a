// The sentinel's command table served in-process: replies and refusals as
// redis-sentinel 7.0.15 gives them (texts captured from the binary), votes
// through is-master-down-by-addr, hellos received through PUBLISH, and the
// config file following SENTINEL MONITOR / REMOVE.
import net from 'node:net';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config.js';
import { Logger } from '../../src/server/log.js';
import type { Server } from '../../src/server/server.js';
import { ReplyError, ReplyParser, encodeCommand, type Reply } from '../../src/sentinel/link.js';
import {
  applySentinelDefaults,
  createSentinel,
  loadSentinelState,
} from '../../src/sentinel/start.js';
import type { Sentinel } from '../../src/sentinel/sentinel.js';
import { freePort } from '../helpers/processes.js';

const PEER = 'e'.repeat(40);
let dir = '';
let file = '';
let server: Server;
let sentinel: Sentinel;
let port = 0;

/** One command on a fresh connection, its reply parsed. */
async function cmd(...argv: string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    const parser = new ReplyParser();
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      parser.feed(chunk);
      const r = parser.next();
      if (r !== undefined) {
        socket.destroy();
        resolve(r);
      }
    });
    socket.write(encodeCommand(argv));
  });
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'resplica-sentinel-cmd-')));
  file = join(dir, 'sentinel.conf');
  port = await freePort();
  // The monitored master is unreachable on purpose: only commands are tested.
  writeFileSync(file, `port ${port}\nbind 127.0.0.1\nsentinel monitor mym 127.0.0.1 1 2\n`);
  const { config } = Config.fromArgv([file, '--sentinel']);
  applySentinelDefaults(config, []);
  const log = new Logger();
  log.level = 'warning';
  log.setFile(join(dir, 'sentinel.log'));
  const state = loadSentinelState(config);
  ({ server, sentinel } = createSentinel(config, log, state));
  await server.listen();
  sentinel.start();
});

afterAll(async () => {
  sentinel.stop();
  await server.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('sentinel commands', () => {
  it('refuses the commands redis-sentinel does not have', async () => {
    expect(await cmd('get', 'foo')).toEqual(
      new ReplyError("ERR unknown command 'get', with args beginning with: 'foo' "),
    );
    expect(await cmd('config', 'get', 'port')).toEqual(
      new ReplyError("ERR unknown command 'config', with args beginning with: 'get' 'port' "),
    );
    expect(await cmd('SENTINEL', 'foo')).toEqual(
      new ReplyError("ERR unknown subcommand 'foo'. Try SENTINEL HELP."),
    );
    expect(await cmd('PUBLISH', 'foo', 'bar')).toEqual(
      new ReplyError('ERR Only HELLO messages are accepted by Sentinel instances.'),
    );
  });

  it('answers ROLE, addresses and errors as redis-sentinel', async () => {
    expect(await cmd('ROLE')).toEqual(['sentinel', ['mym']]);
    // HELLO says the mode and, unlike a server, no role (RESP2 shows the map flat).
    const hello = await cmd('HELLO', '2');
    expect(Array.isArray(hello) ? hello.filter((_, i) => i % 2 === 0) : hello).toEqual([
      'server',
      'version',
      'proto',
      'id',
      'mode',
      'modules',
    ]);
    expect(Array.isArray(hello) ? hello[9] : null).toBe('sentinel');
    expect(await cmd('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mym')).toEqual(['127.0.0.1', '1']);
    expect(await cmd('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nosuch')).toBeNull();
    expect(await cmd('SENTINEL', 'MASTER', 'nosuch')).toEqual(
      new ReplyError('ERR No such master with that name'),
    );
    const master = (await cmd('SENTINEL', 'MASTER', 'mym')) as string[];
    expect(master.filter((_, i) => i % 2 === 0).slice(0, 7)).toEqual([
      'name',
      'ip',
      'port',
      'runid',
      'flags',
      'link-pending-commands',
      'link-refcount',
    ]);
    expect(await cmd('SENTINEL', 'MONITOR', 'a', '127.0.0.1', '1', '0')).toEqual(
      new ReplyError('ERR Quorum must be 1 or greater.'),
    );
    expect(await cmd('SENTINEL', 'MONITOR', 'mym', '127.0.0.1', '1', '1')).toEqual(
      new ReplyError('ERR Duplicate master name.'),
    );
    expect(await cmd('SENTINEL', 'SET', 'mym', 'foo', '1')).toEqual(
      new ReplyError("ERR Unknown option or number of arguments for SENTINEL SET 'foo'"),
    );
  });

  it('votes once per epoch through is-master-down-by-addr', async () => {
    const first = await cmd('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', '1', '7', PEER);
    expect(first).toEqual([0, PEER, 7]);
    const second = await cmd(
      'SENTINEL',
      'IS-MASTER-DOWN-BY-ADDR',
      '127.0.0.1',
      '1',
      '7',
      'f'.repeat(40),
    );
    expect(second).toEqual([0, PEER, 7]);
    expect(await cmd('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', '1', '0', '*')).toEqual([
      0,
      '*',
      0,
    ]);
    expect(readFileSync(file, 'utf8')).toContain('sentinel current-epoch 7\n');
  });

  it('learns a peer from a hello sent with PUBLISH', async () => {
    expect(
      await cmd('PUBLISH', '__sentinel__:hello', `127.0.0.1,1,${PEER},7,mym,127.0.0.1,1,0`),
    ).toBe(1);
    const peers = (await cmd('SENTINEL', 'SENTINELS', 'mym')) as string[][];
    expect(peers).toHaveLength(1);
    expect(peers[0]!.slice(0, 6)).toEqual(['name', PEER, 'ip', '127.0.0.1', 'port', '1']);
    expect(readFileSync(file, 'utf8')).toContain(
      `sentinel known-sentinel mym 127.0.0.1 1 ${PEER}\n`,
    );
    const info = (await cmd('INFO', 'sentinel')) as string;
    expect(info).toContain('master0:name=mym,status=ok,address=127.0.0.1:1,slaves=0,sentinels=2');
  });

  it('keeps the config file in step with MONITOR and REMOVE', async () => {
    expect(await cmd('SENTINEL', 'MONITOR', 'other', '127.0.0.1', '2', '1')).toBe('OK');
    expect(readFileSync(file, 'utf8')).toContain('sentinel monitor other 127.0.0.1 2 1\n');
    expect(await cmd('SENTINEL', 'REMOVE', 'other')).toBe('OK');
    expect(readFileSync(file, 'utf8')).not.toContain('other');
  });
});
