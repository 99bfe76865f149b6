import { DISCORD_LIMITS } from './limits.js';

/**
 * The custom ids on Shipcheck's Discord components and modals, and what each one asks for. The run id
 * travels in the id itself, so a click on an old message acts on its own run, never on whichever run is
 * active in the channel now. Keys and run ids hold no `:`, so `:` separates the fields.
 */

export type RunVerb = 'checks' | 'escalate' | 'complete' | 'abort' | 'rollback' | 'ack' | 'resolve';
export type ItemVerb = 'check' | 'uncheck' | 'skip' | 'na' | 'fail' | 'set' | 'decide' | 'signoff';
export type ModalVerb = 'skip' | 'fail' | 'set' | 'escalate' | 'abort' | 'rollback';

export type Control =
  /** A button on the summary. */
  | { kind: 'run'; verb: RunVerb; runId: string }
  /** The select of a section page that ticks several items at once. */
  | { kind: 'tick'; runId: string }
  /** The select of a section page that opens one item's buttons. */
  | { kind: 'pick'; runId: string }
  /** A button on one item's panel. */
  | { kind: 'item'; verb: ItemVerb; runId: string; item: string; option?: string }
  /** A submitted modal. */
  | { kind: 'modal'; verb: ModalVerb; runId: string; item?: string };

const RUN_VERBS: readonly string[] = [
  'checks',
  'escalate',
  'complete',
  'abort',
  'rollback',
  'ack',
  'resolve',
];
const ITEM_VERBS: readonly string[] = ['check', 'uncheck', 'skip', 'na', 'fail', 'set', 'decide', 'signoff'];
const MODAL_VERBS: readonly string[] = ['skip', 'fail', 'set', 'escalate', 'abort', 'rollback'];

export function runControlId(verb: RunVerb, runId: string): string {
  return `sc:run:${verb}:${runId}`;
}

export function tickId(runId: string): string {
  return `sc:tick:${runId}`;
}

export function pickId(runId: string): string {
  return `sc:pick:${runId}`;
}

/** The item's key when it fits in a custom id (or select value), else its ref; null when neither does. */
export function itemName(item: { key: string; ref: string }, room: number): string | null {
  if (item.key.length <= room) return item.key;
  return item.ref.length <= room ? item.ref : null;
}

export function itemControlId(
  verb: ItemVerb,
  runId: string,
  item: { key: string; ref: string },
  option?: string,
): string | null {
  const head = `sc:item:${verb}:${runId}:`;
  const tail = option === undefined ? '' : `:${option}`;
  const name = itemName(item, DISCORD_LIMITS.customId - head.length - tail.length);
  return name ? `${head}${name}${tail}` : null;
}

export function modalId(verb: ModalVerb, runId: string, item?: string): string {
  return `sc:modal:${verb}:${runId}${item ? `:${item}` : ''}`;
}

export function decodeControl(customId: string): Control | null {
  const [prefix, kind, ...rest] = customId.split(':');
  if (prefix !== 'sc') return null;
  switch (kind) {
    case 'run': {
      const [verb, runId] = rest;
      return verb && runId && RUN_VERBS.includes(verb) ? { kind, verb: verb as RunVerb, runId } : null;
    }
    case 'tick':
    case 'pick':
      return rest[0] ? { kind, runId: rest[0] } : null;
    case 'item': {
      const [verb, runId, item, ...option] = rest;
      if (!verb || !runId || !item || !ITEM_VERBS.includes(verb)) return null;
      if ((verb === 'decide') !== option.length > 0) return null;
      const control: Control = { kind, verb: verb as ItemVerb, runId, item };
      if (option.length > 0) control.option = option.join(':');
      return control;
    }
    case 'modal': {
      const [verb, runId, item] = rest;
      if (!verb || !runId || !MODAL_VERBS.includes(verb)) return null;
      return { kind, verb: verb as ModalVerb, runId, ...(item ? { item } : {}) };
    }
    default:
      return null;
  }
}
