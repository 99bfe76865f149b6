import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { lockDataDir } from './dataDirLock.js';
import * as schema from './schema.js';

/** One drizzle type for both drivers: everything above src/db sees only this. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | null };

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseTarget['kind'];
  /** Runs `fn` with a session-level advisory lock held, so replicas starting together take turns. */
  withExclusiveLock<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Postgres when a URL is given, otherwise embedded PGlite in a data directory (or in memory when null). */
export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === 'postgres') return openPostgres(target.url);
  return openPglite(target.dataDir);
}

const MIGRATION_LOCK_ID = 7_414_201; // arbitrary, fixed: Shipcheck's advisory lock for start-up work

async function openPostgres(url: string): Promise<DatabaseHandle> {
  // A database that is down must fail a command within seconds (the person is told to try again), not
  // leave it waiting for a connection; keepAlive notices a server that vanished without closing sockets.
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor a connection dropped while checked out (a transaction, the start-up lock): pg emits 'error' on
  // the client then, and the pool listens only while it is idle. The query in flight rejects with the
  // same error, which the caller handles, and on release the pool drops the broken client. Found by the
  // outage test: Postgres killed mid-transaction took the whole product down (exit on an unhandled
  // 'error' event) in 2 of 4 runs on a busy machine.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzleNodePg(pool, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    async withExclusiveLock(fn) {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        try {
          return await fn(drizzleNodePg(client, { schema }) as unknown as Database);
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
        }
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string | null): Promise<DatabaseHandle> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  let client: PGlite;
  try {
    client = dataDir ? await PGlite.create(join(dataDir, 'pgdata')) : await PGlite.create();
  } catch (error) {
    unlock();
    throw error;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    // PGlite is one connection in one process: nothing else can interleave.
    withExclusiveLock: (fn) => fn(db),
    async close() {
      try {
        await client.close();
      } finally {
        unlock();
      }
    },
  };
}
