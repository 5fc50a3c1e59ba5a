/**
 * Sorted-set scale check: ZADD of 1,000,000 members (pipelined, 1,000 per
 * command), then 10,000 ZRANGEBYSCORE and 10,000 ZRANK calls, against
 * resplica and a real redis-server started in the same run. Prints each time
 * and the ratio resplica/redis (target: within 3x).
 *
 *   npm run build && node dist/bench/zset-scale.js [members]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib/process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const MEMBERS = Number(process.argv[2] ?? 1_000_000);
const PER_COMMAND = 1000;
const QUERIES = 10_000;

function encode(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** A pipelining client that counts complete top-level replies. */
class Pipe {
  private pending = 0;
  private buffer = '';
  private done: (() => void) | null = null;

  constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.consume();
    });
  }

  static connect(port: number): Promise<Pipe> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new Pipe(s)));
      s.once('error', reject);
    });
  }

  /** Sends commands and resolves when all their replies arrived. */
  run(commands: string[][]): Promise<void> {
    this.pending += commands.length;
    this.socket.write(commands.map(encode).join(''));
    return new Promise((resolve) => {
      this.done = resolve;
      this.consume();
    });
  }

  private consume(): void {
    let pos = 0;
    while (this.pending > 0) {
      const end = replyEnd(this.buffer, pos);
      if (end === -1) break;
      pos = end;
      this.pending--;
    }
    this.buffer = this.buffer.slice(pos);
    if (this.pending === 0 && this.done !== null) {
      const d = this.done;
      this.done = null;
      d();
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** End offset of the reply starting at pos, or -1 when incomplete. */
function replyEnd(buf: string, pos: number): number {
  const eol = buf.indexOf('\r\n', pos);
  if (eol === -1) return -1;
  const type = buf[pos];
  const n = Number(buf.slice(pos + 1, eol));
  if (type === '$') {
    if (n < 0) return eol + 2;
    return buf.length >= eol + 2 + n + 2 ? eol + 2 + n + 2 : -1;
  }
  if (type === '*') {
    let p = eol + 2;
    for (let i = 0; i < n; i++) {
      p = replyEnd(buf, p);
      if (p === -1) return -1;
    }
    return p;
  }
  return eol + 2;
}

async function start(
  command: string,
  args: string[],
): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    command,
    [...args, '--port', String(port), '--bind', '127.0.0.1', '--save', ''],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 300; i++) {
    try {
      const p = await Pipe.connect(port);
      p.close();
      return { port, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${command} did not start`);
}

async function measure(port: number): Promise<{ zadd: number; range: number; rank: number }> {
  const pipe = await Pipe.connect(port);
  await pipe.run([['DEL', 'big']]);
  let t = performance.now();
  // Scores interleave with insertion order so inserts land all over the set.
  for (let base = 0; base < MEMBERS; base += PER_COMMAND * 100) {
    const batch: string[][] = [];
    for (let c = base; c < Math.min(MEMBERS, base + PER_COMMAND * 100); c += PER_COMMAND) {
      const cmd = ['ZADD', 'big'];
      for (let i = c; i < Math.min(MEMBERS, c + PER_COMMAND); i++)
        cmd.push(String((i * 7919) % MEMBERS), `m${i}`);
      batch.push(cmd);
    }
    await pipe.run(batch);
  }
  const zadd = performance.now() - t;
  const queries = (make: (i: number) => string[]): string[][] =>
    Array.from({ length: QUERIES }, (_, i) => make(i));
  t = performance.now();
  await pipe.run(
    queries((i) => [
      'ZRANGEBYSCORE',
      'big',
      String((i * 97) % MEMBERS),
      '+inf',
      'LIMIT',
      '0',
      '10',
    ]),
  );
  const range = performance.now() - t;
  t = performance.now();
  await pipe.run(queries((i) => ['ZRANK', 'big', `m${(i * 131) % MEMBERS}`]));
  const rank = performance.now() - t;
  await pipe.run([['DEL', 'big']]);
  pipe.close();
  return { zadd, range, rank };
}

async function main(): Promise<void> {
  const ours = await start(process.execPath, [MAIN]);
  const theirs = await start('redis-server', ['--appendonly', 'no']);
  try {
    const a = await measure(ours.port);
    const b = await measure(theirs.port);
    console.log(`| step | resplica ms | redis ms | ratio (time) |\n|---|---|---|---|`);
    for (const k of ['zadd', 'range', 'rank'] as const) {
      console.log(
        `| ${k} | ${a[k].toFixed(0)} | ${b[k].toFixed(0)} | ${(a[k] / b[k]).toFixed(2)} |`,
      );
    }
  } finally {
    ours.proc.kill('SIGKILL');
    theirs.proc.kill('SIGKILL');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
