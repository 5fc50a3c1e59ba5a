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
