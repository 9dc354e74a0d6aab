// The bench's measurements against real processes: memory and startup, sustained ingest, press → alert latency.
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { benchConfig, PRESS_PENDANT_ID, pressSequence } from './configs.js';
import { spawnTracked, stopChild } from './children.js';
import type { Figure } from './figures.js';
import { spawnHub, type HubHandle } from './hubProcess.js';
import { measurePresses, type PressRun } from './latency.js';
import { startLoad } from './load.js';
import { summarise } from './stats.js';

export interface PhaseContext {
  quick: boolean;
  note(text: string): void;
}

const MB = 1024 * 1024;
const SCHEME_FLATS = 200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Largest RSS seen while `work` runs, sampled every 100 ms. */
async function peakRssDuring<T>(hub: HubHandle, work: Promise<T>): Promise<{ result: T; peakBytes: number | null }> {
  let peak: number | null = null;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const rss = hub.rssBytes();
      if (rss !== null) peak = Math.max(peak ?? 0, rss);
      await sleep(100);
    }
  })();
  try {
    return { result: await work, peakBytes: peak };
  } finally {
    running = false;
    await sampler;
  }
}

function memoryFigures(key: string, label: string, limitMb: number, idle: number | null, loaded: number | null, heapIdle: number | null, heapLoaded: number | null, loadNote: string): Figure[] {
  const heapNote = 'heap not exposed by /metrics';
  return [
    { key: `${key}.rss.idle`, section: 'memory', label: `${label}, idle: RSS`, value: idle === null ? null : idle / MB, unit: 'MB', target: { op: '<=', value: limitMb }, note: 'no /proc' },
    { key: `${key}.rss.load`, section: 'memory', label: `${label}, ${loadNote}: peak RSS`, value: loaded === null ? null : loaded / MB, unit: 'MB', target: { op: '<=', value: limitMb }, note: 'no /proc' },
    { key: `${key}.heap.idle`, section: 'memory', label: `${label}, idle: V8 heap used`, value: heapIdle === null ? null : heapIdle / MB, unit: 'MB', note: heapNote },
    { key: `${key}.heap.load`, section: 'memory', label: `${label}, after load: V8 heap used`, value: heapLoaded === null ? null : heapLoaded / MB, unit: 'MB', note: heapNote },
  ];
}

/** One flat: startup, memory idle and while its simulated days are published at 200 events/s. */
export async function oneHomePhase(ctx: PhaseContext): Promise<Figure[]> {
  const hub = await spawnHub(benchConfig(1), 'home');
  try {
    const figures: Figure[] = [
      { key: 'startup.home', section: 'startup', label: 'spawn → /api/health ok, one flat, first start', value: hub.startupMs, unit: 'ms' },
    ];
    ctx.note('one flat: idle');
    await sleep(ctx.quick ? 500 : 3000);
    const idle = hub.rssBytes();
    const heapIdle = await hub.heapUsedBytes();
    ctx.note('one flat: under load');
    const rate = 200;
    const load = startLoad({ mqttUrl: hub.mqttUrl, homes: 1, days: 60, rate, durationS: ctx.quick ? 2 : 10, seed: 11 });
    const { peakBytes } = await peakRssDuring(hub, load.done);
    const heapLoaded = await hub.heapUsedBytes();
    figures.push(...memoryFigures('memory.home', 'one flat', 60, idle, peakBytes, heapIdle, heapLoaded, `${rate} events/s`));
    return figures;
  } finally {
    await hub.stop();
  }
}

/** 200 flats: startup, memory idle and at 1,000 events/s, then sustained ingest flat out with the storage lag. */
export async function schemePhase(ctx: PhaseContext): Promise<Figure[]> {
  const flats = SCHEME_FLATS;
  const hub = await spawnHub(benchConfig(flats), 'scheme');
  try {
    const figures: Figure[] = [
      { key: 'startup.scheme', section: 'startup', label: `spawn → /api/health ok, ${flats} flats, first start`, value: hub.startupMs, unit: 'ms' },
    ];
    ctx.note(`${flats} flats: idle`);
    await sleep(ctx.quick ? 500 : 3000);
    const idle = hub.rssBytes();
    const heapIdle = await hub.heapUsedBytes();
    ctx.note(`${flats} flats: 1,000 events/s`);
    const load = startLoad({ mqttUrl: hub.mqttUrl, homes: flats, days: 2, rate: 1000, durationS: ctx.quick ? 2 : 10, seed: 12 });
    const { peakBytes } = await peakRssDuring(hub, load.done);
    const heapLoaded = await hub.heapUsedBytes();
    figures.push(...memoryFigures('memory.scheme', `${flats} flats`, 150, idle, peakBytes, heapIdle, heapLoaded, '1,000 events/s'));
    figures.push(...(await ingest(ctx, hub, flats)));
    return figures;
  } finally {
    await hub.stop();
  }
}

