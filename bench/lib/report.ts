/**
 * Reporting shared by the benchmarks that compare resplica with redis-server
 * metric by metric: markdown tables of both values and their ratio, and the
 * median of several interleaved rounds.
 */

export type Value = number | string | null;
export type Metrics = Record<string, Value>;
export interface MetricSpec {
  key: string;
  label: string;
  digits: number;
}

export function fmt(v: Value, digits: number): string {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return 'n/a';
  return typeof v === 'number' ? v.toFixed(digits) : v;
}

function ratio(ours: Value, theirs: Value): string {
  if (typeof ours !== 'number' || typeof theirs !== 'number' || !(theirs > 0)) return 'n/a';
  if (Number.isNaN(ours)) return 'n/a';
  return (ours / theirs).toFixed(2);
}

export function table(
  specs: readonly MetricSpec[],
  title: string,
  redis: Metrics | null,
  ours: Metrics | null,
): string {
  const lines = [`\n### ${title}\n`, '| metric | redis | resplica | ratio |', '|---|---|---|---|'];
  for (const { key, label, digits } of specs) {
    const a = redis?.[key] ?? null;
    const b = ours?.[key] ?? null;
    lines.push(`| ${label} | ${fmt(a, digits)} | ${fmt(b, digits)} | ${ratio(b, a)} |`);
  }
  return lines.join('\n');
}

export function medianOf(specs: readonly MetricSpec[], samples: Metrics[]): Metrics | null {
  if (samples.length === 0) return null;
  const out: Metrics = {};
  for (const { key } of specs) {
    const nums = samples
      .map((s) => s[key])
      .filter((v): v is number => typeof v === 'number' && !Number.isNaN(v))
      .sort((a, b) => a - b);
    if (nums.length === samples.length) {
      const mid = nums.length >> 1;
      out[key] = nums.length % 2 === 1 ? nums[mid]! : (nums[mid - 1]! + nums[mid]!) / 2;
    } else {
      // Strings (status, checks) or some n/a rounds: show the set of outcomes.
      const seen = [...new Set(samples.map((s) => fmt(s[key] ?? null, 0)))];
      out[key] = seen.length === 1 && seen[0] === 'n/a' ? null : seen.join(' / ');
    }
  }
  return out;
}

export type Product = 'redis' | 'resplica';

/** One round: each product's metrics (null when it was not run or failed). */
export interface Round {
  round: number;
  redis: Metrics | null;
  resplica: Metrics | null;
}

/**
 * The products take turns, `rounds` times (redis, resplica, redis, ...), so
 * that the noise of a shared box falls on both alike; each round's table is
 * printed as it ends, then the medians when there was more than one round.
 * `label` names the run in the headings ("1000000 keys").
 */
export async function interleavedRounds(
  specs: readonly MetricSpec[],
  products: readonly Product[],
  rounds: number,
  label: string,
  turn: (name: Product) => Promise<Metrics | null>,
): Promise<{ results: Round[]; summary: { redis: Metrics | null; resplica: Metrics | null } }> {
  const suffix = label === '' ? '' : ` (${label})`;
  const results: Round[] = [];
  for (let round = 1; round <= rounds; round++) {
    const row: Round = { round, redis: null, resplica: null };
    for (const name of products) {
      console.error(`round ${round}/${rounds}: ${name}${label === '' ? '' : `, ${label}`}`);
      row[name] = await turn(name);
    }
    results.push(row);
    console.log(table(specs, `round ${round}${suffix}`, row.redis, row.resplica));
  }
  const pick = (name: Product): Metrics[] =>
    results.map((r) => r[name]).filter((m): m is Metrics => m !== null);
  const summary = {
    redis: medianOf(specs, pick('redis')),
    resplica: medianOf(specs, pick('resplica')),
  };
  if (rounds > 1)
    console.log(
      table(specs, `median of ${rounds} rounds${suffix}`, summary.redis, summary.resplica),
    );
  return { results, summary };
}
