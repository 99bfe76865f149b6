import { ChecklistParseError, parseChecklist } from './parse.js';
import type { Checklist } from './types.js';

export interface ChecklistFile {
  /** As shown in errors, e.g. `checklists/backend-api.md`. */
  path: string;
  source: string;
}

export interface ChecklistLibrary {
  checklists: Checklist[];
  /** Files that could not be read as checklists, each with every problem as `file:line: what`. */
  broken: ChecklistParseError[];
  find(nameOrAlias: string): Checklist | null;
  /** The broken file a name refers to, so `/deploy start` can say why it cannot run it. */
  findBroken(name: string): ChecklistParseError | null;
}

/** Pure: file contents in, an index by name and alias out. A broken file never hides the good ones. */
export function buildLibrary(files: ChecklistFile[]): ChecklistLibrary {
  const checklists: Checklist[] = [];
  const broken: ChecklistParseError[] = [];
  const byName = new Map<string, Checklist>();
  const brokenByName = new Map<string, ChecklistParseError>();
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const name = nameOf(file.path);
    try {
      const checklist = parseChecklist(file.source, { name, file: file.path });
      checklists.push(checklist);
      byName.set(name.toLowerCase(), checklist);
    } catch (error) {
      if (!(error instanceof ChecklistParseError)) throw error;
      broken.push(error);
      brokenByName.set(name.toLowerCase(), error);
    }
  }
  for (const checklist of checklists) {
    for (const alias of checklist.aliases) {
      const key = alias.toLowerCase();
      if (!byName.has(key)) byName.set(key, checklist);
    }
  }
  return {
    checklists,
    broken,
    find: (name) => byName.get(name.toLowerCase()) ?? null,
    findBroken: (name) => brokenByName.get(name.toLowerCase()) ?? null,
  };
}

/** `checklists/backend-api.md` → `backend-api`. */
export function nameOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.(md|markdown|txt)$/i, '');
}
