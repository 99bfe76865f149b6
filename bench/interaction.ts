/**
 * The interaction path under load, end to end: the built product in Slack's HTTP mode against the fake
 * Slack API, 50 runs, and an open-loop generator sending signed item clicks at 200/s for 30 s.
 *
 *   node --import tsx bench/interaction.ts        (npm run bench runs it; build first: npm run -s build)
 *
 * Figures, never pass/fail, written to bench/results/interaction.json:
 * - receipt → ack and receipt → commit p50/p99 as the product reports them at /metrics (its 60 s Summary,
 *   read at the end of the load; the runs are started early enough that only the clicks are in it),
 *   beside the same from its histogram over the load window, and the client-observed HTTP latency;
 * - the floor: one single-row update transaction on the same database, timed during the load;
 * - chat.update calls per message per second during the load, and the product's coalesced count;
 * - the product's resident memory during the load.
 *
 * The fake answers with Slack's own tiers (test/fakes/slack/server.ts), so a 429 is one Slack would send.
 * With DATABASE_URL set it uses a fresh database on that server (dropped after); unset, embedded PGlite
 * in a temporary directory.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { type FakeEphemeral, FakeSlack, type RecordedCall } from '../test/fakes/slack/server.js';
import { type FakeUser, SlackWorkspace, signRequest } from '../test/fakes/slack/workspace.js';
import { freePort } from '../test/support/builtProduct.js';
import { clickBody, clickSequence, type PreparedClick, tickableItems } from './support/clicks.js';
import { type BenchDatabase, createBenchDatabase } from './support/database.js';
import { openFloor } from './support/floor.js';
import { type Answer, runOpenLoop } from './support/openLoop.js';
import {
  residentMb,
  type Shipcheck,
  sleep,
  spawnShipcheck,
  stopShipcheck,
  waitForOk,
} from './support/processes.js';
import { histogramQuantile, metricValue, type Sample, scrape } from './support/prometheus.js';
import { progress, writeResult } from './support/results.js';
import { median, percentile, ratio, round, spreadOf } from './support/stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const CLICKS_PER_SECOND = Number(process.env.BENCH_CLICKS_PER_SECOND ?? 200);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 30);
const CHECKLIST = process.env.BENCH_CHECKLIST ?? 'redis-cluster-websocket';
const FLOOR_EVERY_MS = 50;
const STOP_GRACE_MS = 10_000;
/** The product's Summary keeps 60 s: the run starts must be older than that when it is read. */
const SUMMARY_WINDOW_SECONDS = 60;
const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
/** What the figures are read from; a name missing here is reported, not guessed around. */
const EXPECTED_METRICS = [
  'shipcheck_interaction_quantile_seconds',
  'shipcheck_interaction_seconds',
  'shipcheck_chat_api_calls_total',
  'shipcheck_message_updates_coalesced_total',
];
const PEOPLE: FakeUser[] = Array.from({ length: 10 }, (_, index) => ({
  id: `U0BENCH${String(index).padStart(2, '0')}`,
  name: `person${index}`,
}));

interface Product {
  shipcheck: Shipcheck;
  baseUrl: string;
  eventsUrl: string;
}

