// CONFIG GET / SET / REWRITE behaviour, pinned to redis-server 7.0.15's
// replies (the expected texts were captured from the real binary).
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Config, ConfigSetError, configSetPairs } from '../../src/config/config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'resplica-config-')));
  dirs.push(d);
  return d;
}

/** Writes `text` as <tmp>/redis.conf and loads it; returns the config and the file path. */
function loadFile(text: string, args: string[] = []): { config: Config; file: string } {
  const file = join(tempDir(), 'redis.conf');
  writeFileSync(file, text);
  return { config: Config.fromArgv([file, ...args]).config, file };
}

/** The reply text of a refused CONFIG SET. */
function setError(config: Config, ...args: string[]): string {
  try {
    config.set(configSetPairs(args));
  } catch (err) {
    if (err instanceof ConfigSetError) return err.message;
    throw err;
  }
  throw new Error('expected CONFIG SET to fail');
}

describe('CONFIG GET', () => {
  it('formats values as Redis does', () => {
    const c = Config.defaults();
    c.set([
      ['maxmemory', '1gb'],
      ['maxmemory-clients', '10%'],
      ['notify-keyspace-events', 'KEA'],
      ['latency-tracking-info-percentiles', '50 99.0 99.90 100'],
      ['shutdown-on-sigint', 'NOW nosave'],
    ]);
    expect(
      c.getMatching([
        'maxmemory',
        'maxmemory-clients',
        'save',
        'client-output-buffer-limit',
        'appendonly',
      ]),
    ).toEqual([
      ['maxmemory', '1073741824'],
      ['maxmemory-clients', '10%'],
      ['save', '3600 1 300 100 60 10000'],
      [
        'client-output-buffer-limit',
        'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
      ],
      ['appendonly', 'no'],
    ]);
    expect(
      c.getMatching([
        'notify-keyspace-events',
        'latency-tracking-info-percentiles',
        'shutdown-on-sigint',
        'bind',
        'unixsocketperm',
      ]),
    ).toEqual([
      ['notify-keyspace-events', 'AKE'],
      ['latency-tracking-info-percentiles', '50 99 99.9 100'],
      ['shutdown-on-sigint', 'nosave now'],
      ['bind', '127.0.0.1 -::1'],
      ['unixsocketperm', '0'],
    ]);
  });

  it('matches glob patterns case-insensitively, aliases included', () => {
    const c = Config.defaults();
    const names = (patterns: string[]): string[] => c.getMatching(patterns).map(([k]) => k);
    expect(names(['*ziplist*']).sort()).toEqual([
      'hash-max-ziplist-entries',
      'hash-max-ziplist-value',
      'list-max-ziplist-size',
      'zset-max-ziplist-entries',
      'zset-max-ziplist-value',
    ]);
    expect(names(['REPL-PING-*']).sort()).toEqual([
      'repl-ping-replica-period',
      'repl-ping-slave-period',
    ]);
    expect(names(['[a-b]ind', 'b[^x]nd', 'por?'])).toEqual(['bind', 'port']);
    expect(names(['*'])).toHaveLength(192);
  });

  it('answers several patterns without repeating an option, exact names in the spelling asked', () => {
    const c = Config.defaults();
    expect(c.getMatching(['PORT', 'port', 'p[o]rt', 'save', 'SAVE'])).toEqual([
      ['PORT', '6379'],
      ['save', '3600 1 300 100 60 10000'],
    ]);
    expect(c.getMatching(['nosuch', 'no*such'])).toEqual([]);
  });

  it('shows hidden test options only when named exactly', () => {
    const c = Config.defaults();
    expect(c.getMatching(['use-exit-on-panic'])).toEqual([['use-exit-on-panic', 'no']]);
    expect(c.getMatching(['use-exit*'])).toEqual([]);
  });

  it('reads 64-bit values back exactly', () => {
    const c = Config.defaults();
    c.set([
      ['maxmemory', '18446744073709551615'],
      ['proto-max-bulk-len', '9223372036854775807'],
    ]);
    expect(c.getMatching(['maxmemory', 'proto-max-bulk-len'])).toEqual([
      ['maxmemory', '18446744073709551615'],
      ['proto-max-bulk-len', '9223372036854775807'],
    ]);
  });
});

