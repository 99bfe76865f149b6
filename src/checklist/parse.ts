import { createHash } from 'node:crypto';
import { lineOfPath } from '../yaml/keyLines.js';
import { boundLines, MAX_LINE_CHARS, MAX_NESTING } from './bounds.js';
import { howToSet } from './checkVariables.js';
import { detectCheck, variablesIn } from './detect.js';
import {
  CONTACTS_HEADING,
  ESCALATION_HEADING,
  readSeverity,
  roleIdOf,
  roleInStep,
  stepFromText,
  stepsFromArrowChain,
} from './escalationHints.js';
import { type FrontMatter, splitFrontMatter } from './frontMatter.js';
import { checkSpecFrom } from './frontMatterChecks.js';
import { classifyItem, ROLE_WORD } from './kinds.js';
import { type Block, type ListEntry, parseBlocks } from './markdown.js';
import { repairMojibake } from './mojibake.js';
import {
  isRollbackStepHeading,
  parseCriterion,
  ROLLBACK_CRITERIA_HEADING,
  ROLLBACK_LEAD_IN,
} from './rollback.js';
import { slugify } from './text.js';
import { readCadences, readTimeWindow } from './timeWindow.js';
import type {
  Checklist,
  ChecklistItem,
  ChecklistPhase,
  ChecklistSection,
  EscalationStepSuggestion,
  RoleMention,
  RollbackCriterion,
  SeverityLevel,
} from './types.js';

export type Severity = 'error' | 'warning';

export interface ChecklistProblem {
  line: number;
  column?: number;
  severity?: Severity;
  message: string;
  hint?: string;
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

export interface ReadResult {
  /** Null when any problem is an error. */
  checklist: Checklist | null;
  /** Errors and warnings, in line order. */
  problems: ChecklistProblem[];
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
  codeBlocks: string[];
  quotes: string[];
  /** A paragraph right above the list, e.g. "If ANY of these occur, initiate rollback:". */
  leadIn: string | null;
  /** Written `[x]`: the author ticked it in the file. */
  preTicked: boolean;
  /** Written `~~…~~`: the author withdrew it. */
  struck: boolean;
}

interface FoundNote {
  headings: HeadingInfo[];
  markdown: string;
}

/** Plain (unboxed) list entries and paragraphs, read for rollback criteria and escalation hints. */
interface FoundText {
  headings: HeadingInfo[];
  text: string;
  line: number;
  ordered: boolean;
  /** A bullet of a list (not a paragraph). */
  listEntry: boolean;
  leadIn: string | null;
}

const BOXED_HEADING = /^\[( |x|X)\]\s+/;
const NOT_REQUIRED_MARK = /\((?:optional|if applicable|if needed|if possible)\)/i;
/**
 * A lead-in or a plain bullet that makes the boxes under it optional or conditional: "Optional:",
 * "Optional steps:", "If critical issues occur:", "For MAJOR releases:", "Only for RCs:". Until such a
 * condition can be asked at start, its steps are not required for a normal completion.
 */
const CONDITIONAL_LEAD = /^(?:optional\b|if\b|when\b|only\b|for\b)[^\n]{0,160}:$/i;
/** A heading that says its steps are optional: "### Optional steps", "## Optional: load test". */
const OPTIONAL_HEADING = /^optional\b/i;
const PHASE_NUMBER = /^(?:phase|step|stage|part)?\s*(\d{1,3})\s*[.:)\-–]\s*/i;

/** Markdown (with optional YAML front matter) → Checklist. Pure. Throws ChecklistParseError on errors. */
export function parseChecklist(source: string, options: ParseOptions): Checklist {
  const result = readChecklist(source, options);
  if (!result.checklist) {
    throw new ChecklistParseError(
      options.file,
      result.problems.filter((problem) => problem.severity !== 'warning'),
    );
  }
  return result.checklist;
}

