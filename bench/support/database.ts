import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A database of the bench's own for one bench run, so it never touches anybody's runs or timers: a
 * fresh database on the server of DATABASE_URL (dropped after), or an empty PGlite data directory for
 * the spawned product to create (removed after).
 */
export interface BenchDatabase {
  kind: 'postgresql' | 'pglite';
  /** What a spawned Shipcheck needs in its environment to use it. */
  env: Record<string, string>;
  /** The scratch database's URL (PostgreSQL only). */
  url: string | null;
  drop(): Promise<void>;
}

export async function createBenchDatabase(serverUrl: string | undefined): Promise<BenchDatabase> {
  return serverUrl ? createPostgresDatabase(serverUrl) : createPgliteDirectory();
}

async function createPostgresDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgresql',
    env: { DATABASE_URL: url.toString() },
    url: url.toString(),
    drop: () => adminQuery(serverUrl, `drop database if exists ${name} with (force)`),
  };
}

function createPgliteDirectory(): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'shipcheck-bench-'));
  return Promise.resolve({
    kind: 'pglite',
    env: { SHIPCHECK_DATA_DIR: dir },
    url: null,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  });
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
