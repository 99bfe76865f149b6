import fc from 'fast-check';
import { type Rotation, WEEKDAYS, type Weekday } from '../../src/escalation/oncall.js';

/**
 * An oracle for wall-clock time that shares no code with src/escalation/timeZone.ts (sv-SE formats
 * as `2026-03-30 09:00:00`), the zones the properties run in, and their DST changes over two years.
 */

export const ZONES = [
  'Europe/Madrid',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'UTC',
] as const;
export const FROM = Date.UTC(2025, 6, 1);
export const TO = Date.UTC(2027, 6, 1);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const wallFormats = new Map<string, Intl.DateTimeFormat>();
const weekdayFormats = new Map<string, Intl.DateTimeFormat>();

/** `2026-03-30 09:00:00` on the zone's wall clock. */
export function wallClock(at: number | Date, zone: string): string {
  let format = wallFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallFormats.set(zone, format);
  }
  return format.format(new Date(at));
}

/** `monday` … on the zone's wall clock. */
export function wallWeekday(at: number | Date, zone: string): Weekday {
  let format = weekdayFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'long' });
    weekdayFormats.set(zone, format);
  }
  return format.format(new Date(at)).toLowerCase() as Weekday;
}

/** Milliseconds ahead of UTC, read off the oracle. */
export function wallOffset(at: number, zone: string): number {
  const whole = Math.floor(at / 1000) * 1000;
  const text = wallClock(whole, zone);
  return Date.parse(`${text.replace(' ', 'T')}Z`) - whole;
}

/** Every instant in [FROM, TO) at which the zone's offset changes, to the second. */
function transitionsOf(zone: string): number[] {
  const found: number[] = [];
  for (let t = FROM; t < TO; t += 6 * HOUR) {
    if (wallOffset(t, zone) === wallOffset(t + 6 * HOUR, zone)) continue;
    let low = t;
    let high = t + 6 * HOUR;
    while (high - low > 1000) {
      const middle = Math.floor((low + high) / 2000) * 1000;
      if (wallOffset(middle, zone) === wallOffset(low, zone)) low = middle;
      else high = middle;
    }
    found.push(high);
  }
  return found;
}

export const TRANSITIONS: Record<string, number[]> = Object.fromEntries(
  ZONES.map((zone) => [zone, transitionsOf(zone)]),
);
export const ALL_TRANSITIONS = Object.values(TRANSITIONS).flat();

/** An instant in the two years, often within hours of a DST change in one of the zones. */
export const instantArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: FROM, max: TO }),
  fc
    .tuple(fc.constantFrom(...ALL_TRANSITIONS), fc.integer({ min: -30 * HOUR, max: 30 * HOUR }))
    .map(([transition, delta]) => transition + delta),
  fc
    .tuple(fc.constantFrom(...ALL_TRANSITIONS), fc.integer({ min: -2 * DAY, max: 2 * DAY }))
    .map(([transition, delta]) => Math.round((transition + delta) / HOUR) * HOUR),
);

export const PEOPLE = ['ana', 'bo', 'carol', 'dan', 'eve', 'fay', 'gus', 'hal'] as const;

/** Hand-off times: anything, and often the small hours when clocks change. */
const timeArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
  fc.constantFrom<[number, number]>(
    [2, 0],
    [2, 15],
    [2, 30],
    [1, 30],
    [1, 45],
    [3, 0],
    [0, 0],
    [9, 0],
    [23, 59],
  ),
);

function iso(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** A rotation without overrides: 1–6 members, daily or weekly, any weekday and time, one of ZONES. */
export const rotationArb: fc.Arbitrary<Rotation> = fc
  .record({
    members: fc.uniqueArray(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 6 }),
    period: fc.constantFrom<'daily' | 'weekly'>('daily', 'weekly'),
    weekday: fc.constantFrom(...WEEKDAYS),
    time: timeArb,
    timezone: fc.constantFrom(...ZONES),
    startDay: fc.integer({ min: Math.floor(FROM / DAY) - 200, max: Math.floor(TO / DAY) + 200 }),
  })
  .map(({ members, period, weekday, time, timezone, startDay }) => {
    // A weekly rotation starts on its hand-off weekday (oncall.yaml insists).
    const weekdayIndex = WEEKDAYS.indexOf(weekday);
    const day = period === 'weekly' ? startDay + ((weekdayIndex - ((startDay + 4) % 7) + 7) % 7) : startDay;
    return {
      name: 'primary',
      members,
      period,
      handoff: {
        weekday: period === 'weekly' ? weekday : null,
        time: `${String(time[0]).padStart(2, '0')}:${String(time[1]).padStart(2, '0')}`,
      },
      timezone,
      start: iso(day),
      overrides: [],
    };
  });
