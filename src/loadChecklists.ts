import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { buildLibrary, type ChecklistLibrary } from './checklist/library.js';

const CHECKLIST_FILE = /\.(md|markdown)$/i;

/** Reads every Markdown file in the checklist folder (not below it) into a library. */
export async function loadChecklists(directory: string): Promise<ChecklistLibrary> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return buildLibrary([]);
    throw error;
  }
  const files = await Promise.all(
    names
      .filter((name) => CHECKLIST_FILE.test(name) && !/^readme\./i.test(name))
      .map(async (name) => {
        const path = join(directory, name);
        return { path: relative(process.cwd(), path) || path, source: await readFile(path, 'utf8') };
      }),
  );
  return buildLibrary(files);
}
