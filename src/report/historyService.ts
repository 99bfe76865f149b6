import type { ChecklistLibrary } from '../checklist/library.js';
import type { Database } from '../db/client.js';
import { selectRunSummaries, selectTroubleEvents } from '../runs/historyStore.js';
import { selectChecklist } from '../runs/store.js';
import { type ChecklistStats, checklistStats, type HistoryRun, historyRuns } from './history.js';

/** How many of a checklist's latest runs the median and the skip/fail counts look at. */
const STATS_WINDOW = 100;
/** Without a checklist named, the figures of at most this many checklists follow the list. */
const STATS_CHECKLISTS = 3;

export interface HistoryQuery {
  platform: string;
  channelId: string;
  checklist: string | null;
  limit: number;
}

export interface History {
  runs: HistoryRun[];
  stats: ChecklistStats[];
}

/** The I/O around the pure history figures: which runs, which events, which checklist names the items. */
export class RunHistory {
  readonly #db: Database;
  readonly #library: ChecklistLibrary | null;

  constructor(db: Database, library: ChecklistLibrary | null = null) {
    this.#db = db;
    this.#library = library;
  }

  async history(query: HistoryQuery): Promise<History> {
    // An alias (`web`) means its checklist (`web-deploy`); a name no file has any more is taken as written.
    const checklistName = query.checklist
      ? (this.#library?.find(query.checklist)?.name ?? query.checklist)
      : null;
    const rows = await selectRunSummaries(this.#db, {
      platform: query.platform,
      channelId: query.channelId,
      checklistName,
      limit: query.limit,
    });
    const names = checklistName
      ? [checklistName]
      : [...new Set(rows.map((row) => row.checklistName))].slice(0, STATS_CHECKLISTS);
    const stats: ChecklistStats[] = [];
    for (const name of names) stats.push(await this.#statsOf(query, name));
    return { runs: historyRuns(rows), stats };
  }

  async #statsOf(query: HistoryQuery, checklistName: string): Promise<ChecklistStats> {
    const rows = await selectRunSummaries(this.#db, {
      platform: query.platform,
      channelId: query.channelId,
      checklistName,
      limit: STATS_WINDOW,
    });
    const events = await selectTroubleEvents(
      this.#db,
      rows.filter((row) => row.endedAt !== null).map((row) => row.id),
    );
    const latest = rows[0];
    const checklist =
      this.#library?.find(checklistName) ?? (latest ? await selectChecklist(this.#db, latest.id) : undefined);
    return checklistStats(checklistName, rows, events, checklist ?? null);
  }
}
