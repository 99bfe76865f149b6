import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../src/checklist/types.js';
import { runCheck, runChecks } from '../../src/checks/runner.js';
import { contextFor, type Running, startHttp } from './support.js';

let server: Running;
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  server = await startHttp((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(
      () => {
        inFlight--;
        response.statusCode = Number(url.searchParams.get('status') ?? 200);
        response.end('{"status":"ok"}');
      },
      Number(url.searchParams.get('ms') ?? 50),
    );
  });
});

afterAll(async () => {
  await server.close();
});

const slow = (ms: number, status = 200): CheckSpec => ({
  kind: 'http',
  method: 'GET',
  url: `${server.url}/?ms=${ms}&status=${status}`,
});

describe('runChecks', () => {
  it('runs checks concurrently within the bound and returns one result per key, in order', async () => {
    maxInFlight = 0;
    const entries = Array.from({ length: 10 }, (_, index) => ({ key: `check-${index}`, spec: slow(60) }));
    const results = await runChecks(entries, contextFor(), { concurrency: 3 });
    expect([...results.keys()]).toEqual(entries.map((entry) => entry.key));
    expect([...results.values()].every((result) => result.ok)).toBe(true);
    expect(maxInFlight).toBe(3);

    maxInFlight = 0;
    await runChecks(entries.slice(0, 6), contextFor());
    expect(maxInFlight).toBe(6);
  });

  it('gives each check its own timeout, and a failure does not stop the others', async () => {
    const started = performance.now();
    const results = await runChecks(
      [
        { key: 'fast', spec: slow(10) },
        { key: 'slow', spec: slow(1500) },
        { key: 'down', spec: slow(10, 503) },
        { key: 'unset', spec: { kind: 'dns', name: '${NOPE}' } },
      ],
      contextFor({ timeoutMs: 300 }),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(results.get('fast')).toMatchObject({ ok: true, value: '200' });
    expect(results.get('slow')).toMatchObject({ ok: false, detail: 'timed out after 300 ms' });
    expect(results.get('down')).toMatchObject({
      ok: false,
      detail: 'expected a 2xx status, got 503: {"status":"ok"}',
    });
    expect(results.get('unset')?.detail).toBe(
      "NOPE is not set: give it a value under the checklist's variables:, or set SHIPCHECK_VAR_NOPE in Shipcheck's environment",
    );
  });

  it('handles an empty list', async () => {
    expect((await runChecks([], contextFor())).size).toBe(0);
  });
});

describe('runCheck never throws', () => {
  it('turns a bad target into a failed result', async () => {
    const badUrl = await runCheck({ kind: 'http', method: 'GET', url: 'not a url' }, contextFor());
    expect(badUrl).toMatchObject({ ok: false, detail: 'the target is not a valid URL' });
    const unknownKind = await runCheck({ kind: 'ftp', url: 'ftp://x' } as unknown as CheckSpec, contextFor());
    expect(unknownKind).toMatchObject({ ok: false, detail: 'unknown check kind ftp' });
  });

  it('stops when the caller cancels', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const result = await runCheck(slow(1500), contextFor({ signal: controller.signal }));
    expect(result).toMatchObject({ ok: false, detail: 'cancelled' });
    expect(performance.now() - started).toBeLessThan(800);
    const before = await runCheck(slow(10), contextFor({ signal: AbortSignal.abort() }));
    expect(before).toMatchObject({ ok: false, detail: 'cancelled before it started' });
  });
});
