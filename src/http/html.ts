/** HTML building blocks for the server-rendered pages: escaping, and the one layout every page uses. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Everything a person typed goes through this, in text and in attributes alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/** A tagged template that escapes every interpolated value unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

function render(value: Part): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export interface PageOptions {
  title: string;
  body: Html;
  /** Seconds between reloads while there is something live to watch; null for none. */
  refreshSeconds?: number | null;
  /**
   * Follow the page's event stream instead of reloading: the script (allowed by this nonce only)
   * replaces <main> with each new rendering. The reload stays for browsers without scripts.
   */
  live?: { nonce: string; revision: number } | null;
}

/**
 * The page's only script: listens on `<page>/events` and swaps in each body the server sends. Server
 * HTML is escaped where it is built, so putting it in place adds nothing a reload would not.
 */
const LIVE_SCRIPT = `(function () {
  var main = document.querySelector('main');
  if (!main || !window.EventSource) return;
  var stream = new EventSource(location.pathname + '/events?rev=' + main.getAttribute('data-rev'));
  stream.addEventListener('update', function (event) {
    var update = JSON.parse(event.data);
    main.innerHTML = update.html;
    main.setAttribute('data-rev', String(update.revision));
    if (update.done) stream.close();
  });
})();`;

/** Readable on a phone: viewport meta, one column, system fonts, no external resources of any kind. */
export function page(options: PageOptions): string {
  const reload = options.refreshSeconds
    ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">`
    : '';
  const live = options.live ?? null;
  const refresh = live && reload ? html`<noscript>${reload}</noscript>` : reload;
  const script = live ? html`<script nonce="${live.nonce}">${new Html(LIVE_SCRIPT)}</script>` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
${refresh}
<title>${options.title}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<main${live ? html` data-rev="${live.revision}"` : ''}>
${options.body}
</main>
${script}
</body>
</html>
`.value;
}

/**
 * The run page's headers: no caching of a page that holds a token in its URL, no referrer leaking it,
 * no outside resources, no script but the live page's own (by nonce, see pageHeaders), no framing, no indexing.
 */
export function pageHeaders(nonce: string | null): Record<string, string> {
  if (!nonce) return { ...PAGE_HEADERS };
  return {
    ...PAGE_HEADERS,
    'Content-Security-Policy': `${PAGE_HEADERS['Content-Security-Policy']}; script-src 'nonce-${nonce}'; connect-src 'self'`,
  };
}

export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-Robots-Tag': 'noindex, nofollow',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6570; --line: #d8dee4; --bg: #fff;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --na: #6e7781; --chip: #f3f5f7; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b1; --line: #30363d;
  --bg: #0d1117; --ok: #3fb950; --bad: #f85149; --warn: #d29922; --na: #8b949e; --chip: #161b22; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .35rem; }
h4 { font-size: .95rem; margin: .75rem 0 .25rem; color: var(--muted); font-weight: 600; }
p { margin: .3rem 0; }
.muted, .who, time { color: var(--muted); }
.who, time { font-size: .875rem; }
.chip { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; background: var(--chip);
  border: 1px solid var(--line); font-size: .85rem; }
.status-active { color: var(--warn); } .status-completed { color: var(--ok); }
.status-aborted, .status-rolled_back { color: var(--bad); }
ul.items, ol.timeline, ul.plain { list-style: none; padding: 0; margin: 0; }
ul.items li { padding: .35rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
ul.items li.depth-1 { padding-left: 1.25rem; } ul.items li.depth-2 { padding-left: 2.5rem; }
.mark { display: inline-block; width: 1.4rem; font-weight: 700; }
.st-done .mark { color: var(--ok); } .st-failed .mark, .st-failed .reason { color: var(--bad); }
.st-skipped .mark { color: var(--warn); } .st-na .mark { color: var(--na); }
.ref { font-variant-numeric: tabular-nums; color: var(--muted); margin-right: .25rem; }
.detail { display: block; margin-left: 1.65rem; font-size: .9rem; }
.flag { color: var(--warn); }
ol.timeline li { padding: .25rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem .3rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
.late { color: var(--bad); font-weight: 600; }
footer { margin-top: 2rem; font-size: .8rem; color: var(--muted); }
`;
