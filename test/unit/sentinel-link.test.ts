// The sentinel's reply parser: what peers answer, split anywhere.
import { describe, expect, it } from 'vitest';
import { ReplyError, ReplyParser, encodeCommand } from '../../src/sentinel/link.js';

function parseAll(bytes: string, chunk: number): unknown[] {
  const p = new ReplyParser();
  const out: unknown[] = [];
  const buf = Buffer.from(bytes, 'latin1');
  for (let i = 0; i < buf.length; i += chunk) {
    p.feed(buf.subarray(i, i + chunk));
    for (let r = p.next(); r !== undefined; r = p.next()) out.push(r);
  }
  return out;
}

describe('sentinel link replies', () => {
  const wire =
    '+PONG\r\n-LOADING Redis is loading\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n' +
    '*3\r\n:1\r\n$40\r\n' +
    'a'.repeat(40) +
    '\r\n:7\r\n' +
    '*3\r\n$7\r\nmessage\r\n$18\r\n__sentinel__:hello\r\n$3\r\nx,y\r\n';

  it('parses every reply type, however the bytes are split', () => {
    for (const chunk of [1, 2, 3, 7, 1000]) {
      const replies = parseAll(wire, chunk);
      expect(replies).toEqual([
        'PONG',
        new ReplyError('LOADING Redis is loading'),
        42,
        'hello',
        null,
        null,
        [1, 'a'.repeat(40), 7],
        ['message', '__sentinel__:hello', 'x,y'],
      ]);
    }
  });

  it('encodes commands as RESP multibulk', () => {
    expect(encodeCommand(['PUBLISH', '__sentinel__:hello', 'a,1']).toString()).toBe(
      '*3\r\n$7\r\nPUBLISH\r\n$18\r\n__sentinel__:hello\r\n$3\r\na,1\r\n',
    );
  });
});
