import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasBinary,
  redisBenchmarkAvailable,
  redisCliAvailable,
  skipMessage,
  startResplica,
  stopProcess,
  type RunningServer,
} from '../helpers/processes.js';

/**
 * The operator's tools against the built server: redis-cli in scripted,
 * piped and interactive use and its special modes (--scan, --stat, --latency,
 * --bigkeys, --pipe), and redis-benchmark. Every tool run is bounded by a
 * timeout and killed by pid.
 */

const requireRedis = process.env.RESPLICA_REQUIRE_REDIS === '1';
/** stdbuf makes redis-cli line-buffered into a pipe; script gives it a terminal. */
const stdbufAvailable = hasBinary('stdbuf');
const scriptAvailable = hasBinary('script');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/** Runs a command to completion, killing it (by pid) after timeoutMs. */
function run(
  command: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 10_000);
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      running.delete(proc);
      resolve({ code, stdout, stderr });
    });
    proc.stdin!.end(options.input ?? '');
  });
}

/** A long-running tool whose output the test watches, then stops. */
class Watched {
  output = '';
  private waiters: Array<() => void> = [];

  constructor(readonly proc: ChildProcess) {
    running.add(proc);
    const collect = (d: Buffer): void => {
      this.output += d.toString();
      for (const w of this.waiters.splice(0)) w();
    };
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    proc.on('close', () => {
      running.delete(proc);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Waits (bounded) until the output since `from` satisfies `test`. */
  async waitFor(test: (text: string) => boolean, timeoutMs = 5000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.output.slice(from);
      if (test(text)) return text;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.proc.exitCode !== null) {
        throw new Error(
          `expected output not seen (exit ${this.proc.exitCode}); got:\n${this.output}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): Promise<void> {
    return stopProcess(this.proc);
  }
}

if (!redisCliAvailable && !requireRedis) console.warn(skipMessage('redis-cli'));

describe.runIf(requireRedis && !redisCliAvailable)('redis-cli required', () => {
  it('redis-cli is installed (RESPLICA_REQUIRE_REDIS=1)', () => {
    expect(redisCliAvailable, skipMessage('redis-cli')).toBe(true);
  });
});

describe.skipIf(!redisCliAvailable)('redis-cli against resplica', () => {
  let server: RunningServer;
  let authServer: RunningServer;

  function cli(
    args: string[],
    options: { input?: string; timeoutMs?: number } = {},
  ): Promise<CliResult> {
    return run('redis-cli', ['-p', String(server.port), ...args], options);
  }

  /** Output of a scripted redis-cli call that must succeed quietly. */
  async function ok(args: string[], input?: string): Promise<string> {
    const r = await cli(args, input === undefined ? {} : { input });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  }

  beforeAll(async () => {
    [server, authServer] = await Promise.all([
      startResplica(),
      startResplica(['--requirepass', 'pw-cli']),
    ]);
  });

  afterAll(async () => {
    await Promise.all([...running].map((p) => stopProcess(p)));
    await Promise.all([server?.stop(), authServer?.stop()]);
  });

  it('runs commands given as arguments', async () => {
    expect(await ok(['SET', 'cli:a', 'b'])).toBe('OK\n');
    expect(await ok(['GET', 'cli:a'])).toBe('b\n');
    expect(await ok(['GET', 'cli:missing'])).toBe('\n');
    expect(await ok(['INCR', 'cli:n'])).toBe('1\n');
  });

  it('formats replies as --raw, --no-raw and --csv ask', async () => {
    await ok(['SET', 'cli:fmt', 'two words']);
    expect(await ok(['--raw', 'GET', 'cli:fmt'])).toBe('two words\n');
    expect(await ok(['--no-raw', 'GET', 'cli:fmt'])).toBe('"two words"\n');
    expect(await ok(['--no-raw', 'GET', 'cli:missing'])).toBe('(nil)\n');
    expect(await ok(['--no-raw', 'INCR', 'cli:fmt:n'])).toBe('(integer) 1\n');
    expect(await ok(['--no-raw', 'MGET', 'cli:fmt', 'cli:missing'])).toBe(
      '1) "two words"\n2) (nil)\n',
    );
    expect(await ok(['--csv', 'MGET', 'cli:fmt', 'cli:missing'])).toBe('"two words",NULL\n');
  });

  it('shows errors in the reply text', async () => {
    await ok(['SET', 'cli:str', 'x']);
    const r = await cli(['--no-raw', 'INCR', 'cli:str']);
    expect(r.stdout).toBe('(error) ERR value is not an integer or out of range\n');
    const unknown = await cli(['NOSUCHCOMMAND', 'x']);
    expect(unknown.stdout).toContain(
      "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x'",
    );
  });

  it('reads commands from a stdin pipe', async () => {
    const out = await ok(
      [],
      'SET cli:pipe 10\nINCRBY cli:pipe 5\nGET cli:pipe\nSET "cli:quoted key" "a b"\nGET "cli:quoted key"\n',
    );
    expect(out).toBe('OK\n15\n15\nOK\na b\n');
  });

  it('-x takes the last argument from stdin', async () => {
    await ok(['-x', 'SET', 'cli:x'], 'line one\nline two');
    expect(await ok(['STRLEN', 'cli:x'])).toBe('17\n');
  });

  it('-r repeats a command', async () => {
    expect(await ok(['-r', '3', 'INCR', 'cli:repeat'])).toBe('1\n2\n3\n');
  });

  it('-n selects the database', async () => {
    expect(await ok(['-n', '2', 'SET', 'cli:db', 'two'])).toBe('OK\n');
    expect(await ok(['-n', '2', 'GET', 'cli:db'])).toBe('two\n');
    expect(await ok(['GET', 'cli:db'])).toBe('\n');
    expect(await ok(['-n', '2', 'DBSIZE'])).toBe('1\n');
  });

  it('-a authenticates, and --no-auth-warning silences the warning', async () => {
    const port = String(authServer.port);
    const quiet = await run('redis-cli', [
      '-p',
      port,
      '-a',
      'pw-cli',
      '--no-auth-warning',
      'SET',
      'cli:auth',
      'yes',
    ]);
    expect(quiet).toEqual({ code: 0, stdout: 'OK\n', stderr: '' });

    const warned = await run('redis-cli', ['-p', port, '-a', 'pw-cli', 'GET', 'cli:auth']);
    expect(warned.stdout).toBe('yes\n');
    expect(warned.stderr).toContain(
      "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.",
    );

    const anonymous = await run('redis-cli', ['-p', port, 'GET', 'cli:auth']);
    expect(anonymous.stdout).toContain('NOAUTH Authentication required.');

    const uri = await run('redis-cli', [
      '--no-auth-warning',
      '-u',
      `redis://default:pw-cli@127.0.0.1:${port}/3`,
      'SET',
      'cli:uri',
      'db3',
    ]);
    expect(uri).toEqual({ code: 0, stdout: 'OK\n', stderr: '' });
    const fromEnv = await run('sh', [
      '-c',
      `REDISCLI_AUTH=pw-cli exec redis-cli -p ${port} -n 3 GET cli:uri`,
    ]);
    expect(fromEnv).toEqual({ code: 0, stdout: 'db3\n', stderr: '' });

    const wrong = await run('redis-cli', ['-p', port, '-a', 'nope', '--no-auth-warning', 'PING']);
    expect(wrong.stderr).toContain(
      'AUTH failed: WRONGPASS invalid username-password pair or user is disabled.',
    );
  });

  it('--scan --pattern lists exactly the matching keys', async () => {
    const keys = Array.from({ length: 120 }, (_, i) => `cli:scan:${i}`);
    await ok(['MSET', ...keys.flatMap((k) => [k, 'v'])]);
    await ok(['SET', 'cli:other', 'v']);
    const out = await ok(['--scan', '--pattern', 'cli:scan:*']);
    expect(out.trim().split('\n').sort()).toEqual([...keys].sort());
  });

  it('INFO prints the sections tools parse', async () => {
    const out = await ok(['INFO']);
    expect(out).toMatch(/^# Server$/m);
    expect(out).toMatch(/^redis_version:7\.0\.15$/m);
    expect(out).toMatch(/^tcp_port:\d+$/m);
    expect(out).toMatch(/^# Clients$/m);
    expect(out).toMatch(/^connected_clients:\d+$/m);
    expect(out).toMatch(/^# Memory$/m);
    expect(out).toMatch(/^used_memory:\d+$/m);
    expect(out).toMatch(/^# Persistence$/m);
    expect(out).toMatch(/^loading:0$/m);
    expect(out).toMatch(/^# Stats$/m);
    expect(out).toMatch(/^# Replication$/m);
    expect(out).toMatch(/^role:master$/m);
    expect(out).toMatch(/^# Keyspace$/m);
    expect(out).toMatch(/^db0:keys=\d+,expires=\d+,avg_ttl=\d+$/m);
    const keyspace = await ok(['INFO', 'keyspace']);
    // INFO is a bulk string with CRLF line ends, which redis-cli prints as is.
    expect(keyspace.split('\r\n')[0]).toBe('# Keyspace');
  });

  it.skipIf(!stdbufAvailable)('--stat prints a header and a data line per interval', async () => {
    // redis-cli block-buffers stdout into a pipe; stdbuf makes it line-buffered
    // so the test sees lines as they are printed.
    const stat = new Watched(
      spawn('stdbuf', ['-oL', 'redis-cli', '-p', String(server.port), '--stat', '-i', '0.1']),
    );
    try {
      const text = await stat.waitFor(
        (t) =>
          t.split('\n').filter((l) => /^\d+\s+\S+\s+\d+\s+\d+\s+\d+ \(\+\d+\)\s+\d+/.test(l))
            .length >= 2,
      );
      expect(text).toMatch(/^------- data ------ -+ load -+ - child -$/m);
      expect(text).toMatch(/^keys\s+mem\s+clients\s+blocked\s+requests\s+connections\s*$/m);
      expect(text).not.toMatch(/ERR|error/i);
    } finally {
      await stat.stop();
    }
  });

  it('--latency samples PING and reports min, max, avg and count', async () => {
    // Without a TTY, --latency prints one line after the first interval and exits.
    const r = await cli(['--latency', '-i', '0.1'], { timeoutMs: 5000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ \d+ \d+\.\d+ \d+\n$/);
  });

  it.skipIf(!stdbufAvailable)('--latency-history keeps reporting until stopped', async () => {
    const history = new Watched(
      spawn('stdbuf', [
        '-oL',
        'redis-cli',
        '-p',
        String(server.port),
        '--latency-history',
        '-i',
        '0.1',
      ]),
    );
    try {
      await history.waitFor((t) => (t.match(/^\d+ \d+ \d+\.\d+ \d+$/gm) ?? []).length >= 2);
    } finally {
      await history.stop();
    }
  });

  it('--bigkeys and --memkeys summarise the keyspace', async () => {
    await ok(['-n', '7', 'SET', 'cli:big', 'x'.repeat(1000)]);
    await ok(['-n', '7', 'SET', 'cli:small', 'y']);
    const big = await ok(['-n', '7', '--bigkeys']);
    expect(big).toContain('Sampled 2 keys in the keyspace!');
    expect(big).toContain(`Biggest string found '"cli:big"' has 1000 bytes`);
    expect(big).toContain('2 strings with 1001 bytes (100.00% of keys, avg size 500.50)');
    const mem = await ok(['-n', '7', '--memkeys']);
    expect(mem).toMatch(/Biggest string found '"cli:big"' has \d+ bytes/);
  });

  it('--pipe mass-inserts raw protocol and counts the replies', async () => {
    let input = '';
    for (let i = 0; i < 500; i++)
      input += `*3\r\n$3\r\nSET\r\n$${`cli:mass:${i}`.length}\r\ncli:mass:${i}\r\n$1\r\n${i % 10}\r\n`;
    const r = await cli(['--pipe'], { input });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('errors: 0, replies: 500');
    expect(await ok(['GET', 'cli:mass:499'])).toBe('9\n');
  });

  it.skipIf(!stdbufAvailable)(
    'MONITOR streams commands after they ran, with credentials redacted',
    async () => {
      const monitor = new Watched(
        spawn('stdbuf', ['-oL', 'redis-cli', '-p', String(server.port), 'MONITOR']),
      );
      try {
        await monitor.waitFor((t) => t === 'OK\n');
        await cli(['AUTH', 'not-the-password']);
        await cli(['HELLO', '2', 'AUTH', 'default', 'hunter2', 'SETNAME', 'mon']);
        await cli(['-n', '5', 'SET', 'cli:mon key', 'v\x01']);
        const text = await monitor.waitFor((t) => t.includes('"SET"'));
        const lines = text.trimEnd().split('\n').slice(1);
        const addr = '127\\.0\\.0\\.1:\\d+';
        expect(lines[0]).toMatch(
          new RegExp(`^\\d+\\.\\d{6} \\[0 ${addr}\\] "AUTH" "\\(redacted\\)"$`),
        );
        expect(lines[1]).toMatch(
          new RegExp(
            `^\\d+\\.\\d{6} \\[0 ${addr}\\] "HELLO" "2" "AUTH" "\\(redacted\\)" "\\(redacted\\)" "SETNAME" "mon"$`,
          ),
        );
        // The database is the one after the command: SELECT already shows 5.
        expect(lines[2]).toMatch(new RegExp(`^\\d+\\.\\d{6} \\[5 ${addr}\\] "SELECT" "5"$`));
        expect(lines[3]).toMatch(
          new RegExp(`^\\d+\\.\\d{6} \\[5 ${addr}\\] "SET" "cli:mon key" "v\\\\x01"$`),
        );
        expect(text).not.toContain('hunter2');
        expect(text).not.toContain('not-the-password');
      } finally {
        await monitor.stop();
      }
    },
  );

  it('works interactively over a pipe, one reply per line typed', async () => {
    const session = new Watched(
      spawn('redis-cli', ['-p', String(server.port)], { stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    try {
      const steps: Array<[string, string]> = [
        ['SET cli:repl 5', 'OK\n'],
        ['INCR cli:repl', '6\n'],
        ['GET cli:repl', '6\n'],
        ['GET cli:repl:missing', '\n'],
        ['SELECT 3', 'OK\n'],
        ['GET cli:repl', '\n'],
        ['PING', 'PONG\n'],
      ];
      for (const [command, reply] of steps) {
        const from = session.output.length;
        session.proc.stdin!.write(`${command}\n`);
        expect(await session.waitFor((t) => t === reply, 5000, from)).toBe(reply);
      }
      session.proc.stdin!.end();
      await session
        .waitFor(() => session.proc.exitCode !== null || session.proc.signalCode !== null)
        .catch(() => undefined);
    } finally {
      await session.stop();
    }
  });

  it.skipIf(!scriptAvailable)(
    'works interactively on a terminal, with the host:port prompt',
    async () => {
      // script(1) gives redis-cli a pseudo-terminal; stty sets its size so
      // linenoise does not query the cursor position through our input.
      const port = server.port;
      const session = new Watched(
        spawn(
          'script',
          ['-qfec', `stty cols 200 rows 50; exec redis-cli -p ${port}`, '/dev/null'],
          { stdio: ['pipe', 'pipe', 'pipe'] },
        ),
      );
      const prompt = `127.0.0.1:${port}> `;
      const plain = (t: string): string =>
        t.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
      try {
        await session.waitFor((t) => plain(t).includes(prompt));
        const steps: Array<[string, string]> = [
          ['SET cli:tty 41', 'OK'],
          ['INCR cli:tty', '(integer) 42'],
          ['GET cli:tty', '"42"'],
          ['GET cli:tty:missing', '(nil)'],
          ['SELECT 4', 'OK'],
        ];
        let currentPrompt = prompt;
        for (const [command, reply] of steps) {
          const from = session.output.length;
          session.proc.stdin!.write(`${command}\r`);
          if (command === 'SELECT 4') currentPrompt = `127.0.0.1:${port}[4]> `;
          // Wait for the next prompt, not just the reply: linenoise flushes
          // unread terminal input (TCSAFLUSH) when it re-enters raw mode for
          // a prompt, so typing ahead of the prompt can be discarded.
          const expected = `\n${reply}\n${currentPrompt}`;
          const text = await session.waitFor((t) => plain(t).includes(expected), 10000, from);
          expect(plain(text)).toContain(expected);
        }
        session.proc.stdin!.write('quit\r');
        await session.waitFor(() => session.proc.exitCode !== null).catch(() => undefined);
      } finally {
        await session.stop();
      }
    },
  );
});

if (!redisBenchmarkAvailable && !requireRedis) console.warn(skipMessage('redis-benchmark'));

describe.skipIf(!redisBenchmarkAvailable && !requireRedis)(
  'redis-benchmark against resplica',
  () => {
    let server: RunningServer;

    beforeAll(async () => {
      if (redisBenchmarkAvailable) server = await startResplica();
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('completes set, get, incr and mset without errors', async () => {
      expect(redisBenchmarkAvailable, skipMessage('redis-benchmark')).toBe(true);
      const r = await run(
        'redis-benchmark',
        ['-p', String(server.port), '-t', 'set,get,incr,mset', '-n', '2000', '-c', '10', '-q'],
        {
          timeoutMs: 15_000,
        },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // -q prints one final "<TEST>: <rps> requests per second" line per test,
      // after carriage-return progress updates.
      const finals = r.stdout.split(/[\r\n]/).filter((l) => / requests per second/.test(l));
      expect(finals.map((l) => l.split(':')[0]!.trim())).toEqual([
        'SET',
        'GET',
        'INCR',
        'MSET (10 keys)',
      ]);
      expect(r.stdout).not.toMatch(/error/i);
    });

    it("completes redis-benchmark's default test set without errors", async () => {
      expect(redisBenchmarkAvailable, skipMessage('redis-benchmark')).toBe(true);
      const r = await run(
        'redis-benchmark',
        ['-p', String(server.port), '-n', '1000', '-c', '10', '-q'],
        {
          timeoutMs: 60_000,
        },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const finals = r.stdout.split(/[\r\n]/).filter((l) => / requests per second/.test(l));
      const names = finals.map((l) => l.split(':')[0]!.trim());
      // Every data type takes part: lists, sets, hashes, sorted sets, strings.
      for (const name of [
        'PING_INLINE',
        'SET',
        'GET',
        'LPUSH',
        'RPOP',
        'SADD',
        'HSET',
        'SPOP',
        'ZADD',
        'ZPOPMIN',
        'LRANGE_600 (first 600 elements)',
        'MSET (10 keys)',
      ]) {
        expect(names).toContain(name);
      }
      expect(r.stdout).not.toMatch(/error/i);
    });

    it('completes a pipelined run (-P 16) with random keys', async () => {
      expect(redisBenchmarkAvailable, skipMessage('redis-benchmark')).toBe(true);
      const r = await run(
        'redis-benchmark',
        [
          '-p',
          String(server.port),
          '-t',
          'ping,set,get',
          '-n',
          '5000',
          '-c',
          '5',
          '-P',
          '16',
          '-r',
          '1000',
          '-q',
        ],
        {
          timeoutMs: 15_000,
        },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const finals = r.stdout.split(/[\r\n]/).filter((l) => / requests per second/.test(l));
      expect(finals.map((l) => l.split(':')[0]!.trim())).toEqual([
        'PING_INLINE',
        'PING_MBULK',
        'SET',
        'GET',
      ]);
    });
  },
);
