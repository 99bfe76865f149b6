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

  it('a tampered link gets no event stream either', async () => {
    const url = new URL(link);
    const response = await fetch(new URL(`${url.pathname.slice(0, -3)}xyz/events`, url));
    expect(response.status).toBe(404);
    await response.text();
  });

  it('serves /health beside the pages', async () => {
    const response = await fetch(new URL('/health', link));
    expect([response.status, await response.text()]).toEqual([200, 'ok']);
  });
});

/** Reads server-sent events from a live response until `wanted` matches one, or the time is up. */
async function nextUpdate(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  wanted: (data: { html: string; revision: number; done: boolean }) => boolean,
  timeoutMs = 10_000,
): Promise<{ html: string; revision: number; done: boolean }> {
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now())),
    ]);
    if (!chunk || chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (/^event: update$/m.test(block) && data) {
        const update = JSON.parse(data) as { html: string; revision: number; done: boolean };
        if (wanted(update)) return update;
      }
      end = buffer.indexOf('\n\n');
    }
  }
  throw new Error(`no matching update within ${timeoutMs} ms`);
}

describe('the live run page', () => {
  it('heads the page with an open escalation and who owns it, and follows the run without a reload', async () => {
    await type(deps, ['/deploy start web v9 --env production']);
    const link = linkIn(await type(deps, ['/deploy status']));
    const page = await fetch(link);
    const body = await page.text();
    // The page's one script carries the nonce the policy allows, and nothing else may run.
    const nonce = /<script nonce="([^"]+)">/.exec(body)?.[1];
    expect(nonce).toBeTruthy();
    expect(page.headers.get('content-security-policy')).toContain(`script-src 'nonce-${nonce}'`);
    expect(body).toContain('<noscript><meta http-equiv="refresh" content="10"></noscript>');
    const revision = Number(/<main data-rev="(\d+)">/.exec(body)?.[1]);

    const controller = new AbortController();
    const stream = await fetch(`${link}/events?rev=${revision}`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    try {
      await type(deps, ['/deploy escalate P1 checkout is failing for EU cards'], 'bo');
      const opened = await nextUpdate(reader, (update) => update.html.includes('id="escalation"'));
      expect(opened.revision).toBeGreaterThan(revision);
      expect(opened.html).toMatch(
        /🚨 <strong>P1<\/strong> escalation since \d\d:\d\d UTC: checkout is failing for EU cards · NOT acknowledged/,
      );
      await type(deps, ['/deploy ack'], 'cy');
      const owned = await nextUpdate(reader, (update) => update.html.includes('acknowledged by @cy'));
      expect(owned.html).toContain('data-status="acknowledged"');
      await type(deps, ['/deploy check 1.1'], 'bo');
      const ticked = await nextUpdate(reader, (update) =>
        /data-ref="1\.1" data-status="done"/.test(update.html),
      );
      expect(ticked.done).toBe(false);
      await type(deps, ['/deploy abort "live test over"']);
      const last = await nextUpdate(reader, (update) => update.done);
      expect(last.html).toContain('Aborted');
    } finally {
      controller.abort();
    }
  });
});