/** Several QoS 1 publishers flat out; the store's row count read (read-only) every 500 ms. */
async function ingest(ctx: PhaseContext, hub: HubHandle, flats: number): Promise<Figure[]> {
  const publishers = 4;
  const durationS = ctx.quick ? 5 : 30;
  ctx.note(`ingest: ${publishers} publishers for ${durationS} s`);
  const rowsBefore = hub.storedEvents();
  if (rowsBefore === null) {
    return [{ key: 'ingest.rate', section: 'ingest', label: 'events stored per second', value: null, unit: 'events/s', note: 'hub.db events table not readable' }];
  }
  const loads = Array.from({ length: publishers }, (_, i) =>
    startLoad({ mqttUrl: hub.mqttUrl, homes: flats, days: 3, rate: 'max', durationS, seed: 100 + i, maxInFlight: 500 }),
  );
  const startedMs = performance.now();
  const samples: { tMs: number; stored: number; published: number }[] = [];
  let finished = false;
  const all = Promise.all(loads.map((l) => l.done)).finally(() => (finished = true));
  while (!finished) {
    await sleep(500);
    const stored = (hub.storedEvents() ?? rowsBefore) - rowsBefore;
    const published = loads.reduce((sum, l) => sum + l.counts().published, 0);
    samples.push({ tMs: performance.now() - startedMs, stored, published });
  }
  const summaries = await all;
  const published = summaries.reduce((sum, s) => sum + (s?.published ?? 0), 0);
  const acknowledged = summaries.reduce((sum, s) => sum + (s?.acknowledged ?? 0), 0);
  // Catch-up: how long after the publishers stop until every published event is a row.
  const stopMs = performance.now();
  let storedEnd = (hub.storedEvents() ?? rowsBefore) - rowsBefore;
  while (storedEnd < published && performance.now() - stopMs < 10_000) {
    await sleep(20);
    storedEnd = (hub.storedEvents() ?? rowsBefore) - rowsBefore;
  }
  const catchUpMs = performance.now() - stopMs;
  // Rate while rows were being written: from the first sample with rows (publishers take a moment to
  // start) to the first sample at the final count (they also take a moment to drain and exit).
  const first = samples.find((s) => s.stored > 0);
  const last = samples.find((s) => s.stored >= Math.max(...samples.map((x) => x.stored)));
  const rate =
    first && last && last.tMs > first.tMs
      ? ((last.stored - first.stored) / (last.tMs - first.tMs)) * 1000
      : storedEnd / ((stopMs - startedMs) / 1000);
  const maxLag = Math.max(0, ...samples.map((s) => s.published - s.stored));
  return [
    { key: 'ingest.rate', section: 'ingest', label: `events stored per second (${publishers} QoS 1 publishers, ${durationS} s, one event per message)`, value: rate, unit: 'events/s', target: { op: '>=', value: 20_000 } },
    { key: 'ingest.lag', section: 'ingest', label: 'storage lag: published − rows, worst sample', value: maxLag, unit: 'events', detail: { 'catch-up ms': catchUpMs } },
    { key: 'ingest.lost', section: 'ingest', label: 'acknowledged but not stored at the end', value: Math.max(0, acknowledged - storedEnd), unit: 'events', target: { op: '<=', value: 0 }, detail: { published, acknowledged, stored: storedEnd } },
  ];
}

