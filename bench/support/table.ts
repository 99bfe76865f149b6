/**
 * The one table `npm run bench` ends with: each figure, and the issue's target beside it where it has
 * one. It reads the same figures as bench/results/latest.json; a missing figure shows as "n/a".
 */

type Figures = Record<string, unknown>;
type Row = { figure: string; value: string; target?: string };
type Section = { title: string; rows: Row[] };

/** A nested figure by path (`interaction.ack.summaryP99Ms`), or undefined. */
function at(figures: unknown, path: string): unknown {
  let value: unknown = figures;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Figures)[key];
  }
  return value;
}

function ratePerSecond(count: unknown, seconds: unknown): number {
  return typeof count === 'number' && typeof seconds === 'number' ? Math.round(count / seconds) : Number.NaN;
}

function stopText(stop: unknown): string {
  const afterMs = at(stop, 'afterMs');
  return `${show(at(stop, 'exited'))}${afterMs === undefined ? '' : ` after ${show(afterMs)} ms`}`;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'n/a';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'n/a';
  return String(value);
}

/** `p50 / p99 unit` from two paths. */
function pair(figures: unknown, first: string, second: string, unit = 'ms'): string {
  return `${show(at(figures, first))} / ${show(at(figures, second))} ${unit}`;
}

function interactionSection(figures: Figures): Section | null {
  const load = figures.interaction as Figures | undefined;
  if (!load) return null;
  const floorLabel = String(at(load, 'floor.label') ?? '');
  return {
    title: `1. interaction path: ${show(load.runs)} runs, ${show(at(load, 'load.clicksPerSecond'))} clicks/s for ${show(at(load, 'load.seconds'))} s, Slack HTTP receiver`,
    rows: [
      {
        figure: 'headline: round trip p50 / p99, as the clicking client sees it',
        value: pair(load, 'headline.clientRoundTripMs.p50', 'headline.clientRoundTripMs.p99'),
        target: 'p99 < 100 ms',
      },
      {
        figure: 'headline: click → clicked message shows it, p50 / p99',
        value: `${pair(load, 'headline.clickedMessageFreshnessMs.p50', 'headline.clickedMessageFreshnessMs.p99')} (${show(at(load, 'headline.clickedMessageFreshnessMs.count'))} of ${show(at(load, 'headline.clickedMessageFreshnessMs.clicks'))} clicks)`,
        target: 'p99 < 1000 ms',
      },
      {
        figure: 'receipt → ack p50 / p99 (product /metrics)',
        value: pair(load, 'ack.summaryP50Ms', 'ack.summaryP99Ms'),
        target: 'p99 < 50 ms (Slack allows 3000)',
      },
      {
        figure: 'client connections opened / lost during the load',
        value: `${show(at(load, 'load.clientConnections.opened'))} / ${show(at(load, 'load.clientConnections.lost'))}`,
      },
      {
        figure: 'HTTP round trip p50 / p99 (bench client)',
        value: pair(load, 'load.clientLatencyMs.p50', 'load.clientLatencyMs.p99'),
      },
      {
        figure: 'receipt → commit p50 / p99 (product /metrics)',
        value: pair(load, 'commit.summaryP50Ms', 'commit.summaryP99Ms'),
        target: 'p99 within 5× the floor p99',
      },
      {
        figure: `floor: 1-row update tx p50 / p99${floorLabel.startsWith('PGlite') ? ' (PGlite in memory, bench process)' : ''}`,
        value: pair(load, 'floor.p50', 'floor.p99'),
      },
      { figure: 'commit p99 / floor p99', value: `${show(load.commitP99OverFloorP99)}×`, target: '≤ 5×' },
      {
        figure: 'clicks answered 200 / sent; notices to clickers',
        value: `${show(at(load, 'load.statuses.200'))} / ${show(at(load, 'load.sent'))}; ${show(at(load, 'noticesToClickers.count'))}`,
      },
      {
        figure: 'answers over 1 s: seen by the bench / acks over 1 s in /metrics',
        value: `${show(at(load, 'load.answersOverOneSecond'))} / ${show(at(load, 'ack.overOneSecond'))}`,
      },
      {
        figure: 'HTTP round trip p99, clicks sent after the first second',
        value: `${show(at(load, 'load.clientLatencyAfterFirstSecondMs.p99'))} ms`,
      },
      {
        figure: 'commits per second during the load; drain after it',
        value: `${show(ratePerSecond(at(load, 'load.committedDuringLoad'), at(load, 'load.seconds')))} /s; ${show(at(load, 'load.drainSeconds'))} s`,
      },
      { figure: 'product CPU during the load', value: `${show(at(load, 'productCpuSecondsPerSecond'))} s/s` },
      {
        figure: 'event loop delay p99 / max: product; bench',
        value: `${pair(load, 'productEventLoopDelayMs.p99', 'productEventLoopDelayMs.max')}; ${pair(load, 'benchEventLoopDelayMs.p99', 'benchEventLoopDelayMs.max')}`,
      },
    ],
  };
}

