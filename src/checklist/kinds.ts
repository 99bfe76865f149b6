import { isSpace, trimEndWhere } from '../text/trimEnd.js';
import { slugify } from './text.js';
import type { DecisionSpec, InputField, InputSpec, SignoffSpec, Target } from './types.js';

/**
 * What an item asks of people, read from its text: a blank to fill (input), options to choose
 * (decision), a role to sign (signoff), or nothing more than a tick (task). Pure string work.
 */
export type Classification =
  | { kind: 'task' }
  | { kind: 'input'; input: InputSpec }
  | { kind: 'decision'; decision: DecisionSpec }
  | { kind: 'signoff'; signoff: SignoffSpec };

const BLANK = /_{2,}/;
const BLANK_GLOBAL = /_{2,}/g;
const STATUS_OPTIONS = /(✅|⚠️|⚠|❌)\s*([^/✅⚠❌]+)/g;
const SLASH_OPTIONS =
  /:\s*((?:yes|no|n\/a|keep|rollback|go|no-go|pass|fail)(?:\s*\/\s*(?:yes|no|n\/a|keep|rollback|go|no-go|pass|fail))+)\s*$/i;
export const ROLE_WORD =
  /\b(lead|engineer|manager|owner|officer|director|sre|devops|admin(?:istrator)?|team|qa|security|stakeholder|vp|cto|ceo|cio|approver|reviewer|approved by|validated by|signed by|architect|on-call|operator|head)\b/i;
const SIGNOFF_SECTION = /sign[\s-]?off|approv|authori[sz]/i;
const SIGNOFF_DATE = /\bdate\s*(?::\s*)?_{2,}/i;
// "(target: < 500ms)": the parenthesis first, then its inside read from the start (two linear steps).
const TARGET_NOTE = /\(\s*(?:target|expected|threshold|goal)\b([^()]*)\)/i;
const TARGET_VALUE = /^\s*(?::\s*)?(?:([<>≤≥]=?|=)\s*)?(-?\d+(?:\.\d+)?)\s*([a-z%/]+)?/i;
const UNIT_AFTER_BLANK =
  /^\s*(%|ms|s|sec|seconds|minutes?|mins?|hours?|req\/s|ops\/s|mbps|gb|mb|kb|connections|users)(?![a-z0-9])/i;

