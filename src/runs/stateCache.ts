import type { RunState } from './types.js';

/**
 * The last state of each run this process saw committed, so a command does not read ~200 item rows back
 * to learn what it wrote itself a moment ago. An entry is only ever trusted at its revision: a write
 * decided on it is guarded by that revision (checked under the run row's lock), and a read uses it only
 * when the row still has that revision. Another process changing the run makes the entry unused, never
 * wrong, because every accepted command raises the revision.
 *
 * States are immutable values (the machine copies on every change), so callers may share them.
 */
export class RunStateCache {
  readonly #capacity: number;
  readonly #states = new Map<string, RunState>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(runId: string): RunState | undefined {
    return this.#states.get(runId);
  }

  /** The state must be one that was committed: after the transaction, never inside it. */
  remember(state: RunState): void {
    const known = this.#states.get(state.id);
    // Two commands of this process on one run can finish out of order: keep the later revision.
    if (known && known.revision > state.revision) return;
    this.#states.delete(state.id);
    this.#states.set(state.id, asStored(state));
    if (this.#states.size > this.#capacity) {
      const oldest = this.#states.keys().next().value;
      if (oldest !== undefined) this.#states.delete(oldest);
    }
  }

  forget(runId: string): void {
    this.#states.delete(runId);
  }
}

/**
 * The state as reading it back would give it: the store keeps only the escalation not yet resolved, so
 * a resolved one reads back as none.
 */
function asStored(state: RunState): RunState {
  return state.escalation?.status === 'resolved' ? { ...state, escalation: null } : state;
}
