import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ReplyWriter, type RespVersion } from '../../src/protocol/reply-writer.js';

/**
 * The reply writer is where RESP2 and RESP3 differ and where bytes are reused
 * between flushes, so these tests pin both: the exact encoding of every reply
 * type in each protocol, and that bytes handed to a socket stay intact while
 * the socket still holds them.
 */

/**
 * The four Socket members flush() uses. `queue` decides what the socket does
 * with a write: 'drain' copies the bytes at once (libuv wrote them to the
 * kernel synchronously, writableLength stays 0); 'queue' keeps a reference to
 * the caller's Buffer, as Node does for a write it could not complete, and
 * reports the held bytes in writableLength.
 */
class FakeSocket {
  mode: 'drain' | 'queue' = 'drain';
  /** Every chunk as the socket holds it: copies when drained, references when queued. */
  chunks: Buffer[] = [];
  /** The Buffer objects passed to write(), by identity. */
  received: Buffer[] = [];
  corks = 0;
  uncorks = 0;
  private queued = 0;

  get writableLength(): number {
    return this.queued;
  }

  write(chunk: Buffer): boolean {
    this.received.push(chunk);
    if (this.mode === 'drain') {
      this.chunks.push(Buffer.from(chunk));
      return true;
    }
    this.chunks.push(chunk);
    this.queued += chunk.length;
    return false;
  }

  cork(): void {
    this.corks++;
  }

  uncork(): void {
    this.uncorks++;
  }

  /** The peer reads everything queued so far. */
  drain(): void {
    this.queued = 0;
  }

