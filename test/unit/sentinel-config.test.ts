// sentinel.conf's `sentinel ...` lines: loading, Redis's error texts, and the
// rewrite that keeps a restarted sentinel's identity and discoveries.
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Config, ConfigError } from '../../src/config/config.js';
import { Logger } from '../../src/server/log.js';
import { SentinelState, loadSentinelDirectives } from '../../src/sentinel/config.js';
import { Sentinel } from '../../src/sentinel/sentinel.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function confFile(text: string): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'resplica-sentinel-conf-')));
  dirs.push(d);
  const file = join(d, 'sentinel.conf');
  writeFileSync(file, text);
  return file;
}

function load(text: string): { config: Config; state: SentinelState; file: string } {
  const file = confFile(text);
  const { config } = Config.fromArgv([file, '--sentinel']);
  const state = new SentinelState();
  loadSentinelDirectives(state, config.fileDirectives.sentinel);
  return { config, state, file };
}

function loadError(text: string): ConfigError {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('sentinel config', () => {
  it('loads masters and per-master settings whatever the line order', () => {
    const { state } = load(
      [
        'port 26999',
        'sentinel down-after-milliseconds mym 5000',
        'sentinel monitor mym 127.0.0.1 6380 2',
        'sentinel failover-timeout mym 60000',
        'sentinel parallel-syncs mym 3',
        'sentinel auth-pass mym secret',
        'sentinel known-replica mym 127.0.0.1 6381',
        'sentinel known-sentinel mym 127.0.0.1 26380 ' + 'a'.repeat(40),
        'sentinel myid ' + 'b'.repeat(40),
        'sentinel current-epoch 7',
        'sentinel config-epoch mym 5',
        'sentinel leader-epoch mym 6',
      ].join('\n'),
    );
    const m = state.masters.get('mym')!;
    expect([m.host, m.port, m.quorum]).toEqual(['127.0.0.1', 6380, 2]);
    expect(m.downAfterPeriod).toBe(5000);
    expect(m.failoverTimeout).toBe(60000);
    expect(m.parallelSyncs).toBe(3);
    expect(m.authPass).toBe('secret');
    expect([...m.slaves.keys()]).toEqual(['127.0.0.1:6381']);
    expect([...m.sentinels.keys()]).toEqual(['a'.repeat(40)]);
    expect(m.slaves.get('127.0.0.1:6381')!.downAfterPeriod).toBe(5000);
    expect(state.settings.myid).toBe('b'.repeat(40));
    expect(state.settings.currentEpoch).toBe(7);
    expect([m.configEpoch, m.leaderEpoch]).toEqual([5, 6]);
  });

  it('refuses bad lines with redis-sentinel texts, naming the line', () => {
    const e = loadError('sentinel monitor mym 127.0.0.1 6380 0\n');
    expect(e.reason).toBe('Quorum must be 1 or greater.');
    expect(e.lineNumber).toBe(1);
    expect(e.lineText).toBe('sentinel monitor mym 127.0.0.1 6380 0');
    expect(loadError('sentinel down-after-milliseconds nope 100\n').reason).toBe(
      'No such master with specified name.',
    );
    expect(loadError('sentinel bogus x\n').reason).toBe(
      'Unrecognized sentinel configuration statement.',
    );
    expect(loadError('sentinel myid abc\n').reason).toBe('Malformed Sentinel id in myid option.');
    expect(
      loadError('sentinel monitor a 127.0.0.1 6380 1\nsentinel monitor a 127.0.0.1 6381 1\n')
        .reason,
    ).toBe('Duplicate master name.');
  });

  it('rewrites the state so a restarted sentinel keeps its id, epochs, replicas and peers', () => {
    const { config, state, file } = load(
      ['port 26999', 'sentinel monitor mym 127.0.0.1 6380 2', 'sentinel parallel-syncs mym 2'].join(
        '\n',
      ) + '\n',
    );
    const log = new Logger();
    log.level = 'warning';
    const sentinel = new Sentinel(config, log, state);
    state.settings.myid = 'c'.repeat(40);
    state.settings.currentEpoch = 3;
    const m = state.masters.get('mym')!;
    m.configEpoch = 2;
    state.addSlave(m, '127.0.0.1', 6381);
    state.addSentinel(m, '127.0.0.1', 26380, 'd'.repeat(40));
    sentinel.flushConfig();
    const text = readFileSync(file, 'utf8');
    // Operator lines stay where they were; state lines are added.
    expect(text.startsWith('port 26999\nsentinel monitor mym 127.0.0.1 6380 2\n')).toBe(true);
    for (const line of [
      'sentinel parallel-syncs mym 2',
      `sentinel myid ${'c'.repeat(40)}`,
      'sentinel config-epoch mym 2',
      'sentinel leader-epoch mym 0',
      'sentinel current-epoch 3',
      'sentinel known-replica mym 127.0.0.1 6381',
      `sentinel known-sentinel mym 127.0.0.1 26380 ${'d'.repeat(40)}`,
    ])
      expect(text).toContain(line + '\n');

    // Round trip: loading the rewritten file gives the same state.
    const again = new SentinelState();
    loadSentinelDirectives(
      again,
      Config.fromArgv([file, '--sentinel']).config.fileDirectives.sentinel,
    );
    const m2 = again.masters.get('mym')!;
    expect(again.settings.myid).toBe('c'.repeat(40));
    expect(again.settings.currentEpoch).toBe(3);
    expect(m2.configEpoch).toBe(2);
    expect(m2.parallelSyncs).toBe(2);
    expect([...m2.slaves.keys()]).toEqual(['127.0.0.1:6381']);
    expect([...m2.sentinels.keys()]).toEqual(['d'.repeat(40)]);

    // A second rewrite replaces lines in place instead of appending duplicates.
    state.settings.currentEpoch = 4;
    sentinel.flushConfig();
    const text2 = readFileSync(file, 'utf8');
    expect(text2.match(/sentinel current-epoch/g)).toHaveLength(1);
    expect(text2).toContain('sentinel current-epoch 4\n');
  });
});
