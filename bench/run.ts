/**
 * `npm run bench`: figures and ratios, never pass/fail. Run with DATABASE_URL set to measure PostgreSQL,
 * unset for embedded PGlite (in memory, so disk speed does not blur the engine's cost).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { parseChecklist } from '../src/checklist/parse.js';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { RunService } from '../src/runs/service.js';

// The seeds beside the repository when they are there (as in CI); otherwise the checklists it ships.
const SEEDS = new URL('../../shared/seeds/', import.meta.url);
const TEMPLATES = new URL('../checklists/', import.meta.url);
const HAVE_SEEDS = existsSync(SEEDS);
const SOURCES: { name: string; url: URL }[] = HAVE_SEEDS
  ? [
      '000_9a2bf36146cdfb09',
      '001_ace487689436cbad',
      '002_12b12a7f77bbfa89',
      '003_8b026e154c1aa401',
      '004_d4a68ed5b284ad4b',
    ].map((name) => ({ name, url: new URL(`${name}.txt`, SEEDS) }))
  : [
      'backend-api-deploy',
      'go-live-web-app',
      'post-deploy-websocket',
      'realtime-feature-rollout',
      'redis-cluster-websocket',
    ].map((name) => ({ name, url: new URL(`${name}.md`, TEMPLATES) }));
if (!HAVE_SEEDS)
  process.stderr.write('../shared/seeds not found: parsing and the command path use checklists/ instead\n');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

async function timeEach(count: number, fn: (index: number) => Promise<unknown> | unknown): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = performance.now();
    await fn(index);
    times.push(performance.now() - start);
  }
  return times;
}

const results: Record<string, unknown> = {};

// 1. Parsing: the importer runs at every start and on every lint.
for (const { name, url } of SOURCES) {
  const source = readFileSync(url, 'utf8');
  const times = await timeEach(20, () => parseChecklist(source, { name, file: name }));
  results[`parse ${name} (ms p50)`] = round(percentile(times, 50));
}

// 2. Applying a command (lock, decide, append, project) against the floor: one single-row update transaction.
const url = process.env.DATABASE_URL;
const handle = await openDatabase(url ? { kind: 'postgres', url } : { kind: 'pglite', dataDir: null });
await migrateDatabase(handle);
const service = new RunService(handle.db);
const seed = parseChecklist(readFileSync((SOURCES[1] as { url: URL }).url, 'utf8'), {
  name: 'bench',
  file: 'bench',
});
async function startBenchRun(): Promise<string> {
  const started = await service.start(
    {
      checklist: seed,
      version: 'bench',
      environment: null,
      platform: 'bench',
      channelId: `bench-${Date.now()}`,
    },
    '@bench',
    null,
  );
  return started.state?.id as string;
}
const refs = seed.items.filter((item) => item.childKeys.length === 0).map((item) => item.ref);
const runId = await startBenchRun();
const applyTimes = await timeEach(refs.length, (index) =>
  service.apply(runId, { type: 'check', refs: [refs[index] as string] }, '@bench', `bench-${runId}-${index}`),
);
// The service keeps the run as it last wrote it, so the loop above measures a process that applies every
// command. Two replicas taking turns (a second pool on Postgres; on PGlite, which one process owns, a second
// service) always find the run moved on by the other, and pay for reading it back.
const otherHandle = url ? await openDatabase({ kind: 'postgres', url }) : handle;
const replicas = [service, new RunService(otherHandle.db)];
const sharedRunId = await startBenchRun();
const alternatingTimes = await timeEach(refs.length, (index) =>
  replicas[index % 2]?.apply(
    sharedRunId,
    { type: 'check', refs: [refs[index] as string] },
    '@bench',
    `bench-${sharedRunId}-${index}`,
  ),
);
if (otherHandle !== handle) await otherHandle.close();
await handle.db.execute(sql`create temporary table bench_floor (id int primary key, n int)`);
await handle.db.execute(sql`insert into bench_floor values (1, 0)`);
const floorTimes = await timeEach(refs.length, () =>
  handle.db.transaction(async (tx) => {
    await tx.execute(sql`update bench_floor set n = n + 1 where id = 1`);
  }),
);
await handle.close();

const applyP50 = percentile(applyTimes, 50);
const floorP50 = percentile(floorTimes, 50);
Object.assign(results, {
  database: url ? 'postgres' : 'pglite (memory)',
  'apply command (ms p50)': round(applyP50),
  'apply command (ms p99)': round(percentile(applyTimes, 99)),
  'floor: 1-row update tx (ms p50)': round(floorP50),
  'floor: 1-row update tx (ms p99)': round(percentile(floorTimes, 99)),
  'apply / floor (p50)': round(applyP50 / floorP50),
  'apply, two replicas taking turns (ms p50)': round(percentile(alternatingTimes, 50)),
  'apply, two replicas taking turns (ms p99)': round(percentile(alternatingTimes, 99)),
  'commands applied': refs.length,
  'resident memory (MB)': Math.round(process.memoryUsage().rss / 1e6),
});

const width = Math.max(...Object.keys(results).map((key) => key.length));
for (const [key, value] of Object.entries(results)) console.log(`${key.padEnd(width)}  ${value}`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
