import type { Client, ClientClass } from '../server/client.js';
import { describeClient, REDIS_VERSION } from '../server/server.js';
import { ERR_SYNTAX, isKeyword, parseInt64, parseInteger } from './args.js';
import type { CommandSpec } from './types.js';
import { discardTransaction } from '../server/multi.js';
import { millisecondsArgOrReply } from '../server/blocking.js';

/**
 * Connection commands: PING, ECHO, QUIT, RESET, AUTH, HELLO and CLIENT.
 * Authentication is the `default` user with `requirepass` (ACL users arrive
 * later): with no password every AUTH for `default` succeeds, as Redis's
 * nopass default user does.
 */

function ping(c: Client, argv: Buffer[]): void {
  if (argv.length > 2) {
    c.reply.error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (c.subscribed && c.reply.resp === 2) {
    // RESP2 subscribed mode can only carry arrays: Redis answers ["pong", arg].
    c.reply.arrayHeader(2);
    c.reply.bulk(PONG);
    c.reply.bulk(argv.length === 1 ? EMPTY : argv[1]!);
    return;
  }
  if (argv.length === 1) c.reply.simple('PONG');
  else c.reply.bulk(argv[1]!);
}

const PONG = Buffer.from('pong');
const EMPTY = Buffer.alloc(0);

function echo(c: Client, argv: Buffer[]): void {
  c.reply.bulk(argv[1]!);
}

function quit(c: Client): void {
  c.reply.ok();
  c.closeAfterReply = true;
}

/** Checks a user/password pair against the default user. */
function authenticate(c: Client, user: Buffer, password: Buffer): boolean {
  const required = c.server.requirePass;
  const ok = user.toString() === 'default' && (required === '' || password.toString() === required);
  if (ok) {
    c.authenticated = true;
    c.user = 'default';
  }
  return ok;
}

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

const REDACTED = Buffer.from('(redacted)');

/**
 * Replaces a credential in the command's argv, which MONITOR and SLOWLOG show
 * after the handler ran: Redis never echoes passwords there.
 */
function redact(argv: Buffer[], index: number): void {
  argv[index] = REDACTED;
}

function auth(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  let user: Buffer;
  let password: Buffer;
  if (argv.length === 2) {
    user = Buffer.from('default');
    password = argv[1]!;
  } else {
    user = argv[1]!;
    password = argv[2]!;
  }
  for (let i = 1; i < argv.length; i++) redact(argv, i);
  if (argv.length === 2 && c.server.requirePass === '') {
    c.reply.error(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
    return;
  }
  if (authenticate(c, user, password)) {
    c.reply.ok();
  } else {
    c.server.log.verbose(`Authentication failed for client ${c.addr}`);
    c.reply.error(WRONGPASS);
  }
}

function hello(c: Client, argv: Buffer[]): void {
  let version = 0;
  let next = 1;
  if (argv.length >= 2) {
    const parsed = parseInteger(argv[next++]!);
    if (parsed === null) {
      c.reply.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    if (parsed < 2 || parsed > 3) {
      c.reply.error('NOPROTO unsupported protocol version');
      return;
    }
    version = parsed;
  }
  // Redis 7.0 acts on AUTH and SETNAME as it parses them, in argument order:
  // a name or a login sticks even when a later option then fails.
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isKeyword(argv[j]!, 'AUTH') && more >= 2) {
      const user = argv[j + 1]!;
      const password = argv[j + 2]!;
      redact(argv, j + 1);
      redact(argv, j + 2);
      if (!authenticate(c, user, password)) {
        c.reply.error(WRONGPASS);
        return;
      }
      j += 2;
    } else if (isKeyword(argv[j]!, 'SETNAME') && more >= 1) {
      if (!setName(c, argv[j + 1]!)) return;
      j++;
    } else {
      c.reply.error(`ERR Syntax error in HELLO option '${argv[j]!.toString()}'`);
      return;
    }
  }
  if (!c.authenticated) {
    c.reply.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
    return;
  }
  if (version !== 0) c.reply.resp = version as 2 | 3;

  const r = c.reply;
  // A sentinel reports its mode and no role, as redis-sentinel does.
  const sentinel = c.server.config.sentinelMode;
  r.mapHeader(sentinel ? 6 : 7);
  r.bulkString('server');
  r.bulkString('redis');
  r.bulkString('version');
  r.bulkString(REDIS_VERSION);
  r.bulkString('proto');
  r.integer(r.resp);
  r.bulkString('id');
  r.integer(c.id);
  r.bulkString('mode');
  r.bulkString(sentinel ? 'sentinel' : 'standalone');
  if (!sentinel) {
    r.bulkString('role');
    r.bulkString(c.server.replicaLink.isReplica ? 'replica' : 'master');
  }
  r.bulkString('modules');
  r.arrayHeader(0);
}

function reset(c: Client): void {
  discardTransaction(c);
  if (c.subscribed) c.server.pubsub.unsubscribeAll(c);
  c.reply.resp = 2;
  c.db = c.server.keyspace.databases[0]!;
  c.name = '';
  c.replyMode = 'on';
  c.skipNextReply = false;
  if (c.monitor) {
    c.monitor = false;
    c.server.monitors.delete(c);
  }
  c.authenticated = !c.server.authRequired();
  c.user = 'default';
  c.reply.simple('RESET');
}

/** Validates and sets a client name; replies with the error on failure. */
function setName(c: Client, name: Buffer): boolean {
  for (const byte of name) {
    if (byte < 0x21 || byte > 0x7e) {
      c.reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return false;
    }
  }
  c.name = name.toString('latin1');
  return true;
}

function clientId(c: Client): void {
  c.reply.integer(c.id);
}

function clientGetname(c: Client): void {
  if (c.name === '') c.reply.nullBulk();
  else c.reply.bulkString(c.name);
}

function clientSetname(c: Client, argv: Buffer[]): void {
  if (setName(c, argv[2]!)) c.reply.ok();
}

function clientInfo(c: Client): void {
  c.reply.verbatim(`${describeClient(c.server, c)}\n`);
}

const CLIENT_TYPES: Record<string, ClientClass | 'master'> = {
  normal: 'normal',
  replica: 'replica',
  slave: 'replica',
  pubsub: 'pubsub',
  master: 'master',
};

/**
 * CLIENT LIST, CLIENT LIST TYPE <type> or CLIENT LIST ID <id> [<id> ...]: the
 * two filters cannot be combined, and IDs are listed in the order given (an
 * ID given twice is listed twice), as Redis 7.0 does.
 */
function clientList(c: Client, argv: Buffer[]): void {
  const clients = c.server.clients;
  let out = '';
  if (argv.length === 4 && isKeyword(argv[2]!, 'TYPE')) {
    const name = argv[3]!.toString().toLowerCase();
    const type = CLIENT_TYPES[name];
    if (type === undefined) {
      c.reply.error(`ERR Unknown client type '${argv[3]!.toString()}'`);
      return;
    }
    for (const client of clients.values()) {
      if (client.clientClass === type) out += `${describeClient(c.server, client)}\n`;
    }
  } else if (argv.length > 3 && isKeyword(argv[2]!, 'ID')) {
    for (let j = 3; j < argv.length; j++) {
      const id = parseInt64(argv[j]!);
      if (id === null) {
        c.reply.error('ERR Invalid client ID');
        return;
      }
      const client = clientById(c, id);
      if (client !== undefined) out += `${describeClient(c.server, client)}\n`;
    }
  } else if (argv.length !== 2) {
    c.reply.error(ERR_SYNTAX);
    return;
  } else {
    for (const client of clients.values()) out += `${describeClient(c.server, client)}\n`;
  }
  c.reply.verbatim(out);
}

function clientById(c: Client, id: bigint): Client | undefined {
  return id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER)
    ? c.server.clients.get(Number(id))
    : undefined;
}

