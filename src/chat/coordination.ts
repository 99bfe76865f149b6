/**
 * Who may touch a run's chat messages right now, when more than one process could. RunPublisher and
 * Outbox ask this before posting a run's parts and before each edit of a message; what they ask is the
 * same with one process or several, and only the answer's reach differs.
 */
export interface MessageCoordinator {
  /**
   * Other processes post and edit the same messages. What this process remembers about them may then be
   * stale: the publisher re-reads chat_messages before posting and before each edit.
   */
  readonly shared: boolean;
  /** Runs `work` as the only poster of the run's missing parts, waiting while another process posts them. */
  whilePosting<T>(runId: string, work: () => Promise<T>): Promise<T>;
  /**
   * Resolves when message `key` may be edited: nobody else is editing it, and `gapMs` has passed since the
   * last edit of it ended anywhere. The edit ends with `EditTurn.end`.
   */
  editTurn(key: string, gapMs: number): Promise<EditTurn>;
}

export interface EditTurn {
  /**
   * The edit is over and the next one may start. `edited`: the platform was called (so the gap before
   * the next edit counts from now); false when the edit turned out not to be needed.
   */
  end(edited: boolean): Promise<void>;
}

const FREE_TURN: EditTurn = { end: async () => {} };

/**
 * One process: the outbox already keeps one edit per message in flight and the gap between edits, and
 * the publisher posts a run's parts one call at a time, so there is nothing more to arrange.
 */
export class InProcessCoordinator implements MessageCoordinator {
  readonly shared = false;

  whilePosting<T>(_runId: string, work: () => Promise<T>): Promise<T> {
    return work();
  }

  editTurn(): Promise<EditTurn> {
    return Promise.resolve(FREE_TURN);
  }
}
