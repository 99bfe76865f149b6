/** Reading Shipcheck's /metrics (Prometheus text format) from the outside, as a scraper would. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

export async function scrape(baseUrl: string): Promise<Sample[]> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

function matches(sample: Sample, name: string, labels: Record<string, string>): boolean {
  return sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
}

/** The sum of every sample of `name` with these labels (others free), or NaN when there is none. */
export function metricValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((sample) => matches(sample, name, labels));
  return found.length === 0 ? Number.NaN : found.reduce((sum, sample) => sum + sample.value, 0);
}

export function hasMetric(samples: Sample[], name: string): boolean {
  return samples.some((sample) => sample.name === name || sample.name.startsWith(`${name}_`));
}

/** Cumulative bucket counts (le → count) of a histogram between two scrapes. */
function bucketsBetween(before: Sample[], after: Sample[], name: string, labels: Record<string, string>) {
  const buckets = after
    .filter((sample) => matches(sample, `${name}_bucket`, labels))
    .map((sample) => {
      const earlier = before.find(
        (candidate) =>
          matches(candidate, `${name}_bucket`, labels) && candidate.labels.le === sample.labels.le,
      );
      return { le: Number(sample.labels.le), count: sample.value - (earlier?.value ?? 0) };
    });
  return buckets.sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile of the observations a histogram got between two scrapes, interpolated inside its
 * bucket as Prometheus's histogram_quantile does: only as precise as the buckets are narrow.
 */
export function histogramQuantile(
  before: Sample[],
  after: Sample[],
  name: string,
  labels: Record<string, string>,
  q: number,
): { value: number; count: number; atLeast?: number } {
  const buckets = bucketsBetween(before, after, name, labels);
  const count = buckets.at(-1)?.count ?? 0;
  if (count === 0) return { value: Number.NaN, count };
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return { value: Number.POSITIVE_INFINITY, count, atLeast: lower };
      const inside = bucket.count - below;
      const fraction = inside === 0 ? 1 : (rank - below) / inside;
      return { value: lower + (bucket.le - lower) * fraction, count };
    }
    lower = bucket.le;
    below = bucket.count;
  }
  return { value: lower, count };
}
