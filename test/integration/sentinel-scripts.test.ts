import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir, until } from '../helpers/persistence.js';
import { RESPLICA_MAIN } from '../helpers/processes.js';
import {
  comboFromEnv,
  comboName,
  command,
  fields,
  infoValue,
  masterDetails,
  MASTER_NAME,
  redisSentinelAvailable,
  replicaDetails,
  skipWithout,
  Topology,
  type Node,
  type Reply,
} from '../helpers/sentinel.js';

/**
 * The operator scripts of Sentinel end to end: 1 master, 2 replicas and 3
 * sentinels (resplica by default; SENTINEL_TEST_SENTINELS=redis runs the
 * same expectations against redis-sentinel), each sentinel with its own
 * copies of a notification script and a client-reconfiguration script that
 * append their arguments to files. One failover exercises everything: the
 * arguments and order of the notifications, `leader` / `observer`, a retry
 * after exit 1, no retry after exit 2, a script hanging from the first
 * event (+sdown) without delaying the failover, and its kill once the
 * run-time limit is shortened with SENTINEL DEBUG.
 */

const combo = comboFromEnv({
  servers: ['resplica', 'resplica', 'resplica'],
  sentinels: ['resplica', 'resplica', 'resplica'],
});
const skip = skipWithout(combo);
afterAll(() => removeTempDirs());

/**
 * One line per run: `pid|argc|type|description`. Hangs on the master's
 * +sdown (until killed), exits 2 on +odown, 0 otherwise. The output file is
 * named after the script itself, so that each sentinel's copy has its own.
 */
const NOTIFY = `#!/bin/sh
echo "$$|$#|$1|$2" >> "$0.out"
case "$1" in
  +sdown) case "$2" in master*) exec sleep 600 ;; esac ;;
  +odown) exit 2 ;;
esac
exit 0
`;

/** One line per run: `pid|ms|argc|args`; the first run asks for a retry (exit 1). */
const RECONF = `#!/bin/sh
echo "$$|$(date +%s%3N)|$#|$*" >> "$0.out"
if [ ! -e "$0.retried" ]; then : > "$0.retried"; exit 1; fi
exit 0
`;

/** Lines `pid|...` of a script's output, sorted by pid: the order the sentinel started them in. */
function runs(file: string): string[][] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'))
    .sort((a, b) => Number(a[0]) - Number(b[0]));
}

function writeScript(file: string, body: string): string {
  writeFileSync(file, body);
  chmodSync(file, 0o755);
  return file;
}

/** Kills (by pid) the scripts still hanging in `sleep 600`, checking /proc first so that no reused pid is hit. */
function killHangingScripts(files: string[]): void {
  for (const f of files)
    for (const r of runs(f)) {
      const pid = Number(r[0]);
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      } catch {
        continue;
      }
      if (cmd === 'sleep\x00600\x00') process.kill(pid, 'SIGKILL');
    }
}

/** SENTINEL PENDING-SCRIPTS (RESP2) as a list of field maps, argv kept as an array. */
function pendingScripts(reply: Reply): Array<{ argv: string[]; f: Map<string, string> }> {
  if (!Array.isArray(reply)) throw new Error(`not an array: ${String(reply)}`);
  return reply.map((job) => {
    if (!Array.isArray(job)) throw new Error(`not an array: ${String(job)}`);
    const argv = job[1];
    if (!Array.isArray(argv)) throw new Error(`argv is not an array: ${String(argv)}`);
    return { argv: argv.map(String), f: fields(job) };
  });
}

