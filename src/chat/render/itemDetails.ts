import { phaseDueAt } from '../../checklist/deadline.js';
import type { ChecklistItem, ChecklistPhase, CheckSpec } from '../../checklist/types.js';
import { maskText } from '../../checks/mask.js';
import { isResolved, itemState } from '../../runs/machine.js';
import type { RunState } from '../../runs/types.js';
import { formatMoment } from '../../time/moment.js';

/** Lines of a section's notes shown at most: a table of forty rows belongs in the file, not in a chat reply. */
const MAX_NOTE_LINES = 20;

/**
 * Everything the checklist says about one item, as plain text for any platform: where it sits, what it
 * asks, the bullets written under it, the check that verifies it, and its section's notes.
 */
export function itemDetailsText(run: RunState, item: ChecklistItem): string {
  const phase = run.checklist.phases.find((candidate) => candidate.key === item.phaseKey);
  const section = phase?.sections.find((candidate) => candidate.key === item.sectionKey);
  const state = itemState(run, item.key);
  const where = [phase?.title ?? null, section?.title || null].filter(Boolean).join(' › ');
  const lines = [`${item.ref} ${item.text}`];
  if (where) lines.push(`  in ${where}`);
  lines.push(`  ${item.required ? 'required' : 'optional'} ${item.kind} · ${describeState(state)}`);
  if (item.decision) lines.push(`  options: ${item.decision.options.join(', ')}`);
  for (const detail of item.details) lines.push(`  • ${detail}`);
  for (const quote of item.quotes ?? []) for (const line of quote.split('\n')) lines.push(`  > ${line}`);
  const code = (item.code ?? []).flatMap((block) => block.split('\n'));
  if (code.length > 0) {
    lines.push('  as written in the checklist:');
    for (const line of code.slice(0, MAX_NOTE_LINES)) lines.push(`    ${maskText(line)}`);
    if (code.length > MAX_NOTE_LINES)
      lines.push(`    … ${code.length - MAX_NOTE_LINES} more lines in the checklist file`);
  }
  if (item.check) lines.push(`  automated check: ${maskText(describeCheck(item.check.spec))}`);
  const notes = (section?.notes ?? []).flatMap((note) => note.split('\n')).filter((line) => line.trim());
  if (notes.length > 0) {
    lines.push('  section notes:');
    for (const note of notes.slice(0, MAX_NOTE_LINES)) lines.push(`    ${note}`);
    if (notes.length > MAX_NOTE_LINES)
      lines.push(`    … ${notes.length - MAX_NOTE_LINES} more lines in the checklist file`);
  }
  lines.push(`  (${run.checklist.name}.md line ${item.line})`);
  return lines.join('\n');
}

/** A phase at a glance: its window and deadline, its progress, and every item with where it stands. */
export function phaseDetailsText(run: RunState, phase: ChecklistPhase, now: Date): string {
  const items = run.checklist.items.filter((item) => item.phaseKey === phase.key);
  const resolved = items.filter((item) => isResolved(itemState(run, item.key).status)).length;
  const lines = [`Phase ${phase.ref} ${phase.title} · ${resolved}/${items.length} resolved`];
  if (phase.window) {
    const dueAt = phaseDueAt(run.startedAt, phase.window);
    const zone = run.checklist.timeZone ?? 'UTC';
    lines.push(`  window: ${phase.window.text}${dueAt ? ` · due ${formatMoment(dueAt, now, zone)}` : ''}`);
  }
  for (const item of items.slice(0, MAX_PHASE_ITEMS)) {
    const depth = '  '.repeat(item.ref.split('.').length - 1);
    lines.push(`${depth}${item.ref} ${item.text} · ${describeState(itemState(run, item.key))}`);
  }
  if (items.length > MAX_PHASE_ITEMS)
    lines.push(`  … ${items.length - MAX_PHASE_ITEMS} more: /deploy status shows them all`);
  const open = items.filter((item) => itemState(run, item.key).status === 'open').length;
  if (open > 0)
    lines.push(`  /deploy check ${phase.ref} ticks its open items (it asks you to confirm first).`);
  return lines.join('\n');
}

/** Items listed by `show <phase>`: past this, the run's own messages are the place to read them. */
const MAX_PHASE_ITEMS = 60;

function describeState(state: ReturnType<typeof itemState>): string {
  if (state.status === 'open') return 'open';
  const by = state.actor ? ` by ${state.actor}` : '';
  const why = state.reason ? `: ${state.reason}` : '';
  const value = state.value ? ` (${state.value})` : '';
  return `${state.status}${value}${by}${why}`;
}

/** The check's kind and target as the checklist declares it; variables stay as `${NAME}`, never resolved. */
function describeCheck(spec: CheckSpec): string {
  switch (spec.kind) {
    case 'http':
    case 'websocket':
    case 'postgres':
    case 'redis':
      return `${spec.kind} ${spec.url}`;
    case 'tls':
      return `tls ${spec.host}:${spec.port}, at least ${spec.minDays} days left`;
    case 'dns':
      return `dns ${spec.name}`;
    case 'prometheus':
      return `prometheus ${spec.query}`;
  }
}
