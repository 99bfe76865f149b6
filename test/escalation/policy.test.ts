import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_DIRECTORY, readOncallFile } from '../../src/escalation/oncallFile.js';
import {
  formatTarget,
  nextStep,
  type Policy,
  parseDuration,
  parseTarget,
  policyForSeverity,
  type StepPosition,
} from '../../src/escalation/policy.js';
import { ONCALL_YAML } from './fixture.js';

const policy = (steps: number, repeat: number): Policy => ({
  name: 'p',
  repeat,
  steps: Array.from({ length: steps }, () => ({
    targets: [{ kind: 'channel', channel: '#x' }],
    waitMinutes: 5,
  })),
});

describe('nextStep', () => {
  it('walks the steps, then the rounds, then stops', () => {
    const positions: StepPosition[] = [{ step: 0, round: 0 }];
    let position: StepPosition | null = { step: 0, round: 0 };
    while (position) {
      position = nextStep(policy(3, 2), position.step, position.round);
      if (position) positions.push(position);
    }
    expect(positions).toEqual([
      { step: 0, round: 0 },
      { step: 1, round: 0 },
      { step: 2, round: 0 },
      { step: 0, round: 1 },
      { step: 1, round: 1 },
      { step: 2, round: 1 },
    ]);
    expect(nextStep(policy(3, 1), 2, 0)).toBeNull();
    expect(nextStep(policy(1, 1), 0, 0)).toBeNull();
  });

  it('pages steps × repeat times in all', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), (steps, repeat) => {
        let count = 1;
        let position = nextStep(policy(steps, repeat), 0, 0);
        while (position) {
          count++;
          position = nextStep(policy(steps, repeat), position.step, position.round);
        }
        expect(count).toBe(steps * repeat);
      }),
    );
  });
});

describe('policyForSeverity', () => {
  const { directory } = readOncallFile(ONCALL_YAML);
  if (!directory) throw new Error('the fixture does not parse');

  it('takes the policy the severity maps to', () => {
    expect(policyForSeverity(directory, 'P0', 'database')?.name).toBe('deploy-default');
    expect(policyForSeverity(directory, 'P2', 'deploy-default')?.name).toBe('database');
  });

  it('falls back to the named policy when the severity names none', () => {
    expect(directory.severities.P3).toEqual({ policy: '', responseMinutes: 1440 });
    expect(policyForSeverity(directory, 'P3', 'database')?.name).toBe('database');
    expect(policyForSeverity(directory, null, 'database')?.name).toBe('database');
  });

  it('gives null when neither exists', () => {
    expect(policyForSeverity(directory, 'P3', 'missing')).toBeNull();
    expect(policyForSeverity(directory, 'P3', null)).toBeNull();
    expect(policyForSeverity(EMPTY_DIRECTORY, 'P0', 'deploy-default')).toBeNull();
  });

  it('reads the steps, waits and repeat from the file', () => {
    expect(directory.policies.database).toEqual({
      name: 'database',
      repeat: 1,
      steps: [
        {
          targets: [
            { kind: 'role', role: 'dba' },
            { kind: 'rotation', rotation: 'nights' },
          ],
          waitMinutes: 90,
        },
      ],
    });
    expect(directory.severities).toEqual({
      P0: { policy: 'deploy-default', responseMinutes: 0 },
      P1: { policy: 'deploy-default', responseMinutes: 60 },
      P2: { policy: 'database', responseMinutes: 240 },
      P3: { policy: '', responseMinutes: 1440 },
    });
    expect(directory.stallMinutes).toBe(30);
  });
});

describe('durations and targets', () => {
  it('reads durations in minutes', () => {
    expect(parseDuration('30s')).toBe(0.5);
    expect(parseDuration('5m')).toBe(5);
    expect(parseDuration('1h')).toBe(60);
    expect(parseDuration('1d')).toBe(1440);
    expect(parseDuration('1h30m')).toBe(90);
    expect(parseDuration('0m')).toBe(0);
    for (const bad of ['', '5', 'm', '5 minutes', '1m1h', '-5m']) expect(parseDuration(bad)).toBeNull();
  });

  it('reads and writes targets', () => {
    for (const text of [
      'person:carol',
      'role:engineering-lead',
      'rotation:primary',
      'channel:#incident-response',
    ]) {
      const target = parseTarget(text);
      expect(target).not.toBeNull();
      if (target) expect(formatTarget(target)).toBe(text);
    }
    expect(parseTarget('team:sre')).toBeNull();
    expect(parseTarget('carol')).toBeNull();
    expect(parseTarget('person:')).toBeNull();
  });
});
