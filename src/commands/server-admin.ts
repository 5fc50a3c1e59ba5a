import type { Client } from '../server/client.js';
import { renderInfo } from '../server/info.js';
import { encodingOf, refcountOf } from '../store/encoding.js';
import { isString } from '../store/values.js';
import { encodeValue } from '../persistence/rdb-writer.js';
import { datasetDigest, mixEntry } from '../store/digest.js';
import {
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  isKeyword,
  keyOf,
  parseDouble,
  parseInt64,
  parseInteger,
} from './args.js';
import type { Command, CommandSpec } from './types.js';
import {
  aclCategories,
  commandKeys,
  describeCommandDocs,
  describeCommandInfo,
  keySpecFlags,
} from './introspection.js';
import { globMatch } from '../store/glob.js';

/**
 * Server administration: INFO, CONFIG, COMMAND, DEBUG, MONITOR, SHUTDOWN,
 * TIME, ROLE, LASTSAVE, SLOWLOG, LATENCY and MEMORY.
 */

function info(c: Client, argv: Buffer[]): void {
  c.reply.verbatim(
    renderInfo(
      c.server,
      argv.slice(1).map((a) => a.toString()),
    ),
  );
}

function configGet(c: Client, argv: Buffer[]): void {
  const pairs = c.server.config.getMatching(argv.slice(2).map((a) => a.toString()));
  c.reply.mapHeader(pairs.length);
  for (const [name, value] of pairs) {
    c.reply.bulkString(name);
    c.reply.bulkString(value);
  }
}

function configSet(c: Client, argv: Buffer[]): void {
  if ((argv.length - 2) % 2 !== 0) {
    c.reply.error("ERR wrong number of arguments for 'config|set' command");
    return;
  }
  const pairs: Array<[string, string]> = [];
  for (let i = 2; i < argv.length; i += 2)
    pairs.push([argv[i]!.toString(), argv[i + 1]!.toString()]);
  try {
    c.server.config.set(pairs);
  } catch (err) {
    c.reply.error((err as Error).message);
    return;
  }
  c.reply.ok();
}

function configResetstat(c: Client): void {
  const server = c.server;
  server.stats.reset();
  for (const cmd of server.commands.everyCommand()) cmd.stats.reset();
  const k = server.keyspace.stats;
  k.expiredKeys = k.keyspaceHits = k.keyspaceMisses = 0;
  server.memoryPeak = 0;
  c.reply.ok();
}

function configRewrite(c: Client): void {
  try {
    c.server.config.rewrite();
  } catch (err) {
    c.server.log.warning(`CONFIG REWRITE failed: ${(err as Error).message}`);
    c.reply.error((err as Error).message);
    return;
  }
  c.server.log.notice('CONFIG REWRITE executed with success.');
  c.reply.ok();
}

function helpReply(c: Client, lines: string[]): void {
  c.reply.arrayHeader(lines.length);
  for (const line of lines) c.reply.simple(line);
}

function configHelp(c: Client): void {
  helpReply(c, [
    'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
    'HELP',
    '    Prints this help.',
  ]);
}

function commandAll(c: Client): void {
  const all = c.server.commands.all;
  c.reply.arrayHeader(all.length);
  for (const cmd of all) describeCommandInfo(c, cmd);
}

function commandCount(c: Client): void {
  c.reply.integer(c.server.commands.all.length);
}

function commandInfo(c: Client, argv: Buffer[]): void {
  if (argv.length === 2) {
    commandAll(c);
    return;
  }
  c.reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const cmd = lookupByFullName(c, argv[i]!.toString());
    if (cmd === undefined) c.reply.nullArray();
    else describeCommandInfo(c, cmd);
  }
}

/** Accepts `config|get` style names, as COMMAND INFO/DOCS do in Redis 7. */
function lookupByFullName(c: Client, name: string): Command | undefined {
  const [base, sub] = name.toLowerCase().split('|');
  const cmd = c.server.commands.lookupName(base!);
  if (sub === undefined || cmd === undefined) return cmd;
  return cmd.subcommands?.get(sub);
}

function commandDocs(c: Client, argv: Buffer[]): void {
  const wanted: Command[] = [];
  if (argv.length === 2) {
    wanted.push(...c.server.commands.all);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = lookupByFullName(c, argv[i]!.toString());
      if (cmd !== undefined) wanted.push(cmd);
    }
  }
  c.reply.mapHeader(wanted.length);
  for (const cmd of wanted) {
    c.reply.bulkString(cmd.fullName);
    describeCommandDocs(c, cmd);
  }
}