/** Like parseChecklist, but returns every problem (warnings too) instead of throwing. Never throws. */
export function readChecklist(source: string, options: ParseOptions): ReadResult {
  const bounded = boundLines(repairMojibake(source));
  const split = splitFrontMatter(bounded.text);
  const problems: ChecklistProblem[] = [
    ...split.problems.map((problem) => ({ ...problem, severity: 'error' as const })),
    ...split.notes.map((note) => ({ ...note, severity: 'warning' as const })),
    ...bounded.cut.map(({ line, length }) => ({
      line,
      severity: 'warning' as const,
      message: `this line is ${length.toLocaleString('en-US')} characters long; only its first ${MAX_LINE_CHARS.toLocaleString('en-US')} are read`,
    })),
  ];
  const { blocks, tooDeepAt } = parseBlocks(split.body);
  const offset = split.bodyLineOffset;
  if (tooDeepAt !== null) {
    problems.push({
      line: tooDeepAt + offset,
      severity: 'error',
      message: `lists or quotes are nested too deep here (more than ${MAX_NESTING / 2} levels); nothing below this line could be read: flatten the nesting`,
    });
  }

  const items: FoundItem[] = [];
  const notes: FoundNote[] = [];
  const texts: FoundText[] = [];
  const headingStack: HeadingInfo[] = [];
  let documentTitle: string | null = null;
  let previous: Block | null = null;
  let pendingCode: string[] = [];

  let writtenHeadingDepth = 1;
  for (const [index, found] of blocks.entries()) {
    if (found.type === 'heading') writtenHeadingDepth = found.depth;
    const block = asPseudoHeading(found, blocks[index + 1], writtenHeadingDepth);
    const line = block.line + offset;
    if (block.type === 'heading') {
      const info = readHeading(block.text, block.depth, line);
      if (documentTitle === null && block.depth === 1) documentTitle = info.title;
      while (headingStack.length > 0 && (headingStack.at(-1)?.depth ?? 0) >= block.depth) headingStack.pop();
      headingStack.push(info);
      pendingCode = [];
    } else if (block.type === 'list') {
      const leadIn = previous?.type === 'paragraph' ? previous.text : null;
      const before = items.length;
      collectEntries(block.items, block.ordered, {
        headings: [...headingStack],
        parent: null,
        group: null,
        leadIn,
        offset,
        items,
        texts,
      });
      // A command block right above a list belongs to the first box under it ("curl -I …" then "- [ ] Dashboard loads").
      const first = items[before];
      if (first && pendingCode.length > 0) first.codeBlocks.push(...pendingCode);
      if (items.length === before) notes.push({ headings: [...headingStack], markdown: block.raw });
      pendingCode = [];
    } else {
      if (block.type === 'code') pendingCode.push(block.content);
      if (block.type === 'paragraph')
        texts.push({
          headings: [...headingStack],
          text: block.text,
          line,
          ordered: false,
          listEntry: false,
          leadIn: null,
        });
      if (block.raw) notes.push({ headings: [...headingStack], markdown: block.raw });
    }
    previous = block;
  }

  if (items.length === 0) {
    problems.push({
      line: 1 + offset,
      severity: 'error',
      message:
        'no task-list items found: a checklist needs lines such as "- [ ] Health endpoint returns 200"',
    });
  }
  if (problems.some((problem) => problem.severity === 'error'))
    return { checklist: null, problems: sortProblems(problems) };

  const title = split.frontMatter.title ?? documentTitle ?? options.name;
  const checklist = assemble(items, notes, texts, title, options.name);
  checklist.aliases = split.frontMatter.aliases ?? [];
  checklist.hash = createHash('sha256').update(source).digest('hex');
  checklist.source = source;
  applyFrontMatter(checklist, split.frontMatter, split.keyLines, problems);
  problems.push(...warningsFor(checklist));
  const hasErrors = problems.some((problem) => problem.severity === 'error');
  return { checklist: hasErrors ? null : checklist, problems: sortProblems(problems) };
}

function sortProblems(problems: ChecklistProblem[]): ChecklistProblem[] {
  return [...problems].sort((a, b) => a.line - b.line);
}

/**
 * A bold line alone above a list (`**Before the release**`, `**1. Connection metrics**`) is how many
 * authors write a heading: it heads the list, one level below the heading it is under. A bold line that
 * ends with a colon is a lead-in ("**If GO LIVE:**"), and bold prose is prose. "PHASE 2: Cutover" alone
 * above a list is a heading however it is written.
 */
const PHASE_LINE = /^(?:phase|stage)\s+(?:\d{1,2}|[ivx]{1,5})\b/i;

