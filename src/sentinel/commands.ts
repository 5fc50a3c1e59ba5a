import net from 'node:net';
import type { Client } from '../server/client.js';
import type { CommandSpec, CommandFlag } from '../commands/types.js';
import { ALL_COMMAND_SPECS } from '../commands/table.js';
import { renderInfo } from '../server/info.js';
import { globMatch } from '../store/glob.js';
import type { Instance } from './instance.js';
import { selectSlave } from './election.js';
import {
  HELLO_CHANNEL,
  SIMFAILURE_CRASH_AFTER_ELECTION,
  SIMFAILURE_CRASH_AFTER_PROMOTION,
  timing,
  type Sentinel,
  type TimingName,
} from './sentinel.js';
import { setDownAfter } from './config.js';
import { isExecutableFile } from './scripts.js';

/**
 * The command table of sentinel mode. redis-sentinel keeps only the commands
 * it needs (and answers everything else "unknown command"): the connection
 * and pub/sub commands shared with the server, taken from the server's table
 * unchanged, plus its own INFO, ROLE, PUBLISH (hellos only), SHUTDOWN and
 * SENTINEL. The dispatcher and COMMAND read this table exactly as they read
 * the server's.
 */

/** Commands redis-sentinel 7.0 shares with redis-server (COMMAND LIST of a real sentinel). */
const SHARED = new Set([
  'auth',
  'client',
  'command',
  'hello',
  'ping',
  'psubscribe',
  'punsubscribe',
  'subscribe',
  'unsubscribe',
]);

const NO_KEYS = { firstKey: 0, lastKey: 0, step: 0 } as const;
const ADMIN: readonly CommandFlag[] = ['admin', 'sentinel', 'only_sentinel'];

