import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Where every bench writes its figures (gitignored). */
export const RESULTS_DIR = new URL('../results/', import.meta.url);

export function writeResult(name: string, figures: unknown): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL(`${name}.json`, RESULTS_DIR), `${JSON.stringify(figures, null, 2)}\n`);
}

export function readResult<T>(name: string): T | null {
  try {
    return JSON.parse(readFileSync(new URL(`${name}.json`, RESULTS_DIR), 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Where a bench's progress goes: stderr, so stdout keeps only the figures. */
export function progress(message: string): void {
  process.stderr.write(`· ${message}\n`);
}
