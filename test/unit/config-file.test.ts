// redis.conf and command-line loading, pinned to what redis-server 7.0.15
// does with the same input (expected texts were captured from the binary).
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Config,
  ConfigError,
  buildConfigFromArgv,
  formatFatalConfigError,
  type ConfigEnvironment,
} from '../../src/config/config.js';
import { nodeEnvironment } from '../../src/config/env.js';

// Real files in throw-away directories: include paths and `dir` go through
// the file system exactly as in production.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writeFiles(files: Record<string, string>): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'resplica-config-')));
  dirs.push(d);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
  return d;
}

const tempDir = (): string => writeFiles({});

/** Loads `text` as the config file, plus command-line args, the way redis-server would. */
function load(text: string, args: string[] = [], env: ConfigEnvironment = nodeEnvironment): Config {
  const d = writeFiles({ 'redis.conf': text });
  return Config.fromArgv([join(d, 'redis.conf'), ...args], env).config;
}

/** The ConfigError a load throws; `text` null means command line only. */
function loadError(
  text: string | null,
  args: string[] = [],
  env: ConfigEnvironment = nodeEnvironment,
): ConfigError {
  try {
    if (text === null) Config.fromArgv(args, env);
    else load(text, args, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('redis.conf parsing', () => {
  it('skips comments and blank lines and reads quoted arguments', () => {
    const c = load(
      [
        '# a comment',
        '',
        '   # indented comment',
        'requirepass "with space\\"q"',
        "masterauth 'single quoted'",
        'logfile ""',
        '\tport   7001  \r',
      ].join('\n'),
    );
    expect(c.get('requirepass')).toBe('with space"q');
    expect(c.get('masterauth')).toBe('single quoted');
    expect(c.get('logfile')).toBe('');
    expect(c.get('port')).toBe(7001);
  });

  it('matches directive names case-insensitively and accepts aliases', () => {
    const c = load(
      'PORT 7002\nSlave-Priority 5\nhash-max-ziplist-entries 99\nslaveof 10.0.0.1 6380\nlua-time-limit 42\n',
    );
    expect(c.get('port')).toBe(7002);
    expect(c.get('replica-priority')).toBe(5);
    expect(c.get('hash-max-listpack-entries')).toBe(99);
    expect(c.get('replicaof')).toEqual({ host: '10.0.0.1', port: 6380 });
    expect(c.get('busy-reply-threshold')).toBe(42);
  });

  it('lets the last occurrence of an ordinary directive win', () => {
    expect(load('hz 10\nhz 20\n').get('hz')).toBe(20);
    expect(load('bind 1.2.3.4\nbind 127.0.0.1 -::1\n').get('bind')).toEqual(['127.0.0.1', '-::1']);
  });

  it('reads memory values with units, k/m/g being powers of 1000 and kb/mb/gb of 1024', () => {
    const c = load(
      'maxmemory 1gb\nrepl-backlog-size 64MB\nproto-max-bulk-len 2000000k\nclient-query-buffer-limit 1048576\nhash-max-listpack-value 1g\n',
    );
    expect(c.get('maxmemory')).toBe(1024 ** 3);
    expect(c.get('repl-backlog-size')).toBe(64 * 1024 * 1024);
    expect(c.get('proto-max-bulk-len')).toBe(2_000_000_000);
    expect(c.get('client-query-buffer-limit')).toBe(1048576);
    expect(c.get('hash-max-listpack-value')).toBe(1_000_000_000);
  });

  it('appends save points line after line, replacing the built-in defaults', () => {
    expect(Config.defaults().get('save')).toEqual([
      [3600, 1],
      [300, 100],
      [60, 10000],
    ]);
    expect(load('save 900 1\nsave 300 10\n').get('save')).toEqual([
      [900, 1],
      [300, 10],
    ]);
    expect(load('save 900 1 300 10\n').get('save')).toEqual([
      [900, 1],
      [300, 10],
    ]);
    expect(load('port 7000\n').get('save')).toEqual([
      [3600, 1],
      [300, 100],
      [60, 10000],
    ]);
  });

  it('clears save points with save "" wherever it appears', () => {
    expect(load('save ""\n').get('save')).toEqual([]);
    expect(load('save 900 1\nsave ""\n').get('save')).toEqual([]);
    expect(load('save ""\nsave 900 1\n').get('save')).toEqual([[900, 1]]);
  });

  it('replaces rather than appends save points after an include, like Redis 7.0', () => {
    const d = writeFiles({ 'empty.conf': '' });
    const c = load(`include ${join(d, 'empty.conf')}\nsave 900 1\nsave 300 10\n`);
    expect(c.get('save')).toEqual([[300, 10]]);
  });

  it('merges client-output-buffer-limit lines class by class', () => {
    const c = load(
      'client-output-buffer-limit normal 1mb 2mb 3\nclient-output-buffer-limit pubsub 1 2 3\n',
    );
    expect(c.get('client-output-buffer-limit')).toEqual({
      normal: { hard: 1048576, soft: 2097152, softSeconds: 3 },
      replica: { hard: 268435456, soft: 67108864, softSeconds: 60 },
      pubsub: { hard: 1, soft: 2, softSeconds: 3 },
    });
  });

  it('reads special values: octal socket mode, keyspace events, clamped hz, replicaof no one', () => {
    const c = load(
      'unixsocketperm 0700\nnotify-keyspace-events KEx\nhz 0\nreplicaof 127.0.0.1 1\nreplicaof no one\n',
    );
    expect(c.get('unixsocketperm')).toBe(0o700);
    expect(c.getMatching(['unixsocketperm', 'notify-keyspace-events', 'hz', 'replicaof'])).toEqual([
      ['unixsocketperm', '700'],
      ['notify-keyspace-events', 'xKE'],
      ['hz', '1'],
      ['replicaof', ''],
    ]);
  });

  it('includes files recursively, resolving relative paths against the current dir', () => {
    const d = writeFiles({
      'a.conf': 'include b.conf\ntimeout 5\n',
      'b.conf': 'tcp-keepalive 7\n',
    });
    const c = load(`dir ${d}\ninclude a.conf\n`);
    expect(c.get('dir')).toBe(d);
    expect(c.get('timeout')).toBe(5);
    expect(c.get('tcp-keepalive')).toBe(7);
  });

  it('expands include patterns in name order and skips a pattern that matches nothing', () => {
    const d = writeFiles({
      '10-a.conf': 'timeout 1\n',
      '20-b.conf': 'timeout 2\n',
      '.hidden.conf': 'timeout 3\n',
    });
    expect(load(`include ${d}/*.conf\n`).get('timeout')).toBe(2);
    expect(load(`include ${d}/nothing-*.conf\nport 7003\n`).get('port')).toBe(7003);

    for (const sub of ['a', 'b', 'c']) mkdirSync(join(d, sub));
    writeFileSync(join(d, 'a', 'x.conf'), 'tcp-keepalive 1\n');
    writeFileSync(join(d, 'b', 'x.conf'), 'tcp-keepalive 2\n');
    expect(load(`include ${d}/*/x.conf\n`).get('tcp-keepalive')).toBe(2);
  });

  it('reports a missing include the way Redis logs it', () => {
    const err = loadError('include /nonexistent/x.conf\n');
    expect(err.kind).toBe('open');
    expect(err.reason).toBe(
      "Fatal error, can't open config file '/nonexistent/x.conf': No such file or directory",
    );
  });

  it('collects file-only directives with their origin and lists inert or planned ones once', () => {
    const c = load(
      'rename-command CONFIG ""\nuser alice on >pw ~* +@all\nloadmodule /m.so a b\nio-threads 4\nio-threads 4\nlist-max-ziplist-entries 5\nmod.opt 1\n',
    );
    expect(c.fileDirectives.renameCommands).toEqual([
      {
        from: 'CONFIG',
        to: '',
        origin: expect.objectContaining({ lineNumber: 1, lineText: 'rename-command CONFIG ""' }),
      },
    ]);
    expect(c.fileDirectives.users[0]!.args).toEqual(['alice', 'on', '>pw', '~*', '+@all']);
    expect(c.fileDirectives.loadModules[0]).toMatchObject({ path: '/m.so', args: ['a', 'b'] });
    expect(c.fileDirectives.moduleConfigs.get('mod.opt')?.value).toBe('1');
    // rename-command is applied by the server, so it is not listed as inert.
    expect(c.acceptedInert).toEqual([
      'user',
      'loadmodule',
      'io-threads',
      'list-max-ziplist-entries',
    ]);
  });

  it("parses Debian's stock /etc/redis/redis.conf without error", (ctx) => {
    const file = '/etc/redis/redis.conf';
    if (!existsSync(file)) {
      ctx.skip(
        '/etc/redis/redis.conf not present (install the redis-server package to run this test)',
      );
      return;
    }
    // Real file reads, but no directory checks or log-file creation on the host.
    const env = {
      ...nodeEnvironment,
      resolveDirectory: (p: string) => p,
      checkAppendable: () => {},
    };
    const { config } = Config.fromArgv([file], env);
    expect(config.get('bind')).toEqual(['127.0.0.1', '-::1']);
    expect(config.get('daemonize')).toBe(true);
    expect(config.get('dir')).toBe('/var/lib/redis');
    expect(config.configFile).toBe(file);
  });
});

describe('fatal configuration errors', () => {
  const block = (line: number, text: string, reason: string): string =>
    `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${line}\n>>> '${text}'\n${reason}\n`;

  it('prints the unknown-directive block with line number and text', () => {
    const err = loadError('# top\nport 6379\n\nunknownthing foo\n');
    expect(formatFatalConfigError(err, '7.0.15')).toBe(
      block(4, 'unknownthing foo', 'Bad directive or wrong number of arguments'),
    );
  });

  it('prints the bad-value block for a value its type refuses', () => {
    const err = loadError('\n# c\n  timeout  abc \n');
    expect(formatFatalConfigError(err, '7.0.15')).toBe(
      block(3, 'timeout  abc', "argument couldn't be parsed into an integer"),
    );
  });

  it.each([
    ['daemonize maybe', "argument must be 'yes' or 'no'"],
    ['loglevel foo', 'argument(s) must be one of the following: debug, verbose, notice, warning'],
    ['maxmemory 1x', 'argument must be a memory value'],
    ['maxmemory-clients x', 'argument must be a memory or percent value'],
    ['unixsocketperm 999', "argument couldn't be parsed as an octal number"],
    ['unixsocketperm 7777', 'argument must be between 0 and 777 inclusive'],
    ['port 70000', 'argument must be between 0 and 65535 inclusive'],
    ['port', 'wrong number of arguments'],
    ['timeout 10 20', 'wrong number of arguments'],
    ['foo "bar', 'Unbalanced quotes in configuration line'],
    ['foo "bar"x', 'Unbalanced quotes in configuration line'],
    ['save 1', 'Invalid save parameters'],
    ['bind a b c d e f g h i j k l m n o p q', 'Too many bind addresses specified.'],
    ['replicaof 1.2.3.4', 'wrong number of arguments'],
    ['replicaof 1.2.3.4 abc', 'Invalid master port'],
    [
      'client-output-buffer-limit normal 1 2',
      'Wrong number of arguments in buffer limit configuration.',
    ],
    ['notify-keyspace-events Q', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."],
    ['dir /nonexistent', 'No such file or directory'],
    ['dbfilename a/b', "dbfilename can't be a path, just a filename"],
    ['sentinel monitor m 1 2 3', 'sentinel directive while not in sentinel mode'],
    ['loadmodule', 'Bad directive or wrong number of arguments'],
    ['list-max-ziplist-entries 5 6', 'Bad directive or wrong number of arguments'],
    ['mymod.opt', 'Module config specified without value'],
    ['oom-score-adj-values 1 2', 'wrong number of arguments'],
    ['appendfilename ""', "appendfilename can't be empty"],
    [
      'shutdown-on-sigint save nosave',
      "shutdown options SAVE and NOSAVE can't be used simultaneously",
    ],
    ['enable-debug-command maybe', 'argument(s) must be one of the following: no, yes, local'],
  ])('refuses `%s` with "%s"', (line, reason) => {
    const err = loadError(`${line}\n`);
    expect(err.kind).toBe('line');
    expect(err.lineNumber).toBe(1);
    expect(err.reason).toBe(reason);
  });

  it('reports an unwritable log file without a line', () => {
    const err = loadError('logfile /nonexistent/x.log\n');
    expect(formatFatalConfigError(err, '7.0.15')).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n",
    );
  });

  it('refuses replicaof in cluster mode after loading', () => {
    const err = loadError('cluster-enabled yes\nreplicaof 1.2.3.4 6379\n');
    expect(err.kind).toBe('global');
    expect(err.reason).toBe('replicaof directive not allowed in cluster mode');
  });

  it("reports errors in an included file with that file's line numbers", () => {
    const d = writeFiles({ 'bad.conf': 'a\nb\nport x\n' });
    const err = loadError(`port 0\ninclude ${join(d, 'bad.conf')}\n`);
    expect(err.lineNumber).toBe(1);
    expect(err.lineText).toBe('a');
    expect(err.file).toBe(join(d, 'bad.conf'));
  });

  it('reports a missing config file with its absolute path', () => {
    const err = loadError(null, ['no-such-file.conf']);
    expect(err.kind).toBe('open');
    expect(err.reason).toBe(
      `Fatal error, can't open config file '${join(process.cwd(), 'no-such-file.conf')}': No such file or directory`,
    );
  });
});

describe('redis-server command line', () => {
  it('turns --name value pairs into config lines, quoting each value', () => {
    expect(buildConfigFromArgv(['--port', '7000', '--bind', '127.0.0.1', '-::1']).options).toBe(
      'port "7000" \nbind "127.0.0.1" "-::1" ',
    );
  });

  it('overrides the config file with command-line options', () => {
    const c = load('port 6000\ntimeout 5\nsave 900 1\n', ['--port', '6001', '--save', '60', '5']);
    expect(c.get('port')).toBe(6001);
    expect(c.get('timeout')).toBe(5);
    expect(c.get('save')).toEqual([
      [900, 1],
      [60, 5],
    ]);
  });

  it('treats --save with no value as save ""', () => {
    expect(load('save 900 1\n', ['--save', '']).get('save')).toEqual([]);
    expect(load('save 900 1\n', ['--save']).get('save')).toEqual([]);
    expect(load('save 900 1\n', ['--save', '--port', '6002']).get('save')).toEqual([]);
  });

  it('reads --replicaof host port as two arguments', () => {
    const c = load('', ['--replicaof', '127.0.0.1', '6379']);
    expect(c.get('replicaof')).toEqual({ host: '127.0.0.1', port: 6379 });
  });

  it('takes a value starting with -- as the first value of an option', () => {
    const { options } = buildConfigFromArgv(['--requirepass', '--secret', '--port', '1']);
    expect(options).toBe('requirepass "--secret" \nport "1" ');
  });

  it('accepts "--name value" in a single argument', () => {
    expect(Config.fromArgv(['--port 7004']).config.get('port')).toBe(7004);
  });

  it('numbers command-line lines after the file, as Redis quotes them in errors', () => {
    const block = (line: number, text: string): string =>
      `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${line}\n>>> '${text}'\nargument couldn't be parsed into an integer\n`;
    expect(formatFatalConfigError(loadError(null, ['--port', 'abc']), '7.0.15')).toBe(
      block(2, 'port "abc"'),
    );
    expect(
      formatFatalConfigError(loadError(null, ['--port', '1', '--timeout', 'abc']), '7.0.15'),
    ).toBe(block(3, 'timeout "abc"'));
    expect(formatFatalConfigError(loadError('timeout 5\n', ['--timeout', 'x']), '7.0.15')).toBe(
      block(3, 'timeout "x"'),
    );
    expect(loadError(null, ['--port', 'x', 'y']).lineText).toBe('port "x" "y"');
  });

  it('reports --sentinel as a mode, not an option, wherever it appears', () => {
    const r = Config.fromArgv(['--port', '26379', '--sentinel']);
    expect(r.sentinelMode).toBe(true);
    expect(r.config.get('port')).toBe(26379);
    expect(buildConfigFromArgv(['--sentinel', '--port', '1']).options).toBe('sentinel \nport "1" ');
  });

  it('recognises -v/--version and -h/--help only as the first argument', () => {
    expect(Config.fromArgv(['-v']).showVersion).toBe(true);
    expect(Config.fromArgv(['--version']).showVersion).toBe(true);
    expect(Config.fromArgv(['-h']).showHelp).toBe(true);
    expect(Config.fromArgv(['--help']).showHelp).toBe(true);
    expect(loadError(null, ['--port', '1', '-v']).lineText).toBe('port "1" "-v"');
  });

  it('reads config text from stdin with "-", before the command-line options', () => {
    const env = { ...nodeEnvironment, readStdin: () => 'port 7005\ntimeout 9\n' };
    const r = Config.fromArgv(['-', '--timeout', '10'], env);
    expect(r.readFromStdin).toBe(true);
    expect(r.config.get('port')).toBe(7005);
    expect(r.config.get('timeout')).toBe(10);
    expect(r.config.configFile).toBeNull();

    const d = tempDir();
    writeFileSync(join(d, 'c.conf'), 'timeout 5\n');
    const err = loadError(null, [join(d, 'c.conf'), '-'], {
      ...nodeEnvironment,
      readStdin: () => 'port bad\n',
    });
    expect(err.lineNumber).toBe(2);
  });

  it('uses the defaults and no config file when started without arguments', () => {
    const r = Config.fromArgv([]);
    expect(r.config.configFile).toBeNull();
    expect(r.config.get('port')).toBe(6379);
  });
});
