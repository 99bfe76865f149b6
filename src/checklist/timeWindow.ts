import type { TimeWindow } from './types.js';

/**
 * Reads the time window people write in phase titles ("First 5 Minutes", "1 hour before",
 * "2-3 days before", "0 minute - go live", "1 hour - 24 hours", "Day 1", "Week 2-4") as minutes
 * relative to the run's start. Pure; returns null when a title names no window.
 */

const UNIT_MINUTES: Record<string, number> = {
  minute: 1,
  min: 1,
  hour: 60,
  hr: 60,
  day: 1440,
  week: 10080,
  month: 43200,
};

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  eight: 8,
  ten: 10,
  twelve: 12,
};

function unitMinutes(unit: string): number | null {
  const singular = unit.toLowerCase().replace(/s$/, '');
  return UNIT_MINUTES[singular] ?? null;
}

function amount(text: string): number {
  return NUMBER_WORDS[text.toLowerCase()] ?? Number(text);
}

const NUM = String.raw`(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|eight|ten|twelve)`;
const UNIT = '(minutes?|mins?|hours?|hrs?|days?|weeks?|months?)';

const PATTERNS: { pattern: RegExp; read: (m: RegExpExecArray) => [number, number] | null }[] = [
  // "T-4 Hours", "T+1 Hour", "(T-60 minutes)", "T+5 minutes": a moment relative to go-live.
  {
    pattern: new RegExp(String.raw`\bT\s?([+\-−])\s?${NUM}\s*${UNIT}`, 'i'),
    read: (m) => {
      const unit = unitMinutes(m[3] ?? '');
      if (unit === null) return null;
      const at = (m[1] === '+' ? 1 : -1) * amount(m[2] ?? '0') * unit;
      return [at, at];
    },
  },
  // "T-0", "T0", "(T-0)": go-live itself.
  { pattern: /\bT\s?[+\-−]?\s?0(?![\d.])/, read: () => [0, 0] },
  // "D-2", "D-1", "D+1", "Day -1": whole days around release day (D-1 is the day before).
  {
    pattern: /\b(?:D|Day)\s?([+\-−])\s?(\d{1,3})\b/,
    read: (m) => {
      const days = Number(m[2]);
      const first = m[1] === '+' ? days : -days;
      return [first * 1440, (first + 1) * 1440];
    },
  },
  // "Within 2 hours", "within 30 minutes": from the start.
  {
    pattern: new RegExp(String.raw`\bwithin\s+(?:the\s+)?(?:first\s+)?${NUM}\s*${UNIT}`, 'i'),
    read: (m) => span(0, amount(m[1] ?? '0'), m[2] ?? ''),
  },
  // "First 5 Minutes", "first hour", "First Week"
  {
    pattern: new RegExp(String.raw`\bfirst\s+(?:${NUM}\s+)?${UNIT}`, 'i'),
    read: (m) => span(0, amount(m[1] ?? '1'), m[2] ?? ''),
  },
  // "2-3 days before", "1 hour before"
  {
    pattern: new RegExp(String.raw`\b${NUM}(?:\s*[-–]\s*${NUM})?\s*${UNIT}\s+before\b`, 'i'),
    read: (m) => {
      const unit = unitMinutes(m[3] ?? '');
      if (unit === null) return null;
      const near = amount(m[1] ?? '0') * unit;
      const far = m[2] ? amount(m[2]) * unit : near;
      return [-Math.max(near, far), -Math.min(near, far) === 0 ? 0 : -Math.min(near, far)];
    },
  },
  // "1 hour - 24 hours", "15 minutes - 2 hours", "0-15 minutes", "2-24 hours"
  {
    pattern: new RegExp(String.raw`\b${NUM}(?:\s*${UNIT})?\s*[-–]\s*${NUM}\s*${UNIT}`, 'i'),
    read: (m) => {
      const endUnit = unitMinutes(m[4] ?? '');
      const startUnit = m[2] ? unitMinutes(m[2]) : endUnit;
      if (endUnit === null || startUnit === null) return null;
      return [amount(m[1] ?? '0') * startUnit, amount(m[3] ?? '0') * endUnit];
    },
  },
  // "8 hours post-deployment", "24 hours after"
  {
    pattern: new RegExp(String.raw`\b${NUM}\s*${UNIT}\s+(?:post|after)\b`, 'i'),
    read: (m) => {
      const unit = unitMinutes(m[2] ?? '');
      return unit === null ? null : [amount(m[1] ?? '0') * unit, amount(m[1] ?? '0') * unit];
    },
  },
  // "0 minute - go live"
  { pattern: /\b0\s*minutes?\b/i, read: () => [0, 0] },
  // "Day 1", "Week 1", "Week 2-4", "Month 2"
  {
    pattern: /\b(day|week|month)s?\s+(\d+)(?:\s*[-–]\s*(\d+))?/i,
    read: (m) => {
      const unit = unitMinutes(m[1] ?? '') ?? 0;
      const first = Number(m[2]);
      const last = m[3] ? Number(m[3]) : first;
      // "Day 0" is the deploy day itself, like "Day 1".
      return [Math.max(0, first - 1) * unit, Math.max(1, last) * unit];
    },
  },
  // "Every 6 hours for 24 hours", "Daily for 1 week": the window is the "for" part.
  {
    pattern: new RegExp(String.raw`\bfor\s+(?:the\s+)?(?:first\s+)?${NUM}\s*${UNIT}`, 'i'),
    read: (m) => span(0, amount(m[1] ?? '0'), m[2] ?? ''),
  },
];

function span(start: number, count: number, unit: string): [number, number] | null {
  const minutes = unitMinutes(unit);
  return minutes === null ? null : [start, count * minutes];
}

/** Every pattern this module builds from parts, for the test that proves each runs in linear time. */
export const BUILT_PATTERNS: readonly RegExp[] = [
  ...PATTERNS.map(({ pattern }) => pattern),
  cadencePattern(),
];

export function readTimeWindow(title: string): TimeWindow | null {
  for (const { pattern, read } of PATTERNS) {
    const match = pattern.exec(title);
    if (!match) continue;
    const range = read(match);
    if (range) return { text: match[0].trim(), startMinutes: range[0], endMinutes: range[1] };
  }
  return null;
}

export interface Cadence {
  everyMinutes: number;
  forMinutes: number | null;
  text: string;
}

/** "Every 5 minutes for first 30 minutes, then every 15 minutes": each cadence, in order. */
export function readCadences(text: string): Cadence[] {
  const cadences: Cadence[] = [];
  for (const match of text.matchAll(cadencePattern())) {
    const every = unitMinutes(match[2] ?? '');
    if (every === null) continue;
    const forUnit = match[4] ? unitMinutes(match[4]) : null;
    cadences.push({
      everyMinutes: amount(match[1] ?? '1') * every,
      forMinutes: forUnit === null ? null : amount(match[3] ?? '0') * forUnit,
      text: match[0],
    });
  }
  return cadences;
}

function cadencePattern(): RegExp {
  return new RegExp(
    String.raw`\bevery\s+(?:${NUM}\s+)?${UNIT}(?:\s+for\s+(?:the\s+)?(?:first\s+)?${NUM}\s*${UNIT})?`,
    'gi',
  );
}
