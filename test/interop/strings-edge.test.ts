import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClientPair, compareReplies, skipInterop, startPair, type ServerPair } from './compare.js';

/**
 * Hand-picked edge cases of the string, key, expiry, database, connection and
 * CONFIG commands, each sent to resplica and to a real redis-server 7.0: the
 * replies must be byte-identical unless a comment says why not.
 */

type Args = Array<string | Buffer>;

/** Far enough in the future that no test run gets near it, and exact. */
const YEAR_2100 = '4102444800';

describe.skipIf(skipInterop)('edge cases answered exactly as redis-server 7.0 does', () => {
  let servers: ServerPair;
  let clients: ClientPair;

  /** Runs the commands in order on both servers, failing on the first difference. */
  async function sameAll(...commands: Args[]): Promise<void> {
    for (const args of commands) await clients.same(...args);
  }

  beforeAll(async () => {
    servers = await startPair();
  });

  afterAll(async () => {
    await servers?.stop();
  });

  beforeEach(async () => {
    clients?.close();
    clients = await ClientPair.connect(servers);
    await clients.same('FLUSHALL');
  });

  it('SET answers every pair of options, conflicting or not, like Redis', async () => {
    const options: Args[] = [
      ['NX'],
      ['XX'],
      ['GET'],
      ['KEEPTTL'],
      ['EX', '1000'],
      ['PX', '1000000'],
      ['EXAT', YEAR_2100],
      ['PXAT', `${YEAR_2100}000`],
      ['PERSIST'],
      ['EX'],
      ['FOO'],
    ];
    for (const first of options) {
      for (const second of options) {
        for (const exists of [false, true]) {
          await clients.same('DEL', 'k');
          if (exists) await clients.same('SET', 'k', 'old', 'EXAT', YEAR_2100);
          await sameAll(['SET', 'k', 'new', ...first, ...second], ['GET', 'k']);
          // EX/PX deadlines come from each server's own clock (see compare.ts).
          const [[mine, theirs]] = (await clients.batch([['EXPIRETIME', 'k']])) as [
            [Buffer, Buffer],
          ];
          expect(
            compareReplies(mine, theirs, 'ttl-seconds'),
            `EXPIRETIME after SET ${[...first, ...second].join(' ')}`,
          ).toBeNull();
        }
      }
    }
    // The same option twice is accepted and the last expiry wins.
    await sameAll(
      ['SET', 'k', 'v', 'EXAT', YEAR_2100, 'EXAT', '4102444801'],
      ['EXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'nx', 'NX'],
      ['SET', 'k', 'v', 'get', 'GET'],
    );
  });

  it('SET, SETEX, GETEX and EXPIRE reject expire times that overflow, and keep the exact huge ones', async () => {
    await sameAll(
      ['SET', 'k', 'v'],
      ['SET', 'k', 'v', 'EX', '0'],
      ['SET', 'k', 'v', 'PX', '-1'],
      ['SET', 'k', 'v', 'EX', '9223372036854775'],
      ['SET', 'k', 'v', 'EX', '9223372036854776'],
      ['SET', 'k', 'v', 'PX', '9223372036854775807'],
      ['SET', 'k', 'v', 'EX', '9223372036854775808'],
      ['SET', 'k', 'v', 'EXAT', '9223372036854776'],
      ['SET', 'k', 'v', 'EXAT', '9223372036854775'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'PXAT', '9223372036854775807'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9223372036854775806', 'GT'],
      ['PEXPIREAT', 'k', '9223372036854775806', 'LT'],
      ['PEXPIRETIME', 'k'],
      ['COPY', 'k', 'copy'],
      ['PEXPIRETIME', 'copy'],
      ['RENAME', 'copy', 'renamed'],
      ['PEXPIRETIME', 'renamed'],
      ['MOVE', 'renamed', '1'],
      ['SELECT', '1'],
      ['PEXPIRETIME', 'renamed'],
      ['SELECT', '0'],
      ['PEXPIREAT', 'k', '9223372036854775300'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9223372036854775308'],
      ['EXPIRETIME', 'k'],
      ['GETEX', 'k', 'EX', '9223372036854775'],
      ['GETEX', 'k', 'EXAT', '9223372036854775'],
      ['PEXPIRETIME', 'k'],
      ['GETEX', 'k', 'EX', '0'],
      ['GETEX', 'k', 'PX', '-1'],
      ['GETEX', 'k', 'PERSIST', 'EX', '10'],
      ['SETEX', 'k', '9223372036854775', 'v'],
      ['SETEX', 'k', '9223372036854776', 'v'],
      ['SETEX', 'k', '0', 'v'],
      ['PSETEX', 'k', '-1', 'v'],
      ['PSETEX', 'k', '9223372036854775807', 'v'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '9223372036854775'],
      ['EXPIRE', 'k', '9223372036854776'],
      ['EXPIRE', 'k', '-9223372036854776'],
      ['PEXPIRE', 'k', '9223372036854775807'],
      ['EXPIREAT', 'k', '9223372036854775807'],
      ['EXPIRE', 'k', '9223372036854775808'],
      ['EXPIRE', 'nokey', 'abc'],
      ['EXPIRE', 'nokey', '100', 'FOO'],
      ['EXPIRE', 'k', 'abc', 'NX', 'XX'],
      ['EXPIRE', 'k', '100', 'NX', 'GT'],
      ['EXPIRE', 'k', '100', 'GT', 'LT'],
      ['EXPIRE', 'k', '-9223372036854775'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['PEXPIRE', 'k', '-9223372036854775808'],
      ['EXISTS', 'k'],
      // A deadline beyond 2^53 ms survives KEEPTTL, INCR and APPEND exactly,
      // and goes away with PERSIST or a plain SET.
      ['SET', 'k', '5', 'PXAT', '9223372036854775807'],
      ['SET', 'k', '6', 'KEEPTTL'],
      ['INCR', 'k'],
      ['APPEND', 'k', 'x'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9223372036854775000', 'XX'],
      ['PEXPIREAT', 'k', '9223372036854775001', 'GT'],
      ['PEXPIREAT', 'k', '9223372036854775001', 'GT'],
      ['PEXPIREAT', 'k', '9223372036854775000', 'LT'],
      ['PEXPIRETIME', 'k'],
      ['GETEX', 'k', 'PERSIST'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9223372036854775807'],
      ['SET', 'k', 'v'],
      ['PEXPIRETIME', 'k'],
      ['DEBUG', 'DIGEST'],
    );
  });

  it('keys with a short TTL expire on both servers, lazily and actively', async () => {
    await sameAll(
      ['SET', 'lazy', 'v', 'PX', '100'],
      ['SET', 'active', 'v', 'PX', '100'],
      ['PSETEX', 'other', '100', 'v'],
      ['SET', 'stays', 'v'],
    );
    // Poll (bounded) instead of sleeping: each server expires on its own clock.
    const deadline = Date.now() + 5000;
    for (;;) {
      const [mine, theirs] = await clients.call('EXISTS', 'lazy');
      if (mine === ':0\r\n' && theirs === ':0\r\n') break;
      if (Date.now() > deadline)
        throw new Error(`key with PX 100 still there after 5 s: ${mine} / ${theirs}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await sameAll(
      ['GET', 'lazy'],
      ['TTL', 'lazy'],
      ['PTTL', 'lazy'],
      ['EXPIRETIME', 'lazy'],
      ['GETEX', 'lazy', 'PERSIST'],
      ['KEYS', '*'],
      ['RANDOMKEY'],
    );
    // Nobody reads 'active' or 'other': only the active expire cycle can remove them.
    for (;;) {
      const [mine, theirs] = await clients.call('DBSIZE');
      if (mine === ':1\r\n' && theirs === ':1\r\n') break;
      if (Date.now() > deadline)
        throw new Error(`active expiry did not run within 5 s: DBSIZE ${mine} / ${theirs}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await sameAll(['DEBUG', 'DIGEST']);
    // avg_ttl is a running estimate that depends on which expire cycle saw
    // which key on each server: compare the keyspace line without it.
    const [mine, theirs] = await clients.call('INFO', 'keyspace');
    const strip = (reply: string): string =>
      reply.replace(/^\$\d+/, '').replace(/,avg_ttl=\d+/g, '');
    expect(strip(mine)).toBe(strip(theirs));
  });

  it('GETRANGE clamps extreme indexes like Redis', async () => {
    await sameAll(['SET', 's', 'Hello World'], ['SET', 'empty', '']);
    const indexes = [
      '0',
      '-1',
      '5',
      '3',
      '-100',
      '100',
      '11',
      '12',
      '-12',
      '9223372036854775807',
      '-9223372036854775808',
      '9223372036854775808',
      'x',
    ];
    for (const key of ['s', 'empty', 'missing']) {
      for (const start of indexes) {
        for (const end of indexes) await clients.same('GETRANGE', key, start, end);
      }
    }
  });

  it('SETRANGE and APPEND refuse to grow a string beyond proto-max-bulk-len', async () => {
    await sameAll(
      ['SET', 's', 'abc'],
      ['SETRANGE', 's', '536870912', 'x'],
      ['SETRANGE', 's', '536870911', 'xx'],
      ['SETRANGE', 's', '536870911', ''],
      ['SETRANGE', 'missing', '536870911', ''],
      ['EXISTS', 'missing'],
      ['SETRANGE', 's', '-1', 'x'],
      ['SETRANGE', 's', '9223372036854775807', 'x'],
      ['SETRANGE', 's', '9223372036854775808', 'x'],
      ['SETRANGE', 's', '4294967296', 'x'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '1mb'],
      ['SETRANGE', 's', '1048576', 'x'],
      ['SETRANGE', 's', '1048575', ''],
      ['SETRANGE', 's', '1048574', 'xy'],
      ['STRLEN', 's'],
      ['APPEND', 's', 'z'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '512mb'],
      ['APPEND', 's', 'z'],
      ['STRLEN', 's'],
    );
  });

  it('INCR family accepts only canonical int64 text and reports overflow', async () => {
    for (const value of [
      '0x10',
      ' 1',
      '1 ',
      '-0',
      '+1',
      '01',
      '',
      '1.0',
      '18446744073709551616',
      '9223372036854775807',
      '-9223372036854775808',
      '12345678901234567890',
      '9999',
      '10000',
      '-1',
    ]) {
      await sameAll(
        ['SET', 'n', value],
        ['INCR', 'n'],
        ['OBJECT', 'ENCODING', 'n'],
        ['OBJECT', 'REFCOUNT', 'n'],
        ['SET', 'n', value],
        ['DECR', 'n'],
        ['SET', 'n', value],
        ['INCRBY', 'n', '-9223372036854775808'],
        ['SET', 'n', value],
        ['DECRBY', 'n', '9223372036854775807'],
        ['INCRBY', 'fresh', value],
        ['DEL', 'fresh'],
      );
    }
    await sameAll(['DECRBY', 'n', '-9223372036854775808'], ['INCRBY', 'n', '9223372036854775808']);
  });

  it('INCRBYFLOAT refuses results that are not finite and formats like long double', async () => {
    await sameAll(
      ['SET', 'f', '1e4932'],
      ['INCRBYFLOAT', 'f', '1e4932'],
      ['INCRBYFLOAT', 'f', '-1e4932'],
      ['INCRBYFLOAT', 'f', '1e4933'],
      ['INCRBYFLOAT', 'g', 'inf'],
      ['INCRBYFLOAT', 'g', '-inf'],
      ['INCRBYFLOAT', 'g', 'nan'],
      ['INCRBYFLOAT', 'g', '0x10'],
      ['INCRBYFLOAT', 'g', '1e308'],
      ['INCRBYFLOAT', 'g', '1e308'],
      ['INCRBYFLOAT', 'h', '0.1'],
      ['INCRBYFLOAT', 'h', '0.2'],
      ['INCRBYFLOAT', 'h', '3.0e3'],
      ['INCRBYFLOAT', 'h', '5.0e-324'],
      ['OBJECT', 'ENCODING', 'h'],
      ['SET', 'i', '10.50'],
      ['INCRBYFLOAT', 'i', '0'],
      ['OBJECT', 'ENCODING', 'i'],
      ['SET', 'i', ' 1'],
      ['INCRBYFLOAT', 'i', '1'],
      ['SET', 'i', 'inf'],
      ['INCRBYFLOAT', 'i', '1'],
    );
  });

  it('SCAN parses its cursor as strtoul and validates COUNT', async () => {
    // An empty database, so a cursor that Redis and resplica map to different
    // places in their tables cannot show different keys.
    for (const cursor of [
      'abc',
      '',
      '-1',
      '+5',
      '-0',
      '18446744073709551615',
      '18446744073709551616',
      '-18446744073709551615',
      '-18446744073709551616',
      ' 1',
      '1 ',
      '0x1',
      '+',
      '-',
    ]) {
      await clients.same('SCAN', cursor);
    }
    await sameAll(
      ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', '-1'],
      ['SCAN', '0', 'COUNT', 'abc'],
      ['SCAN', '0', 'MATCH'],
      ['SCAN', '0', 'TYPE'],
      ['SCAN', '0', 'TYPE', 'foo'],
      ['SCAN', '0', 'FOO', 'bar'],
    );
  });

  it('a full SCAN visits the same keys as Redis for MATCH, TYPE and COUNT', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 300; i++) keys.push(`key:${i}`, String(i));
    await clients.same('MSET', ...keys);
    for (const options of [
      [],
      ['COUNT', '7'],
      ['MATCH', 'key:1*'],
      ['MATCH', '*9', 'COUNT', '1000'],
      ['TYPE', 'string'],
      ['TYPE', 'list'],
    ]) {
      // Cursor values and batch boundaries are hash-table details; only the
      // set of keys a complete iteration returns is specified.
      const collected: Array<Set<string>> = [];
      for (const client of [clients.resplica, clients.redis]) {
        const seen = new Set<string>();
        let cursor = '0';
        for (let rounds = 0; rounds < 10000; rounds++) {
          const reply = await client.call('SCAN', cursor, ...options);
          const lines = reply.split('\r\n');
          cursor = lines[2]!;
          for (let j = 5; j < lines.length; j += 2) if (lines[j] !== '') seen.add(lines[j]!);
          if (cursor === '0') break;
        }
        expect(cursor).toBe('0');
        collected.push(seen);
      }
      expect([...collected[0]!].sort(), `SCAN ${options.join(' ')}`).toEqual(
        [...collected[1]!].sort(),
      );
    }
  });

  it('KEYS matches glob patterns exactly as stringmatchlen does', async () => {
    await clients.same(
      'MSET',
      'a',
      '1',
      'b',
      '2',
      'c',
      '3',
      'ab',
      '4',
      'a*',
      '5',
      'a?',
      '6',
      '[',
      '7',
      '\\',
      '8',
      'x]',
      '9',
      'aa',
      '10',
      'abc',
      '11',
      'a]',
      '12',
      'a-',
      '13',
      'A',
      '14',
    );
    const patterns = [
      '*',
      '[a-c]',
      '\\*',
      'a\\*',
      '?',
      'a?',
      'a\\?',
      '[^a]',
      '[a-]',
      '[',
      '\\',
      '\\\\',
      '[[]',
      '[c-a]',
      'x]',
      '[\\]]',
      '*\\',
      'a[',
      '[!a]',
      '??',
      '***',
      '[a-c][b-c]',
      'a[^]',
      'a[]',
      '[a',
      '[^',
      'a[b-]',
      'a[b-]c',
      'a[-b]',
      '[-]',
      '[\\',
      '',
      'a*b*c',
      '*a*',
      '[A-a]',
    ];
    for (const pattern of patterns) {
      // Keys come back in hash-table order, which Redis leaves unspecified.
      const [[mine, theirs]] = (await clients.batch([['KEYS', pattern]])) as [[Buffer, Buffer]];
      expect(compareReplies(mine, theirs, 'unordered'), `KEYS ${pattern}`).toBeNull();
    }
  });

  it('SELECT, SWAPDB, MOVE and COPY validate database indexes like Redis', async () => {
    await sameAll(
      ['SET', 'k', 'v'],
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', 'x'],
      ['SELECT', ''],
      ['SELECT', '1.5'],
      ['SELECT', '2147483648'],
      ['SELECT', '9223372036854775808'],
      ['SWAPDB', '0', '16'],
      ['SWAPDB', '-1', '0'],
      ['SWAPDB', 'a', 'b'],
      ['SWAPDB', '0', 'b'],
      ['SWAPDB', '2147483648', '0'],
      ['SWAPDB', '0', '0'],
      ['SWAPDB', '0', '1'],
      ['GET', 'k'],
      ['SELECT', '1'],
      ['GET', 'k'],
      ['MOVE', 'k', '1'],
      ['MOVE', 'k', '16'],
      ['MOVE', 'k', 'x'],
      ['MOVE', 'k', '2147483648'],
      ['MOVE', 'k', '0'],
      ['MOVE', 'k', '0'],
      ['SELECT', '0'],
      ['COPY', 'k', 'k'],
      ['COPY', 'k', 'k', 'DB', '0'],
      ['COPY', 'k', 'k', 'DB', '1'],
      ['COPY', 'k', 'k', 'DB', '1'],
      ['COPY', 'k', 'k', 'DB', '1', 'REPLACE'],
      ['COPY', 'k', 'other', 'DB', '16'],
      ['COPY', 'k', 'other', 'DB', 'x'],
      ['COPY', 'k', 'other', 'DB', '2147483648'],
      ['COPY', 'k', 'other', 'DB'],
      ['COPY', 'k', 'other', 'REPLACE', 'FOO'],
      ['COPY', 'missing', 'other'],
      ['COPY', 'missing', 'missing'],
      ['DEBUG', 'DIGEST'],
    );
  });

  it('COPY makes a private copy of a shared small integer', async () => {
    await sameAll(
      ['SET', 'small', '5'],
      ['COPY', 'small', 'copy'],
      ['OBJECT', 'REFCOUNT', 'small'],
      ['OBJECT', 'REFCOUNT', 'copy'],
      ['OBJECT', 'ENCODING', 'copy'],
      ['RENAME', 'copy', 'renamed'],
      ['OBJECT', 'REFCOUNT', 'renamed'],
      ['INCR', 'renamed'],
      ['OBJECT', 'REFCOUNT', 'renamed'],
      ['SET', 'big', '50000'],
      ['COPY', 'big', 'bigcopy'],
      ['OBJECT', 'REFCOUNT', 'bigcopy'],
      ['APPEND', 'raw', 'x'.repeat(10)],
      ['COPY', 'raw', 'rawcopy'],
      ['OBJECT', 'ENCODING', 'rawcopy'],
    );
  });

  it('RENAME and RENAMENX handle missing and identical keys like Redis', async () => {
    await sameAll(
      ['RENAME', 'missing', 'x'],
      ['RENAMENX', 'missing', 'x'],
      ['RENAME', 'missing', 'missing'],
      ['RENAMENX', 'missing', 'missing'],
      ['SET', 'k', 'v', 'EXAT', YEAR_2100],
      ['RENAME', 'k', 'k'],
      ['RENAMENX', 'k', 'k'],
      ['SET', 'other', 'o'],
      ['RENAMENX', 'k', 'other'],
      ['RENAME', 'k', 'other'],
      ['GET', 'other'],
      ['EXPIRETIME', 'other'],
      ['EXISTS', 'k'],
    );
  });

  it('the unknown command error truncates its arguments at 128 characters and stops at NUL', async () => {
    await sameAll(
      ['x'.repeat(200), 'y'.repeat(100), 'z'.repeat(100), 'w'],
      ['FOO', '', Buffer.from('a\0b'), 'y'.repeat(125), 'qq', 'r'],
      [Buffer.from('FO\0O'), 'x'],
      ['FOO', 'c\r\nd'],
      ['FOO'],
      ['CONFIG', 'x'.repeat(200)],
      ['CONFIG', Buffer.from('NO\0PE')],
    );
  });

  it('CLIENT SETNAME refuses spaces and special characters', async () => {
    await sameAll(
      ['CLIENT', 'SETNAME', 'a b'],
      ['CLIENT', 'SETNAME', 'a\nb'],
      ['CLIENT', 'SETNAME', Buffer.from([0x61, 0x80])],
      ['CLIENT', 'SETNAME', 'fine-name'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME'],
      ['CLIENT', 'SETNAME', 'a', 'b'],
    );
  });

  it('HELLO validates its arguments, and its RESP3 reply has the shape of the real one', async () => {
    await sameAll(
      ['HELLO', '4'],
      ['HELLO', '1'],
      ['HELLO', 'abc'],
      ['HELLO', '2', 'foo'],
      ['HELLO', '3', 'AUTH', 'default'],
      ['HELLO', '3', 'AUTH', 'foo', 'bar'],
      ['HELLO', '3', 'SETNAME'],
      ['HELLO', '3', 'SETNAME', 'a b'],
    );
    // The client id is per connection: the one field allowed to differ.
    const mask = (reply: string): string => reply.replace(/(\$2\r\nid\r\n:)\d+/, '$1<id>');
    for (const args of [
      ['HELLO'],
      ['HELLO', '3'],
      ['HELLO', '3', 'AUTH', 'default', 'x', 'SETNAME', 'nm'],
      ['HELLO', '2'],
      ['HELLO', '3'],
    ]) {
      const [mine, theirs] = await clients.call(...args);
      expect(mask(mine), args.join(' ')).toBe(mask(theirs));
    }
    // Now in RESP3: nulls, maps and errors in their RESP3 forms.
    await sameAll(
      ['CLIENT', 'GETNAME'],
      ['GET', 'missing'],
      ['CONFIG', 'GET', 'hz'],
      ['MGET', 'a', 'b'],
      ['SCAN', '0'],
      ['OBJECT', 'ENCODING', 'missing'],
      ['COPY', 'a', 'b'],
      ['PING'],
      ['ECHO', 'x'],
    );
  });

  it('CLIENT subcommands validate their arguments like Redis', async () => {
    // Only replies that do not list connections: their fields (addresses,
    // ages, buffer sizes) legitimately differ between two servers.
    await sameAll(
      ['CLIENT', 'LIST', 'TYPE', 'normal', 'ID', '5'],
      ['CLIENT', 'LIST', 'ID'],
      ['CLIENT', 'LIST', 'ID', '1', 'TYPE', 'normal'],
      ['CLIENT', 'LIST', 'ID', '-5'],
      ['CLIENT', 'LIST', 'ID', '0', '99999'],
      ['CLIENT', 'LIST', 'ID', '99999', 'abc'],
      ['CLIENT', 'LIST', 'TYPE'],
      ['CLIENT', 'LIST', 'TYPE', 'normal', 'x'],
      ['CLIENT', 'LIST', 'TYPE', 'Master'],
      ['CLIENT', 'LIST', 'TYPE', 'foo'],
      ['CLIENT', 'LIST', 'FOO'],
      ['CLIENT', 'KILL', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'ID', 'abc'],
      ['CLIENT', 'KILL', 'ID', '0'],
      ['CLIENT', 'KILL', 'ID', '999999'],
      ['CLIENT', 'KILL', 'ID', '-1'],
      ['CLIENT', 'KILL', 'FOO', 'bar'],
      ['CLIENT', 'KILL', 'ID'],
      ['CLIENT', 'KILL', 'ID', '5', 'SKIPME'],
      ['CLIENT', 'KILL', 'TYPE', 'foo'],
      ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
      ['CLIENT', 'KILL', 'USER', 'nobody'],
      ['CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'yes'],
      ['CLIENT', 'KILL', 'LADDR', '1.1.1.1:1'],
      ['CLIENT', 'PAUSE', 'abc'],
      ['CLIENT', 'PAUSE', '-1'],
      ['CLIENT', 'PAUSE', '0', 'FOO'],
      ['CLIENT', 'PAUSE', '0', 'WRITE', 'x'],
      ['CLIENT', 'PAUSE', '0', 'WRITE'],
      ['CLIENT', 'UNPAUSE'],
      ['CLIENT', 'UNPAUSE', 'x'],
      ['CLIENT', 'UNBLOCK', 'abc'],
      ['CLIENT', 'UNBLOCK', '1', 'FOO'],
      ['CLIENT', 'UNBLOCK', '1', 'TIMEOUT', 'x'],
      ['CLIENT', 'UNBLOCK', '99999', 'error'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'NO-EVICT', 'off', 'x'],
      ['CLIENT', 'REPLY', 'maybe'],
      ['CLIENT', 'ID', 'x'],
      ['CLIENT', 'NOSUCH'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT'],
      ['CLIENT', 'HELP'],
      ['OBJECT', 'HELP'],
      ['OBJECT', 'HELP', 'x'],
      ['OBJECT', 'FREQ', 'missing'],
    );
  });

  it('AUTH without requirepass behaves like the nopass default user', async () => {
    await sameAll(
      ['AUTH', 'x'],
      ['AUTH', 'default', 'x'],
      ['AUTH', 'foo', 'bar'],
      ['AUTH', 'a', 'b', 'c'],
      ['AUTH'],
      ['PING'],
    );
  });

  it('CONFIG SET errors and CONFIG GET replies match Redis', async () => {
    await sameAll(
      ['CONFIG', 'SET', 'foo', 'bar'],
      ['CONFIG', 'SET', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'maxclients', 'abc'],
      ['CONFIG', 'SET', 'hz'],
      ['CONFIG', 'SET', 'hz', '10', 'hz', '20'],
      ['CONFIG', 'SET', 'hz', '10', 'foo', '20'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'foo'],
      ['CONFIG', 'SET', 'maxmemory', '1zb'],
      ['CONFIG', 'SET', 'hz', '-1'],
      ['CONFIG', 'SET', 'timeout', '-5'],
      ['CONFIG', 'SET', 'lfu-log-factor', '9999999999999'],
      ['CONFIG', 'GET'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'GET', 'nosuch'],
      ['CONFIG', 'GET', 'proto-max-bulk-len'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'GET', 'timeout'],
      ['CONFIG', 'GET', 'databases'],
      ['CONFIG', 'GET', 'appendonly'],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'GET', 'enable-debug-command'],
      ['CONFIG', 'SET', 'hz', '20'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'hz', '10'],
    );
    // Several patterns come back in dict order, which Redis leaves unspecified.
    for (const args of [['slowlog-*'], ['hz', 'timeout', 'databases'], ['maxmemory*']]) {
      const [[mine, theirs]] = (await clients.batch([['CONFIG', 'GET', ...args]])) as [
        [Buffer, Buffer],
      ];
      expect(sortedPairs(mine), `CONFIG GET ${args.join(' ')}`).toEqual(sortedPairs(theirs));
    }
  });
});

describe.skipIf(skipInterop)(
  'authentication with requirepass answered exactly as redis-server 7.0 does',
  () => {
    let servers: ServerPair;
    let clients: ClientPair;

    beforeAll(async () => {
      servers = await startPair(['--requirepass', 'secret']);
      clients = await ClientPair.connect(servers);
    });

    afterAll(async () => {
      clients?.close();
      await servers?.stop();
    });

    it('refuses commands until AUTH or HELLO AUTH succeeds', async () => {
      for (const args of [
        ['GET', 'k'],
        ['NOSUCH', 'x'],
        ['GET'],
        ['PING'],
        ['CLIENT', 'SETNAME', 'x'],
        ['HELLO'],
        ['HELLO', '3'],
        ['HELLO', '3', 'AUTH', 'default', 'wrong'],
        ['HELLO', '3', 'AUTH', 'nobody', 'secret'],
        ['AUTH', 'wrong'],
        ['AUTH', 'default', 'wrong'],
        ['AUTH', 'nobody', 'secret'],
        ['AUTH'],
        ['AUTH', 'secret'],
        ['GET', 'k'],
        ['AUTH', 'wrong'],
        ['GET', 'k'],
        ['AUTH', 'default', 'secret'],
        ['RESET'],
        ['GET', 'k'],
      ]) {
        await clients.same(...args);
      }
      const mask = (reply: string): string => reply.replace(/(\$2\r\nid\r\n:)\d+/, '$1<id>');
      const [mine, theirs] = await clients.call('HELLO', '2', 'AUTH', 'default', 'secret');
      expect(mask(mine)).toBe(mask(theirs));
      await clients.same('GET', 'k');
    });

    it('HELLO applies AUTH and SETNAME in argument order, keeping what succeeded before an error', async () => {
      const fresh = await ClientPair.connect(servers);
      try {
        // The client id is per connection: the one field allowed to differ.
        const mask = (reply: string): string => reply.replace(/(\$2\r\nid\r\n:)\d+/, '$1<id>');
        for (const args of [
          ['HELLO', '3', 'SETNAME', 'a b'],
          ['HELLO', '3', 'AUTH', 'default', 'wrong', 'SETNAME', 'a b'],
          ['HELLO', '3', 'SETNAME', 'a b', 'foo'],
          ['HELLO', '3', 'SETNAME', 'nm', 'AUTH', 'default', 'wrong'],
          ['HELLO', '3', 'SETNAME', 'ok', 'foo'],
          ['HELLO', '3', 'AUTH', 'default', 'secret', 'SETNAME', 'a b'],
          ['CLIENT', 'GETNAME'],
          ['HELLO', '3', 'AUTH', 'default', 'secret', 'foo'],
          ['PING'],
          ['HELLO', '2', 'SETNAME', 'abc'],
          ['CLIENT', 'GETNAME'],
          ['HELLO', '3', 'SETNAME', 'nm2', 'AUTH', 'default', 'wrong'],
          ['CLIENT', 'GETNAME'],
          ['GET', 'k'],
        ]) {
          const [mine, theirs] = await fresh.call(...args);
          expect(mask(mine), args.join(' ')).toBe(mask(theirs));
        }
      } finally {
        fresh.close();
      }
    });
  },
);

/** A RESP2 map reply (flat array of name/value) as sorted "name=value" lines. */
function sortedPairs(reply: Buffer): string[] {
  const lines = reply.toString('latin1').split('\r\n');
  const out: string[] = [`header ${lines[0]}`];
  for (let j = 2; j + 2 < lines.length; j += 4) out.push(`${lines[j]}=${lines[j + 2]}`);
  return out.sort();
}
