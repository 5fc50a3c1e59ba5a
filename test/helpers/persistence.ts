import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeCommand, type RawClient } from './resp.js';

/**
 * Helpers for the persistence tests: temp dirs, bounded polling, INFO fields,
 * log files, process exits, and a data set that covers every type and
 * encoding an RDB file can hold. Shared by the resplica-only and the
 * differential suites.
 */

/** Temp dirs made by tempDir, removed by removeTempDirs (call it in afterAll). */
const dirs: string[] = [];

export function tempDir(prefix = 'resplica-rdb-'): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Set KEEP_TEMP=1 to keep the dirs (dumps and logs) of a failing run for inspection. */
export function removeTempDirs(): void {
  if (process.env.KEEP_TEMP === '1') return;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Polls `check` every 20 ms until it holds; fails after timeoutMs naming `what`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Exit code (or signal) of a process, failing after timeoutMs. */
export function exited(proc: ChildProcess, timeoutMs = 10_000): Promise<number | NodeJS.Signals> {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  if (proc.signalCode !== null) return Promise.resolve(proc.signalCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`process ${proc.pid} still running after ${timeoutMs} ms`)),
      timeoutMs,
    );
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal!);
    });
  });
}

/** One `name:value` field of an INFO reply; throws when absent. */
export function infoField(info: string, name: string): string {
  const m = new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info);
  if (m === null) throw new Error(`no ${name} in INFO:\n${info}`);
  return m[1]!.replace(/\r$/, '');
}

/** The field names of an INFO reply, in order (section headers and blank lines left out). */
export function infoFieldNames(info: string): string[] {
  const body = info.replace(/^\$\d+\r\n/, '');
  return body
    .split('\r\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.slice(0, line.indexOf(':')));
}

export async function info(client: RawClient, section = 'persistence'): Promise<string> {
  return client.call('INFO', section);
}

/** Polls INFO until `field` has `value`. */
export async function waitInfo(
  client: RawClient,
  field: string,
  value: string,
  timeoutMs = 10_000,
): Promise<string> {
  let last = '';
  await until(
    async () => {
      last = await info(client);
      return infoField(last, field) === value;
    },
    `INFO ${field}:${value}`,
    timeoutMs,
  );
  return last;
}

/** The text of a log file, or '' while it does not exist yet. */
export function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

export async function waitLog(file: string, text: string, timeoutMs = 10_000): Promise<void> {
  await until(
    () => readLog(file).includes(text),
    `log line ${JSON.stringify(text)} in ${file}:\n${readLog(file)}`,
    timeoutMs,
  );
}

/** Sends a pipelined batch and returns every reply as latin1 text. */
export async function pipeline(
  client: RawClient,
  commands: Array<Array<string | Buffer>>,
  timeoutMs = 10_000,
): Promise<string[]> {
  const chunks: Buffer[] = [];
  for (const c of commands) chunks.push(encodeCommand(c));
  client.write(Buffer.concat(chunks));
  const out: string[] = [];
  for (let i = 0; i < commands.length; i++)
    out.push((await client.readReply(timeoutMs)).toString('latin1'));
  return out;
}

/**
 * Commands that build a data set covering every RDB type and the encodings
 * Redis 7.0 picks for it: strings (raw, binary, integer-encoded, long and
 * compressible), lists (listpack-sized and quicklist-sized), hashes, sets
 * (intset and hashtable), sorted sets (listpack and skiplist), keys with a
 * TTL far in the future, spread over databases 0, 1 and 9. Ends in db 0.
 */
export function everyTypeCommands(): Array<Array<string | Buffer>> {
  const cmds: Array<Array<string | Buffer>> = [];
  const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (const db of ['0', '1', '9']) {
    cmds.push(['SELECT', db]);
    cmds.push(['SET', `str:${db}`, `hello ${db}`]);
    cmds.push(['SET', Buffer.concat([Buffer.from('bin:'), binary]), binary]);
    cmds.push(['SET', 'int:small', '12']);
    cmds.push(['SET', 'int:neg', '-987654']);
    cmds.push(['SET', 'int:big', '9223372036854775807']);
    cmds.push(['SET', 'int:min', '-9223372036854775808']);
    cmds.push(['SET', 'int:lead0', '0123']);
    cmds.push(['SET', 'empty', '']);
    cmds.push(['SET', 'long:compressible', 'abcdefgh'.repeat(5000)]);
    cmds.push(['SET', 'long:random', Buffer.from(randomBytes(3000, Number(db) + 1))]);
    cmds.push(['RPUSH', 'list:small', 'a', 'b', '3', '-4', binary]);
    const big = Array.from({ length: 300 }, (_, i) => `item-${i}-${'x'.repeat(i % 70)}`);
    cmds.push(['RPUSH', 'list:big', ...big]);
    cmds.push(['HSET', 'hash:small', 'f1', 'v1', 'f2', '2', 'f3', '-17']);
    cmds.push(['HSET', 'hash:bin', 'f1', 'v1', 'bin', binary]);
    const hbig: string[] = [];
    for (let i = 0; i < 200; i++) hbig.push(`field${i}`, `value-${i}-${'y'.repeat(i % 90)}`);
    cmds.push(['HSET', 'hash:big', ...hbig]);
    cmds.push(['SADD', 'set:int', '1', '2', '3', '-100', '65536', '4294967296']);
    cmds.push(['SADD', 'set:str', 'a', 'b', 'c', binary]);
    cmds.push(['SADD', 'set:big', ...Array.from({ length: 600 }, (_, i) => String(i * 7))]);
    cmds.push([
      'ZADD',
      'zset:small',
      '1',
      'a',
      '2.5',
      'b',
      '-3',
      'c',
      'inf',
      'top',
      '-inf',
      'bottom',
    ]);
    const zbig: string[] = [];
    for (let i = 0; i < 200; i++) zbig.push(String(i / 3), `member-${i}`);
    cmds.push(['ZADD', 'zset:big', ...zbig]);
    cmds.push(['SET', 'ttl:str', 'expiring', 'PX', '3600000']);
    cmds.push(['RPUSH', 'ttl:list', 'a', 'b']);
    cmds.push(['EXPIRE', 'ttl:list', '7200']);
    cmds.push(['HSET', 'ttl:hash', 'f', 'v']);
    cmds.push(['PEXPIREAT', 'ttl:hash', String(Date.now() + 86_400_000)]);
  }
  cmds.push(['SELECT', '0']);
  return cmds;
}

/** Keys everyTypeCommands creates in total. */
export const EVERY_TYPE_KEYS = 3 * 23;

/** Deterministic pseudo-random bytes (incompressible payloads). */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

/** MSETs `count` keys `prefix<i>` in pipelined batches of 1000. */
export async function fillKeys(client: RawClient, count: number, prefix = 'key:'): Promise<void> {
  const batch = 1000;
  for (let start = 0; start < count; start += batch * 20) {
    const cmds: string[][] = [];
    for (let b = start; b < Math.min(count, start + batch * 20); b += batch) {
      const args = ['MSET'];
      for (let i = b; i < Math.min(count, b + batch); i++) args.push(`${prefix}${i}`, `value-${i}`);
      cmds.push(args);
    }
    const replies = await pipeline(client, cmds, 20_000);
    for (const r of replies) if (r !== '+OK\r\n') throw new Error(`MSET failed: ${r}`);
  }
}

/** Text a crashed Node process prints: a stack frame or an uncaught error. */
export function looksLikeStackTrace(output: string): boolean {
  return (
    /\n\s+at .+[:(]/.test(output) || /Uncaught|UnhandledPromiseRejection|node:internal/.test(output)
  );
}
