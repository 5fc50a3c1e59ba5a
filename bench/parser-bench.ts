/**
 * Request parser throughput: resplica's RequestParser against the
 * `redis-parser` package (the RESP reply parser used by node clients, with
 * returnBuffers) on identical input, fed in identical chunks. redis-parser
 * has no inline requests and no limits, so it does strictly less work; it is
 * the yardstick for "how fast can RESP be parsed in JavaScript".
 *
 * Run: npx tsx bench/parser-bench.ts   (or node --expose-gc dist/bench/parser-bench.js)
 * Each case is run RUNS times after a warm-up; the median is reported, and the
 * best run beside it to show how much GC and the machine disturb the figure.
 */

import RedisParser from 'redis-parser';
import { RequestParser } from '../src/protocol/request-parser.js';

const RUNS = 7;

function encode(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Views of `input` cut every `size` bytes, like successive socket reads. */
function chunk(input: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
  return chunks;
}

/** Each chunk is one whole command: an unpipelined client such as redis-benchmark -P 1. */
function perCommand(commands: Buffer[]): Buffer[] {
  return commands;
}

function runOurs(chunks: Buffer[]): number {
  const parser = new RequestParser(512 * 1024 * 1024);
  let count = 0;
  let args = 0;
  for (let i = 0; i < chunks.length; i++) {
    parser.feed(chunks[i]!);
    for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) {
      count++;
      args += cmd.length;
    }
  }
  if (args === 0) throw new Error('no arguments parsed');
  return count;
}

function runRedisParser(chunks: Buffer[]): number {
  let count = 0;
  let args = 0;
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply(reply: unknown) {
      count++;
      args += (reply as Buffer[]).length;
    },
    returnError(err: Error) {
      throw err;
    },
  });
  for (let i = 0; i < chunks.length; i++) parser.execute(chunks[i]!);
  if (args === 0) throw new Error('no arguments parsed');
  return count;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface Rate {
  median: number;
  best: number;
}

/** Commands/second over RUNS runs, after one warm-up run. */
function measure(run: (chunks: Buffer[]) => number, chunks: Buffer[], expected: number): Rate {
  if (run(chunks) !== expected) throw new Error('wrong command count');
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    gc();
    const t0 = process.hrtime.bigint();
    const n = run(chunks);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (n !== expected) throw new Error('wrong command count');
    rates.push(n / seconds);
  }
  rates.sort((a, b) => a - b);
  return { median: rates[rates.length >> 1]!, best: rates[rates.length - 1]! };
}

function fmtRate(r: Rate): string {
  return `${fmt(r.median)} (${fmt(r.best)})`;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}k`;
}

interface Case {
  name: string;
  chunks: Buffer[];
  commands: number;
  bytes: number;
}

function checkSameOutput(chunks: Buffer[]): void {
  const ours: string[] = [];
  const parser = new RequestParser(512 * 1024 * 1024);
  for (const c of chunks.slice(0, 50)) {
    parser.feed(c);
    for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) ours.push(cmd.join(' '));
  }
  const theirs: string[] = [];
  const rp = new RedisParser({
    returnBuffers: true,
    returnReply: (reply: unknown) => theirs.push((reply as Buffer[]).join(' ')),
    returnError: (err: Error) => {
      throw err;
    },
  });
  for (const c of chunks.slice(0, 50)) rp.execute(c);
  if (ours.join('\n') !== theirs.slice(0, ours.length).join('\n'))
    throw new Error('parsers disagree');
}

function main(): void {
  const N = 1_000_000;
  const small: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    small.push(
      i % 2 === 0 ? encode(['SET', `key:${i}`, 'value']) : encode(['GET', `key:${i - 1}`]),
    );
  }
  const pipelined = Buffer.concat(small);

  const BIG = 1024 * 1024;
  const BIG_COUNT = 64;
  const bigValue = Buffer.alloc(BIG, 0x61);
  const big = Buffer.concat(
    Array.from({ length: BIG_COUNT }, (_, i) => encode(['SET', `big:${i}`, bigValue])),
  );

  const cases: Case[] = [
    {
      name: `${N / 1e6}M SET/GET, 16KB chunks`,
      chunks: chunk(pipelined, 16 * 1024),
      commands: N,
      bytes: pipelined.length,
    },
    {
      name: `${N / 1e6}M SET/GET, 64KB chunks`,
      chunks: chunk(pipelined, 64 * 1024),
      commands: N,
      bytes: pipelined.length,
    },
    {
      name: `${N / 1e6}M SET/GET, 1 command per chunk`,
      chunks: perCommand(small),
      commands: N,
      bytes: pipelined.length,
    },
    {
      name: `${BIG_COUNT} x SET 1MB, 64KB chunks`,
      chunks: chunk(big, 64 * 1024),
      commands: BIG_COUNT,
      bytes: big.length,
    },
    {
      name: `${BIG_COUNT} x SET 1MB, 16KB chunks`,
      chunks: chunk(big, 16 * 1024),
      commands: BIG_COUNT,
      bytes: big.length,
    },
  ];

  const gcNote = (globalThis as { gc?: unknown }).gc ? ', gc between runs' : '';
  console.log(`node ${process.version}; commands/s, median (best) of ${RUNS} runs${gcNote}`);
  console.log(
    [
      'case'.padEnd(34),
      'resplica'.padStart(17),
      'redis-parser'.padStart(17),
      'ratio'.padStart(6),
      'resplica MB/s'.padStart(14),
    ].join(' '),
  );
  for (const c of cases) {
    checkSameOutput(c.chunks);
    const ours = measure(runOurs, c.chunks, c.commands);
    const theirs = measure(runRedisParser, c.chunks, c.commands);
    const mbps = (ours.median * c.bytes) / c.commands / 1e6;
    console.log(
      [
        c.name.padEnd(34),
        fmtRate(ours).padStart(17),
        fmtRate(theirs).padStart(17),
        (ours.median / theirs.median).toFixed(2).padStart(6),
        mbps.toFixed(0).padStart(14),
      ].join(' '),
    );
  }

  // Inline requests (redis-benchmark's PING_INLINE); redis-parser cannot parse them.
  const inline = Buffer.from('PING\r\n'.repeat(N));
  const inlineRate = measure(runOurs, chunk(inline, 16 * 1024), N);
  console.log(
    `${'1M inline PING, 16KB chunks'.padEnd(34)} ${fmtRate(inlineRate).padStart(17)} ${'n/a'.padStart(17)}`,
  );
}

main();