describe('CONFIG SET', () => {
  it.each([
    ['maxclients', 'abc', "argument couldn't be parsed into an integer"],
    ['maxclients', '0', 'argument must be between 1 and 4294967295 inclusive'],
    ['timeout', '010', "argument couldn't be parsed into an integer"],
    ['timeout', '-1', 'argument must be between 0 and 2147483647 inclusive'],
    ['slowlog-max-len', '9223372036854775808', "argument couldn't be parsed into an integer"],
    [
      'proto-max-bulk-len',
      '9223372036854775808',
      'argument must be between 1048576 and 9223372036854775807 inclusive',
    ],
    ['appendonly', 'maybe', "argument must be 'yes' or 'no'"],
    ['maxmemory', '1.5gb', 'argument must be a memory value'],
    ['maxmemory-clients', '200%', 'percentage argument must be less or equal to 100'],
    ['save', '100  10', 'Invalid save parameters'],
    [
      'client-output-buffer-limit',
      'master 1mb 2mb 3',
      'Invalid client class specified in buffer limit configuration.',
    ],
    ['proc-title-template', '{title}', 'template format is invalid or contains unknown variables'],
    [
      'cluster-announce-hostname',
      'bad host',
      'Hostnames may only contain alphanumeric characters, hyphens or dots',
    ],
    [
      'oom-score-adj',
      'foo',
      'argument(s) must be one of the following: no, yes, relative, absolute',
    ],
    [
      'latency-tracking-info-percentiles',
      'inf',
      'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]',
    ],
    ['SLAVE-PRIORITY', 'abc', "argument couldn't be parsed into an integer"],
  ])('refuses %s %j with "%s"', (name, value, reason) => {
    // Parse errors name the option as registered (lower case), not as typed.
    expect(setError(Config.defaults(), name, value)).toBe(
      `ERR CONFIG SET failed (possibly related to argument '${name.toLowerCase()}') - ${reason}`,
    );
  });

  it('refuses unknown options and odd argument counts', () => {
    const c = Config.defaults();
    expect(setError(c, 'foo', 'bar')).toBe(
      "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
    );
    expect(setError(c, 'a', 'b', 'c')).toBe('ERR syntax error');
  });

  it('accepts what Redis accepts in its looser grammars', () => {
    const c = Config.defaults();
    c.set([
      ['proc-title-template', 'a}b {port}'],
      ['oom-score-adj', 'relative'],
      ['save', '100 '],
      ['latency-tracking-info-percentiles', '1e1 0x10'],
    ]);
    expect(
      c.getMatching([
        'proc-title-template',
        'oom-score-adj',
        'save',
        'latency-tracking-info-percentiles',
      ]),
    ).toEqual([
      ['proc-title-template', 'a}b {port}'],
      ['oom-score-adj', 'yes'],
      ['save', '100 0'],
      ['latency-tracking-info-percentiles', '10 16'],
    ]);
  });

  it('refuses immutable options and names the argument as typed', () => {
    const c = Config.defaults();
    expect(setError(c, 'daemonize', 'yes')).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
    );
    expect(setError(c, 'SLAVEOF', 'a b')).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'SLAVEOF') - can't set immutable config",
    );
  });

  it('refuses protected options unless enable-protected-configs allows the client', () => {
    const c = Config.defaults();
    expect(setError(c, 'dir', '/tmp')).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
    );
    const { config: local } = loadFile('enable-protected-configs local\n');
    expect(() => local.set([['dbfilename', 'x.rdb']])).toThrow(/can't set protected config/);
    local.set([['dbfilename', 'x.rdb']], { localClient: true });
    expect(local.get('dbfilename')).toBe('x.rdb');
  });

  it('refuses a repeated option, but not an option and its alias', () => {
    const c = Config.defaults();
    expect(setError(c, 'port', '1', 'PORT', '2')).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter",
    );
    c.set([
      ['slave-priority', '1'],
      ['replica-priority', '2'],
    ]);
    expect(c.get('replica-priority')).toBe(2);
  });

  it('reports the first problem in the command', () => {
    const c = Config.defaults();
    expect(setError(c, 'timeout', '10', 'nosuch', '1', 'maxclients', 'abc')).toMatch(
      /Unknown option .* 'nosuch'/,
    );
    expect(setError(c, 'timeout', '10', 'maxclients', 'abc', 'daemonize', 'yes')).toMatch(
      /'daemonize'\) - can't set immutable/,
    );
    expect(setError(c, 'daemonize', 'yes', 'nosuch', '1')).toMatch(
      /'daemonize'\) - can't set immutable/,
    );
  });

  it('changes nothing when one pair of several is invalid', () => {
    const c = Config.defaults();
    const before = c.getMatching(['*']);
    expect(setError(c, 'timeout', '10', 'save', '', 'maxclients', 'abc')).toMatch(/'maxclients'/);
    expect(c.getMatching(['*'])).toEqual(before);
  });

  it('splits multi-argument values on spaces and treats "" as an empty list', () => {
    const c = Config.defaults();
    c.set([
      ['save', '100 10 200 20'],
      ['bind', '127.0.0.1 -::1'],
    ]);
    expect(c.get('save')).toEqual([
      [100, 10],
      [200, 20],
    ]);
    expect(c.get('bind')).toEqual(['127.0.0.1', '-::1']);
    c.set([['save', '']]);
    expect(c.getMatching(['save'])).toEqual([['save', '']]);
    c.set([['client-output-buffer-limit', 'slave 1mb 2mb 3']]);
    expect(c.getMatching(['client-output-buffer-limit'])[0]![1]).toBe(
      'normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60',
    );
  });

  it('caps hz to 1..500 as Redis does', () => {
    const c = Config.defaults();
    c.set([['hz', '1000']]);
    expect(c.get('hz')).toBe(500);
    c.set([['hz', '0']]);
    expect(c.getMatching(['hz'])).toEqual([['hz', '1']]);
  });

  it('answers -LOADING for options that cannot change while loading', () => {
    const c = Config.defaults();
    expect(() => c.set([['appendonly', 'yes']], { loading: true })).toThrow(
      'LOADING Redis is loading the dataset in memory',
    );
    c.set([['timeout', '3']], { loading: true });
  });

  it('runs apply hooks for changed options only and notifies listeners', () => {
    const c = Config.defaults();
    const applied: string[] = [];
    const changed: string[] = [];
    c.onApply('timeout', (v, prev) => (applied.push(`timeout ${prev}->${v}`), null));
    c.onApply('maxclients', (v, prev) => (applied.push(`maxclients ${prev}->${v}`), null));
    c.onChange((name) => changed.push(name));
    c.set([
      ['timeout', '5'],
      ['maxclients', '10000'],
    ]);
    expect(applied).toEqual(['timeout 0->5']);
    expect(changed).toEqual(['timeout']);
  });

  it('rolls every value back when an apply hook refuses, re-applying the old values', () => {
    const c = Config.defaults();
    const applied: string[] = [];
    c.onApply('timeout', (v, prev) => (applied.push(`timeout ${prev}->${v}`), null));
    c.onApply(
      'maxclients',
      () =>
        'The operating system is not able to handle the specified number of clients, try with 19968',
    );
    expect(setError(c, 'timeout', '5', 'maxclients', '100000000')).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 19968",
    );
    expect(c.get('timeout')).toBe(0);
    expect(c.get('maxclients')).toBe(10000);
    expect(applied).toEqual(['timeout 0->5', 'timeout 5->0']);
  });

  it('lets the server record its own changes with setInternal', () => {
    const c = Config.defaults();
    c.setInternal('replicaof', { host: '10.0.0.2', port: 6380 });
    expect(c.getMatching(['slaveof'])).toEqual([['slaveof', '10.0.0.2 6380']]);
  });

  it('flags password options as sensitive', () => {
    expect(Config.isSensitive('requirepass')).toBe(true);
    expect(Config.isSensitive('MASTERAUTH')).toBe(true);
    expect(Config.isSensitive('port')).toBe(false);
  });
});

