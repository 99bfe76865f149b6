import { describe, expect, it } from 'vitest';
import { EMPTY_DIRECTORY, readOncallFile } from '../../src/escalation/oncallFile.js';
import { lineOf, ONCALL_YAML } from './fixture.js';

function change(from: string, to: string): string {
  if (!ONCALL_YAML.includes(from)) throw new Error(`the fixture has no ${from}`);
  return ONCALL_YAML.replace(from, to);
}

describe('oncall.yaml: roles held through a Discord server role', () => {
  it('gives the role to whoever holds the Discord role, on Discord only', () => {
    const { directory, problems } = readOncallFile(
      change('engineering-lead: [ana]', 'engineering-lead: [ana, "discord-role:2000000000000000001"]'),
    );
    expect(problems).toEqual([]);
    expect(directory?.rolesOf('discord', '999', ['2000000000000000001'])).toEqual(['engineering-lead']);
    expect(directory?.rolesOf('discord', '999', ['2000000000000000002'])).toEqual([]);
    expect(directory?.rolesOf('slack', 'U999', ['2000000000000000001'])).toEqual([]);
  });

  it('restricts by Discord roles alone, with no people listed', () => {
    const { directory, problems } = readOncallFile(
      'roles:\n  engineering-lead: ["discord-role:2000000000000000001"]\n',
    );
    expect(problems).toEqual([]);
    expect(directory?.rolesOf('discord', '999', [])).toEqual([]);
    expect(directory?.rolesOf('discord', '999', ['2000000000000000001'])).toEqual(['engineering-lead']);
  });
});

