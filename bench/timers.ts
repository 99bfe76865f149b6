/**
 * Timer lateness: how long after its due time the real TimerWorker starts a job (fired − due), measured
 * with the worker's `onFired` hook. Run with `node --import tsx bench/timers.ts`. Figures, not pass/fail.
 *
 * With DATABASE_URL set it works in a scratch database created on that server (and dropped after), so
 * it can never claim anybody's real timers; unset, in embedded PGlite in memory.
 *
 *   burst        1,000 jobs due at the same instant
 *   spread       1,000 jobs due evenly over BENCH_SPREAD_SECONDS (default 60)
 *   spread+slow  the same, where every 20th job takes 5 s (a notifier that hangs): the lateness of the
 *                others says whether one slow job holds up the rest
 *
 * The worker runs with the settings main.ts gives it (poll 200 ms, 32 slots per lane, lease 6 s renewed
 * every 2 s) and a handler that does nothing (but for the slow jobs), so the figures are the timer
 * engine's own cost: claim, settle, poll delay.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { timers } from '../src/db/schema.js';
import { type TimerOutcome, TimerWorker } from '../src/timers/worker.js';

const JOBS = 1000;
const SPREAD_SECONDS = Number(process.env.BENCH_SPREAD_SECONDS ?? 60);
const LEAD_MS = 1000;
const SLOW_MS = 5000;
const logger = pino({ level: 'silent' });

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Scenario {
  name: string;
  workers: number;
  /** Every n-th job takes SLOW_MS; its own lateness is not counted. */
  slowEvery?: number;
  /** Due time of job `index`, from the moment the jobs are written. */
  dueAt(index: number, base: number): number;
}

interface Result {
  scenario: string;
  workers: number;
  jobs: number;
  /** Jobs that took SLOW_MS each, not counted in the lateness. */
  slowJobs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the first due time to the last job started. */
  drainMs: number;
}

async function measure(handle: DatabaseHandle, scenario: Scenario): Promise<Result> {
  const prefix = `bench:${scenario.name}:${scenario.workers}:`;
  const base = Date.now() + LEAD_MS;
  const rows = Array.from({ length: JOBS }, (_, index) => ({
    key: `${prefix}${index}`,
    runId: null,
    kind: 'bench',
    payload: { index },
    dueAt: new Date(scenario.dueAt(index, base)),
    createdAt: new Date(),
  }));
  for (let start = 0; start < rows.length; start += 250) {
    await handle.db.insert(timers).values(rows.slice(start, start + 250));
  }
  const lateness: number[] = [];
  let lastStarted = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const slow = (index: number) => scenario.slowEvery !== undefined && index % scenario.slowEvery === 0;
  const measured = rows.filter((_, index) => !slow(index)).length;
  const handlers = {
    bench: async (job: { payload: Record<string, unknown> }): Promise<TimerOutcome> => {
      if (slow(Number(job.payload.index))) await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
      return { done: true };
    },
  };
  const workers = Array.from(
    { length: scenario.workers },
    () =>
      new TimerWorker({
        db: handle.db,
        handlers,
        logger,
        onFired: (job, latenessMs) => {
          if (!job.key.startsWith(prefix) || slow(Number(job.payload.index))) return;
          lateness.push(latenessMs);
          lastStarted = Date.now();
          if (lateness.length >= measured) finished();
        },
      }),
  );
  for (const worker of workers) worker.start();
  const limit = setTimeout(finished, SPREAD_SECONDS * 1000 + 120_000);
  await allDone;
  clearTimeout(limit);
  await Promise.all(workers.map((worker) => worker.stop()));
  if (lateness.length < measured)
    throw new Error(`${scenario.name}: only ${lateness.length} of ${measured} jobs ran`);
  return {
    scenario: scenario.name,
    workers: scenario.workers,
    jobs: lateness.length,
    slowJobs: JOBS - measured,
    p50Ms: Math.round(percentile(lateness, 50)),
    p99Ms: Math.round(percentile(lateness, 99)),
    maxMs: Math.round(Math.max(...lateness)),
    drainMs: lastStarted - base,
  };
}

/** A scratch database on the server of DATABASE_URL, dropped at the end; or PGlite in memory. */
async function openScratch(): Promise<{ handle: DatabaseHandle; label: string; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const handle = await openDatabase({ kind: 'pglite', dataDir: null });
    return { handle, label: 'pglite (memory)', drop: () => handle.close() };
  }
  const name = `shipcheck_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: scratch.toString() });
  return {
    handle,
    label: 'postgresql',
    async drop() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

const scratch = await openScratch();
const results: Result[] = [];
const started = performance.now();
try {
  await migrateDatabase(scratch.handle);
  const spreadMs = SPREAD_SECONDS * 1000;
  const scenarios: Scenario[] = [
    { name: 'burst', workers: 1, dueAt: (_index, base) => base },
    { name: 'spread', workers: 1, dueAt: (index, base) => base + Math.round((index * spreadMs) / JOBS) },
    {
      name: 'spread+slow',
      workers: 1,
      slowEvery: 20,
      dueAt: (index, base) => base + Math.round((index * spreadMs) / JOBS),
    },
  ];
  // Two workers share a burst only where they can run side by side: PGlite is one connection.
  if (scratch.label === 'postgresql')
    scenarios.push({ name: 'burst', workers: 2, dueAt: (_index, base) => base });
  for (const scenario of scenarios) {
    process.stderr.write(`running ${scenario.name} with ${scenario.workers} worker(s)…\n`);
    results.push(await measure(scratch.handle, scenario));
  }
} finally {
  await scratch.drop();
}

const header = ['scenario', 'workers', 'jobs', 'p50 ms', 'p99 ms', 'max ms', 'drain ms'];
const table = results.map((result) => [
  result.scenario === 'burst'
    ? 'burst (all due at once)'
    : `${result.scenario} ${SPREAD_SECONDS} s${result.slowJobs ? ` (${result.slowJobs} jobs of ${SLOW_MS / 1000} s not counted)` : ''}`,
  String(result.workers),
  String(result.jobs),
  String(result.p50Ms),
  String(result.p99Ms),
  String(result.maxMs),
  String(result.drainMs),
]);
const widths = header.map((title, column) =>
  Math.max(title.length, ...table.map((row) => row[column]?.length ?? 0)),
);
const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
console.log(
  `timer lateness (fired − due) on ${scratch.label}; poll 200 ms, 32 slots per lane, no-op handler`,
);
console.log(line(header));
for (const row of table) console.log(line(row));

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/timers.json', import.meta.url),
  `${JSON.stringify(
    {
      database: scratch.label,
      node: process.version,
      spreadSeconds: SPREAD_SECONDS,
      worker: { pollMs: 200, slotsPerLane: 32, leaseMs: 6_000, heartbeatMs: 2_000, handler: 'no-op' },
      slowJobMs: SLOW_MS,
      results,
      totalSeconds: Math.round((performance.now() - started) / 1000),
    },
    null,
    2,
  )}\n`,
);
