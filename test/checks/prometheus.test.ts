import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/runner.js';
import { closedPort, contextFor, type Running, startHttp, target } from './support.js';

/** A tiny Prometheus-compatible endpoint: `GET /api/v1/query?query=…` answers per query text. */
let prometheus: Running;
const seen: string[] = [];

const vector = (...values: string[]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map((value, index) => ({
      metric: { instance: `app-${index}` },
      value: [1_700_000_000, value],
    })),
  },
});

const ANSWERS: Record<string, unknown> = {
  'sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m]))': vector('0.004'),
  'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))': vector(
    '0.42',
    '0.9',
  ),
  'scalar(up)': { status: 'success', data: { resultType: 'scalar', result: [1_700_000_000, '3'] } },
  missing_metric: { status: 'success', data: { resultType: 'vector', result: [] } },
  'bad(': {
    status: 'error',
    errorType: 'bad_data',
    error: 'parse error at char 5: unclosed left parenthesis',
  },
};

beforeAll(async () => {
  prometheus = await startHttp((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/v1/query') {
      response.statusCode = 404;
      response.end('404 page not found');
      return;
    }
    const query = url.searchParams.get('query') ?? '';
    seen.push(query);
    if (query === 'garbage') {
      response.end('<html>proxy error</html>');
      return;
    }
    const answer = ANSWERS[query];
    response.statusCode = answer && (answer as { status: string }).status === 'error' ? 400 : 200;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(answer ?? vector()));
  });
});

afterAll(async () => {
  await prometheus.close();
});

const check = (query: string, threshold: string) =>
  ({ kind: 'prometheus', server: `${prometheus.url}/`, query, target: target(threshold) }) as const;

describe('prometheus checks', () => {
  it('compares the first sample of a vector with a percentage target', async () => {
    const query = 'sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m]))';
    const pass = await runCheck(check(query, '< 1%'), contextFor());
    expect(pass).toMatchObject({ ok: true, value: '0.004', detail: '0.4%, target < 1%' });
    expect(seen).toContain(query);
    const fail = await runCheck(check(query, '< 0.1%'), contextFor());
    expect(fail).toMatchObject({ ok: false, value: '0.004', detail: '0.4%, target < 0.1% not met' });
  });

  it('reads a latency in seconds against a target in ms, from the first series', async () => {
    const query = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))';
    const pass = await runCheck(check(query, '< 500ms'), contextFor());
    expect(pass).toMatchObject({
      ok: true,
      value: '0.42',
      detail: '420 ms (first of 2 series), target < 500ms',
    });
    const fail = await runCheck(check(query, '< 300ms'), contextFor());
    expect(fail).toMatchObject({ ok: false, detail: '420 ms (first of 2 series), target < 300ms not met' });
  });

  it('reads a scalar', async () => {
    const result = await runCheck(check('scalar(up)', '>= 2'), contextFor());
    expect(result).toMatchObject({ ok: true, value: '3', detail: '3, target >= 2' });
  });

  it('fails an empty result with a clear sentence', async () => {
    const result = await runCheck(check('missing_metric', '< 1'), contextFor());
    expect(result).toMatchObject({
      ok: false,
      value: null,
      detail:
        'the query returned no data (empty vector): the series may not exist yet or the labels do not match',
    });
  });

  it('reports a query Prometheus rejects, and an answer that is not JSON', async () => {
    const rejected = await runCheck(check('bad(', '< 1'), contextFor());
    expect(rejected).toMatchObject({
      ok: false,
      detail: 'Prometheus rejected the query (bad_data: parse error at char 5: unclosed left parenthesis)',
    });
    const garbage = await runCheck(check('garbage', '< 1'), contextFor());
    expect(garbage).toMatchObject({
      ok: false,
      detail: 'Prometheus answered 200 with something that is not JSON: <html>proxy error</html>',
    });
  });

  it('reports a server that is not there', async () => {
    const port = await closedPort();
    const result = await runCheck(
      { kind: 'prometheus', server: `http://127.0.0.1:${port}`, query: 'up', target: target('>= 1') },
      contextFor(),
    );
    expect(result).toMatchObject({ ok: false, detail: `connection refused by 127.0.0.1:${port}` });
  });
});
