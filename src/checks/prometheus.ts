import { Agent, request } from 'undici';
import type { CheckSpec } from '../checklist/types.js';
import { trimEndOf } from '../text/trimEnd.js';
import { describeError, hostPortOf, snippet, stopwatch } from './describe.js';
import { withoutCredentials } from './http.js';
import { compareWithTarget, parseNumber } from './target.js';
import type { CheckResult, KindContext } from './types.js';

type PrometheusSpec = Extract<CheckSpec, { kind: 'prometheus' }>;

interface QueryResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/**
 * An instant PromQL query (`GET /api/v1/query`), its first sample compared with the target. Vector and
 * scalar results are read; an empty vector fails with a sentence saying so, since "no data" is not "fine".
 */
export async function checkPrometheus(spec: PrometheusSpec, context: KindContext): Promise<CheckResult> {
  const server = trimEndOf(spec.server, '/');
  const where = hostPortOf(server);
  const dispatcher = new Agent({
    connect: { lookup: context.lookup, timeout: context.timeoutMs },
    headersTimeout: context.timeoutMs,
    bodyTimeout: context.timeoutMs,
  });
  const elapsed = stopwatch();
  try {
    const { bare, authorization } = withoutCredentials(
      new URL(`${server}/api/v1/query?query=${encodeURIComponent(spec.query)}`),
    );
    const response = await request(bare, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'shipcheck', ...authorization },
      signal: context.signal,
      dispatcher,
      maxRedirections: 0,
    });
    const body = await response.body.text();
    const latencyMs = elapsed();
    let parsed: QueryResponse;
    try {
      parsed = JSON.parse(body) as QueryResponse;
    } catch {
      return fail(
        `Prometheus answered ${response.statusCode} with something that is not JSON: ${snippet(body) || 'empty body'}`,
        latencyMs,
      );
    }
    if (parsed.status !== 'success') {
      const reason = parsed.error
        ? `${parsed.errorType ?? 'error'}: ${parsed.error}`
        : `status ${response.statusCode}`;
      return fail(`Prometheus rejected the query (${snippet(reason, 160)})`, latencyMs);
    }
    const sample = firstSample(parsed.data);
    if (sample.kind === 'empty') {
      return fail(
        `the query returned no data (empty ${sample.type}): the series may not exist yet or the labels do not match`,
        latencyMs,
      );
    }
    if (sample.kind === 'unsupported') {
      return fail(
        `the query returned a ${sample.type}; a check needs an instant vector or a scalar`,
        latencyMs,
      );
    }
    const comparison = compareWithTarget(parseNumber(sample.value), spec.target);
    const series = sample.series > 1 ? ` (first of ${sample.series} series)` : '';
    return {
      ok: comparison.ok,
      value: sample.value,
      latencyMs,
      detail: comparison.ok
        ? `${comparison.shown}${series}, target ${comparison.target}`
        : `${comparison.shown}${series}, target ${comparison.target} not met`,
    };
  } catch (error) {
    return fail(describeError(error, context.timeoutMs, where), elapsed());
  } finally {
    void dispatcher.destroy().catch(() => undefined);
  }
}

type Sample =
  | { kind: 'value'; value: string; series: number }
  | { kind: 'empty'; type: string }
  | { kind: 'unsupported'; type: string };

function firstSample(data: QueryResponse['data']): Sample {
  const type = data?.resultType ?? 'unknown';
  const result = data?.result;
  if (type === 'scalar' && Array.isArray(result))
    return { kind: 'value', value: String(result[1]), series: 1 };
  if (type === 'vector' && Array.isArray(result)) {
    const first = result[0] as { value?: unknown[] } | undefined;
    if (!first) return { kind: 'empty', type: 'vector' };
    if (!Array.isArray(first.value)) return { kind: 'unsupported', type: 'vector without values' };
    return { kind: 'value', value: String(first.value[1]), series: result.length };
  }
  if (type === 'matrix' && Array.isArray(result) && result.length === 0)
    return { kind: 'empty', type: 'matrix' };
  return { kind: 'unsupported', type };
}

function fail(detail: string, latencyMs: number): CheckResult {
  return { ok: false, value: null, latencyMs, detail };
}
