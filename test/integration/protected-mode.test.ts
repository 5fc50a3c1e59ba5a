import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasBinary,
  RESPLICA_MAIN,
  redisServerAvailable,
  stopProcess,
} from '../helpers/processes.js';

/**
 * Protected mode: with no password, connections from anything but loopback get
 * one DENIED error and are closed.
 *
 * Exercising that needs a client whose address is not loopback, and tests may
 * only use 127.0.0.1 or a network namespace of their own. So the test creates
 * a namespace, adds a second address (10.254.0.1) to its own `lo`, and runs
 * the servers and the clients inside it: a connection to 10.254.0.1 comes
 * from 10.254.0.1, which is not loopback, and nothing outside the namespace
 * can reach any of it. Needs root and iproute2; skipped otherwise.
 */

const NS = `resplica-pm-${process.pid}`;
const OUTSIDE = '10.254.0.1';
const LOOPBACK = '127.0.0.1';

/**
 * The exact bytes Redis 7.0 sends (networking.c, clientAcceptHandler), typo
 * included: clients and scripts match on this text.
 */
const DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** Why the namespace tests cannot run here, or null when they can. */
function namespaceUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating a network namespace needs root';
  if (!hasBinary('ip')) return 'iproute2 (`ip`) is not installed';
  // Creating one is the only reliable test (containers often forbid it).
  const probe = `resplica-pm-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8', timeout: 5000 });
  if (added.status !== 0)
    return `\`ip netns add\` failed: ${(added.stderr ?? '').trim() || `exit ${added.status}`}`;
  spawnSync('ip', ['netns', 'delete', probe], { timeout: 5000 });
  return null;
}

const unavailable = namespaceUnavailable();
if (unavailable !== null) console.warn(`skipping protected-mode tests: ${unavailable}`);

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr}`);
}

/**
 * A client run inside the namespace (a test process cannot open sockets in
 * another namespace). It sends each command and waits for its one-line reply;
 * with `untilClosed` it then waits for the server to close the connection.
 * Prints what happened as JSON.
 */
const CLIENT_SCRIPT = `
const net = require('node:net');
const [host, port, planJson] = process.argv.slice(1);
const { commands, untilClosed } = JSON.parse(planJson);
const replies = [];
let buf = Buffer.alloc(0);
let sent = 0;
let done = false;
const finish = (outcome) => {
  if (done) return;
  done = true;
  clearTimeout(timer);
  process.stdout.write(JSON.stringify({ replies, outcome, rest: buf.toString('latin1') }));
  sock.destroy();
};
const timer = setTimeout(() => finish('timeout'), 4000);
const encode = (args) => '*' + args.length + '\\r\\n' + args.map((a) => '$' + Buffer.byteLength(a) + '\\r\\n' + a + '\\r\\n').join('');
const next = () => {
  if (sent < commands.length) sock.write(encode(commands[sent++]));
  else if (!untilClosed) finish('done');
};
const sock = net.connect({ host, port: Number(port) }, next);
sock.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (let eol = buf.indexOf('\\r\\n'); eol !== -1; eol = buf.indexOf('\\r\\n')) {
    replies.push(buf.subarray(0, eol + 2).toString('latin1'));
    buf = buf.subarray(eol + 2);
    next();
  }
});
sock.on('end', () => finish('closed by server'));
sock.on('error', (err) => finish('error ' + err.code));
`;

interface ClientResult {
  replies: string[];
  outcome: string;
  rest: string;
}

function runInNamespace(
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', NS, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

async function client(
  host: string,
  port: number,
  commands: string[][],
  untilClosed = false,
): Promise<ClientResult> {
  const plan = JSON.stringify({ commands, untilClosed });
  const r = await runInNamespace(
    [process.execPath, '-e', CLIENT_SCRIPT, host, String(port), plan],
    8000,
  );
  if (r.code !== 0) throw new Error(`namespace client failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ClientResult;
}

interface NamespacedServer {
  port: number;
  process: ChildProcess;
  output(): string;
}

/**
 * Starts a server inside the namespace, listening on loopback and on the
 * namespace's non-loopback address, and waits (bounded) for the line Redis and
 * resplica both print once they accept connections. `ip netns exec` execs the
 * command, so the child's pid is the server's own.
 */
