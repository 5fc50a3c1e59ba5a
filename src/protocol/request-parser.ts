/**
 * Server-side RESP request parser: turns the bytes a client sends into
 * argument vectors, with the exact limits and error texts of Redis 7.0
 * (networking.c, processMultibulkBuffer and processInlineBuffer).
 *
 * Two request forms exist. A multibulk request is `*<count>\r\n` followed by
 * <count> bulk strings `$<len>\r\n<bytes>\r\n`; every client library uses it.
 * Anything not starting with '*' is an inline request: one line ending in
 * "\n" or "\r\n", split like a redis.conf line (telnet, PING_INLINE).
 *
 * Quirks of Redis that are reproduced on purpose, because a client may
 * depend on them or a test may pin them:
 * - A header line ends at the first '\r', and the byte after it is skipped
 *   without being checked; the two bytes after bulk data are skipped the same
 *   way. So "*1\rX$4\rXPINGYY" is a valid PING.
 * - `*0` and `*-N` are accepted and produce no command; so does an empty or
 *   all-blank inline line.
 * - Redis finds line ends with strchr, which stops at a NUL byte. A header or
 *   inline line holding a NUL before its end is therefore never seen as
 *   complete: Redis waits until more than 64KB are buffered and then replies
 *   "too big ... ". We do the same instead of reporting a different error.
 *
 * One deliberate difference: Redis applies the 64KB line limit only to what
 * a single read(2) happened to deliver, so a longer inline line may or may
 * not be accepted depending on timing. Here a line longer than 64KB is always
 * refused, which is what Redis does when the line arrives in small reads. That
 * keeps the outcome independent of how the stream is chunked.
 *
 * Performance: the common case, a whole canonical multibulk command inside the
 * current chunk, is parsed by one straight-line pass (parseWhole) that returns
 * views into the chunk. Everything else (commands spanning chunks, inline
 * requests, errors) goes through an incremental state machine (step) that
 * keeps finished arguments as views and joins the pieces of a value spanning
 * chunks once, when it is complete, so a large value costs O(n).
 */

import { splitArgs } from './split-args.js';

/** Thrown for malformed input; `message` is the reply text without the leading '-'. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/**
 * Largest accepted multibulk count. This is the limit of older Redis versions;
 * Redis 7.0 accepts up to INT_MAX (2147483647), growing argv as arguments
 * arrive, which this parser could do too since it never preallocates.
 */
export const MAX_MULTIBULK_LEN = 1024 * 1024;
/** PROTO_INLINE_MAX_SIZE: longest inline request or header line. */
export const MAX_INLINE_LEN = 64 * 1024;

/** Limits Redis applies while the connection still has to authenticate. */
const UNAUTH_MAX_MULTIBULK = 10;
const UNAUTH_MAX_BULK = 16384;

const ERR_INVALID_MBULK = 'ERR Protocol error: invalid multibulk length';
const ERR_INVALID_BULK = 'ERR Protocol error: invalid bulk length';
const ERR_UNAUTH_MBULK = 'ERR Protocol error: unauthenticated multibulk length';
const ERR_UNAUTH_BULK = 'ERR Protocol error: unauthenticated bulk length';
const ERR_MBULK_TOO_BIG = 'ERR Protocol error: too big mbulk count string';
const ERR_BULK_TOO_BIG = 'ERR Protocol error: too big bulk count string';
const ERR_INLINE_TOO_BIG = 'ERR Protocol error: too big inline request';
const ERR_UNBALANCED = 'ERR Protocol error: unbalanced quotes in request';

const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;

const EMPTY = Buffer.alloc(0);
/** Returned by step() for a request that carries no command; compared by identity. */
const SKIPPED: Buffer[] = [];

/**
 * Where the incremental parser is:
 * - idle: at the first byte of a request;
 * - count: reading the `*<count>` line;
 * - bulkHeader: reading a `$<len>` line;
 * - bulkData: reading the bytes of a bulk and the two bytes after them;
 * - inline: reading an inline line;
 * - discard: a line held a NUL; swallowing input until the 64KB limit trips.
 */
type State = 'idle' | 'count' | 'bulkHeader' | 'bulkData' | 'inline' | 'discard';

export class RequestParser {
  /** proto-max-bulk-len; read at each bulk header, so CONFIG SET applies at once. */
  maxBulkLen: number;
  /**
   * Set by the server while the client still has to AUTH. Redis then refuses
   * more than 10 arguments or a bulk over 16KB as soon as the header arrives,
   * so an unauthenticated client cannot make the server buffer much. The
   * server must update it between next() calls, as Redis re-checks it for
   * every command of a pipeline.
   */
  authRequired = false;