describe('CONFIG REWRITE', () => {
  it('keeps comments and order, replaces changed lines in place and appends new ones', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'inc.conf'), 'maxmemory 10mb\n');
    const file = join(dir, 'redis.conf');
    writeFileSync(
      file,
      [
        '# top comment',
        'port 6390',
        'bind 127.0.0.1',
        '# another comment',
        '',
        `include ${join(dir, 'inc.conf')}`,
        'rename-command DEBUG ""',
        `dir ${dir}`,
        'save 900 1',
        'save 300 10',
        'SLAVE-PRIORITY 50',
        'hz 10',
        'hz 20',
        '',
      ].join('\n'),
    );
    const { config } = Config.fromArgv([file]);
    config.set([
      ['timeout', '30'],
      ['save', '100 1'],
      ['requirepass', 'with space"q'],
      ['client-output-buffer-limit', 'pubsub 64mb 16mb 90'],
      ['notify-keyspace-events', 'KEx'],
      ['hash-max-ziplist-entries', '256'],
      ['maxmemory', '1000001'],
      ['repl-backlog-size', '2mb'],
      ['replica-priority', '100'],
      ['hz', '10'],
    ]);
    config.rewrite();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.slice(0, 14)).toEqual([
      '# top comment',
      'port 6390',
      'bind 127.0.0.1',
      '# another comment',
      '',
      `include ${join(dir, 'inc.conf')}`,
      'rename-command DEBUG ""',
      `dir "${dir}"`,
      'save 100 1',
      '',
      'replica-priority 100',
      'hz 10',
      '',
      '# Generated by CONFIG REWRITE',
    ]);
    expect(lines.slice(14).sort()).toEqual(
      [
        '',
        'client-output-buffer-limit pubsub 64mb 16mb 90',
        'hash-max-listpack-entries 256',
        'latency-tracking-info-percentiles 50 99 99.9',
        'maxmemory 1000001',
        'notify-keyspace-events "xKE"',
        'repl-backlog-size 2mb',
        'requirepass "with space\\"q"',
        'timeout 30',
      ].sort(),
    );

    // Reading the file back gives the same configuration.
    const again = Config.fromArgv([file]).config;
    expect(again.getMatching(['*'])).toEqual(config.getMatching(['*']));
  });

  it('reuses old lines of a multi-line option and appends the rest on a second rewrite', () => {
    const { config, file } = loadFile('client-output-buffer-limit pubsub 64mb 16mb 90\n');
    config.set([
      ['client-output-buffer-limit', 'normal 1mb 0 0 pubsub 32mb 8mb 60'],
      ['masterauth', "a'b"],
      ['ignore-warnings', 'x\\y'],
    ]);
    config.rewrite();
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('client-output-buffer-limit normal 1mb 0 0');
    expect(text).toContain('\nignore-warnings "x\\\\y"\n');
    expect(text).toContain(`\nmasterauth "a'b"\n`);
    expect(text).not.toContain('pubsub');
    expect(Config.fromArgv([file]).config.getMatching(['*'])).toEqual(config.getMatching(['*']));
  });

  it('always writes save points, dir and latency percentiles, and nothing else at default', () => {
    const { config, file } = loadFile('# just a comment\n');
    config.rewrite();
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '# just a comment',
        '',
        '# Generated by CONFIG REWRITE',
        'save 3600 1',
        'save 300 100',
        'save 60 10000',
        `dir "${config.get('dir')}"`,
        'latency-tracking-info-percentiles 50 99 99.9',
        '',
      ].join('\n'),
    );
  });

  it('comments out lines it cannot understand and drops options back at an unset value', () => {
    const { config, file } = loadFile(
      'list-max-ziplist-entries 5\nmasteruser bob\nbind 127.0.0.1\n',
    );
    config.set([
      ['masteruser', ''],
      ['bind', '127.0.0.1 -::1'],
    ]);
    config.rewrite();
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# ??? list-max-ziplist-entries 5\n\n')).toBe(true);
    expect(text).not.toContain('masteruser');
    expect(text).not.toContain('bind');
  });

  it('writes `save ""` when snapshotting is disabled so the defaults do not come back', () => {
    const { config, file } = loadFile('save 60 1\n');
    config.set([['save', '']]);
    config.rewrite();
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('save ""');
    expect(Config.fromArgv([file]).config.get('save')).toEqual([]);
  });

  it('fails without a config file, and reports I/O errors with strerror text', () => {
    expect(() => Config.defaults().rewrite()).toThrow(
      'ERR The server is running without a config file',
    );
    const { config, file } = loadFile('port 6391\n');
    rmSync(join(file, '..'), { recursive: true, force: true });
    expect(() => config.rewrite()).toThrow('ERR Rewriting config file: No such file or directory');
  });

  it('lets the owner of a file-only directive supply its rewritten lines', () => {
    const { config, file } = loadFile('user alice on nopass ~* +@all\n');
    config.setRewriteProvider('user', () => ['user default on nopass ~* &* +@all']);
    config.rewrite();
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('user default on nopass ~* &* +@all');
  });
});
