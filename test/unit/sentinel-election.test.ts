// The decisions that must match redis-sentinel exactly: hello format, votes,
// leader election and the choice of the replica to promote.
import { describe, expect, it } from 'vitest';
import { SentinelState } from '../../src/sentinel/config.js';
import {
  compareSlavesForPromotion,
  getLeader,
  selectSlave,
  voteLeader,
  type VoteContext,
} from '../../src/sentinel/election.js';
import { formatHello, parseHello } from '../../src/sentinel/hello.js';
import type { Instance } from '../../src/sentinel/instance.js';

const ME = 'a'.repeat(40);
const PEER1 = 'b'.repeat(40);
const PEER2 = 'c'.repeat(40);

function context(epoch: number): VoteContext & { events: string[] } {
  const events: string[] = [];
  return {
    currentEpoch: epoch,
    myid: ME,
    events,
    onNewEpoch: (e) => events.push(`+new-epoch ${e}`),
    onVote: (l, e) => events.push(`+vote-for-leader ${l} ${e}`),
    desync: () => 0,
  };
}

function master(): { state: SentinelState; m: Instance } {
  const state = new SentinelState();
  const m = state.addMaster('mym', '127.0.0.1', 6380, 2);
  if (typeof m === 'string') throw new Error(m);
  return { state, m };
}

describe('hello messages', () => {
  it("round-trip redis-sentinel's eight fields in order", () => {
    const text = `127.0.0.1,26379,${ME},4,mym,127.0.0.1,6380,3`;
    const h = parseHello(text)!;
    expect(h).toEqual({
      ip: '127.0.0.1',
      port: 26379,
      runid: ME,
      currentEpoch: 4,
      masterName: 'mym',
      masterIp: '127.0.0.1',
      masterPort: 6380,
      masterConfigEpoch: 3,
    });
    expect(formatHello(h)).toBe(text);
  });

  it('ignores hellos without exactly eight fields', () => {
    expect(parseHello('127.0.0.1,26379,x,1,mym,127.0.0.1,6380')).toBeNull();
    expect(parseHello('127.0.0.1,p,x,1,mym,127.0.0.1,6380,0')).toBeNull();
  });
});

describe('votes', () => {
  it('votes once per epoch, for the first candidate that asks', () => {
    const { m } = master();
    const ctx = context(0);
    expect(voteLeader(ctx, m, 1, PEER1)).toEqual({ leader: PEER1, epoch: 1 });
    expect(voteLeader(ctx, m, 1, PEER2)).toEqual({ leader: PEER1, epoch: 1 });
    expect(ctx.events).toEqual(['+new-epoch 1', `+vote-for-leader ${PEER1} 1`]);
    // A newer epoch gets a new vote.
    expect(voteLeader(ctx, m, 2, PEER2)).toEqual({ leader: PEER2, epoch: 2 });
    expect(ctx.currentEpoch).toBe(2);
  });

  it('refuses to vote in an epoch older than the current one', () => {
    const { m } = master();
    const ctx = context(5);
    expect(voteLeader(ctx, m, 3, PEER1)).toEqual({ leader: null, epoch: 0 });
    expect(ctx.events).toEqual([]);
  });

  it('needs a majority of known sentinels and the quorum', () => {
    const { state, m } = master();
    const p1 = state.addSentinel(m, '127.0.0.1', 26380, PEER1)!;
    const p2 = state.addSentinel(m, '127.0.0.1', 26381, PEER2)!;
    const ctx = context(1);
    // Nobody else voted yet: our own vote alone is 1 of 3.
    expect(getLeader(m, 1, 1, (c) => voteLeader(ctx, m, 1, c), ME)).toBeNull();
    // One peer voted for us: 2 of 3, quorum 2.
    p1.leader = ME;
    p1.leaderEpoch = 1;
    expect(getLeader(m, 1, 1, (c) => voteLeader(ctx, m, 1, c), ME)).toBe(ME);
    // Quorum 3 cannot be reached with two votes.
    m.quorum = 3;
    expect(getLeader(m, 1, 1, (c) => voteLeader(ctx, m, 1, c), ME)).toBeNull();
    void p2;
  });

  it('votes for the front runner instead of itself', () => {
    const { state, m } = master();
    const p1 = state.addSentinel(m, '127.0.0.1', 26380, PEER1)!;
    const p2 = state.addSentinel(m, '127.0.0.1', 26381, PEER2)!;
    p1.leader = PEER2;
    p1.leaderEpoch = 1;
    p2.leader = PEER2;
    p2.leaderEpoch = 1;
    const ctx = context(1);
    expect(getLeader(m, 1, 1, (c) => voteLeader(ctx, m, 1, c), ME)).toBe(PEER2);
    expect(m.leader).toBe(PEER2);
  });
});

describe('replica selection', () => {
  function setup(): { m: Instance; add: (port: number, f: Partial<Instance>) => Instance } {
    const { state, m } = master();
    const now = Date.now();
    const add = (port: number, f: Partial<Instance>): Instance => {
      const r = state.addSlave(m, '127.0.0.1', port)!;
      r.link.disconnected = false;
      r.link.lastAvailTime = now;
      r.infoRefresh = now;
      Object.assign(r, f);
      return r;
    };
    return { m, add };
  }

  it('prefers lower priority, then larger offset, then smaller run id', () => {
    const { m, add } = setup();
    const a = add(7001, { slavePriority: 100, slaveReplOffset: 10, runid: 'b'.repeat(40) });
    const b = add(7002, { slavePriority: 100, slaveReplOffset: 10, runid: 'a'.repeat(40) });
    const c = add(7003, { slavePriority: 100, slaveReplOffset: 20, runid: 'f'.repeat(40) });
    const d = add(7004, { slavePriority: 50, slaveReplOffset: 1, runid: null });
    expect([a, b, c, d].sort(compareSlavesForPromotion)).toEqual([d, c, b, a]);
    expect(selectSlave(m, Date.now())).toBe(d);
  });

  it('skips replicas that are down, disconnected, stale, priority 0 or long cut from the master', () => {
    const { m, add } = setup();
    const now = Date.now();
    add(7001, { sdown: true });
    add(7002, { slavePriority: 0 });
    add(7003, { infoRefresh: now - 60_000 });
    add(7004, { masterLinkDownTime: 10 * 30_000 + 1 });
    const r = add(7005, {});
    r.link.disconnected = true;
    expect(selectSlave(m, now)).toBeNull();
    const good = add(7006, { slaveReplOffset: 5 });
    expect(selectSlave(m, now)).toBe(good);
  });
});