  private state: State = 'idle';
  /** Chunk being parsed and the read position in it. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Chunks fed while `buf` still had unparsed bytes; read from `queueHead`. */
  private queue: Buffer[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  /** Start of the unreturned request in `buf`, and its bytes in earlier chunks. */
  private cmdStart = 0;
  private carried = 0;

  /** Arguments of the multibulk request being assembled, and how many are missing. */
  private args: Buffer[] = [];
  private argsLeft = 0;

  /** Pieces of a line spanning chunks; `lineAwaitsByte` when the chunk ended right after '\r'. */
  private lineParts: Buffer[] = [];
  private lineLen = 0;
  private lineAwaitsByte = false;

  /** Bulk being read: its length, pieces so far, and how many trailing bytes are left to skip. */
  private bulkLen = 0;
  private bulkGot = 0;
  private bulkParts: Buffer[] = [];
  private trailLeft = 0;

  /** For the discard state: bytes seen since the poisoned line began, and the error to raise. */
  private discardCount = 0;
  private discardError = '';

  private error: ProtocolError | null = null;

  constructor(maxBulkLen: number) {
    this.maxBulkLen = maxBulkLen;
  }

  /** Appends bytes read from the socket. The chunk is kept, not copied: do not reuse it. */
  feed(chunk: Buffer): void {
    if (this.error !== null || chunk.length === 0) return;
    if (this.pos >= this.buf.length && this.queueHead === this.queue.length) {
      this.carried += this.buf.length - this.cmdStart;
      this.buf = chunk;
      this.pos = 0;
      this.cmdStart = 0;
    } else {
      this.queue.push(chunk);
      this.queuedBytes += chunk.length;
    }
  }

  /**
   * The next complete command, or null when more bytes are needed. Arguments
   * may be views of fed chunks: copy what must outlive the chunk's owner.
   */
  next(): Buffer[] | null {
    if (this.error !== null) throw this.error;
    for (;;) {
      if (this.pos >= this.buf.length) {
        if (this.queueHead === this.queue.length) return null;
        this.advance();
      }
      if (this.state === 'idle' && !this.authRequired) {
        const whole = this.parseWhole();
        if (whole !== null) return whole;
      }
      const cmd = this.step();
      if (cmd === SKIPPED) continue;
      if (cmd !== null) return cmd;
    }
  }

  /**
   * Bytes fed and not yet returned as commands, for the client-query-buffer-limit
   * check. Unlike Redis's qbuf it includes the finished arguments of an
   * incomplete command (Redis has already moved those to argv).
   */
  get pendingBytes(): number {
    return this.carried + (this.buf.length - this.cmdStart) + this.queuedBytes;
  }

  /**
   * Copies every byte still referenced from fed chunks into memory the parser
   * owns. The server reads all sockets into one shared buffer and calls this
   * after draining a read, so a partial command survives the next read into
   * that buffer. Cost is proportional to the unconsumed bytes only.
   */
  detach(): void {
    if (this.cmdStart >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
      this.cmdStart = 0;
    } else {
      const base = this.cmdStart;
      this.buf = Buffer.from(this.buf.subarray(base));
      this.pos -= base;
      this.cmdStart = 0;
    }
    for (let i = this.queueHead; i < this.queue.length; i++)
      this.queue[i] = Buffer.from(this.queue[i]!);
    for (let i = 0; i < this.args.length; i++) this.args[i] = Buffer.from(this.args[i]!);
    for (let i = 0; i < this.lineParts.length; i++)
      this.lineParts[i] = Buffer.from(this.lineParts[i]!);
    for (let i = 0; i < this.bulkParts.length; i++)
      this.bulkParts[i] = Buffer.from(this.bulkParts[i]!);
  }

  /** True when bytes of fed chunks are still referenced (detach() would copy). */
  get holdsInput(): boolean {
    return (
      this.cmdStart < this.buf.length ||
      this.queueHead < this.queue.length ||
      this.args.length > 0 ||
      this.lineParts.length > 0 ||
      this.bulkParts.length > 0
    );
  }

  private advance(): void {
    this.carried += this.buf.length - this.cmdStart;
    const next = this.queue[this.queueHead]!;
    this.queueHead++;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    this.queuedBytes -= next.length;
    this.buf = next;
    this.pos = 0;
    this.cmdStart = 0;
  }

  /**
   * Fast path: parses a canonical multibulk request lying wholly in `buf` at
   * `pos`, returning views of its arguments. Returns null, having changed
   * nothing, for anything else; step() then handles it (or reports the error),
   * so this function only has to accept exactly what step() would accept.
   */
  private parseWhole(): Buffer[] | null {
    const buf = this.buf;
    const end = buf.length;
    let p = this.pos;
    if (buf[p] !== STAR) return null;
    p++;
    if (p >= end) return null;
    let c = buf[p]!;
    if (c < 0x31 || c > 0x39) return null;
    let n = c - 0x30;
    for (;;) {
      p++;
      if (p >= end) return null;
      c = buf[p]!;
      if (c < 0x30 || c > 0x39) break;
      n = n * 10 + (c - 0x30);
    }
    // The smallest bulk, "$0\r\n\r\n", takes 6 bytes: a count that cannot fit
    // is incomplete, and must not allocate an array from an untrusted count.
    if (c !== CR || n > MAX_MULTIBULK_LEN || n * 6 > end - p - 2) return null;
    p += 2;
    const maxBulkLen = this.maxBulkLen;
    const args: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      if (p >= end || buf[p] !== DOLLAR) return null;
      p++;
      if (p >= end) return null;
      c = buf[p]!;
      let len: number;
      if (c === 0x30) {
        len = 0;
        p++;
        if (p >= end) return null;
        c = buf[p]!;
      } else if (c >= 0x31 && c <= 0x39) {
        len = c - 0x30;
        for (;;) {
          p++;
          if (p >= end) return null;
          c = buf[p]!;
          if (c < 0x30 || c > 0x39) break;
          len = len * 10 + (c - 0x30);
        }
      } else {
        return null;
      }
      if (c !== CR || len > maxBulkLen) return null;
      p += 2;
      const stop = p + len;
      if (stop + 2 > end) return null;
      args.push(buf.subarray(p, stop));
      p = stop + 2;
    }
    this.pos = p;
    this.cmdStart = p;
    return args;
  }