async function startProduct(fake: FakeSlack, database: BenchDatabase): Promise<Product> {
  const port = await freePort();
  const shipcheck = spawnShipcheck({
    ...database.env,
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_APP_TOKEN: '',
    SLACK_API_URL: fake.apiUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const eventsUrl = `${baseUrl}/slack/events`;
  await waitForOk(`${baseUrl}/health/ready`, 60_000);
  await waitForSlackRoute(eventsUrl);
  return { shipcheck, baseUrl, eventsUrl };
}

/** The Slack route is added once the adapter is up: until then the router answers 404. */
async function waitForSlackRoute(eventsUrl: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const response = await fetch(eventsUrl, { method: 'POST', body: '' });
    await response.arrayBuffer();
    if (response.status !== 404) return;
    await sleep(50);
  }
  throw new Error('the product never took Slack requests at /slack/events');
}

const channelOf = (index: number) => `CBENCH${String(index).padStart(3, '0')}`;

/** Starts one run per channel and waits until each has posted as many messages as the first did. */
async function startRuns(fake: FakeSlack, workspace: SlackWorkspace): Promise<number> {
  const postedIn = (channel: string) => {
    const summary = fake.messages(channel).at(-1);
    return summary ? 1 + fake.thread(channel, summary.ts).length : 0;
  };
  await workspace.slash(PEOPLE[0] as FakeUser, channelOf(0), `start ${CHECKLIST} v0`);
  const perRun = await settledCount(() => postedIn(channelOf(0)));
  const rest = Array.from({ length: RUNS - 1 }, (_, index) => index + 1);
  // Ten at a time: a person starts runs, nobody starts fifty in the same millisecond.
  for (let from = 0; from < rest.length; from += 10) {
    await Promise.all(
      rest
        .slice(from, from + 10)
        .map((index) =>
          workspace.slash(
            PEOPLE[index % PEOPLE.length] as FakeUser,
            channelOf(index),
            `start ${CHECKLIST} v${index}`,
          ),
        ),
    );
  }
  const deadline = performance.now() + 120_000;
  while (rest.some((index) => postedIn(channelOf(index)) < perRun)) {
    if (performance.now() > deadline) throw new Error('the runs were not all posted within 120 s');
    await sleep(200);
  }
  return perRun;
}

/** Waits until `count()` is positive and has not changed for a second; returns it. */
async function settledCount(count: () => number): Promise<number> {
  const deadline = performance.now() + 60_000;
  let last = -1;
  let since = performance.now();
  while (performance.now() < deadline) {
    const now = count();
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (now > 0 && performance.now() - since > 1_000) return now;
    await sleep(100);
  }
  throw new Error('the first run never finished posting');
}

/** Click i goes to run i mod RUNS, so every run gets an even share, one click every RUNS/rate seconds. */
function planClicks(fake: FakeSlack, workspace: SlackWorkspace, total: number): PreparedClick[] {
  const perRun = Math.ceil(total / RUNS);
  const sequences = Array.from({ length: RUNS }, (_, index) =>
    clickSequence(workspace, tickableItems(fake, channelOf(index)), perRun, PEOPLE[0] as FakeUser),
  );
  for (const [index, sequence] of sequences.entries()) {
    if (sequence.length === 0) throw new Error(`run ${index} shows nothing to tick`);
  }
  return Array.from(
    { length: total },
    (_, index) => sequences[index % RUNS]?.[Math.floor(index / RUNS)] as PreparedClick,
  );
}

/** Samples the product's resident memory every half second until stopped. */
function sampleMemory(pid: number | undefined) {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(residentMb(pid)), 500);
  return {
    stop() {
      clearInterval(timer);
      return samples.filter(Number.isFinite);
    },
  };
}

async function stopAfterLoad(shipcheck: Shipcheck) {
  const stop = await stopShipcheck(shipcheck, STOP_GRACE_MS);
  return stop.forced
    ? { exited: `killed: still running ${STOP_GRACE_MS / 1000} s after SIGTERM` }
    : { exited: 'on SIGTERM', afterMs: round(stop.ms), exitCode: shipcheck.child.exitCode };
}

/** Commits of interactions between two scrapes. */
function committed(before: Sample[], after: Sample[]): number {
  const count = (samples: Sample[]) =>
    metricValue(samples, 'shipcheck_interaction_seconds_count', { platform: 'slack', stage: 'commit' }) || 0;
  return count(after) - count(before);
}

function slowest(answers: Answer[], count: number) {
  return [...answers]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count)
    .map((answer) => ({ atSeconds: round(answer.atSeconds), ms: round(answer.ms) }));
}

