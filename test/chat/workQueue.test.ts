import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/chat/workQueue.js';

/** A job that records when it starts and finishes, and waits until the test lets it go. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('runs jobs of one key in arrival order, one at a time, and other keys alongside', async () => {
    const queue = new WorkQueue({ concurrency: 4, onError: () => {} });
    const log: string[] = [];
    const gates = { a1: gate(), a2: gate(), b1: gate() };
    const job = (name: keyof typeof gates) => async () => {
      log.push(`start ${name}`);
      await gates[name].opened;
      log.push(`end ${name}`);
    };
    queue.push('C1', job('a1'));
    queue.push('C1', job('a2'));
    queue.push('C2', job('b1'));
    await turn();
    expect(log).toEqual(['start a1', 'start b1']);
    gates.a2.open();
    gates.b1.open();
    await turn();
    expect(log).toEqual(['start a1', 'start b1', 'end b1']);
    gates.a1.open();
    await queue.idle();
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
  });

  it('runs at most `concurrency` jobs at once and reports failures without stopping', async () => {
    const errors: unknown[] = [];
    const queue = new WorkQueue({ concurrency: 2, onError: (error) => errors.push(error) });
    let running = 0;
    let most = 0;
    for (let index = 0; index < 6; index++) {
      queue.push(null, async () => {
        running += 1;
        most = Math.max(most, running);
        await turn();
        running -= 1;
        if (index === 3) throw new Error('boom');
      });
    }
    await queue.idle();
    expect(most).toBe(2);
    expect(errors).toHaveLength(1);
    expect(queue.size).toBe(0);
  });
});
