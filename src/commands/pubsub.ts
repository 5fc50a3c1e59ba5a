import type { Client } from '../server/client.js';
import type { PubSubKind } from '../server/pubsub.js';
import { globMatch } from '../store/glob.js';
import type { CommandSpec } from './types.js';

/**
 * Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and
 * PUBSUB introspection. The state and message delivery live in
 * server/pubsub.ts; the RESP2 subscribed-mode restriction is the dispatcher's.
 * Without cluster mode a shard channel is just a separate namespace, as in
 * Redis 7.0 standalone.
 */

function subscribeGeneric(c: Client, argv: Buffer[], kind: PubSubKind): void {
  const pubsub = c.server.pubsub;
  for (let i = 1; i < argv.length; i++) pubsub.subscribe(c, kind, argv[i]!);
  pubsub.markSubscribed(c);
}

function subscribe(c: Client, argv: Buffer[]): void {
  subscribeGeneric(c, argv, 'channel');
}

function psubscribe(c: Client, argv: Buffer[]): void {
  subscribeGeneric(c, argv, 'pattern');
}

function ssubscribe(c: Client, argv: Buffer[]): void {
  subscribeGeneric(c, argv, 'shard');
}

function unsubscribe(c: Client, argv: Buffer[]): void {
  c.server.pubsub.unsubscribe(c, 'channel', argv.slice(1));
}

function punsubscribe(c: Client, argv: Buffer[]): void {
  c.server.pubsub.unsubscribe(c, 'pattern', argv.slice(1));
}

function sunsubscribe(c: Client, argv: Buffer[]): void {
  c.server.pubsub.unsubscribe(c, 'shard', argv.slice(1));
}

function publish(c: Client, argv: Buffer[]): void {
  const channel = argv[1]!;
  const receivers = c.server.pubsub.publish(
    channel.latin1Slice(0, channel.length),
    argv[2]!,
    Buffer.from(channel),
  );
  // Redis forces PUBLISH to replicas (not to the AOF) although it changes no
  // data, so subscribers on replicas get it.
  c.forcePropagate = true;
  c.reply.integer(receivers);
}

function spublish(c: Client, argv: Buffer[]): void {
  c.forcePropagate = true;
  c.reply.integer(c.server.pubsub.publishShard(argv[1]!, argv[2]!));
}

/** Redis's addReplySubcommandSyntaxError. */
function subcommandSyntaxError(c: Client, argv: Buffer[]): void {
  const sub = argv[1]!;
  const nul = sub.indexOf(0);
  const name = sub.toString('latin1', 0, Math.min(nul === -1 ? sub.length : nul, 128));
  c.reply.error(
    `ERR unknown subcommand or wrong number of arguments for '${name}'. Try ${argv[0]!.toString('latin1').toUpperCase()} HELP.`,
  );
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]: active names, in index order. */
function listChannels(c: Client, argv: Buffer[], index: Map<string, Set<Client>>): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const pattern = argv.length === 3 ? argv[2]!.latin1Slice(0, argv[2]!.length) : null;
  const names: string[] = [];
  for (const name of index.keys()) {
    if (pattern === null || globMatch(pattern, name)) names.push(name);
  }
  c.reply.arrayHeader(names.length);
  for (const name of names) c.reply.bulk(Buffer.from(name, 'latin1'));
}

/** PUBSUB NUMSUB / SHARDNUMSUB: a flat channel, count list (an array in RESP3 too). */
function countSubscribers(c: Client, argv: Buffer[], index: Map<string, Set<Client>>): void {
  c.reply.arrayHeader((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i]!;
    c.reply.bulk(name);
    c.reply.integer(index.get(name.latin1Slice(0, name.length))?.size ?? 0);
  }
}

function pubsubChannels(c: Client, argv: Buffer[]): void {
  listChannels(c, argv, c.server.pubsub.channels);
}

function pubsubShardchannels(c: Client, argv: Buffer[]): void {
  listChannels(c, argv, c.server.pubsub.shardChannels);
}

function pubsubNumsub(c: Client, argv: Buffer[]): void {
  countSubscribers(c, argv, c.server.pubsub.channels);
}

function pubsubShardnumsub(c: Client, argv: Buffer[]): void {
  countSubscribers(c, argv, c.server.pubsub.shardChannels);
}

function pubsubNumpat(c: Client): void {
  c.reply.integer(c.server.pubsub.patterns.size);
}

function pubsubHelp(c: Client): void {
  const lines = [
    'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'CHANNELS [<pattern>]',
    "    Return the currently active channels matching a <pattern> (default: '*').",
    'NUMPAT',
    '    Return number of subscriptions to patterns.',
    'NUMSUB [<channel> ...]',
    '    Return the number of subscribers for the specified channels, excluding',
    '    pattern subscriptions(default: no channels).',
    'SHARDCHANNELS [<pattern>]',
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    'SHARDNUMSUB [<shardchannel> ...]',
    '    Return the number of subscribers for the specified shard level channel(s)',
    'HELP',
    '    Prints this help.',
  ];
  c.reply.arrayHeader(lines.length);
  for (const line of lines) c.reply.simple(line);
}