/** Starts the baseline broker (bench/rawBroker.js) as its own process; resolves with its port. */
async function startRawBroker(alertBytes: number): Promise<{ mqttUrl: string; stop: () => Promise<void> }> {
  const script = fileURLToPath(new URL('./rawBroker.js', import.meta.url));
  const child = spawnTracked(process.execPath, [script, String(alertBytes)]);
  const port = await new Promise<number>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`raw broker exited (${code})`)));
  });
  return { mqttUrl: `mqtt://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

interface LatencyPair {
  quiet: PressRun;
  loaded: PressRun;
  backgroundRate: number;
}

/** Quiet run, then the same number of presses while another process publishes 1,000 events/s into the flats. */
async function pressPair(
  ctx: PhaseContext,
  label: string,
  mqttUrl: string,
  presses: string[],
  afterAlert?: (homeId: string, alertId: string) => Promise<void>,
): Promise<LatencyPair> {
  const plan = { mqttUrl, homeIds: presses, pendantId: PRESS_PENDANT_ID, gapMs: [1, 5] as [number, number], timeoutMs: 5000, afterAlert };
  ctx.note(`${label}: ${presses.length} presses, quiet`);
  const quiet = await measurePresses(plan);
  ctx.note(`${label}: ${presses.length} presses, 1,000 events/s flowing`);
  const load = startLoad({ mqttUrl, homes: SCHEME_FLATS, days: 3, rate: 1000, durationS: 600, seed: 21 });
  try {
    await sleep(1000);
    const before = { t: performance.now(), n: load.counts().published };
    const loaded = await measurePresses(plan);
    const after = { t: performance.now(), n: load.counts().published };
    return { quiet, loaded, backgroundRate: ((after.n - before.n) / (after.t - before.t)) * 1000 };
  } finally {
    await load.stop();
  }
}

function latencyFigure(key: string, label: string, run: PressRun, target: boolean): Figure {
  const s = summarise(run.samplesMs);
  const ack = summarise(run.ackMs);
  return {
    key,
    section: 'latency',
    label,
    value: s.count > 0 ? s.p99 : null,
    unit: 'ms p99',
    detail: { p50: s.p50, max: s.max, n: s.count, lost: run.lost, 'PUBACK p50': ack.p50 },
    ...(target ? { target: { op: '<=' as const, value: 10 } } : {}),
    note: 'no alert received',
  };
}

/**
 * Pendant press → alert on the hub, and publish → deliver on a bare aedes broker, in the same run.
 * The presses go round the pendants of the 200 flats; each alert is resolved through the API
 * (not timed) as soon as it arrives, so the next press in that flat raises a new alert.
 */
export async function latencyPhase(ctx: PhaseContext): Promise<Figure[]> {
  const presses = pressSequence(SCHEME_FLATS, ctx.quick ? 200 : 2000);
  const hub = await spawnHub(benchConfig(SCHEME_FLATS), 'latency');
  const resolve = async (_homeId: string, alertId: string): Promise<void> => {
    const res = await hub.api('POST', `/api/alerts/${encodeURIComponent(alertId)}/resolve`, { outcome: 'false-alarm', note: 'bench' });
    if (!res.ok) throw new Error(`resolving alert ${alertId} failed (${res.status})`);
  };
  let hubPair: LatencyPair;
  try {
    hubPair = await pressPair(ctx, 'hub', hub.mqttUrl, presses, resolve);
  } finally {
    await hub.stop();
  }
  const raw = await startRawBroker(hubPair.quiet.alertBytes || 600);
  let rawPair: LatencyPair;
  try {
    rawPair = await pressPair(ctx, 'raw aedes', raw.mqttUrl, presses);
  } finally {
    await raw.stop();
  }
  const ratio = (a: PressRun, b: PressRun): number | null => {
    const x = summarise(a.samplesMs).p99;
    const y = summarise(b.samplesMs).p99;
    return Number.isFinite(x) && Number.isFinite(y) && y > 0 ? x / y : null;
  };
  return [
    latencyFigure('latency.hub.quiet', 'pendant → alert, hub, no other traffic', hubPair.quiet, true),
    latencyFigure('latency.hub.loaded', 'pendant → alert, hub, 1,000 events/s flowing', hubPair.loaded, true),
    latencyFigure('latency.raw.quiet', 'publish → deliver, bare aedes + forwarder, no other traffic', rawPair.quiet, false),
    latencyFigure('latency.raw.loaded', 'publish → deliver, bare aedes + forwarder, 1,000 events/s', rawPair.loaded, false),
    { key: 'latency.ratio.quiet', section: 'latency', label: 'hub p99 / broker p99, no other traffic', value: ratio(hubPair.quiet, rawPair.quiet), unit: '×', target: { op: '<=', value: 2 }, note: 'a run had no samples' },
    { key: 'latency.ratio.loaded', section: 'latency', label: 'hub p99 / broker p99, 1,000 events/s', value: ratio(hubPair.loaded, rawPair.loaded), unit: '×', target: { op: '<=', value: 2 }, note: 'a run had no samples' },
    { key: 'latency.background', section: 'latency', label: 'background traffic achieved (hub run)', value: hubPair.backgroundRate, unit: 'events/s', detail: { 'raw run': rawPair.backgroundRate, 'alert bytes': hubPair.quiet.alertBytes } },
  ];
}
