import net from 'node:net';
import { ConfigError } from '../config/errors.js';
import type { Origin } from '../config/config-file.js';
import { Instance, addressName } from './instance.js';
import { isExecutableFile } from './scripts.js';

/**
 * The `sentinel ...` lines of sentinel.conf: what they mean, how they are
 * checked (with redis-sentinel's error texts, reported in the usual FATAL
 * CONFIG FILE ERROR block), and how the current state is written back.
 *
 * The file is the sentinel's memory: besides what the operator wrote
 * (`monitor`, `down-after-milliseconds`, ...) the sentinel stores its own id,
 * the epochs, and the replicas and peers it discovered, so that a restarted
 * sentinel takes part in votes with the same identity and does not forget a
 * failover. It is rewritten, atomically, whenever any of that changes
 * (Config.rewrite: temp file, fsync, rename).
 *
 * Like redis-sentinel, the loader is order-insensitive: global settings first,
 * then every `monitor`, then the per-master lines, whatever their place in the
 * file.
 */

export const DEFAULT_DOWN_AFTER = 30000;
export const DEFAULT_FAILOVER_TIMEOUT = 180000;
export const DEFAULT_PARALLEL_SYNCS = 1;
export const SENTINEL_PORT = 26379;

/** Global settings (SENTINEL CONFIG GET/SET and the global `sentinel` lines). */
export interface SentinelSettings {
  myid: string | null;
  currentEpoch: number;
  announceIp: string;
  announcePort: number;
  denyScriptsReconfig: boolean;
  resolveHostnames: boolean;
  announceHostnames: boolean;
  sentinelUser: string | null;
  sentinelPass: string | null;
}

/** The configured and discovered world: settings plus monitored masters (with their replicas and peers). */
export class SentinelState {
  readonly settings: SentinelSettings = {
    myid: null,
    currentEpoch: 0,
    announceIp: '',
    announcePort: 0,
    denyScriptsReconfig: true,
    resolveHostnames: false,
    announceHostnames: false,
    sentinelUser: null,
    sentinelPass: null,
  };
  readonly masters = new Map<string, Instance>();

  constructor(readonly now: () => number = Date.now) {}

  /**
   * Creates a monitored master, or returns redis-sentinel's reason for
   * refusing (duplicate name, bad port, unresolvable address).
   */
  addMaster(name: string, host: string, port: number, quorum: number): Instance | string {
    const problem = this.checkAddress(host, port);
    if (problem !== null) return problem;
    if (this.masters.has(name)) return 'Duplicate master name.';
    const master = new Instance('master', name, host, port, null, quorum, this.now());
    master.downAfterPeriod = DEFAULT_DOWN_AFTER;
    this.masters.set(name, master);
    return master;
  }

  /** Adds a replica to a master unless one with that address exists; null when it existed or is invalid. */
  addSlave(master: Instance, host: string, port: number): Instance | null {
    if (this.checkAddress(host, port) !== null) return null;
    const name = addressName(host, port);
    if (master.slaves.has(name)) return null;
    const slave = new Instance('slave', name, host, port, master, master.quorum, this.now());
    master.slaves.set(name, slave);
    return slave;
  }

  /** Adds a peer sentinel of a master (named by its run id). */
  addSentinel(master: Instance, host: string, port: number, runid: string): Instance | null {
    if (this.checkAddress(host, port) !== null) return null;
    if (master.sentinels.has(runid)) return null;
    const s = new Instance('sentinel', runid, host, port, master, master.quorum, this.now());
    s.runid = runid;
    master.sentinels.set(runid, s);
    return s;
  }

  checkAddress(host: string, port: number): string | null {
    if (!Number.isInteger(port) || port < 0 || port > 65535) return 'Invalid port number.';
    if (!this.settings.resolveHostnames && net.isIP(host) === 0)
      return "Can't resolve instance hostname.";
    return null;
  }
}

/** One `sentinel ...` line as the config loader kept it (arguments after "sentinel"). */
export interface SentinelDirective {
  args: readonly string[];
  origin: Origin;
}

const GLOBAL = new Set([
  'myid',
  'current-epoch',
  'announce-ip',
  'announce-port',
  'deny-scripts-reconfig',
  'resolve-hostnames',
  'announce-hostnames',
  'sentinel-user',
  'sentinel-pass',
]);

