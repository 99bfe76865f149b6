import { isPair, isScalar, isSeq, LineCounter, parseDocument, type Scalar, visit } from 'yaml';
import { z } from 'zod';
import { isKnownTimeZone } from '../time/moment.js';
import { keyLinesOf, lineOfPath } from '../yaml/keyLines.js';
import { THRESHOLD_TEXT } from './frontMatterChecks.js';

/**
 * The YAML front matter a checklist may carry: what Markdown cannot say. Every key is optional; a
 * plain Markdown task list needs none of it. Keys are snake_case as people write YAML.
 */

const duration = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(?:\.\d+)?\s*(?:s|m|h|d)$/, 'write a duration like 30s, 5m, 2h or 1d'),
  ])
  .transform((value) => (typeof value === 'number' ? value : toMinutes(value)));

function toMinutes(text: string): number {
  const value = Number.parseFloat(text);
  const unit = text.trim().slice(-1);
  return unit === 's' ? value / 60 : unit === 'h' ? value * 60 : unit === 'd' ? value * 1440 : value;
}

const targetText = z.string().regex(THRESHOLD_TEXT, 'write a threshold like "< 500ms" or ">= 30"');

const itemReference = z.union([z.string().min(1), z.number()]).transform(String);

const checkBase = {
  item: itemReference,
  description: z.string().optional(),
  /** Run again by itself every so often ("every: 5m, for: 30m"), as well as on request. */
  every: duration.optional(),
  for: duration.optional(),
};