function commandList(c: Client, argv: Buffer[]): void {
  let filter: ((cmd: Command) => boolean) | null = null;
  if (argv.length > 2) {
    if (argv.length !== 5 || !isKeyword(argv[2]!, 'FILTERBY')) {
      c.reply.error(ERR_SYNTAX);
      return;
    }
    const value = argv[4]!.toString();
    if (isKeyword(argv[3]!, 'PATTERN')) {
      filter = (cmd) => globMatch(value.toLowerCase(), cmd.fullName, true);
    } else if (isKeyword(argv[3]!, 'ACLCAT')) {
      filter = (cmd) => aclCategories(cmd).includes(value.toLowerCase());
    } else if (isKeyword(argv[3]!, 'MODULE')) {
      filter = () => false;
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const names: string[] = [];
  for (const cmd of c.server.commands.everyCommand()) {
    if (filter === null || filter(cmd)) names.push(cmd.fullName);
  }
  c.reply.arrayHeader(names.length);
  for (const name of names) c.reply.bulkString(name);
}

/**
 * The key arguments of the command line after `COMMAND GETKEYS[ANDFLAGS]`, or
 * null after replying with Redis's error.
 */
function keysOfCommandLine(c: Client, argv: Buffer[]): { cmd: Command; keys: Buffer[] } | null {
  const target = argv.slice(2);
  const cmd = c.server.commands.lookup(target);
  if (cmd === undefined) {
    c.reply.error('ERR Invalid command specified');
    return null;
  }
  const arity = cmd.spec.arity;
  if ((arity > 0 && target.length !== arity) || target.length < -arity) {
    c.reply.error('ERR Invalid number of arguments specified for command');
    return null;
  }
  const keys = commandKeys(cmd, target);
  if (keys.length === 0) {
    c.reply.error('ERR The command has no key arguments');
    return null;
  }
  return { cmd, keys };
}

function commandGetkeys(c: Client, argv: Buffer[]): void {
  const found = keysOfCommandLine(c, argv);
  if (found === null) return;
  c.reply.arrayHeader(found.keys.length);
  for (const k of found.keys) c.reply.bulk(k);
}

function commandGetkeysandflags(c: Client, argv: Buffer[]): void {
  const found = keysOfCommandLine(c, argv);
  if (found === null) return;
  const flags = keySpecFlags(found.cmd);
  c.reply.arrayHeader(found.keys.length);
  for (const k of found.keys) {
    c.reply.arrayHeader(2);
    c.reply.bulk(k);
    c.reply.setHeader(flags.length);
    for (const f of flags) c.reply.simple(f);
  }
}

function commandHelp(c: Client): void {
  helpReply(c, [
    'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
    'HELP',
    '    Prints this help.',
  ]);
}

function time(c: Client): void {
  const nowUs = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() * 1000) % 1000));
  c.reply.arrayHeader(2);
  c.reply.bulkString((nowUs / 1000000n).toString());
  c.reply.bulkString((nowUs % 1000000n).toString());
}

/** SAVE: the whole dataset written now, blocking, as Redis's SAVE. */
function save(c: Client): void {
  const persistence = c.server.persistence;
  if (persistence.bgsaveInProgress) {
    c.reply.error('ERR Background save already in progress');
    return;
  }
  persistence.saves++;
  if (persistence.saveSync()) c.reply.ok();
  else c.reply.error('ERR');
}

/**
 * BGSAVE [SCHEDULE]: a point-in-time snapshot written in the background.
 * SCHEDULE only matters in Redis while another child (an AOF rewrite) runs,
 * which never happens here, so it starts the save at once as Redis then
 * does. Inside EXEC the save is scheduled for the cron, as Redis does.
 */
function bgsave(c: Client, argv: Buffer[]): void {
  if (argv.length > 2 || (argv.length === 2 && !isKeyword(argv[1]!, 'SCHEDULE'))) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const persistence = c.server.persistence;
  if (persistence.bgsaveInProgress) {
    c.reply.error('ERR Background save already in progress');
  } else if (c.denyBlocking) {
    persistence.bgsaveScheduled = true;
    c.reply.simple('Background saving scheduled');
  } else {
    persistence.startBackgroundSave();
    c.reply.simple('Background saving started');
  }
}