/**
 * Applies the sentinel lines to `state`; throws ConfigError naming the line
 * on the first invalid one.
 */
export function loadSentinelDirectives(
  state: SentinelState,
  directives: readonly SentinelDirective[],
): void {
  const pre = directives.filter((d) => GLOBAL.has(d.args[0]!.toLowerCase()));
  const monitors = directives.filter((d) => d.args[0]!.toLowerCase() === 'monitor');
  const post = directives.filter(
    (d) => !GLOBAL.has(d.args[0]!.toLowerCase()) && d.args[0]!.toLowerCase() !== 'monitor',
  );
  for (const d of [...pre, ...monitors, ...post]) {
    const problem = applyDirective(state, d.args);
    if (problem !== null)
      throw new ConfigError(problem, d.origin.lineNumber, d.origin.lineText, d.origin.file);
  }
}

function parseInteger(text: string): number | null {
  if (!/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function yesNo(text: string): boolean | null {
  const t = text.toLowerCase();
  if (t === 'yes') return true;
  if (t === 'no') return false;
  return null;
}

/** One directive; returns Redis's error text or null. */
export function applyDirective(state: SentinelState, args: readonly string[]): string | null {
  const name = args[0]!.toLowerCase();
  const n = args.length;
  const s = state.settings;
  const masterOf = (masterName: string): Instance | null => state.masters.get(masterName) ?? null;
  const NO_MASTER = 'No such master with specified name.';
  const WRONG = 'Unrecognized sentinel configuration statement.';
  switch (name) {
    case 'monitor': {
      if (n !== 5) return WRONG;
      const quorum = parseInteger(args[4]!) ?? 0;
      if (quorum <= 0) return 'Quorum must be 1 or greater.';
      const port = parseInteger(args[3]!) ?? -1;
      const created = state.addMaster(args[1]!, args[2]!, port, quorum);
      return typeof created === 'string' ? created : null;
    }
    case 'down-after-milliseconds':
    case 'failover-timeout':
    case 'master-reboot-down-after-period': {
      if (n !== 3) return WRONG;
      const m = masterOf(args[1]!);
      if (m === null) return NO_MASTER;
      const v = parseInteger(args[2]!) ?? 0;
      if (name === 'master-reboot-down-after-period') {
        if (v < 0) return 'negative time parameter.';
        m.masterRebootDownAfterPeriod = v;
        return null;
      }
      if (v <= 0) return 'negative or zero time parameter.';
      if (name === 'failover-timeout') m.failoverTimeout = v;
      else setDownAfter(m, v);
      return null;
    }
    case 'parallel-syncs': {
      if (n !== 3) return WRONG;
      const m = masterOf(args[1]!);
      if (m === null) return NO_MASTER;
      m.parallelSyncs = parseInteger(args[2]!) ?? 0;
      return null;
    }
    case 'notification-script':
    case 'client-reconfig-script': {
      if (n !== 3) return WRONG;
      const m = masterOf(args[1]!);
      if (m === null) return NO_MASTER;
      // Checked once here, as Redis does: a script that disappears later
      // only fails its runs (-script-error).
      if (!isExecutableFile(args[2]!))
        return name === 'notification-script'
          ? 'Notification script seems non existing or non executable.'
          : 'Client reconfiguration script seems non existing or non executable.';
      if (name === 'notification-script') m.notificationScript = args[2]!;
      else m.clientReconfigScript = args[2]!;
      return null;
    }
    case 'auth-pass':
    case 'auth-user': {
      if (n !== 3) return WRONG;
      const m = masterOf(args[1]!);
      if (m === null) return NO_MASTER;
      if (name === 'auth-pass') m.authPass = args[2]!;
      else m.authUser = args[2]!;
      return null;
    }
    case 'current-epoch': {
      if (n !== 2) return WRONG;
      const v = parseInteger(args[1]!) ?? 0;
      if (v > s.currentEpoch) s.currentEpoch = v;
      return null;
    }
    case 'myid': {
      if (n !== 2) return WRONG;
      if (args[1]!.length !== 40) return 'Malformed Sentinel id in myid option.';
      s.myid = args[1]!;
      return null;
    }
    case 'config-epoch':
    case 'leader-epoch': {
      if (n !== 3) return WRONG;
      const m = masterOf(args[1]!);
      if (m === null) return NO_MASTER;
      const v = parseInteger(args[2]!) ?? 0;
      if (name === 'config-epoch') {
        m.configEpoch = v;
        // An epoch seen anywhere is at most the current epoch.
        if (v > s.currentEpoch) s.currentEpoch = v;
      } else {
        m.leaderEpoch = v;
      }
      return null;
    }
    case 'known-slave':
    case 'known-replica': {
      if (n !== 4) return WRONG;
      const m = masterOf(args[1]!);
      if (m === null) return NO_MASTER;
      const port = parseInteger(args[3]!) ?? -1;
      const problem = state.checkAddress(args[2]!, port);
      if (problem !== null) return problem;
      state.addSlave(m, args[2]!, port);
      return null;
    }
    case 'known-sentinel': {
      if (n !== 4 && n !== 5) return WRONG;
      const m = masterOf(args[1]!);
      if (m === null) return NO_MASTER;
      const port = parseInteger(args[3]!) ?? -1;
      const problem = state.checkAddress(args[2]!, port);
      if (problem !== null) return problem;
      // Without a run id the peer is learnt again from its hellos.
      if (n === 5) state.addSentinel(m, args[2]!, port, args[4]!);
      return null;
    }
    case 'rename-command': {
      if (n !== 4) return WRONG;
      const m = masterOf(args[1]!);
      if (m === null) return NO_MASTER;
      m.renamedCommands.set(args[2]!.toLowerCase(), args[3]!);
      return null;
    }
    case 'announce-ip': {
      if (n !== 2) return WRONG;
      s.announceIp = args[1]!;
      return null;
    }
    case 'announce-port': {
      if (n !== 2) return WRONG;
      const v = parseInteger(args[1]!);
      if (v === null || v < 0 || v > 65535) return 'Invalid port number.';
      s.announcePort = v;
      return null;
    }
    case 'deny-scripts-reconfig':
    case 'resolve-hostnames':
    case 'announce-hostnames': {
      if (n !== 2) return WRONG;
      const v = yesNo(args[1]!);
      if (v === null) return 'Please specify yes or no for the ' + name + ' option.';
      if (name === 'deny-scripts-reconfig') s.denyScriptsReconfig = v;
      else if (name === 'resolve-hostnames') s.resolveHostnames = v;
      else s.announceHostnames = v;
      return null;
    }
    case 'sentinel-user':
    case 'sentinel-pass': {
      if (n !== 2) return WRONG;
      if (name === 'sentinel-user') s.sentinelUser = args[1]!;
      else s.sentinelPass = args[1]!;
      return null;
    }
    default:
      return WRONG;
  }
}

/** down-after-milliseconds applies to the master and to everything watched through it. */
export function setDownAfter(master: Instance, ms: number): void {
  master.downAfterPeriod = ms;
  for (const r of master.slaves.values()) r.downAfterPeriod = ms;
  for (const r of master.sentinels.values()) r.downAfterPeriod = ms;
}

/** Arguments that need quoting are written as redis-sentinel's repr would. */
function quote(text: string): string {
  if (text !== '' && /^[!-~]+$/.test(text) && !/["'\\]/.test(text)) return text;
  return JSON.stringify(text);
}

/**
 * The directive key the rewriter groups lines by ("sentinel monitor", ...),
 * and the lines, in redis-sentinel's order. `currentAddress` gives the
 * address a master is announced at (the promoted replica once a failover
 * reached reconf_slaves).
 */
export function sentinelConfigLines(
  state: SentinelState,
  currentAddress: (master: Instance) => { host: string; port: number },
): Array<[string, string[]]> {
  const s = state.settings;
  const out = new Map<string, string[]>();
  const add = (key: string, line: string): void => {
    const list = out.get(key);
    if (list) list.push(line);
    else out.set(key, [line]);
  };
  const keys = [
    'myid',
    'deny-scripts-reconfig',
    'resolve-hostnames',
    'announce-hostnames',
    'monitor',
    'down-after-milliseconds',
    'failover-timeout',
    'parallel-syncs',
    'notification-script',
    'client-reconfig-script',
    'auth-pass',
    'auth-user',
    'master-reboot-down-after-period',
    'config-epoch',
    'leader-epoch',
    'known-replica',
    'known-sentinel',
    'rename-command',
    'current-epoch',
    'announce-ip',
    'announce-port',
    'sentinel-user',
    'sentinel-pass',
    // Older spellings: any such line left in the file is replaced.
    'known-slave',
  ];
  for (const k of keys) out.set(k, []);
  if (s.myid !== null) add('myid', `sentinel myid ${s.myid}`);
  if (!s.denyScriptsReconfig) add('deny-scripts-reconfig', 'sentinel deny-scripts-reconfig no');
  if (s.resolveHostnames) add('resolve-hostnames', 'sentinel resolve-hostnames yes');
  if (s.announceHostnames) add('announce-hostnames', 'sentinel announce-hostnames yes');
  for (const m of state.masters.values()) {
    const addr = currentAddress(m);
    add('monitor', `sentinel monitor ${m.name} ${addr.host} ${addr.port} ${m.quorum}`);
    if (m.downAfterPeriod !== DEFAULT_DOWN_AFTER)
      add(
        'down-after-milliseconds',
        `sentinel down-after-milliseconds ${m.name} ${m.downAfterPeriod}`,
      );
    if (m.failoverTimeout !== DEFAULT_FAILOVER_TIMEOUT)
      add('failover-timeout', `sentinel failover-timeout ${m.name} ${m.failoverTimeout}`);
    if (m.parallelSyncs !== DEFAULT_PARALLEL_SYNCS)
      add('parallel-syncs', `sentinel parallel-syncs ${m.name} ${m.parallelSyncs}`);
    if (m.notificationScript !== null)
      add(
        'notification-script',
        `sentinel notification-script ${m.name} ${quote(m.notificationScript)}`,
      );
    if (m.clientReconfigScript !== null)
      add(
        'client-reconfig-script',
        `sentinel client-reconfig-script ${m.name} ${quote(m.clientReconfigScript)}`,
      );
    if (m.authPass !== null) add('auth-pass', `sentinel auth-pass ${m.name} ${quote(m.authPass)}`);
    if (m.authUser !== null) add('auth-user', `sentinel auth-user ${m.name} ${quote(m.authUser)}`);
    if (m.masterRebootDownAfterPeriod !== 0)
      add(
        'master-reboot-down-after-period',
        `sentinel master-reboot-down-after-period ${m.name} ${m.masterRebootDownAfterPeriod}`,
      );
    add('config-epoch', `sentinel config-epoch ${m.name} ${m.configEpoch}`);
    add('leader-epoch', `sentinel leader-epoch ${m.name} ${m.leaderEpoch}`);
    for (const r of m.slaves.values()) {
      // The promoted replica already is the announced master: list the old
      // master's address in its place, so that it is watched when it returns.
      let host = r.host;
      let port = r.port;
      if (host === addr.host && port === addr.port) {
        host = m.host;
        port = m.port;
      }
      add('known-replica', `sentinel known-replica ${m.name} ${host} ${port}`);
    }
    for (const p of m.sentinels.values()) {
      if (p.runid === null) continue;
      add('known-sentinel', `sentinel known-sentinel ${m.name} ${p.host} ${p.port} ${p.runid}`);
    }
    for (const [from, to] of m.renamedCommands)
      add('rename-command', `sentinel rename-command ${m.name} ${from} ${to}`);
  }
  add('current-epoch', `sentinel current-epoch ${s.currentEpoch}`);
  if (s.announceIp !== '') add('announce-ip', `sentinel announce-ip ${quote(s.announceIp)}`);
  if (s.announcePort !== 0) add('announce-port', `sentinel announce-port ${s.announcePort}`);
  if (s.sentinelUser !== null)
    add('sentinel-user', `sentinel sentinel-user ${quote(s.sentinelUser)}`);
  if (s.sentinelPass !== null)
    add('sentinel-pass', `sentinel sentinel-pass ${quote(s.sentinelPass)}`);
  return [...out].map(([k, lines]) => [`sentinel ${k}`, lines]);
}
