import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const run = promisify(execFile);

describe('migrations', () => {
  it('match src/db/schema.ts: generating from the schema adds nothing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'shipcheck-drift-'));
    try {
      cpSync(MIGRATIONS_FOLDER, out, { recursive: true });
      const before = readdirSync(out).sort();
      // drizzle-kit prefixes --out with "./" and exits 0 on errors: give it a relative path, read what it says.
      const { stdout, stderr } = await run(
        'npx',
        [
          'drizzle-kit',
          'generate',
          '--dialect',
          'postgresql',
          '--schema',
          'src/db/schema.ts',
          '--out',
          relative(process.cwd(), out),
        ],
        { cwd: process.cwd(), env: { ...process.env, NO_COLOR: '1' } },
      );
      const after = readdirSync(out).sort();
      const said = `${stdout}\n${stderr}`;
      expect(
        after,
        `drizzle-kit wrote a new migration; run npm run db:generate and commit it.\n${said}`,
      ).toEqual(before);
      expect(said).toContain('No schema changes');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  describe('applied to a database', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database.drop();
    });

    it('create the tables and the one-active-run-per-channel guard', async () => {
      const { db } = database.handle;
      // Both drivers answer with { rows }.
      const result = (await db.execute(
        sql`select indexname from pg_indexes where tablename = 'runs' order by indexname`,
      )) as unknown as { rows: { indexname: string }[] };
      const rows = result.rows;
      expect(rows.map((row) => row.indexname)).toContain('runs_one_active_per_channel');
    });
  });
});