export function sentinelCommandSpecs(sentinel: Sentinel): CommandSpec[] {
  const shared = ALL_COMMAND_SPECS.filter((s) => SHARED.has(s.name));
  const sub = (
    name: string,
    arity: number,
    summary: string,
    handler: (c: Client, argv: Buffer[]) => void,
    flags: readonly CommandFlag[] = ADMIN,
  ): CommandSpec => ({
    name,
    arity,
    flags,
    ...NO_KEYS,
    group: 'sentinel',
    since: '2.8.4',
    complexity: 'O(N)',
    summary,
    handler,
  });
  const s = sentinel;
  const own: CommandSpec[] = [
    {
      name: 'info',
      arity: -1,
      flags: ['loading', 'stale', 'sentinel'],
      ...NO_KEYS,
      group: 'server',
      since: '1.0.0',
      complexity: 'O(1)',
      summary: 'Information and statistics about the sentinel',
      acl: ['dangerous'],
      handler: (c, argv) => c.reply.verbatim(sentinelInfo(s, argv.slice(1).map(String))),
    },
    {
      name: 'role',
      arity: 1,
      flags: ['noscript', 'loading', 'stale', 'fast', 'sentinel'],
      ...NO_KEYS,
      group: 'server',
      since: '2.8.12',
      complexity: 'O(1)',
      summary: 'Replication role of this instance: sentinel, and the monitored masters',
      handler: (c) => {
        c.reply.arrayHeader(2);
        c.reply.bulkString('sentinel');
        c.reply.arrayHeader(s.state.masters.size);
        for (const name of s.state.masters.keys()) c.reply.bulkString(name);
      },
    },
    {
      name: 'publish',
      arity: 3,
      flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate', 'sentinel'],
      ...NO_KEYS,
      group: 'pubsub',
      since: '2.0.0',
      complexity: 'O(N+M)',
      summary: 'Hello messages from other sentinels',
      handler: (c, argv) => {
        // Peers send their hellos straight to us too; nothing else is accepted.
        if (argv[1]!.toString('latin1') !== HELLO_CHANNEL) {
          c.reply.error('ERR Only HELLO messages are accepted by Sentinel instances.');
          return;
        }
        s.processHelloMessage(argv[2]!.toString('latin1'));
        c.reply.integer(1);
      },
    },
    {
      name: 'shutdown',
      arity: -1,
      flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'sentinel', 'allow_busy'],
      ...NO_KEYS,
      group: 'server',
      since: '1.0.0',
      complexity: 'O(1)',
      summary: 'Stop the sentinel',
      handler: shutdown,
    },
    {
      name: 'sentinel',
      arity: -2,
      flags: ['admin', 'sentinel', 'only_sentinel'],
      ...NO_KEYS,
      group: 'sentinel',
      since: '2.8.4',
      complexity: 'Depends on subcommand',
      summary: 'Sentinel commands',
      subcommands: [
        sub('ckquorum', 3, 'Can the quorum and majority be reached', (c, a) => ckquorum(s, c, a)),
        sub('config', -3, 'Global sentinel settings', (c, a) => configCommand(s, c, a)),
        sub('debug', -2, 'Show or change timing parameters', (c, a) => debug(s, c, a)),
        sub('failover', 3, 'Force a failover', (c, a) => failover(s, c, a)),
        sub('flushconfig', 2, 'Rewrite the config file', (c) => {
          s.flushConfig();
          c.reply.ok();
        }),
        sub(
          'get-master-addr-by-name',
          3,
          'Address of the current master',
          (c, a) => {
            const m = s.state.masters.get(a[2]!.toString());
            if (m === undefined) {
              c.reply.nullArray();
              return;
            }
            const addr = s.currentMasterAddress(m);
            c.reply.arrayHeader(2);
            c.reply.bulkString(addr.host);
            c.reply.bulkString(String(addr.port));
          },
          ['admin', 'sentinel', 'only_sentinel', 'fast'],
        ),
        sub('help', 2, 'Help', (c) => help(c), ['loading', 'stale', 'sentinel', 'only_sentinel']),
        sub('info-cache', -3, 'Last INFO of masters and replicas', (c, a) => infoCache(s, c, a)),
        sub(
          'is-master-down-by-addr',
          6,
          "This sentinel's opinion of a master, and its vote",
          (c, a) => isMasterDownByAddr(s, c, a),
        ),
        sub('master', 3, 'State of a master', (c, a) => {
          const m = masterOrError(s, c, a[2]!);
          if (m !== null) replyInstance(s, c, m);
        }),
        sub('masters', 2, 'State of every master', (c) => {
          c.reply.arrayHeader(s.state.masters.size);
          for (const m of s.state.masters.values()) replyInstance(s, c, m);
        }),
        sub('monitor', 6, 'Start monitoring a master', (c, a) => monitor(s, c, a)),
        sub('myid', 2, 'This sentinel id', (c) => c.reply.bulkString(s.myid)),
        sub('pending-scripts', 2, 'Queued scripts', (c) => pendingScripts(s, c)),
        sub('remove', 3, 'Stop monitoring a master', (c, a) => {
          const m = masterOrError(s, c, a[2]!);
          if (m === null) return;
          s.removeMaster(m);
          c.reply.ok();
        }),
        sub('replicas', 3, 'Replicas of a master', (c, a) => replicas(s, c, a)),
        sub('reset', 3, 'Forget replicas and sentinels of masters', (c, a) => reset(s, c, a)),
        sub('sentinels', 3, 'Other sentinels of a master', (c, a) => {
          const m = masterOrError(s, c, a[2]!);
          if (m === null) return;
          c.reply.arrayHeader(m.sentinels.size);
          for (const p of m.sentinels.values()) replyInstance(s, c, p);
        }),
        sub('set', -5, "Change a master's settings", (c, a) => set(s, c, a)),
        sub('simulate-failure', -3, 'Crash at a chosen point', (c, a) => simulateFailure(s, c, a)),
        sub('slaves', 3, 'Replicas of a master', (c, a) => replicas(s, c, a)),
      ],
    },
  ];
  return [...shared, ...own];
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], with the server's syntax
 * checks; a sentinel has no dataset, so nothing is saved whatever the
 * modifiers say.
 */
function shutdown(c: Client, argv: Buffer[]): void {
  const words = argv.slice(1).map((a) => a.toString().toLowerCase());
  const known = ['nosave', 'save', 'now', 'force', 'abort'];
  if (
    words.some((w) => !known.includes(w)) ||
    (words.includes('abort') && words.length !== 1) ||
    (words.includes('save') && words.includes('nosave'))
  ) {
    c.reply.error('ERR syntax error');
    return;
  }
  if (words[0] === 'abort') {
    if (c.server.abortShutdown()) c.reply.ok();
    else c.reply.error('ERR No shutdown in progress.');
    return;
  }
  c.server.requestShutdown({ save: false, nosave: true, force: true, now: true }, c);
}