async function startInNamespace(command: string[], port: number): Promise<NamespacedServer> {
  const proc = spawn('ip', ['netns', 'exec', NS, ...command], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: os.tmpdir(),
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server on ${port} not ready in time:\n${output}`)),
      10_000,
    );
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server on ${port} exited with ${code}:\n${output}`));
    });
  });
  return { port, process: proc, output: () => output };
}

function startResplicaInNamespace(port: number, extra: string[]): Promise<NamespacedServer> {
  return startInNamespace(
    [
      process.execPath,
      RESPLICA_MAIN,
      '--port',
      String(port),
      '--bind',
      LOOPBACK,
      OUTSIDE,
      '--save',
      '',
      ...extra,
    ],
    port,
  );
}

describe.skipIf(unavailable !== null)('protected mode (inside a private network namespace)', () => {
  const servers: NamespacedServer[] = [];
  // The namespace is new and empty, so fixed ports cannot collide.
  const GUARDED = 7001;
  const REOPENED = 7002;
  const PASSWORDED = 7003;
  const REDIS = 7004;
  let namespaceCreated = false;

  beforeAll(async () => {
    ip('netns', 'add', NS);
    namespaceCreated = true;
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    ip('-n', NS, 'addr', 'add', `${OUTSIDE}/32`, 'dev', 'lo');
    const starting: Array<Promise<NamespacedServer>> = [
      startResplicaInNamespace(GUARDED, ['--protected-mode', 'yes']),
      startResplicaInNamespace(REOPENED, ['--protected-mode', 'yes']),
      startResplicaInNamespace(PASSWORDED, [
        '--protected-mode',
        'yes',
        '--requirepass',
        'pm-secret',
      ]),
    ];
    if (redisServerAvailable) {
      starting.push(
        startInNamespace(
          [
            'redis-server',
            '--port',
            String(REDIS),
            '--bind',
            LOOPBACK,
            OUTSIDE,
            '--protected-mode',
            'yes',
            '--save',
            '',
            '--appendonly',
            'no',
          ],
          REDIS,
        ),
      );
    }
    const started = await Promise.allSettled(starting);
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => stopProcess(s.process)));
    if (namespaceCreated) ip('netns', 'delete', NS);
  });

  it('refuses a non-loopback client with the DENIED error and closes the connection', async () => {
    const r = await client(OUTSIDE, GUARDED, [], true);
    expect(r.replies).toEqual([DENIED]);
    expect(r.outcome).toBe('closed by server');
    expect(r.rest).toBe('');
  });

  it('still serves loopback clients', async () => {
    const r = await client(LOOPBACK, GUARDED, [['PING']]);
    expect(r.replies).toEqual(['+PONG\r\n']);
  });

  it('CONFIG SET protected-mode no, sent from loopback, opens the server to other addresses at once', async () => {
    expect((await client(OUTSIDE, REOPENED, [], true)).replies).toEqual([DENIED]);
    const admin = await client(LOOPBACK, REOPENED, [['CONFIG', 'SET', 'protected-mode', 'no']]);
    expect(admin.replies).toEqual(['+OK\r\n']);
    const outside = await client(OUTSIDE, REOPENED, [['PING']]);
    expect(outside.replies).toEqual(['+PONG\r\n']);
  });

  it('a password lifts protected mode: outsiders are accepted and asked to authenticate', async () => {
    const r = await client(OUTSIDE, PASSWORDED, [['PING'], ['AUTH', 'pm-secret'], ['PING']]);
    expect(r.replies).toEqual(['-NOAUTH Authentication required.\r\n', '+OK\r\n', '+PONG\r\n']);
  });

  it.skipIf(!redisServerAvailable)(
    'redis-server in the same set-up sends the identical DENIED bytes',
    async () => {
      const r = await client(OUTSIDE, REDIS, [], true);
      expect(r.replies).toEqual([DENIED]);
      expect(r.outcome).toBe('closed by server');
      expect((await client(LOOPBACK, REDIS, [['PING']])).replies).toEqual(['+PONG\r\n']);
    },
  );
});
