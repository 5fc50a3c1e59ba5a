import type { Client } from '../server/client.js';
import type { Command } from './types.js';

/**
 * COMMAND INFO / DOCS / GETKEYS, generated from the command table: nothing
 * here is declared twice. Redis 7's reply shapes: INFO is a 10-element array
 * per command (name, arity, flags, first/last key, step, ACL categories, tips,
 * key specs, subcommands); DOCS a map of summary, since, group, complexity.
 */

/** Flags that COMMAND INFO shows (the dispatcher-only ones stay internal). */
const SHOWN_FLAGS = new Set([
  'write',
  'readonly',
  'denyoom',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'skip_monitor',
  'skip_slowlog',
  'fast',
  'no_auth',
  'may_replicate',
  'no_async_loading',
  'no_multi',
  'allow_busy',
  'no_mandatory_keys',
  'sentinel',
  'only_sentinel',
]);

/** ACL categories as Redis derives them from flags and group. */
export function aclCategories(cmd: Command): string[] {
  const cats: string[] = [];
  const spec = cmd.spec;
  if (cmd.has('write')) cats.push('write');
  if (cmd.has('readonly')) cats.push('read');
  if (cmd.has('admin')) cats.push('admin', 'dangerous');
  if (cmd.has('pubsub')) cats.push('pubsub');
  if (cmd.has('fast')) cats.push('fast');
  if (cmd.has('blocking')) cats.push('blocking');
  if (!cmd.has('fast')) cats.push('slow');
  // Redis's category names differ from some group names (@keyspace,
  // @sortedset, @transaction).
  const group =
    spec.group === 'generic'
      ? 'keyspace'
      : spec.group === 'sorted_set'
        ? 'sortedset'
        : spec.group === 'transactions'
          ? 'transaction'
          : spec.group;
  if (
    [
      'keyspace',
      'string',
      'list',
      'set',
      'sortedset',
      'hash',
      'connection',
      'transaction',
      'scripting',
      'hyperloglog',
      'geo',
      'stream',
      'bitmap',
    ].includes(group)
  ) {
    cats.push(group);
  }
  for (const extra of spec.acl ?? []) if (!cats.includes(extra)) cats.push(extra);
  return cats;
}

export function describeCommandInfo(c: Client, cmd: Command): void {
  const r = c.reply;
  const spec = cmd.spec;
  const flags: string[] = spec.flags.filter((f) => SHOWN_FLAGS.has(f));
  if (spec.numkeysIndex !== undefined) flags.push('movablekeys');
  const cats = aclCategories(cmd);
  r.arrayHeader(10);
  r.bulkString(cmd.fullName);
  r.integer(spec.arity);
  r.setHeader(flags.length);
  for (const f of flags) r.simple(f);
  r.integer(spec.firstKey);
  r.integer(spec.lastKey);
  r.integer(spec.step);
  r.setHeader(cats.length);
  for (const cat of cats) r.simple(`@${cat}`);
  r.setHeader(0);
  const keySpecs = (spec.firstKey === 0 ? 0 : 1) + (spec.numkeysIndex === undefined ? 0 : 1);
  r.arrayHeader(keySpecs);
  if (spec.firstKey !== 0) {
    keySpec(c, cmd, spec.firstKey, () => {
      r.bulkString('range');
      r.bulkString('spec');
      r.mapHeader(3);
      r.bulkString('lastkey');
      r.integer(spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey);
      r.bulkString('keystep');
      r.integer(spec.step);
      r.bulkString('limit');
      r.integer(0);
    });
  }
  if (spec.numkeysIndex !== undefined) {
    keySpec(c, cmd, spec.numkeysIndex, () => {
      r.bulkString('keynum');
      r.bulkString('spec');
      r.mapHeader(3);
      r.bulkString('keynumidx');
      r.integer(0);
      r.bulkString('firstkey');
      r.integer(1);
      r.bulkString('keystep');
      r.integer(1);
    });
  }
  const subs = cmd.subcommands === null ? [] : [...cmd.subcommands.values()];
  r.arrayHeader(subs.length);
  for (const sub of subs) describeCommandInfo(c, sub);
}

/** One key spec map: flags, begin_search by index, then find_keys as written by `findKeys`. */
function keySpec(c: Client, cmd: Command, index: number, findKeys: () => void): void {
  const r = c.reply;
  r.mapHeader(3);
  r.bulkString('flags');
  const keyFlags = keySpecFlags(cmd);
  r.setHeader(keyFlags.length);
  for (const f of keyFlags) r.simple(f);
  r.bulkString('begin_search');
  r.mapHeader(2);
  r.bulkString('type');
  r.bulkString('index');
  r.bulkString('spec');
  r.mapHeader(1);
  r.bulkString('index');
  r.integer(index);
  r.bulkString('find_keys');
  r.mapHeader(2);
  r.bulkString('type');
  findKeys();
}

export function describeCommandDocs(c: Client, cmd: Command): void {
  const r = c.reply;
  const spec = cmd.spec;
  const subs = cmd.subcommands === null ? [] : [...cmd.subcommands.values()];
  r.mapHeader(subs.length > 0 ? 5 : 4);
  r.bulkString('summary');
  r.bulkString(spec.summary);
  r.bulkString('since');
  r.bulkString(spec.since);
  r.bulkString('group');
  r.bulkString(spec.group);
  r.bulkString('complexity');
  r.bulkString(spec.complexity);
  if (subs.length > 0) {
    r.bulkString('subcommands');
    r.mapHeader(subs.length);
    for (const sub of subs) {
      r.bulkString(sub.fullName);
      describeCommandDocs(c, sub);
    }
  }
}

/** Key-spec access flags, derived from the command's write/read flags. */
export function keySpecFlags(cmd: Command): string[] {
  return cmd.has('write') ? ['RW', 'update'] : ['RO', 'access'];
}

/** Key arguments of a full command line, from the table's key positions. */
export function commandKeys(cmd: Command, argv: Buffer[]): Buffer[] {
  const spec = cmd.spec;
  const keys: Buffer[] = [];
  if (spec.firstKey !== 0) {
    const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
    for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) keys.push(argv[i]!);
  }
  if (spec.numkeysIndex !== undefined) {
    const count = Number(argv[spec.numkeysIndex]?.toString('latin1'));
    if (Number.isInteger(count) && count > 0) {
      const first = spec.numkeysIndex + 1;
      for (let i = first; i < first + count && i < argv.length; i++) keys.push(argv[i]!);
    }
  }
  return keys;
}
