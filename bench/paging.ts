/**
 * Paging with a slow notifier: 30 escalations opened 150 ms apart on runs of their own, each paging a
 * webhook that trickles its answer over 5 s and a notifier that answers at once. Figures: pages
 * delivered / expected for each notifier (each delivery key counted once), and how late the fast
 * notifier's pages were (delivery − escalation). Figures, never pass/fail.
 *
 *   node --import tsx bench/paging.ts            embedded PGlite in memory
 *   DATABASE_URL=postgres://… node --import tsx bench/paging.ts   a scratch database on that server
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { parseChecklist } from '../src/checklist/parse.js';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { escalationHandlers } from '../src/escalation/escalator.js';
import { type Notice, type Notifier, webhookNotifier } from '../src/escalation/notify.js';
import { type PeopleDirectory, readOncallFile } from '../src/escalation/oncallFile.js';
import { RunService } from '../src/runs/service.js';
import type { RunState } from '../src/runs/types.js';
import { TimerWorker } from '../src/timers/worker.js';
import { createBenchDatabase } from './support/database.js';

const PAGES = 30;
const GAP_MS = 150;
const SLOW_MS = 5_000;
const logger = pino({ level: 'silent' });

const directory = readOncallFile(`people:
  ana: { name: Ana Ruiz, terminal: ana }
roles:
  on-call-engineer: [ana]
policies:
  one-step:
    steps:
      - { targets: [role:on-call-engineer], wait: 5m }
`).directory as PeopleDirectory;

const checklist = parseChecklist(
  '---\nescalation: { policy: one-step }\n---\n# Release\n## Go\n- [ ] Deploy\n',
  {
    name: 'paging',
    file: 'paging.md',
  },
);

const webhookKeys = new Map<string, number>();
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const key = String(request.headers['idempotency-key'] ?? '');
    webhookKeys.set(key, (webhookKeys.get(key) ?? 0) + 1);
    response.writeHead(202);
    let left = SLOW_MS / 1000;
    const drip = setInterval(() => {
      if (--left > 0) return void response.write('.');
      clearInterval(drip);
      response.end('.');
    }, 1000);
    response.on('close', () => clearInterval(drip));
  });
});
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pages`;

const fastAt = new Map<string, number>();
const fast: Notifier = {
  name: 'fast',
  accepts: (notice: Notice) => notice.kind === 'page',
  async send(notice) {
    if (!fastAt.has(notice.run.id)) fastAt.set(notice.run.id, Date.now());
    return 'done';
  },
};

const scratch = await createBenchDatabase(process.env.DATABASE_URL || undefined);
let handle: DatabaseHandle | null = null;
try {
  handle = await openDatabase(
    scratch.url ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: null },
  );
  await migrateDatabase(handle);
  const runs = new RunService(handle.db);
  const worker = new TimerWorker({
    db: handle.db,
    handlers: escalationHandlers({
      runs,
      directory,
      notifiers: [webhookNotifier(url, 'secret', logger), fast],
    }),
    logger,
  });
  worker.start();
  const opened: { runId: string; at: number }[] = [];
  for (let index = 0; index < PAGES; index++) {
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    const started = await runs.start(
      { checklist, version: 'v1', environment: null, platform: 'bench', channelId: `c${index}` },
      '@ana',
      null,
    );
    const runId = (started.state as RunState).id;
    await runs.apply(runId, { type: 'escalate', reason: 'bench' }, '@ana', null);
    opened.push({ runId, at: Date.now() });
  }
  const deadline = Date.now() + SLOW_MS * 4 + 20_000;
  while ((webhookKeys.size < PAGES || fastAt.size < PAGES) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, SLOW_MS + 1_000));
  await worker.stop();
  const lateness = opened
    .map(({ runId, at }) => (fastAt.get(runId) ?? Number.NaN) - at)
    .sort((a, b) => a - b);
  const p = (q: number) =>
    Math.round(lateness[Math.min(lateness.length - 1, Math.ceil(lateness.length * q) - 1)] ?? Number.NaN);
  console.log(
    JSON.stringify(
      {
        database: scratch.kind,
        pages: PAGES,
        'webhook answer ms': SLOW_MS,
        'slow webhook: delivered / expected': `${webhookKeys.size} / ${PAGES}`,
        'slow webhook: requests per delivery key (max)': Math.max(0, ...webhookKeys.values()),
        'fast notifier: delivered / expected': `${fastAt.size} / ${PAGES}`,
        'fast notifier lateness p50 ms': p(0.5),
        'fast notifier lateness p99 ms': p(0.99),
      },
      null,
      2,
    ),
  );
} finally {
  await handle?.close();
  await scratch.drop();
  server.closeAllConnections();
  server.close();
}
