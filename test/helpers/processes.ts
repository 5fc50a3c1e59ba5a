import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawClient } from './resp.js';

/**
 * Starting and stopping servers for tests: resplica from dist/ (the build that
 * `npm test` runs first) and, where installed, a real redis-server. Every
 * server binds 127.0.0.1 on a free port and is killed by pid in teardown.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESPLICA_MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export const redisServerAvailable = hasBinary('redis-server');
export const redisCliAvailable = hasBinary('redis-cli');
export const redisBenchmarkAvailable = hasBinary('redis-benchmark');

export function skipMessage(binary: string): string {
  return `${binary} is not installed: skipping tests against the real Redis (apt-get install redis-server redis-tools)`;
}

/**
 * A port free on 127.0.0.1 for a server a test is about to start. Chosen
 * below the kernel's ephemeral range (32768+ on Linux), where the source
 * ports of the many client connections tests open are taken from: a port
 * handed out by the kernel could be the source port of a connection by the
 * time the server binds it. Random, so that parallel test files rarely
 * pick the same one; checked by binding it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (await canListen(port)) return port;
  }
  return listenPort(0);
}

function canListen(port: number): Promise<boolean> {
  return listenPort(port).then(
    () => true,
    () => false,
  );
}

function listenPort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

export interface RunningServer {
  port: number;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Polls until a PING answers (bounded), instead of sleeping. */
export async function waitForPing(
  port: number,
  timeoutMs = 15000,
  proc?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    if (proc !== undefined && proc.exitCode !== null)
      throw new Error(`server exited with code ${proc.exitCode}`);
    try {
      const client = await RawClient.connect(port);
      try {
        const reply = await client.call('PING');
        if (reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')) return;
      } finally {
        client.close();
      }
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`server on port ${port} did not answer PING: ${String(lastError)}`);
}

function launch(
  command: string,
  args: string[],
  port: number,
  options: { waitReady?: boolean } = {},
): Promise<RunningServer> {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const server: RunningServer = {
    port,
    process: proc,
    output: () => output,
    stop: () => stopProcess(proc),
  };
  if (options.waitReady === false) return Promise.resolve(server);
  return waitForPing(port, 15000, proc).then(
    () => server,
    async (err: unknown) => {
      await stopProcess(proc);
      throw new Error(`${String(err)}\n--- output ---\n${output}`);
    },
  );
}

export async function stopProcess(
  proc: ChildProcess,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

/**
 * Starts the built resplica with test-friendly defaults plus `extra` options.
 * `port` restarts a server on the port it had (a master its replicas retry).
 */
export async function startResplica(
  extra: string[] = [],
  options: { waitReady?: boolean; configFile?: string; port?: number } = {},
): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  // As with redis-server, a config file must come first on the command line.
  const file = options.configFile === undefined ? [] : [options.configFile];
  const args = [
    RESPLICA_MAIN,
    ...file,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    ...extra,
  ];
  return launch(process.execPath, args, port, options);
}

export async function startRedis(
  extra: string[] = [],
  options: { port?: number; configFile?: string } = {},
): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const args = [
    ...(options.configFile === undefined ? [] : [options.configFile]),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    ...extra,
  ];
  return launch('redis-server', args, port);
}

/**
 * Starts another server-like program (redis-sentinel, resplica --sentinel)
 * that listens on `port`, and waits until it answers PING; killed by pid
 * like the servers above.
 */
export function startProgram(
  command: string,
  args: string[],
  port: number,
): Promise<RunningServer> {
  return launch(command, args, port);
}
