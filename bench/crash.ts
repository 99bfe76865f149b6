/**
 * kill -9 mid-burst, the figure behind "a click the bot has confirmed is never lost": the built product
 * in Slack HTTP mode, signed clicks over ten runs with 32 in flight, SIGKILL once 400 have had their
 * 200, a restart on the same store (test/support/crashBurst.ts, which the crash test runs smaller).
 * Figures, never pass/fail: answered as accepted, stored, answered but lost, applied twice, restart time.
 *
 *   node --import tsx bench/crash.ts     (npm run bench runs it; build first: npm run -s build)
 *
 * With DATABASE_URL set it uses a fresh database on that server (dropped after); unset, an embedded
 * PGlite data directory of its own.
 */
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { FakeSlack } from '../test/fakes/slack/server.js';
import { runCrashBurst } from '../test/support/crashBurst.js';
import { createBenchDatabase } from './support/database.js';
import { progress } from './support/results.js';

const RUNS = 10;
const CLICKS = 1_000;
const IN_FLIGHT = 32;
const KILL_AFTER = 400;

const fake = new FakeSlack();
await fake.start();
const database = await createBenchDatabase(process.env.DATABASE_URL || undefined);
try {
  const read = async <T>(work: (handle: DatabaseHandle) => Promise<T>): Promise<T> => {
    const handle = await openDatabase(
      database.url
        ? { kind: 'postgres', url: database.url }
        : { kind: 'pglite', dataDir: database.env.SHIPCHECK_DATA_DIR as string },
    );
    try {
      return await work(handle);
    } finally {
      await handle.close();
    }
  };
  progress(`${CLICKS} clicks over ${RUNS} runs, ${IN_FLIGHT} in flight, SIGKILL after ${KILL_AFTER} answers`);
  const figures = await runCrashBurst({
    fake,
    env: database.env,
    read,
    runs: RUNS,
    clicks: CLICKS,
    inFlight: IN_FLIGHT,
    killAfter: KILL_AFTER,
    starter: { id: 'U0BENCHST', name: 'starter' },
    clicker: { id: 'U0BENCHCL', name: 'clicker' },
  });
  console.log(
    JSON.stringify(
      { database: database.kind, runs: RUNS, inFlight: IN_FLIGHT, killAfter: KILL_AFTER, ...figures },
      null,
      2,
    ),
  );
} finally {
  await fake.close();
  await database.drop();
}
