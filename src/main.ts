import type { Readable, Writable } from 'node:stream';
import { runTerminal } from './chat/terminal/terminal.js';
import type { Config } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { loadChecklists } from './loadChecklists.js';
import { loadOncall } from './loadOncall.js';
import type { Logger } from './logger.js';
import { RunService } from './runs/service.js';

export interface StartOptions {
  config: Config;
  logger: Logger;
  input: Readable & { isTTY?: boolean };
  output: Writable;
}

/** The composition root: config → database → checklists → services → the chat channel; stops cleanly. */
export async function startShipcheck(options: StartOptions): Promise<void> {
  const { config, logger } = options;
  const database = await openDatabase(config.database);
  try {
    await migrateDatabase(database);
    const library = await loadChecklists(config.checklistsDir);
    const directory = await loadOncall(config.checklistsDir);
    for (const broken of library.broken)
      logger.warn({ problems: broken.problems, file: broken.file }, broken.message);
    logger.info(
      { database: database.kind, checklists: library.checklists.map((checklist) => checklist.name) },
      'shipcheck ready',
    );
    const deps = { runs: new RunService(database.db), library, directory };
    await runTerminal({
      deps,
      input: options.input,
      output: options.output,
      interactive: Boolean(options.input.isTTY),
      user: config.terminalUser,
      logger,
      bannerDetail: describeDatabase(config, database),
    });
  } finally {
    await database.close();
  }
}

function describeDatabase(config: Config, database: DatabaseHandle): string {
  return config.database.kind === 'pglite'
    ? `embedded database in ${config.database.dataDir}`
    : `${database.kind} database from DATABASE_URL`;
}
