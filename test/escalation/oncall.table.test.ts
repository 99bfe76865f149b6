import { describe, expect, it } from 'vitest';
import {
  describeOnCall,
  handoffsBetween,
  onCallAt,
  type Rotation,
  resolveTargets,
  shiftAt,
} from '../../src/escalation/oncall.js';
import { type PeopleDirectory, readOncallFile } from '../../src/escalation/oncallFile.js';
import { ONCALL_YAML } from './fixture.js';

function directory(): PeopleDirectory {
  const { directory, problems } = readOncallFile(ONCALL_YAML);
  expect(problems).toEqual([]);
  if (!directory) throw new Error('the fixture does not parse');
  return directory;
}

function rotation(name: string): Rotation {
  const found = directory().rotations.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no rotation ${name}`);
  return found;
}

// Weekly, Monday 09:00 Europe/Madrid, [ana, bo, carol], ana from Monday 2026-03-23. Madrid is UTC+1
// (CET) until 2026-03-29 01:00Z and from 2026-10-25 01:00Z, UTC+2 (CEST) between: so the hand-off is
// 08:00Z in winter and 07:00Z in summer.
const plain = (): Rotation => ({ ...rotation('primary'), overrides: [] });

describe('the table of owners around the 2026 DST changes (checked by hand)', () => {
  const table: [string, string, string][] = [
    ['2026-03-23T07:59:59.999Z', 'carol', 'before the start, the rotation counts backwards'],
    ['2026-03-23T08:00:00.000Z', 'ana', '09:00 CET: ana takes over'],
    ['2026-03-29T00:59:59.000Z', 'ana', '01:59:59 CET, just before the clocks go forward'],
    ['2026-03-29T01:00:00.000Z', 'ana', '03:00 CEST, just after'],
    ['2026-03-30T06:59:00.000Z', 'ana', '08:59 CEST'],
    ['2026-03-30T06:59:59.999Z', 'ana', 'the last millisecond of her week'],
    ['2026-03-30T07:00:00.000Z', 'bo', '09:00 CEST = 07:00Z'],
    ['2026-03-30T08:00:00.000Z', 'bo', '10:00 CEST (a fixed UTC+1 hand-off would fall here)'],
    ['2026-04-06T06:59:59.999Z', 'bo', 'Monday 08:59:59 CEST'],
    ['2026-04-06T07:00:00.000Z', 'carol', 'Monday 09:00 CEST'],
    ['2026-04-13T07:00:00.000Z', 'ana', 'round again'],
    ['2026-10-19T07:00:00.000Z', 'ana', 'week 30'],
    ['2026-10-25T00:59:59.000Z', 'ana', '02:59:59 CEST, before the clocks go back'],
    ['2026-10-25T01:00:00.000Z', 'ana', '02:00 CET, after'],
    ['2026-10-26T07:00:00.000Z', 'ana', '08:00 CET (a fixed UTC+2 hand-off would fall here)'],
    ['2026-10-26T07:59:59.999Z', 'ana', '08:59:59 CET'],
    ['2026-10-26T08:00:00.000Z', 'bo', '09:00 CET = 08:00Z, week 31'],
  ];
  for (const [at, owner, why] of table) {
    it(`${at} → ${owner} (${why})`, () => {
      expect(onCallAt(plain(), new Date(at))).toBe(owner);
    });
  }

  // carol covers 2026-03-29 08:00 CEST to 2026-03-30 08:00 CEST (06:00Z to 06:00Z); dan, listed later,
  // covers 12:00–14:00 Madrid time on the 29th (written without an offset: the rotation's zone).
  const withOverrides: [string, string, string][] = [
    ['2026-03-29T05:59:59.999Z', 'ana', 'before the override'],
    ['2026-03-29T06:00:00.000Z', 'carol', 'the override starts (inclusive)'],
    ['2026-03-29T09:59:59.000Z', 'carol', '11:59:59 CEST'],
    ['2026-03-29T10:00:00.000Z', 'dan', '12:00 CEST: the later override wins'],
    ['2026-03-29T11:59:59.999Z', 'dan', 'still dan'],
    ['2026-03-29T12:00:00.000Z', 'carol', "dan's end is exclusive; carol's override goes on"],
    ['2026-03-30T05:59:59.999Z', 'carol', 'the last millisecond of the override'],
    ['2026-03-30T06:00:00.000Z', 'ana', 'the override ends (exclusive): back to the schedule'],
    ['2026-03-30T07:00:00.000Z', 'bo', 'the scheduled hand-off'],
  ];
  for (const [at, owner, why] of withOverrides) {
    it(`with overrides, ${at} → ${owner} (${why})`, () => {
      expect(onCallAt(rotation('primary'), new Date(at))).toBe(owner);
    });
  }

  it('lists the hand-offs of the two weeks', () => {
    const list = handoffsBetween(
      rotation('primary'),
      new Date('2026-03-23T00:00:00Z'),
      new Date('2026-04-07T00:00:00Z'),
    );
    expect(list.map(({ at, person, previous }) => [at.toISOString(), previous, person])).toEqual([
      ['2026-03-23T08:00:00.000Z', 'carol', 'ana'],
      ['2026-03-29T06:00:00.000Z', 'ana', 'carol'],
      ['2026-03-29T10:00:00.000Z', 'carol', 'dan'],
      ['2026-03-29T12:00:00.000Z', 'dan', 'carol'],
      ['2026-03-30T06:00:00.000Z', 'carol', 'ana'],
      ['2026-03-30T07:00:00.000Z', 'ana', 'bo'],
      ['2026-04-06T07:00:00.000Z', 'bo', 'carol'],
    ]);
    // [from, to): an instant exactly at `from` is listed, one exactly at `to` is not.
    expect(
      handoffsBetween(plain(), new Date('2026-03-30T07:00:00Z'), new Date('2026-04-06T07:00:00Z')).map(
        (h) => h.person,
      ),
    ).toEqual(['bo']);
  });

  it('knows the shift', () => {
    expect(shiftAt(plain(), new Date('2026-03-31T12:00:00Z'))).toEqual({
      index: 1,
      person: 'bo',
      start: new Date('2026-03-30T07:00:00Z'),
      end: new Date('2026-04-06T07:00:00Z'),
    });
  });

  it('hands a daily New York rotation off at 21:30 local across the March change', () => {
    const nights = rotation('nights');
    // 2026-03-07 21:30 EST = 2026-03-08T02:30Z; 2026-03-08 21:30 EDT = 2026-03-09T01:30Z.
    expect(
      handoffsBetween(nights, new Date('2026-03-07T12:00:00Z'), new Date('2026-03-09T12:00:00Z')),
    ).toEqual([
      { at: new Date('2026-03-08T02:30:00Z'), person: 'dan', previous: 'bo' },
      { at: new Date('2026-03-09T01:30:00Z'), person: 'bo', previous: 'dan' },
    ]);
  });
});

describe('resolving a step to people and channels', () => {
  it('pages whoever is on call for a rotation target', () => {
    const [step] = directory().policies['deploy-default']?.steps ?? [];
    if (!step) throw new Error('no step');
    expect(resolveTargets(step, directory(), new Date('2026-03-30T07:00:00Z'))).toEqual([
      {
        key: 'bo',
        name: 'Bo Chen',
        slack: null,
        discord: null,
        terminal: 'bochen',
        timezone: null,
        via: 'rotation:primary',
      },
    ]);
    // During the override, the override's person.
    expect(resolveTargets(step, directory(), new Date('2026-03-29T07:00:00Z')).map((t) => t)).toMatchObject([
      { key: 'carol', via: 'rotation:primary' },
    ]);
  });

  it('pages every member of a role, a person, and a channel, each once', () => {
    const targets = resolveTargets(
      {
        targets: [
          { kind: 'role', role: 'engineering-lead' },
          { kind: 'role', role: 'on-call-engineer' },
          { kind: 'person', person: 'ana' },
          { kind: 'person', person: 'dan' },
          { kind: 'rotation', rotation: 'primary' },
          { kind: 'channel', channel: '#incident-response' },
          { kind: 'channel', channel: '#incident-response' },
          { kind: 'role', role: 'dba' },
          { kind: 'person', person: 'nobody-known' },
        ],
      },
      directory(),
      new Date('2026-04-01T00:00:00Z'),
    );
    expect(targets).toEqual([
      {
        key: 'ana',
        name: 'Ana Ruiz',
        slack: 'U01ANA0001',
        discord: '123456789012345678',
        terminal: 'ana',
        timezone: 'Europe/Madrid',
        via: 'role:engineering-lead',
      },
      {
        key: 'bo',
        name: 'Bo Chen',
        slack: null,
        discord: null,
        terminal: 'bochen',
        timezone: null,
        via: 'role:on-call-engineer',
      },
      {
        key: 'carol',
        name: 'Carol Diaz',
        slack: 'U01CAR0003',
        discord: null,
        terminal: 'carol',
        timezone: 'America/New_York',
        via: 'role:on-call-engineer',
      },
      {
        key: 'dan',
        name: 'Dan Okafor',
        slack: null,
        discord: null,
        terminal: 'dan',
        timezone: null,
        via: 'person',
      },
      { channel: '#incident-response' },
    ]);
  });
});

describe('/deploy oncall', () => {
  it('shows each rotation with who is on call and until when, and each role', () => {
    expect(describeOnCall(directory(), new Date('2026-03-30T06:30:00Z'))).toBe(
      [
        'On call at 2026-03-30 06:30 UTC:',
        '• rotation primary (weekly, Monday 09:00 Europe/Madrid): Ana Ruiz (ana) until Mon 2026-03-30 09:00 Europe/Madrid (2026-03-30 07:00 UTC), then Bo Chen (bo)',
        '• rotation nights (daily, 21:30 America/New_York): Dan Okafor (dan) until Mon 2026-03-30 21:30 America/New_York (2026-03-31 01:30 UTC), then Bo Chen (bo)',
        '• role engineering-lead: Ana Ruiz (ana)',
        '• role on-call-engineer: Bo Chen (bo), Carol Diaz (carol)',
        '• role dba: nobody',
      ].join('\n'),
    );
  });

  it('says when somebody is on call by override, until the override ends', () => {
    const text = describeOnCall(directory(), new Date('2026-03-29T07:00:00Z'));
    expect(text).toContain(
      '• rotation primary (weekly, Monday 09:00 Europe/Madrid): Carol Diaz (carol) by override until Sun 2026-03-29 12:00 Europe/Madrid (2026-03-29 10:00 UTC), then Dan Okafor (dan)',
    );
  });

  it('says so when nothing is configured', () => {
    const { directory: empty } = readOncallFile('people:\n  ana: { name: Ana }\n');
    expect(describeOnCall(empty as PeopleDirectory, new Date('2026-03-30T00:00:00Z'))).toBe(
      'Nobody is on call: checklists/oncall.yaml has no rotations or roles.',
    );
  });
});