describe.skipIf(skip)(`sentinel scripts (${comboName(combo)})`, () => {
  it('a failover runs the notification and client-reconfig scripts as redis-sentinel does', async (ctx) => {
    const dir = tempDir('resplica-sentinel-scripts-');
    const notify = [0, 1, 2].map((i) => writeScript(path.join(dir, `notify-${i}.sh`), NOTIFY));
    const reconf = [0, 1, 2].map((i) => writeScript(path.join(dir, `reconf-${i}.sh`), RECONF));
    const outputs = [...notify, ...reconf].map((f) => `${f}.out`);
    const t = await Topology.start({
      ...combo,
      sentinelConfig: (i) => [
        `sentinel notification-script ${MASTER_NAME} ${notify[i]!}`,
        `sentinel client-reconfig-script ${MASTER_NAME} ${reconf[i]!}`,
      ],
    });
    ctx.onTestFailed(() => console.error(`--- topology of the failed test ---\n${t.dump()}`));
    ctx.onTestFinished(async () => {
      await t.stop();
      killHangingScripts(outputs);
    });
    const logs = await Promise.all(t.sentinels.map((s) => t.events(s)));
    for (const s of t.sentinels)
      expect(await t.sentinel(s, 'DEBUG', 'script-retry-delay', '500')).toBe('OK');
    // Every sentinel notified its start (+monitor) through the script.
    for (const n of notify)
      await until(() => runs(`${n}.out`).some((r) => r[2] === '+monitor'), `${n} to get +monitor`);

    const old = t.master;
    await t.kill(old);
    const killedAt = Date.now();
    const promoted = await t.waitSwitch(old.port, 30_000);
    const switchedAt = Date.now();
    const switched = `${MASTER_NAME} 127.0.0.1 ${old.port} 127.0.0.1 ${promoted.port}`;

    // The +sdown script of every sentinel is still hanging: the failover
    // went on without waiting for it.
    for (const [i, s] of t.sentinels.entries()) {
      const jobs = pendingScripts(await t.sentinel(s, 'PENDING-SCRIPTS'));
      const hung = jobs.find((j) => j.argv[1] === '+sdown');
      expect(hung, `sentinel${i}: ${JSON.stringify(jobs)}`).toBeDefined();
      expect(hung!.argv).toEqual([notify[i], '+sdown', masterDetails(old.port)]);
      expect(hung!.f.get('flags')).toBe('running');
      expect(Number(hung!.f.get('pid'))).toBeGreaterThan(0);
      expect(Number(hung!.f.get('run-time'))).toBeGreaterThan(0);
      expect(hung!.f.get('retry-num')).toBe('1');
      expect([...hung!.f.keys()]).toEqual(['argv', 'flags', 'pid', 'run-time', 'retry-num']);
      const info = await command(s.port, 'INFO', 'sentinel');
      expect(Number(infoValue(info, 'sentinel_running_scripts'))).toBeGreaterThanOrEqual(1);
      expect(Number(infoValue(info, 'sentinel_scripts_queue_length'))).toBeGreaterThanOrEqual(1);
    }
    console.log(`[${comboName(combo)}] switch ${switchedAt - killedAt} ms after SIGKILL`);
    expect(switchedAt - killedAt).toBeLessThan(20_000);

    // Client reconfiguration: the leader says `leader`, the others
    // `observer`; the first run of each exits 1 and is retried once.
    const leaderIndex = logs.findIndex((l) => l.find('+elected-leader').length > 0);
    expect(leaderIndex).toBeGreaterThanOrEqual(0);
    for (const [i, r] of reconf.entries()) {
      await until(() => runs(`${r}.out`).length >= 2, `${r} to run twice`, 15_000);
      const [first, second] = runs(`${r}.out`);
      const role = i === leaderIndex ? 'leader' : 'observer';
      const want = `${MASTER_NAME} ${role} start 127.0.0.1 ${old.port} 127.0.0.1 ${promoted.port}`;
      expect(first!.slice(2)).toEqual(['7', want]);
      expect(second!.slice(2)).toEqual(['7', want]);
      // The retry came after script-retry-delay (500 ms).
      expect(Number(second![1]) - Number(first![1])).toBeGreaterThanOrEqual(450);
    }

    // Notifications: two arguments each, warning-level events only, in
    // the order they happened (pids grow with each start).
    await Promise.all(logs.map((l) => l.wait('+switch-master', (m) => m === switched)));
    for (const [i, n] of notify.entries()) {
      await until(
        () => runs(`${n}.out`).some((r) => r[2] === '+switch-master'),
        `${n} to get +switch-master`,
      );
      const all = runs(`${n}.out`);
      for (const r of all) expect(r[1], r.join('|')).toBe('2');
      // Everything the script got was published as that event.
      const log = logs[i]!;
      for (const r of all)
        if (r[2] !== '+monitor')
          expect(log.find(r[2]!, (m) => m === r[3]).length, r.join('|')).toBeGreaterThan(0);
      // Notice-level events never reach the script.
      const types = new Set(all.map((r) => r[2]));
      for (const notice of ['+slave-reconf-sent', '+slave-reconf-inprog', '+slave-reconf-done'])
        expect(types.has(notice), notice).toBe(false);
      // +odown exits 2: run once, never retried, reported.
      if (log.find('+odown').length > 0) {
        expect(all.filter((r) => r[2] === '+odown')).toHaveLength(1);
        await log.wait('-script-error', `${n} 0 2`);
      }
      if (i === leaderIndex) {
        expectRuns(n, all, [
          ['+sdown', masterDetails(old.port)],
          ['+odown', masterDetails(old.port)],
          ['+new-epoch'],
          ['+try-failover', masterDetails(old.port)],
          ['+vote-for-leader'],
          ['+elected-leader', masterDetails(old.port)],
          ['+failover-state-select-slave', masterDetails(old.port)],
          ['+selected-slave', replicaDetails(promoted.port, old.port)],
          ['+promoted-slave', replicaDetails(promoted.port, old.port)],
          ['+failover-state-reconf-slaves', masterDetails(old.port)],
          ['+switch-master', switched],
        ]);
        expect(types.has('+failover-end')).toBe(true);
      } else {
        // (An observer may be asked for its vote before its own +sdown.)
        expectRuns(n, all, [
          ['+sdown', masterDetails(old.port)],
          ['+switch-master', switched],
        ]);
        expectRuns(n, all, [
          ['+new-epoch'],
          ['+vote-for-leader'],
          ['+config-update-from'],
          ['+switch-master', switched],
        ]);
      }
    }

    // Shorten the run-time limit: the hanging scripts are killed
    // (-script-timeout with their pid), and a kill means "retry".
    for (const s of t.sentinels)
      expect(await t.sentinel(s, 'DEBUG', 'script-max-runtime', '1000')).toBe('OK');
    for (const [i, n] of notify.entries()) {
      const hung = runs(`${n}.out`).find((r) => r[2] === '+sdown')!;
      await logs[i]!.wait('-script-timeout', (m) => m === `${n} ${hung[0]}`, 10_000);
      await until(
        () =>
          runs(`${n}.out`).filter((r) => r[2] === '+sdown' && r[3]!.startsWith('master')).length >=
          2,
        `${n} to run +sdown again after the kill`,
        10_000,
      );
    }
    expect(logs.every((l) => l.find('-script-error', (m) => m.endsWith(' 9 0')).length === 0)).toBe(
      true,
    );
  }, 120_000);

  it('SENTINEL SET changes script paths only with deny-scripts-reconfig no, and refuses non-executable files', async (ctx) => {
    const dir = tempDir('resplica-sentinel-scripts-set-');
    const ok = writeScript(path.join(dir, 'ok.sh'), '#!/bin/sh\nexit 0\n');
    const plain = path.join(dir, 'plain.txt');
    writeFileSync(plain, 'not a program');
    const t = await Topology.start({
      servers: combo.servers.slice(0, 1),
      sentinels: combo.sentinels.slice(0, 2),
      quorum: 1,
      sentinelConfig: (i) => (i === 1 ? ['sentinel deny-scripts-reconfig no'] : []),
    });
    ctx.onTestFailed(() => console.error(`--- topology of the failed test ---\n${t.dump()}`));
    ctx.onTestFinished(() => t.stop());
    const [denied, allowed] = t.sentinels as [Node, Node];
    const deniedText =
      '-ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration';
    for (const option of ['notification-script', 'client-reconfig-script'])
      expect(String(await t.sentinel(denied, 'SET', MASTER_NAME, option, ok))).toBe(deniedText);

    expect(
      String(await t.sentinel(allowed, 'SET', MASTER_NAME, 'notification-script', plain)),
    ).toBe('-ERR Notification script seems non existing or non executable');
    expect(
      String(
        await t.sentinel(allowed, 'SET', MASTER_NAME, 'client-reconfig-script', `${dir}/none`),
      ),
    ).toBe('-ERR Client reconfiguration script seems non existing or non executable');
    expect(
      await t.sentinel(
        allowed,
        'SET',
        MASTER_NAME,
        'notification-script',
        ok,
        'client-reconfig-script',
        ok,
      ),
    ).toBe('OK');
    const m = fields(await t.sentinel(allowed, 'MASTER', MASTER_NAME));
    expect(m.get('notification-script')).toBe(ok);
    expect(m.get('client-reconfig-script')).toBe(ok);
    await until(
      () => t.sentinelConfig(allowed).includes(`sentinel notification-script ${MASTER_NAME} ${ok}`),
      'the script path in the rewritten config',
    );
    expect(t.sentinelConfig(allowed)).toContain(
      `sentinel client-reconfig-script ${MASTER_NAME} ${ok}`,
    );
    // An empty path removes the script.
    expect(await t.sentinel(allowed, 'SET', MASTER_NAME, 'notification-script', '')).toBe('OK');
    expect(
      fields(await t.sentinel(allowed, 'MASTER', MASTER_NAME)).has('notification-script'),
    ).toBe(false);
    expect(await t.sentinel(denied, 'PENDING-SCRIPTS')).toEqual([]);
    expect(await t.sentinel(denied, 'SET', MASTER_NAME, 'quorum', '1')).toBe('OK');
    expect(await t.sentinel(allowed, 'FLUSHCONFIG')).toBe('OK');
    expect(t.sentinelConfig(allowed)).toMatch(/^sentinel deny-scripts-reconfig no$/m);
    expect(t.sentinelConfig(allowed)).not.toMatch(/^sentinel notification-script/m);
    expect(String(await t.sentinel(denied, 'SET', 'nosuch', 'quorum', '1'))).toMatch(
      /^-ERR No such master/,
    );
  }, 60_000);
});

