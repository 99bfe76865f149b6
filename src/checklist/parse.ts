import { createHash } from 'node:crypto';
import type { Heading, List, ListItem, Root, RootContent } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { splitFrontMatter } from './frontMatter.js';
import { collapseSpaces, inlineText, slugify } from './text.js';
import type { Checklist, ChecklistItem, ChecklistPhase, ChecklistSection } from './types.js';

export interface ChecklistProblem {
  line: number;
  message: string;
}

/** A checklist file that cannot be run; its message lists every problem as `file:line: what`. */
export class ChecklistParseError extends Error {
  readonly file: string;
  readonly problems: ChecklistProblem[];
  constructor(file: string, problems: ChecklistProblem[]) {
    super(problems.map((problem) => `${file}:${problem.line}: ${problem.message}`).join('\n'));
    this.name = 'ChecklistParseError';
    this.file = file;
    this.problems = problems;
  }
}

export interface ParseOptions {
  /** What `/deploy start` takes: usually the file name without extension. */
  name: string;
  /** Shown in errors. */
  file: string;
}

interface HeadingInfo {
  depth: number;
  title: string;
  boxed: boolean;
  line: number;
}

/** A task-list item as found in the tree, before phases and references are assigned. */
interface FoundItem {
  headings: HeadingInfo[];
  text: string;
  line: number;
  parent: FoundItem | null;
  group: string | null;
  details: string[];
}

interface FoundNote {
  headings: HeadingInfo[];
  markdown: string;
}

const markdown = unified().use(remarkParse).use(remarkGfm);

const BOXED_HEADING = /^\[( |x|X)\]\s+/;
const NOT_REQUIRED_MARK = /\((?:optional|if applicable|if needed)\)/i;
const PHASE_NUMBER = /^(?:phase|step|stage|part)?\s*(\d{1,3})\s*[.:)\-–]\s*/i;

/** Markdown (with optional YAML front matter) → Checklist. Pure: no I/O, same input, same output. */
export function parseChecklist(source: string, options: ParseOptions): Checklist {
  const split = splitFrontMatter(source);
  const problems: ChecklistProblem[] = [...split.problems];
  const tree = markdown.parse(split.body) as Root;
  const lineOf = (node: { position?: { start: { line: number } } }) =>
    (node.position?.start.line ?? 1) + split.bodyLineOffset;

  const items: FoundItem[] = [];
  const notes: FoundNote[] = [];
  const headingStack: HeadingInfo[] = [];
  let documentTitle: string | null = null;

  for (const node of tree.children) {
    if (node.type === 'heading') {
      const info = readHeading(node, lineOf(node));
      if (documentTitle === null && node.depth === 1) documentTitle = info.title;
      while (headingStack.length > 0 && (headingStack.at(-1)?.depth ?? 0) >= node.depth) headingStack.pop();
      headingStack.push(info);
      continue;
    }
    if (node.type === 'list') {
      const before = items.length;
      collectTasks(node, [...headingStack], null, null, items, lineOf);
      if (items.length === before)
        notes.push({ headings: [...headingStack], markdown: sliceOf(split.body, node) });
      continue;
    }
    if (node.type === 'thematicBreak' || node.type === 'definition') continue;
    notes.push({ headings: [...headingStack], markdown: sliceOf(split.body, node) });
  }

  if (items.length === 0) {
    problems.push({
      line: 1 + split.bodyLineOffset,
      message:
        'no task-list items found: a checklist needs lines such as "- [ ] Health endpoint returns 200"',
    });
  }
  if (problems.length > 0) throw new ChecklistParseError(options.file, problems);

  const title = split.frontMatter.title ?? documentTitle ?? options.name;
  const checklist = assemble(items, notes, title, options.name);
  checklist.aliases = split.frontMatter.aliases ?? [];
  checklist.hash = createHash('sha256').update(source).digest('hex');
  checklist.source = source;

  const required = split.frontMatter.required;
  if (required === 'none') {
    for (const item of checklist.items) item.required = false;
  } else if (Array.isArray(required)) {
    const wanted = new Set(required.map(String));
    const known = new Set(checklist.items.flatMap((item) => [item.ref, item.key]));
    const unknown = [...wanted].filter((reference) => !known.has(reference));
    if (unknown.length > 0) {
      throw new ChecklistParseError(options.file, [
        {
          line: split.keyLines.required ?? 1,
          message: `required names items that do not exist: ${unknown.join(', ')}`,
        },
      ]);
    }
    for (const item of checklist.items) item.required = wanted.has(item.ref) || wanted.has(item.key);
  }
  return checklist;
}

