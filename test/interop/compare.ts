import { expect } from 'vitest';
import {
  redisServerAvailable,
  skipMessage,
  startRedis,
  startResplica,
  type RunningServer,
} from '../helpers/processes.js';
import { RawClient, replyLength } from '../helpers/resp.js';
import type { Check } from './command-generator.js';

/**
 * Shared plumbing for the interop tests: a resplica and a real redis-server
 * started side by side, and reply comparison with the few deliberate
 * loosenings (each justified in compareReplies).
 */

/** Set RESPLICA_REQUIRE_REDIS=1 (CI) to make a missing redis-server a failure, not a skip. */
export const requireRedis = process.env.RESPLICA_REQUIRE_REDIS === '1';
export const skipInterop = !redisServerAvailable && !requireRedis;
if (skipInterop) console.warn(skipMessage('redis-server'));

export interface ServerPair {
  resplica: RunningServer;
  redis: RunningServer;
  stop(): Promise<void>;
}

export async function startPair(extra: string[] = []): Promise<ServerPair> {
  if (!redisServerAvailable) {
    throw new Error(
      'RESPLICA_REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server redis-tools)',
    );
  }
  const args = ['--enable-debug-command', 'yes', ...extra];
  const [resplica, redis] = await Promise.all([startResplica(args), startRedis(args)]);
  return {
    resplica,
    redis,
    stop: async () => {
      await Promise.all([resplica.stop(), redis.stop()]);
    },
  };
}

/** One connection to each server, fed identical commands. */
export class ClientPair {
  private constructor(
    readonly resplica: RawClient,
    readonly redis: RawClient,
  ) {}

  static async connect(pair: ServerPair): Promise<ClientPair> {
    const [a, b] = await Promise.all([
      RawClient.connect(pair.resplica.port),
      RawClient.connect(pair.redis.port),
    ]);
    return new ClientPair(a, b);
  }

  /** Sends one pipelined batch to both servers; resolves to [resplica, redis] replies. */
  async batch(commands: Array<Array<string | Buffer>>): Promise<Array<[Buffer, Buffer]>> {
    for (const args of commands) this.resplica.send(...args);
    for (const args of commands) this.redis.send(...args);
    const read = async (client: RawClient): Promise<Buffer[]> => {
      const out: Buffer[] = [];
      for (let i = 0; i < commands.length; i++) out.push(await client.readReply());
      return out;
    };
    const [mine, theirs] = await Promise.all([read(this.resplica), read(this.redis)]);
    return mine.map((reply, i) => [reply, theirs[i]!]);
  }

  async call(...args: Array<string | Buffer>): Promise<[string, string]> {
    const [[mine, theirs]] = (await this.batch([args])) as [[Buffer, Buffer]];
    return [mine.toString('latin1'), theirs.toString('latin1')];
  }

  /** Asserts both servers answer `args` with the same bytes. */
  async same(...args: Array<string | Buffer>): Promise<string> {
    const [mine, theirs] = await this.call(...args);
    expect(mine, `reply to ${args.map((a) => JSON.stringify(a.toString())).join(' ')}`).toBe(
      theirs,
    );
    return theirs;
  }

  close(): void {
    this.resplica.close();
    this.redis.close();
  }
}

/** Splits an aggregate reply into its header and its elements' raw bytes. */
export function splitAggregate(reply: Buffer): { header: string; elements: Buffer[] } | null {
  const type = reply[0];
  if (type !== 0x2a /* * */ && type !== 0x7e /* ~ */) return null;
  const eol = reply.indexOf('\r\n');
  const header = reply.toString('latin1', 0, eol + 2);
  const elements: Buffer[] = [];
  let pos = eol + 2;
  while (pos < reply.length) {
    const len = replyLength(reply, pos);
    if (len === -1) return null;
    elements.push(reply.subarray(pos, pos + len));
    pos += len;
  }
  return { header, elements };
}

/** BigInt, so deadlines near the int64 limit compare exactly. */
function integerReply(reply: Buffer): bigint | null {
  const text = reply.toString('latin1');
  const m = /^:(-?\d+)\r\n$/.exec(text);
  return m === null ? null : BigInt(m[1]!);
}

/** A reply for a failure message, cut short: a runaway value must not flood the log. */
export function showReply(reply: Buffer): string {
  const text = JSON.stringify(reply.toString('latin1', 0, Math.min(reply.length, 300)));
  return reply.length > 300 ? `${text}... (${reply.length} bytes)` : text;
}

/** Null bulk in RESP2, null in RESP3. */
export function isNullReply(reply: Buffer): boolean {
  const text = reply.toString('latin1');
  return text === '$-1\r\n' || text === '_\r\n';
}

/**
 * Null when the replies agree under `check`, else a description of the
 * difference. The loosened checks, and why they cannot be exact:
 * - ttl-seconds / ttl-ms: a relative expiry is computed from each server's
 *   own clock when the command arrives, and the two servers see a pipelined
 *   batch a few milliseconds apart. -1 and -2 (no TTL, no key) must match
 *   exactly; remaining times may differ by a second (or 1000 ms).
 * - unordered: KEYS returns keys in hash-table order, which Redis leaves
 *   unspecified; the same multiset of keys must come back.
 * - presence: RANDOMKEY picks at random; both must agree on nil vs a key.
 */
export function compareReplies(mine: Buffer, theirs: Buffer, check: Check): string | null {
  if (mine.equals(theirs)) return null;
  const show = `resplica ${showReply(mine)} vs redis ${showReply(theirs)}`;
  switch (check) {
    case 'exact':
      return show;
    case 'ttl-seconds':
    case 'ttl-ms': {
      const a = integerReply(mine);
      const b = integerReply(theirs);
      if (a === null || b === null || a < 0n || b < 0n) return show;
      const tolerance = check === 'ttl-ms' ? 1000n : 1n;
      return a - b <= tolerance && b - a <= tolerance ? null : show;
    }
    case 'unordered': {
      const a = splitAggregate(mine);
      const b = splitAggregate(theirs);
      if (a === null || b === null || a.header !== b.header) return show;
      const sort = (xs: Buffer[]): string[] => xs.map((x) => x.toString('latin1')).sort();
      return JSON.stringify(sort(a.elements)) === JSON.stringify(sort(b.elements)) ? null : show;
    }
    case 'presence':
      return isNullReply(mine) === isNullReply(theirs) && mine[0] === theirs[0] ? null : show;
  }
}
