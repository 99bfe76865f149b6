import type { ChatDeps } from '../../src/chat/handle.js';
import { buildLibrary } from '../../src/checklist/library.js';
import { typeInTerminal } from '../support/terminal.js';

/** A checklist with every kind of item, phases with and without deadlines, and one automated check. */
export const WEB_DEPLOY = `---
title: Web deploy
aliases: [web]
---
# Web deploy

## 1. Before (1 hour before)
- [ ] Tag the release
- [ ] Tell support
- [ ] Update the status page (optional)

## 2. Deploy (0 minute - go live)
- [ ] Deploy started
- [ ] Health check green: \`GET https://shop.example.com/health\`

## 3. After (First 15 minutes)
- [ ] p95 latency: ___ ms (target: <500ms)
- [ ] Error rate: ___% (target: <1%)
- [ ] Decision: ☐ Keep ☐ Rollback
- [ ] Engineering Lead: ________ Date: ______
`;

export const library = buildLibrary([{ path: 'checklists/web-deploy.md', source: WEB_DEPLOY }]);

/** Time that moves only when the test says so: the run service stamps every event with it. */
export class TestTime {
  #now: number;
  constructor(start = Date.parse('2025-03-04T14:00:00.000Z')) {
    this.#now = start;
  }
  readonly clock = () => new Date(this.#now);
  /** Moves to `minutes` after the start of the test's story. */
  at(start: number, minutes: number): void {
    this.#now = start + minutes * 60_000;
  }
  get now(): number {
    return this.#now;
  }
}

/** Types lines into the terminal channel as `user` (the shared helper, under the name the report tests use). */
export const type = typeInTerminal;

export interface Step {
  /** Minutes after the story's start. */
  at: number;
  user?: string;
  line: string;
}

/** Plays a story: each line typed by its user at its minute. Returns everything printed, in order. */
export async function play(deps: ChatDeps, time: TestTime, steps: Step[]): Promise<string[]> {
  const start = time.now;
  const printed: string[] = [];
  for (const step of steps) {
    time.at(start, step.at);
    printed.push(await type(deps, [step.line], step.user ?? 'ana'));
  }
  return printed;
}
