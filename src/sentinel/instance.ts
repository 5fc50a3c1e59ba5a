import type { Connection } from './link.js';

/**
 * What a sentinel knows about one watched instance: a master it monitors, a
 * replica of such a master, or another sentinel watching the same master.
 * One shape for the three kinds, as Redis's sentinelRedisInstance, because
 * most of the state (links, ping times, down flags) is shared and a replica
 * can become the master's address after a failover.
 *
 * Timing fields are milliseconds since the epoch (0 = never), read against
 * Date.now(); TILT mode (sentinel.ts) protects the logic from clock jumps.
 */

export type InstanceKind = 'master' | 'slave' | 'sentinel';

/**
 * The failover state machine of a master, with redis-sentinel's state names:
 *
 *   none → wait_start (an epoch was started, votes are being collected)
 *        → select_slave (we won the election) → send_slaveof_noone
 *        → wait_promotion (INFO must show role:master) → reconf_slaves
 *          (other replicas are pointed at the new master, parallel-syncs at
 *          a time) → update_config (the master's address is switched)
 *        → none
 *
 * Up to wait_promotion a failover can be aborted (not elected, no good
 * replica, promotion timed out); after that it only moves forward.
 */
export type FailoverState =
  | 'none'
  | 'wait_start'
  | 'select_slave'
  | 'send_slaveof_noone'
  | 'wait_promotion'
  | 'reconf_slaves'
  | 'update_config';

/** The connections to one instance, with the timing the down detection reads. */
export class InstanceLink {
  /** Command connection (PING, INFO, PUBLISH, failover commands). */
  cc: Connection | null = null;
  /** Pub/sub connection on `__sentinel__:hello` (masters and replicas only). */
  pc: Connection | null = null;
  /** True until every needed connection is open. */
  disconnected = true;
  ccConnTime = 0;
  pcConnTime = 0;
  /** Last message (or subscription reply) seen on the pub/sub connection. */
  pcLastActivity = 0;
  /** Last valid PING reply (PONG, LOADING, MASTERDOWN). */
  lastAvailTime: number;
  /** Time of the oldest PING still unanswered; 0 when none is pending. */
  actPingTime: number;
  lastPingTime = 0;
  /** Last reply of any kind to a PING. */
  lastPongTime: number;
  lastReconnTime = 0;

  constructor(now: number) {
    this.lastAvailTime = now;
    this.actPingTime = now;
    this.lastPongTime = now;
  }

  get pendingCommands(): number {
    return this.cc?.pending ?? 0;
  }

  closeCommand(): void {
    const cc = this.cc;
    if (cc === null) return;
    this.cc = null;
    this.disconnected = true;
    cc.onClose = null;
    cc.close();
  }

  closePubSub(): void {
    const pc = this.pc;
    if (pc === null) return;
    this.pc = null;
    this.disconnected = true;
    pc.onClose = null;
    pc.close();
  }

  closeAll(): void {
    this.closeCommand();
    this.closePubSub();
  }
}

export class Instance {
  readonly link: InstanceLink;
  /** Instance run id (masters and replicas: from INFO; sentinels: their myid). */
  runid: string | null = null;

  // Flags, as redis-sentinel reports them in SENTINEL MASTER's `flags`.
  sdown = false;
  odown = false;
  /** A peer sentinel said our master is down (is-master-down-by-addr). */
  masterDown = false;
  failoverInProgress = false;
  promoted = false;
  reconfSent = false;
  reconfInprog = false;
  reconfDone = false;
  forceFailover = false;
  /** SCRIPT KILL was sent to this busy instance (once per SDOWN period). */
  scriptKillSent = false;
  /** The master restarted (new run id) and master-reboot-down-after-period applies. */
  masterReboot = false;
  masterRebootSinceTime = 0;

