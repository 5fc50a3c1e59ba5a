import { KEYSPACE_EVENT } from '../config/options.js';
import { globMatch } from '../store/glob.js';
import type { Client } from './client.js';

/**
 * Pub/sub state, as Redis's pubsub.c keeps it: a server-wide index from
 * channel (pattern, shard channel) to the subscribed clients, and on each
 * client the set of its own subscriptions. Names are latin1 strings (one char
 * per byte: binary safe and usable as Map keys). Sets keep insertion order, so
 * subscribers receive a message in subscription order, as Redis's lists do.
 */

/** The three subscription families; each has its own reply words. */
export type PubSubKind = 'channel' | 'pattern' | 'shard';

const WORDS: Record<PubSubKind, { subscribe: Buffer; unsubscribe: Buffer }> = {
  channel: { subscribe: Buffer.from('subscribe'), unsubscribe: Buffer.from('unsubscribe') },
  pattern: { subscribe: Buffer.from('psubscribe'), unsubscribe: Buffer.from('punsubscribe') },
  shard: { subscribe: Buffer.from('ssubscribe'), unsubscribe: Buffer.from('sunsubscribe') },
};
const MESSAGE = Buffer.from('message');
const PMESSAGE = Buffer.from('pmessage');
const SMESSAGE = Buffer.from('smessage');

/**
 * Bulk replies this size or larger are queued by reference (ReplyWriter), so a
 * message that is a view of the shared read buffer is copied once per publish
 * before it is handed to every subscriber.
 */