export function classifyItem(text: string, sectionTitle: string, details: string[]): Classification {
  const signoff = readSignoff(text, sectionTitle);
  if (signoff) return { kind: 'signoff', signoff };
  const decision = readDecision(text);
  if (decision) return { kind: 'decision', decision };
  // `__init__.py` or `MY__VAR` in a code span is a name, not a blank to fill.
  const prose = text.replace(/`[^`]*`/g, '');
  if (BLANK.test(prose)) return { kind: 'input', input: { fields: readFields(prose) } };
  // "API Latency:" with "p95: ___ ms (target: <500ms)" bullets under it: one input, a field per bullet.
  const detailFields = details.filter((detail) => BLANK.test(detail)).flatMap(readFields);
  if (detailFields.length > 0) return { kind: 'input', input: { fields: detailFields } };
  return { kind: 'task' };
}

function readSignoff(text: string, sectionTitle: string): SignoffSpec | null {
  const withDate = signerWithDate(text);
  // In a sign-off section only a role signs: "Engineering Lead: ____", not "Resolution time: ___ minutes".
  const inSignoffSection =
    SIGNOFF_SECTION.test(sectionTitle) &&
    /^[^:]{2,60}:\s*_{2,}/.test(text) &&
    ROLE_WORD.test(text.split(':')[0] ?? '');
  if (!withDate && !inSignoffSection) return null;
  const role = (withDate ?? text.split(':')[0] ?? '').replace(/[*_]/g, '').trim();
  if (!role) return null;
  return { role, roleId: slugify(role, 60) };
}

/** "Engineering Lead: ____ Date: ____": the words before the first colon that a blank follows. */
function signerWithDate(text: string): string | null {
  const blank = /:[ \t]*_{2}/.exec(text);
  if (!blank || blank.index === 0) return null;
  return SIGNOFF_DATE.test(text.slice(blank.index)) ? text.slice(0, blank.index) : null;
}

/**
 * Boxes inside an item's text are its choices: `- [ ] Go [ ] No-Go` (the first choice's box is the
 * item's own) or `- [ ] Decision: [ ] Continue [ ] Rollback` (after a label). Only `[ ]` and `[x]`:
 * `[X]` stands for a number to fill in as often as for a tick ("below [X]%").
 */
const INLINE_BOX = /\[(?: |x)\]/;

function inlineChoices(text: string): string[] | null {
  if (!INLINE_BOX.test(text)) return null;
  const parts = text.split(new RegExp(INLINE_BOX.source, 'g')).map(cleanOption);
  const first = parts[0] ?? '';
  const options = first === '' || first.endsWith(':') ? parts.slice(1) : parts;
  const plausible = options.every((option) => /\p{L}/u.test(option) && option.length <= 60);
  return plausible && options.length >= 2 && options.length <= 6 ? options : null;
}

function readDecision(text: string): DecisionSpec | null {
  const inline = inlineChoices(text);
  if (inline) return { options: inline };
  if (text.includes('☐')) {
    // "☐ Yes ☐ No (explain)": each ballot's words run to the next ballot or a parenthesis.
    const options = text
      .split('☐')
      .slice(1)
      .map((ballot) => cleanOption(ballot.split('(')[0] ?? ''));
    if (options.filter(Boolean).length >= 2) return { options: options.filter(Boolean) };
  }
  const statuses = [...text.matchAll(STATUS_OPTIONS)].map((match) => cleanOption(`${match[1]} ${match[2]}`));
  if (statuses.length >= 2 && text.includes('/')) return { options: statuses };
  const slash = SLASH_OPTIONS.exec(text);
  if (slash?.[1]) {
    // "N/A" is one option, not two.
    const options = slash[1].replace(/\bN\/A\b/gi, 'N\u2044A').split('/');
    return { options: options.map((option) => cleanOption(option.replace('N\u2044A', 'N/A'))) };
  }
  return null;
}

function cleanOption(option: string): string {
  return option.replace(/[*_]/g, '').replace(/\s+/g, ' ').trim();
}

/** One field per blank: named by the words before it, with the unit after it and a target if given. */
export function readFields(text: string): InputField[] {
  const fields: InputField[] = [];
  const blanks = [...text.matchAll(BLANK_GLOBAL)];
  const target = readTarget(text);
  // "API latency (p50, p95, p99): ___ms, ___ms, ___ms": the names are listed before the first blank.
  const listed = /\(([^()]+)\)\s*(?::\s*)?$/
    .exec(text.slice(0, blanks[0]?.index ?? 0))?.[1]
    ?.split(',')
    .map((name) => name.trim());
  const namesListed = listed && listed.length === blanks.length ? listed : null;
  blanks.forEach((blank, index) => {
    const start = index === 0 ? 0 : (blanks[index - 1]?.index ?? 0) + (blanks[index - 1]?.[0].length ?? 0);
    const before = namesListed ? (namesListed[index] ?? '') : text.slice(start, blank.index);
    const after = text.slice((blank.index ?? 0) + blank[0].length);
    const name = fieldName(before) || (index === 0 ? 'value' : `value ${index + 1}`);
    const unit = UNIT_AFTER_BLANK.exec(after)?.[1]?.toLowerCase() ?? null;
    fields.push({ name, unit, target: index === 0 ? target : null });
  });
  return fields;
}

function fieldName(before: string): string {
  const tail = before.split(/[,(;]/).pop() ?? '';
  const cleaned = tail.replace(/[*_`]/g, '').replace(/^\s*(?:[-–]\s*)?/, '');
  return trimEndWhere(cleaned, (character) => character === ':' || isSpace(character)).trim();
}

export function readTarget(text: string): Target | null {
  const note = TARGET_NOTE.exec(text);
  const match = note ? TARGET_VALUE.exec(note[1] ?? '') : null;
  if (!note || !match) return null;
  const operator = normalizeOperator(match[1] ?? '=');
  return {
    op: operator,
    value: Number(match[2]),
    unit: match[3]?.toLowerCase() ?? null,
    text: note[0].slice(1, -1).trim(),
  };
}

export function normalizeOperator(op: string): Target['op'] {
  switch (op) {
    case '≤':
    case '<=':
      return '<=';
    case '≥':
    case '>=':
      return '>=';
    case '<':
      return '<';
    case '>':
      return '>';
    default:
      return '=';
  }
}
