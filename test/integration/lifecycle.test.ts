import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  hasBinary,
  RESPLICA_MAIN,
  stopProcess,
  waitForPing,
} from '../helpers/processes.js';
import { RawClient } from '../helpers/resp.js';

/**
 * The process as an operator runs it: config file, pid file, unix socket, log
 * file in redis-server's format, signals, exit codes, fatal start-up errors,
 * the Debian redis.conf, and daemonizing.
 */

/** redis-server's log line prefix: `pid:role dd Mon yyyy hh:mm:ss.mmm <level> `. */
const LOG_LINE = /^\d+:[MCSX] \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] /;

const dirs: string[] = [];
const processes: ChildProcess[] = [];
/** Daemons are not our children: they are killed by pid if a test failed. */
const daemonPids: number[] = [];

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'resplica-life-'));
  dirs.push(d);
  return d;
}

interface Started {
  proc: ChildProcess;
  output(): string;
}

function launch(args: string[]): Started {
  // Its own working directory: with the default save points a graceful exit
  // writes dump.rdb into `dir` (./ by default), which must not be the repo.
  const proc = spawn(process.execPath, [RESPLICA_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: tempDir(),
  });
  processes.push(proc);
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { proc, output: () => output };
}

/** Exit code (or signal) of a process, failing after timeoutMs. */
function exited(proc: ChildProcess, timeoutMs = 10_000): Promise<number | NodeJS.Signals> {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  if (proc.signalCode !== null) return Promise.resolve(proc.signalCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`process ${proc.pid} still running after ${timeoutMs} ms`)),
      timeoutMs,
    );
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal!);
    });
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Whether a process still runs. A daemon is reparented to init once its
 * launcher exits, and an init that reaps lazily leaves it a zombie for a
 * while: signal 0 still succeeds then, so a zombie (state Z in
 * /proc/<pid>/stat, where available) counts as exited.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Reaped since the signal check (the file is gone), or no /proc here.
    return !existsSync('/proc/self/stat');
  }
}