const PUBSUB = 'pubsub' as const;
const NO_KEYS = { firstKey: 0, lastKey: 0, step: 0 } as const;
const SUBSCRIBING = ['pubsub', 'noscript', 'loading', 'stale'] as const;
const INTROSPECTION = ['pubsub', 'loading', 'stale'] as const;

function pubsubSub(
  name: string,
  arity: number,
  summary: string,
  since: string,
  complexity: string,
  handler: CommandSpec['handler'],
  flags: CommandSpec['flags'] = INTROSPECTION,
): CommandSpec {
  return { name, arity, flags, ...NO_KEYS, group: PUBSUB, since, complexity, summary, handler };
}

export const pubsubCommands: readonly CommandSpec[] = [
  {
    name: 'subscribe',
    arity: -2,
    flags: SUBSCRIBING,
    ...NO_KEYS,
    group: PUBSUB,
    since: '2.0.0',
    complexity: 'O(N) where N is the number of channels to subscribe to.',
    summary: 'Listen for messages published to the given channels',
    handler: subscribe,
  },
  {
    name: 'unsubscribe',
    arity: -1,
    flags: SUBSCRIBING,
    ...NO_KEYS,
    group: PUBSUB,
    since: '2.0.0',
    complexity: 'O(N) where N is the number of clients already subscribed to a channel.',
    summary: 'Stop listening for messages posted to the given channels',
    handler: unsubscribe,
  },
  {
    name: 'psubscribe',
    arity: -2,
    flags: SUBSCRIBING,
    ...NO_KEYS,
    group: PUBSUB,
    since: '2.0.0',
    complexity: 'O(N) where N is the number of patterns the client is already subscribed to.',
    summary: 'Listen for messages published to channels matching the given patterns',
    handler: psubscribe,
  },
  {
    name: 'punsubscribe',
    arity: -1,
    flags: SUBSCRIBING,
    ...NO_KEYS,
    group: PUBSUB,
    since: '2.0.0',
    complexity:
      'O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).',
    summary: 'Stop listening for messages posted to channels matching the given patterns',
    handler: punsubscribe,
  },
  {
    name: 'publish',
    arity: 3,
    flags: ['pubsub', 'loading', 'stale', 'fast'],
    ...NO_KEYS,
    group: PUBSUB,
    since: '2.0.0',
    complexity:
      'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
    summary: 'Post a message to a channel',
    handler: publish,
  },
  {
    name: 'ssubscribe',
    arity: -2,
    flags: SUBSCRIBING,
    // Redis declares the shard channels as (not_key) key specs, for cluster routing.
    firstKey: 1,
    lastKey: -1,
    step: 1,
    group: PUBSUB,
    since: '7.0.0',
    complexity: 'O(N) where N is the number of shard channels to subscribe to.',
    summary: 'Listen for messages published to the given shard channels',
    handler: ssubscribe,
  },
  {
    name: 'sunsubscribe',
    arity: -1,
    flags: SUBSCRIBING,
    firstKey: 1,
    lastKey: -1,
    step: 1,
    group: PUBSUB,
    since: '7.0.0',
    complexity: 'O(N) where N is the number of clients already subscribed to a shard channel.',
    summary: 'Stop listening for messages posted to the given shard channels',
    handler: sunsubscribe,
  },
  {
    name: 'spublish',
    arity: 3,
    flags: ['pubsub', 'loading', 'stale', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    group: PUBSUB,
    since: '7.0.0',
    complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
    summary: 'Post a message to a shard channel',
    handler: spublish,
  },
  {
    name: 'pubsub',
    arity: -2,
    flags: [],
    ...NO_KEYS,
    group: PUBSUB,
    since: '2.8.0',
    complexity: 'Depends on subcommand.',
    summary: 'A container for Pub/Sub commands',
    subcommands: [
      pubsubSub(
        'channels',
        -2,
        'List active channels',
        '2.8.0',
        'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)',
        pubsubChannels,
      ),
      pubsubSub(
        'numsub',
        -2,
        'Get the count of subscribers for channels',
        '2.8.0',
        'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
        pubsubNumsub,
      ),
      pubsubSub(
        'numpat',
        2,
        'Get the count of unique patterns pattern subscriptions',
        '2.8.0',
        'O(1)',
        pubsubNumpat,
      ),
      pubsubSub(
        'shardchannels',
        -2,
        'List active shard channels',
        '7.0.0',
        'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).',
        pubsubShardchannels,
      ),
      pubsubSub(
        'shardnumsub',
        -2,
        'Get the count of subscribers for shard channels',
        '7.0.0',
        'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels',
        pubsubShardnumsub,
      ),
      pubsubSub(
        'help',
        2,
        'Show helpful text about the different subcommands',
        '6.2.0',
        'O(1)',
        pubsubHelp,
        ['loading', 'stale'],
      ),
    ],
  },
];
