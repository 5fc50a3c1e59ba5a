import type { Instance } from './instance.js';

/**
 * The decisions of an election and of a failover that must match
 * redis-sentinel exactly, as pure functions of the instance state (unit
 * tested on their own):
 *
 * - voteLeader: a sentinel votes at most once per epoch, for the first
 *   candidate that asks in an epoch newer than its last vote; a request from
 *   a newer epoch also moves our current epoch forward.
 * - getLeader: the candidate with most votes in the current epoch (our own
 *   vote included) wins only with a majority of all known sentinels and at
 *   least the quorum.
 * - selectSlave: which replica to promote.
 */

/** What voteLeader needs from the sentinel. */
export interface VoteContext {
  currentEpoch: number;
  readonly myid: string;
  /** Called after the current epoch moved to `epoch`. */
  onNewEpoch(epoch: number): void;
  /** Called after we voted for `leader` in `epoch`. */
  onVote(leader: string, epoch: number): void;
  /** A random delay (ms) for our own failover start after voting for someone else. */
  desync(): number;
}

export interface Vote {
  leader: string | null;
  epoch: number;
}

/** sentinelVoteLeader: returns the leader we voted for in master.leaderEpoch (maybe an older vote). */
export function voteLeader(
  ctx: VoteContext,
  m: Instance,
  reqEpoch: number,
  reqRunid: string,
): Vote {
  if (reqEpoch > ctx.currentEpoch) {
    ctx.currentEpoch = reqEpoch;
    ctx.onNewEpoch(reqEpoch);
  }
  if (m.leaderEpoch < reqEpoch && ctx.currentEpoch <= reqEpoch) {
    m.leader = reqRunid;
    m.leaderEpoch = ctx.currentEpoch;
    ctx.onVote(reqRunid, m.leaderEpoch);
    // Having voted for someone else, give them time before trying ourselves.
    if (reqRunid.toLowerCase() !== ctx.myid.toLowerCase())
      m.failoverStartTime = Date.now() + ctx.desync();
  }
  return { leader: m.leader, epoch: m.leaderEpoch };
}

/**
 * sentinelGetLeader: counts the votes peers reported for `currentEpoch`, adds
 * our own vote (for the front runner, or for ourselves when nobody leads)
 * in `epoch`, and returns the winner if the majority and quorum hold.
 */
export function getLeader(
  m: Instance,
  epoch: number,
  currentEpoch: number,
  vote: (candidate: string) => Vote,
  myid: string,
): string | null {
  const counters = new Map<string, number>();
  const voters = m.sentinels.size + 1;
  for (const s of m.sentinels.values()) {
    if (s.leader !== null && s.leaderEpoch === currentEpoch)
      counters.set(s.leader, (counters.get(s.leader) ?? 0) + 1);
  }
  let winner: string | null = null;
  let maxVotes = 0;
  for (const [candidate, votes] of counters) {
    if (votes > maxVotes) {
      maxVotes = votes;
      winner = candidate;
    }
  }
  const mine = vote(winner ?? myid);
  if (mine.leader !== null && mine.epoch === epoch) {
    const votes = (counters.get(mine.leader) ?? 0) + 1;
    counters.set(mine.leader, votes);
    if (votes > maxVotes) {
      maxVotes = votes;
      winner = mine.leader;
    }
  }
  const votersQuorum = Math.floor(voters / 2) + 1;
  if (winner !== null && (maxVotes < votersQuorum || maxVotes < m.quorum)) winner = null;
  return winner;
}

const PING_PERIOD = 1000;
const INFO_PERIOD = 10000;

/**
 * sentinelSelectSlave: candidates are replicas that are not down, are
 * connected, answered a PING in the last 5 s, have a non-zero priority, sent
 * INFO recently (5 s when the master is down, else 30 s) and were not
 * disconnected from the master much longer than it has been down. The best
 * one: lowest replica-priority, then largest replication offset, then
 * smallest run id.
 */
export function selectSlave(m: Instance, now: number): Instance | null {
  let maxMasterDownTime = 0;
  if (m.sdown) maxMasterDownTime += now - m.sDownSinceTime;
  maxMasterDownTime += m.downAfterPeriod * 10;
  const infoValidity = m.sdown ? PING_PERIOD * 5 : INFO_PERIOD * 3;
  const candidates: Instance[] = [];
  for (const r of m.slaves.values()) {
    if (r.sdown || r.odown) continue;
    if (r.link.disconnected) continue;
    if (now - r.link.lastAvailTime > PING_PERIOD * 5) continue;
    if (r.slavePriority === 0) continue;
    if (now - r.infoRefresh > infoValidity) continue;
    if (r.masterLinkDownTime > maxMasterDownTime) continue;
    candidates.push(r);
  }
  candidates.sort(compareSlavesForPromotion);
  return candidates[0] ?? null;
}

/** The promotion order (a run id still unknown sorts last). */
export function compareSlavesForPromotion(a: Instance, b: Instance): number {
  if (a.slavePriority !== b.slavePriority) return a.slavePriority - b.slavePriority;
  if (a.slaveReplOffset > b.slaveReplOffset) return -1;
  if (a.slaveReplOffset < b.slaveReplOffset) return 1;
  if (a.runid === null && b.runid === null) return 0;
  if (a.runid === null) return 1;
  if (b.runid === null) return -1;
  const x = a.runid.toLowerCase();
  const y = b.runid.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