function lastsave(c: Client): void {
  c.reply.integer(Math.floor(c.server.persistence.lastSave / 1000));
}

function role(c: Client): void {
  c.server.replication.role(c);
}

function monitor(c: Client): void {
  // Inside EXEC the client expects one reply per command, never a stream.
  if (c.denyBlocking) {
    c.reply.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (c.monitor) return;
  c.monitor = true;
  c.server.monitors.add(c);
  c.reply.ok();
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. NOW has nothing to skip until
 * replicas exist (it skips waiting for them); FORCE exits even when the final
 * save fails.
 */
function shutdown(c: Client, argv: Buffer[]): void {
  const options = { save: false, nosave: false, force: false, now: false };
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isKeyword(arg, 'NOSAVE')) options.nosave = true;
    else if (isKeyword(arg, 'SAVE')) options.save = true;
    else if (isKeyword(arg, 'FORCE')) options.force = true;
    else if (isKeyword(arg, 'NOW')) options.now = true;
    else if (isKeyword(arg, 'ABORT')) abort = true;
    else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if ((abort && argv.length !== 2) || (options.save && options.nosave)) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  if (abort) {
    if (c.server.abortShutdown()) c.reply.ok();
    else c.reply.error('ERR No shutdown in progress.');
    return;
  }
  // 'exiting': no reply, the connection closes with the process; 'waiting':
  // the client stays blocked until the replicas caught up or the timeout.
  if (c.server.requestShutdown(options, c) === 'failed') {
    c.reply.error('ERR Errors trying to SHUTDOWN. Check logs.');
  }
}

function debugCommand(c: Client, argv: Buffer[]): void {
  const sub = argv[1]!.toString().toLowerCase();
  const server = c.server;
  switch (sub) {
    case 'help':
      helpReply(c, [
        'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'DIGEST',
        '    Output a hex signature representing the current DB content.',
        'DIGEST-VALUE <key> [<key> ...]',
        '    Output a hex signature of the values of all the specified keys.',
        'LOG <message>',
        '    Write <message> to the server log.',
        'RELOAD [option ...]',
        '    Save the RDB on disk and reload it back to memory. Options: MERGE (keys loaded',
        '    replace existing ones), NOFLUSH (keep the current dataset), NOSAVE (load the',
        '    file as it is on disk).',
        'POPULATE <count> [<prefix>] [<size>]',
        '    Create <count> string keys named key:<num>. If <prefix> is specified then',
        "    it is used instead of the 'key' prefix. These are not propagated to",
        '    replicas. Cache eviction may be triggered.',
        'OBJECT <key>',
        '    Show low level info about the <key> and associated value.',
        'PROTOCOL <type>',
        '    Reply with a test value of the specified type.',
        'SET-ACTIVE-EXPIRE <0|1>',
        '    Setting it to 0 disables expiring keys in background when they are not accessed.',
        'SLEEP <seconds>',
        '    Stop the server for <seconds>. Decimals allowed.',
        'HELP',
        '    Print this help.',
      ]);
      return;
    case 'sleep': {
      const seconds = argv.length === 3 ? parseDouble(argv[2]!) : null;
      if (seconds === null) break;
      // Deliberately blocks the event loop: that is what DEBUG SLEEP is for.
      const until = performance.now() + seconds * 1000;
      while (performance.now() < until) {
        // busy wait
      }
      c.reply.ok();
      return;
    }
    case 'set-active-expire': {
      const value = argv.length === 3 ? parseInteger(argv[2]!) : null;
      if (value === null) break;
      server.activeExpireEnabled = value !== 0;
      c.reply.ok();
      return;
    }
    case 'object': {
      if (argv.length !== 3) break;
      const entry = c.db.peek(keyOf(argv[2]!));
      if (entry === undefined) {
        c.reply.error('ERR no such key');
        return;
      }
      const idle = Math.floor((server.keyspace.lruClock - entry.lastAccess) / 1000);
      c.reply.simple(
        `Value at:0x${entry.slot.toString(16)} refcount:${refcountOf(entry)} encoding:${encodingOf(entry)} ` +
          `serializedlength:${encodeValue(entry.value, server.config.get('rdbcompression')).payload.length} lru:${Math.floor(entry.lastAccess / 1000) & 0xffffff} lru_seconds_idle:${idle}`,
      );
      return;
    }
    case 'populate': {
      // DEBUG POPULATE count [prefix] [size]: keys "<prefix>:<n>" holding
      // "value:<n>", cut or zero-padded to size; existing keys are kept.
      if (argv.length < 3 || argv.length > 5) break;
      const count = parseInt64(argv[2]!);
      if (count === null || count < 0n) {
        c.reply.error('ERR value is out of range, must be positive');
        return;
      }
      const prefix = argv.length >= 4 ? argv[3]!.toString('latin1') : 'key';
      let size = 0;
      if (argv.length === 5) {
        const parsed = parseInt64(argv[4]!);
        if (parsed === null) {
          c.reply.error('ERR value is not an integer or out of range');
          return;
        }
        size = Number(parsed);
      }
      for (let n = 0; n < Number(count); n++) {
        const key = `${prefix}:${n}`;
        if (c.db.find(key) !== undefined) continue;
        const text = Buffer.from(`value:${n}`, 'latin1');
        const value = size > 0 ? Buffer.alloc(size) : text;
        if (size > 0) text.copy(value, 0, 0, Math.min(size, text.length));
        c.db.set(key, value, false, 0);
      }
      c.reply.ok();
      return;
    }
    case 'reload': {
      const options = { save: true, flush: true, merge: false };
      for (let i = 2; i < argv.length; i++) {
        const opt = argv[i]!;
        if (isKeyword(opt, 'MERGE')) options.merge = true;
        else if (isKeyword(opt, 'NOFLUSH')) options.flush = false;
        else if (isKeyword(opt, 'NOSAVE')) options.save = false;
        else {
          c.reply.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
          return;
        }
      }
      const problem = server.persistence.debugReload(options);
      if (problem === null) c.reply.ok();
      else c.reply.error(problem);
      return;
    }
    case 'digest':
      if (argv.length !== 2) break;
      c.reply.simple(datasetDigest(server.keyspace.databases).toString('hex'));
      return;
    case 'digest-value':
      c.reply.arrayHeader(argv.length - 2);
      for (let i = 2; i < argv.length; i++) {
        const entry = c.db.find(keyOf(argv[i]!));
        const digest = Buffer.alloc(20);
        if (entry !== undefined) mixEntry(digest, entry);
        c.reply.simple(digest.toString('hex'));
      }
      return;
    case 'log':
      if (argv.length !== 3) break;
      server.log.warning(`DEBUG LOG: ${argv[2]!.toString()}`);
      c.reply.ok();
      return;
    case 'protocol':
      if (argv.length !== 3) break;
      debugProtocol(c, argv[2]!.toString().toLowerCase());
      return;
  }
  c.reply.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1]!.toString()}'. Try DEBUG HELP.`,
  );
}

