import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Server } from '../server/server.js';
import type { Logger, LogLevel } from '../server/log.js';
import { Connection, ReplyError, type Reply } from './link.js';
import { Instance, addressName, type FailoverState } from './instance.js';
import { SentinelState, sentinelConfigLines } from './config.js';
import { parseHello, formatHello } from './hello.js';
import { getLeader, selectSlave, voteLeader, type Vote, type VoteContext } from './election.js';
import { ScriptQueue } from './scripts.js';

/**
 * Sentinel mode: watch masters, agree with the other sentinels that one is
 * down, elect a leader among them, and have the leader promote a replica.
 *
 * The protocol, as redis-sentinel speaks it (so that mixed groups work):
 *
 * - Monitoring. Every instance (master, replica, peer sentinel) gets a
 *   command connection; masters and replicas also get a pub/sub connection
 *   subscribed to `__sentinel__:hello`. PING goes out every second (or every
 *   down-after-milliseconds if smaller), INFO every 10 s to masters and
 *   replicas (every second to the replicas of a master that is down or being
 *   failed over). INFO is how replicas and role changes are discovered.
 * - Discovery. Every 2 s a hello is PUBLISHed to every master and replica
 *   (and sent to every peer sentinel): `ip,port,runid,current_epoch,
 *   master_name,master_ip,master_port,master_config_epoch`. A hello from an
 *   unknown run id adds a peer; a hello carrying a newer config epoch for a
 *   master with a different address switches our view to it.
 * - Down detection. No valid PING reply for down-after-milliseconds makes an
 *   instance subjectively down (SDOWN). For a master in SDOWN we ask every
 *   peer, once a second, `SENTINEL is-master-down-by-addr ip port epoch *`;
 *   when ourselves plus the peers that answer "down" reach the quorum, the
 *   master is objectively down (ODOWN).
 * - Election. On ODOWN (and at most once per 2 × failover-timeout) a sentinel
 *   increments the current epoch and asks for votes by sending its own run id
 *   instead of `*`. Each sentinel votes once per epoch, for the first asker.
 *   A leader needs the votes of a majority of the sentinels it knows
 *   (itself included) and at least the quorum.
 * - Failover (leader only): the state machine in instance.ts, driven by
 *   failoverStateMachine() below. The promotion is sent as MULTI, REPLICAOF
 *   NO ONE, CONFIG REWRITE, CLIENT KILL TYPE normal, CLIENT KILL TYPE pubsub,
 *   EXEC, so that the new role is persisted and clients reconnect at once.
 *   The new configuration (config epoch = the failover epoch) then spreads
 *   through the hellos and every sentinel switches to the new master.
 *
 * Everything runs from one timer, 10 to 20 times a second with a random
 * period (as redis-sentinel varies its hz), so that sentinels started
 * together do not stay in lockstep and split the votes forever.
 */

export const HELLO_CHANNEL = '__sentinel__:hello';

/** redis-sentinel's timing constants (ms); SENTINEL DEBUG can change them. */
export const timing = {
  'info-period': 10000,
  'ping-period': 1000,
  'ask-period': 1000,
  'publish-period': 2000,
  'default-down-after': 30000,
  'default-failover-timeout': 180000,
  'tilt-trigger': 2000,
  'tilt-period': 30000,
  'slave-reconf-timeout': 10000,
  'min-link-reconnect-period': 15000,
  'election-timeout': 10000,
  'script-max-runtime': 60000,
  'script-retry-delay': 30000,
};
export type TimingName = keyof typeof timing;

const MAX_PENDING_COMMANDS = 100;
/** Random delay added to failover starts and votes, so sentinels desynchronise. */
const MAX_DESYNC = 1000;

export const SIMFAILURE_CRASH_AFTER_ELECTION = 1;
export const SIMFAILURE_CRASH_AFTER_PROMOTION = 2;

export class Sentinel {
  readonly state: SentinelState;
  tilt = false;
  tiltStartTime = 0;
  private previousTime = Date.now();
  private timer: NodeJS.Timeout | null = null;
  simFailureFlags = 0;
  /** The `sentinel` lines of the rewrite in progress, by directive. */
  private pendingSections: Map<string, string[]> | null = null;

  /** The server answering our clients (set by attach: it is built with our command table). */
  private serverRef: Server | null = null;

  /** notification-script and client-reconfig-script runs (scripts.ts). */
  readonly scripts: ScriptQueue;

  constructor(
    readonly config: Config,
    readonly log: Logger,
    state: SentinelState,
  ) {
    this.state = state;
    this.scripts = new ScriptQueue({
      // Read at every use: SENTINEL DEBUG may change them at any time.
      limits: () => ({
        maxRuntime: timing['script-max-runtime'],
        retryDelay: timing['script-retry-delay'],
      }),
      event: (level, type, detail) => this.event(level, type, null, detail),
      log: (level, message) => this.log.log(level, message),
    });
    // One provider per directive ("sentinel monitor", "sentinel known-replica"...),
    // so that CONFIG REWRITE's in-place replacement works line by line.
    for (const [option] of this.rewriteSections())
      config.setRewriteProvider(option, () => this.rewriteSection(option));
  }

  attach(server: Server): void {
    this.serverRef = server;
  }

  get server(): Server {
    return this.serverRef!;
  }

  get myid(): string {
    return this.state.settings.myid!;
  }

  get currentEpoch(): number {
    return this.state.settings.currentEpoch;
  }

  set currentEpoch(v: number) {
    this.state.settings.currentEpoch = v;
  }

  // ---------------------------------------------------------------- start-up