  /**
   * Runs the state machine over the rest of `buf`. Returns a command,
   * SKIPPED for a request without one, or null once `buf` is used up.
   */
  private step(): Buffer[] | null {
    const buf = this.buf;
    const end = buf.length;
    while (this.pos < end) {
      switch (this.state) {
        case 'idle':
          this.state = buf[this.pos] === STAR ? 'count' : 'inline';
          break;

        case 'count': {
          const line = this.readLine(true, ERR_MBULK_TOO_BIG);
          if (line === null) return null;
          const n = parseLongLong(line, 1, line.length);
          if (Number.isNaN(n) || n > MAX_MULTIBULK_LEN) {
            this.discardOrFail(line, 2, ERR_INVALID_MBULK, ERR_MBULK_TOO_BIG);
            break;
          }
          if (n > UNAUTH_MAX_MULTIBULK && this.authRequired) throw this.fail(ERR_UNAUTH_MBULK);
          if (n <= 0) {
            this.finishRequest();
            return SKIPPED;
          }
          this.argsLeft = n;
          this.state = 'bulkHeader';
          break;
        }

        case 'bulkHeader': {
          const line = this.readLine(true, ERR_BULK_TOO_BIG);
          if (line === null) return null;
          if (line.length === 0 || line[0] !== DOLLAR) {
            // An empty line means the '\r' itself stood where '$' belongs.
            this.discardOrFail(
              line,
              2,
              expectedDollar(line.length === 0 ? CR : line[0]!),
              ERR_BULK_TOO_BIG,
            );
            break;
          }
          const len = parseLongLong(line, 1, line.length);
          if (Number.isNaN(len) || len < 0 || len > this.maxBulkLen) {
            this.discardOrFail(line, 2, ERR_INVALID_BULK, ERR_BULK_TOO_BIG);
            break;
          }
          if (len > UNAUTH_MAX_BULK && this.authRequired) throw this.fail(ERR_UNAUTH_BULK);
          this.bulkLen = len;
          this.bulkGot = 0;
          this.trailLeft = 2;
          this.state = 'bulkData';
          break;
        }

        case 'bulkData': {
          const value = this.readBulk();
          if (value === null) return null;
          this.args.push(value);
          if (--this.argsLeft > 0) {
            this.state = 'bulkHeader';
            break;
          }
          const args = this.args;
          this.args = [];
          this.finishRequest();
          return args;
        }

        case 'inline': {
          const raw = this.readLine(false, ERR_INLINE_TOO_BIG);
          if (raw === null) return null;
          if (raw.indexOf(0) !== -1) {
            this.discardOrFail(raw, 1, ERR_INLINE_TOO_BIG, ERR_INLINE_TOO_BIG);
            break;
          }
          const last = raw.length - 1;
          const argv = splitArgs(last >= 0 && raw[last] === CR ? raw.subarray(0, last) : raw);
          if (argv === null) throw this.fail(ERR_UNBALANCED);
          this.finishRequest();
          return argv.length === 0 ? SKIPPED : argv;
        }

        case 'discard':
          this.discardCount += end - this.pos;
          this.pos = end;
          if (this.discardCount > MAX_INLINE_LEN) throw this.fail(this.discardError);
          return null;
      }
    }
    return null;
  }

