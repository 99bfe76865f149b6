import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/runner.js';
import { closedPort, contextFor, probePostgres, type Running, startTcp, target } from './support.js';

/** DATABASE_URL when set (CI), else the machine's own Postgres if it answers, else these tests are skipped. */
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const unavailable = await probePostgres(DATABASE_URL);
const skipReason = unavailable
  ? `Postgres check tests skipped: no database at ${process.env.DATABASE_URL ? 'DATABASE_URL' : '127.0.0.1:5432/test'} (${unavailable}); set DATABASE_URL to run them`
  : null;
if (skipReason) console.warn(skipReason);

const query = (text: string, threshold?: string) =>
  ({
    kind: 'postgres',
    url: DATABASE_URL,
    query: text,
    target: threshold ? target(threshold) : undefined,
  }) as const;

describe('postgres checks, before connecting', () => {
  let listener: Running;
  let connections = 0;

  beforeAll(async () => {
    listener = await startTcp((socket) => {
      connections++;
      socket.destroy();
    });
  });

  afterAll(async () => {
    await listener.close();
  });

  it('refuses a query that does not start with SELECT, SHOW or WITH, without connecting', async () => {
    const url = `postgres://postgres@127.0.0.1:${listener.port}/test`;
    for (const text of ['delete from deployments', 'DROP TABLE runs', '/* read */ update t set x = 1']) {
      const result = await runCheck({ kind: 'postgres', url, query: text }, contextFor());
      expect(result).toMatchObject({
        ok: false,
        value: null,
        detail: 'refused: a check may only read; start the query with SELECT, SHOW or WITH',
      });
    }
    expect(connections).toBe(0);
  });

  it('reports a refused connection and a server that never answers', async () => {
    const port = await closedPort();
    const refused = await runCheck(
      { kind: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/test`, query: 'select 1' },
      contextFor(),
    );
    expect(refused).toMatchObject({ ok: false, detail: `connection refused by 127.0.0.1:${port}` });
    const silent = await startTcp();
    try {
      const started = performance.now();
      const timedOut = await runCheck(
        { kind: 'postgres', url: `postgres://postgres@127.0.0.1:${silent.port}/test`, query: 'select 1' },
        contextFor({ timeoutMs: 300 }),
      );
      expect(timedOut.ok).toBe(false);
      expect(timedOut.detail).toMatch(/^timed out after 300 ms/);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await silent.close();
    }
  });
});

describe.skipIf(skipReason !== null)('postgres checks against a real database', () => {
  it('runs select 1 and reports its value', async () => {
    const result = await runCheck(query('select 1'), contextFor());
    expect(result).toMatchObject({ ok: true, value: '1' });
    expect(result.detail).toMatch(/^the query returned 1 in \d+ ms$/);
  });

  it('compares the first value with a target', async () => {
    const pass = await runCheck(query('select count(*) from pg_stat_activity', '< 100000'), contextFor());
    expect(pass.ok).toBe(true);
    expect(Number(pass.value)).toBeGreaterThan(0);
    const fail = await runCheck(query('select 5', '> 10'), contextFor());
    expect(fail).toMatchObject({
      ok: false,
      value: '5',
      detail: 'the query returned 5, target > 10 not met',
    });
    const ratio = await runCheck(
      query(
        "select count(*)::float / current_setting('max_connections')::int from pg_stat_activity",
        '< 80%',
      ),
      contextFor(),
    );
    expect(ratio.ok).toBe(true);
    expect(ratio.detail).toMatch(/^the query returned [\d.]+% \(target < 80%\)$/);
  });

  it('runs SHOW and WITH', async () => {
    const show = await runCheck(query('show transaction_read_only'), contextFor());
    expect(show).toMatchObject({ ok: true, value: 'on' });
    const cte = await runCheck(query('with n as (select 41 as x) select x + 1 from n', '= 42'), contextFor());
    expect(cte).toMatchObject({ ok: true, value: '42' });
  });

  it('cannot write: a data-modifying CTE and a second statement are refused by the server', async () => {
    const cte = await runCheck(
      query(
        'with gone as (delete from pg_catalog.pg_class where false returning 1) select count(*) from gone',
      ),
      contextFor(),
    );
    expect(cte.ok).toBe(false);
    expect(cte.detail).toMatch(
      /^refused: the query tried to write \(cannot execute \w+ in a read-only transaction\)$/,
    );
    const smuggled = await runCheck(
      query('select 1; commit; delete from pg_catalog.pg_class where false'),
      contextFor(),
    );
    expect(smuggled).toMatchObject({ ok: false, detail: 'refused: a check runs exactly one statement' });
  });

  it('cancels a query past the statement timeout, with a clear detail', async () => {
    const result = await runCheck(query('select pg_sleep(30)'), contextFor({ timeoutMs: 1500 }));
    expect(result.ok).toBe(false);
    // The statement timeout is what is left of the budget, so the server cancels the query first; on a
    // machine so loaded that connecting ate the budget, the check's own deadline says so instead.
    expect(result.detail).toMatch(
      /^(the query was cancelled by the statement timeout of \d+ ms \(check budget 1500 ms\)|timed out after 1500 ms.*)$/,
    );
    // Far less than the 30 s the query asked for: it was cancelled, not waited out.
    expect(result.latencyMs).toBeLessThan(15_000);
  });

  it('reports a query error', async () => {
    const result = await runCheck(query('select * from shipcheck_no_such_table'), contextFor());
    expect(result).toMatchObject({
      ok: false,
      detail: 'Postgres: relation "shipcheck_no_such_table" does not exist',
    });
  });
});
