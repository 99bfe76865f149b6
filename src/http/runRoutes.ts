import type { ServerResponse } from 'node:http';
import { buildReport } from '../report/build.js';
import type { RunService } from '../runs/service.js';
import { html, PAGE_HEADERS, page } from './html.js';
import type { LinkSigner } from './links.js';
import { renderRunPage } from './runPage.js';
import type { HttpServer } from './server.js';

export interface RunPageRouteOptions {
  runs: RunService;
  signer: LinkSigner;
  clock?: () => Date;
  /** Seconds between reloads of an active run's page (default 10). */
  refreshSeconds?: number;
}

/** `GET /runs/<token>`: the page of the run the signed token names; anything else is the same 404. */
export function addRunPageRoute(http: HttpServer, options: RunPageRouteOptions): void {
  const clock = options.clock ?? (() => new Date());
  http.addRoute('GET', '/runs', async ({ res, rest }) => {
    const now = clock();
    const runId = rest && !rest.includes('/') ? options.signer.verify(rest, now) : null;
    const state = runId ? await options.runs.get(runId) : null;
    if (!state) return sendNotFound(res);
    const events = await options.runs.events(state.id);
    const report = buildReport({ runId: state.id, checklist: state.checklist, events, now });
    const body = renderRunPage({
      state,
      events,
      report,
      now,
      ...(options.refreshSeconds ? { refreshSeconds: options.refreshSeconds } : {}),
    });
    res.writeHead(200, { ...PAGE_HEADERS, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
}

/**
 * One answer for an unknown run, a tampered signature, an expired link or a malformed path alike, so a
 * visitor learns nothing about which runs exist.
 */
const NOT_FOUND_PAGE = page({
  title: 'Not found · Shipcheck',
  body: html`<h1>Not found</h1><p>There is no page here, or the link is no longer valid. Ask for a new link in the run’s chat: <code>/deploy status</code>.</p>`,
});

export function sendNotFound(res: ServerResponse): void {
  res.writeHead(404, { ...PAGE_HEADERS, 'Content-Length': Buffer.byteLength(NOT_FOUND_PAGE) });
  res.end(NOT_FOUND_PAGE);
}
