import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UserError } from './errors.js';
import { EMPTY_DIRECTORY, type PeopleDirectory, readOncallFile } from './escalation/oncallFile.js';

export const ONCALL_FILE = 'oncall.yaml';

/** Reads `oncall.yaml` beside the checklists. Missing: nobody is restricted. Broken: Shipcheck will not start. */
export async function loadOncall(checklistsDir: string): Promise<PeopleDirectory> {
  const path = join(checklistsDir, ONCALL_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_DIRECTORY;
    throw error;
  }
  const { directory, problems } = readOncallFile(text);
  if (!directory) {
    const shown = relative(process.cwd(), path) || path;
    throw new UserError(
      'config_invalid',
      problems.map((problem) => `${shown}:${problem.line}: ${problem.message}`).join('\n'),
    );
  }
  return directory;
}