function readHeading(node: Heading, line: number): HeadingInfo {
  const raw = inlineText(node.children);
  const boxed = BOXED_HEADING.test(raw);
  return { depth: node.depth, title: raw.replace(BOXED_HEADING, ''), boxed, line };
}

function collectTasks(
  list: List,
  headings: HeadingInfo[],
  parent: FoundItem | null,
  group: string | null,
  into: FoundItem[],
  lineOf: (node: ListItem) => number,
): void {
  for (const listItem of list.children) {
    const ownText = collapseSpaces(
      listItem.children
        .filter((child) => child.type === 'paragraph')
        .map((paragraph) => inlineText(paragraph.children))
        .join(' '),
    );
    const nestedLists = listItem.children.filter((child): child is List => child.type === 'list');
    if (listItem.checked === null || listItem.checked === undefined) {
      // A plain bullet: either a detail of the task above it, or a title grouping the boxes below it.
      const before = into.length;
      for (const nested of nestedLists)
        collectTasks(nested, headings, parent, ownText || group, into, lineOf);
      if (into.length === before && parent && ownText) parent.details.push(ownText);
      continue;
    }
    const item: FoundItem = { headings, text: ownText, line: lineOf(listItem), parent, group, details: [] };
    into.push(item);
    for (const nested of nestedLists) collectTasks(nested, headings, item, null, into, lineOf);
  }
}

function sliceOf(body: string, node: RootContent): string {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  return start === undefined || end === undefined ? '' : body.slice(start, end);
}

/** The heading depth whose headings are the phases: the shallowest depth at which items fall under two or more headings. */
function findPhaseDepth(items: FoundItem[]): number | null {
  for (let depth = 1; depth <= 6; depth++) {
    const holders = new Set(
      items.map((item) => item.headings.find((h) => h.depth === depth)?.line).filter(Boolean),
    );
    if (holders.size >= 2) return depth;
  }
  for (let depth = 1; depth <= 6; depth++) {
    if (items.some((item) => item.headings.some((h) => h.depth === depth))) return depth;
  }
  return null;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 6);
}