function asPseudoHeading(block: Block, next: Block | undefined, depthAbove: number): Block {
  if (block.type !== 'paragraph' || next?.type !== 'list' || block.text.includes('\n')) return block;
  const text = block.text.trim();
  const phaseLine = PHASE_LINE.test(text);
  if (!phaseLine && (!block.bold || text.endsWith(':'))) return block;
  if (text.length > 80) return block;
  return {
    type: 'heading',
    depth: Math.min(6, Math.max(2, depthAbove + 1)),
    text,
    line: block.line,
    raw: block.raw,
  };
}

function readHeading(raw: string, depth: number, line: number): HeadingInfo {
  const boxed = BOXED_HEADING.test(raw);
  return { depth, title: raw.replace(BOXED_HEADING, ''), boxed, line };
}

interface CollectContext {
  headings: HeadingInfo[];
  parent: FoundItem | null;
  group: string | null;
  leadIn: string | null;
  offset: number;
  items: FoundItem[];
  texts: FoundText[];
}

/** A quote's text without its `>` markers, one line per line of the quote. */
function unquoted(raw: string): string {
  return raw
    .split('\n')
    .map((line) => line.replace(/^\s*>+ ?/, ''))
    .join('\n')
    .trim();
}

function collectEntries(entries: ListEntry[], ordered: boolean, context: CollectContext): void {
  for (const entry of entries) {
    const nestedLists = entry.children.filter((child) => child.type === 'list');
    const codeBlocks = entry.children.flatMap((child) => (child.type === 'code' ? [child.content] : []));
    const line = entry.line + context.offset;
    if (entry.checked === null) {
      // A plain bullet: a detail of the box above it, or a title grouping the boxes below it.
      const before = context.items.length;
      for (const nested of nestedLists) {
        collectEntries(nested.items, nested.ordered, {
          ...context,
          group: entry.text || context.group,
          leadIn: null,
        });
      }
      if (context.items.length === before) {
        if (context.parent && entry.text) context.parent.details.push(entry.text);
        if (context.parent && codeBlocks.length > 0) context.parent.codeBlocks.push(...codeBlocks);
        if (!context.parent && entry.text) {
          context.texts.push({
            headings: context.headings,
            text: entry.text,
            line,
            ordered,
            listEntry: true,
            leadIn: context.leadIn,
          });
        }
      }
      continue;
    }
    const item: FoundItem = {
      headings: context.headings,
      text: entry.text,
      line,
      parent: context.parent,
      group: context.group,
      details: [],
      codeBlocks,
      quotes: entry.children.flatMap((child) =>
        child.type === 'other' && child.raw.trimStart().startsWith('>') ? [unquoted(child.raw)] : [],
      ),
      leadIn: context.leadIn,
      preTicked: entry.checked === true,
      struck: entry.struck,
    };
    context.items.push(item);
    for (const nested of nestedLists) {
      collectEntries(nested.items, nested.ordered, { ...context, parent: item, group: null, leadIn: null });
    }
  }
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

function assemble(
  found: FoundItem[],
  foundNotes: FoundNote[],
  texts: FoundText[],
  title: string,
  name: string,
): Checklist {
  const phaseDepth = findPhaseDepth(found);
  const phases: ChecklistPhase[] = [];
  const phaseByLine = new Map<number, ChecklistPhase>();
  const sectionByIdentity = new Map<string, ChecklistSection>();
  const items: ChecklistItem[] = [];
  const itemOf = new Map<FoundItem, ChecklistItem>();
  const usedKeys = new Set<string>();
  const rollbackCriteria: RollbackCriterion[] = [];

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
      window: readTimeWindow(phaseTitle),
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
    const existing = sectionByIdentity.get(identity);
    if (existing) return existing;
    const section: ChecklistSection = {
      key: uniqueKey(`s-${shortHash(`${phase.title}|${sectionTitle}`)}`),
      title: sectionTitle,
      line: deepest?.line ?? phase.line,
      boxed: deepest?.boxed ?? false,
      window: deepest ? readTimeWindow(deepest.title) : null,
      itemKeys: [],
      notes: [],
    };
    sectionByIdentity.set(identity, section);
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
    const context = `${phase.title} ${section.title}`;
    const isCriterion = ROLLBACK_CRITERIA_HEADING.test(context) || ROLLBACK_LEAD_IN.test(entry.leadIn ?? '');
    const optional =
      isCriterion ||
      NOT_REQUIRED_MARK.test(entry.text) ||
      NOT_REQUIRED_MARK.test(context) ||
      CONDITIONAL_LEAD.test((entry.leadIn ?? '').trim()) ||
      CONDITIONAL_LEAD.test((entry.group ?? '').trim()) ||
      OPTIONAL_HEADING.test(section.title.split(' › ').at(-1) ?? '');
    const rollbackStep = !isCriterion && isRollbackStepHeading(phase.title, section.title);
    const classification = classifyItem(entry.text, context, entry.details);
    const check = classification.kind === 'task' ? detectCheck(entry.text, entry.codeBlocks) : null;
    const item: ChecklistItem = {
      key: uniqueKey(`${slugify(entry.text)}-${shortHash(identity)}`),
      ref: '',
      // Struck through by its author: shown as withdrawn wherever the item is, never required.
      text: `${entry.text || '(untitled item)'}${entry.struck ? ' (struck out in the checklist)' : ''}`,
      kind: check ? 'check' : classification.kind,
      line: entry.line,
      // Inputs record values; they never block completion unless the front matter says so.
      required:
        !optional && !entry.struck && classification.kind !== 'input' && !(parent && !parent.required),
      phaseKey: phase.key,
      sectionKey: section.key,
      parentKey: parent?.key ?? null,
      childKeys: [],
      group: entry.group,
      // Optional only when the step itself says so: "(If Needed)" on the heading is what rolling back means.
      ...(rollbackStep
        ? {
            rollbackStep: {
              required: !NOT_REQUIRED_MARK.test(entry.text) && classification.kind !== 'input',
            },
          }
        : {}),
      details: entry.details,
      ...(entry.codeBlocks.length > 0 ? { code: entry.codeBlocks.map((code) => code.trimEnd()) } : {}),
      ...(entry.quotes.length > 0 ? { quotes: entry.quotes } : {}),
      // Only a step to tick can start done: a value, a decision or a signature needs a person.
      ...(entry.preTicked && classification.kind === 'task' ? { preTicked: true as const } : {}),
      ...(entry.struck ? { withdrawn: true as const } : {}),
    };
    if (classification.kind === 'input') item.input = classification.input;
    if (classification.kind === 'decision') item.decision = classification.decision;
    if (classification.kind === 'signoff') item.signoff = classification.signoff;
    if (check) item.check = check;
    parent?.childKeys.push(item.key);
    itemOf.set(entry, item);
    items.push(item);
    section.itemKeys.push(item.key);
    if (isCriterion)
      rollbackCriteria.push({
        text: item.text,
        line: item.line,
        itemKey: item.key,
        ...parseCriterion(item.text),
      });
  }

  assignPhaseRefs(phases);
  assignItemRefs(phases, items);

  const checklistNotes: string[] = [];
  const sections = [...sectionByIdentity.values()];
  for (const note of foundNotes) {
    const deepest = note.headings.at(-1);
    const section = deepest ? sections.find((candidate) => candidate.line === deepest.line) : undefined;
    if (section) section.notes.push(note.markdown);
    else
      checklistNotes.push(
        deepest ? `${'#'.repeat(deepest.depth)} ${deepest.title}\n\n${note.markdown}` : note.markdown,
      );
  }

  const prose = readProse(texts);
  rollbackCriteria.push(...prose.rollbackCriteria);
  const roles = collectRoles(items, texts, prose.suggestedEscalation);
  return {
    name,
    title,
    aliases: [],
    hash: '',
    source: '',
    phases,
    items,
    notes: checklistNotes,
    variables: {},
    rollbackCriteria: rollbackCriteria.sort((a, b) => a.line - b.line),
    suggestedEscalation: prose.suggestedEscalation,
    severityLevels: prose.severityLevels,
    roles,
    permissions: {},
    escalation: { policy: null, severity: null },
    reminders: readReminders(phases),
  };
}

