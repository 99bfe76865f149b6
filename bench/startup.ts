/**
 * Start-up and idle memory of the built product: `node dist/cli.js start` in the terminal channel (no
 * chat tokens, stdin an open pipe) with its HTTP server on, timed from spawn to /health/ready answering
 * 200. The first start meets an empty database (PGlite creates its data directory, both apply every
 * migration); the later ones find it ready, as a restart does. Resident memory (VmRSS) is read after
 * the last start has settled. Figures, never pass/fail, written to bench/results/startup.json.
 *
 *   node --import tsx bench/startup.ts        (build first: npm run -s build)
 */
import { performance } from 'node:perf_hooks';
import { freePort } from '../test/support/builtProduct.js';
import { createBenchDatabase } from './support/database.js';
import { residentMb, sleep, spawnShipcheck, stopShipcheck, waitForOk } from './support/processes.js';
import { progress, writeResult } from './support/results.js';
import { median, round } from './support/stats.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const SETTLE_SECONDS = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 5);

interface Start {
  readyMs: number;
  residentAtReadyMb: number;
  residentIdleMb: number | null;
}

async function startOnce(env: Record<string, string>, settle: boolean): Promise<Start> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const shipcheck = spawnShipcheck({
    ...env,
    SHIPCHECK_HTTP: 'on',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  });
  try {
    const readyAt = await waitForOk(`http://127.0.0.1:${port}/health/ready`, 60_000);
    const residentAtReadyMb = residentMb(shipcheck.child.pid);
    let residentIdleMb: number | null = null;
    if (settle) {
      // Idle: the timer worker polls, nothing else happens; let start-up garbage be collected first.
      await sleep(SETTLE_SECONDS * 1000);
      residentIdleMb = residentMb(shipcheck.child.pid);
    }
    return { readyMs: readyAt - spawnedAt, residentAtReadyMb, residentIdleMb };
  } catch (error) {
    process.stderr.write(`product log (tail):\n${shipcheck.log.text.slice(-4_000)}\n`);
    throw error;
  } finally {
    await stopShipcheck(shipcheck, 10_000);
  }
}

const database = await createBenchDatabase(process.env.DATABASE_URL);
try {
  progress(`start-up: ${STARTS} starts of the terminal channel on ${database.kind}`);
  const starts: Start[] = [];
  for (let index = 0; index < STARTS; index++)
    starts.push(await startOnce(database.env, index === STARTS - 1));
  const [first, ...again] = starts as [Start, ...Start[]];
  const figures = {
    database: database.kind,
    starts: STARTS,
    firstStartMs: round(first.readyMs),
    readyMsMedian: round(median(again.map((start) => start.readyMs))),
    readyMs: starts.map((start) => round(start.readyMs)),
    residentAtReadyMb: round(starts.at(-1)?.residentAtReadyMb ?? Number.NaN),
    residentIdleMb: round(starts.at(-1)?.residentIdleMb ?? Number.NaN),
    idleSettleSeconds: SETTLE_SECONDS,
  };
  writeResult('startup', figures);
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await database.drop();
}
