import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  handoffsBetween,
  onCallAt,
  type Rotation,
  type RotationOverride,
  shiftAt,
} from '../../src/escalation/oncall.js';
import {
  DAY,
  FROM,
  HOUR,
  instantArb,
  PEOPLE,
  rotationArb,
  TO,
  TRANSITIONS,
  wallClock,
  wallOffset,
  wallWeekday,
} from './zones.js';

const MINUTE = 60_000;

/** The shift's length is its period, give or take one DST change (an hour at most, 30 min on Lord Howe). */
function expectPlausibleLength(rotation: Rotation, start: Date, end: Date) {
  const period = rotation.period === 'weekly' ? 7 * DAY : DAY;
  const length = end.getTime() - start.getTime();
  expect(Math.abs(length - period)).toBeLessThanOrEqual(HOUR);
}

/**
 * The hand-off shows the configured time (and weekday) on the zone's wall clock; when that time does
 * not exist that night, it is the moment the clocks jump; when it is shown twice, the earlier one.
 */
function expectLocalHandoff(rotation: Rotation, at: Date) {
  const start = at.getTime();
  const wall = wallClock(start, rotation.timezone);
  const wanted = `${wall.slice(0, 10)} ${rotation.handoff.time}:00`;
  if (wall !== wanted) {
    expect(wallOffset(start - 1000, rotation.timezone)).not.toBe(wallOffset(start, rotation.timezone));
    expect(wallClock(start - 1000, rotation.timezone) < wanted).toBe(true);
    expect(wall > wanted).toBe(true);
  }
  for (const earlier of [30 * MINUTE, HOUR]) {
    expect(wallClock(start - earlier, rotation.timezone)).not.toBe(wanted);
  }
  if (rotation.period === 'weekly')
    expect(wallWeekday(start, rotation.timezone)).toBe(rotation.handoff.weekday);
}

