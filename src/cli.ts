#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { isUserError } from './errors.js';
import { loadChecklists } from './loadChecklists.js';
import { createLogger } from './logger.js';
import { startShipcheck } from './main.js';

const program = new Command()
  .name('shipcheck')
  .description('Deployment checklists that run in chat, with a Postgres audit trail.')
  .showHelpAfterError();

program
  .command('start', { isDefault: true })
  .description('open the chat channel (the terminal when no Slack or Discord token is set)')
  .action(async () => {
    const config = loadConfig();
    // In the terminal the log shares the screen with the channel: only problems, unless asked for more.
    const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn');
    await startShipcheck({ config, logger, input: process.stdin, output: process.stdout });
  });

program
  .command('migrate')
  .description('apply the database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const database = await openDatabase(config.database);
    try {
      await migrateDatabase(database);
      process.stdout.write(`migrations applied (${database.kind})\n`);
    } finally {
      await database.close();
    }
  });

program
  .command('lint')
  .description('read the checklists and report every problem as file:line')
  .argument('[dir]', 'folder of checklists', undefined)
  .action(async (dir: string | undefined) => {
    const config = loadConfig();
    const library = await loadChecklists(dir ?? config.checklistsDir);
    for (const checklist of library.checklists) {
      process.stdout.write(
        `ok    ${checklist.name}: ${checklist.phases.length} phases, ${checklist.items.length} items\n`,
      );
    }
    for (const broken of library.broken) process.stdout.write(`error ${broken.message}\n`);
    if (library.broken.length > 0) process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isUserError(error)) {
    process.stderr.write(`shipcheck: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `shipcheck: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
