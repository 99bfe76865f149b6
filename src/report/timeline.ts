import type { Checklist } from '../checklist/types.js';
import type { ReportEvent } from './build.js';

/**
 * One sentence per event for the timeline of a run, pure. An event kind this version does not know is
 * shown by its name only: its payload may hold things (webhook targets, platform ids) not meant for a page.
 */
export interface TimelineEntry {
  seq: number;
  at: Date;
  actor: string;
  type: string;
  text: string;
}

export function describeEvents(checklist: Checklist, events: readonly ReportEvent[]): TimelineEntry[] {
  const refs = new Map(checklist.items.map((item) => [item.key, `${item.ref} ${item.text}`]));
  return events.map((event) => ({
    seq: event.seq,
    at: event.at,
    actor: event.actor,
    type: event.type,
    text: describe(event, refs),
  }));
}

function describe(event: ReportEvent, refs: Map<string, string>): string {
  const payload = (event.payload && typeof event.payload === 'object' ? event.payload : {}) as Record<
    string,
    unknown
  >;
  const str = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : '');
  const item = refs.get(str('key')) ?? str('key');
  const auto = payload.auto === true ? ' (follows from another item)' : '';
  switch (event.type) {
    case 'run_started': {
      const what = [str('version'), str('environment')].filter(Boolean).join(' to ');
      return `started the run${what ? ` (${what})` : ''}`;
    }
    case 'item_checked':
      return `ticked ${item}${auto}`;
    case 'item_skipped':
      return `skipped ${item}: ${str('reason')}${auto}`;
    case 'item_failed':
      return `marked ${item} failed: ${str('detail')}`;
    case 'item_na':
      return `marked ${item} N/A${auto}`;
    case 'item_reopened':
      return `reopened ${item}${str('previous') ? ` (was ${str('previous')})` : ''}${auto}`;
    case 'item_value_set': {
      const flagged = Array.isArray(payload.flagged) ? payload.flagged.map(String) : [];
      return `recorded ${item} = ${str('value')}${flagged.length > 0 ? ` ⚠ past target: ${flagged.join('; ')}` : ''}`;
    }
    case 'item_decided':
      return `decided ${item}: ${str('option')}`;
    case 'item_signed':
      return `signed off ${item}${str('role') ? ` as ${str('role')}` : ''}`;
    case 'role_assigned':
      return `gave ${str('person')} the role ${str('role')}`;
    case 'check_ran': {
      const latency = typeof payload.latencyMs === 'number' ? ` in ${payload.latencyMs} ms` : '';
      return `check of ${item} ${payload.ok === true ? 'passed' : 'FAILED'}${latency}: ${str('detail')}`;
    }
    case 'note_added':
      return `noted${str('key') ? ` on ${item}` : ''}: ${str('text')}`;
    case 'run_completed':
      return 'completed the run';
    case 'run_aborted':
      return `aborted the run: ${str('reason')}`;
    case 'run_rolled_back':
      return `rolled the run back: ${str('reason')}`;
    case 'rollback_started':
      return `started rolling back (${str('trigger') === 'decision' ? 'by a decision' : 'by hand'}): ${str('reason')}`;
    case 'escalation_opened':
      return `opened an escalation${str('severity') ? ` (${str('severity')})` : ''}: ${str('reason')}`;
    case 'escalation_noted':
      return `added to the open escalation${str('severity') ? ` (${str('severity')})` : ''}: ${str('reason')}`;
    case 'escalation_raised':
      return `raised the escalation from ${str('from')} to ${str('severity')}: ${str('reason')}`;
    case 'escalation_paged': {
      const step = typeof payload.step === 'number' ? ` step ${payload.step + 1}` : '';
      return `paged${step}`;
    }
    case 'escalation_acknowledged':
      return 'acknowledged the escalation';
    case 'escalation_resolved':
      return 'resolved the escalation';
    default:
      return event.type.replace(/_/g, ' ');
  }
}
