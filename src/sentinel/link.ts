import net from 'node:net';

/**
 * The sentinel's outgoing connections to the instances it watches.
 *
 * Redis's sentinel keeps, per watched instance, a "command" connection
 * (PING, INFO, PUBLISH of hellos, SENTINEL is-master-down-by-addr, the
 * failover's MULTI/REPLICAOF/EXEC) and, towards masters and replicas only, a
 * "pub/sub" connection subscribed to `__sentinel__:hello`. Replies on a
 * command connection come back in request order, so a FIFO of callbacks is
 * all the bookkeeping needed; on the pub/sub connection every reply after the
 * SUBSCRIBE is a pushed message.
 *
 * The reply parser below reads RESP2 only: the sentinel never sends HELLO 3,
 * so the peers answer in RESP2. It is small on purpose (a sentinel exchanges
 * a few replies per second per instance); the server side keeps its own fast
 * request parser, which parses commands, not replies.
 */

/** A RESP2 reply as the sentinel sees it. Bulk strings are decoded as latin1 text. */
export type Reply = string | number | null | ReplyError | Reply[];

/** An error reply (`-ERR ...`, `-LOADING ...`), kept as a value, not thrown. */
export class ReplyError {
  constructor(readonly message: string) {}
}

/** Incremental RESP2 reply parser: feed() bytes, then take whole replies. */
export class ReplyParser {
  private buffer: Buffer = Buffer.alloc(0);
  private pos = 0;

  feed(chunk: Buffer): void {
    if (this.pos >= this.buffer.length) {
      this.buffer = chunk;
    } else {
      this.buffer = Buffer.concat([this.buffer.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** The next complete reply, or undefined when more bytes are needed. Throws on bad protocol. */
  next(): Reply | undefined {
    const start = this.pos;
    const value = this.parse();
    if (value === undefined) {
      this.pos = start;
      return undefined;
    }
    return value;
  }

  private line(): string | undefined {
    const end = this.buffer.indexOf('\r\n', this.pos, 'latin1');
    if (end === -1) return undefined;
    const text = this.buffer.latin1Slice(this.pos + 1, end);
    this.pos = end + 2;
    return text;
  }

  private parse(): Reply | undefined {
    if (this.pos >= this.buffer.length) return undefined;
    const type = this.buffer[this.pos]!;
    const text = this.line();
    if (text === undefined) return undefined;
    switch (type) {
      case 0x2b: // '+'
        return text;
      case 0x2d: // '-'
        return new ReplyError(text);
      case 0x3a: // ':'
        return Number(text);
      case 0x24: {
        // '$'
        const len = Number(text);
        if (len < 0) return null;
        if (this.buffer.length - this.pos < len + 2) return undefined;
        const value = this.buffer.latin1Slice(this.pos, this.pos + len);
        this.pos += len + 2;
        return value;
      }
      case 0x2a: {
        // '*'
        const count = Number(text);
        if (count < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < count; i++) {
          const item = this.parse();
          if (item === undefined) return undefined;
          items.push(item);
        }
        return items;
      }
      default:
        throw new Error(`Protocol error: unexpected byte ${type} in reply`);
    }
  }
}

/** Encodes one command as a RESP multibulk request. */
export function encodeCommand(argv: readonly (string | number)[]): Buffer {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) {
    const s = String(a);
    out += `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
  }
  return Buffer.from(out, 'latin1');
}

type ReplyCallback = (reply: Reply) => void;

/**
 * One TCP connection to an instance. Commands are pipelined; each callback
 * fires with its reply in order. When the connection fails or closes, the
 * owner is told once through onClose and pending callbacks are dropped, as a
 * lost hiredis context drops its callbacks.
 */
export class Connection {
  private readonly socket: net.Socket;
  private readonly parser = new ReplyParser();
  private readonly callbacks: Array<ReplyCallback | null> = [];
  private closed = false;
  /** Called with every reply that has no callback waiting (pub/sub messages). */
  onPush: ((reply: Reply) => void) | null = null;
  onClose: ((reason: string) => void) | null = null;
  onConnect: (() => void) | null = null;
  connected = false;

  constructor(host: string, port: number) {
    this.socket = net.createConnection({ host, port, noDelay: true });
    this.socket.setKeepAlive(true, 15000);
    this.socket.on('connect', () => {
      this.connected = true;
      this.onConnect?.();
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.close(err.message));
    this.socket.on('close', () => this.close('connection closed'));
  }

  /** The local address of this connection: the IP peers can reach us at. */
  get localAddress(): string {
    const ip = this.socket.localAddress ?? '';
    return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  }

  get pending(): number {
    return this.callbacks.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a command; `callback` (null: reply discarded) gets its reply. */
  send(argv: readonly (string | number)[], callback: ReplyCallback | null = null): boolean {
    if (this.closed) return false;
    this.callbacks.push(callback);
    this.socket.write(encodeCommand(argv));
    return true;
  }

  /** Sends a command whose replies arrive as pushes (SUBSCRIBE). */
  sendUntracked(argv: readonly (string | number)[]): void {
    if (!this.closed) this.socket.write(encodeCommand(argv));
  }

  close(reason = 'closed by sentinel'): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.callbacks.length = 0;
    this.socket.destroy();
    this.onClose?.(reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.parser.feed(chunk);
    for (;;) {
      let reply: Reply | undefined;
      try {
        reply = this.parser.next();
      } catch (err) {
        this.close((err as Error).message);
        return;
      }
      if (reply === undefined) return;
      if (this.callbacks.length > 0) {
        const callback = this.callbacks.shift()!;
        callback?.(reply);
      } else {
        this.onPush?.(reply);
      }
      if (this.closed) return;
    }
  }
}