function debugProtocol(c: Client, kind: string): void {
  const r = c.reply;
  switch (kind) {
    case 'string':
      return r.bulkString('Hello World');
    case 'integer':
      return r.integer(12345);
    case 'double':
      return r.double('3.141');
    case 'bignum':
      return r.bigInteger(1234567999999999999999999999999999999n);
    case 'null':
      return r.nullBulk();
    case 'array':
      r.arrayHeader(3);
      for (let j = 0; j < 3; j++) r.integer(j);
      return;
    case 'set':
      r.setHeader(3);
      for (let j = 0; j < 3; j++) r.integer(j);
      return;
    case 'map':
      r.mapHeader(3);
      for (let j = 0; j < 3; j++) {
        r.integer(j);
        r.boolean(j === 1);
      }
      return;
    case 'true':
      return r.boolean(true);
    case 'false':
      return r.boolean(false);
    case 'verbatim':
      return r.verbatim('This is a verbatim\nstring');
  }
  r.error(
    'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
  );
}

function slowlogGet(c: Client, argv: Buffer[]): void {
  let count = 10;
  if (argv.length === 3) {
    const n = parseInteger(argv[2]!);
    if (n === null) {
      c.reply.error(ERR_NOT_INTEGER);
      return;
    }
    if (n < -1) {
      c.reply.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = n;
  }
  const entries = c.server.slowlog.latest(count);
  c.reply.arrayHeader(entries.length);
  for (const e of entries) {
    c.reply.arrayHeader(6);
    c.reply.integer(e.id);
    c.reply.integer(e.timestamp);
    c.reply.integer(e.durationUs);
    c.reply.arrayHeader(e.argv.length);
    for (const a of e.argv) c.reply.bulk(a);
    c.reply.bulkString(e.addr);
    c.reply.bulkString(e.name);
  }
}

function slowlogHelp(c: Client): void {
  helpReply(c, [
    'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
    'HELP',
    '    Prints this help.',
  ]);
}

/**
 * LATENCY: the latency monitor is not implemented. With Redis's default
 * `latency-monitor-threshold 0` Redis records nothing either, so LATEST,
 * HISTORY and RESET answer exactly what a default Redis answers.
 */
function latencyEmpty(c: Client): void {
  c.reply.arrayHeader(0);
}

function latencyReset(c: Client): void {
  c.reply.integer(0);
}

function latencyDoctor(c: Client): void {
  c.reply.verbatim(
    'Dave, no latency spike was observed during the lifetime of this instance, nice job! (The latency monitor is not implemented in resplica.)\n',
  );
}

function latencyHelp(c: Client): void {
  helpReply(c, [
    'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    'HELP',
    '    Prints this help.',
  ]);
}

/**
 * MEMORY USAGE: an estimate in the spirit of Redis's objectComputeSize
 * (dictionary entry, key, object header, value), rounded to allocator size
 * classes the way jemalloc would.
 */
function memoryUsage(c: Client, argv: Buffer[]): void {
  if (argv.length !== 3 && !(argv.length === 5 && isKeyword(argv[3]!, 'SAMPLES'))) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const key = argv[2]!;
  const entry = c.db.find(keyOf(key));
  if (entry === undefined) {
    c.reply.nullBulk();
    return;
  }
  const encoding = encodingOf(entry);
  const value = entry.value;
  // Collections: a rough per-element figure until each type reports its own.
  const valueBytes = !isString(value)
    ? allocSize(value.size * 48)
    : encoding === 'int'
      ? 0
      : allocSize(value.length + (encoding === 'embstr' ? 19 : 9));
  const objectHeader = encoding === 'embstr' ? 0 : 16;
  const keyBytes = allocSize(key.length + 4);
  c.reply.integer(24 + keyBytes + objectHeader + valueBytes);
}

function allocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const pow = 2 ** Math.floor(Math.log2(n - 1));
  const step = pow / 4;
  return Math.ceil(n / step) * step;
}

