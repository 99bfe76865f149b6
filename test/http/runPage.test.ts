import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatDeps } from '../../src/chat/handle.js';
import { startWeb, type Web } from '../../src/http/start.js';
import { RunService } from '../../src/runs/service.js';
import { library, type } from '../report/drive.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
let web: Web;
let deps: ChatDeps;

beforeAll(async () => {
  database = await createTestDatabase();
  const runs = new RunService(database.handle.db);
  web = await startWeb({
    db: database.handle.db,
    runs,
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
    publicUrl: null,
    linkSecret: null,
  });
  deps = { runs, library, links: web.links };
});
afterAll(async () => {
  await web.close();
  await database.drop();
});

/** The link `/deploy status` prints under the summary. */
function linkIn(printed: string): string {
  const match = /Web page: (http:\/\/127\.0\.0\.1:\d+\/runs\/\S+)/.exec(printed);
  if (!match) throw new Error(`no link in:\n${printed}`);
  return match[1] as string;
}

describe('the run page', () => {
  let link: string;

  beforeAll(async () => {
    await type(deps, [
      '/deploy start web v7 --env production',
      '/deploy check 1.1',
      '/deploy skip 1.2 "<script>alert(1)</script> & <b>@channel</b>"',
      '/deploy set 3.1 640',
    ]);
    link = linkIn(await type(deps, ['/deploy status']));
  });

  it('is linked from the summary, and shows the live state, the report and every event, escaped', async () => {
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await response.text();
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body).toContain('<meta http-equiv="refresh" content="10">');
    expect(body).toContain('Web deploy · v7 · production');
    expect(body).toMatch(/data-ref="1\.1" data-status="done"/);
    expect(body).toMatch(/data-ref="1\.2" data-status="skipped"/);
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;@channel&lt;/b&gt;');
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('<b>@channel');
    expect(body).toContain('⚠ past target: p95 latency 640 ms (target &lt;500ms)');
    expect(body).toContain('<section id="report">');
    // The timeline holds every event of the run, in order.
    const runId = (/\/runs\/([a-z0-9]+)\./.exec(link) as RegExpExecArray)[1] as string;
    const events = await deps.runs.events(runId);
    const shown = [...body.matchAll(/<li data-type="([a-z_]+)">/g)].map((match) => match[1]);
    expect(shown).toEqual(events.map((event) => event.type));
  });

  it('stops refreshing once the run has ended, and holds its report', async () => {
    await type(deps, ['/deploy abort "tests are done"']);
    const body = await (await fetch(link)).text();
    expect(body).not.toContain('http-equiv="refresh"');
    expect(body).toContain('Aborted');
    expect(body).toContain('Reason: tests are done');
  });

  it('answers an unknown, tampered or expired link with the same 404 that names nothing', async () => {
    const url = new URL(link);
    const token = url.pathname.slice('/runs/'.length);
    const [runId, expires, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const bodies = new Set<string>();
    for (const path of [
      `/runs/${runId}.${expires}.${flipped}`,
      `/runs/${runId}.${Number(expires) + 3600}.${signature}`,
      `/runs/${runId}`,
      `/runs/nosuchrun.${expires}.${signature}`,
      '/runs/',
      `/runs/${token}/extra`,
      '/nothing-here',
    ]) {
      const response = await fetch(new URL(path, url));
      const body = await response.text();
      expect(response.status, path).toBe(404);
      expect(body, path).not.toContain(runId);
      expect(body, path).not.toContain('Web deploy');
      if (path.startsWith('/runs/')) bodies.add(body);
    }
    expect(bodies.size).toBe(1);
  });

  it('serves /health beside the pages', async () => {
    const response = await fetch(new URL('/health', link));
    expect([response.status, await response.text()]).toEqual([200, 'ok']);
  });
});
