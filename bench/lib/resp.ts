/**
 * A minimal RESP client for the benchmarks: replies are matched to requests
 * in order, which is all a benchmark needs. Buffers in, latin1 strings out
 * (values are ASCII). Shared by bench/persistence.ts and bench/replication.ts.
 */
import net from 'node:net';
import Denque from 'denque';

export class RespError {
  constructor(readonly message: string) {}
}

export type Reply = string | number | null | RespError | Reply[];

const INCOMPLETE = Symbol('incomplete');
let parsedEnd = 0;

/** Parses one reply at `pos`; sets `parsedEnd` past it, or returns INCOMPLETE. */
function parseReply(buf: Buffer, pos: number): Reply | typeof INCOMPLETE {
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol === -1) return INCOMPLETE;
  const type = buf[pos];
  const line = buf.toString('latin1', pos + 1, eol);
  switch (type) {
    case 0x2b: // '+'
      parsedEnd = eol + 2;
      return line;
    case 0x2d: // '-'
      parsedEnd = eol + 2;
      return new RespError(line);
    case 0x3a: // ':'
      parsedEnd = eol + 2;
      return Number(line);
    case 0x24: {
      // '$'
      const n = Number(line);
      if (n < 0) {
        parsedEnd = eol + 2;
        return null;
      }
      if (buf.length < eol + 2 + n + 2) return INCOMPLETE;
      parsedEnd = eol + 2 + n + 2;
      return buf.toString('latin1', eol + 2, eol + 2 + n);
    }
    case 0x2a: {
      // '*'
      const n = Number(line);
      if (n < 0) {
        parsedEnd = eol + 2;
        return null;
      }
      const items: Reply[] = [];
      let p = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, p);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item);
        p = parsedEnd;
      }
      parsedEnd = p;
      return items;
    }
    default:
      throw new Error(`unexpected reply type ${String(type)}`);
  }
}

export function encode(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

/** A request (or a pipelined batch) waiting for `remaining` replies. */
export interface Waiter {
  remaining: number;
  errors: number;
  firstError: string | null;
  last: Reply;
  resolve(w: Waiter): void;
  reject(err: Error): void;
}

export class Conn {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiters = new Denque<Waiter>();
  private closed: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', reject);
        resolve(new Conn(s));
      });
      s.once('error', reject);
    });
  }

  /** One command; resolves with its reply (errors included, as RespError). */
  async call(args: readonly string[], timeoutMs = 600_000): Promise<Reply> {
    const w = await this.send(encode(args), 1, timeoutMs);
    return w.last;
  }

  /** Sends `payload` holding `count` commands; resolves when all replied. */
  send(payload: string, count: number, timeoutMs = 600_000): Promise<Waiter> {
    if (this.closed !== null) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no reply within ${timeoutMs} ms`));
        this.close();
      }, timeoutMs);
      this.waiters.push({
        remaining: count,
        errors: 0,
        firstError: null,
        last: null,
        resolve: (w) => {
          clearTimeout(timer);
          resolve(w);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.socket.write(payload, 'latin1');
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const buf = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let pos = 0;
    while (pos < buf.length) {
      const reply = parseReply(buf, pos);
      if (reply === INCOMPLETE) break;
      pos = parsedEnd;
      const w = this.waiters.peekFront();
      if (w === undefined) continue; // unsolicited; cannot happen without pub/sub
      w.last = reply;
      if (reply instanceof RespError) {
        w.errors++;
        if (w.firstError === null) w.firstError = reply.message;
      }
      if (--w.remaining === 0) {
        this.waiters.shift();
        w.resolve(w);
      }
    }
    this.buffer = pos === buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  }

  private fail(err: Error): void {
    if (this.closed !== null) return;
    this.closed = err;
    for (let w = this.waiters.shift(); w !== undefined; w = this.waiters.shift()) w.reject(err);
  }
}

export function replyText(r: Reply): string {
  if (r instanceof RespError) return `-${r.message}`;
  if (Array.isArray(r)) return `[${r.map(replyText).join(', ')}]`;
  return String(r);
}

/** The value of `field` in an INFO reply, or null. */
export function infoField(info: Reply, field: string): string | null {
  if (typeof info !== 'string') return null;
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return m === null ? null : m[1]!.trim();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
