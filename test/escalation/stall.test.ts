import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalationHandlers } from '../../src/escalation/escalator.js';
import type { Notice, Notifier } from '../../src/escalation/notify.js';
import { readOncallFile } from '../../src/escalation/oncallFile.js';
import { RunService } from '../../src/runs/service.js';
import type { RunCommand } from '../../src/runs/types.js';
import { TimerWorker } from '../../src/timers/worker.js';
import { checklistFrom } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const ONCALL = `people:
  ana: { name: Ana }
roles:
  on-call-engineer: [ana]
policies:
  main:
    repeat: 1
    steps:
      - { targets: [role:on-call-engineer], wait: 5m }
severities:
  P1: { policy: main, response: 1h }
stall_minutes: 30
`;

const checklist = checklistFrom(`# Release
## Go
- [ ] First
- [ ] Second
`);

let database: TestDatabase;
let now = new Date('2026-05-04T10:00:00Z');
const at = (minutes: number) => new Date(Date.parse('2026-05-04T10:00:00Z') + minutes * 60_000);

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('a run with no progress escalates', () => {
  it('pages after stall_minutes without an item changing, counted from the last change', async () => {
    const directory = readOncallFile(ONCALL).directory;
    if (!directory) throw new Error('oncall.yaml did not parse');
    const clock = () => now;
    const runs = new RunService(database.handle.db, { clock, stallMinutes: directory.stallMinutes });
    const notices: Notice[] = [];
    const recorder: Notifier = {
      name: 'recorder',
      accepts: () => true,
      send: async (notice) => {
        notices.push(notice);
        return 'done';
      },
    };
    const worker = new TimerWorker({
      db: database.handle.db,
      handlers: escalationHandlers({ runs, directory, notifiers: [recorder] }),
      logger: pino({ level: 'silent' }),
      clock,
    });
    const started = await runs.start(
      { checklist, version: 'v1', environment: null, platform: 'test', channelId: 'stall' },
      '@ana',
      null,
    );
    const runId = started.state?.id as string;

    now = at(10);
    await runs.apply(runId, { type: 'check', refs: ['1.1'] }, '@ana', null);
    now = at(31);
    await worker.runDue();
    // The first watch (from the start) saw the change at +10: nothing happens.
    expect((await runs.get(runId))?.escalation).toBeNull();

    now = at(41);
    await worker.runDue();
    const escalation = (await runs.get(runId))?.escalation;
    expect(escalation).toMatchObject({
      trigger: 'stalled',
      status: 'open',
      reason: 'no progress for 31 minutes (last change at 10:10 UTC)',
    });
    expect(notices.filter((notice) => notice.kind === 'page')).toHaveLength(1);
    expect(notices[0]?.targets).toMatchObject([{ person: 'ana', via: 'role:on-call-engineer' }]);
  });

  it('keeps one pending watch per run, however often its items change', async () => {
    const directory = readOncallFile(ONCALL).directory;
    if (!directory) throw new Error('oncall.yaml did not parse');
    const runs = new RunService(database.handle.db, {
      clock: () => now,
      stallMinutes: directory.stallMinutes,
    });
    const started = await runs.start(
      { checklist, version: 'v1', environment: null, platform: 'test', channelId: 'stall-2' },
      '@ana',
      null,
    );
    const runId = started.state?.id as string;
    const changes: RunCommand[] = [
      { type: 'check', refs: ['1.1'] },
      { type: 'uncheck', ref: '1.1' },
      { type: 'check', refs: ['1.1'] },
      { type: 'check', refs: ['1.2'] },
    ];
    for (const [index, command] of changes.entries()) {
      now = at(50 + index);
      expect((await runs.apply(runId, command, '@ana', null)).accepted).toBe(true);
    }
    const pending = (await database.handle.db.execute(
      sql`select key, due_at from timers where run_id = ${runId} and kind = 'stall' and fired_at is null`,
    )) as unknown as { rows: { key: string; due_at: string | Date }[] };
    expect(pending.rows).toHaveLength(1);
    expect(new Date(pending.rows[0]?.due_at ?? 0).getTime()).toBe(at(53 + 30).getTime());
  });
});
