import type { FileReport } from './lintFiles.js';

/**
 * `shipcheck corpus DIR`: one row per checklist file of a folder, so a team can measure how its own
 * collection imports: items, their kinds, the ones ticked in the file, the optional ones, and what was
 * refused (errors: the file did not import) or degraded (warnings).
 */
export interface CorpusRow {
  file: string;
  imported: boolean;
  items: number;
  kinds: Record<string, number>;
  preTicked: number;
  optional: number;
  phases: number;
  errors: number;
  warnings: number;
  /** The first problem, for a file that did not import. */
  firstError: string | null;
}

export function corpusRows(reports: readonly FileReport[]): CorpusRow[] {
  return reports.map((report) => {
    const items = report.checklist?.items ?? [];
    const kinds: Record<string, number> = {};
    for (const item of items) kinds[item.kind] = (kinds[item.kind] ?? 0) + 1;
    const errors = report.problems.filter((problem) => problem.severity !== 'warning');
    return {
      file: report.file,
      imported: report.checklist !== null,
      items: items.length,
      kinds,
      preTicked: items.filter((item) => item.preTicked).length,
      optional: items.filter((item) => !item.required).length,
      phases: report.checklist?.phases.length ?? 0,
      errors: errors.length,
      warnings: report.problems.length - errors.length,
      firstError: errors[0] ? `line ${errors[0].line}: ${errors[0].message}` : null,
    };
  });
}

const KIND_ORDER = ['task', 'check', 'input', 'decision', 'signoff'];

/** The rows as an aligned text table, with the totals last. */
export function renderCorpusTable(rows: readonly CorpusRow[]): string {
  const header = ['file', 'items', 'kinds', 'pre-ticked', 'optional', 'phases', 'errors', 'warnings'];
  const kindsText = (kinds: Record<string, number>) =>
    KIND_ORDER.filter((kind) => kinds[kind])
      .map((kind) => `${kinds[kind]} ${kind}`)
      .join(', ') || '—';
  const sum = (pick: (row: CorpusRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
  const allKinds: Record<string, number> = {};
  for (const row of rows)
    for (const [kind, count] of Object.entries(row.kinds)) allKinds[kind] = (allKinds[kind] ?? 0) + count;
  const body = rows.map((row) => [
    row.file,
    row.imported ? String(row.items) : 'refused',
    kindsText(row.kinds),
    String(row.preTicked),
    String(row.optional),
    String(row.phases),
    String(row.errors),
    String(row.warnings),
  ]);
  const total = [
    `${rows.length} files, ${rows.filter((row) => row.imported).length} imported`,
    String(sum((row) => row.items)),
    kindsText(allKinds),
    String(sum((row) => row.preTicked)),
    String(sum((row) => row.optional)),
    String(sum((row) => row.phases)),
    String(sum((row) => row.errors)),
    String(sum((row) => row.warnings)),
  ];
  const table = [header, ...body, total];
  const widths = header.map((_, column) => Math.max(...table.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const refused = rows.filter((row) => row.firstError).map((row) => `${row.file}: ${row.firstError}`);
  return [
    line(header),
    ...body.map(line),
    line(total),
    ...(refused.length > 0 ? ['', 'refused:', ...refused] : []),
  ].join('\n');
}
