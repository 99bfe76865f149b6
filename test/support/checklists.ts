import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseChecklist } from '../../src/checklist/parse.js';
import type { Checklist } from '../../src/checklist/types.js';

/** The five checklists our users run, beside the repository (CI has them; a lone clone does not). */
export const SEEDS_DIR = fileURLToPath(new URL('../../../shared/seeds/', import.meta.url));
export const SEEDS_PRESENT = existsSync(SEEDS_DIR);
/** Real public checklists with a hand count of their boxes, beside the repository: the importer's yardstick. */
export const CORPUS_DIR = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
export const CORPUS_PRESENT = existsSync(`${CORPUS_DIR}README.md`);

/** The checklists shipped in the repository's checklists/ folder: always there. */
const TEMPLATES_DIR = fileURLToPath(new URL('../../checklists/', import.meta.url));

export const SEED_FILES = [
  '000_9a2bf36146cdfb09.txt',
  '001_ace487689436cbad.txt',
  '002_12b12a7f77bbfa89.txt',
  '003_8b026e154c1aa401.txt',
  '004_d4a68ed5b284ad4b.txt',
] as const;

export function loadSeed(file: (typeof SEED_FILES)[number]): Checklist {
  const path = `${SEEDS_DIR}${file}`;
  return parseChecklist(readFileSync(path, 'utf8'), { name: file.replace(/\.txt$/, ''), file: path });
}

/** A checklist of checklists/ by file name (without .md): large, real-shaped, and in the repository. */
export function loadTemplate(name: string): Checklist {
  const path = `${TEMPLATES_DIR}${name}.md`;
  return parseChecklist(readFileSync(path, 'utf8'), { name, file: path });
}

export function checklistFrom(markdown: string, name = 'test'): Checklist {
  return parseChecklist(markdown, { name, file: `${name}.md` });
}
