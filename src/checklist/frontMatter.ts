import { isPair, isScalar, isSeq, LineCounter, parseDocument, type Scalar, visit } from 'yaml';
import { z } from 'zod';
import { isKnownTimeZone } from '../time/moment.js';
import { keyLinesOf, lineOfPath } from '../yaml/keyLines.js';

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

const targetText = z
  .string()
  .regex(
    /^\s*(<=|>=|<|>|=)?\s*-?\d+(?:\.\d+)?\s*[a-z%/]*\s*$/i,
    'write a threshold like "< 500ms" or ">= 30"',
  );

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
}

const FENCE = /^---[ \t]*\r?\n/;

export function splitFrontMatter(source: string): SplitSource {
  const empty = { frontMatter: {}, body: source, bodyLineOffset: 0, keyLines: {}, problems: [] };
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
  if (problems.length > 0) return { ...empty, body, bodyLineOffset, keyLines, problems };

  keepReferencesAsWritten(document);
  let raw: unknown;
  try {
    raw = document.toJS() ?? {};
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
  const parsed = frontMatterSchema.safeParse(raw);
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
    return { frontMatter: {}, body, bodyLineOffset, keyLines, problems };
  }
  return { frontMatter: parsed.data, body, bodyLineOffset, keyLines, problems };
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