/**
 * Redis's addReplySubcommandSyntaxError: what CLIENT subcommands answer when
 * the table's arity let through more arguments than the handler takes.
 */
function subcommandSyntaxError(c: Client, argv: Buffer[]): void {
  const sub = argv[1]!;
  const nul = sub.indexOf(0);
  const name = sub.toString('latin1', 0, Math.min(nul === -1 ? sub.length : nul, 128));
  c.reply.error(
    `ERR unknown subcommand or wrong number of arguments for '${name}'. Try ${argv[0]!.toString('latin1').toUpperCase()} HELP.`,
  );
}

function clientKill(c: Client, argv: Buffer[]): void {
  const server = c.server;
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port, error when nobody matches.
    const addr = argv[2]!.toString();
    const target = [...server.clients.values()].find((x) => x.addr === addr);
    if (target === undefined) {
      c.reply.error('ERR No such client');
      return;
    }
    c.reply.ok();
    killClient(c, target);
    return;
  }
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let user: string | null = null;
  let skipMe = true;
  for (let j = 2; j < argv.length; j += 2) {
    if (j + 1 >= argv.length) {
      c.reply.error(ERR_SYNTAX);
      return;
    }
    const value = argv[j + 1]!;
    const option = argv[j]!;
    if (isKeyword(option, 'ID')) {
      const parsed = parseInt64(value);
      if (parsed === null || parsed <= 0n) {
        c.reply.error('ERR client-id should be greater than 0');
        return;
      }
      id = Number(parsed);
    } else if (isKeyword(option, 'ADDR')) {
      addr = value.toString();
    } else if (isKeyword(option, 'LADDR')) {
      laddr = value.toString();
    } else if (isKeyword(option, 'TYPE')) {
      const name = value.toString().toLowerCase();
      if (CLIENT_TYPES[name] === undefined) {
        c.reply.error(`ERR Unknown client type '${value.toString()}'`);
        return;
      }
      type = CLIENT_TYPES[name]!;
    } else if (isKeyword(option, 'USER')) {
      user = value.toString();
      // Only the default user exists until ACL users arrive.
      if (user !== 'default') {
        c.reply.error(`ERR No such user '${user}'`);
        return;
      }
    } else if (isKeyword(option, 'SKIPME')) {
      if (isKeyword(value, 'YES')) skipMe = true;
      else if (isKeyword(value, 'NO')) skipMe = false;
      else {
        c.reply.error(ERR_SYNTAX);
        return;
      }
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const victims = [...server.clients.values()].filter(
    (x) =>
      (id === null || x.id === id) &&
      (addr === null || x.addr === addr) &&
      (laddr === null || x.laddr === laddr) &&
      (type === null || x.clientClass === type) &&
      (user === null || x.user === user) &&
      !(skipMe && x === c),
  );
  c.reply.integer(victims.length);
  for (const victim of victims) killClient(c, victim);
}

/** Killing yourself closes after the reply, as Redis does. */
function killClient(c: Client, victim: Client): void {
  if (victim === c) c.closeAfterReply = true;
  else victim.kill();
}

function clientReply(c: Client, argv: Buffer[]): void {
  const mode = argv[2]!;
  if (isKeyword(mode, 'ON')) {
    c.replyMode = 'on';
    c.skipNextReply = false;
    c.reply.muted = false;
    c.reply.ok();
  } else if (isKeyword(mode, 'OFF')) {
    c.replyMode = 'off';
  } else if (isKeyword(mode, 'SKIP')) {
    if (c.replyMode === 'on') c.skipNextReply = true;
  } else {
    c.reply.error(ERR_SYNTAX);
  }
}

/**
 * CLIENT PAUSE ms [WRITE|ALL]: commands from normal clients wait (in order)
 * until the pause ends; WRITE holds only commands that may modify data.
 */
function clientPause(c: Client, argv: Buffer[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const timeout = millisecondsArgOrReply(c, argv[2]!);
  if (timeout === null) return;
  let mode: 'write' | 'all' = 'all';
  if (argv.length === 4) {
    if (isKeyword(argv[3]!, 'WRITE')) mode = 'write';
    else if (isKeyword(argv[3]!, 'ALL')) mode = 'all';
    else {
      c.reply.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const until = Date.now() + Number(timeout);
  const current = c.server.pause;
  // A new pause never shortens or weakens one in force.
  c.server.pause = {
    mode: current !== null && current.mode === 'all' ? 'all' : mode,
    until: current !== null ? Math.max(current.until, until) : until,
  };
  c.reply.ok();
}

function clientUnpause(c: Client): void {
  c.reply.ok();
  c.server.unpause();
}

function clientNoEvict(c: Client, argv: Buffer[]): void {
  if (isKeyword(argv[2]!, 'ON') || isKeyword(argv[2]!, 'OFF')) c.reply.ok();
  else c.reply.error(ERR_SYNTAX);
}

function clientGetredir(c: Client): void {
  c.reply.integer(-1);
}

function clientUnblock(c: Client, argv: Buffer[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const id = parseInteger(argv[2]!);
  if (id === null) {
    c.reply.error(ERR_NOT_INTEGER_OR_RANGE);
    return;
  }
  let asError = false;
  if (argv.length === 4) {
    if (isKeyword(argv[3]!, 'ERROR')) asError = true;
    else if (!isKeyword(argv[3]!, 'TIMEOUT')) {
      c.reply.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  // Only clients blocked on keys count; one held by CLIENT PAUSE is not
  // "blocked in a command" for this purpose and answers 0.
  const target = c.server.clients.get(id);
  const done = target !== undefined && c.server.blocking.unblockByRequest(target, asError);
  c.reply.integer(done ? 1 : 0);
}

const ERR_NOT_INTEGER_OR_RANGE = 'ERR value is not an integer or out of range';

function clientHelp(c: Client): void {
  // Redis 7.0's text, word for word, including the tracking subcommands that
  // resplica does not implement yet: HELP replies are compared byte for byte.
  const lines = [
    'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'CACHING (YES|NO)',
    '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
    'GETREDIR',
    '    Return the client ID we are redirecting to when tracking is enabled.',
    'GETNAME',
    '    Return the name of the current connection.',
    'ID',
    '    Return the ID of the current connection.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <ip:port>',
    '    Kill connection made from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are:',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made from the specified address',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made to specified local address',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Kill connections by type.',
    '    * USER <username>',
    '      Kill connections authenticated by <username>.',
    '    * SKIPME (YES|NO)',
    '      Skip killing current connection (default: yes).',
    'LIST [options ...]',
    '    Return information about client connections. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Return clients of specified type.',
    'UNPAUSE',
    '    Stop the current client pause, resuming traffic.',
    'PAUSE <timeout> [WRITE|ALL]',
    '    Suspend all, or just write, clients for <timeout> milliseconds.',
    'REPLY (ON|OFF|SKIP)',
    '    Control the replies sent to the current connection.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    '    Unblock the specified blocked client.',
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
    '         [OPTIN] [OPTOUT] [NOLOOP]',
    '    Control server assisted client side caching.',
    'TRACKINGINFO',
    '    Report tracking status for the current connection.',
    'NO-EVICT (ON|OFF)',
    '    Protect current client connection from eviction.',
    'HELP',
    '    Prints this help.',
  ];
  c.reply.arrayHeader(lines.length);
  for (const line of lines) c.reply.simple(line);
}

const CONNECTION = 'connection' as const;
const NO_KEYS = { firstKey: 0, lastKey: 0, step: 0 } as const;

function clientSub(
  name: string,
  arity: number,
  summary: string,
  handler: CommandSpec['handler'],
  flags: CommandSpec['flags'] = ['noscript', 'loading', 'stale'],
): CommandSpec {
  return {
    name,
    arity,
    flags,
    ...NO_KEYS,
    group: CONNECTION,
    since: '2.4.0',
    complexity: 'O(1)',
    summary,
    handler,
  };
}

export const connectionCommands: readonly CommandSpec[] = [
  {
    name: 'ping',
    arity: -1,
    flags: ['fast', 'sentinel'],
    ...NO_KEYS,
    group: CONNECTION,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Test the connection',
    handler: ping,
  },
  {
    name: 'echo',
    arity: 2,
    flags: ['fast'],
    ...NO_KEYS,
    group: CONNECTION,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Return the given string',
    handler: echo,
  },
  {
    name: 'quit',
    arity: -1,
    flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'],
    ...NO_KEYS,
    group: CONNECTION,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Close the connection',
    handler: quit,
  },
  {
    name: 'reset',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel'],
    ...NO_KEYS,
    group: CONNECTION,
    since: '6.2.0',
    complexity: 'O(1)',
    summary: 'Reset the connection state',
    handler: reset,
  },
  {
    name: 'auth',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'],
    ...NO_KEYS,
    group: CONNECTION,
    since: '1.0.0',
    complexity: 'O(N) where N is the number of passwords defined for the user',
    summary: 'Authenticate the connection',
    handler: auth,
  },
  {
    name: 'hello',
    arity: -1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'],
    ...NO_KEYS,
    group: CONNECTION,
    since: '6.0.0',
    complexity: 'O(1)',
    summary: 'Handshake: protocol version, authentication and client name',
    handler: hello,
  },
  {
    name: 'client',
    arity: -2,
    flags: ['sentinel'],
    ...NO_KEYS,
    group: CONNECTION,
    since: '2.4.0',
    complexity: 'Depends on subcommand',
    summary: 'Manage client connections',
    subcommands: [
      clientSub('id', 2, 'ID of the current connection', clientId),
      clientSub('getname', 2, 'Name of the current connection', clientGetname),
      clientSub('setname', 3, 'Set the name of the current connection', clientSetname),
      clientSub('info', 2, 'Information about the current connection', clientInfo),
      clientSub('list', -2, 'List client connections', clientList, [
        'admin',
        'noscript',
        'loading',
        'stale',
      ]),
      clientSub('kill', -3, 'Kill client connections', clientKill, [
        'admin',
        'noscript',
        'loading',
        'stale',
      ]),
      clientSub('reply', 3, 'Control replies to this connection', clientReply),
      clientSub('pause', -3, 'Suspend clients for a while', clientPause, [
        'admin',
        'noscript',
        'loading',
        'stale',
      ]),
      clientSub('unpause', 2, 'Resume clients suspended by CLIENT PAUSE', clientUnpause, [
        'admin',
        'noscript',
        'loading',
        'stale',
      ]),
      clientSub('no-evict', 3, 'Exempt this connection from client eviction', clientNoEvict, [
        'admin',
        'noscript',
        'loading',
        'stale',
      ]),
      clientSub(
        'getredir',
        2,
        'Client-side caching redirection (always -1: tracking is not supported)',
        clientGetredir,
      ),
      clientSub('unblock', -3, 'Unblock a client blocked in a blocking command', clientUnblock, [
        'admin',
        'noscript',
        'loading',
        'stale',
      ]),
      clientSub('help', 2, 'Help on CLIENT subcommands', clientHelp),
    ],
  },
];
