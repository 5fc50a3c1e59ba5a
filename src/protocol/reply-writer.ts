import type { Socket } from 'node:net';

/**
 * Encodes replies for one client, RESP2 or RESP3, into a reusable buffer that is
 * handed to the socket once per batch (one write per read of pipelined requests).
 *
 * Why a reusable buffer is safe: after `socket.write(view)`, a writableLength of
 * zero means libuv copied the bytes to the kernel synchronously, so the buffer is
 * ours again. When the write was queued instead, the queued view still points
 * into the buffer, so we abandon it and allocate a fresh one next time.
 *
 * Large bulk values are not copied: the stored Buffer is queued as its own chunk.
 * Stored strings are never mutated in place where a queued view could see it
 * (see commands/strings.ts for APPEND's capacity trick, which only writes past
 * the end of every earlier view).
 */

const CHUNK_SIZE = 16 * 1024;
/** Bulk values at least this long are queued by reference rather than copied. */
const ZERO_COPY_THRESHOLD = 4 * 1024;

const CRLF = Buffer.from('\r\n');
const SHARED_INTEGERS: Buffer[] = [];
for (let i = 0; i < 10000; i++) SHARED_INTEGERS.push(Buffer.from(`:${i}\r\n`));

export type RespVersion = 2 | 3;

export class ReplyWriter {
  resp: RespVersion = 2;
  /** Bytes handed to the socket so far (INFO total_net_output_bytes). */
  bytesFlushed = 0;
  /** Error replies written so far; the dispatcher compares it around a call. */
  errorCount = 0;
  /**
   * CLIENT REPLY OFF/SKIP: while set, nothing is encoded. Checked on entry to
   * every public encoder so a silenced command leaves no bytes behind.
   */
  muted = false;
  /** Told each error code (`ERR`, `WRONGTYPE`) and its whole text, for INFO errorstats and logs. */
  onError: ((code: string, message: string) => void) | null = null;

  private buf: Buffer | null = null;
  private start = 0;
  private pos = 0;
  /** Sealed chunks (views and zero-copy values) waiting for the next flush. */
  private pending: Buffer[] = [];
  private pendingSize = 0;

  /** Bytes encoded but not yet flushed. */
  get bufferedBytes(): number {
    return this.pendingSize + (this.pos - this.start);
  }

  /** Size of the idle buffer kept for reuse (CLIENT LIST `rbs`-like accounting). */
  get bufferCapacity(): number {
    return this.buf === null ? 0 : this.buf.length;
  }

  /** Drops the idle buffer; the cron calls this for clients that went quiet. */
  releaseIdleBuffer(): void {
    if (this.bufferedBytes === 0) {
      this.buf = null;
      this.start = this.pos = 0;
    }
  }

  /** Discards everything not yet flushed (CLIENT REPLY OFF, a killed client). */
  discard(): void {
    this.pending = [];
    this.pendingSize = 0;
    this.pos = this.start;
  }

  simple(text: string): void {
    if (this.muted) return;
    this.ensure(text.length + 3);
    const b = this.buf!;
    b[this.pos++] = 0x2b; // +
    this.pos += b.write(text, this.pos, 'latin1');
    b[this.pos++] = 0x0d;
    b[this.pos++] = 0x0a;
  }

  ok(): void {
    if (this.muted) return;
    this.raw(OK);
  }

  /**
   * An error reply; `text` starts with the error code (`ERR ...`, `WRONGTYPE ...`).
   * Newlines would break the protocol, so they are replaced as Redis does.
   */
  error(text: string): void {
    const clean =
      text.indexOf('\n') === -1 && text.indexOf('\r') === -1 ? text : text.replace(/[\r\n]/g, ' ');
    this.errorCount++;
    if (this.onError !== null) {
      const space = clean.indexOf(' ');
      this.onError(space === -1 ? clean : clean.slice(0, space), clean);
    }
    if (this.muted) return;
    // latin1: user bytes quoted in errors go back out exactly as received.
    const bytes = Buffer.from(clean, 'latin1');
    this.ensure(bytes.length + 3);
    const b = this.buf!;
    b[this.pos++] = 0x2d; // -
    this.pos += bytes.copy(b, this.pos);
    b[this.pos++] = 0x0d;
    b[this.pos++] = 0x0a;
  }