/** After the last click is answered, its work may still be queued: wait until every click has committed. */
async function drained(baseUrl: string, before: Sample[], clicks: number): Promise<Sample[]> {
  const deadline = performance.now() + 60_000;
  let samples = await scrape(baseUrl);
  while (performance.now() < deadline) {
    if (committed(before, samples) >= clicks) return samples;
    await sleep(250);
    samples = await scrape(baseUrl);
  }
  progress('not every click committed within 60 s of the end of the load; reading the metrics as they are');
  return samples;
}

function summaryQuantile(samples: Sample[], stage: string, quantile: string): number {
  return (
    metricValue(samples, 'shipcheck_interaction_quantile_seconds', { platform: 'slack', stage, quantile }) *
    1000
  );
}

/** The product's own view of one stage: its 60 s Summary, and its histogram over the load alone. */
function stageFigures(before: Sample[], after: Sample[], stage: string) {
  const labels = { platform: 'slack', stage };
  // Beyond the last finite bucket a histogram knows only a lower bound: shown as "> bound".
  const fromHistogram = (q: number) => {
    const quantile = histogramQuantile(before, after, 'shipcheck_interaction_seconds', labels, q);
    return quantile.atLeast === undefined ? round(quantile.value * 1000) : `> ${quantile.atLeast * 1000}`;
  };
  return {
    summaryP50Ms: round(summaryQuantile(after, stage, '0.5')),
    summaryP90Ms: round(summaryQuantile(after, stage, '0.9')),
    summaryP99Ms: round(summaryQuantile(after, stage, '0.99')),
    histogramP50Ms: fromHistogram(0.5),
    histogramP99Ms: fromHistogram(0.99),
    observed: histogramQuantile(before, after, 'shipcheck_interaction_seconds', labels, 0.5).count,
    overOneSecond: observedOver(before, after, labels, 1),
  };
}

/** How many observations of a histogram between two scrapes were above `seconds` (a bucket bound). */
function observedOver(
  before: Sample[],
  after: Sample[],
  labels: Record<string, string>,
  seconds: number,
): number {
  const count = (samples: Sample[], le: string) =>
    metricValue(samples, 'shipcheck_interaction_seconds_bucket', { ...labels, le }) || 0;
  return (
    count(after, '+Inf') -
    count(before, '+Inf') -
    (count(after, String(seconds)) - count(before, String(seconds)))
  );
}

/** Differences of a labelled counter between two scrapes, keyed by the labels that vary. */
function counterDelta(before: Sample[], after: Sample[], name: string, keyOf: (sample: Sample) => string) {
  const delta: Record<string, number> = {};
  for (const sample of after.filter((candidate) => candidate.name === name)) {
    const key = keyOf(sample);
    const earlier = before.find(
      (candidate) =>
        candidate.name === name && JSON.stringify(candidate.labels) === JSON.stringify(sample.labels),
    );
    const grown = sample.value - (earlier?.value ?? 0);
    if (grown > 0) delta[key] = (delta[key] ?? 0) + grown;
  }
  return delta;
}

/**
 * chat.update per message per second over the load window, from the fake's record of the calls: the
 * mean and the max over the messages that were clicked, and the most edits one message got in a second.
 */
/**
 * Per click: from sending it to the first rewrite of the clicked message after that (the click's own
 * response_url answer, or a later one that shows it too). A click with no rewrite after it is counted
 * apart, not given a time.
 */
function freshness(
  sent: { key: string; at: number }[],
  replaced: { channel: string; ts: string; at: number }[],
) {
  const byMessage = new Map<string, number[]>();
  for (const rewrite of replaced) {
    const key = `${rewrite.channel}:${rewrite.ts}`;
    const times = byMessage.get(key) ?? [];
    times.push(rewrite.at);
    byMessage.set(key, times);
  }
  const waits: number[] = [];
  let neverShown = 0;
  for (const click of sent) {
    const after = byMessage.get(click.key)?.find((at) => at >= click.at);
    if (after === undefined) neverShown++;
    else waits.push(after - click.at);
  }
  return { ...spreadOf(waits), clicks: sent.length, withoutRewrite: neverShown };
}

