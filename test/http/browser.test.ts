import { existsSync } from 'node:fs';
import pino from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatDeps } from '../../src/chat/handle.js';
import { startWeb, type Web } from '../../src/http/start.js';
import { RunService } from '../../src/runs/service.js';
import { library, type } from '../report/drive.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** Debian's Chromium, never a downloaded browser. CI installs it (.ci/run); a machine without it skips. */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const WHY_SKIPPED = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Said once, so a skipped run shows why in the test output and not only as "skipped".
if (!available) console.warn(`browser tests skipped: ${WHY_SKIPPED}`);
/** Far longer than the test: a change that shows up can only have come over the page's event stream. */
const REFRESH_SECONDS = 600;

let database: TestDatabase;
let web: Web;
let deps: ChatDeps;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
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
    refreshSeconds: REFRESH_SECONDS,
  });
  deps = { runs, library, links: web.links };
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await database?.drop();
});

describe('the run page in headless Chromium', () => {
  let link: string;

  it('shows an item ticked in chat within seconds, without reloading the page', async ({ skip }) => {
    skip(!available, WHY_SKIPPED);
    await type(deps, ['/deploy start web v8 --env staging']);
    const status = await type(deps, ['/deploy status']);
    link = (/Web page: (\S+)/.exec(status) as RegExpExecArray)[1] as string;

    // A phone-sized window: the page is read on call, in a hurry.
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toContain('Web deploy · v8 · staging');
    expect(await page.getAttribute('[data-ref="1.1"]', 'data-status')).toBe('open');
    // Nothing sticks out sideways on a phone.
    // A string, as the test's TypeScript has no DOM types.
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);

    // A mark on this document: a reload would make a new document without it.
    await page.evaluate('window.__sameDocument = true');
    await type(deps, ['/deploy check 1.1'], 'bo');
    await page.waitForSelector('[data-ref="1.1"][data-status="done"]', { timeout: 10_000 });
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
    const item = await page.textContent('[data-ref="1.1"]');
    expect(item).toContain('Tag the release');
    expect(item).toContain('@bo');
    expect(await page.textContent('#timeline')).toContain('ticked 1.1 Tag the release');
    await page.close();
  });

  it('gets a 404 that reveals nothing for an unknown or tampered link', async ({ skip }) => {
    skip(!available, WHY_SKIPPED);
    const page = await browser.newPage();
    const url = new URL(link);
    const [runId, expires, signature] = url.pathname.slice('/runs/'.length).split('.') as [
      string,
      string,
      string,
    ];
    const tampered = `${signature.slice(0, -2)}${signature.endsWith('xx') ? 'yy' : 'xx'}`;
    for (const path of [
      `/runs/${runId}.${expires}.${tampered}`,
      `/runs/${runId}.${Number(expires) + 1}.${signature}`,
      '/runs/k7q2mz9p',
    ]) {
      const response = await page.goto(new URL(path, url).toString());
      expect(response?.status(), path).toBe(404);
      const text = (await page.textContent('body')) ?? '';
      expect(text).toContain('Not found');
      expect(text).not.toContain(runId);
      expect(text).not.toContain('Web deploy');
    }
    await page.close();
  });
});
