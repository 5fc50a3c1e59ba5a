import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startResplica, type RunningServer } from '../helpers/processes.js';
import { RawClient } from '../helpers/resp.js';

/**
 * The built server over raw sockets: protocol errors close only the offending
 * connection, limits answer with Redis's texts, pipelines come back in order.
 */
describe('protocol handling of the running server', () => {
  let server: RunningServer;
  const clients: RawClient[] = [];

  async function connect(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startResplica([
      '--proto-max-bulk-len',
      '1mb',
      '--client-query-buffer-limit',
      '2mb',
    ]);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  it('a malformed bulk length gets one error and closes only that connection', async () => {
    const bystander = await connect();
    expect(await bystander.call('SET', 'kept', 'value')).toBe('+OK\r\n');

    const offender = await connect();
    offender.write('*1\r\n$abc\r\n');
    expect((await offender.readReply()).toString()).toBe(
      '-ERR Protocol error: invalid bulk length\r\n',
    );
    await offender.waitClosed();

    expect(await bystander.call('GET', 'kept')).toBe('$5\r\nvalue\r\n');
  });

  it('a bulk longer than proto-max-bulk-len is refused', async () => {
    const c = await connect();
    c.write(`*2\r\n$3\r\nGET\r\n$${2 * 1024 * 1024}\r\n`);
    expect((await c.readReply()).toString()).toBe('-ERR Protocol error: invalid bulk length\r\n');
    await c.waitClosed();
  });

  it('a multibulk count above 1024*1024 is refused', async () => {
    const c = await connect();
    c.write(`*${1024 * 1024 + 1}\r\n`);
    expect((await c.readReply()).toString()).toBe(
      '-ERR Protocol error: invalid multibulk length\r\n',
    );
    await c.waitClosed();
  });

  it('an inline request over 64KB without newline is refused', async () => {
    const c = await connect();
    c.write(Buffer.alloc(70 * 1024, 'a'));
    expect((await c.readReply()).toString()).toBe(
      '-ERR Protocol error: too big inline request\r\n',
    );
    await c.waitClosed();
  });

  it('unbalanced quotes in an inline request are a protocol error', async () => {
    const c = await connect();
    c.write('SET "a b\r\n');
    expect((await c.readReply()).toString()).toBe(
      '-ERR Protocol error: unbalanced quotes in request\r\n',
    );
    await c.waitClosed();
  });

  it('a query buffer above client-query-buffer-limit closes the client without touching others', async () => {
    const bystander = await connect();
    const c = await connect();
    // A command that never completes: one bulk of 900KB announced, then more
    // arguments than the 2MB query buffer limit allows to accumulate.
    const chunk = Buffer.alloc(900 * 1024, 'x');
    c.write(`*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$${chunk.length}\r\n`);
    c.write(chunk);
    c.write(`\r\n$${chunk.length}\r\n`);
    c.write(chunk);
    c.write(chunk.subarray(0, 400 * 1024));
    await c.waitClosed();
    expect(await bystander.call('PING')).toBe('+PONG\r\n');
  });

  it('inline commands work with quotes and escapes', async () => {
    const c = await connect();
    c.write('SET inline "hello\\x41 world"\r\nGET inline\r\n');
    expect((await c.readReply()).toString()).toBe('+OK\r\n');
    expect((await c.readReply()).toString()).toBe('$12\r\nhelloA world\r\n');
  });

  it('a pipeline of many commands is answered in order', async () => {
    const c = await connect();
    let batch = '';
    for (let i = 0; i < 500; i++)
      batch += `*3\r\n$3\r\nSET\r\n$${String(i).length + 2}\r\np:${i}\r\n$${String(i).length}\r\n${i}\r\n`;
    for (let i = 0; i < 500; i++)
      batch += `*2\r\n$3\r\nGET\r\n$${String(i).length + 2}\r\np:${i}\r\n`;
    c.write(batch);
    for (let i = 0; i < 500; i++) expect((await c.readReply()).toString()).toBe('+OK\r\n');
    for (let i = 0; i < 500; i++)
      expect((await c.readReply()).toString()).toBe(`$${String(i).length}\r\n${i}\r\n`);
  });

  it('binary values containing CRLF and NUL round-trip', async () => {
    const c = await connect();
    const value = Buffer.from([0, 13, 10, 255, 1, 13, 10, 0]);
    c.send('SET', Buffer.from([0xff, 0x00, 0x0d, 0x0a]), value);
    expect((await c.readReply()).toString()).toBe('+OK\r\n');
    c.send('GET', Buffer.from([0xff, 0x00, 0x0d, 0x0a]));
    expect(await c.readReply()).toEqual(
      Buffer.concat([Buffer.from('$8\r\n'), value, Buffer.from('\r\n')]),
    );
  });

  it('unknown commands and wrong arity use Redis error texts', async () => {
    const c = await connect();
    expect(await c.call('FOO', 'a', 'b')).toBe(
      "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n",
    );
    expect(await c.call('GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(await c.call('CONFIG', 'GET')).toBe(
      "-ERR wrong number of arguments for 'config|get' command\r\n",
    );
    expect(await c.call('CONFIG', 'NOPE')).toBe(
      "-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n",
    );
  });

  it('QUIT replies OK and closes', async () => {
    const c = await connect();
    expect(await c.call('QUIT')).toBe('+OK\r\n');
    await c.waitClosed();
  });
});

describe('authentication', () => {
  let server: RunningServer;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    server = await startResplica(['--requirepass', 's3cret']);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  it('requirepass gates every command but AUTH, HELLO and QUIT', async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    expect(await c.call('GET', 'x')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.call('AUTH', 'wrong')).toBe(
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
    );
    expect(await c.call('AUTH', 's3cret')).toBe('+OK\r\n');
    expect(await c.call('GET', 'x')).toBe('$-1\r\n');
  });

  it('HELLO 3 AUTH authenticates and switches to RESP3', async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    const hello = await c.call('HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'me');
    expect(hello.startsWith('%7\r\n')).toBe(true);
    expect(await c.call('GET', 'missing')).toBe('_\r\n');
    expect(await c.call('CLIENT', 'GETNAME')).toBe('$2\r\nme\r\n');
  });
});