/** Rollback triggers, escalation paths and severity levels written as plain lists and paragraphs. */
function readProse(texts: FoundText[]): {
  rollbackCriteria: RollbackCriterion[];
  suggestedEscalation: EscalationStepSuggestion[];
  severityLevels: SeverityLevel[];
} {
  const rollbackCriteria: RollbackCriterion[] = [];
  let suggestedEscalation: EscalationStepSuggestion[] = [];
  const severityLevels: SeverityLevel[] = [];
  for (const text of texts) {
    const headingText = text.headings.map((heading) => heading.title).join(' ');
    const lastHeading = text.headings.at(-1)?.title ?? '';
    if (
      text.listEntry &&
      (ROLLBACK_CRITERIA_HEADING.test(lastHeading) || ROLLBACK_LEAD_IN.test(text.leadIn ?? ''))
    ) {
      rollbackCriteria.push({
        text: text.text,
        line: text.line,
        itemKey: null,
        ...parseCriterion(text.text),
      });
    }
    const chain = /escalation/i.test(text.text) ? stepsFromArrowChain(text.text) : null;
    if (chain && suggestedEscalation.length === 0) suggestedEscalation = chain;
    if (text.ordered && ESCALATION_HEADING.test(lastHeading) && !/severity/i.test(headingText)) {
      suggestedEscalation.push(stepFromText(text.text));
    }
    const severity = readSeverity(text.text, text.line);
    if (severity && !severityLevels.some((level) => level.level === severity.level))
      severityLevels.push(severity);
  }
  return { rollbackCriteria, suggestedEscalation, severityLevels };
}