function coalescingFigures(calls: RecordedCall[], clicks: PreparedClick[], seconds: number) {
  const clicksPerMessage = new Map<string, number>();
  for (const click of clicks)
    clicksPerMessage.set(click.messageKey, (clicksPerMessage.get(click.messageKey) ?? 0) + 1);
  const updates = new Map<string, number[]>();
  for (const call of calls.filter(
    (candidate) => candidate.method === 'chat.update' && candidate.outcome === 'ok',
  )) {
    const key = `${String(call.args.channel)}:${String(call.args.ts)}`;
    updates.set(key, [...(updates.get(key) ?? []), call.at]);
  }
  const perSecond = [...clicksPerMessage.keys()].map((key) => (updates.get(key)?.length ?? 0) / seconds);
  let mostInOneSecond = 0;
  for (const times of updates.values()) {
    for (const [index, start] of times.entries()) {
      mostInOneSecond = Math.max(
        mostInOneSecond,
        times.slice(index).filter((time) => time - start < 1_000).length,
      );
    }
  }
  const updateCalls = [...updates.values()].reduce((sum, times) => sum + times.length, 0);
  return {
    messagesClicked: clicksPerMessage.size,
    messagesEdited: [...clicksPerMessage.keys()].filter((key) => updates.has(key)).length,
    clicksPerMessagePerSecond: round(median([...clicksPerMessage.values()]) / seconds),
    updatesPerMessagePerSecondMean:
      Math.round((perSecond.reduce((sum, value) => sum + value, 0) / perSecond.length) * 1000) / 1000,
    updatesPerMessagePerSecondMax: Math.round(Math.max(...perSecond) * 1000) / 1000,
    mostUpdatesOfOneMessageInOneSecond: mostInOneSecond,
    chatUpdateCallsOk: updateCalls,
    chatUpdateCallsPerSecond: round(updateCalls / seconds),
    answered429: calls.filter((call) => call.outcome === 'ratelimited').length,
    callsByMethod: countBy(calls, (call) => `${call.method} ${call.outcome}`),
  };
}

/** prom-client's event loop delay of the product since the previous scrape (it resets at each one). */
function eventLoopDelay(samples: Sample[]) {
  const seconds = (name: string) => round(metricValue(samples, name) * 1000);
  return {
    p50: seconds('nodejs_eventloop_lag_p50_seconds'),
    p99: seconds('nodejs_eventloop_lag_p99_seconds'),
    max: seconds('nodejs_eventloop_lag_max_seconds'),
  };
}

function noticesOf(notices: FakeEphemeral[]) {
  return { count: notices.length, texts: countBy(notices, (notice) => notice.text.slice(0, 160)) };
}

function countBy<T>(items: T[], keyOf: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  return counts;
}