function assemble(found: FoundItem[], foundNotes: FoundNote[], title: string, name: string): Checklist {
  const phaseDepth = findPhaseDepth(found);
  const phases: ChecklistPhase[] = [];
  const phaseByLine = new Map<number, ChecklistPhase>();
  const sectionByKey = new Map<string, ChecklistSection>();
  const items: ChecklistItem[] = [];
  const itemOf = new Map<FoundItem, ChecklistItem>();
  const usedKeys = new Set<string>();

  const uniqueKey = (base: string) => {
    let key = base;
    for (let n = 2; usedKeys.has(key); n++) key = `${base}-${n}`;
    usedKeys.add(key);
    return key;
  };

  const phaseOf = (headings: HeadingInfo[]): ChecklistPhase => {
    const heading = phaseDepth === null ? undefined : headings.find((h) => h.depth === phaseDepth);
    // Items above the first phase heading form a phase of their own, named after what stands above them.
    const line = heading?.line ?? 0;
    const existing = phaseByLine.get(line);
    if (existing) return existing;
    const phaseTitle = heading?.title ?? headings.at(-1)?.title ?? 'Checklist';
    const phase: ChecklistPhase = {
      key: uniqueKey(`p-${slugify(phaseTitle, 32)}`),
      ref: '',
      title: phaseTitle,
      line: heading?.line ?? headings.at(-1)?.line ?? 1,
      sections: [],
    };
    phaseByLine.set(line, phase);
    phases.push(phase);
    return phase;
  };

  const sectionOf = (phase: ChecklistPhase, headings: HeadingInfo[]): ChecklistSection => {
    const below = phaseDepth === null ? headings : headings.filter((h) => h.depth > phaseDepth);
    const sectionTitle = below.map((h) => h.title).join(' › ');
    const deepest = below.at(-1);
    const identity = `${phase.key}|${deepest?.line ?? 0}`;
    const existing = sectionByKey.get(identity);
    if (existing) return existing;
    const section: ChecklistSection = {
      key: uniqueKey(`s-${shortHash(`${phase.title}|${sectionTitle}`)}`),
      title: sectionTitle,
      line: deepest?.line ?? phase.line,
      boxed: deepest?.boxed ?? false,
      itemKeys: [],
      notes: [],
    };
    sectionByKey.set(identity, section);
    phase.sections.push(section);
    return section;
  };

  for (const entry of found) {
    const phase = phaseOf(entry.headings);
    const section = sectionOf(phase, entry.headings);
    const parent = entry.parent ? itemOf.get(entry.parent) : undefined;
    const identity = [phase.title, section.title, parent?.text ?? '', entry.group ?? '', entry.text].join(
      '|',
    );
    const optional = NOT_REQUIRED_MARK.test(entry.text) || NOT_REQUIRED_MARK.test(section.title);
    const item: ChecklistItem = {
      key: uniqueKey(`${slugify(entry.text)}-${shortHash(identity)}`),
      ref: '',
      text: entry.text || '(untitled item)',
      kind: 'task',
      line: entry.line,
      required: !optional && !(parent && !parent.required),
      phaseKey: phase.key,
      sectionKey: section.key,
      parentKey: parent?.key ?? null,
      childKeys: [],
      group: entry.group,
      details: entry.details,
    };
    parent?.childKeys.push(item.key);
    itemOf.set(entry, item);
    items.push(item);
    section.itemKeys.push(item.key);
  }

  assignPhaseRefs(phases);
  assignItemRefs(phases, items);

  const checklistNotes: string[] = [];
  for (const note of foundNotes) {
    const deepest = note.headings.at(-1);
    const section = [...sectionByKey.values()].find(
      (candidate) => deepest && candidate.line === deepest.line,
    );
    if (section) section.notes.push(note.markdown);
    else
      checklistNotes.push(
        deepest ? `${'#'.repeat(deepest.depth)} ${deepest.title}\n\n${note.markdown}` : note.markdown,
      );
  }

  return { name, title, aliases: [], hash: '', source: '', phases, items, notes: checklistNotes };
}

/** Phases keep the numbers their titles give ("Phase 0", "3.") when every phase has a distinct one. */
function assignPhaseRefs(phases: ChecklistPhase[]): void {
  const numbers = phases.map((phase) => PHASE_NUMBER.exec(phase.title)?.[1]);
  const distinct = new Set(numbers);
  const useOwn = numbers.every((n) => n !== undefined) && distinct.size === phases.length;
  phases.forEach((phase, index) => {
    phase.ref = useOwn ? String(Number(numbers[index])) : String(index + 1);
  });
}

function assignItemRefs(phases: ChecklistPhase[], items: ChecklistItem[]): void {
  const byKey = new Map(items.map((item) => [item.key, item]));
  const number = (item: ChecklistItem, prefix: string, index: number) => {
    item.ref = `${prefix}.${index + 1}`;
    item.childKeys.forEach((childKey, childIndex) => {
      const child = byKey.get(childKey);
      if (child) number(child, item.ref, childIndex);
    });
  };
  for (const phase of phases) {
    const topLevel = phase.sections.flatMap((section) =>
      section.itemKeys.map((key) => byKey.get(key)).filter((item) => item && item.parentKey === null),
    ) as ChecklistItem[];
    topLevel.forEach((item, index) => {
      number(item, phase.ref, index);
    });
  }
}
