import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { undefinedRoles } from './checklist/roleCoverage.js';
import type { Checklist } from './checklist/types.js';
import { UserError } from './errors.js';
import { EMPTY_DIRECTORY, type PeopleDirectory, readOncallFile } from './escalation/oncallFile.js';

export const ONCALL_FILE = 'oncall.yaml';

/** The roles oncall.yaml defines, or null when it lists no people: then no role is restricted. */
export function definedRoles(directory: PeopleDirectory): ReadonlySet<string> | null {
  return directory.people.length > 0 ? new Set(Object.keys(directory.roles)) : null;
}

/** One line per role a checklist needs and oncall.yaml lacks, with the checklist and line, for the start-up log. */
export function roleWarnings(checklists: readonly Checklist[], directory: PeopleDirectory): string[] {
  const defined = definedRoles(directory);
  if (!defined) return [];
  return checklists.flatMap((checklist) =>
    undefinedRoles(checklist, defined).map(
      (problem) => `checklist ${checklist.name}, line ${problem.line}: ${problem.message} (${problem.hint})`,
    ),
  );
}

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