  /** sentinelIsRunning: pick an id once and keep it, announce the masters, start the timer. */
  start(): void {
    if (this.state.settings.myid === null) {
      this.state.settings.myid = randomBytes(20).toString('hex');
      this.flushConfig();
    }
    this.log.warning(`Sentinel ID is ${this.myid}`);
    for (const m of this.state.masters.values())
      this.event('warning', '+monitor', m, `quorum ${m.quorum}`);
    this.scheduleTimer();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const m of this.state.masters.values()) this.releaseMaster(m);
  }

  private releaseMaster(m: Instance): void {
    m.link.closeAll();
    for (const r of m.slaves.values()) r.link.closeAll();
    for (const s of m.sentinels.values()) s.link.closeAll();
  }

  private scheduleTimer(): void {
    // redis-sentinel runs its timer at a random hz between 10 and 19.
    const hz = 10 + Math.floor(Math.random() * 10);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
      this.scheduleTimer();
    }, 1000 / hz);
  }

  /** sentinelTimer. */
  tick(): void {
    this.checkTiltCondition();
    let switchTo: Instance | null = null;
    for (const m of [...this.state.masters.values()]) {
      this.handleInstance(m);
      for (const r of [...m.slaves.values()]) this.handleInstance(r);
      for (const s of [...m.sentinels.values()]) this.handleInstance(s);
      if (m.failoverState === 'update_config') switchTo = m;
    }
    if (switchTo !== null) this.switchToPromotedSlave(switchTo);
    // Scripts run in TILT too, as in redis-sentinel: they only report.
    this.scripts.tick();
  }

  // -------------------------------------------------------------- TILT mode

  /**
   * The timer runs 10+ times a second; a gap of more than 2 s (or time going
   * backwards) means the process was stopped or the clock jumped, and every
   * elapsed-time judgement may be wrong. In TILT we keep monitoring but act
   * on nothing for 30 s.
   */
  private checkTiltCondition(): void {
    const now = Date.now();
    const delta = now - this.previousTime;
    if (delta < 0 || delta > timing['tilt-trigger']) this.enterTilt();
    this.previousTime = Date.now();
  }

  enterTilt(): void {
    this.tilt = true;
    this.tiltStartTime = Date.now();
    this.event('warning', '+tilt', null, '#tilt mode entered');
  }

  // ------------------------------------------------------------------ events

  /**
   * Logs an event as redis-sentinel does (`<type> <message>`) and publishes
   * it on the channel of the same name. The message starts with the
   * instance's description unless `plain` (+switch-master, +tilt carry their
   * own text). Warning-level events about an instance are where the
   * notification script hooks in.
   */
  event(level: LogLevel, type: string, ri: Instance | null, detail: string, plain = false): void {
    let msg = detail;
    if (ri !== null && !plain) msg = detail === '' ? ri.describe() : `${ri.describe()} ${detail}`;
    this.log.log(level, `${type} ${msg}`);
    if (level !== 'debug') this.server.pubsub.publish(type, Buffer.from(msg, 'latin1'));
    if (level === 'warning' && ri !== null) this.queueNotificationScript(type, msg, ri);
  }

  /**
   * Every warning-level event about an instance arrives here: the master's
   * `notification-script` is queued as `<script> <event type> <event
   * message>` (the message exactly as published).
   */
  queueNotificationScript(type: string, message: string, ri: Instance): void {
    const script = (ri.master ?? ri).notificationScript;
    if (script === null) return;
    this.scripts.schedule(script, [type, message]);
  }

  /**
   * Queues the master's `client-reconfig-script` for a change of its address:
   * `<master> <leader|observer> start <from-ip> <from-port> <to-ip> <to-port>`.
   * redis-sentinel 7.0 passes `start` as the state (its sentinel.conf says
   * "failover"; the code is what scripts see).
   */
  private callClientReconfScript(
    m: Instance,
    role: 'leader' | 'observer',
    from: { host: string; port: number },
    to: { host: string; port: number },
  ): void {
    if (m.clientReconfigScript === null) return;
    this.scripts.schedule(m.clientReconfigScript, [
      m.name,
      role,
      'start',
      from.host,
      String(from.port),
      to.host,
      String(to.port),
    ]);
  }

  // ------------------------------------------------------------------ config

  /** Writes the whole config file with the current state (sentinelFlushConfig). */
  flushConfig(): void {
    // Computed once for all the per-directive providers of this rewrite.
    this.pendingSections = new Map(this.rewriteSections());
    try {
      this.config.rewrite();
      this.log.notice('Sentinel new configuration saved on disk');
    } catch (err) {
      this.log.warning(
        `WARNING: Sentinel was not able to save the new configuration on disk!!!: ${(err as Error).message.replace(/^ERR Rewriting config file: /, '')}`,
      );
    } finally {
      this.pendingSections = null;
    }
  }

  private rewriteSections(): Array<[string, string[]]> {
    return sentinelConfigLines(this.state, (m) => this.currentMasterAddress(m));
  }

  private rewriteSection(option: string): string[] {
    const sections = this.pendingSections ?? new Map(this.rewriteSections());
    return sections.get(option) ?? [];
  }

  /** The address clients should use: the promoted replica once reconfiguration started. */
  currentMasterAddress(m: Instance): { host: string; port: number } {
    const p = m.promotedSlave;
    if (m.failoverInProgress && p !== null && isAtLeast(m.failoverState, 'reconf_slaves'))
      return { host: p.host, port: p.port };
    return { host: m.host, port: m.port };
  }

  // ----------------------------------------------------------------- links

  /** sentinelReconnectInstance: (re)open whatever connection is missing, at most once a second. */
  private reconnectInstance(ri: Instance): void {
    const link = ri.link;
    if (!link.disconnected) return;
    if (ri.port === 0) return;
    const now = Date.now();
    if (now - link.lastReconnTime < timing['ping-period']) return;
    link.lastReconnTime = now;
    if (link.cc === null) {
      const cc = new Connection(ri.host, ri.port);
      link.cc = cc;
      link.ccConnTime = now;
      cc.onClose = () => {
        if (link.cc === cc) {
          link.cc = null;
          link.disconnected = true;
        }
      };
      this.sendAuth(ri, cc);
      this.setClientName(ri, cc, 'cmd');
      this.sendPing(ri);
    }
    if (ri.kind !== 'sentinel' && link.pc === null) {
      const pc = new Connection(ri.host, ri.port);
      link.pc = pc;
      link.pcConnTime = now;
      link.pcLastActivity = now;
      pc.onClose = () => {
        if (link.pc === pc) {
          link.pc = null;
          link.disconnected = true;
        }
      };
      this.sendAuth(ri, pc);
      this.setClientName(ri, pc, 'pubsub');
      pc.onPush = (reply) => this.receiveHelloMessage(ri, reply);
      pc.sendUntracked([ri.mapCommand('SUBSCRIBE'), HELLO_CHANNEL]);
    }
    if (link.cc !== null && (ri.kind === 'sentinel' || link.pc !== null)) link.disconnected = false;
  }

  private sendAuth(ri: Instance, conn: Connection): void {
    let user: string | null;
    let pass: string | null;
    if (ri.kind === 'sentinel') {
      user = this.state.settings.sentinelUser;
      pass = this.state.settings.sentinelPass;
    } else {
      const m = ri.master ?? ri;
      user = m.authUser;
      pass = m.authPass;
    }
    if (pass === null) return;
    const auth = ri.mapCommand('AUTH');
    conn.send(user === null ? [auth, pass] : [auth, user, pass]);
  }

  private setClientName(ri: Instance, conn: Connection, type: string): void {
    conn.send([ri.mapCommand('CLIENT'), 'SETNAME', `sentinel-${this.myid.slice(0, 8)}-${type}`]);
  }

  /** sentinelSendPeriodicCommands: INFO, PING and hello, each on its own period. */
  private sendPeriodicCommands(ri: Instance): void {
    const link = ri.link;
    if (link.disconnected || link.cc === null) return;
    // An instance that stopped answering must not make us queue without bound.
    if (link.pendingCommands >= MAX_PENDING_COMMANDS) return;
    const now = Date.now();
    let infoPeriod = timing['info-period'];
    const m = ri.master;
    if (
      ri.kind === 'slave' &&
      m !== null &&
      (m.odown || m.failoverInProgress || ri.masterLinkDownTime !== 0)
    )
      infoPeriod = 1000;
    // 7.0's master-reboot detection also wants fresh INFO from a master that is down.
    if (ri.kind === 'master' && ri.masterRebootDownAfterPeriod !== 0 && ri.sdown) infoPeriod = 1000;
    const pingPeriod = Math.min(ri.downAfterPeriod, timing['ping-period']);
    if (ri.kind !== 'sentinel' && (ri.infoRefresh === 0 || now - ri.infoRefresh > infoPeriod)) {
      link.cc.send([ri.mapCommand('INFO')], (reply) => {
        if (typeof reply === 'string') this.refreshInstanceInfo(ri, reply);
      });
    }
    if (now - link.lastPongTime > pingPeriod && now - link.lastPingTime > pingPeriod / 2)
      this.sendPing(ri);
    if (now - ri.lastPubTime > timing['publish-period']) this.sendHello(ri);
  }

  private sendPing(ri: Instance): void {
    const link = ri.link;
    if (link.cc === null) return;
    const sent = link.cc.send([ri.mapCommand('PING')], (reply) => this.pingReply(ri, reply));
    if (!sent) return;
    link.lastPingTime = Date.now();
    // Only the oldest unanswered PING counts for down detection.
    if (link.actPingTime === 0) link.actPingTime = link.lastPingTime;
  }

  private pingReply(ri: Instance, reply: Reply): void {
    const link = ri.link;
    const now = Date.now();
    const text =
      typeof reply === 'string' ? reply : reply instanceof ReplyError ? reply.message : '';
    // LOADING and MASTERDOWN mean the instance is alive, just not serving.
    if (text.startsWith('PONG') || text.startsWith('LOADING') || text.startsWith('MASTERDOWN')) {
      link.lastAvailTime = now;
      link.actPingTime = 0;
      if (ri.masterReboot && text.startsWith('PONG')) ri.masterReboot = false;
    } else if (text.startsWith('BUSY') && ri.sdown && !ri.scriptKillSent && link.cc !== null) {
      // Down only because a script is stuck: try to stop the script.
      link.cc.send([ri.mapCommand('SCRIPT'), 'KILL']);
      ri.scriptKillSent = true;
    }
    link.lastPongTime = now;
  }

  // ------------------------------------------------------------ hello messages

  /** Publishes our hello through an instance's command connection (sentinelSendHello). */
  private sendHello(ri: Instance): boolean {
    const link = ri.link;
    if (link.disconnected || link.cc === null) return false;
    const s = this.state.settings;
    const ip = s.announceIp !== '' ? s.announceIp : link.cc.localAddress;
    if (ip === '') return false; // Not connected yet: no local address to announce.
    const port = s.announcePort !== 0 ? s.announcePort : this.server.tcpPort;
    const master = ri.master ?? ri;
    const addr = this.currentMasterAddress(master);
    const payload = formatHello({
      ip,
      port,
      runid: this.myid,
      currentEpoch: this.currentEpoch,
      masterName: master.name,
      masterIp: addr.host,
      masterPort: addr.port,
      masterConfigEpoch: master.configEpoch,
    });
    return link.cc.send([ri.mapCommand('PUBLISH'), HELLO_CHANNEL, payload], (reply) => {
      if (!(reply instanceof ReplyError)) ri.lastPubTime = Date.now();
    });
  }

  /** Makes the next timer run send hellos for this master at once (after a config change). */
  private forceHelloUpdate(m: Instance): void {
    const past = Date.now() - (timing['publish-period'] + 1);
    m.lastPubTime = past;
    for (const r of m.slaves.values()) r.lastPubTime = past;
    for (const s of m.sentinels.values()) s.lastPubTime = past;
  }

  private receiveHelloMessage(ri: Instance, reply: Reply): void {
    ri.link.pcLastActivity = Date.now();
    if (!Array.isArray(reply) || reply.length !== 3 || reply[0] !== 'message') return;
    const payload = reply[2];
    if (typeof payload !== 'string') return;
    // Our own hello, echoed back by the instance.
    if (payload.includes(this.myid)) return;
    this.processHelloMessage(payload);
  }

  /** sentinelProcessHelloMessage: learn peers, newer epochs and newer master addresses. */
  processHelloMessage(payload: string): void {
    const hello = parseHello(payload);
    if (hello === null) return;
    const master = this.state.masters.get(hello.masterName);
    if (master === undefined) return;
    let si = findSentinel(master, hello.ip, hello.port, hello.runid);
    if (si === null) {
      // A known run id at a new address: the peer moved (or was re-announced).
      let removed = 0;
      for (const [key, s] of master.sentinels) {
        if (s.runid === hello.runid) {
          s.link.closeAll();
          master.sentinels.delete(key);
          removed++;
        }
      }
      if (removed > 0) {
        this.event(
          'notice',
          '+sentinel-address-switch',
          master,
          `ip ${hello.ip} port ${hello.port} for ${hello.runid}`,
        );
      }
      si = this.state.addSentinel(master, hello.ip, hello.port, hello.runid);
      if (si !== null) {
        si.downAfterPeriod = master.downAfterPeriod;
        if (removed === 0) this.event('notice', '+sentinel', si, '');
        else this.updateSentinelAddressInAllMasters(si);
        this.flushConfig();
      }
    }
    if (hello.currentEpoch > this.currentEpoch) {
      this.currentEpoch = hello.currentEpoch;
      this.flushConfig();
      this.event('warning', '+new-epoch', master, String(this.currentEpoch), true);
    }
    if (si !== null && master.configEpoch < hello.masterConfigEpoch) {
      master.configEpoch = hello.masterConfigEpoch;
      if (hello.masterPort !== master.port || hello.masterIp !== master.host) {
        this.event('warning', '+config-update-from', si, '');
        this.event(
          'warning',
          '+switch-master',
          master,
          `${master.name} ${master.host} ${master.port} ${hello.masterIp} ${hello.masterPort}`,
          true,
        );
        const from = { host: master.host, port: master.port };
        this.resetMasterAndChangeAddress(master, hello.masterIp, hello.masterPort);
        this.callClientReconfScript(master, 'observer', from, {
          host: master.host,
          port: master.port,
        });
      }
    }
    if (si !== null) si.lastHelloTime = Date.now();
  }

  /** A peer changed address: every master that knew it at its old address learns the new one. */
  private updateSentinelAddressInAllMasters(si: Instance): void {
    for (const m of this.state.masters.values()) {
      if (m === si.master) continue;
      for (const s of m.sentinels.values()) {
        if (s.runid !== si.runid || (s.host === si.host && s.port === si.port)) continue;
        s.link.closeAll();
        s.host = si.host;
        s.port = si.port;
        s.link.disconnected = true;
        s.link.lastReconnTime = 0;
      }
    }
  }

  // ------------------------------------------------------------------ INFO

  /** sentinelRefreshInstanceInfo: what an INFO reply tells us about an instance. */
  refreshInstanceInfo(ri: Instance, info: string): void {
    const now = Date.now();
    ri.info = info;
    ri.masterLinkDownTime = 0;
    let role: 'master' | 'slave' | null = null;
    for (const raw of info.split('\n')) {
      const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (l.startsWith('run_id:') && l.length >= 47) {
        const runid = l.slice(7, 47);
        if (ri.runid !== runid) {
          if (ri.runid !== null) {
            this.event('notice', '+reboot', ri, '');
            if (ri.kind === 'master' && ri.masterRebootDownAfterPeriod !== 0) {
              ri.masterReboot = true;
              ri.masterRebootSinceTime = now;
            }
          }
          ri.runid = runid;
        }
      } else if (ri.kind === 'master' && /^slave\d+:/.test(l)) {
        this.discoverSlave(ri, l.slice(l.indexOf(':') + 1));
      } else if (l.startsWith('master_link_down_since_seconds:')) {
        ri.masterLinkDownTime = Number(l.slice(31)) * 1000;
      } else if (l === 'role:master') {
        role = 'master';
      } else if (l === 'role:slave') {
        role = 'slave';
      } else if (role === 'slave') {
        if (l.startsWith('master_host:')) {
          const host = l.slice(12);
          if (
            ri.slaveMasterHost === null ||
            ri.slaveMasterHost.toLowerCase() !== host.toLowerCase()
          ) {
            ri.slaveMasterHost = host;
            ri.slaveConfChangeTime = now;
          }
        } else if (l.startsWith('master_port:')) {
          const port = Number(l.slice(12));
          if (ri.slaveMasterPort !== port) {
            ri.slaveMasterPort = port;
            ri.slaveConfChangeTime = now;
          }
        } else if (l.startsWith('master_link_status:')) {
          ri.slaveMasterLinkStatus = l.slice(19) === 'up' ? 'up' : 'down';
        } else if (l.startsWith('slave_priority:')) {
          ri.slavePriority = Number(l.slice(15));
        } else if (l.startsWith('slave_repl_offset:')) {
          ri.slaveReplOffset = Number(l.slice(18));
        } else if (l.startsWith('replica_announced:')) {
          ri.replicaAnnounced = l.slice(18) !== '0';
        }
      }
    }
    ri.infoRefresh = now;
    if (role === null) return;

    if (role !== ri.roleReported) {
      ri.roleReportedTime = now;
      ri.roleReported = role;
      if (role === 'slave') ri.slaveConfChangeTime = now;
      const expected = ri.kind === role;
      this.event(
        'verbose',
        expected ? '+role-change' : '-role-change',
        ri,
        `new reported role is ${role}`,
      );
    }

    // Nothing below is decided in TILT: our timing judgements are not trusted.
    if (this.tilt) return;

    const master = ri.master;
    if (ri.kind !== 'slave' || master === null) return;

    if (role === 'master') {
      if (ri.promoted && master.failoverInProgress && master.failoverState === 'wait_promotion') {
        this.promotionConfirmed(master, ri);
      } else {
        // A replica that calls itself master, not through our failover: put
        // it back under the master we know, once things look settled.
        const wait = timing['publish-period'] * 4;
        if (
          !ri.promoted &&
          this.masterLooksSane(master) &&
          noDownFor(ri, wait) &&
          now - ri.roleReportedTime > wait
        ) {
          if (this.sendSlaveOf(ri, master.host, master.port))
            this.event('notice', '+convert-to-slave', ri, '');
        }
      }
    }

    if (
      role === 'slave' &&
      (ri.slaveMasterPort !== master.port ||
        (ri.slaveMasterHost ?? '').toLowerCase() !== master.host.toLowerCase())
    ) {
      const wait = master.failoverTimeout;
      if (
        this.masterLooksSane(master) &&
        noDownFor(ri, wait) &&
        now - ri.slaveConfChangeTime > wait
      ) {
        if (this.sendSlaveOf(ri, master.host, master.port))
          this.event('notice', '+fix-slave-config', ri, '');
      }
    }

    const promoted = master.promotedSlave;
    if (role === 'slave' && promoted !== null && (ri.reconfSent || ri.reconfInprog)) {
      if (
        ri.reconfSent &&
        ri.slaveMasterHost !== null &&
        ri.slaveMasterHost.toLowerCase() === promoted.host.toLowerCase() &&
        ri.slaveMasterPort === promoted.port
      ) {
        ri.reconfSent = false;
        ri.reconfInprog = true;
        this.event('notice', '+slave-reconf-inprog', ri, '');
      }
      if (ri.reconfInprog && ri.slaveMasterLinkStatus === 'up') {
        ri.reconfInprog = false;
        ri.reconfDone = true;
        this.event('notice', '+slave-reconf-done', ri, '');
      }
    }
  }

  /** A `slaveN:` line of a master's INFO (7.0 `ip=,port=,...` form, or the old `ip,port,state`). */
  private discoverSlave(master: Instance, value: string): void {
    let ip: string | undefined;
    let port: string | undefined;
    if (value.includes('=')) {
      for (const field of value.split(',')) {
        const eq = field.indexOf('=');
        const k = field.slice(0, eq);
        if (k === 'ip') ip = field.slice(eq + 1);
        else if (k === 'port') port = field.slice(eq + 1);
      }
    } else {
      [ip, port] = value.split(',');
    }
    if (ip === undefined || port === undefined) return;
    const p = Number(port);
    if (master.slaves.has(addressName(ip, p))) return;
    const slave = this.state.addSlave(master, ip, p);
    if (slave !== null) {
      this.event('notice', '+slave', slave, '');
      this.flushConfig();
    }
  }

  private masterLooksSane(m: Instance): boolean {
    return (
      m.roleReported === 'master' &&
      !m.sdown &&
      !m.odown &&
      Date.now() - m.infoRefresh < timing['info-period'] * 2
    );
  }

  /**
   * sentinelSendSlaveOf: REPLICAOF (as SLAVEOF, which every version knows)
   * inside a transaction with CONFIG REWRITE and CLIENT KILL, so that the
   * change is persisted and connected clients notice the new role.
   * `host` null means NO ONE.
   */
  sendSlaveOf(ri: Instance, host: string | null, port: number): boolean {
    const cc = ri.link.cc;
    if (ri.link.disconnected || cc === null) return false;
    const target: Array<string | number> = host === null ? ['NO', 'ONE'] : [host, port];
    if (!cc.send([ri.mapCommand('MULTI')])) return false;
    cc.send([ri.mapCommand('SLAVEOF'), ...target]);
    cc.send([ri.mapCommand('CONFIG'), 'REWRITE']);
    // Clients of the old role (including pub/sub ones) must reconnect and
    // ask again who the master is.
    for (const type of ['normal', 'pubsub'])
      cc.send([ri.mapCommand('CLIENT'), 'KILL', 'TYPE', type]);
    cc.send([ri.mapCommand('EXEC')]);
    return true;
  }

  // ------------------------------------------------------------ down states

  private handleInstance(ri: Instance): void {
    this.reconnectInstance(ri);
    this.sendPeriodicCommands(ri);
    if (this.tilt) {
      if (Date.now() - this.tiltStartTime < timing['tilt-period']) return;
      this.tilt = false;
      this.event('warning', '-tilt', null, '#tilt mode exited');
    }
    this.checkSubjectivelyDown(ri);
    if (ri.kind === 'master') {
      this.checkObjectivelyDown(ri);
      if (this.startFailoverIfNeeded(ri)) this.askMasterStateToOtherSentinels(ri, true);
      this.failoverStateMachine(ri);
      this.askMasterStateToOtherSentinels(ri, false);
    }
  }

  /** sentinelCheckSubjectivelyDown. */
  private checkSubjectivelyDown(ri: Instance): void {
    const link = ri.link;
    const now = Date.now();
    let elapsed = 0;
    if (link.actPingTime !== 0) elapsed = now - link.actPingTime;
    else if (link.disconnected) elapsed = now - link.lastAvailTime;

    // A connection that stays silent for half the down period is probably
    // broken in a way TCP does not see: reconnect rather than wait.
    if (
      link.cc !== null &&
      now - link.ccConnTime > timing['min-link-reconnect-period'] &&
      link.actPingTime !== 0 &&
      now - link.actPingTime > ri.downAfterPeriod / 2 &&
      now - link.lastPongTime > ri.downAfterPeriod / 2
    )
      link.closeCommand();
    // Hellos arrive every 2 s on a healthy pub/sub connection.
    if (
      link.pc !== null &&
      now - link.pcConnTime > timing['min-link-reconnect-period'] &&
      now - link.pcLastActivity > timing['publish-period'] * 3
    )
      link.closePubSub();

    const claimsReplica =
      ri.kind === 'master' &&
      ri.roleReported === 'slave' &&
      now - ri.roleReportedTime > ri.downAfterPeriod + timing['info-period'] * 2;
    const rebooting =
      ri.masterReboot && now - ri.masterRebootSinceTime > ri.masterRebootDownAfterPeriod;
    if (elapsed > ri.downAfterPeriod || claimsReplica || rebooting) {
      if (!ri.sdown) {
        this.event('warning', '+sdown', ri, '');
        ri.sDownSinceTime = now;
        ri.sdown = true;
      }
    } else if (ri.sdown) {
      this.event('warning', '-sdown', ri, '');
      ri.sdown = false;
      ri.scriptKillSent = false;
    }
  }

  /** sentinelCheckObjectivelyDown: ourselves plus the peers that said "down" against the quorum. */
  private checkObjectivelyDown(m: Instance): void {
    let quorum = 0;
    let odown = false;
    if (m.sdown) {
      quorum = 1;
      for (const s of m.sentinels.values()) if (s.masterDown) quorum++;
      if (quorum >= m.quorum) odown = true;
    }
    if (odown) {
      if (!m.odown) {
        this.event('warning', '+odown', m, `#quorum ${quorum}/${m.quorum}`);
        m.odown = true;
        m.oDownSinceTime = Date.now();
      }
    } else if (m.odown) {
      this.event('warning', '-odown', m, '');
      m.odown = false;
    }
  }

  /**
   * sentinelAskMasterStateToOtherSentinels: while the master is SDOWN, ask
   * each connected peer (once a second, or now when `forced`) whether it
   * agrees; during our own failover the request carries our run id, which
   * asks for the peer's vote too.
   */
  private askMasterStateToOtherSentinels(m: Instance, forced: boolean): void {
    const now = Date.now();
    for (const s of m.sentinels.values()) {
      // Answers older than 5 ask periods no longer count.
      if (now - s.lastMasterDownReplyTime > timing['ask-period'] * 5) {
        s.masterDown = false;
        s.leader = null;
      }
      if (!m.sdown) continue;
      if (s.link.disconnected || s.link.cc === null) continue;
      if (!forced && now - s.lastMasterDownReplyTime < timing['ask-period']) continue;
      const runid = m.failoverState !== 'none' ? this.myid : '*';
      s.link.cc.send(
        [
          s.mapCommand('SENTINEL'),
          'is-master-down-by-addr',
          m.host,
          m.port,
          this.currentEpoch,
          runid,
        ],
        (reply) => this.receiveIsMasterDownReply(s, reply),
      );
    }
  }

  private receiveIsMasterDownReply(s: Instance, reply: Reply): void {
    if (
      !Array.isArray(reply) ||
      reply.length !== 3 ||
      typeof reply[0] !== 'number' ||
      typeof reply[1] !== 'string' ||
      typeof reply[2] !== 'number'
    )
      return;
    s.lastMasterDownReplyTime = Date.now();
    s.masterDown = reply[0] === 1;
    if (reply[1] !== '*') {
      if (s.leaderEpoch !== reply[2])
        this.log.warning(`${s.name} voted for ${reply[1]} ${reply[2]}`);
      s.leader = reply[1];
      s.leaderEpoch = reply[2];
    }
  }

  /**
   * SENTINEL is-master-down-by-addr, the peer side: our opinion of the master
   * at that address and, when a run id is given, our vote for that epoch.
   */
  isMasterDownByAddr(
    host: string,
    port: number,
    reqEpoch: number,
    runid: string,
  ): { down: boolean; leader: string | null; leaderEpoch: number } {
    let master: Instance | null = null;
    for (const m of this.state.masters.values()) if (m.host === host && m.port === port) master = m;
    const down = !this.tilt && master !== null && master.sdown;
    let leader: string | null = null;
    let leaderEpoch = 0;
    if (master !== null && runid !== '*') {
      const vote = this.voteLeader(master, reqEpoch, runid);
      leader = vote.leader;
      leaderEpoch = vote.epoch;
    }
    return { down, leader, leaderEpoch };
  }

  /** sentinelVoteLeader, with the state changes it implies (epoch, config, events). */
  voteLeader(m: Instance, reqEpoch: number, reqRunid: string): Vote {
    return voteLeader(this.voteContext(m), m, reqEpoch, reqRunid);
  }

  /** The events name the master (plain text), so that its notification script sees them. */
  private voteContext(m: Instance): VoteContext {
    const settings = this.state.settings;
    return {
      get currentEpoch(): number {
        return settings.currentEpoch;
      },
      set currentEpoch(v: number) {
        settings.currentEpoch = v;
      },
      myid: this.myid,
      onNewEpoch: (epoch) => {
        this.flushConfig();
        this.event('warning', '+new-epoch', m, String(epoch), true);
      },
      onVote: (leader, epoch) => {
        this.flushConfig();
        this.event('warning', '+vote-for-leader', m, `${leader} ${epoch}`, true);
      },
      desync: () => Math.floor(Math.random() * MAX_DESYNC),
    };
  }

  // --------------------------------------------------------------- failover

  /** sentinelStartFailoverIfNeeded. */
  private startFailoverIfNeeded(m: Instance): boolean {
    if (!m.odown || m.failoverInProgress) return false;
    const now = Date.now();
    if (now - m.failoverStartTime < m.failoverTimeout * 2) {
      if (m.failoverDelayLogged !== m.failoverStartTime) {
        const when = new Date(m.failoverStartTime + m.failoverTimeout * 2);
        this.log.warning(`Next failover delay: I will not start a failover before ${ctime(when)}`);
        m.failoverDelayLogged = m.failoverStartTime;
      }
      return false;
    }
    this.startFailover(m);
    return true;
  }

  /** none → wait_start: a new epoch, in which we ask for votes. */
  startFailover(m: Instance): void {
    m.failoverState = 'wait_start';
    m.failoverInProgress = true;
    this.currentEpoch++;
    m.failoverEpoch = this.currentEpoch;
    this.event('warning', '+new-epoch', m, String(this.currentEpoch), true);
    this.event('warning', '+try-failover', m, '');
    m.failoverStartTime = Date.now() + Math.floor(Math.random() * MAX_DESYNC);
    m.failoverStateChangeTime = Date.now();
  }

  private failoverStateMachine(m: Instance): void {
    if (!m.failoverInProgress) return;
    switch (m.failoverState) {
      case 'wait_start':
        this.failoverWaitStart(m);
        break;
      case 'select_slave':
        this.failoverSelectSlave(m);
        break;
      case 'send_slaveof_noone':
        this.failoverSendSlaveOfNoOne(m);
        break;
      case 'wait_promotion':
        this.failoverWaitPromotion(m);
        break;
      case 'reconf_slaves':
        this.failoverReconfNextSlave(m);
        break;
      case 'none':
      case 'update_config':
        break;
    }
  }

  private setFailoverState(m: Instance, state: FailoverState): void {
    m.failoverState = state;
    m.failoverStateChangeTime = Date.now();
  }

  /** wait_start → select_slave once elected (or forced by SENTINEL FAILOVER); abort after the election timeout. */
  private failoverWaitStart(m: Instance): void {
    const leader = getLeader(
      m,
      m.failoverEpoch,
      this.currentEpoch,
      (winner) => this.voteLeader(m, m.failoverEpoch, winner),
      this.myid,
    );
    const isLeader = leader !== null && leader.toLowerCase() === this.myid.toLowerCase();
    if (!isLeader && !m.forceFailover) {
      const electionTimeout = Math.min(timing['election-timeout'], m.failoverTimeout);
      if (Date.now() - m.failoverStartTime > electionTimeout) {
        this.event('warning', '-failover-abort-not-elected', m, '');
        this.abortFailover(m);
      }
      return;
    }
    this.event('warning', '+elected-leader', m, '');
    if ((this.simFailureFlags & SIMFAILURE_CRASH_AFTER_ELECTION) !== 0) simulatedCrash(this.log);
    this.setFailoverState(m, 'select_slave');
    this.event('warning', '+failover-state-select-slave', m, '');
  }

  /** select_slave → send_slaveof_noone with the best replica, or abort when none qualifies. */
  private failoverSelectSlave(m: Instance): void {
    const slave = selectSlave(m, Date.now());
    if (slave === null) {
      this.event('warning', '-failover-abort-no-good-slave', m, '');
      this.abortFailover(m);
      return;
    }
    this.event('warning', '+selected-slave', slave, '');
    slave.promoted = true;
    m.promotedSlave = slave;
    this.setFailoverState(m, 'send_slaveof_noone');
    this.event('notice', '+failover-state-send-slaveof-noone', slave, '');
  }

  /** send_slaveof_noone → wait_promotion once REPLICAOF NO ONE could be sent. */
  private failoverSendSlaveOfNoOne(m: Instance): void {
    const slave = m.promotedSlave!;
    if (slave.link.disconnected) {
      if (Date.now() - m.failoverStateChangeTime > m.failoverTimeout) {
        this.event('warning', '-failover-abort-slave-timeout', m, '');
        this.abortFailover(m);
      }
      return;
    }
    if (!this.sendSlaveOf(slave, null, 0)) return;
    this.event('notice', '+failover-state-wait-promotion', slave, '');
    this.setFailoverState(m, 'wait_promotion');
  }

  /** wait_promotion: INFO must show the replica as master within failover-timeout. */
  private failoverWaitPromotion(m: Instance): void {
    if (Date.now() - m.failoverStateChangeTime > m.failoverTimeout) {
      this.event('warning', '-failover-abort-slave-timeout', m, '');
      this.abortFailover(m);
    }
  }

  /** wait_promotion → reconf_slaves: the promoted replica reports role:master. */
  private promotionConfirmed(m: Instance, slave: Instance): void {
    m.configEpoch = m.failoverEpoch;
    this.setFailoverState(m, 'reconf_slaves');
    this.flushConfig();
    this.event('warning', '+promoted-slave', slave, '');
    if ((this.simFailureFlags & SIMFAILURE_CRASH_AFTER_PROMOTION) !== 0) simulatedCrash(this.log);
    this.event('warning', '+failover-state-reconf-slaves', m, '');
    this.callClientReconfScript(m, 'leader', { host: m.host, port: m.port }, slave);
    this.forceHelloUpdate(m);
  }

  /** reconf_slaves: point the other replicas at the new master, parallel-syncs at a time. */
  private failoverReconfNextSlave(m: Instance): void {
    const promoted = m.promotedSlave!;
    const now = Date.now();
    let inProgress = 0;
    for (const r of m.slaves.values()) if (r.reconfSent || r.reconfInprog) inProgress++;
    for (const r of m.slaves.values()) {
      if (inProgress >= m.parallelSyncs) break;
      if (r.promoted || r.reconfDone) continue;
      // A replica that never moved on is counted as done; the normal
      // "fix-slave-config" check repairs it later if needed.
      if (r.reconfSent && now - r.slaveReconfSentTime > timing['slave-reconf-timeout']) {
        this.event('notice', '-slave-reconf-sent-timeout', r, '');
        r.reconfSent = false;
        r.reconfDone = true;
      }
      if (r.reconfSent || r.reconfInprog || r.reconfDone) continue;
      if (r.link.disconnected) continue;
      if (this.sendSlaveOf(r, promoted.host, promoted.port)) {
        r.reconfSent = true;
        r.slaveReconfSentTime = now;
        this.event('notice', '+slave-reconf-sent', r, '');
        inProgress++;
      }
    }
    this.failoverDetectEnd(m);
  }

  /** reconf_slaves → update_config when every reachable replica is done, or on timeout. */
  private failoverDetectEnd(m: Instance): void {
    const promoted = m.promotedSlave;
    if (promoted === null || promoted.sdown) return;
    let notReconfigured = 0;
    for (const r of m.slaves.values()) {
      if (r.promoted || r.reconfDone || r.sdown) continue;
      notReconfigured++;
    }
    let timedOut = false;
    if (Date.now() - m.failoverStateChangeTime > m.failoverTimeout) {
      notReconfigured = 0;
      timedOut = true;
      this.event('warning', '+failover-end-for-timeout', m, '');
    }
    if (notReconfigured === 0) {
      this.event('warning', '+failover-end', m, '');
      this.setFailoverState(m, 'update_config');
    }
    if (timedOut) {
      // Best effort for the stragglers: one more REPLICAOF each.
      for (const r of m.slaves.values()) {
        if (r.promoted || r.reconfDone || r.reconfSent || r.link.disconnected) continue;
        if (this.sendSlaveOf(r, promoted.host, promoted.port)) {
          this.event('notice', '+slave-reconf-sent-be', r, '');
          r.reconfSent = true;
        }
      }
    }
  }

  /** update_config → none: the promoted replica becomes the master's address. */
  private switchToPromotedSlave(m: Instance): void {
    const ref = m.promotedSlave ?? m;
    this.event(
      'warning',
      '+switch-master',
      m,
      `${m.name} ${m.host} ${m.port} ${ref.host} ${ref.port}`,
      true,
    );
    this.resetMasterAndChangeAddress(m, ref.host, ref.port);
  }

  /** Back to none without a new master (only before the promotion was confirmed). */
  private abortFailover(m: Instance): void {
    m.failoverInProgress = false;
    m.forceFailover = false;
    this.setFailoverState(m, 'none');
    if (m.promotedSlave !== null) {
      m.promotedSlave.promoted = false;
      m.promotedSlave = null;
    }
  }

  /**
   * sentinelResetMaster: forget replicas (and peers unless `keepSentinels`),
   * close the links, clear every flag and the failover state.
   */
  resetMaster(m: Instance, keepSentinels: boolean, generateEvent: boolean): void {
    for (const r of m.slaves.values()) r.link.closeAll();
    m.slaves.clear();
    if (!keepSentinels) {
      for (const s of m.sentinels.values()) s.link.closeAll();
      m.sentinels.clear();
    }
    m.link.closeAll();
    const now = Date.now();
    m.sdown = m.odown = m.masterDown = false;
    m.failoverInProgress = m.promoted = m.forceFailover = false;
    m.scriptKillSent = m.masterReboot = false;
    m.reconfSent = m.reconfInprog = m.reconfDone = false;
    m.leader = null;
    m.failoverState = 'none';
    m.failoverStateChangeTime = 0;
    m.failoverStartTime = 0;
    m.promotedSlave = null;
    m.runid = null;
    m.info = null;
    m.infoRefresh = 0;
    m.link.actPingTime = now;
    m.link.lastPingTime = 0;
    m.link.lastAvailTime = now;
    m.link.lastPongTime = now;
    m.link.lastReconnTime = 0;
    m.roleReportedTime = now;
    m.roleReported = 'master';
    if (generateEvent) this.event('warning', '+reset-master', m, '');
  }

  /**
   * Points a master entry at a new address (after a failover, ours or
   * learnt from a hello): the replicas are re-created from the known
   * addresses, with the old master among them so it is converted when it
   * returns.
   */
  resetMasterAndChangeAddress(m: Instance, host: string, port: number): void {
    const addresses: Array<[string, number]> = [];
    for (const r of m.slaves.values()) {
      if (r.host === host && r.port === port) continue;
      addresses.push([r.host, r.port]);
    }
    if (m.host !== host || m.port !== port) addresses.push([m.host, m.port]);
    this.resetMaster(m, true, false);
    m.host = host;
    m.port = port;
    m.oDownSinceTime = 0;
    m.sDownSinceTime = 0;
    for (const [h, p] of addresses) {
      const slave = this.state.addSlave(m, h, p);
      if (slave !== null) this.event('notice', '+slave', slave, '');
    }
    this.flushConfig();
  }

  /** SENTINEL MONITOR / REMOVE helpers. */
  removeMaster(m: Instance): void {
    this.event('warning', '-monitor', m, '');
    this.releaseMaster(m);
    this.state.masters.delete(m.name);
    this.flushConfig();
  }

  /** SENTINEL RESET: masters matching the pattern lose what was discovered. */
  reset(m: Instance): void {
    this.resetMaster(m, false, true);
  }
}