function memoryHelp(c: Client): void {
  helpReply(c, [
    'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value (an estimate).',
    'HELP',
    '    Print this help.',
  ]);
}

const SERVER = 'server' as const;
const NO_KEYS = { firstKey: 0, lastKey: 0, step: 0 } as const;

function sub(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  summary: string,
  handler: CommandSpec['handler'],
  since = '2.0.0',
): CommandSpec {
  return {
    name,
    arity,
    flags,
    ...NO_KEYS,
    group: SERVER,
    since,
    complexity: 'O(1)',
    summary,
    handler,
  };
}

const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const serverCommands: readonly CommandSpec[] = [
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale', 'sentinel'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Information and statistics about the server',
    acl: ['dangerous'],
    handler: info,
  },
  {
    name: 'config',
    arity: -2,
    flags: [],
    ...NO_KEYS,
    group: SERVER,
    since: '2.0.0',
    complexity: 'Depends on subcommand',
    summary: 'Configuration at runtime',
    subcommands: [
      sub('get', -3, [...ADMIN], 'Values of configuration parameters', configGet),
      sub('set', -4, [...ADMIN], 'Set configuration parameters, all or nothing', configSet),
      sub('resetstat', 2, [...ADMIN], 'Reset the statistics INFO reports', configResetstat),
      sub(
        'rewrite',
        2,
        [...ADMIN],
        'Rewrite the configuration file with the running configuration',
        configRewrite,
      ),
      sub('help', 2, ['loading', 'stale'], 'Help on CONFIG subcommands', configHelp),
    ],
  },
  {
    name: 'command',
    arity: -1,
    flags: ['loading', 'stale', 'sentinel'],
    ...NO_KEYS,
    group: SERVER,
    since: '2.8.13',
    complexity: 'O(N) where N is the number of commands',
    summary: 'Details about commands',
    handler: commandAll,
    subcommands: [
      sub('count', 2, ['loading', 'stale'], 'Number of commands', commandCount),
      sub('info', -2, ['loading', 'stale'], 'Details about commands', commandInfo),
      sub('docs', -2, ['loading', 'stale'], 'Documentation of commands', commandDocs),
      sub('list', -2, ['loading', 'stale'], 'Names of commands', commandList),
      sub('getkeys', -3, ['loading', 'stale'], 'Keys of a full command', commandGetkeys),
      sub(
        'getkeysandflags',
        -3,
        ['loading', 'stale'],
        'Keys of a full command and how it accesses them',
        commandGetkeysandflags,
      ),
      sub('help', 2, ['loading', 'stale'], 'Help on COMMAND subcommands', commandHelp),
    ],
  },
  {
    name: 'time',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    ...NO_KEYS,
    group: SERVER,
    since: '2.6.0',
    complexity: 'O(1)',
    summary: 'Server time',
    handler: time,
  },
  {
    name: 'save',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'O(N) where N is the total number of keys in all databases',
    summary: 'Synchronously save the dataset to disk',
    handler: save,
  },
  {
    name: 'bgsave',
    arity: -1,
    flags: ['admin', 'noscript', 'no_async_loading'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Asynchronously save the dataset to disk',
    handler: bgsave,
  },
  {
    name: 'lastsave',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Unix time of the last successful save',
    handler: lastsave,
  },
  {
    name: 'role',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'sentinel'],
    ...NO_KEYS,
    group: SERVER,
    since: '2.8.12',
    complexity: 'O(1)',
    summary: 'Replication role of this instance',
    handler: role,
  },
  {
    name: 'monitor',
    arity: 1,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'O(1)',
    summary: 'Stream every command the server processes',
    handler: monitor,
  },
  {
    name: 'shutdown',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'sentinel', 'allow_busy'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'O(N) when saving',
    summary: 'Stop the server',
    handler: shutdown,
  },
  {
    name: 'debug',
    arity: -2,
    flags: ['admin', 'noscript', 'loading', 'stale', 'protected'],
    ...NO_KEYS,
    group: SERVER,
    since: '1.0.0',
    complexity: 'Depends on subcommand',
    summary: 'Debugging helpers',
    handler: debugCommand,
  },
  {
    name: 'slowlog',
    arity: -2,
    flags: [],
    ...NO_KEYS,
    group: SERVER,
    since: '2.2.12',
    complexity: 'Depends on subcommand',
    summary: 'The slow queries log',
    subcommands: [
      sub(
        'get',
        -2,
        ['admin', 'loading', 'stale'],
        'Entries of the slow log',
        slowlogGet,
        '2.2.12',
      ),
      sub(
        'len',
        2,
        ['admin', 'loading', 'stale'],
        'Number of entries in the slow log',
        (c) => c.reply.integer(c.server.slowlog.length),
        '2.2.12',
      ),
      sub(
        'reset',
        2,
        ['admin', 'loading', 'stale'],
        'Clear the slow log',
        (c) => {
          c.server.slowlog.reset();
          c.reply.ok();
        },
        '2.2.12',
      ),
      sub('help', 2, ['loading', 'stale'], 'Help on SLOWLOG subcommands', slowlogHelp, '6.2.0'),
    ],
  },
  {
    name: 'latency',
    arity: -2,
    flags: [],
    ...NO_KEYS,
    group: SERVER,
    since: '2.8.13',
    complexity: 'O(1)',
    summary: 'Latency monitor (not implemented; answers as an idle monitor)',
    subcommands: [
      sub('latest', 2, [...ADMIN], 'Latest latency samples', latencyEmpty, '2.8.13'),
      sub('history', 3, [...ADMIN], 'Latency samples of an event', latencyEmpty, '2.8.13'),
      sub('reset', -2, [...ADMIN], 'Reset latency data', latencyReset, '2.8.13'),
      sub('doctor', 2, [...ADMIN], 'Latency analysis report', latencyDoctor, '2.8.13'),
      sub('help', 2, ['loading', 'stale'], 'Help on LATENCY subcommands', latencyHelp, '2.8.13'),
    ],
  },
  {
    name: 'memory',
    arity: -2,
    flags: [],
    ...NO_KEYS,
    group: SERVER,
    since: '4.0.0',
    complexity: 'Depends on subcommand',
    summary: 'Memory introspection',
    subcommands: [
      {
        name: 'usage',
        arity: -3,
        flags: ['readonly'],
        firstKey: 2,
        lastKey: 2,
        step: 1,
        group: SERVER,
        since: '4.0.0',
        complexity: 'O(1) for strings',
        summary: 'Estimated memory used by a key and its value',
        handler: memoryUsage,
      },
      sub('help', 2, ['loading', 'stale'], 'Help on MEMORY subcommands', memoryHelp, '4.0.0'),
    ],
  },
];
