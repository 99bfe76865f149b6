import type { RunService } from '../runs/service.js';
import type { RunState } from '../runs/types.js';
import { buildReport } from './build.js';
import { renderHistoryText } from './history.js';
import type { RunHistory } from './historyService.js';
import { renderReportShort } from './render.js';
import type { Report } from './types.js';

/** What the chat layer needs from the report module: the run's report, and a channel's history, as text. */

/** Gives the web page of a run; the chat layer prints it when Shipcheck serves pages. */
export interface RunLinks {
  link(runId: string): string;
}

export interface ReportDeps {
  runs: RunService;
  history?: RunHistory | undefined;
  links?: RunLinks | undefined;
}

/** The report of a run as it stands: its stored events replayed against its frozen checklist. */
export async function reportOf(runs: RunService, run: RunState, now = new Date()): Promise<Report> {
  const events = await runs.events(run.id);
  return buildReport({ runId: run.id, checklist: run.checklist, events, now });
}

/** The short report posted in the run's thread when it ends, and again on `/deploy report`. */
export async function chatReport(deps: ReportDeps, run: RunState): Promise<string> {
  const report = await reportOf(deps.runs, run);
  return renderReportShort(report, { link: deps.links?.link(run.id) ?? null });
}

/** The run `/deploy report` means: the one named, else the channel's active one, else its latest. */
export async function runToReport(
  deps: ReportDeps,
  where: { platform: string; channelId: string },
  runId: string | null,
): Promise<RunState | string> {
  if (runId) return (await deps.runs.get(runId)) ?? `there is no run ${runId}.`;
  const active = await deps.runs.activeRun(where.platform, where.channelId);
  if (active) return active;
  const [latest] = await deps.runs.recentRuns(where.platform, where.channelId, 1);
  const run = latest ? await deps.runs.get(latest.id) : null;
  return run ?? 'no run has happened in this channel yet. /deploy start <checklist> begins one.';
}

export const HISTORY_DEFAULT_LIMIT = 10;
export const HISTORY_MAX_LIMIT = 50;

export async function historyText(
  deps: ReportDeps,
  where: { platform: string; channelId: string },
  checklist: string | null,
  limit: number | null,
): Promise<string> {
  if (!deps.history) return 'run history is not available in this Shipcheck.';
  const history = await deps.history.history({
    platform: where.platform,
    channelId: where.channelId,
    checklist,
    limit: Math.min(limit ?? HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT),
  });
  if (checklist && history.runs.length === 0) return `no runs of “${checklist}” here yet.`;
  return renderHistoryText(history.runs, history.stats);
}