describe('who is on call, over random rotations, zones and instants', () => {
  it('is always a member of the rotation', () => {
    fc.assert(
      fc.property(rotationArb, instantArb, (rotation, t) => {
        expect(rotation.members).toContain(onCallAt(rotation, new Date(t)));
      }),
      { numRuns: 400 },
    );
  });

  it('does not change within a shift, and the shift holds the instant', () => {
    fc.assert(
      fc.property(
        rotationArb,
        instantArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rotation, t, fraction) => {
          const at = new Date(t);
          const shift = shiftAt(rotation, at);
          expect(shift.start.getTime()).toBeLessThanOrEqual(t);
          expect(shift.end.getTime()).toBeGreaterThan(t);
          expectPlausibleLength(rotation, shift.start, shift.end);
          const person = onCallAt(rotation, at);
          expect(shift.person).toBe(person);
          const inside = Math.min(
            shift.end.getTime() - 1,
            shift.start.getTime() + Math.floor(fraction * (shift.end.getTime() - shift.start.getTime())),
          );
          expect(onCallAt(rotation, new Date(inside))).toBe(person);
          expect(onCallAt(rotation, shift.start)).toBe(person);
          expect(onCallAt(rotation, new Date(shift.end.getTime() - 1))).toBe(person);
          expect(shiftAt(rotation, new Date(inside))).toEqual(shift);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('advances by exactly one member, in order, at each hand-off', () => {
    fc.assert(
      fc.property(rotationArb, instantArb, (rotation, t) => {
        const shift = shiftAt(rotation, new Date(t));
        const next = shiftAt(rotation, shift.end);
        expect(next.start).toEqual(shift.end);
        expect(next.index).toBe(shift.index + 1);
        const n = rotation.members.length;
        const before = rotation.members.indexOf(onCallAt(rotation, new Date(shift.end.getTime() - 1)));
        const after = rotation.members.indexOf(onCallAt(rotation, shift.end));
        expect(after).toBe((before + 1) % n);
        // The list of hand-offs over two shifts says the same.
        const handoffs = handoffsBetween(rotation, shift.start, next.end);
        if (n === 1) {
          expect(handoffs).toEqual([]);
        } else {
          expect(handoffs.map((handoff) => handoff.at)).toEqual([shift.start, shift.end]);
          expect(handoffs[1]).toEqual({ at: shift.end, person: next.person, previous: shift.person });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('hands off at the configured local time and weekday on both sides of every DST change', () => {
    fc.assert(
      fc.property(rotationArb, (rotation) => {
        const offsets = new Set<number>();
        let shift = shiftAt(rotation, new Date(FROM));
        let count = 0;
        while (shift.start.getTime() < TO) {
          const start = shift.start.getTime();
          expectLocalHandoff(rotation, shift.start);
          offsets.add(wallOffset(start, rotation.timezone));
          const next = shiftAt(rotation, shift.end);
          expect(next.index).toBe(shift.index + 1);
          expectPlausibleLength(rotation, shift.start, shift.end);
          shift = next;
          count++;
        }
        expect(count).toBeGreaterThan(rotation.period === 'weekly' ? 100 : 700);
        // Two years of hand-offs saw both summer and winter time in zones that change.
        const changes = (TRANSITIONS[rotation.timezone] ?? []).length;
        expect(offsets.size).toBe(changes > 0 ? 2 : 1);
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it('hands off at every small-hours time on every DST change night, daily and weekly on Sunday', () => {
    let gaps = 0;
    let overlaps = 0;
    for (const zone of ['Europe/Madrid', 'America/New_York', 'Australia/Lord_Howe']) {
      for (const transition of TRANSITIONS[zone] ?? []) {
        for (let minutes = 0; minutes < 4 * 60; minutes += 15) {
          const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
          for (const period of ['daily', 'weekly'] as const) {
            const rotation: Rotation = {
              name: 'night',
              members: ['ana', 'bo', 'carol'],
              period,
              handoff: { weekday: period === 'weekly' ? 'sunday' : null, time },
              timezone: zone,
              start: '2025-01-05',
              overrides: [],
            };
            let shift = shiftAt(rotation, new Date(transition - 3 * DAY));
            while (shift.start.getTime() < transition + 3 * DAY) {
              expectLocalHandoff(rotation, shift.start);
              const wall = wallClock(shift.start, zone).slice(11);
              if (wall !== `${time}:00`) gaps++;
              else if (
                [30 * MINUTE, HOUR].some(
                  (d) => wallClock(shift.start.getTime() + d, zone) === wallClock(shift.start, zone),
                )
              ) {
                overlaps++;
              }
              const next = shiftAt(rotation, shift.end);
              expect(next.index).toBe(shift.index + 1);
              shift = next;
            }
          }
        }
      }
    }
    // Both kinds of night were met: times that do not exist, and times shown twice.
    expect(gaps).toBeGreaterThan(0);
    expect(overlaps).toBeGreaterThan(0);
  });

  it('overrides win only inside [start, end), the last listed first', () => {
    const overrideArb = fc
      .record({
        person: fc.constantFrom(...PEOPLE, 'zoe'),
        start: instantArb,
        minutes: fc.integer({ min: 1, max: 10 * 24 * 60 }),
      })
      .map(
        ({ person, start, minutes }): RotationOverride => ({
          person,
          start: new Date(start),
          end: new Date(start + minutes * MINUTE),
        }),
      );
    fc.assert(
      fc.property(
        rotationArb,
        fc.array(overrideArb, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom('start', 'end', 'start-1', 'end-1', 'inside', 'random'),
        instantArb,
        (plain, overrides, pick, where, random) => {
          const rotation = { ...plain, overrides };
          const chosen = overrides[pick % overrides.length] as RotationOverride;
          const t = {
            start: chosen.start.getTime(),
            end: chosen.end.getTime(),
            'start-1': chosen.start.getTime() - 1,
            'end-1': chosen.end.getTime() - 1,
            inside: Math.floor((chosen.start.getTime() + chosen.end.getTime()) / 2),
            random,
          }[where];
          const covering = overrides.filter((o) => o.start.getTime() <= t && t < o.end.getTime());
          const expected = covering.at(-1)?.person ?? onCallAt(plain, new Date(t));
          expect(onCallAt(rotation, new Date(t))).toBe(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('lists every change of who is on call in a window, and nothing else', () => {
    const overrideArb = fc
      .record({ person: fc.constantFrom(...PEOPLE), offsetMinutes: fc.integer({ min: -2000, max: 30_000 }) })
      .chain(({ person, offsetMinutes }) =>
        fc.integer({ min: 1, max: 5000 }).map((minutes) => ({ person, offsetMinutes, minutes })),
      );
    fc.assert(
      fc.property(
        rotationArb,
        instantArb,
        fc.integer({ min: 1, max: 21 * 24 * 60 }),
        fc.array(overrideArb, { maxLength: 3 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }),
        (plain, from, windowMinutes, raw, samples) => {
          const rotation: Rotation = {
            ...plain,
            overrides: raw.map(({ person, offsetMinutes, minutes }) => ({
              person,
              start: new Date(from + offsetMinutes * MINUTE),
              end: new Date(from + (offsetMinutes + minutes) * MINUTE),
            })),
          };
          const to = from + windowMinutes * MINUTE;
          const handoffs = handoffsBetween(rotation, new Date(from), new Date(to));
          let previousAt = from - 1;
          for (const handoff of handoffs) {
            const at = handoff.at.getTime();
            expect(at).toBeGreaterThanOrEqual(from);
            expect(at).toBeLessThan(to);
            expect(at).toBeGreaterThan(previousAt);
            expect(handoff.person).toBe(onCallAt(rotation, handoff.at));
            expect(handoff.previous).toBe(onCallAt(rotation, new Date(at - 1)));
            expect(handoff.person).not.toBe(handoff.previous);
            previousAt = at;
          }
          for (const sample of samples) {
            const t = from + Math.floor(sample * (to - from - 1));
            const last = handoffs.filter((handoff) => handoff.at.getTime() <= t).at(-1);
            const expected = last ? last.person : onCallAt(rotation, new Date(from));
            expect(onCallAt(rotation, new Date(t))).toBe(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
