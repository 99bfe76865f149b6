import { formatMoment } from '../time/moment.js';
/** Small, pure formatting helpers shared by the report's renderers and the run page. */

/** `45s`, `12m 04s`, `1h 02m`, `2d 3h`: precise enough for a deployment, short enough for chat. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const negative = ms < 0;
  let seconds = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const pad = (value: number) => String(value).padStart(2, '0');
  const text =
    days > 0
      ? `${days}d ${hours}h`
      : hours > 0
        ? `${hours}h ${pad(minutes)}m`
        : minutes > 0
          ? `${minutes}m ${pad(seconds)}s`
          : `${seconds}s`;
  return negative ? `-${text}` : text;
}

/** `2025-03-04 14:02:09 UTC`: a record read later, from anywhere, needs the date and the zone. */
export function formatTimestamp(at: Date | null): string {
  if (!at) return '—';
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `14:02 UTC` as the chat messages show times, with the day when it is not the day of `today`. */
export function formatTime(at: Date | null, today: Date | null = at, timeZone = 'UTC'): string {
  if (!at) return '—';
  return formatMoment(at, today ?? at, timeZone);
}

export const OUTCOME_WORD = {
  active: 'in progress',
  completed: 'completed',
  aborted: 'aborted',
  rolled_back: 'rolled back',
} as const;

/** `2. Deploy` for a phase titled "Deploy", and the title alone when it already starts with its number. */
export function phaseLabel(phase: { ref: string; title: string }): string {
  return phase.title.startsWith(phase.ref) ? phase.title : `${phase.ref}. ${phase.title}`;
}