  sDownSinceTime = 0;
  oDownSinceTime = 0;
  downAfterPeriod: number;
  /** When INFO was last parsed (0: never). */
  infoRefresh = 0;
  info: string | null = null;
  roleReported: 'master' | 'slave';
  roleReportedTime: number;
  lastPubTime = 0;

  // Masters only.
  quorum: number;
  parallelSyncs = 1;
  failoverTimeout = 180000;
  authPass: string | null = null;
  authUser: string | null = null;
  notificationScript: string | null = null;
  clientReconfigScript: string | null = null;
  masterRebootDownAfterPeriod = 0;
  /** Command renames (`sentinel rename-command`): original lower-case name → name to send. */
  readonly renamedCommands = new Map<string, string>();
  configEpoch = 0;
  /** Leader we voted for (masters) or that a peer reported voting for (sentinels). */
  leader: string | null = null;
  leaderEpoch = 0;
  failoverEpoch = 0;
  failoverState: FailoverState = 'none';
  failoverStateChangeTime = 0;
  failoverStartTime = 0;
  failoverDelayLogged = 0;
  promotedSlave: Instance | null = null;
  /** Replicas keyed by `ip:port`. */
  readonly slaves = new Map<string, Instance>();
  /** Peer sentinels keyed by run id. */
  readonly sentinels = new Map<string, Instance>();

  // Replicas only (what their INFO says).
  masterLinkDownTime = 0;
  slaveMasterHost: string | null = null;
  slaveMasterPort = 0;
  slaveMasterLinkStatus: 'up' | 'down' = 'down';
  slavePriority = 100;
  slaveReplOffset = 0;
  replicaAnnounced = true;
  slaveConfChangeTime: number;
  slaveReconfSentTime = 0;

  // Sentinels only.
  lastHelloTime = 0;
  lastMasterDownReplyTime: number;

  constructor(
    readonly kind: InstanceKind,
    public name: string,
    public host: string,
    public port: number,
    /** The master this replica or sentinel belongs to; null for masters. */
    readonly master: Instance | null,
    quorum: number,
    now: number,
  ) {
    this.link = new InstanceLink(now);
    this.quorum = quorum;
    this.downAfterPeriod = master?.downAfterPeriod ?? 30000;
    this.roleReported = kind === 'slave' ? 'slave' : 'master';
    this.roleReportedTime = now;
    this.slaveConfChangeTime = now;
    this.lastMasterDownReplyTime = now;
  }

  /** The `flags` field of SENTINEL MASTER/REPLICAS/SENTINELS, in Redis's order. */
  flagsString(): string {
    const f: string[] = [];
    if (this.sdown) f.push('s_down');
    if (this.odown) f.push('o_down');
    f.push(this.kind);
    if (this.link.disconnected) f.push('disconnected');
    if (this.masterDown) f.push('master_down');
    if (this.failoverInProgress) f.push('failover_in_progress');
    if (this.promoted) f.push('promoted');
    if (this.reconfSent) f.push('reconf_sent');
    if (this.reconfInprog) f.push('reconf_inprog');
    if (this.reconfDone) f.push('reconf_done');
    if (this.forceFailover) f.push('force_failover');
    if (this.scriptKillSent) f.push('script_kill_sent');
    if (this.masterReboot) f.push('master_reboot');
    return f.join(',');
  }

  /**
   * The `<type> <name> <ip> <port> @ <master> <ip> <port>` description that
   * events carry (a master is just `master <name> <ip> <port>`).
   */
  describe(): string {
    const self = `${this.kind} ${this.name} ${this.host} ${this.port}`;
    const m = this.master;
    return m === null ? self : `${self} @ ${m.name} ${m.host} ${m.port}`;
  }

  /** A command name as this master's instances know it (rename-command). */
  mapCommand(name: string): string {
    const master = this.master ?? this;
    return master.renamedCommands.get(name.toLowerCase()) ?? name;
  }
}

/** `ip:port`, with IPv6 addresses bracketed, as Redis names replicas. */
export function addressName(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
