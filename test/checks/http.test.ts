import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../src/checklist/types.js';
import { runCheck } from '../../src/checks/runner.js';
import { closedPort, contextFor, type Running, startHttp, startTcp } from './support.js';

let server: Running;

beforeAll(async () => {
  server = await startHttp((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case '/health':
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({ status: 'ok', version: '1.4.2', checks: { db: { status: 'up', ms: 3 } } }),
        );
        return;
      case '/down':
        response.statusCode = 503;
        response.end(JSON.stringify({ status: 'down', reason: 'database unreachable' }));
        return;
      case '/created':
        response.statusCode = 201;
        response.end('created');
        return;
      case '/text':
        response.end(`<html><body>${'welcome to shipcheck '.repeat(40)}</body></html>`);
        return;
      case '/broken-json':
        response.setHeader('content-type', 'application/json');
        response.end('{"status": "ok", oops');
        return;
      case '/slow':
        setTimeout(() => response.end('{"status":"ok"}'), Number(url.searchParams.get('ms') ?? 300));
        return;
      case '/old':
        response.statusCode = 302;
        response.setHeader('location', '/health');
        response.end();
        return;
      case '/echo-method':
        response.end(JSON.stringify({ method: request.method, auth: request.headers.authorization ?? null }));
        return;
      default:
        response.statusCode = 404;
        response.end('not found');
    }
  });
});

afterAll(async () => {
  await server.close();
});

const http = (path: string, extra: Record<string, unknown> = {}) =>
  ({ kind: 'http', method: 'GET', url: `${server.url}${path}`, ...extra }) as const;