  /**
   * Reads up to the end of a line: a header ends at the first '\r' plus one
   * more byte (whatever it is), an inline line at the first '\n' (the caller
   * strips a '\r' before it). Returns the line without its terminator, or null
   * when `buf` ran out first. A line longer than MAX_INLINE_LEN is an error.
   */
  private readLine(header: boolean, tooBig: string): Buffer | null {
    const buf = this.buf;
    const end = buf.length;
    const start = this.pos;
    if (this.lineAwaitsByte) {
      this.lineAwaitsByte = false;
      this.pos = start + 1;
      return this.takeLine();
    }
    const idx = buf.indexOf(header ? CR : LF, start);
    const stop = idx === -1 ? end : idx;
    this.lineLen += stop - start;
    if (this.lineLen > MAX_INLINE_LEN) throw this.fail(tooBig);
    this.lineParts.push(buf.subarray(start, stop));
    if (idx === -1) {
      this.pos = end;
      return null;
    }
    if (!header) {
      this.pos = idx + 1;
    } else if (idx + 1 < end) {
      this.pos = idx + 2;
    } else {
      this.pos = end;
      this.lineAwaitsByte = true;
      return null;
    }
    return this.takeLine();
  }

  private takeLine(): Buffer {
    const parts = this.lineParts;
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.lineLen);
    parts.length = 0;
    this.lineLen = 0;
    return line;
  }

  /**
   * Reads the rest of the current bulk and skips the two bytes after it.
   * Returns the value, or null when `buf` ran out first; pieces from several
   * chunks are joined once, at the end.
   */
  private readBulk(): Buffer | null {
    const buf = this.buf;
    const end = buf.length;
    let p = this.pos;
    const need = this.bulkLen - this.bulkGot;
    if (need > 0) {
      const take = need < end - p ? need : end - p;
      this.bulkParts.push(buf.subarray(p, p + take));
      this.bulkGot += take;
      p += take;
    }
    if (this.bulkGot === this.bulkLen) {
      const skip = this.trailLeft < end - p ? this.trailLeft : end - p;
      this.trailLeft -= skip;
      p += skip;
    }
    this.pos = p;
    if (this.trailLeft > 0) return null;
    const parts = this.bulkParts;
    let value: Buffer;
    if (parts.length === 1) value = parts[0]!;
    else if (parts.length === 0) value = EMPTY;
    else value = Buffer.concat(parts, this.bulkLen);
    parts.length = 0;
    return value;
  }

  /**
   * A line that failed validation: if it holds a NUL, Redis would never have
   * seen its end (see the header comment), so swallow input until the 64KB
   * limit trips; otherwise it is the ordinary error.
   */
  private discardOrFail(
    line: Buffer,
    terminatorLen: number,
    invalid: string,
    tooBig: string,
  ): void {
    if (line.indexOf(0) === -1) throw this.fail(invalid);
    this.discardCount = line.length + terminatorLen;
    this.discardError = tooBig;
    this.state = 'discard';
    if (this.discardCount > MAX_INLINE_LEN) throw this.fail(tooBig);
  }

  private finishRequest(): void {
    this.state = 'idle';
    this.carried = 0;
    this.cmdStart = this.pos;
  }

  private fail(message: string): ProtocolError {
    this.error = new ProtocolError(message);
    this.args = [];
    this.bulkParts.length = 0;
    this.lineParts.length = 0;
    return this.error;
  }
}

/**
 * Redis formats this one with %c and then turns CR and LF into spaces so the
 * error stays one line. Other bytes come through as they are (one latin1
 * character per byte).
 */
function expectedDollar(byte: number): string {
  const ch = byte === CR || byte === LF ? ' ' : String.fromCharCode(byte);
  return `ERR Protocol error: expected '$', got '${ch}'`;
}

/**
 * Redis's string2ll over buf[start, end): an optional '-', then "0" alone or
 * a digit 1-9 followed by digits, within the signed 64-bit range, nothing
 * else (no '+', spaces or leading zeros). Returns NaN when Redis would fail.
 * Values beyond 2^53 lose precision, which only matters for comparisons
 * against limits far beyond any buffer.
 */
function parseLongLong(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len >= 21) return NaN;
  if (len === 1 && buf[start] === 0x30) return 0;
  let p = start;
  const negative = buf[p] === 0x2d;
  if (negative) {
    p++;
    if (p === end) return NaN;
  }
  const digitsStart = p;
  let c = buf[p]!;
  if (c < 0x31 || c > 0x39) return NaN;
  let v = c - 0x30;
  for (p++; p < end; p++) {
    c = buf[p]!;
    if (c < 0x30 || c > 0x39) return NaN;
    v = v * 10 + (c - 0x30);
  }
  if (end - digitsStart >= 19) {
    const exact = BigInt(buf.toString('latin1', digitsStart, end));
    if (exact > (negative ? 9223372036854775808n : 9223372036854775807n)) return NaN;
  }
  return negative ? -v : v;
}