  integer(n: number): void {
    if (this.muted) return;
    if (n >= 0 && n < 10000 && Number.isInteger(n)) {
      this.raw(SHARED_INTEGERS[n]!);
      return;
    }
    this.line(0x3a, n); // :
  }

  bigInteger(n: bigint): void {
    if (this.muted) return;
    const s = n.toString();
    this.ensure(s.length + 3);
    const b = this.buf!;
    b[this.pos++] = 0x3a;
    this.pos += b.write(s, this.pos, 'latin1');
    b[this.pos++] = 0x0d;
    b[this.pos++] = 0x0a;
  }

  bulk(value: Buffer): void {
    if (this.muted) return;
    const len = value.length;
    if (len >= ZERO_COPY_THRESHOLD) {
      this.line(0x24, len);
      this.seal();
      this.pending.push(value);
      this.pendingSize += len;
      this.raw(CRLF);
      return;
    }
    this.ensure(len + 16);
    const b = this.buf!;
    this.pos = writeHeader(b, this.pos, 0x24, len);
    if (len > 0) {
      this.pos += value.copy(b, this.pos);
    }
    b[this.pos++] = 0x0d;
    b[this.pos++] = 0x0a;
  }

  /** A bulk string from JS text (UTF-8 encoded). */
  bulkString(text: string): void {
    this.bulk(Buffer.from(text, 'utf8'));
  }

  /** Null bulk string: `$-1` in RESP2, `_` in RESP3. */
  nullBulk(): void {
    if (this.muted) return;
    this.raw(this.resp === 2 ? NULL_BULK : NULL3);
  }

  /** Null array: `*-1` in RESP2, `_` in RESP3. */
  nullArray(): void {
    if (this.muted) return;
    this.raw(this.resp === 2 ? NULL_ARRAY : NULL3);
  }

  arrayHeader(n: number): void {
    if (this.muted) return;
    this.line(0x2a, n); // *
  }

  /** A map of n pairs: `%n` in RESP3, a flat array of 2n in RESP2. */
  mapHeader(n: number): void {
    if (this.muted) return;
    if (this.resp === 3) this.line(0x25, n);
    else this.line(0x2a, n * 2);
  }

  /** `~n` in RESP3, a plain array in RESP2. */
  setHeader(n: number): void {
    if (this.muted) return;
    this.line(this.resp === 3 ? 0x7e : 0x2a, n);
  }

  /** Out-of-band messages (pub/sub): `>n` in RESP3, a plain array in RESP2. */
  pushHeader(n: number): void {
    if (this.muted) return;
    this.line(this.resp === 3 ? 0x3e : 0x2a, n);
  }

  /** A double: `,` in RESP3, a bulk string in RESP2 (text as Redis formats it). */
  double(text: string): void {
    if (this.muted) return;
    if (this.resp === 3) {
      this.ensure(text.length + 3);
      const b = this.buf!;
      b[this.pos++] = 0x2c;
      this.pos += b.write(text, this.pos, 'latin1');
      b[this.pos++] = 0x0d;
      b[this.pos++] = 0x0a;
    } else {
      this.bulkString(text);
    }
  }

  /** `#t`/`#f` in RESP3, integers 1/0 in RESP2. */
  boolean(value: boolean): void {
    if (this.muted) return;
    if (this.resp === 3) this.raw(value ? TRUE3 : FALSE3);
    else this.integer(value ? 1 : 0);
  }

  /** Verbatim text (INFO, CLIENT LIST): `=len\r\ntxt:...` in RESP3, bulk in RESP2. */
  verbatim(text: string): void {
    if (this.muted) return;
    if (this.resp === 3) {
      const body = Buffer.from(text, 'utf8');
      this.line(0x3d, body.length + 4);
      this.raw(TXT_PREFIX);
      this.raw(body);
      this.raw(CRLF);
    } else {
      this.bulkString(text);
    }
  }

