/** Small figures helpers shared by the benches: nearest-rank percentiles and rounding for the table. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** One decimal below 100, whole numbers above: the precision a reader of the table can use. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
}

export interface Spread {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function spreadOf(values: readonly number[]): Spread {
  return {
    count: values.length,
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    max: round(values.length === 0 ? Number.NaN : Math.max(...values)),
  };
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The median wall time, in ms, of `rounds` runs of a synchronous piece of work. */
export function medianTime(work: () => unknown, rounds = 5): number {
  const times: number[] = [];
  for (let index = 0; index < rounds; index++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** A ratio for the table; NaN (shown as n/a) when either side is missing. */
export function ratio(numerator: number, denominator: number): number {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return Number.NaN;
  return Math.round((numerator / denominator) * 100) / 100;
}
