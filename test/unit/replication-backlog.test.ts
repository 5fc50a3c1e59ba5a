import { describe, expect, it } from 'vitest';
import { ReplicationBacklog } from '../../src/replication/backlog.js';
import { decidePsync, type PsyncState } from '../../src/replication/master.js';

function text(parts: Buffer[]): string {
  return Buffer.concat(parts).toString('latin1');
}

describe('replication backlog', () => {
  it('starts empty one byte after the offset it was created at', () => {
    const b = new ReplicationBacklog(16, 100);
    expect(b.histlen).toBe(0);
    expect(b.firstByteOffset).toBe(101);
    expect(b.covers(101)).toBe(true);
    expect(b.covers(102)).toBe(false);
    expect(b.readFrom(101)).toEqual([]);
  });

  it('reads any range that is still held, from an offset to the end', () => {
    const b = new ReplicationBacklog(16, 0);
    b.append(Buffer.from('abcdef'));
    b.append(Buffer.from('ghij'));
    expect(b.endOffset).toBe(10);
    expect(b.firstByteOffset).toBe(1);
    expect(text(b.readFrom(1))).toBe('abcdefghij');
    expect(text(b.readFrom(7))).toBe('ghij');
    expect(text(b.readFrom(11))).toBe('');
  });

  it('keeps only the newest bytes once it wraps around', () => {
    const b = new ReplicationBacklog(8, 0);
    b.append(Buffer.from('0123456'));
    b.append(Buffer.from('789AB'));
    expect(b.histlen).toBe(8);
    expect(b.firstByteOffset).toBe(5);
    expect(text(b.readFrom(5))).toBe('456789AB');
    // The range straddles the end of the buffer: two pieces, in order.
    expect(b.readFrom(6).length).toBe(2);
    expect(text(b.readFrom(6))).toBe('56789AB');
    expect(b.covers(4)).toBe(false);
    expect(() => b.readFrom(4)).toThrow(RangeError);
  });

  it('takes an append bigger than itself by keeping its tail', () => {
    const b = new ReplicationBacklog(4, 10);
    b.append(Buffer.from('abcdefghij'));
    expect(b.endOffset).toBe(20);
    expect(text(b.readFrom(17))).toBe('ghij');
  });

  it('keeps the newest history that fits when resized', () => {
    const b = new ReplicationBacklog(8, 0);
    b.append(Buffer.from('abcdefgh'));
    b.resize(4);
    expect(b.firstByteOffset).toBe(5);
    expect(text(b.readFrom(5))).toBe('efgh');
    b.resize(16);
    b.append(Buffer.from('ijkl'));
    expect(text(b.readFrom(5))).toBe('efghijkl');
  });

  it('matches a byte-by-byte model over random appends', () => {
    let model = '';
    const b = new ReplicationBacklog(37, 0);
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = seed % 50;
      const chunk = Array.from({ length: n }, (_, j) =>
        String.fromCharCode(97 + ((i + j) % 26)),
      ).join('');
      model += chunk;
      b.append(Buffer.from(chunk, 'latin1'));
      const held = model.slice(-37);
      expect(b.histlen).toBe(held.length);
      const from = b.endOffset - (seed % (held.length + 1)) + 1;
      expect(text(b.readFrom(from))).toBe(model.slice(from - 1));
    }
  });
});

describe('PSYNC decision', () => {
  const base: PsyncState = {
    replid: 'a'.repeat(40),
    replid2: 'b'.repeat(40),
    secondReplOffset: 50,
    masterReplOffset: 100,
    backlog: { firstByteOffset: 21, histlen: 80 },
  };

  it('continues when the id is ours and the offset is in the backlog', () => {
    expect(decidePsync(base, base.replid, 21)).toEqual({ kind: 'continue' });
    expect(decidePsync(base, base.replid, 101)).toEqual({ kind: 'continue' });
  });

  it('continues on the previous id up to where the histories fork', () => {
    expect(decidePsync(base, base.replid2, 50)).toEqual({ kind: 'continue' });
    expect(decidePsync(base, base.replid2, 51)).toEqual({
      kind: 'full',
      reason: 'second-id-offset',
    });
  });

  it('asks for a full resync for ?, an unknown id, or an offset outside the backlog', () => {
    expect(decidePsync(base, '?', -1)).toEqual({ kind: 'full', reason: 'requested' });
    expect(decidePsync(base, 'c'.repeat(40), 50)).toEqual({ kind: 'full', reason: 'id-mismatch' });
    expect(decidePsync(base, base.replid, 20)).toEqual({ kind: 'full', reason: 'no-backlog' });
    expect(decidePsync(base, base.replid, 102)).toEqual({ kind: 'full', reason: 'offset-ahead' });
    expect(decidePsync({ ...base, backlog: null }, base.replid, 50)).toEqual({
      kind: 'full',
      reason: 'no-backlog',
    });
  });
});
