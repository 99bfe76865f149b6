import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { buildReport } from '../report/build.js';
import type { RunService } from '../runs/service.js';
import type { RunState } from '../runs/types.js';
import { html, PAGE_HEADERS, page, pageHeaders } from './html.js';
import type { LinkSigner } from './links.js';
import { renderRunBody, renderRunPage } from './runPage.js';
import type { HttpServer } from './server.js';

export interface RunPageRouteOptions {
  runs: RunService;
  signer: LinkSigner;
  clock?: () => Date;
  /** Seconds between reloads of an active run's page, for browsers without scripts (default 10). */
  refreshSeconds?: number;
  /** How often a live page's stream looks for a new revision (default 1 s). */
  pollMs?: number;
  logger?: Logger;
}

/** At most this many pages follow runs live at once; past it a page falls back to reloading. */
const MAX_LIVE_STREAMS = 200;
/** A stream ends after this long; the browser reconnects by itself, so no connection lives forever. */
const STREAM_LIFETIME_MS = 30 * 60_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
const EVENTS = '/events';

/**
 * `GET /runs/<token>`: the page of the run the signed token names; `GET /runs/<token>/events`: the same
 * page's body again each time the run changes (server-sent events). Anything else is the same 404.
 */
export function addRunPageRoute(http: HttpServer, options: RunPageRouteOptions): void {
  const clock = options.clock ?? (() => new Date());
  let liveStreams = 0;
  http.addRoute('GET', '/runs', async ({ req, res, rest, url }) => {
    const now = clock();
    const streaming = rest.endsWith(EVENTS);
    const token = streaming ? rest.slice(0, -EVENTS.length) : rest;
    const runId = token && !token.includes('/') ? options.signer.verify(token, now) : null;
    const state = runId ? await options.runs.get(runId) : null;
    if (!state) return sendNotFound(res);
    if (streaming) {
      if (liveStreams >= MAX_LIVE_STREAMS) return sendBusy(res);
      liveStreams++;
      req.once('close', () => {
        liveStreams--;
      });
      return followRun(options, clock, req, res, state, seenRevision(req, url));
    }
    // A fresh nonce per response: the page's own script runs, nothing injected into it could.
    const nonce = state.status === 'active' ? randomBytes(16).toString('base64') : null;
    const body = renderRunPage({
      ...(await pageInput(options.runs, state, now)),
      ...(options.refreshSeconds ? { refreshSeconds: options.refreshSeconds } : {}),
      ...(nonce ? { nonce } : {}),
    });
    res.writeHead(200, { ...pageHeaders(nonce), 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
}

async function pageInput(runs: RunService, state: RunState, now: Date) {
  const events = await runs.events(state.id);
  const report = buildReport({ runId: state.id, checklist: state.checklist, events, now });
  return { state, events, report, now };
}

/** The revision the page already shows: the browser's Last-Event-ID after a reconnect, else `?rev=`. */
function seenRevision(req: IncomingMessage, url: URL): number {
  const raw = req.headers['last-event-id'] ?? url.searchParams.get('rev') ?? '0';
  const revision = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isInteger(revision) && revision >= 0 ? revision : 0;
}

/**
 * Sends the page's body whenever the run's revision moves past what the page shows, until the run ends,
 * the stream's lifetime is up, or the browser goes away. One look at a time: a slow database never
 * piles up reads.
 */
function followRun(
  options: RunPageRouteOptions,
  clock: () => Date,
  req: IncomingMessage,
  res: ServerResponse,
  first: RunState,
  seen: number,
): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 3000\n\n');
  let shown = seen;
  let looking = false;
  let ended = false;
  const startedAt = Date.now();
  let lastWrite = Date.now();
  const stop = () => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    res.end();
  };
  const look = async (known: RunState | null) => {
    if (looking || ended) return;
    looking = true;
    try {
      const state = known ?? (await options.runs.get(first.id));
      if (!state || ended) return stop();
      if (state.revision !== shown) {
        const input = await pageInput(options.runs, state, clock());
        const done = state.status !== 'active';
        const data = JSON.stringify({ html: renderRunBody(input), revision: state.revision, done });
        res.write(`id: ${state.revision}\nevent: update\ndata: ${data}\n\n`);
        shown = state.revision;
        lastWrite = Date.now();
        if (done) return stop();
      }
      if (Date.now() - startedAt > STREAM_LIFETIME_MS) return stop();
      if (Date.now() - lastWrite > HEARTBEAT_MS) {
        res.write(': still here\n\n');
        lastWrite = Date.now();
      }
    } catch (error) {
      options.logger?.warn({ err: error, run: first.id }, 'live run page stream failed');
      stop();
    } finally {
      looking = false;
    }
  };
  const timer = setInterval(() => void look(null), options.pollMs ?? 1_000);
  req.once('close', stop);
  void look(first);
}

function sendBusy(res: ServerResponse): void {
  const body = 'too many live pages are open; this one reloads instead';
  res.writeHead(503, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Retry-After': '60',
    'Cache-Control': 'no-store',
  });
  res.end(body);
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
