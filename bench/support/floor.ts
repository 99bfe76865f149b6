import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';

/**
 * The floor under receipt → commit: the cheapest durable write there is, one single-row UPDATE in its
 * own transaction, timed from the bench process at a steady rate while the load runs. On PostgreSQL it
 * uses its own connection to the product's database and an ordinary (logged) table, so every commit
 * waits for its WAL flush as the product's do. With PGlite the database lives inside the product's
 * process, out of reach: the floor is then measured on an in-memory PGlite in the bench process.
 */
export interface Floor {
  label: string;
  /** Starts timing one transaction every `everyMs`. */
  start(everyMs: number): void;
  /** Stops, waits for the transaction in flight, and returns every duration in ms. */
  stop(): Promise<number[]>;
  close(): Promise<void>;
}

export async function openFloor(databaseUrl: string | null): Promise<Floor> {
  const handle = await openDatabase(
    databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dataDir: null },
  );
  await handle.db.execute(sql`create table if not exists bench_floor (id int primary key, n int not null)`);
  await handle.db.execute(sql`insert into bench_floor values (1, 0) on conflict (id) do nothing`);
  const label = databaseUrl
    ? 'PostgreSQL, same database, own connection'
    : 'PGlite in memory, in the bench process (the product’s PGlite is inside its process)';
  return steadyFloor(handle, label);
}

function steadyFloor(handle: DatabaseHandle, label: string): Floor {
  const durations: number[] = [];
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let busy = false;
  const once = async () => {
    const started = performance.now();
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`update bench_floor set n = n + 1 where id = 1`);
    });
    durations.push(performance.now() - started);
  };
  return {
    label,
    start(everyMs) {
      timer = setInterval(() => {
        // A slow commit is measured, not queued behind: the floor never adds load of its own.
        if (busy) return;
        busy = true;
        inFlight = once().finally(() => {
          busy = false;
        });
      }, everyMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await inFlight;
      return durations;
    },
    close: () => handle.close(),
  };
}
