import type { Client } from '../server/client.js';
import { millisecondsArgOrReply } from '../server/blocking.js';
import { parseInteger as parseIntArg } from './args.js';
import type { CommandSpec } from './types.js';

/**
 * The commands a replica speaks to its master (SYNC, PSYNC, REPLCONF) and
 * the ones that make this server a replica or a master (REPLICAOF, SLAVEOF).
 * The state they drive lives in replication/master.ts and
 * replication/replica-link.ts; these handlers only parse and route.
 */

function sync(c: Client, argv: Buffer[]): void {
  c.server.replication.sync(c, argv);
}

/**
 * REPLCONF <option> <value> [<option> <value> ...]: the handshake
 * (listening-port, ip-address, capa) and, once replicating, ACK <offset>
 * and GETACK. ACK and GETACK get no reply, as in Redis.
 */
function replconf(c: Client, argv: Buffer[]): void {
  if (argv.length % 2 === 0) {
    c.reply.error('ERR syntax error');
    return;
  }
  const replication = c.server.replication;
  for (let i = 1; i < argv.length; i += 2) {
    const option = argv[i]!.toString('latin1').toLowerCase();
    const value = argv[i + 1]!.toString('latin1');
    switch (option) {
      case 'listening-port': {
        const port = parseInteger(value);
        if (port === null) {
          c.reply.error('ERR value is not an integer or out of range');
          return;
        }
        replication.replicaOf(c).listeningPort = port;
        break;
      }
      case 'ip-address':
        replication.replicaOf(c).announcedIp = value;
        break;
      case 'capa': {
        const r = replication.replicaOf(c);
        const capa = value.toLowerCase();
        if (capa === 'eof') r.capaEof = true;
        else if (capa === 'psync2') r.capaPsync2 = true;
        break;
      }
      case 'ack': {
        const offset = parseInteger(value);
        if (offset !== null) replication.ack(c, offset);
        return;
      }
      case 'getack':
        // Only a replica answers GETACK, and only to its master.
        if (c.clientClass === 'master') c.server.replicaLink.sendAck();
        return;
      case 'rdb-only':
        // redis-cli --rdb: the connection ends after the snapshot.
        replication.replicaOf(c).rdbOnly = value === '1';
        break;
      case 'rdb-filter-only':
        // Filters only exclude functions, which resplica never has.
        break;
      default:
        c.reply.error(`ERR Unrecognized REPLCONF option: ${argv[i]!.toString('latin1')}`);
        return;
    }
  }
  c.reply.ok();
}

/**
 * WAIT numreplicas timeout (waitCommand): the number of replicas that
 * acknowledged this client's last write, blocking up to `timeout` ms (0:
 * forever) until `numreplicas` did. Argument errors in Redis 7.0's order
 * and words (getLongFromObjectOrReply, then getTimeoutFromObjectOrReply in
 * milliseconds).
 */
function wait(c: Client, argv: Buffer[]): void {
  const server = c.server;
  if (server.replicaLink.masterHost !== null) {
    c.reply.error(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
    return;
  }
  const numreplicas = parseIntArg(argv[1]!);
  if (numreplicas === null) {
    c.reply.error('ERR value is not an integer or out of range');
    return;
  }
  const timeout = millisecondsArgOrReply(c, argv[2]!);
  if (timeout === null) return;
  // Beyond Number's safe range is forever in practice.
  const ms = timeout > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(timeout);
  server.replication.wait(c, numreplicas, ms === 0 ? 0 : Date.now() + ms);
}

/**
 * REPLICAOF host port / REPLICAOF NO ONE (replicaofCommand), with Redis
 * 7.0's replies; the log names the client that asked.
 */
function replicaof(c: Client, argv: Buffer[]): void {
  const server = c.server;
  const link = server.replicaLink;
  const host = argv[1]!.toString();
  const portText = argv[2]!.toString('latin1');
  if (host.toLowerCase() === 'no' && portText.toLowerCase() === 'one') {
    if (link.isReplica) {
      link.unsetMaster();
      server.log.notice(`MASTER MODE enabled (user request from '${server.describeClient(c)}')`);
    }
    c.reply.ok();
    return;
  }
  // It would flush every replica, the asking one included.
  if (c.clientClass === 'replica') {
    c.reply.error('ERR Command is not valid when client is a replica.');
    return;
  }
  const port = parseInteger(portText);
  if (port === null || port < 0 || port > 65535) {
    c.reply.error('ERR Invalid master port');
    return;
  }
  if (
    link.isReplica &&
    link.masterHost!.toLowerCase() === host.toLowerCase() &&
    link.masterPort === port
  ) {
    server.log.notice(
      'REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.',
    );
    c.reply.raw(ALREADY_CONNECTED);
    return;
  }
  link.setMaster(host, port);
  server.log.notice(
    `REPLICAOF ${host}:${port} enabled (user request from '${server.describeClient(c)}')`,
  );
  c.reply.ok();
}

const ALREADY_CONNECTED = Buffer.from('+OK Already connected to specified master\r\n');

function parseInteger(text: string): number | null {
  if (!/^-?\d{1,18}$/.test(text)) return null;
  return Number(text);
}

const SERVER = 'server' as const;
const NO_KEYS = { firstKey: 0, lastKey: 0, step: 0 } as const;

export const replicationCommands: readonly CommandSpec[] = [
  {
    name: 'sync',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'undefined',
    summary: 'Internal command used for replication',
    handler: sync,
  },
  {
    name: 'psync',
    arity: -3,
    flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    ...NO_KEYS,
    group: SERVER,
    since: '2.8.0',
    complexity: 'undefined',
    summary: 'Internal command used for replication',
    handler: sync,
  },
  {
    name: 'replicaof',
    arity: 3,
    flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
    ...NO_KEYS,
    group: SERVER,
    since: '5.0.0',
    complexity: 'O(1)',
    summary: 'Make the server a replica of another instance, or promote it as master.',
    handler: replicaof,
  },
  {
    name: 'slaveof',
    arity: 3,
    flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Make the server a replica of another instance, or promote it as master.',
    handler: replicaof,
  },
  {
    name: 'replconf',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'],
    ...NO_KEYS,
    group: SERVER,
    since: '3.0.0',
    complexity: 'O(1)',
    summary: 'An internal command for configuring the replication stream',
    handler: replconf,
  },
  {
    name: 'wait',
    arity: 3,
    flags: ['noscript'],
    ...NO_KEYS,
    group: 'generic',
    since: '3.0.0',
    complexity: 'O(1)',
    summary:
      'Wait for the synchronous replication of all the write commands sent in the context of the current connection',
    acl: ['connection'],
    handler: wait,
  },
];
