import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';

export interface TestDatabase {
  handle: DatabaseHandle;
  /** What a spawned Shipcheck needs in its environment to use this same database. */
  env: Record<string, string>;
  /** Closes the handle (if still open) and removes the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test file: a new database on the Postgres of
 * DATABASE_URL when it is set, otherwise a copy of the prepared PGlite template.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  return adminUrl ? createPostgresDatabase(adminUrl) : createPgliteDatabase();
}

/** Only the data directory, not an open handle: for a spawned process that opens it itself. */
export function preparePgliteDir(): string {
  const template = inject('pgliteTemplate');
  if (!template) throw new Error('no PGlite template: DATABASE_URL is set');
  const dir = mkdtempSync(join(tmpdir(), 'shipcheck-test-'));
  cpSync(template, dir, { recursive: true });
  return dir;
}

async function createPgliteDatabase(): Promise<TestDatabase> {
  const dir = preparePgliteDir();
  const handle = await openDatabase({ kind: 'pglite', dataDir: dir });
  let closed = false;
  const close = async () => {
    if (!closed) await handle.close();
    closed = true;
  };
  return {
    handle: { ...handle, close },
    env: { SHIPCHECK_DATA_DIR: dir },
    async drop() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createPostgresDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `shipcheck_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() });
  await migrateDatabase(handle);
  let closed = false;
  const close = async () => {
    if (!closed) await handle.close();
    closed = true;
  };
  return {
    handle: { ...handle, close },
    env: { DATABASE_URL: url.toString() },
    async drop() {
      await close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