function coalescingSection(figures: Figures): Section | null {
  const coalescing = at(figures, 'interaction.coalescing') as Figures | undefined;
  if (!coalescing) return null;
  return {
    title: '2. update coalescing during that load (fake Slack with Slack’s tiers)',
    rows: [
      {
        figure: 'chat.update per message per second, mean / max',
        value: pair(coalescing, 'updatesPerMessagePerSecondMean', 'updatesPerMessagePerSecondMax', '/s'),
      },
      {
        figure: 'clicks per message per second (median)',
        value: `${show(coalescing.clicksPerMessagePerSecond)} /s`,
      },
      {
        figure: 'most edits of one message in one second',
        value: show(coalescing.mostUpdatesOfOneMessageInOneSecond),
      },
      {
        figure: 'chat.update calls per second, all messages',
        value: `${show(coalescing.chatUpdateCallsPerSecond)} /s`,
      },
      {
        figure: 'messages clicked / edited during the load',
        value: `${show(coalescing.messagesClicked)} / ${show(coalescing.messagesEdited)}`,
      },
      { figure: 'edits coalesced by the product', value: show(coalescing.productCoalesced) },
      { figure: 'answered 429 by the fake', value: show(coalescing.answered429) },
      {
        figure: 'SIGTERM right after the load',
        value: stopText(at(figures, 'interaction.stopAfterLoad')),
      },
    ],
  };
}

function timersSection(figures: Figures): Section | null {
  const results = at(figures, 'timers.results') as Figures[] | undefined;
  if (!results) return null;
  const spread = show(at(figures, 'timers.spreadSeconds'));
  return {
    title: '3. timers: lateness (fired − due) of 1,000 jobs',
    rows: results.map((result) => ({
      figure: `${result.scenario === 'burst' ? 'due at once' : `${result.scenario === 'spread+slow' ? 'one 5 s job in 20, ' : ''}spread over ${spread} s`}, ${show(result.workers)} worker(s): p50 / p99`,
      value: pair(result, 'p50Ms', 'p99Ms'),
      target: 'p99 < 1000 ms',
    })),
  };
}

function pagingSection(figures: Figures): Section | null {
  const paging = figures.paging as Figures | undefined;
  if (!paging) return null;
  return {
    title: `3b. paging: ${show(paging.pages)} pages, a webhook that takes ${show(paging['webhook answer ms'])} ms to answer`,
    rows: [
      {
        figure: 'slow webhook: delivered / expected',
        value: show(paging['slow webhook: delivered / expected']),
        target: 'all, each once',
      },
      {
        figure: 'slow webhook: requests per delivery (max)',
        value: show(paging['slow webhook: requests per delivery key (max)']),
        target: '1',
      },
      {
        figure: 'fast notifier: delivered / expected',
        value: show(paging['fast notifier: delivered / expected']),
      },
      {
        figure: 'fast notifier lateness p50 / p99',
        value: pair(paging, 'fast notifier lateness p50 ms', 'fast notifier lateness p99 ms'),
        target: 'p99 < 1000 ms',
      },
    ],
  };
}

function checksSection(figures: Figures): Section | null {
  const checks = figures.checks as Figures | undefined;
  if (!checks) return null;
  return {
    title: '4. checks: 20 HTTP checks of one section, wall time / slowest check',
    rows: Object.entries(checks)
      .filter(([, value]) => typeof value === 'object' && value !== null)
      .map(([name, value]) => ({
        figure: name,
        // checks.ts names its figures in words (with dots in them): read them by name, not by path.
        value: `${show((value as Figures)['ratio (target ≤ 1.5)'])} (worst round ${show((value as Figures)['ratio worst of rounds'])})`,
        target: '≤ 1.5',
      })),
  };
}