describe('oncall.yaml: rotations, policies, severities', () => {
  it('parses a good file', () => {
    const { directory, problems } = readOncallFile(ONCALL_YAML);
    expect(problems).toEqual([]);
    expect(directory?.rotations).toEqual([
      {
        name: 'primary',
        members: ['ana', 'bo', 'carol'],
        period: 'weekly',
        handoff: { weekday: 'monday', time: '09:00' },
        timezone: 'Europe/Madrid',
        start: '2026-03-23',
        overrides: [
          { person: 'carol', start: new Date('2026-03-29T06:00:00Z'), end: new Date('2026-03-30T06:00:00Z') },
          // Without an offset: Madrid's wall clock (CEST on the 29th after 03:00).
          { person: 'dan', start: new Date('2026-03-29T10:00:00Z'), end: new Date('2026-03-29T12:00:00Z') },
        ],
      },
      {
        name: 'nights',
        members: ['dan', 'bo'],
        period: 'daily',
        handoff: { weekday: null, time: '21:30' },
        timezone: 'America/New_York',
        start: '2026-03-01',
        overrides: [],
      },
    ]);
    expect(Object.keys(directory?.policies ?? {})).toEqual(['deploy-default', 'database']);
    expect(directory?.policies['deploy-default']?.steps.map((step) => step.waitMinutes)).toEqual([5, 10, 15]);
    expect(directory?.policies['deploy-default']?.repeat).toBe(2);
    // The people and roles part works as before.
    expect(directory?.rolesOf('slack', 'U01ANA0001')).toEqual(['engineering-lead']);
  });

  it('gives seeds and nothing else when the sections are missing or empty', () => {
    for (const text of [
      'people:\n  ana: { name: Ana }\n',
      'people:\n  ana: { name: Ana }\nrotations:\npolicies:\nseverities:\n',
    ]) {
      const { directory, problems } = readOncallFile(text);
      expect(problems).toEqual([]);
      expect(directory?.rotations).toEqual([]);
      expect(directory?.policies).toEqual({});
      expect(directory?.severities).toEqual(EMPTY_DIRECTORY.severities);
      expect(directory?.stallMinutes).toBeNull();
    }
    expect(EMPTY_DIRECTORY.severities).toEqual({
      P0: { policy: '', responseMinutes: 0 },
      P1: { policy: '', responseMinutes: 60 },
      P2: { policy: '', responseMinutes: 240 },
      P3: { policy: '', responseMinutes: 1440 },
    });
  });

  // [what is wrong, the file, the text on the line the problem must point at, part of the message]
  const broken: [string, string, string, string][] = [
    [
      'a rotation member who is not a person',
      change('members: [ana, bo, carol]', 'members: [ana, bo, zed]'),
      'members: [ana, bo, zed]',
      'rotations.primary.members.2: names “zed”, who is not under people',
    ],
    [
      'a Discord role member without a role id',
      change('engineering-lead: [ana]', 'engineering-lead: [ana, "discord-role:leads"]'),
      'engineering-lead: [ana, "discord-role:leads"]',
      'roles.engineering-lead: “discord-role:leads” needs a Discord role id',
    ],
    [
      'a member in a block list',
      change('members: [dan, bo]', 'members:\n      - dan\n      - zed'),
      '- zed',
      'rotations.nights.members.1: names “zed”',
    ],
    [
      'an override for somebody unknown',
      change('- { person: dan,', '- { person: zed,'),
      '- { person: zed,',
      'rotations.primary.overrides.1.person: names “zed”, who is not under people',
    ],
    [
      'an override that ends before it starts',
      change(
        'start: "2026-03-29T12:00", end: "2026-03-29T14:00"',
        'start: "2026-03-29T14:00", end: "2026-03-29T12:00"',
      ),
      'start: "2026-03-29T14:00"',
      'rotations.primary.overrides.1.end: the end is not after the start',
    ],
    [
      'an override date that is not one',
      change('start: "2026-03-29T12:00"', 'start: "next sunday"'),
      'next sunday',
      'rotations.primary.overrides.1.start: a date-time',
    ],
    [
      'a step target naming an unknown person',
      change('[person:carol, "channel', '[person:zed, "channel'),
      'person:zed',
      'policies.deploy-default.steps.2.targets.0: names “zed”, who is not under people',
    ],
    [
      'a step target naming an unknown role',
      change('[role:engineering-lead]', '[role:sre-lead]'),
      'role:sre-lead',
      'policies.deploy-default.steps.1.targets.0: names the role “sre-lead”, which is not under roles',
    ],
    [
      'a step target naming an unknown rotation',
      change('[role:dba, rotation:nights]', '[role:dba, rotation:weekends]'),
      'rotation:weekends',
      'policies.database.steps.0.targets.1: names the rotation “weekends”, which is not under rotations',
    ],
    [
      'a step target of an unknown kind',
      change('[rotation:primary]', '[team:sre]'),
      'team:sre',
      'policies.deploy-default.steps.0.targets.0: “team:sre” is not person:KEY, role:ID, rotation:NAME or channel:NAME',
    ],
    [
      'a severity naming an unknown policy',
      change('P1: { policy: deploy-default', 'P1: { policy: deploy-fast'),
      'P1: { policy: deploy-fast',
      'severities.P1.policy: names “deploy-fast”, which is not under policies',
    ],
    [
      'a severity that is not P0–P3',
      change('stall_minutes: 30', '  P4: { policy: database }\nstall_minutes: 30'),
      'P4:',
      'severities.P4: severities are P0, P1, P2 and P3',
    ],
    [
      'a wait that is not a duration',
      change('wait: 10m', 'wait: 10 minutes'),
      'wait: 10 minutes',
      'policies.deploy-default.steps.1.wait: a duration such as 30s, 5m, 1h or 1d',
    ],
    [
      'a wait without a unit',
      change('wait: 10m', 'wait: 10'),
      'wait: 10 }',
      'policies.deploy-default.steps.1.wait: a duration',
    ],
    [
      'a response that is not a duration',
      change('response: 4h', 'response: soon'),
      'response: soon',
      'severities.P2.response: a duration',
    ],
    [
      'a repeat of 0',
      change('repeat: 2', 'repeat: 0'),
      'repeat: 0',
      'policies.deploy-default.repeat: repeat is at least 1',
    ],
    [
      'a hand-off time that is not HH:MM',
      change('time: "09:00"', 'time: "9am"'),
      'time: "9am"',
      'rotations.primary.handoff.time: a time HH:MM',
    ],
    [
      'a weekday that is not one',
      change('weekday: monday', 'weekday: moonday'),
      'weekday: moonday',
      'rotations.primary.handoff.weekday: a weekday such as monday',
    ],
    [
      'a time zone that is not one',
      change('timezone: Europe/Madrid\n    start', 'timezone: Europe/Madird\n    start'),
      'timezone: Europe/Madird',
      'rotations.primary.timezone: not a time zone name such as Europe/Madrid',
    ],
    [
      'a period that is not daily or weekly',
      change('period: weekly', 'period: fortnightly'),
      'period: fortnightly',
      'rotations.primary.period: daily or weekly',
    ],
    [
      'a weekly rotation without a weekday',
      change('{ weekday: monday, time: "09:00" }', '{ time: "09:00" }'),
      'handoff: { time: "09:00" }',
      'rotations.primary.handoff: a weekly rotation needs a weekday',
    ],
    [
      'a daily rotation with a weekday',
      change('handoff: { time: "21:30" }', 'handoff: { weekday: friday, time: "21:30" }'),
      'weekday: friday',
      'rotations.nights.handoff.weekday: a daily rotation hands off every day',
    ],
    [
      'a weekly start on the wrong weekday',
      change('start: "2026-03-23"', 'start: "2026-03-24"'),
      'start: "2026-03-24"',
      'rotations.primary.start: 2026-03-24 is a tuesday; the first hand-off is on a monday',
    ],
    [
      'a start that is not a date',
      change('start: "2026-03-01"', 'start: "2026-02-30"'),
      'start: "2026-02-30"',
      'rotations.nights.start: a date YYYY-MM-DD',
    ],
    [
      'a rotation without members',
      change('members: [dan, bo]', 'members: []'),
      'members: []',
      'rotations.nights.members: a rotation needs a member',
    ],
    [
      'an unknown key in a rotation',
      change('    period: daily', '    period: daily\n    shift: night'),
      'shift: night',
      'rotations.nights.shift:',
    ],
    [
      'a stall time that is not positive',
      change('stall_minutes: 30', 'stall_minutes: -5'),
      'stall_minutes: -5',
      'stall_minutes: a positive number of minutes, such as 30',
    ],
  ];

  for (const [what, text, marker, message] of broken) {
    it(`points at the line of ${what}`, () => {
      const { directory, problems } = readOncallFile(text);
      expect(directory).toBeNull();
      expect(problems).toHaveLength(1);
      expect(problems[0]?.line).toBe(lineOf(text, marker));
      expect(problems[0]?.message).toContain(message);
    });
  }

  it('points at each target of a block-style step on its own line', () => {
    const text = change(
      '      - { targets: [person:carol, "channel:#incident-response"], wait: 15m }',
      [
        '      - targets:',
        '          - person:carol',
        '          - person:zed',
        '          - role:nope',
        '        wait: 15m',
      ].join('\n'),
    );
    const { problems } = readOncallFile(text);
    expect(problems).toEqual([
      {
        line: lineOf(text, 'person:zed'),
        message: 'policies.deploy-default.steps.2.targets.1: names “zed”, who is not under people',
      },
      {
        line: lineOf(text, 'role:nope'),
        message: 'policies.deploy-default.steps.2.targets.2: names the role “nope”, which is not under roles',
      },
    ]);
  });

  it('says what a person key should be', () => {
    const { problems } = readOncallFile('people:\n  "Ana Ruiz": { name: Ana }\n');
    expect(problems).toEqual([
      { line: 2, message: 'people.Ana Ruiz: person keys are letters, digits, . _ -' },
    ]);
  });
});
