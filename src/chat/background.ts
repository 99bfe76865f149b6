/**
 * Work that follows a committed command but need not hold anything up: showing its effect in chat
 * (posting, editing, telling the person). Kept track of so a stop can wait for it, for a while.
 */
export class Background {
  readonly #running = new Set<Promise<void>>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  get size(): number {
    return this.#running.size;
  }

  run(work: () => Promise<void>): void {
    const running = work().catch(this.#onError);
    this.#running.add(running);
    void running.finally(() => this.#running.delete(running));
  }

  /** Resolves once everything started so far (and anything it started) has finished. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}

/** Resolves when `work` does or after `ms`, whichever is first; true when `work` finished. */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  // No deadline (a stop that may take as long as it needs) is not a timer: Node would fire it at once.
  if (!Number.isFinite(ms)) return work.then(() => true);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
