import { performance } from 'node:perf_hooks';
import { sleep } from './processes.js';

/**
 * An open-loop load: request i leaves at start + i/rate whether or not earlier ones were answered, as
 * Slack's clicks would, so a slow server meets the full rate instead of slowing the bench down.
 */
export interface OpenLoopOptions {
  perSecond: number;
  seconds: number;
  /** Sends request `index`; resolves with its HTTP status (or rejects on a network error). */
  send(index: number): Promise<number>;
}

export interface Answer {
  atSeconds: number;
  ms: number;
}

export interface OpenLoopResult {
  sent: number;
  /** By HTTP status; `error` for network errors. */
  statuses: Record<string, number>;
  /** Client-observed send → response of the requests answered 200: when sent (s into the load), how long (ms). */
  answers: Answer[];
  /** How late the generator sent each request after its scheduled time, ms: its own lag. */
  lags: number[];
  /** performance.now() of the first scheduled send and of the last answer. */
  startedAt: number;
  finishedAt: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.round(options.perSecond * options.seconds);
  const intervalMs = 1000 / options.perSecond;
  const result: OpenLoopResult = {
    sent: 0,
    statuses: {},
    answers: [],
    lags: [],
    startedAt: performance.now(),
    finishedAt: 0,
  };
  const inFlight = new Set<Promise<void>>();
  const count = (key: string) => {
    result.statuses[key] = (result.statuses[key] ?? 0) + 1;
  };
  while (result.sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - result.startedAt) / intervalMs) + 1);
    for (; result.sent < due; result.sent++) {
      const index = result.sent;
      const sentAt = performance.now();
      result.lags.push(sentAt - (result.startedAt + index * intervalMs));
      const request = options
        .send(index)
        .then((status) => {
          count(String(status));
          if (status === 200)
            result.answers.push({
              atSeconds: (sentAt - result.startedAt) / 1000,
              ms: performance.now() - sentAt,
            });
        })
        .catch(() => count('error'))
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await sleep(Math.max(1, result.startedAt + result.sent * intervalMs - performance.now()));
  }
  await Promise.all(inFlight);
  result.finishedAt = performance.now();
  return result;
}