function commandsSection(figures: Figures): Section | null {
  const commands = figures.commands as Figures | undefined;
  if (!commands) return null;
  return {
    title: `6. reading /deploy lines (longest read: ${show(commands['longest command read (chars)'])} chars), now vs the old regex`,
    rows: Object.entries(commands)
      .filter(([, value]) => typeof value === 'object' && value !== null)
      .map(([name, value]) => ({
        figure: name,
        value: `${show((value as Figures)['ms now'])} ms (before ${show((value as Figures)['ms before (old regex, first 40,000 chars)'])} ms)`,
        target: '< 10 ms',
      })),
  };
}

function startupSection(figures: Figures): Section | null {
  const startup = figures.startup as Figures | undefined;
  const load = figures.interaction as Figures | undefined;
  if (!startup && !load) return null;
  return {
    title: '5. start-up and memory',
    rows: [
      {
        figure: 'spawn → /health/ready, first start (empty database)',
        value: `${show(startup?.firstStartMs)} ms`,
      },
      {
        figure: 'spawn → /health/ready, restart (median)',
        value: `${show(startup?.readyMsMedian)} ms`,
        target: '< 2000 ms',
      },
      {
        figure: 'resident memory idle (terminal channel)',
        value: `${show(startup?.residentIdleMb)} MB`,
        target: '< 200 MB',
      },
      {
        figure: 'resident memory idle with the 50 runs',
        value: `${show(at(load, 'memoryMb.idleWithRunsMax'))} MB`,
      },
      {
        figure: 'resident memory under load (max)',
        value: `${show(at(load, 'memoryMb.underLoadMax'))} MB`,
        target: '< 200 MB',
      },
    ],
  };
}

/** run.ts's own figures as it names them: it grows with the product, so it is shown key by key. */
function commandPathSection(figures: Figures): Section | null {
  const commandPath = figures.commandPath as Figures | undefined;
  if (!commandPath) return null;
  return {
    title: 'parse and command path (bench/run.ts)',
    rows: Object.entries(commandPath).map(([figure, value]) => ({ figure, value: show(value) })),
  };
}

function crashSection(figures: Figures): Section | null {
  const crash = figures.crash as Figures | undefined;
  if (!crash) return null;
  return {
    title: `kill -9 mid-burst: ${show(crash.sent)} clicks sent over ${show(crash.runs)} runs, ${show(crash.inFlight)} in flight, SIGKILL after ${show(crash.killAfter)} answers`,
    rows: [
      {
        figure: 'answered as accepted / stored after restart',
        value: `${show(crash.answered)} / ${show(crash.stored)}`,
      },
      { figure: 'answered but lost', value: show(crash.answeredButLost), target: '0' },
      { figure: 'items applied twice', value: show(crash.appliedTwice), target: '0' },
      { figure: 'restart → taking requests', value: `${show(crash.restartMs)} ms` },
    ],
  };
}

export function printTable(figures: Figures): void {
  const sections = [
    interactionSection(figures),
    coalescingSection(figures),
    timersSection(figures),
    pagingSection(figures),
    checksSection(figures),
    startupSection(figures),
    commandsSection(figures),
    commandPathSection(figures),
    crashSection(figures),
  ].filter((section): section is Section => section !== null);
  const rows = sections.flatMap((section) => section.rows);
  const figureWidth = Math.max(...rows.map((row) => row.figure.length));
  const valueWidth = Math.max(...rows.map((row) => row.value.length));
  console.log(
    `\nShipcheck bench · ${show(figures.database)} · node ${show(figures.node)} · ${show(figures.cpus)} cpus · load ${show(at(figures, 'loadAverageAtStart.0'))} · ${show(figures.date)}`,
  );
  for (const section of sections) {
    console.log(`\n${section.title}`);
    for (const row of section.rows) {
      const target = row.target ? `  target: ${row.target}` : '';
      console.log(`  ${row.figure.padEnd(figureWidth)}  ${row.value.padEnd(valueWidth)}${target}`.trimEnd());
    }
  }
  for (const [name, problem] of Object.entries((figures.failures as Figures | undefined) ?? {})) {
    console.log(`\n${name} did not finish: ${String(problem).split('\n')[0]}`);
  }
}
