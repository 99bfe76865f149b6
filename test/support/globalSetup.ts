import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { CORPUS_PRESENT, SEEDS_PRESENT } from './checklists.js';

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
  const missing = [
    ...(SEEDS_PRESENT ? [] : ['../shared/seeds']),
    ...(CORPUS_PRESENT ? [] : ['../shared/corpus']),
  ];
  if (missing.length > 0)
    console.warn(
      `${missing.join(' and ')} not found beside the repository: the tests of the five seed checklists and of the import corpus are skipped (CI runs them); the repository's own checklists cover the same features`,
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