function masterOrError(s: Sentinel, c: Client, name: Buffer): Instance | null {
  const m = s.state.masters.get(name.toString());
  if (m === undefined) {
    c.reply.error('ERR No such master with that name');
    return null;
  }
  return m;
}

function replicas(s: Sentinel, c: Client, a: Buffer[]): void {
  const m = masterOrError(s, c, a[2]!);
  if (m === null) return;
  // Replicas configured with replica-announced no are kept out of the list.
  const announced = [...m.slaves.values()].filter((r) => r.replicaAnnounced);
  c.reply.arrayHeader(announced.length);
  for (const r of announced) replyInstance(s, c, r);
}

/** One instance as SENTINEL MASTER/REPLICAS/SENTINELS show it: redis-sentinel's fields, in its order. */
function replyInstance(s: Sentinel, c: Client, ri: Instance): void {
  const now = Date.now();
  const link = ri.link;
  const f: Array<[string, string | number]> = [
    ['name', ri.name],
    ['ip', ri.host],
    ['port', ri.port],
    ['runid', ri.runid ?? ''],
    ['flags', ri.flagsString()],
    ['link-pending-commands', link.pendingCommands],
    ['link-refcount', 1],
  ];
  if (ri.failoverState !== 'none') f.push(['failover-state', ri.failoverState]);
  f.push(['last-ping-sent', link.actPingTime !== 0 ? now - link.actPingTime : 0]);
  f.push(['last-ok-ping-reply', now - link.lastAvailTime]);
  f.push(['last-ping-reply', now - link.lastPongTime]);
  if (ri.sdown) f.push(['s-down-time', now - ri.sDownSinceTime]);
  if (ri.odown) f.push(['o-down-time', now - ri.oDownSinceTime]);
  f.push(['down-after-milliseconds', ri.downAfterPeriod]);
  if (ri.kind !== 'sentinel') {
    f.push(['info-refresh', ri.infoRefresh !== 0 ? now - ri.infoRefresh : 0]);
    f.push(['role-reported', ri.roleReported]);
    f.push(['role-reported-time', now - ri.roleReportedTime]);
  }
  if (ri.kind === 'master') {
    f.push(['config-epoch', ri.configEpoch]);
    f.push(['num-slaves', ri.slaves.size]);
    f.push(['num-other-sentinels', ri.sentinels.size]);
    f.push(['quorum', ri.quorum]);
    f.push(['failover-timeout', ri.failoverTimeout]);
    f.push(['parallel-syncs', ri.parallelSyncs]);
    if (ri.notificationScript !== null) f.push(['notification-script', ri.notificationScript]);
    if (ri.clientReconfigScript !== null)
      f.push(['client-reconfig-script', ri.clientReconfigScript]);
  }
  if (ri.kind === 'slave') {
    f.push(['master-link-down-time', ri.masterLinkDownTime]);
    f.push(['master-link-status', ri.slaveMasterLinkStatus === 'up' ? 'ok' : 'err']);
    f.push(['master-host', ri.slaveMasterHost ?? '?']);
    f.push(['master-port', ri.slaveMasterPort]);
    f.push(['slave-priority', ri.slavePriority]);
    f.push(['slave-repl-offset', ri.slaveReplOffset]);
    f.push(['replica-announced', ri.replicaAnnounced ? 1 : 0]);
  }
  if (ri.kind === 'sentinel') {
    f.push(['last-hello-message', now - ri.lastHelloTime]);
    f.push(['voted-leader', ri.leader ?? '?']);
    f.push(['voted-leader-epoch', ri.leaderEpoch]);
  }
  void s;
  c.reply.mapHeader(f.length);
  for (const [k, v] of f) {
    c.reply.bulkString(k);
    c.reply.bulkString(String(v));
  }
}

