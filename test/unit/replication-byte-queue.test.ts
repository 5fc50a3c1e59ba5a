import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../src/replication/byte-queue.js';
import { mulberry32 } from '../helpers/random.js';

/** What a replica waiting for its snapshot is sent later must be every byte, in order. */
describe('ByteQueue: stream bytes held for a waiting replica', () => {
  it('gives back every byte in order, small chunks copied and big ones kept, across copies', () => {
    const random = mulberry32(7);
    const first = new ByteQueue();
    const expected: Buffer[] = [];
    let joinedAt = -1;
    const second = new ByteQueue();
    const secondExpected: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      // Mostly small commands, sometimes one bigger than a quarter slab.
      const size =
        random() < 0.01
          ? 64 * 1024 + Math.floor(random() * 300_000)
          : 1 + Math.floor(random() * 200);
      const chunk = Buffer.alloc(size, i % 251);
      first.append(chunk);
      expected.push(chunk);
      if (i === 1500) {
        // A second replica joins the same snapshot: it gets what the first holds.
        second.copyFrom(first);
        secondExpected.push(...expected);
        joinedAt = i;
      } else if (joinedAt >= 0) {
        second.append(chunk);
        secondExpected.push(chunk);
      }
    }
    expect(first.length).toBe(Buffer.concat(expected).length);
    expect(Buffer.concat(first.drain()).equals(Buffer.concat(expected))).toBe(true);
    expect(Buffer.concat(second.drain()).equals(Buffer.concat(secondExpected))).toBe(true);
    expect(first.length).toBe(0);
    expect(first.drain()).toEqual([]);
  });
});