describe('http checks', () => {
  it('passes on any 2xx by default and reports the status as the value', async () => {
    const created = await runCheck(http('/created'), contextFor());
    expect(created).toMatchObject({ ok: true, value: '201' });
    expect(created.detail).toMatch(/^GET answered 201 in \d+ ms$/);
    expect(created.latencyMs).toBeGreaterThan(0);
  });

  it('fails on an unexpected status with the status and a truncated body', async () => {
    const down = await runCheck(http('/down', { expectStatus: 200 }), contextFor());
    expect(down).toMatchObject({ ok: false, value: '503' });
    expect(down.detail).toBe(
      'expected status 200, got 503: {"status":"down","reason":"database unreachable"}',
    );
    const missing = await runCheck(http('/nope'), contextFor());
    expect(missing.detail).toBe('expected a 2xx status, got 404: not found');
  });

  it('checks an expected status exactly', async () => {
    const result = await runCheck(http('/created', { expectStatus: 200 }), contextFor());
    expect(result).toMatchObject({ ok: false, detail: 'expected status 200, got 201: created' });
  });

  it('reads a dotted JSON path and compares it', async () => {
    const top = await runCheck(http('/health', { jsonPath: 'status', equals: 'ok' }), contextFor());
    expect(top).toMatchObject({ ok: true, value: 'ok' });
    expect(top.detail).toMatch(/^GET answered 200, status = ok in \d+ ms$/);
    const nested = await runCheck(
      http('/health', { jsonPath: 'checks.db.status', equals: 'up' }),
      contextFor(),
    );
    expect(nested).toMatchObject({ ok: true, value: 'up' });
    const number = await runCheck(http('/health', { jsonPath: 'checks.db.ms', equals: 3 }), contextFor());
    expect(number).toMatchObject({ ok: true, value: '3' });
  });

  it('fails when the JSON value differs or is missing', async () => {
    const wrong = await runCheck(
      http('/health', { jsonPath: 'checks.db.status', equals: 'down' }),
      contextFor(),
    );
    expect(wrong).toMatchObject({
      ok: false,
      value: 'up',
      detail: 'checks.db.status is "up", expected "down"',
    });
    const absent = await runCheck(
      http('/health', { jsonPath: 'checks.cache.status', equals: 'up' }),
      contextFor(),
    );
    expect(absent.ok).toBe(false);
    expect(absent.detail).toMatch(/^checks\.cache\.status is missing from the response: \{"status":"ok"/);
  });

  it('matches a JSON value against a /pattern/', async () => {
    const result = await runCheck(
      http('/health', { jsonPath: 'version', equals: '/^1\\.4\\./' }),
      contextFor(),
    );
    expect(result).toMatchObject({ ok: true, value: '1.4.2' });
    const miss = await runCheck(http('/health', { jsonPath: 'version', equals: '/^2\\./' }), contextFor());
    expect(miss).toMatchObject({ ok: false, detail: 'version is "1.4.2", expected to match /^2\\./' });
  });

  it('fails clearly on malformed JSON', async () => {
    const result = await runCheck(http('/broken-json', { jsonPath: 'status', equals: 'ok' }), contextFor());
    expect(result).toMatchObject({
      ok: false,
      value: '200',
      detail: 'response is not JSON: {"status": "ok", oops',
    });
  });

  it('looks for a substring in the body, and truncates the body it shows', async () => {
    const found = await runCheck(http('/text', { bodyContains: 'welcome to shipcheck' }), contextFor());
    expect(found.ok).toBe(true);
    const missing = await runCheck(http('/text', { bodyContains: 'maintenance' }), contextFor());
    expect(missing.ok).toBe(false);
    expect(missing.detail).toMatch(/^the response does not contain "maintenance": <html><body>welcome/);
    expect(missing.detail.length).toBeLessThanOrEqual(260);
    expect(missing.detail.endsWith('…')).toBe(true);
  });

  it('fails a response slower than the latency budget without waiting for the timeout', async () => {
    const started = performance.now();
    const result = await runCheck(
      http('/slow?ms=1500', { maxLatencyMs: 100 }),
      contextFor({ timeoutMs: 2000 }),
    );
    expect(result).toMatchObject({ ok: false, detail: 'no answer within the latency budget of 100 ms' });
    expect(performance.now() - started).toBeLessThan(1000);
    const quick = await runCheck(http('/slow?ms=10', { maxLatencyMs: 1000 }), contextFor());
    expect(quick.ok).toBe(true);
  });

  it('times out after the per-check timeout', async () => {
    const started = performance.now();
    const result = await runCheck(http('/slow?ms=1500'), contextFor({ timeoutMs: 200 }));
    expect(result).toMatchObject({ ok: false, value: null, detail: 'timed out after 200 ms' });
    expect(performance.now() - started).toBeLessThan(800);
  });

  it('does not follow a redirect unless asked', async () => {
    const kept = await runCheck(http('/old'), contextFor());
    expect(kept).toMatchObject({
      ok: false,
      value: '302',
      detail: 'expected a 2xx status, got 302 (redirect to /health, not followed)',
    });
    const followed = await runCheck(
      http('/old', { followRedirects: true, jsonPath: 'status', equals: 'ok' }),
      contextFor(),
    );
    expect(followed).toMatchObject({ ok: true, value: 'ok' });
  });

  it('sends the method, and credentials in the URL as a Basic header, masked when echoed back', async () => {
    const head = await runCheck(http('/health', { method: 'HEAD' }), contextFor());
    expect(head).toMatchObject({ ok: true, value: '200' });
    const withAuth = await runCheck(
      {
        kind: 'http',
        method: 'GET',
        url: `http://ops:s3cret-pass@127.0.0.1:${server.port}/echo-method`,
        jsonPath: 'auth',
      },
      contextFor(),
    );
    // The echo proves the header went out; what the check shows of it is masked.
    expect(withAuth.value).toBe('Basic ***');
    expect(JSON.stringify(withAuth)).not.toContain(Buffer.from('ops:s3cret-pass').toString('base64'));
  });

  it('sends headers with variables filled in, and masks secret values it shows', async () => {
    // `headers` is not in CheckSpec yet (nor in the front matter schema); the runner already honours it.
    const spec = {
      ...http('/echo-method', { jsonPath: 'auth' }),
      headers: { authorization: 'Bearer ${API_TOKEN}' },
    } as unknown as CheckSpec;
    const result = await runCheck(spec, contextFor({ env: { API_TOKEN: 'tok_abcdef123456' } }));
    expect(result).toMatchObject({ ok: true, value: 'Bearer ***' });
  });

  it('reports a refused connection on a closed port', async () => {
    const port = await closedPort();
    const result = await runCheck(
      { kind: 'http', method: 'GET', url: `http://127.0.0.1:${port}/health` },
      contextFor(),
    );
    expect(result).toMatchObject({
      ok: false,
      value: null,
      detail: `connection refused by 127.0.0.1:${port}`,
    });
  });

  it('reports a server that closes the connection without answering', async () => {
    const rude = await startTcp((socket) => socket.destroy());
    try {
      const result = await runCheck(
        { kind: 'http', method: 'GET', url: `http://${rude.url}/` },
        contextFor(),
      );
      expect(result.ok).toBe(false);
      expect(result.detail).toBe(`connection closed by ${rude.url} before it answered`);
    } finally {
      await rude.close();
    }
  });

  it('reports a name that does not resolve', async () => {
    const result = await runCheck(
      { kind: 'http', method: 'GET', url: 'http://shipcheck-test.invalid/health' },
      contextFor(),
    );
    expect(result).toMatchObject({ ok: false, detail: 'could not resolve shipcheck-test.invalid:80' });
  });
});