  output(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  take(): string {
    const out = this.output();
    this.chunks = [];
    this.received = [];
    return out;
  }
}

/** flush() takes a net.Socket; the fake implements the part it touches. */
function asSocket(fake: FakeSocket): Socket {
  return fake as unknown as Socket;
}

function writer(resp: RespVersion = 2): ReplyWriter {
  const w = new ReplyWriter();
  w.resp = resp;
  return w;
}

/** Runs `encode` on a fresh writer and returns the flushed bytes as latin1 text. */
function encoded(resp: RespVersion, encode: (w: ReplyWriter) => void): string {
  const w = writer(resp);
  const socket = new FakeSocket();
  encode(w);
  w.flush(asSocket(socket));
  return socket.output();
}

describe('RESP2 and RESP3 encodings', () => {
  // [what, encoder, RESP2 bytes, RESP3 bytes]
  const cases: Array<[string, (w: ReplyWriter) => void, string, string]> = [
    ['simple string', (w) => w.simple('PONG'), '+PONG\r\n', '+PONG\r\n'],
    ['OK', (w) => w.ok(), '+OK\r\n', '+OK\r\n'],
    ['error', (w) => w.error('ERR boom'), '-ERR boom\r\n', '-ERR boom\r\n'],
    ['integer', (w) => w.integer(42), ':42\r\n', ':42\r\n'],
    ['bulk', (w) => w.bulk(Buffer.from('hello')), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
    ['empty bulk', (w) => w.bulk(Buffer.alloc(0)), '$0\r\n\r\n', '$0\r\n\r\n'],
    ['null bulk', (w) => w.nullBulk(), '$-1\r\n', '_\r\n'],
    ['null array', (w) => w.nullArray(), '*-1\r\n', '_\r\n'],
    ['array header', (w) => w.arrayHeader(3), '*3\r\n', '*3\r\n'],
    ['empty array', (w) => w.arrayHeader(0), '*0\r\n', '*0\r\n'],
    ['map header (pairs)', (w) => w.mapHeader(2), '*4\r\n', '%2\r\n'],
    ['set header', (w) => w.setHeader(5), '*5\r\n', '~5\r\n'],
    ['push header', (w) => w.pushHeader(3), '*3\r\n', '>3\r\n'],
    ['double', (w) => w.double('3.5'), '$3\r\n3.5\r\n', ',3.5\r\n'],
    ['double infinity', (w) => w.double('inf'), '$3\r\ninf\r\n', ',inf\r\n'],
    ['true', (w) => w.boolean(true), ':1\r\n', '#t\r\n'],
    ['false', (w) => w.boolean(false), ':0\r\n', '#f\r\n'],
    ['verbatim', (w) => w.verbatim('a: 1\r\n'), '$6\r\na: 1\r\n\r\n', '=10\r\ntxt:a: 1\r\n\r\n'],
    ['raw protocol', (w) => w.raw(Buffer.from('+QUEUED\r\n')), '+QUEUED\r\n', '+QUEUED\r\n'],
  ];

  for (const [what, encode, resp2, resp3] of cases) {
    it(`${what}: ${JSON.stringify(resp2)} in RESP2, ${JSON.stringify(resp3)} in RESP3`, () => {
      expect(encoded(2, encode)).toBe(resp2);
      expect(encoded(3, encode)).toBe(resp3);
    });
  }

  it('a RESP3 map of a bulk key and a double value nests as Redis sends it', () => {
    const encode = (w: ReplyWriter): void => {
      w.mapHeader(1);
      w.bulkString('score');
      w.double('1.5');
    };
    expect(encoded(3, encode)).toBe('%1\r\n$5\r\nscore\r\n,1.5\r\n');
    expect(encoded(2, encode)).toBe('*2\r\n$5\r\nscore\r\n$3\r\n1.5\r\n');
  });

  it('bulkString sends UTF-8 bytes and counts them, not characters', () => {
    expect(encoded(2, (w) => w.bulkString('é€'))).toBe(
      `$5\r\n${Buffer.from('é€').toString('latin1')}\r\n`,
    );
    expect(encoded(3, (w) => w.verbatim('é'))).toBe(
      `=6\r\ntxt:${Buffer.from('é').toString('latin1')}\r\n`,
    );
  });

  it('bulk values are binary safe', () => {
    const value = Buffer.from([0x00, 0x0d, 0x0a, 0xff, 0x80]);
    expect(
      Buffer.from(
        encoded(2, (w) => w.bulk(value)),
        'latin1',
      ),
    ).toEqual(Buffer.concat([Buffer.from('$5\r\n'), value, Buffer.from('\r\n')]));
  });
});

describe('integers', () => {
  it('small non-negative integers come out right across the shared range', () => {
    for (const n of [0, 1, 9, 10, 99, 100, 999, 1000, 9998, 9999, 10_000, 10_001, 123_456]) {
      expect(encoded(2, (w) => w.integer(n))).toBe(`:${n}\r\n`);
    }
  });

  it('negative and large integers', () => {
    for (const n of [
      -1,
      -9,
      -10,
      -99,
      -100,
      -12_345,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2 ** 40,
    ]) {
      expect(encoded(2, (w) => w.integer(n))).toBe(`:${n}\r\n`);
      expect(encoded(3, (w) => w.integer(n))).toBe(`:${n}\r\n`);
    }
  });

  it('bigInteger covers the whole int64 range and beyond', () => {
    for (const n of [0n, -1n, 9223372036854775807n, -9223372036854775808n, 2n ** 64n]) {
      expect(encoded(2, (w) => w.bigInteger(n))).toBe(`:${n}\r\n`);
    }
  });

  it('aggregate headers of every size, including multi-digit and negative lengths', () => {
    for (const n of [0, 7, 10, 42, 99, 100, 65_535, 1_000_000, -1]) {
      expect(encoded(2, (w) => w.arrayHeader(n))).toBe(`*${n}\r\n`);
      expect(encoded(3, (w) => w.setHeader(n))).toBe(`~${n}\r\n`);
    }
    expect(encoded(2, (w) => w.bulk(Buffer.alloc(1234, 0x61)))).toBe(
      `$1234\r\n${'a'.repeat(1234)}\r\n`,
    );
  });
});

describe('large replies', () => {
  it('a bulk of 4 KiB or more is queued by reference, not copied, and keeps its bytes', () => {
    const value = Buffer.alloc(4096);
    for (let i = 0; i < value.length; i++) value[i] = (i * 7) & 0xff;
    const w = writer();
    const socket = new FakeSocket();
    w.simple('before');
    w.bulk(value);
    w.simple('after');
    w.flush(asSocket(socket));
    expect(socket.received).toContain(value);
    expect(Buffer.concat(socket.chunks)).toEqual(
      Buffer.concat([Buffer.from('+before\r\n$4096\r\n'), value, Buffer.from('\r\n+after\r\n')]),
    );
  });

  it('a bulk just under 4 KiB is copied into the reply buffer', () => {
    const value = Buffer.alloc(4095, 0x62);
    const w = writer();
    const socket = new FakeSocket();
    w.bulk(value);
    w.flush(asSocket(socket));
    expect(socket.received).not.toContain(value);
    expect(socket.output()).toBe(`$4095\r\n${'b'.repeat(4095)}\r\n`);
  });

  it('replies spanning several 16 KiB chunks arrive whole and in order', () => {
    const w = writer();
    const socket = new FakeSocket();
    let expected = '';
    for (let i = 0; i < 2000; i++) {
      const item = `item-${i}-${'x'.repeat(i % 50)}`;
      w.bulkString(item);
      expected += `$${item.length}\r\n${item}\r\n`;
    }
    w.simple('y'.repeat(20_000));
    expected += `+${'y'.repeat(20_000)}\r\n`;
    const written = w.flush(asSocket(socket));
    expect(written).toBe(expected.length);
    expect(socket.output()).toBe(expected);
  });

  it('several pending chunks are written inside one cork/uncork', () => {
    const w = writer();
    const socket = new FakeSocket();
    w.bulk(Buffer.alloc(5000, 0x61));
    w.bulk(Buffer.alloc(6000, 0x62));
    w.flush(asSocket(socket));
    expect(socket.corks).toBe(1);
    expect(socket.uncorks).toBe(1);
    expect(socket.received.length).toBeGreaterThan(1);
  });
});

describe('error replies', () => {
  it('CR and LF inside the message become spaces so the reply stays one line', () => {
    expect(encoded(2, (w) => w.error('ERR bad\r\nthing\nhere\r'))).toBe(
      '-ERR bad  thing here \r\n',
    );
  });

  it('message bytes go out as latin1, exactly as the client sent them', () => {
    const text = "ERR unknown command '\xe9\xff'";
    expect(
      Buffer.from(
        encoded(2, (w) => w.error(text)),
        'latin1',
      ),
    ).toEqual(Buffer.from(`-${text}\r\n`, 'latin1'));
  });

  it('each error is counted and its code reported', () => {
    const w = writer();
    const codes: string[] = [];
    w.onError = (code) => codes.push(code);
    w.error('ERR syntax error');
    w.error('WRONGTYPE Operation against a key holding the wrong kind of value');
    w.error('NOAUTH');
    w.error('ERR multi\nline');
    expect(w.errorCount).toBe(4);
    expect(codes).toEqual(['ERR', 'WRONGTYPE', 'NOAUTH', 'ERR']);
  });

  it('an error under CLIENT REPLY OFF is still counted though nothing is sent', () => {
    const w = writer();
    const codes: string[] = [];
    w.onError = (code) => codes.push(code);
    w.muted = true;
    w.error('ERR hidden');
    expect(w.errorCount).toBe(1);
    expect(codes).toEqual(['ERR']);
    expect(w.bufferedBytes).toBe(0);
  });
});

describe('muted writer', () => {
  it('encodes nothing at all, in either protocol', () => {
    for (const resp of [2, 3] as const) {
      const w = writer(resp);
      const socket = new FakeSocket();
      w.muted = true;
      w.simple('x');
      w.ok();
      w.error('ERR x');
      w.integer(1);
      w.integer(-123_456);
      w.bigInteger(1n);
      w.bulk(Buffer.from('x'));
      w.bulk(Buffer.alloc(10_000));
      w.bulkString('x');
      w.nullBulk();
      w.nullArray();
      w.arrayHeader(1);
      w.mapHeader(1);
      w.setHeader(1);
      w.pushHeader(1);
      w.double('1.5');
      w.boolean(true);
      w.verbatim('x');
      w.raw(Buffer.from('+RAW\r\n'));
      w.raw(Buffer.alloc(5000));
      expect(w.bufferedBytes).toBe(0);
      expect(w.flush(asSocket(socket))).toBe(0);
      expect(socket.received).toEqual([]);
    }
  });

  it('speaks again once unmuted', () => {
    const w = writer();
    w.muted = true;
    w.ok();
    w.muted = false;
    w.integer(7);
    const socket = new FakeSocket();
    w.flush(asSocket(socket));
    expect(socket.output()).toBe(':7\r\n');
  });
});

describe('flush and buffer reuse', () => {
  it('flush returns the bytes written, accumulates bytesFlushed and writes nothing when idle', () => {
    const w = writer();
    const socket = new FakeSocket();
    expect(w.flush(asSocket(socket))).toBe(0);
    expect(socket.received).toEqual([]);
    w.ok();
    w.integer(12);
    expect(w.bufferedBytes).toBe(10);
    expect(w.flush(asSocket(socket))).toBe(10);
    expect(w.bufferedBytes).toBe(0);
    w.ok();
    w.flush(asSocket(socket));
    expect(w.bytesFlushed).toBe(15);
    expect(socket.output()).toBe('+OK\r\n:12\r\n+OK\r\n');
  });

  it('reuses its buffer while the socket drains each write at once', () => {
    const w = writer();
    const socket = new FakeSocket();
    w.simple('one');
    w.flush(asSocket(socket));
    w.simple('two');
    w.flush(asSocket(socket));
    expect(socket.received[1]!.buffer).toBe(socket.received[0]!.buffer);
    expect(socket.output()).toBe('+one\r\n+two\r\n');
  });

  it('never overwrites bytes a socket still holds from a queued write', () => {
    const w = writer();
    const socket = new FakeSocket();
    socket.mode = 'queue';
    w.simple('first');
    w.integer(-5);
    w.flush(asSocket(socket));
    const held = socket.chunks[0]!;
    const snapshot = Buffer.from(held);
    // More replies and flushes while the first write is still queued: the
    // backed-up path, then the peer catching up, then a drained write.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50; i++) w.bulkString(`later-${round}-${i}`);
      w.flush(asSocket(socket));
    }
    socket.drain();
    socket.mode = 'drain';
    for (let i = 0; i < 50; i++) w.simple(`after-drain-${i}`);
    w.flush(asSocket(socket));
    expect(held).toEqual(snapshot);
    expect(held.toString('latin1')).toBe('+first\r\n:-5\r\n');
    expect(socket.output().startsWith('+first\r\n:-5\r\n$9\r\nlater-0-0\r\n')).toBe(true);
  });

  it('never overwrites queued views of a multi-chunk flush either', () => {
    const w = writer();
    const socket = new FakeSocket();
    socket.mode = 'queue';
    w.simple('head');
    w.bulk(Buffer.alloc(5000, 0x7a));
    w.simple('tail');
    w.flush(asSocket(socket));
    const held = socket.chunks.map((c) => ({ chunk: c, copy: Buffer.from(c) }));
    socket.drain();
    for (let i = 0; i < 100; i++) w.simple(`overwrite-attempt-${i}`);
    w.flush(asSocket(socket));
    for (const { chunk, copy } of held) expect(chunk).toEqual(copy);
  });

  it('a write queued behind a backlog is copied, so the big buffer is not pinned', () => {
    const w = writer();
    const socket = new FakeSocket();
    socket.mode = 'queue';
    w.ok();
    w.flush(asSocket(socket)); // queued: the buffer is abandoned
    w.simple('second');
    w.flush(asSocket(socket)); // backed up: sent as a copy
    const second = socket.received[1]!;
    // The writer kept its buffer, and encodes the next reply where 'second'
    // was: had the queued chunk been a view, it would now read 'thirds'.
    expect(w.bufferCapacity).toBeGreaterThan(0);
    w.simple('thirds');
    expect(second.toString()).toBe('+second\r\n');
    w.flush(asSocket(socket));
    expect(socket.output()).toBe('+OK\r\n+second\r\n+thirds\r\n');
  });

  it('discard drops unflushed replies; releaseIdleBuffer frees an idle buffer only', () => {
    const w = writer();
    const socket = new FakeSocket();
    w.ok();
    w.bulk(Buffer.alloc(5000));
    w.discard();
    expect(w.bufferedBytes).toBe(0);
    expect(w.flush(asSocket(socket))).toBe(0);
    w.ok();
    w.releaseIdleBuffer();
    expect(w.bufferCapacity).toBeGreaterThan(0);
    w.flush(asSocket(socket));
    w.releaseIdleBuffer();
    expect(w.bufferCapacity).toBe(0);
    w.integer(3);
    w.flush(asSocket(socket));
    expect(socket.output()).toBe('+OK\r\n:3\r\n');
  });
});
