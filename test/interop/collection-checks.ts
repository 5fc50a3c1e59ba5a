import { expect } from 'vitest';
import { replyLength } from '../helpers/resp.js';
import { describeArgs, type Check } from './command-generator.js';
import { compareReplies, showReply, type ClientPair } from './compare.js';

/**
 * Comparison helpers for the hash and set interop tests, where replies have
 * an order Redis leaves unspecified (a hashtable's iteration order) or are
 * random (HRANDFIELD, SRANDMEMBER, SPOP). Each loosening is explained at its
 * case in compareCollection.
 */

/**
 * - pairs: HGETALL and friends; field/value pairs as a multiset (a plain
 *   unordered compare would lose which value goes with which field).
 * - scan / scan-pairs: a SCAN step; the cursor must match exactly, the
 *   elements (or field/value pairs) as a multiset. Only used where one step
 *   covers the whole collection (the cursor is then 0 on both sides).
 * - shape: random picks; errors and nulls exactly, otherwise the same reply
 *   type and, for aggregates, the same length.
 */
export type CollectionCheck = Check | 'pairs' | 'scan' | 'scan-pairs' | 'shape';

export interface CollectionStep {
  args: Array<string | Buffer>;
  check: CollectionCheck;
}

/** An aggregate reply (array, set, map, push) as its header and raw elements. */
export function elementsOf(reply: Buffer): { header: string; elements: Buffer[] } | null {
  const type = String.fromCharCode(reply[0]!);
  if (!'*~%>'.includes(type)) return null;
  const eol = reply.indexOf('\r\n');
  const header = reply.toString('latin1', 0, eol);
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

function sortedPairs(elements: Buffer[]): string[] {
  const pairs: string[] = [];
  for (let i = 0; i + 1 < elements.length; i += 2) {
    pairs.push(
      JSON.stringify([elements[i]!.toString('latin1'), elements[i + 1]!.toString('latin1')]),
    );
  }
  return pairs.sort();
}

function sortedElements(elements: Buffer[]): string[] {
  return elements.map((e) => e.toString('latin1')).sort();
}

export function compareCollection(
  mine: Buffer,
  theirs: Buffer,
  check: CollectionCheck,
): string | null {
  if (mine.equals(theirs)) return null;
  const show = `resplica ${showReply(mine)} vs redis ${showReply(theirs)}`;
  switch (check) {
    case 'pairs': {
      const a = elementsOf(mine);
      const b = elementsOf(theirs);
      if (a === null || b === null || a.header !== b.header) return show;
      return JSON.stringify(sortedPairs(a.elements)) === JSON.stringify(sortedPairs(b.elements))
        ? null
        : show;
    }
    case 'scan':
    case 'scan-pairs': {
      const a = elementsOf(mine);
      const b = elementsOf(theirs);
      if (a === null || b === null || a.elements.length !== 2 || b.elements.length !== 2)
        return show;
      if (!a.elements[0]!.equals(b.elements[0]!)) return show;
      const ia = elementsOf(a.elements[1]!);
      const ib = elementsOf(b.elements[1]!);
      if (ia === null || ib === null || ia.header !== ib.header) return show;
      const sort = check === 'scan' ? sortedElements : sortedPairs;
      return JSON.stringify(sort(ia.elements)) === JSON.stringify(sort(ib.elements)) ? null : show;
    }
    case 'shape': {
      if (mine[0] !== theirs[0]) return show;
      // Errors and nulls carry no randomness.
      if (mine[0] === 0x2d || mine[0] === 0x5f) return show;
      if (mine.toString('latin1').startsWith('$-1')) return show;
      const a = elementsOf(mine);
      const b = elementsOf(theirs);
      if (a === null || b === null) return null; // two bulk strings
      return a.header === b.header ? null : show;
    }
    default:
      return compareReplies(mine, theirs, check);
  }
}

/** What led up to command `index`: the few commands just before it. */
function history(steps: CollectionStep[], index: number): string {
  const lines: string[] = [];
  for (let j = Math.max(0, index - 8); j < index; j++)
    lines.push(`  #${j} ${describeArgs(steps[j]!.args)}`);
  return `preceded by:\n${lines.join('\n')}`;
}

/** Sends the steps in pipelined batches; throws naming the first disagreement. */
export async function runSteps(
  clients: ClientPair,
  steps: CollectionStep[],
  label: string,
  batchSize = 100,
): Promise<void> {
  for (let start = 0; start < steps.length; start += batchSize) {
    const batch = steps.slice(start, start + batchSize);
    const replies = await clients.batch(batch.map((s) => s.args));
    for (const [i, [mine, theirs]] of replies.entries()) {
      const step = batch[i]!;
      const difference = compareCollection(mine, theirs, step.check);
      if (difference === null) continue;
      const index = start + i;
      throw new Error(
        `${label}, command #${index}: ${describeArgs(step.args)}\n${difference}\n${history(steps, index)}`,
      );
    }
  }
}

/**
 * The datasets must agree, not just the replies: DEBUG DIGEST, DBSIZE and,
 * per key, TYPE and OBJECT ENCODING.
 */
export async function expectSameDataset(
  clients: ClientPair,
  keys: ReadonlyArray<string>,
  label: string,
): Promise<void> {
  const checks: string[][] = [['DEBUG', 'DIGEST'], ['DBSIZE']];
  for (const key of keys) checks.push(['TYPE', key], ['OBJECT', 'ENCODING', key]);
  const replies = await clients.batch(checks);
  for (const [i, [mine, theirs]] of replies.entries()) {
    expect(mine.toString('latin1'), `${label}: ${checks[i]!.join(' ')}`).toBe(
      theirs.toString('latin1'),
    );
  }
}

/** Picks from a list with the generator's random source. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Iterates a SCAN-family command to cursor 0 on one client; returns every element seen. */
export async function scanAll(
  send: (cursor: string) => Promise<Buffer>,
  maxSteps = 10_000,
): Promise<Buffer[]> {
  const seen: Buffer[] = [];
  let cursor = '0';
  for (let step = 0; step < maxSteps; step++) {
    const reply = elementsOf(await send(cursor));
    if (reply === null || reply.elements.length !== 2) throw new Error('not a SCAN reply');
    const cursorReply = reply.elements[0]!.toString('latin1');
    cursor = cursorReply.slice(cursorReply.indexOf('\r\n') + 2, -2);
    const inner = elementsOf(reply.elements[1]!);
    if (inner === null) throw new Error('not a SCAN reply');
    seen.push(...inner.elements);
    if (cursor === '0') return seen;
  }
  throw new Error(`SCAN did not finish within ${maxSteps} calls`);
}

/** The payload of a RESP bulk string element. */
export function bulkText(element: Buffer): string {
  const text = element.toString('latin1');
  return text.slice(text.indexOf('\r\n') + 2, -2);
}
