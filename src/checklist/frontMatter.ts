import { isMap, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

/** What front matter may say in this version; later keys (checks, escalation, roles) pass through untouched. */
const frontMatterSchema = z
  .object({
    title: z.string().min(1).optional(),
    aliases: z.array(z.string().min(1)).optional(),
    description: z.string().optional(),
    required: z.union([z.enum(['all', 'none']), z.array(z.union([z.string(), z.number()]))]).optional(),
  })
  .loose();

export type FrontMatter = z.infer<typeof frontMatterSchema>;

export interface FrontMatterProblem {
  line: number;
  message: string;
}

export interface SplitSource {
  frontMatter: FrontMatter;
  /** The Markdown after the front matter. */
  body: string;
  /** Lines taken by the front matter, to turn body line numbers back into file line numbers. */
  bodyLineOffset: number;
  /** File line of each top-level front matter key, for errors that point at it. */
  keyLines: Record<string, number>;
  problems: FrontMatterProblem[];
}

const FENCE = /^---[ \t]*\r?\n/;

export function splitFrontMatter(source: string): SplitSource {
  const empty = { frontMatter: {}, body: source, bodyLineOffset: 0, keyLines: {}, problems: [] };
  if (!FENCE.test(source)) return empty;
  const closing = /^(?:---|\.\.\.)[ \t]*$/m;
  const afterOpening = source.replace(FENCE, '');
  const match = closing.exec(afterOpening);
  if (!match) return empty;
  const yamlText = afterOpening.slice(0, match.index);
  const openingLines = 1;
  const yamlLines = yamlText.split('\n').length - 1;
  const body = afterOpening.slice(match.index + match[0].length).replace(/^\r?\n/, '');
  const bodyLineOffset = openingLines + yamlLines + 1;

  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter });
  const problems: FrontMatterProblem[] = [];
  for (const error of document.errors) {
    const line = (error.linePos?.[0]?.line ?? 1) + openingLines;
    problems.push({
      line,
      message: `front matter is not valid YAML: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
    });
  }
  const keyLines: Record<string, number> = {};
  if (isMap(document.contents)) {
    for (const pair of document.contents.items) {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
      const offset = (pair.key as unknown as { range?: number[] } | null)?.range?.[0] ?? 0;
      keyLines[key] = lineCounter.linePos(offset).line + openingLines;
    }
  }
  if (problems.length > 0) return { ...empty, body, bodyLineOffset, problems };

  const raw = document.toJS() ?? {};
  const parsed = frontMatterSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      problems.push({
        line: keyLines[key] ?? openingLines + 1,
        message: `front matter ${key || 'value'}: ${issue.message}`,
      });
    }
    return { frontMatter: {}, body, bodyLineOffset, keyLines, problems };
  }
  return { frontMatter: parsed.data, body, bodyLineOffset, keyLines, problems };
}