const FAILOVER_ORDER: FailoverState[] = [
  'none',
  'wait_start',
  'select_slave',
  'send_slaveof_noone',
  'wait_promotion',
  'reconf_slaves',
  'update_config',
];

export function isAtLeast(state: FailoverState, than: FailoverState): boolean {
  return FAILOVER_ORDER.indexOf(state) >= FAILOVER_ORDER.indexOf(than);
}

function findSentinel(m: Instance, ip: string, port: number, runid: string): Instance | null {
  for (const s of m.sentinels.values())
    if (s.runid === runid && s.host === ip && s.port === port) return s;
  return null;
}

/** No SDOWN or ODOWN for at least `ms` (sentinelRedisInstanceNoDownFor). */
function noDownFor(ri: Instance, ms: number): boolean {
  const mostRecent = Math.max(ri.sDownSinceTime, ri.oDownSinceTime);
  return mostRecent === 0 || Date.now() - mostRecent > ms;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's ctime() layout without the newline: `Sat Nov 21 11:22:26 2026`. */
function ctime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

/** SENTINEL SIMULATE-FAILURE: exit as a crash would, at the chosen point. */
function simulatedCrash(log: Logger): never {
  log.warning('Sentinel is simulating a failure. Exiting...');
  process.exit(99);
}