function parseInteger(b: Buffer): number | null {
  const t = b.toString();
  if (!/^-?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function isMasterDownByAddr(s: Sentinel, c: Client, a: Buffer[]): void {
  const port = parseInteger(a[3]!);
  const epoch = parseInteger(a[4]!);
  if (port === null || epoch === null) {
    c.reply.error('ERR value is not an integer or out of range');
    return;
  }
  const r = s.isMasterDownByAddr(a[2]!.toString(), port, epoch, a[5]!.toString());
  c.reply.arrayHeader(3);
  c.reply.integer(r.down ? 1 : 0);
  c.reply.bulkString(r.leader ?? '*');
  c.reply.integer(r.leaderEpoch);
}

function monitor(s: Sentinel, c: Client, a: Buffer[]): void {
  const quorum = parseInteger(a[5]!);
  if (quorum === null) {
    c.reply.error('ERR Invalid quorum');
    return;
  }
  if (quorum <= 0) {
    c.reply.error('ERR Quorum must be 1 or greater.');
    return;
  }
  const port = parseInteger(a[4]!);
  if (port === null) {
    c.reply.error('ERR Invalid port');
    return;
  }
  if (port <= 0 || port > 65535) {
    c.reply.error('ERR Invalid port number.');
    return;
  }
  const host = a[3]!.toString();
  if (!s.state.settings.resolveHostnames && net.isIP(host) === 0) {
    c.reply.error('ERR Invalid IP address or hostname specified');
    return;
  }
  const created = s.state.addMaster(a[2]!.toString(), host, port, quorum);
  if (typeof created === 'string') {
    c.reply.error(`ERR ${created}`);
    return;
  }
  s.flushConfig();
  s.event('warning', '+monitor', created, `quorum ${created.quorum}`);
  c.reply.ok();
}

function reset(s: Sentinel, c: Client, a: Buffer[]): void {
  const pattern = a[2]!.toString();
  let count = 0;
  for (const m of s.state.masters.values()) {
    if (!globMatch(pattern, m.name)) continue;
    s.reset(m);
    count++;
  }
  if (count > 0) s.flushConfig();
  c.reply.integer(count);
}

function failover(s: Sentinel, c: Client, a: Buffer[]): void {
  const m = masterOrError(s, c, a[2]!);
  if (m === null) return;
  if (m.failoverInProgress) {
    c.reply.error('INPROG Failover already in progress');
    return;
  }
  if (selectSlave(m, Date.now()) === null) {
    c.reply.error('NOGOODSLAVE No suitable replica to promote');
    return;
  }
  s.log.warning(`Executing user requested FAILOVER of '${m.name}'`);
  s.startFailover(m);
  m.forceFailover = true;
  c.reply.ok();
}

function ckquorum(s: Sentinel, c: Client, a: Buffer[]): void {
  const m = masterOrError(s, c, a[2]!);
  if (m === null) return;
  const voters = m.sentinels.size + 1;
  let usable = 1;
  for (const p of m.sentinels.values()) if (!p.sdown && !p.odown) usable++;
  const noQuorum = usable < m.quorum;
  const noAuth = usable < Math.floor(voters / 2) + 1;
  if (!noQuorum && !noAuth) {
    c.reply.simple(
      `OK ${usable} usable Sentinels. Quorum and failover authorization can be reached`,
    );
    return;
  }
  let e = `NOQUORUM ${usable} usable Sentinels. `;
  if (noQuorum) e += 'Not enough available Sentinels to reach the specified quorum for this master';
  if (noAuth) {
    if (noQuorum) e += '. ';
    e += 'Not enough available Sentinels to reach the majority and authorize a failover';
  }
  c.reply.error(e);
}

const CONFIG_PARAMS = [
  'resolve-hostnames',
  'announce-hostnames',
  'announce-ip',
  'announce-port',
  'sentinel-user',
  'sentinel-pass',
];

function configCommand(s: Sentinel, c: Client, a: Buffer[]): void {
  const op = a[2]!.toString().toLowerCase();
  const st = s.state.settings;
  if (op === 'get' && a.length === 4) {
    const pattern = a[3]!.toString();
    const values: Record<string, string> = {
      'resolve-hostnames': st.resolveHostnames ? 'yes' : 'no',
      'announce-hostnames': st.announceHostnames ? 'yes' : 'no',
      'announce-ip': st.announceIp,
      'announce-port': String(st.announcePort),
      'sentinel-user': st.sentinelUser ?? '',
      'sentinel-pass': st.sentinelPass ?? '',
    };
    const hits = CONFIG_PARAMS.filter((p) => globMatch(pattern, p, true));
    c.reply.mapHeader(hits.length);
    for (const p of hits) {
      c.reply.bulkString(p);
      c.reply.bulkString(values[p]!);
    }
    return;
  }
  if (op === 'set' && a.length === 5) {
    const name = a[3]!.toString().toLowerCase();
    const value = a[4]!.toString();
    const invalid = (): void =>
      c.reply.error(`ERR Invalid value '${value}' to SENTINEL CONFIG SET '${name}'`);
    switch (name) {
      case 'resolve-hostnames':
      case 'announce-hostnames': {
        const v = value.toLowerCase();
        if (v !== 'yes' && v !== 'no') return invalid();
        if (name === 'resolve-hostnames') st.resolveHostnames = v === 'yes';
        else st.announceHostnames = v === 'yes';
        break;
      }
      case 'announce-ip':
        st.announceIp = value;
        break;
      case 'announce-port': {
        const p = parseInteger(a[4]!);
        if (p === null || p < 0 || p > 65535) return invalid();
        st.announcePort = p;
        break;
      }
      case 'sentinel-user':
        st.sentinelUser = value === '' ? null : value;
        break;
      case 'sentinel-pass':
        st.sentinelPass = value === '' ? null : value;
        break;
      default:
        c.reply.error(`ERR Invalid argument '${a[3]!.toString()}' to SENTINEL CONFIG SET`);
        return;
    }
    s.flushConfig();
    c.reply.ok();
    return;
  }
  c.reply.error('ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.');
}

function debug(s: Sentinel, c: Client, a: Buffer[]): void {
  void s;
  if (a.length === 2) {
    const names = Object.keys(timing) as TimingName[];
    c.reply.mapHeader(names.length);
    for (const n of names) {
      c.reply.bulkString(n.toUpperCase());
      c.reply.bulkString(String(timing[n]));
    }
    return;
  }
  for (let j = 2; j < a.length; j += 2) {
    const name = a[j]!.toString().toLowerCase();
    if (!(name in timing) || j + 1 >= a.length) {
      c.reply.error(
        `ERR Unknown option or number of arguments for SENTINEL DEBUG '${a[j]!.toString()}'`,
      );
      return;
    }
    const v = parseInteger(a[j + 1]!);
    if (v === null || v <= 0) {
      c.reply.error(
        `ERR Invalid argument '${a[j + 1]!.toString()}' for SENTINEL DEBUG '${a[j]!.toString()}'`,
      );
      return;
    }
    timing[name as TimingName] = v;
  }
  c.reply.ok();
}

function infoCache(s: Sentinel, c: Client, a: Buffer[]): void {
  const now = Date.now();
  const wanted = a.slice(2).map((b) => b.toString());
  const masters = [...s.state.masters.values()].filter((m) => wanted.includes(m.name));
  c.reply.arrayHeader(masters.length * 2);
  for (const m of masters) {
    c.reply.bulkString(m.name);
    c.reply.arrayHeader(m.slaves.size + 1);
    for (const ri of [m, ...m.slaves.values()]) {
      c.reply.arrayHeader(2);
      c.reply.integer(ri.infoRefresh !== 0 ? now - ri.infoRefresh : 0);
      if (ri.info === null) c.reply.nullBulk();
      else c.reply.bulkString(ri.info);
    }
  }
}

function simulateFailure(s: Sentinel, c: Client, a: Buffer[]): void {
  s.simFailureFlags = 0;
  for (const arg of a.slice(2)) {
    const v = arg.toString().toLowerCase();
    if (v === 'crash-after-election') {
      s.simFailureFlags |= SIMFAILURE_CRASH_AFTER_ELECTION;
      s.log.warning('Failure simulation: this Sentinel will crash after being elected leader');
    } else if (v === 'crash-after-promotion') {
      s.simFailureFlags |= SIMFAILURE_CRASH_AFTER_PROMOTION;
      s.log.warning('Failure simulation: this Sentinel will crash after promoting a replica');
    } else if (v === 'help') {
      c.reply.arrayHeader(2);
      c.reply.bulkString('crash-after-election');
      c.reply.bulkString('crash-after-promotion');
      return;
    } else {
      c.reply.error('ERR Unknown failure simulation specified');
      return;
    }
  }
  c.reply.ok();
}

/** SENTINEL SET name option value [option value ...]. */
function set(s: Sentinel, c: Client, a: Buffer[]): void {
  const m = masterOrError(s, c, a[2]!);
  if (m === null) return;
  let changes = 0;
  const badArgument = (value: string, option: string): void => {
    if (changes > 0) s.flushConfig();
    c.reply.error(`ERR Invalid argument '${value}' for SENTINEL SET '${option}'`);
  };
  for (let j = 3; j < a.length; j++) {
    const option = a[j]!.toString().toLowerCase();
    const more = a.length - 1 - j;
    const value = more >= 1 ? a[j + 1]!.toString() : '';
    const n = more >= 1 ? parseInteger(a[j + 1]!) : null;
    let shown = value;
    if (
      more >= 1 &&
      (option === 'down-after-milliseconds' ||
        option === 'failover-timeout' ||
        option === 'parallel-syncs' ||
        option === 'quorum')
    ) {
      if (n === null || n <= 0) return badArgument(value, a[j]!.toString());
      if (option === 'down-after-milliseconds') setDownAfter(m, n);
      else if (option === 'failover-timeout') m.failoverTimeout = n;
      else if (option === 'parallel-syncs') m.parallelSyncs = n;
      else m.quorum = n;
      j++;
    } else if (more >= 1 && option === 'master-reboot-down-after-period') {
      if (n === null || n < 0) return badArgument(value, a[j]!.toString());
      m.masterRebootDownAfterPeriod = n;
      j++;
    } else if (
      more >= 1 &&
      (option === 'notification-script' || option === 'client-reconfig-script')
    ) {
      if (s.state.settings.denyScriptsReconfig) {
        if (changes > 0) s.flushConfig();
        c.reply.error(
          'ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration',
        );
        return;
      }
      if (value !== '' && !isExecutableFile(value)) {
        if (changes > 0) s.flushConfig();
        c.reply.error(
          option === 'notification-script'
            ? 'ERR Notification script seems non existing or non executable'
            : 'ERR Client reconfiguration script seems non existing or non executable',
        );
        return;
      }
      if (option === 'notification-script') m.notificationScript = value === '' ? null : value;
      else m.clientReconfigScript = value === '' ? null : value;
      j++;
    } else if (more >= 1 && (option === 'auth-pass' || option === 'auth-user')) {
      if (option === 'auth-pass') {
        m.authPass = value === '' ? null : value;
        shown = '******';
      } else {
        m.authUser = value === '' ? null : value;
      }
      // Reconnect everything with the new credentials.
      m.link.closeAll();
      for (const r of m.slaves.values()) r.link.closeAll();
      j++;
    } else if (more >= 2 && option === 'rename-command') {
      const from = value.toLowerCase();
      const to = a[j + 2]!.toString();
      if (from === '' || to === '') return badArgument(from === '' ? value : to, a[j]!.toString());
      if (from === to.toLowerCase()) m.renamedCommands.delete(from);
      else m.renamedCommands.set(from, to);
      shown = `${value} ${to}`;
      j += 2;
    } else {
      if (changes > 0) s.flushConfig();
      c.reply.error(
        `ERR Unknown option or number of arguments for SENTINEL SET '${a[j]!.toString()}'`,
      );
      return;
    }
    changes++;
    s.event('warning', '+set', m, `${option} ${shown}`);
  }
  if (changes > 0) s.flushConfig();
  c.reply.ok();
}

/**
 * SENTINEL PENDING-SCRIPTS: one map per queued job, as redis-sentinel
 * replies (every value a bulk string, `run-time` for a running job and
 * `run-delay` for a waiting one).
 */
function pendingScripts(s: Sentinel, c: Client): void {
  const jobs = s.scripts.pending();
  c.reply.arrayHeader(jobs.length);
  for (const j of jobs) {
    c.reply.mapHeader(5);
    c.reply.bulkString('argv');
    c.reply.arrayHeader(j.argv.length);
    for (const arg of j.argv) c.reply.bulkString(arg);
    c.reply.bulkString('flags');
    c.reply.bulkString(j.running ? 'running' : 'scheduled');
    c.reply.bulkString('pid');
    c.reply.bulkString(String(j.pid));
    c.reply.bulkString(j.running ? 'run-time' : 'run-delay');
    c.reply.bulkString(String(j.time));
    c.reply.bulkString('retry-num');
    c.reply.bulkString(String(j.retryNum));
  }
}

const HELP = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Tell whether the known sentinels can reach the quorum and the majority',
  '    a failover of this master needs.',
  'CONFIG SET <param> <value>',
  '    Change a global sentinel setting.',
  'CONFIG GET <param>',
  '    Read global sentinel settings.',
  'DEBUG [<param> <value> ...]',
  '    List the timing parameters (milliseconds), or change some of them.',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    The ip and port of the current master of that name.',
  'FAILOVER <master-name>',
  '    Fail the master over now, without asking the other sentinels.',
  'FLUSHCONFIG',
  '    Write the sentinel state to the config file.',
  'INFO-CACHE <master-name>',
  '    The INFO last received from the master and each of its replicas.',
  'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
  "    This sentinel's view of the master at ip:port (and its vote, with a runid).",
  'MASTER <master-name>',
  '    State of one monitored master.',
  'MASTERS',
  '    State of every monitored master.',
  'MONITOR <name> <ip> <port> <quorum>',
  '    Start monitoring a master.',
  'MYID',
  '    The id of this sentinel.',
  'PENDING-SCRIPTS',
  '    Scripts waiting to run.',
  'REMOVE <master-name>',
  '    Stop monitoring a master.',
  'REPLICAS <master-name>',
  '    State of the replicas of a master.',
  'RESET <pattern>',
  '    Forget the replicas and sentinels discovered for matching masters.',
  'SENTINELS <master-name>',
  '    State of the other sentinels watching a master.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Change settings of a master.',
  'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
  '    Make this sentinel crash at a chosen point of a failover.',
  'HELP',
  '    Print this help.',
];

function help(c: Client): void {
  c.reply.arrayHeader(HELP.length);
  for (const line of HELP) c.reply.simple(line);
}

const INFO_SECTIONS = ['server', 'clients', 'stats', 'cpu'];

/** INFO in sentinel mode: the server's process sections plus `# Sentinel`. */
export function sentinelInfo(s: Sentinel, args: string[]): string {
  const wanted = new Set<string>();
  let sentinelSection = false;
  if (args.length === 0) args = ['default'];
  for (const raw of args) {
    const name = raw.toLowerCase();
    if (name === 'default' || name === 'all' || name === 'everything') {
      for (const x of INFO_SECTIONS) wanted.add(x);
      sentinelSection = true;
    } else if (name === 'sentinel') {
      sentinelSection = true;
    } else if (INFO_SECTIONS.includes(name)) {
      wanted.add(name);
    }
  }
  let text =
    wanted.size === 0
      ? ''
      : renderInfo(
          s.server,
          INFO_SECTIONS.filter((x) => wanted.has(x)),
        ).replace('redis_mode:standalone', 'redis_mode:sentinel');
  if (sentinelSection) {
    const now = Date.now();
    const lines = [
      '# Sentinel',
      `sentinel_masters:${s.state.masters.size}`,
      `sentinel_tilt:${s.tilt ? 1 : 0}`,
      `sentinel_tilt_since_seconds:${s.tilt ? Math.floor((now - s.tiltStartTime) / 1000) : -1}`,
      `sentinel_running_scripts:${s.scripts.runningCount}`,
      `sentinel_scripts_queue_length:${s.scripts.length}`,
      `sentinel_simulate_failure_flags:${s.simFailureFlags}`,
    ];
    let i = 0;
    for (const m of s.state.masters.values()) {
      const status = m.odown ? 'odown' : m.sdown ? 'sdown' : 'ok';
      lines.push(
        `master${i++}:name=${m.name},status=${status},address=${m.host}:${m.port},slaves=${m.slaves.size},sentinels=${m.sentinels.size + 1}`,
      );
    }
    text += (text === '' ? '' : '\r\n') + lines.join('\r\n') + '\r\n';
  }
  return text;
}
