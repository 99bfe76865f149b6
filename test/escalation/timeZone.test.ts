import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dateOfDay,
  dayNumberOf,
  instantOfLocal,
  isTimeZone,
  localPartsOf,
  offsetAt,
  weekdayOfDay,
} from '../../src/escalation/timeZone.js';
import { instantArb, wallClock, wallOffset, ZONES } from './zones.js';

const pad = (value: number) => String(value).padStart(2, '0');

describe('local calendar parts of an instant', () => {
  it('match the wall clock, weekday and offset for any instant in the zones', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instantArb, (zone, t) => {
        const local = localPartsOf(new Date(t), zone);
        const text = `${local.year}-${pad(local.month)}-${pad(local.day)} ${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}`;
        expect(text).toBe(wallClock(t, zone));
        expect(local.weekday).toBe(new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay());
        expect(offsetAt(new Date(t), zone)).toBe(wallOffset(t, zone));
      }),
      { numRuns: 500 },
    );
  });

  it('knows zone names', () => {
    expect(isTimeZone('Europe/Madrid')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('counts days', () => {
    expect(dayNumberOf(1970, 1, 1)).toBe(0);
    expect(dateOfDay(dayNumberOf(2026, 3, 29))).toEqual({ year: 2026, month: 3, day: 29 });
    expect(weekdayOfDay(dayNumberOf(2026, 3, 30))).toBe(1); // a Monday
    expect(weekdayOfDay(dayNumberOf(1969, 12, 28))).toBe(0); // a Sunday, before day 0
  });
});

describe('the instant of a local date-time', () => {
  const cases: [string, string, [number, number, number, number, number], string][] = [
    ['an ordinary winter time', 'Europe/Madrid', [2026, 1, 5, 9, 0], '2026-01-05T08:00:00.000Z'],
    ['an ordinary summer time', 'Europe/Madrid', [2026, 3, 30, 9, 0], '2026-03-30T07:00:00.000Z'],
    ['no DST, half-hour offset', 'Asia/Kolkata', [2026, 3, 29, 9, 0], '2026-03-29T03:30:00.000Z'],
    // Gaps: the first instant after, i.e. the moment the clocks jump.
    [
      'Madrid 02:30 on spring-forward night',
      'Europe/Madrid',
      [2026, 3, 29, 2, 30],
      '2026-03-29T01:00:00.000Z',
    ],
    [
      'Madrid 02:00 on spring-forward night',
      'Europe/Madrid',
      [2026, 3, 29, 2, 0],
      '2026-03-29T01:00:00.000Z',
    ],
    [
      'New York 02:30 on spring-forward night',
      'America/New_York',
      [2026, 3, 8, 2, 30],
      '2026-03-08T07:00:00.000Z',
    ],
    [
      'Lord Howe 02:15 (a 30-minute gap)',
      'Australia/Lord_Howe',
      [2026, 10, 4, 2, 15],
      '2026-10-03T15:30:00.000Z',
    ],
    [
      'Lord Howe 02:30, just after its gap',
      'Australia/Lord_Howe',
      [2026, 10, 4, 2, 30],
      '2026-10-03T15:30:00.000Z',
    ],
    // Overlaps: the earlier of the two.
    ['Madrid 02:30 on fall-back night', 'Europe/Madrid', [2026, 10, 25, 2, 30], '2026-10-25T00:30:00.000Z'],
    [
      'New York 01:30 on fall-back night',
      'America/New_York',
      [2026, 11, 1, 1, 30],
      '2026-11-01T05:30:00.000Z',
    ],
    [
      'Lord Howe 01:45 on fall-back night',
      'Australia/Lord_Howe',
      [2026, 4, 5, 1, 45],
      '2026-04-04T14:45:00.000Z',
    ],
    [
      'Madrid 03:00 on fall-back night, after the overlap',
      'Europe/Madrid',
      [2026, 10, 25, 3, 0],
      '2026-10-25T02:00:00.000Z',
    ],
  ];
  for (const [label, zone, [year, month, day, hour, minute], expected] of cases) {
    it(label, () => {
      expect(instantOfLocal({ year, month, day, hour, minute }, zone).toISOString()).toBe(expected);
    });
  }

  it('round-trips any instant to the earliest instant showing the same wall clock', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instantArb, (zone, raw) => {
        const t = Math.floor(raw / 1000) * 1000;
        const back = instantOfLocal(localPartsOf(new Date(t), zone), zone).getTime();
        expect(wallClock(back, zone)).toBe(wallClock(t, zone));
        expect(back).toBeLessThanOrEqual(t);
        // Only an overlap (an hour, or 30 minutes on Lord Howe) separates them.
        expect([0, 1_800_000, 3_600_000]).toContain(t - back);
      }),
      { numRuns: 500 },
    );
  });

  it('gives a local time that exists as itself, and one in a gap as the end of the gap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom(
          ...['2025-10-26', '2026-03-29', '2026-03-08', '2026-11-01', '2026-10-04', '2026-04-05'],
        ),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, date, hour, minute) => {
          const [year, month, day] = date.split('-').map(Number) as [number, number, number];
          const at = instantOfLocal({ year, month, day, hour, minute }, zone).getTime();
          const wanted = `${date} ${pad(hour)}:${pad(minute)}:00`;
          const wall = wallClock(at, zone);
          if (wall !== wanted) {
            expect(wall > wanted).toBe(true);
            expect(wallClock(at - 1000, zone) < wanted).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