function collectRoles(
  items: ChecklistItem[],
  texts: FoundText[],
  steps: EscalationStepSuggestion[],
): RoleMention[] {
  const roles = new Map<string, RoleMention>();
  const add = (label: string, line: number) => {
    const id = roleIdOf(label);
    if (id && id !== 'item' && !roles.has(id))
      roles.set(id, { id, label: label.replace(/[*_]/g, '').trim(), line });
  };
  for (const item of items) if (item.signoff) add(item.signoff.role, item.line);
  for (const text of texts) {
    if (!text.headings.some((heading) => CONTACTS_HEADING.test(heading.title))) continue;
    const label = /^([^:]{2,40}):/.exec(text.text)?.[1];
    if (label && ROLE_WORD.test(label)) add(label, text.line);
  }
  for (const step of steps) {
    const role = roleInStep(step.text);
    if (role) add(role.label, 0);
  }
  return [...roles.values()];
}

function readReminders(phases: ChecklistPhase[]): Checklist['reminders'] {
  const reminders: Checklist['reminders'] = [];
  const seen = new Set<string>();
  for (const phase of phases) {
    for (const source of [phase.title, ...phase.sections.map((section) => section.title)]) {
      for (const cadence of readCadences(source)) {
        // A section title includes its parent headings: the same cadence shows up once per sub-section.
        const identity = `${phase.ref}|${cadence.everyMinutes}|${cadence.forMinutes}`;
        if (seen.has(identity)) continue;
        seen.add(identity);
        reminders.push({
          phaseRef: phase.ref,
          everyMinutes: cadence.everyMinutes,
          forMinutes: cadence.forMinutes,
          text: cadence.text,
        });
      }
    }
  }
  return reminders;
}

function findByReference(checklist: Checklist, reference: string): ChecklistItem | undefined {
  return checklist.items.find((item) => item.ref === reference || item.key === reference);
}

