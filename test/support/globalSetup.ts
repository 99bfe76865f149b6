import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { SEEDS_PRESENT } from './checklists.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string | null;
  }
}

/**
 * A new PGlite costs seconds (it runs initdb); copying a migrated data directory costs a fraction.
 * So the embedded run prepares one template here and each test file opens a copy of it.
 */
export default async function setup(project: TestProject) {
  if (!SEEDS_PRESENT)
    console.warn(
      `../shared/seeds not found beside the repository: the tests of the five seed checklists are skipped (CI runs them); the repository's own checklists cover the same features`,
    );
  if (process.env.DATABASE_URL) {
    project.provide('pgliteTemplate', null);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'shipcheck-template-'));
  const handle = await openDatabase({ kind: 'pglite', dataDir: dir });
  await migrateDatabase(handle);
  await handle.close();
  project.provide('pgliteTemplate', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