describe('sentinel script paths in the config file', () => {
  const dir = tempDir('resplica-sentinel-scripts-conf-');
  const plain = path.join(dir, 'plain.txt');
  writeFileSync(plain, 'not a program');
  const cases: Array<[string, string]> = [
    ['notification-script', 'Notification script seems non existing or non executable.'],
    [
      'client-reconfig-script',
      'Client reconfiguration script seems non existing or non executable.',
    ],
  ];
  const programs: Array<[string, string, string[]]> = [
    ['resplica', process.execPath, [RESPLICA_MAIN]],
    ...(redisSentinelAvailable
      ? [['redis-sentinel', 'redis-sentinel', []] as [string, string, string[]]]
      : []),
  ];
  for (const [option, message] of cases)
    for (const [name, program, pre] of programs)
      it(`${name} refuses to start with a ${option} that is not executable`, () => {
        const conf = path.join(dir, `${name}-${option}.conf`);
        // The script line before the monitor line: masters are created first.
        writeFileSync(
          conf,
          [
            'port 0',
            'bind 127.0.0.1',
            `sentinel ${option} ${MASTER_NAME} ${plain}`,
            `sentinel monitor ${MASTER_NAME} 127.0.0.1 1 1`,
            '',
          ].join('\n'),
        );
        const args = name === 'resplica' ? [...pre, conf, '--sentinel'] : [conf];
        const r = spawnSync(program, args, { encoding: 'utf8', timeout: 10_000 });
        expect(r.status).toBe(1);
        const out = `${r.stdout}${r.stderr}`;
        expect(out).toContain('*** FATAL CONFIG FILE ERROR');
        expect(out).toContain('Reading the configuration file, at line 3');
        expect(out).toContain(`>>> 'sentinel ${option} ${MASTER_NAME} ${plain}'`);
        expect(out).toContain(message);
      });
});

/**
 * Checks that `steps` ([type, description prefix]) occur in this order among
 * a script's runs (first run of each event only; others may come between).
 */
function expectRuns(
  label: string,
  all: string[][],
  steps: ReadonlyArray<readonly [string, string?]>,
): void {
  const seen = new Set<string>();
  const firsts = all.filter((r) => {
    const key = `${r[2]} ${r[3]}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  let i = 0;
  for (const r of firsts) {
    const step = steps[i];
    if (step === undefined) break;
    if (r[2] === step[0] && (step[1] === undefined || r[3]!.startsWith(step[1]))) i++;
  }
  if (i < steps.length)
    throw new Error(
      `${label}: expected ${steps[i]!.join(' ')} after ${steps
        .slice(0, i)
        .map((s) => s[0])
        .join(', ')}; runs: ${firsts.map((r) => `${r[2]} ${r[3]}`).join(' | ')}`,
    );
}