/** PING over a unix socket, as an inline command. */
function pingUnix(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no PING reply on ${socketPath}`));
    }, 5000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function shutdownNosave(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  c.send('SHUTDOWN', 'NOSAVE');
  // SHUTDOWN has no reply: the server closes the connection as it exits.
  await c.waitClosed(10_000);
  expect(c.pending().toString()).toBe('');
}

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => stopProcess(p)));
});

afterAll(() => {
  for (const pid of daemonPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('server process lifecycle', () => {
  it('runs from a config file with pidfile, unix socket and logfile, and exits cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const port = await freePort();
    const pidfile = path.join(dir, 'redis.pid');
    const socketPath = path.join(dir, 'redis.sock');
    const logfile = path.join(dir, 'redis.log');
    const conf = path.join(dir, 'redis.conf');
    writeFileSync(
      conf,
      [
        '# written by lifecycle.test.ts',
        `port ${port}`,
        'bind 127.0.0.1',
        `pidfile ${pidfile}`,
        `unixsocket ${socketPath}`,
        'unixsocketperm 700',
        `logfile "${logfile}"`,
        'loglevel verbose',
        'save ""',
        '',
      ].join('\n'),
    );
    const { proc, output } = launch([conf]);
    await waitForPing(port, 10_000, proc);

    await until(() => existsSync(pidfile), 'the pid file');
    expect(readFileSync(pidfile, 'utf8')).toBe(`${proc.pid}\n`);
    expect(await pingUnix(socketPath)).toBe('+PONG\r\n');
    expect(statSync(socketPath).mode & 0o777).toBe(0o700);

    await until(
      () => readFileSync(logfile, 'utf8').includes('Ready to accept connections'),
      'the ready line',
    );
    const lines = readFileSync(logfile, 'utf8').trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(LOG_LINE);
    const messages = lines.map((l) => l.replace(LOG_LINE, ''));
    const initialized = messages.indexOf('Server initialized');
    const ready = messages.indexOf('Ready to accept connections');
    const unixReady = messages.indexOf(
      `The server is now ready to accept connections at ${socketPath}`,
    );
    expect(initialized).toBeGreaterThan(-1);
    expect(ready).toBeGreaterThan(initialized);
    expect(unixReady).toBeGreaterThan(ready);
    expect(lines[initialized]).toMatch(new RegExp(`^${proc.pid}:M .* # Server initialized$`));
    expect(lines[ready]).toMatch(new RegExp(`^${proc.pid}:M .* \\* Ready to accept connections$`));
    // Not a terminal: a one-line banner instead of the logo.
    expect(messages).toContain(`Running mode=standalone, port=${port}.`);
    // Everything goes to the log file, nothing to stdout.
    expect(output()).toBe('');

    proc.kill('SIGTERM');
    expect(await exited(proc)).toBe(0);
    const log = readFileSync(logfile, 'utf8');
    expect(log).toMatch(/# Received SIGTERM scheduling shutdown\.\.\.\n/);
    expect(log).toMatch(/# User requested shutdown\.\.\.\n/);
    expect(log).toMatch(/# Redis is now ready to exit, bye bye\.\.\.\n$/);
    expect(existsSync(pidfile)).toBe(false);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('loglevel warning keeps notice lines out of the log', async () => {
    const dir = tempDir();
    const port = await freePort();
    const logfile = path.join(dir, 'warn.log');
    const { proc } = launch([
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--logfile',
      logfile,
      '--loglevel',
      'warning',
    ]);
    await waitForPing(port, 10_000, proc);
    await until(
      () => readFileSync(logfile, 'utf8').includes('Server initialized'),
      'the initialized line',
    );
    const log = readFileSync(logfile, 'utf8');
    expect(log).not.toMatch(/ [*\-.] /);
    proc.kill('SIGINT');
    expect(await exited(proc)).toBe(0);
    expect(readFileSync(logfile, 'utf8')).toContain('# Received SIGINT scheduling shutdown...');
  });

  it('SIGHUP is ignored, as redis-server does', async () => {
    const port = await freePort();
    const { proc } = launch(['--port', String(port), '--bind', '127.0.0.1', '--save', '']);
    await waitForPing(port, 10_000, proc);
    proc.kill('SIGHUP');
    const c = await RawClient.connect(port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    c.close();
    expect(proc.exitCode).toBeNull();
  });

  it.skipIf(!hasBinary('script'))('shows the ASCII logo when logging to a terminal', async () => {
    const port = await freePort();
    // script(1) gives the server a pseudo-terminal as stdout.
    const proc = spawn(
      'script',
      [
        '-qfec',
        `"${process.execPath}" "${RESPLICA_MAIN}" --port ${port} --bind 127.0.0.1 --save ""`,
        '/dev/null',
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    processes.push(proc);
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitForPing(port, 10_000, proc);
      await until(() => output.includes('Ready to accept connections'), 'the ready line');
      expect(output).toContain('Running in standalone mode');
      expect(output).toMatch(new RegExp(`Port: ${port}\\r?\\n`));
      expect(output).not.toContain('Running mode=standalone');
    } finally {
      // The server ignores the SIGHUP a closing terminal sends: stop it by command.
      await shutdownNosave(port).catch(() => undefined);
    }
    expect(await exited(proc)).toBe(0);
  });

  it('SHUTDOWN NOSAVE exits with code 0 and removes the pid file', async () => {
    const dir = tempDir();
    const port = await freePort();
    const pidfile = path.join(dir, 'shut.pid');
    const { proc, output } = launch([
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--pidfile',
      pidfile,
    ]);
    await waitForPing(port, 10_000, proc);
    await until(() => existsSync(pidfile), 'the pid file');
    await shutdownNosave(port);
    expect(await exited(proc)).toBe(0);
    expect(output()).toContain('# User requested shutdown...');
    expect(output()).toContain('# Redis is now ready to exit, bye bye...');
    expect(existsSync(pidfile)).toBe(false);
  });

  it('a port already in use aborts start-up with exit code 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { proc, output } = launch([
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
      ]);
      expect(await exited(proc)).toBe(1);
      expect(output()).toMatch(
        new RegExp(
          `# Warning: Could not create server TCP listening socket 127\\.0\\.0\\.1:${port}: bind: Address already in use\\n`,
        ),
      );
      expect(output()).toMatch(
        new RegExp(`# Failed listening on port ${port} \\(tcp\\), aborting\\.\\n`),
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('listening nowhere (port 0, no unix socket) aborts start-up', async () => {
    const { proc, output } = launch(['--port', '0', '--save', '']);
    expect(await exited(proc)).toBe(1);
    expect(output()).toContain('# Configured to not listen anywhere, exiting.');
  });

  it('an unknown directive in the config file is a fatal config error', async () => {
    const dir = tempDir();
    const conf = path.join(dir, 'bad.conf');
    writeFileSync(conf, 'port 0\nno-such-directive yes\n');
    const proc = spawn(process.execPath, [RESPLICA_MAIN, conf], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    processes.push(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await exited(proc)).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        '',
        '*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***',
        'Reading the configuration file, at line 2',
        ">>> 'no-such-directive yes'",
        'Bad directive or wrong number of arguments',
        '',
      ].join('\n'),
    );
  });

  it('--version prints the version line and exits 0', async () => {
    for (const flag of ['--version', '-v']) {
      const { proc, output } = launch([flag]);
      expect(await exited(proc)).toBe(0);
      expect(output()).toMatch(
        /^Redis server v=7\.0\.15 sha=[0-9a-f]{8}:[01] malloc=\S+ bits=64 build=\S+\n$/,
      );
    }
  });

  it.skipIf(!existsSync('/etc/redis/redis.conf'))(
    'starts from the Debian /etc/redis/redis.conf with overrides',
    async () => {
      const dir = tempDir();
      const port = await freePort();
      const pidfile = path.join(dir, 'x.pid');
      const { proc, output } = launch([
        '/etc/redis/redis.conf',
        '--port',
        String(port),
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--logfile',
        '',
        '--pidfile',
        pidfile,
      ]);
      await waitForPing(port, 10_000, proc);
      await until(() => output().includes('Ready to accept connections'), 'the ready line');
      const c = await RawClient.connect(port);
      expect(await c.call('SET', 'deb', 'ok')).toBe('+OK\r\n');
      expect(await c.call('CONFIG', 'GET', 'dir')).toBe(
        `*2\r\n$3\r\ndir\r\n$${dir.length}\r\n${dir}\r\n`,
      );
      c.close();
      expect(readFileSync(pidfile, 'utf8')).toBe(`${proc.pid}\n`);
      // Start-up may list directives without effect, but nothing may fail.
      expect(output()).toContain('Configuration loaded');
      expect(output()).not.toMatch(/FATAL|Unexpected error|Failed|aborting|Can't/i);
      for (const line of output().trimEnd().split('\n')) expect(line).toMatch(LOG_LINE);
      await shutdownNosave(port);
      expect(await exited(proc)).toBe(0);
    },
  );

  it('--daemonize yes detaches: the command returns and the daemon serves until SHUTDOWN', async () => {
    const dir = tempDir();
    const port = await freePort();
    const pidfile = path.join(dir, 'daemon.pid');
    const logfile = path.join(dir, 'daemon.log');
    const started = Date.now();
    const { proc, output } = launch([
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--logfile',
      logfile,
    ]);
    expect(await exited(proc, 5000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(output()).toBe('');

    await until(
      () => existsSync(pidfile) && readFileSync(pidfile, 'utf8').endsWith('\n'),
      'the daemon pid file',
      10_000,
    );
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    daemonPids.push(pid);
    expect(pid).not.toBe(proc.pid);
    expect(isAlive(pid)).toBe(true);
    await waitForPing(port, 10_000);
    expect(readFileSync(logfile, 'utf8')).toContain(`${pid}:M `);

    await shutdownNosave(port);
    await until(() => !isAlive(pid), 'the daemon to exit', 10_000);
    expect(existsSync(pidfile)).toBe(false);
    expect(readFileSync(logfile, 'utf8')).toMatch(/Redis is now ready to exit, bye bye\.\.\.\n$/);
  });
});