const SHARE_BY_REFERENCE = 4 * 1024;

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();

  /** SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE of one name, with its confirmation. */
  subscribe(c: Client, kind: PubSubKind, name: Buffer): void {
    const key = name.latin1Slice(0, name.length);
    const own = ownSet(c, kind, true)!;
    if (!own.has(key)) {
      own.add(key);
      const index = this.index(kind);
      let clients = index.get(key);
      if (clients === undefined) {
        clients = new Set();
        index.set(key, clients);
      }
      clients.add(c);
    }
    const r = c.reply;
    r.pushHeader(3);
    r.bulk(WORDS[kind].subscribe);
    r.bulk(name);
    r.integer(subscriptionCount(c, kind));
  }

  /** Enters subscribed mode (CLIENT_PUBSUB): RESP2 restrictions, 'pubsub' output limits. */
  markSubscribed(c: Client): void {
    c.subscribed = true;
    if (c.clientClass === 'normal') c.clientClass = 'pubsub';
  }

  /** UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE of the given names, or of all when none. */
  unsubscribe(c: Client, kind: PubSubKind, names: readonly Buffer[]): void {
    if (names.length > 0) {
      for (const name of names)
        this.unsubscribeOne(c, kind, name.latin1Slice(0, name.length), true);
    } else {
      const own = ownSet(c, kind, false);
      if (own === null || own.size === 0) {
        const r = c.reply;
        r.pushHeader(3);
        r.bulk(WORDS[kind].unsubscribe);
        r.nullBulk();
        r.integer(subscriptionCount(c, kind));
      } else {
        for (const key of [...own]) this.unsubscribeOne(c, kind, key, true);
      }
    }
    this.leaveIfDone(c);
  }

  /** RESET and disconnection: drop every subscription without replying. */
  unsubscribeAll(c: Client): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      const own = ownSet(c, kind, false);
      if (own !== null) for (const key of [...own]) this.unsubscribeOne(c, kind, key, false);
    }
    this.leaveIfDone(c);
  }

  /**
   * Delivers a message to the channel's subscribers, then to every client
   * whose pattern matches. Returns the number of deliveries (PUBLISH's reply).
   * `channel` is latin1; `channelBytes` its bytes when the caller has them.
   */
  publish(channel: string, message: Buffer, channelBytes: Buffer | null = null): number {
    const subscribers = this.channels.get(channel);
    if (subscribers === undefined && this.patterns.size === 0) return 0;
    const chan = channelBytes ?? Buffer.from(channel, 'latin1');
    const payload = message.length >= SHARE_BY_REFERENCE ? Buffer.from(message) : message;
    let receivers = 0;
    if (subscribers !== undefined) {
      for (const c of subscribers) {
        const r = c.reply;
        r.pushHeader(3);
        r.bulk(MESSAGE);
        r.bulk(chan);
        r.bulk(payload);
        c.flushSoon();
        receivers++;
      }
    }
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      const patternBytes = Buffer.from(pattern, 'latin1');
      for (const c of clients) {
        const r = c.reply;
        r.pushHeader(4);
        r.bulk(PMESSAGE);
        r.bulk(patternBytes);
        r.bulk(chan);
        r.bulk(payload);
        c.flushSoon();
        receivers++;
      }
    }
    return receivers;
  }

  /** SPUBLISH: shard channels only; patterns never see shard messages. */
  publishShard(channel: Buffer, message: Buffer): number {
    const subscribers = this.shardChannels.get(channel.latin1Slice(0, channel.length));
    if (subscribers === undefined) return 0;
    const payload = message.length >= SHARE_BY_REFERENCE ? Buffer.from(message) : message;
    const chan = Buffer.from(channel);
    for (const c of subscribers) {
      const r = c.reply;
      r.pushHeader(3);
      r.bulk(SMESSAGE);
      r.bulk(chan);
      r.bulk(payload);
      c.flushSoon();
    }
    return subscribers.size;
  }

  /**
   * Keyspace notifications (notify.c): `__keyspace@<db>__:<key>` carries the
   * event, `__keyevent@<db>__:<event>` carries the key. `flags` is the
   * notify-keyspace-events mask, already checked against the event's class.
   */
  notifyKeyspaceEvent(flags: number, event: string, key: string, dbid: number): void {
    if (this.channels.size === 0 && this.patterns.size === 0) return;
    if ((flags & KEYSPACE_EVENT.KEYSPACE) !== 0) {
      this.publish(`__keyspace@${dbid}__:${key}`, Buffer.from(event, 'latin1'));
    }
    if ((flags & KEYSPACE_EVENT.KEYEVENT) !== 0) {
      this.publish(`__keyevent@${dbid}__:${event}`, Buffer.from(key, 'latin1'));
    }
  }

  private index(kind: PubSubKind): Map<string, Set<Client>> {
    return kind === 'channel'
      ? this.channels
      : kind === 'pattern'
        ? this.patterns
        : this.shardChannels;
  }

  private unsubscribeOne(c: Client, kind: PubSubKind, key: string, notify: boolean): void {
    const own = ownSet(c, kind, false);
    if (own !== null && own.delete(key)) {
      const index = this.index(kind);
      const clients = index.get(key);
      if (clients !== undefined) {
        clients.delete(c);
        if (clients.size === 0) index.delete(key);
      }
    }
    if (!notify) return;
    const r = c.reply;
    r.pushHeader(3);
    r.bulk(WORDS[kind].unsubscribe);
    r.bulk(Buffer.from(key, 'latin1'));
    r.integer(subscriptionCount(c, kind));
  }

  /** Leaves subscribed mode once no subscription of any kind is left. */
  private leaveIfDone(c: Client): void {
    if ((c.channels?.size ?? 0) + (c.patterns?.size ?? 0) + (c.shardChannels?.size ?? 0) > 0)
      return;
    c.subscribed = false;
    if (c.clientClass === 'pubsub') c.clientClass = 'normal';
  }
}

/**
 * The count Redis reports with (un)subscribe replies: channels plus patterns
 * for the classic kinds, shard channels alone for the sharded ones.
 */
function subscriptionCount(c: Client, kind: PubSubKind): number {
  if (kind === 'shard') return c.shardChannels?.size ?? 0;
  return (c.channels?.size ?? 0) + (c.patterns?.size ?? 0);
}

function ownSet(c: Client, kind: PubSubKind, create: boolean): Set<string> | null {
  switch (kind) {
    case 'channel':
      if (c.channels === null && create) c.channels = new Set();
      return c.channels;
    case 'pattern':
      if (c.patterns === null && create) c.patterns = new Set();
      return c.patterns;
    case 'shard':
      if (c.shardChannels === null && create) c.shardChannels = new Set();
      return c.shardChannels;
  }
}