async function main(): Promise<void> {
  const fake = new FakeSlack();
  await fake.start();
  const database = await createBenchDatabase(process.env.DATABASE_URL);
  let product: Product | null = null;
  // Keep-alive connections, enough of them that a slow moment never queues clicks inside the bench:
  // the load stays open-loop, and what the client measures is the product's answer time.
  const agent = new Agent({ connections: 512, keepAliveTimeout: 30_000, pipelining: 1 });
  try {
    progress(`interaction: starting the product (Slack HTTP mode, ${database.kind})`);
    product = await startProduct(fake, database);
    const { eventsUrl, baseUrl } = product;
    const pid = product.shipcheck.child.pid;
    const workspace = new SlackWorkspace(fake, {
      kind: 'http',
      url: eventsUrl,
      signingSecret: SIGNING_SECRET,
    });

    progress(`interaction: starting ${RUNS} runs of ${CHECKLIST}`);
    const setupStarted = performance.now();
    const messagesPerRun = await startRuns(fake, workspace);
    const setupMs = performance.now() - setupStarted;
    const total = CLICKS_PER_SECOND * LOAD_SECONDS;
    const clicks = planClicks(fake, workspace, total);

    // The starts are in the product's 60 s Summary: wait until they have left it by the time it is read.
    const quietMs =
      Number(process.env.BENCH_QUIET_SECONDS ?? Math.max(0, SUMMARY_WINDOW_SECONDS - LOAD_SECONDS + 2)) *
      1000;
    progress(`interaction: ${Math.round(quietMs / 1000)} s quiet, so the Summary holds only the clicks`);
    const idleMemory = sampleMemory(pid);
    await sleep(quietMs);
    const idleSamples = idleMemory.stop();

    const floor = await openFloor(database.url);
    const before = await scrape(baseUrl);
    const callsBefore = fake.calls.length;
    const ephemeralsBefore = fake.ephemerals.length;
    const loadMemory = sampleMemory(pid);
    progress(`interaction: ${CLICKS_PER_SECOND} clicks/s for ${LOAD_SECONDS} s over ${RUNS} runs`);
    const benchLoop = monitorEventLoopDelay({ resolution: 10 });
    benchLoop.enable();
    floor.start(FLOOR_EVERY_MS);
    // When each click was sent and on which message: matched after the load to the rewrites of that message.
    const sentAt: { key: string; at: number }[] = [];
    const replacementsBefore = fake.replacements.length;
    // When the client opened and lost connections: a stall seen only by the client shows up here.
    const connections: { event: 'connect' | 'disconnect'; at: number }[] = [];
    const loadStarted = performance.now();
    agent.on('connect', () =>
      connections.push({ event: 'connect', at: (performance.now() - loadStarted) / 1000 }),
    );
    agent.on('disconnect', () =>
      connections.push({ event: 'disconnect', at: (performance.now() - loadStarted) / 1000 }),
    );
    const load = await runOpenLoop({
      perSecond: CLICKS_PER_SECOND,
      seconds: LOAD_SECONDS,
      async send(index) {
        const click = clicks[index] as PreparedClick;
        sentAt.push({ key: click.messageKey, at: Date.now() });
        const body = clickBody(click, PEOPLE[index % PEOPLE.length] as FakeUser, fake.nextActionTs());
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await request(eventsUrl, {
          method: 'POST',
          dispatcher: agent,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': signRequest(SIGNING_SECRET, timestamp, body),
          },
          body,
        });
        await response.body.dump();
        return response.statusCode;
      },
    });
    benchLoop.disable();
    const loadCalls = fake.calls.slice(callsBefore);
    const floorTimes = await floor.stop();
    await floor.close();
    // prom-client resets its event loop histogram at every scrape: this one covers exactly the load.
    const atLoadEnd = await scrape(baseUrl);
    const loadEndedAt = performance.now();
    const after = await drained(baseUrl, before, load.sent);
    const drainedAt = performance.now();
    const loadSamples = loadMemory.stop();

    const ack = stageFigures(before, after, 'ack');
    const commit = stageFigures(before, after, 'commit');
    const floorSpread = spreadOf(floorTimes);
    const figures = {
      database: database.kind,
      checklist: CHECKLIST,
      runs: RUNS,
      messagesPerRun,
      setupSeconds: round(setupMs / 1000),
      fakeSlackTiers: 'Slack’s own (test/fakes/slack/server.ts defaults)',
      load: {
        clicksPerSecond: CLICKS_PER_SECOND,
        seconds: LOAD_SECONDS,
        sent: load.sent,
        statuses: load.statuses,
        clientLatencyMs: spreadOf(load.answers.map((answer) => answer.ms)),
        // The first clicks of each run after a quiet spell find nothing warm: shown apart, not hidden.
        clientLatencyAfterFirstSecondMs: spreadOf(
          load.answers.filter((answer) => answer.atSeconds >= 1).map((answer) => answer.ms),
        ),
        answersOverOneSecond: load.answers.filter((answer) => answer.ms > 1_000).length,
        slowestAnswers: slowest(load.answers, 10),
        clientConnections: {
          opened: connections.filter((entry) => entry.event === 'connect').length,
          lost: connections.filter((entry) => entry.event === 'disconnect').length,
          /** Opened per second of the load: a burst of new connections is a queue somewhere. */
          openedPerSecond: countBy(
            connections.filter((entry) => entry.event === 'connect'),
            (entry) => String(Math.floor(entry.at)),
          ),
        },
        committedDuringLoad: committed(before, atLoadEnd),
        drainSeconds: round((drainedAt - loadEndedAt) / 1000),
        generatorLagMs: { p50: round(percentile(load.lags, 50)), p99: round(percentile(load.lags, 99)) },
        answeredWithinSeconds: round((load.finishedAt - load.startedAt) / 1000),
      },
      // The headline: what the person clicking waits for, and when the message they clicked shows it.
      headline: {
        clientRoundTripMs: spreadOf(load.answers.map((answer) => answer.ms)),
        clickedMessageFreshnessMs: freshness(sentAt, fake.replacements.slice(replacementsBefore)),
      },
      ack,
      commit,
      floor: { label: floor.label, everyMs: FLOOR_EVERY_MS, ...floorSpread },
      commitP99OverFloorP99: ratio(commit.summaryP99Ms, floorSpread.p99),
      // Every click is valid in the order sent: a notice to the clicker means one was refused or failed.
      noticesToClickers: noticesOf(fake.ephemerals.slice(ephemeralsBefore)),
      chatApiCalls: counterDelta(
        before,
        after,
        'shipcheck_chat_api_calls_total',
        (sample) => `${sample.labels.method} ${sample.labels.outcome}`,
      ),
      coalescing: {
        ...coalescingFigures(loadCalls, clicks, LOAD_SECONDS),
        productCoalesced:
          counterDelta(before, after, 'shipcheck_message_updates_coalesced_total', () => 'slack').slack ?? 0,
      },
      // Time a request waits for the product's event loop is before its "receipt": the client sees it, /metrics cannot.
      productEventLoopDelayMs: eventLoopDelay(atLoadEnd),
      // One process, one thread for JavaScript: near 1 s/s it is CPU-bound whatever the database does.
      productCpuSecondsPerSecond: round(
        (metricValue(atLoadEnd, 'process_cpu_seconds_total') -
          metricValue(before, 'process_cpu_seconds_total')) /
          LOAD_SECONDS,
      ),
      benchEventLoopDelayMs: {
        p50: round(benchLoop.percentile(50) / 1e6),
        p99: round(benchLoop.percentile(99) / 1e6),
        max: round(benchLoop.max / 1e6),
      },
      memoryMb: {
        idleWithRunsMax: round(Math.max(...idleSamples)),
        underLoadMax: round(Math.max(...loadSamples)),
        underLoadMedian: round(median(loadSamples)),
      },
      missingMetrics: EXPECTED_METRICS.filter(
        (name) => !after.some((sample) => sample.name.startsWith(name)),
      ),
      // With the edits the load left queued, does SIGTERM still stop it within a deploy's grace period?
      stopAfterLoad: await stopAfterLoad(product.shipcheck),
    };
    writeResult('interaction', figures);
    console.log(JSON.stringify(figures, null, 2));
  } catch (error) {
    if (product) process.stderr.write(`product log (tail):\n${product.shipcheck.log.text.slice(-4_000)}\n`);
    throw error;
  } finally {
    if (product) await stopShipcheck(product.shipcheck, STOP_GRACE_MS);
    await agent.close();
    await fake.close();
    await database.drop();
  }
}

await main();
