import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { nameOf } from './checklist/library.js';
import { type ChecklistProblem, readChecklist } from './checklist/parse.js';
import { undefinedRoles } from './checklist/roleCoverage.js';
import type { Checklist } from './checklist/types.js';
import { readOncallFile } from './escalation/oncallFile.js';
import { definedRoles, ONCALL_FILE } from './loadOncall.js';

export interface FileReport {
  file: string;
  checklist: Checklist | null;
  problems: ChecklistProblem[];
}

/** Every checklist (and oncall.yaml) under the given files or folders, read with all their problems. */
export async function lintPaths(paths: string[]): Promise<FileReport[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) {
      files.push(path);
      continue;
    }
    if (info.isDirectory()) {
      const names = (await readdir(path)).sort();
      for (const name of names) {
        if ((/\.(md|markdown)$/i.test(name) && !/^readme\./i.test(name)) || name === ONCALL_FILE)
          files.push(join(path, name));
      }
    } else {
      files.push(path);
    }
  }
  const reports = await Promise.all(files.map(lintFile));
  // A checklist is read against the oncall.yaml beside it: a role it needs and the file lacks deadlocks.
  const rolesByFolder = new Map<string, Promise<ReadonlySet<string> | null>>();
  for (const [index, report] of reports.entries()) {
    if (!report.checklist) continue;
    const folder = dirname(files[index] as string);
    if (!rolesByFolder.has(folder)) rolesByFolder.set(folder, rolesDefinedIn(folder));
    const defined = await rolesByFolder.get(folder);
    if (defined) report.problems.push(...undefinedRoles(report.checklist, defined));
  }
  return reports;
}

async function rolesDefinedIn(folder: string): Promise<ReadonlySet<string> | null> {
  const source = await readFile(join(folder, ONCALL_FILE), 'utf8').catch(() => null);
  const directory = source === null ? null : readOncallFile(source).directory;
  return directory ? definedRoles(directory) : null;
}

async function lintFile(path: string): Promise<FileReport> {
  const file = relative(process.cwd(), path) || path;
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    return { file, checklist: null, problems: [{ line: 1, severity: 'error', message: reason }] };
  }
  if (basename(path) === ONCALL_FILE) {
    const { problems } = readOncallFile(source);
    return {
      file,
      checklist: null,
      problems: problems.map((problem) => ({ ...problem, severity: 'error' as const })),
    };
  }
  const { checklist, problems } = readChecklist(source, { name: nameOf(path), file });
  return { file, checklist, problems };
}

/** `file:line:col severity message`, then the hint indented on the next line. */
export function formatProblem(file: string, problem: ChecklistProblem): string {
  const head = `${file}:${problem.line}:${problem.column ?? 1} ${problem.severity ?? 'error'} ${problem.message}`;
  return problem.hint ? `${head}\n    hint: ${problem.hint}` : head;
}

/** One line per checklist that reads cleanly: what it holds and what was detected. */
export function describeChecklist(file: string, checklist: Checklist): string[] {
  const kinds = new Map<string, number>();
  for (const item of checklist.items) kinds.set(item.kind, (kinds.get(item.kind) ?? 0) + 1);
  const counts = [...kinds].map(([kind, count]) => `${count} ${kind}`).join(', ');
  const lines = [
    `${file}: ok · ${checklist.phases.length} phases · ${checklist.items.length} items (${counts})`,
  ];
  for (const item of checklist.items) {
    if (!item.check) continue;
    const spec = item.check.spec;
    const target =
      spec.kind === 'prometheus'
        ? `${spec.query} ${spec.target.text} on ${spec.server}`
        : 'url' in spec
          ? spec.url
          : spec.kind === 'tls'
            ? `${spec.host}:${spec.port}`
            : spec.name;
    const how =
      item.check.source === 'detected'
        ? `detected from \`${item.check.detectedFrom}\``
        : `check “${item.check.name}”`;
    lines.push(`    ${item.ref} ${spec.kind} ${target} (${how})`);
  }
  if (checklist.rollbackCriteria.length > 0)
    lines.push(`    ${checklist.rollbackCriteria.length} rollback criteria`);
  if (checklist.suggestedEscalation.length > 0) {
    lines.push(
      `    escalation path: ${checklist.suggestedEscalation.map((step) => step.roleId ?? step.text).join(' → ')}`,
    );
  }
  return lines;
}