function applyFrontMatter(
  checklist: Checklist,
  frontMatter: FrontMatter,
  keyLines: Record<string, number>,
  problems: ChecklistProblem[],
): void {
  const error = (path: string[], message: string, hint?: string) =>
    problems.push({
      line: lineOfPath(keyLines, path) ?? 1,
      severity: 'error',
      message,
      ...(hint ? { hint } : {}),
    });

  checklist.variables = frontMatter.variables ?? {};
  if (frontMatter.timezone) checklist.timeZone = frontMatter.timezone;
  checklist.escalation = {
    policy: frontMatter.escalation?.policy ?? null,
    severity: frontMatter.escalation?.severity ?? null,
  };
  const { signoff: signoffRoles, items: itemRoles, ...actions } = frontMatter.roles ?? {};
  checklist.permissions = actions;

  for (const [reference, roleId] of Object.entries(itemRoles ?? {})) {
    const item = findByReference(checklist, reference);
    if (!item) {
      error(
        ['roles', 'items', reference],
        `roles.items names “${reference}”, which is no item`,
        'use the item ref, e.g. 3.2',
      );
      continue;
    }
    item.role = roleId;
  }

  for (const [label, roleId] of Object.entries(signoffRoles ?? {})) {
    const matches = checklist.items.filter(
      (item) =>
        item.signoff &&
        (item.ref === label || item.key === label || item.signoff.role.toLowerCase() === label.toLowerCase()),
    );
    if (matches.length === 0) {
      error(
        ['roles', 'signoff', label],
        `roles.signoff names “${label}”, which is no sign-off item`,
        'use the role as written in the item, or the item ref',
      );
    }
    for (const item of matches) if (item.signoff) item.signoff.roleId = roleId;
  }

  const required = frontMatter.required;
  if (required === 'none') {
    for (const item of checklist.items) item.required = false;
  } else if (required === 'all') {
    for (const item of checklist.items) item.required = true;
  } else if (Array.isArray(required)) {
    const unknown = required.filter((reference) => !findByReference(checklist, reference));
    if (unknown.length > 0)
      error(
        ['required'],
        `required names items that do not exist: ${unknown.join(', ')}`,
        'quote refs like "1.10" so YAML keeps them as text',
      );
    const wanted = new Set(required);
    for (const item of checklist.items) item.required = wanted.has(item.ref) || wanted.has(item.key);
  }
  if (required !== undefined) {
    for (const item of checklist.items) if (item.rollbackStep) item.rollbackStep.required = item.required;
  }
  for (const reference of frontMatter.optional ?? []) {
    const item = findByReference(checklist, reference);
    if (item) {
      item.required = false;
      if (item.rollbackStep) item.rollbackStep.required = false;
    } else error(['optional'], `optional names an item that does not exist: ${reference}`);
  }
  // The steps of rolling back are needed only once a run rolls back: a run that keeps its deploy never
  // waits on them, and one that rolls back waits on every step not marked optional.
  for (const item of checklist.items) if (item.rollbackStep) item.required = false;

  for (const [name, definition] of Object.entries(frontMatter.checks ?? {})) {
    const item = findByReference(checklist, definition.item);
    if (!item) {
      error(
        ['checks', name, 'item'],
        `check “${name}” is attached to item ${definition.item}, which does not exist`,
      );
      continue;
    }
    const spec = checkSpecFrom(definition);
    item.kind = 'check';
    item.check = { spec, source: 'front-matter', name, detectedFrom: null, variables: variablesIn(spec) };
    if (definition.every !== undefined) {
      if (definition.every < 1) {
        error(
          ['checks', name, 'every'],
          `check “${name}” repeats more often than once a minute`,
          'write every: 1m or more',
        );
        continue;
      }
      item.check.repeat = { everyMinutes: definition.every, forMinutes: definition.for ?? null };
    }
  }

  for (const [index, reminder] of (frontMatter.reminders ?? []).entries()) {
    const phase =
      reminder.phase === undefined
        ? null
        : checklist.phases.find((candidate) => candidate.ref === reminder.phase);
    if (reminder.phase !== undefined && !phase) {
      error(
        ['reminders', String(index), 'phase'],
        `reminder names phase ${reminder.phase}, which does not exist`,
      );
      continue;
    }
    checklist.reminders.push({
      phaseRef: phase?.ref ?? null,
      everyMinutes: reminder.every,
      forMinutes: reminder.for ?? null,
      text: reminder.text ?? `every ${reminder.every} minutes`,
    });
  }
}

/** What is worth knowing but does not stop the checklist from running. */
function warningsFor(checklist: Checklist): ChecklistProblem[] {
  const warnings: ChecklistProblem[] = [];
  const declared = new Set(Object.keys(checklist.variables));
  const reported = new Set<string>();
  for (const item of checklist.items) {
    for (const variable of item.check?.variables ?? []) {
      if (declared.has(variable) || reported.has(variable)) continue;
      reported.add(variable);
      warnings.push({
        line: item.line,
        severity: 'warning',
        message: `item ${item.ref} checks a target that needs \${${variable}}, which the front matter does not set`,
        hint: howToSet([variable]),
      });
    }
  }
  return warnings;
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
