import type { Modal, TextInput } from './components.js';
import { type ModalVerb, modalId } from './ids.js';
import { DISCORD_LIMITS } from './limits.js';
import { clip } from './text.js';

/**
 * The modals that ask for the words a click cannot carry: why an item is skipped, what failed, a value,
 * why the run ends, what is wrong. Pure builders; the submitted text is read by field id.
 */

export const FIELD = { text: 'text', severity: 'severity' } as const;

/** Long enough for a real explanation, short enough for the item's line and the audit log. */
const REASON_MAX = 500;
const VALUE_MAX = 200;

const ASK: Record<
  ModalVerb,
  { title: string; label: string; style: 1 | 2; max: number; placeholder?: string }
> = {
  skip: { title: 'Skip', label: 'Why is it skipped?', style: 2, max: REASON_MAX },
  fail: { title: 'Mark failed', label: 'What failed?', style: 2, max: REASON_MAX },
  set: {
    title: 'Record a value',
    label: 'Value',
    style: 1,
    max: VALUE_MAX,
    placeholder: 'As in /deploy set: 420, 420ms, or p50=180 p95=450',
  },
  escalate: { title: 'Escalate', label: 'What is wrong?', style: 2, max: REASON_MAX },
  abort: { title: 'Abort the run', label: 'Why is it aborted?', style: 2, max: REASON_MAX },
  rollback: { title: 'Roll back the run', label: 'Why is it rolled back?', style: 2, max: REASON_MAX },
};

/** `subject` names what the modal is about (an item's ref and text), shown in its title. */
export function modalFor(verb: ModalVerb, runId: string, item: string | undefined, subject: string): Modal {
  const ask = ASK[verb];
  const input: TextInput = {
    type: 4,
    custom_id: FIELD.text,
    label: clip(ask.label, DISCORD_LIMITS.inputLabel),
    style: ask.style,
    required: true,
    max_length: ask.max,
    ...(ask.placeholder ? { placeholder: ask.placeholder } : {}),
  };
  const components: Modal['components'] = [{ type: 1, components: [input] }];
  if (verb === 'escalate') {
    components.push({
      type: 1,
      components: [
        {
          type: 4,
          custom_id: FIELD.severity,
          // Discord refuses a label over 45 characters (the whole modal fails to open).
          label: 'Severity: P0 to P3 (blank for the default)',
          style: 1,
          required: false,
          max_length: 2,
          placeholder: 'P0, P1, P2 or P3',
        },
      ],
    });
  }
  return {
    custom_id: modalId(verb, runId, item),
    title: clip(subject ? `${ask.title}: ${subject}` : ask.title, DISCORD_LIMITS.modalTitle),
    components,
  };
}
