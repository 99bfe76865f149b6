#!/usr/bin/env node
import { Command } from 'commander';
import { registerDeployCommand } from './chat/discord/register.js';
import { maskText } from './checks/mask.js';
import { loadConfig } from './config.js';
import { corpusRows, renderCorpusTable } from './corpusTable.js';
import { openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { isUserError, UserError } from './errors.js';
import { describeChecklist, formatProblem, lintPaths } from './lintFiles.js';
import { loadChecklists } from './loadChecklists.js';
import { createLogger } from './logger.js';
import { startShipcheck } from './main.js';
import { renderPreview } from './preview.js';
import { printReport } from './report/cli.js';

// `shipcheck preview … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

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
    const logger = createLogger(
      process.env.LOG_LEVEL || config.slack || config.discord ? config.logLevel : 'warn',
    );
    await startShipcheck({ config, logger, input: process.stdin, output: process.stdout });
    // Everything is closed; a socket some library left open must not keep a stopped process alive.
    setTimeout(() => {
      logger.warn('a handle was still open after stopping; leaving anyway');
      process.exit(0);
    }, 1_000).unref();
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
  .description('read checklists (and oncall.yaml) and print every problem as file:line:col severity message')
  .argument('[paths...]', 'files or folders (default: the checklists folder)')
  .option('-q, --quiet', 'print only problems')
  .action(async (paths: string[], options: { quiet?: boolean }) => {
    const reports = await lintPaths(paths.length > 0 ? paths : [loadConfig().checklistsDir]);
    let errors = 0;
    for (const report of reports) {
      for (const problem of report.problems)
        process.stdout.write(`${maskText(formatProblem(report.file, problem))}\n`);
      errors += report.problems.filter((problem) => problem.severity !== 'warning').length;
      if (report.checklist && !options.quiet) {
        process.stdout.write(`${maskText(describeChecklist(report.file, report.checklist).join('\n'))}\n`);
      }
    }
    if (reports.length === 0) process.stdout.write('no checklists found\n');
    if (errors > 0) {
      process.stdout.write(`${errors} error${errors === 1 ? '' : 's'}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('corpus')
  .description(
    'measure a folder of checklists: per file, items, kinds, pre-ticked, optional, errors, warnings',
  )
  .argument('<dir>', 'a folder of Markdown checklists')
  .option('--json', 'one JSON object per file instead of the table')
  .action(async (dir: string, options: { json?: boolean }) => {
    const rows = corpusRows(await lintPaths([dir]));
    if (rows.length === 0) throw new UserError('bad_command', `no Markdown checklists in ${dir}`);
    process.stdout.write(
      options.json
        ? `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`
        : `${renderCorpusTable(rows)}\n`,
    );
  });

program
  .command('parse')
  .description('print the parsed checklist: phases, sections, items with key, ref, kind, line and checks')
  .argument('<file>', 'a checklist file')
  .option('--json', 'JSON output (the default and only format)')
  .action(async (file: string) => {
    const [report] = await lintPaths([file]);
    if (!report?.checklist) {
      for (const problem of report?.problems ?? [])
        process.stderr.write(`${formatProblem(report?.file ?? file, problem)}\n`);
      process.exitCode = 1;
      return;
    }
    const { source: _source, ...checklist } = report.checklist;
    // Check URLs can carry credentials: shown as chat shows them, masked.
    process.stdout.write(`${maskText(JSON.stringify(checklist, null, 2))}\n`);
  });

program
  .command('discord')
  .description('Discord set-up')
  .command('register')
  .description(
    'register /deploy with Discord: in one guild (at once, for trying it) or globally (for production)',
  )
  .option('--guild <id>', 'register in this guild only')
  .action(async (options: { guild?: string }) => {
    const discord = loadConfig().discord;
    if (!discord)
      throw new UserError('config_invalid', 'set DISCORD_TOKEN (and DISCORD_APPLICATION_ID) first');
    if (!discord.applicationId)
      throw new UserError(
        'config_invalid',
        'set DISCORD_APPLICATION_ID: the Application ID from the Developer Portal › General Information',
      );
    if (options.guild !== undefined && !/^\d{15,21}$/.test(options.guild))
      throw new UserError('bad_command', '--guild takes a guild (server) id: 15–21 digits');
    const result = await registerDeployCommand({
      token: discord.token,
      applicationId: discord.applicationId,
      guildId: options.guild ?? null,
      apiUrl: discord.apiUrl,
    });
    process.stdout.write(`registered /${result.names.join(', /')} (${result.scope})\n`);
  });

program
  .command('preview')
  .description('print what a run of a checklist would post, before anyone acts on it')
  .argument('<checklist>', 'a checklist name from the checklists folder, or a file')
  .option('--platform <platform>', 'text, slack or discord', 'text')
  .action(async (name: string, options: { platform: string }) => {
    const checklist = await findChecklist(name);
    process.stdout.write(`${maskText(renderPreview(checklist, options.platform))}\n`);
  });

program
  .command('report')
  .description('print the report of a run: Markdown for a wiki or a pull request, JSON for tools')
  .argument('<run-id>', 'the run, as chat shows it (run k7q2mz9p)')
  .option('--format <format>', 'md or json', 'md')
  .action(async (runId: string, options: { format: string }) => {
    await printReport(loadConfig(), runId, options.format, process.stdout);
  });

async function findChecklist(nameOrFile: string) {
  if (/\.(md|markdown|txt)$/i.test(nameOrFile)) {
    const [report] = await lintPaths([nameOrFile]);
    if (report?.checklist) return report.checklist;
    throw new UserError(
      'checklist_invalid',
      (report?.problems ?? [])
        .map((problem) => formatProblem(report?.file ?? nameOrFile, problem))
        .join('\n'),
    );
  }
  const library = await loadChecklists(loadConfig().checklistsDir);
  const found = library.find(nameOrFile);
  if (found) return found;
  const broken = library.findBroken(nameOrFile);
  throw new UserError('unknown_checklist', broken ? broken.message : `there is no checklist “${nameOrFile}”`);
}

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isUserError(error)) {
    process.stderr.write(`shipcheck: ${error.message}\n`);
    process.exit(2);
  }
  // One line that names the failure; the stack is for whoever asks for it.
  const debug = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '');
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const detail = debug && error instanceof Error && error.stack ? `\n${maskText(error.stack)}` : '';
  process.stderr.write(
    `shipcheck: unexpected error: ${maskText(message ?? '')}${debug ? '' : ' (LOG_LEVEL=debug shows where)'}${detail}\n`,
  );
  process.exit(1);
});
