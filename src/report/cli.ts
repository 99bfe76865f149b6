import type { Writable } from 'node:stream';
import type { Config } from '../config.js';
import { openDatabase } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { UserError } from '../errors.js';
import { RunService } from '../runs/service.js';
import { reportOf } from './chat.js';
import { type ReportFormat, renderReport } from './render.js';

const FORMATS: readonly ReportFormat[] = ['md', 'json'];

/** `shipcheck report <run-id> --format md|json`: the report, for a wiki, a pull request or a post-mortem. */
export async function printReport(
  config: Config,
  runId: string,
  format: string,
  out: Writable,
): Promise<void> {
  if (!FORMATS.includes(format as ReportFormat)) {
    throw new UserError('bad_command', `--format takes ${FORMATS.join(' or ')}, not “${format}”`);
  }
  const database = await openDatabase(config.database);
  try {
    // As at start: a database a newer Shipcheck has not migrated yet still answers.
    await migrateDatabase(database);
    const runs = new RunService(database.db);
    const run = await runs.get(runId);
    if (!run) throw new UserError('run_not_found', `there is no run ${runId}`);
    out.write(renderReport(await reportOf(runs, run), format as ReportFormat));
  } finally {
    await database.close();
  }
}
