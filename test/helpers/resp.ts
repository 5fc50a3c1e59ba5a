import net from 'node:net';

/**
 * A raw RESP client for tests: sends commands as multibulk and returns each
 * reply's exact bytes, so differential tests can compare servers byte for byte.
 */

export function encodeCommand(args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Length of the first complete reply in buf, or -1 if incomplete. */
export function replyLength(buf: Buffer, start = 0): number {
  if (start >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', start);
  if (eol === -1) return -1;
  const type = String.fromCharCode(buf[start]!);
  const header = buf.toString('latin1', start + 1, eol);
  const afterHeader = eol + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return afterHeader - start;
    case '$':
    case '=':
    case '!': {
      const n = Number(header);
      if (n < 0) return afterHeader - start;
      if (buf.length < afterHeader + n + 2) return -1;
      return afterHeader + n + 2 - start;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let n = Number(header);
      if (n < 0) return afterHeader - start;
      if (type === '%' || type === '|') n *= 2;
      let pos = afterHeader;
      for (let i = 0; i < n; i++) {
        const len = replyLength(buf, pos);
        if (len === -1) return -1;
        pos += len;
      }
      return pos - start;
    }
    default:
      throw new Error(
        `bad reply type ${JSON.stringify(type)} in ${JSON.stringify(buf.toString('latin1', start, Math.min(buf.length, start + 40)))}`,
      );
  }
}

export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  send(...args: Array<string | Buffer>): void {
    this.socket.write(encodeCommand(args));
  }

  /** Next complete reply as raw bytes; rejects after timeoutMs or on close. */
  async readReply(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const len = this.buffer.length > 0 ? replyLength(this.buffer) : -1;
      if (len !== -1) {
        const reply = this.buffer.subarray(0, len);
        this.buffer = this.buffer.subarray(len);
        return Buffer.from(reply);
      }
      if (this.closed)
        throw new Error(`connection closed (pending: ${JSON.stringify(this.buffer.toString())})`);
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(
          `timed out waiting for a reply (pending: ${JSON.stringify(this.buffer.toString())})`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async call(...args: Array<string | Buffer>): Promise<string> {
    this.send(...args);
    return (await this.readReply()).toString('latin1');
  }

  /** Resolves once the server has closed the connection (bounded wait). */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Everything received and not yet consumed as a reply. */
  pending(): Buffer {
    return this.buffer;
  }

  close(): void {
    this.socket.destroy();
  }
}