  /** Already-encoded protocol bytes. */
  raw(bytes: Buffer): void {
    if (this.muted) return;
    const len = bytes.length;
    if (len >= ZERO_COPY_THRESHOLD) {
      this.seal();
      this.pending.push(bytes);
      this.pendingSize += len;
      return;
    }
    this.ensure(len);
    this.pos += bytes.copy(this.buf!, this.pos);
  }

  /**
   * Hands everything encoded so far to the socket. Returns the number of bytes
   * written. The caller checks `socket.writableLength` against the output
   * buffer limits.
   */
  flush(socket: Socket): number {
    let written = 0;
    let reusable: boolean;
    const backedUp = socket.writableLength > 0;
    if (this.pending.length === 0) {
      if (this.pos === this.start) return 0;
      const view = this.buf!.subarray(this.start, this.pos);
      written = view.length;
      if (backedUp) {
        // The write will be queued: copy the few bytes so the big reusable
        // buffer is not pinned behind a slow reader.
        socket.write(Buffer.from(view));
        reusable = true;
      } else {
        socket.write(view);
        reusable = socket.writableLength === 0;
      }
    } else {
      this.seal();
      socket.cork();
      for (const chunk of this.pending) {
        socket.write(chunk);
        written += chunk.length;
      }
      socket.uncork();
      this.pending = [];
      this.pendingSize = 0;
      reusable = socket.writableLength === 0;
    }
    this.bytesFlushed += written;
    // A queued write still references the buffer: leave it to the write.
    if (!reusable) this.buf = null;
    this.start = this.pos = 0;
    return written;
  }

  private line(prefix: number, n: number): void {
    this.ensure(24);
    this.pos = writeHeader(this.buf!, this.pos, prefix, n);
  }

  private seal(): void {
    if (this.buf !== null && this.pos > this.start) {
      const view = this.buf.subarray(this.start, this.pos);
      this.pending.push(view);
      this.pendingSize += view.length;
      this.start = this.pos;
    }
  }

  private ensure(n: number): void {
    if (this.buf !== null && this.pos + n <= this.buf.length) return;
    this.seal();
    this.buf = Buffer.allocUnsafeSlow(Math.max(CHUNK_SIZE, n));
    this.start = this.pos = 0;
  }
}

const OK = Buffer.from('+OK\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const NULL3 = Buffer.from('_\r\n');
const TRUE3 = Buffer.from('#t\r\n');
const FALSE3 = Buffer.from('#f\r\n');
const TXT_PREFIX = Buffer.from('txt:');

/** Writes `<prefix><n>\r\n` without allocating a string for safe integers. */
function writeHeader(b: Buffer, pos: number, prefix: number, n: number): number {
  b[pos++] = prefix;
  if (n >= 0 && n < 10) {
    b[pos++] = 0x30 + n;
  } else if (Number.isSafeInteger(n)) {
    let v = n;
    if (v < 0) {
      b[pos++] = 0x2d;
      v = -v;
    }
    pos += writeDigits(b, pos, v);
  } else {
    pos += b.write(String(n), pos, 'latin1');
  }
  b[pos++] = 0x0d;
  b[pos++] = 0x0a;
  return pos;
}

/** Decimal digits of a non-negative safe integer at `pos`; returns their count. */
export function writeDigits(b: Buffer, pos: number, v: number): number {
  let len = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) len++;
  let p = pos + len - 1;
  do {
    b[p--] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
  return len;
}

/** An integer's decimal text as a new Buffer, without a string in between. */
export function integerBuffer(n: number): Buffer {
  const negative = n < 0;
  const v = negative ? -n : n;
  let len = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) len++;
  const b = Buffer.allocUnsafe(negative ? len + 1 : len);
  if (negative) b[0] = 0x2d;
  writeDigits(b, negative ? 1 : 0, v);
  return b;
}