const checkSchema = z.discriminatedUnion('kind', [
  z.object({
    ...checkBase,
    kind: z.literal('http'),
    method: z.enum(['GET', 'HEAD', 'POST', 'get', 'head', 'post']).default('GET'),
    url: z.string().min(1),
    expect_status: z.number().int().min(100).max(599).optional(),
    json_path: z.string().optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    body_contains: z.string().optional(),
    max_latency_ms: z.number().positive().optional(),
    follow_redirects: z.boolean().optional(),
  }),
  z.object({
    ...checkBase,
    kind: z.literal('redis'),
    url: z.string().default('${REDIS_URL}'),
    command: z.enum(['PING', 'INFO', 'ping', 'info']).default('PING'),
    field: z.string().optional(),
    target: targetText.optional(),
  }),
  z.object({
    ...checkBase,
    kind: z.literal('websocket'),
    url: z.string().min(1),
    send: z.string().optional(),
    expect: z.string().optional(),
  }),
  z.object({
    ...checkBase,
    kind: z.literal('postgres'),
    url: z.string().default('${DATABASE_URL}'),
    query: z
      .string()
      .regex(/^\s*(select|show|with)\b/i, 'a check may only read: start the query with SELECT, SHOW or WITH'),
    target: targetText.optional(),
  }),
  z.object({
    ...checkBase,
    kind: z.literal('tls'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(443),
    min_days: z.number().int().min(0).default(30),
  }),
  z.object({
    ...checkBase,
    kind: z.literal('dns'),
    name: z.string().min(1),
    addresses: z.array(z.string()).optional(),
  }),
  z.object({
    ...checkBase,
    kind: z.literal('prometheus'),
    server: z.string().default('${PROMETHEUS_URL}'),
    query: z.string().min(1),
    target: targetText,
  }),
]);

export type FrontMatterCheck = z.infer<typeof checkSchema>;

const roleList = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((value) => (Array.isArray(value) ? value : [value]));

export const frontMatterSchema = z
  .object({
    title: z.string().min(1).optional(),
    aliases: z.array(z.string().min(1)).optional(),
    description: z.string().optional(),
    timezone: z
      .string()
      .refine(isKnownTimeZone, 'timezone must be an IANA zone name, such as Europe/Berlin or UTC')
      .optional(),
    variables: z
      .record(
        z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'variable names are UPPER_SNAKE_CASE'),
        z
          .union([z.string(), z.number(), z.null()])
          .transform((value) => (value === null ? null : String(value))),
      )
      .optional(),
    roles: z
      .object({
        abort: roleList.optional(),
        rollback: roleList.optional(),
        complete: roleList.optional(),
        assign: roleList.optional(),
        /** Sign-off label (as written) or item ref → the role that may sign it. */
        signoff: z.record(z.string(), z.string().min(1)).optional(),
        /** Item ref → the role that alone may resolve or reopen it (a deploy step only the DBA runs). */
        items: z.record(z.string(), z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    escalation: z
      .object({
        policy: z.string().min(1).optional(),
        severity: z.enum(['P0', 'P1', 'P2', 'P3']).optional(),
      })
      .strict()
      .optional(),
    checks: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'check names are letters, digits, - and _'),
        checkSchema,
      )
      .optional(),
    required: z.union([z.enum(['all', 'none']), z.array(itemReference)]).optional(),
    optional: z.array(itemReference).optional(),
    reminders: z
      .array(
        z
          .object({
            phase: itemReference.optional(),
            every: duration,
            for: duration.optional(),
            text: z.string().optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

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
  /** File line of each front matter key path (`checks.health.url`), for errors that point at it. */
  keyLines: Record<string, number>;
  problems: FrontMatterProblem[];
  /** What was read but not kept, said as warnings: the keys of a GitHub issue template. */
  notes: FrontMatterProblem[];
}

/**
 * Keys other tools put in a Markdown file's front matter, which a checklist kept in a repository often
 * carries: a GitHub issue template's (`.github/ISSUE_TEMPLATE/*.md`: `name` is the template's name, the
 * rest say who gets the issue) and a static site's (Jekyll, Hugo, MkDocs). They mean nothing to a run:
 * dropped with a note, where a key of the checklist's own that is misspelt stays an error.
 */
const FOREIGN_KEYS: ReadonlyMap<string, string> = new Map([
  ...['name', 'about', 'labels', 'assignees', 'projects', 'type'].map(
    (key) => [key, 'a GitHub issue template’s'] as const,
  ),
  ...[
    'layout',
    'category',
    'categories',
    'tags',
    'permalink',
    'date',
    'author',
    'authors',
    'published',
    'excerpt',
    'sidebar',
    'nav_order',
    'parent',
    'weight',
    'draft',
    'slug',
    'summary',
    'redirect_from',
    'toc',
    'lang',
  ].map((key) => [key, 'a site generator’s'] as const),
]);

/**
 * The front matter without the keys of other tools, and the note saying what was dropped. An issue
 * template's `name` is the title when the title is missing or empty (GitHub's `title: ''`).
 */
function withoutForeignKeys(
  raw: Record<string, unknown>,
  keyLines: Record<string, number>,
): { raw: Record<string, unknown>; notes: FrontMatterProblem[] } {
  const dropped = Object.keys(raw).filter((key) => FOREIGN_KEYS.has(key));
  if (dropped.length === 0) return { raw, notes: [] };
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (!FOREIGN_KEYS.has(key)) kept[key] = value;
  const emptyTitle = typeof kept.title === 'string' && kept.title.trim() === '';
  if (emptyTitle) delete kept.title;
  const named = typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name.trim() : null;
  const titled = kept.title === undefined && named !== null;
  if (titled) kept.title = named;
  const whose = [...new Set(dropped.map((key) => FOREIGN_KEYS.get(key)))].join(' and ');
  const keys = [...dropped, ...(emptyTitle ? ['title'] : [])].map((key) => `“${key}”`).join(', ');
  return {
    raw: kept,
    notes: [
      {
        line: lineOfPath(keyLines, [dropped[0] as string]) ?? 2,
        message: `front matter ${keys}: ${whose} keys, not used by a run${titled ? `; the title is its name, “${named}”` : ''}`,
      },
    ],
  };
}

const FENCE = /^---[ \t]*\r?\n/;

export function splitFrontMatter(source: string): SplitSource {
  const empty = { frontMatter: {}, body: source, bodyLineOffset: 0, keyLines: {}, problems: [], notes: [] };
  if (!FENCE.test(source)) return empty;
  const afterOpening = source.replace(FENCE, '');
  const match = /^(?:---|\.\.\.)[ \t]*$/m.exec(afterOpening);
  if (!match) {
    return {
      ...empty,
      problems: [{ line: 1, message: 'front matter opened with --- is never closed with ---' }],
    };
  }
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
    const said = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    problems.push({ line, message: `front matter is not valid YAML: ${said}` });
  }
  const keyLines = keyLinesOf(document.contents, lineCounter, openingLines);
  const lenient = problems.length > 0 ? readForeignLines(yamlText, openingLines) : null;
  if (problems.length > 0 && !lenient) return { ...empty, body, bodyLineOffset, keyLines, problems };
  // Another tool's front matter that is not valid YAML (an issue template's `title: [Hub] {{ NAME }}`,
  // which GitHub reads as text) is read line by line as `key: text`: said as a warning, not refused.
  // The first of the parser's complaints says where; the rest follow from it.
  const lenientNotes = lenient
    ? problems
        .splice(0)
        .slice(0, 1)
        .map((problem) => ({ ...problem, message: `${problem.message}; read as plain “key: text” lines` }))
    : [];

  keepReferencesAsWritten(document);
  let raw: unknown;
  try {
    raw = lenient?.raw ?? document.toJS() ?? {};
  } catch (error) {
    // An alias to nothing (`title: *oops`) only fails here.
    const said = error instanceof Error ? error.message : String(error);
    return {
      ...empty,
      body,
      bodyLineOffset,
      keyLines,
      problems: [{ line: 2, message: `front matter is not valid YAML: ${said}` }],
    };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ...empty,
      body,
      bodyLineOffset,
      problems: [{ line: 2, message: 'front matter must be a mapping of keys (title: …)' }],
    };
  }
  const foreign = withoutForeignKeys(
    raw as Record<string, unknown>,
    lenient ? { ...keyLines, ...lenient.keyLines } : keyLines,
  );
  const notes = [...lenientNotes, ...foreign.notes];
  const parsed = frontMatterSchema.safeParse(foreign.raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const where = unknownKeys.length > 0 ? [...path, unknownKeys[0] ?? ''] : path;
      problems.push({
        line: lineOfPath(keyLines, where) ?? openingLines + 1,
        message: `front matter ${where.join('.') || 'value'}: ${describeIssue(issue)}`,
      });
    }
    return { frontMatter: {}, body, bodyLineOffset, keyLines, problems, notes };
  }
  return { frontMatter: parsed.data, body, bodyLineOffset, keyLines, problems, notes };
}

/**
 * Front matter of plain `key: value` lines whose keys all belong to other tools (or are `title`), each
 * value read as YAML where it is valid on its own and as its text where not; null for anything else.
 */
function readForeignLines(
  yamlText: string,
  openingLines: number,
): { raw: Record<string, unknown>; keyLines: Record<string, number> } | null {
  const raw: Record<string, unknown> = {};
  const keyLines: Record<string, number> = {};
  const lines = yamlText.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const pair = /^([A-Za-z_][\w-]*):(?:[ \t](.*))?$/.exec(line);
    if (!pair) return null;
    const key = pair[1] as string;
    if (key !== 'title' && !FOREIGN_KEYS.has(key)) return null;
    const text = (pair[2] ?? '').trim();
    const alone = parseDocument(text);
    raw[key] = alone.errors.length === 0 ? alone.toJS() : text;
    keyLines[key] = index + 1 + openingLines;
  }
  // Only another tool's front matter is read this way: a checklist's own must be valid YAML.
  return Object.keys(raw).some((key) => FOREIGN_KEYS.has(key)) ? { raw, keyLines } : null;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const unknown = `unknown key ${issue.keys.map((key) => `“${key}”`).join(', ')}`;
    // The top level's keys come from the schema itself, so the list never falls behind it.
    return issue.path.length === 0
      ? `${unknown}; known keys are ${Object.keys(frontMatterSchema.shape).join(', ')}`
      : unknown;
  }
  return issue.message;
}

const REFERENCE_KEYS = new Set(['required', 'optional', 'item', 'phase']);

/** YAML reads `1.10` as the number 1.1; an item ref is text, so keep what was written. */
function keepReferencesAsWritten(document: ReturnType<typeof parseDocument>): void {
  const asWritten = (node: unknown) => {
    if (isScalar(node) && typeof node.value === 'number' && (node as Scalar & { source?: string }).source) {
      node.value = (node as Scalar & { source?: string }).source;
    }
  };
  visit(document, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !REFERENCE_KEYS.has(String(pair.key.value))) return;
      if (isSeq(pair.value)) pair.value.items.forEach(asWritten);
      else asWritten(pair.value);
    },
  });
}
