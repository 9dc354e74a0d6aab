// `telecare bench` as a library: runs every measurement in order and returns the figures (never throws for one phase).
import os from 'node:os';
import { measureFallCost } from './fallCost.js';
import type { Figure } from './figures.js';
import { latencyPhase, oneHomePhase, schemePhase, soakPhase, type PhaseContext } from './phases.js';
import { reviewPhase } from './reviewPhase.js';
import { measureNdjsonReplay, measureReplay } from './replayThroughput.js';

export const PHASES = ['fall', 'replay', 'home', 'scheme', 'latency', 'review', 'soak'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface BenchOptions {
  quick: boolean;
  /** Smallest sizes that still run every part (`--check`): figures not comparable to SPEC 11's targets. */
  check?: boolean;
  only?: readonly PhaseName[];
  /** Length of the soak phase (default 2 min, quick 20 s). */
  soakMinutes?: number;
  /** Presses in each latency run (default 2,000, quick 150). */
  presses?: number;
  onProgress?: (step: number, total: number, note: string) => void;
}

export interface BenchResult {
  quick: boolean;
  /** True for a `--check` run: its figures only show that every part runs, never that SPEC 11 is met. */
  check: boolean;
  startedAt: string;
  durationS: number;
  machine: { cpus: number; cpuModel: string; memoryMb: number; node: string; platform: string };
  figures: Figure[];
}

interface Phase {
  name: PhaseName;
  run: (ctx: PhaseContext, options: BenchOptions) => Promise<Figure[]> | Figure[];
  /** Figures to show when the phase fails before measuring anything. */
  onError: (reason: string) => Figure[];
}

const unavailable =
  (key: string, section: string, label: string, unit: string) =>
  (reason: string): Figure[] => [{ key, section, label, value: null, unit, note: reason }];

async function replayFigures(ctx: PhaseContext): Promise<Figure[]> {
  const homeDays = ctx.check ? 7 : ctx.quick ? 60 : 365;
  const schemeDays = ctx.quick || ctx.check ? 1 : 7;
  ctx.note(`replay: one flat, ${homeDays} days`);
  const home = measureReplay(1, homeDays, 31);
  ctx.note(`replay: 200 flats, ${schemeDays} day(s)`);
  const scheme = measureReplay(200, schemeDays, 32);
  ctx.note(`replay: one flat, ${homeDays} days, from NDJSON text`);
  const ndjson = await measureNdjsonReplay(1, homeDays, 33);
  return [
    {
      key: 'replay.home',
      section: 'replay',
      label: `one flat, ${homeDays} days, every rule (in memory, parsing excluded)`,
      value: home.eventsPerS,
      unit: 'events/s',
      target: { op: '>=', value: 300_000 },
      detail: { events: home.events, alerts: home.alerts },
    },
    {
      key: 'replay.scheme',
      section: 'replay',
      label: `200 flats, ${schemeDays} day(s), every rule (in memory, parsing excluded)`,
      value: scheme.eventsPerS,
      unit: 'events/s',
      target: { op: '>=', value: 300_000 },
      detail: { events: scheme.events, alerts: scheme.alerts },
    },
    {
      key: 'replay.home.ndjson',
      section: 'replay',
      label: `one flat, ${homeDays} days, from NDJSON text: split, JSON.parse, validate, every rule`,
      value: ndjson.eventsPerS,
      unit: 'events/s',
      target: { op: '>=', value: 300_000 },
      detail: {
        events: ndjson.events,
        alerts: ndjson.alerts,
        s: ndjson.seconds,
        'JSON.parse alone': ndjson.parseOnlyPerS,
      },
    },
  ];
}

function fallFigures(ctx: PhaseContext): Figure[] {
  const cost = measureFallCost(ctx.check ? 60 : ctx.quick ? 300 : 1800, 41);
  return [
    {
      key: 'fall.cost',
      section: 'fall detector',
      label: 'CPU per second of 100 Hz samples, one wearable',
      value: cost.microsPerSampleSecond,
      unit: 'µs',
      detail: { 'seconds of samples': cost.secondsOfSamples },
    },
    {
      key: 'fall.scheme',
      section: 'fall detector',
      label: '200 wearables streaming: share of one core',
      value: ((cost.microsPerSampleSecond * 200) / 1e6) * 100,
      unit: '%',
    },
  ];
}

const PHASE_TABLE: readonly Phase[] = [
  {
    name: 'fall',
    run: fallFigures,
    onError: unavailable('fall.cost', 'fall detector', 'CPU per second of 100 Hz samples', 'µs'),
  },
  {
    name: 'replay',
    run: replayFigures,
    onError: unavailable('replay', 'replay', 'events/s through every rule', 'events/s'),
  },
  { name: 'home', run: oneHomePhase, onError: unavailable('memory.home', 'memory', 'one flat: RSS', 'MB') },
  {
    name: 'scheme',
    run: schemePhase,
    onError: unavailable('memory.scheme', 'memory', '200 flats: RSS, and sustained ingest', 'MB'),
  },
  { name: 'latency', run: latencyPhase, onError: unavailable('latency', 'latency', 'pendant → alert p99', 'ms') },
  {
    name: 'review',
    run: reviewPhase,
    onError: unavailable('latency.review', 'latency', 'pendant → alert while the routine review runs', 'ms'),
  },
  {
    name: 'soak',
    run: (ctx, options) => soakPhase(ctx, options.soakMinutes ?? (ctx.quick ? 1 / 3 : 2)),
    onError: unavailable('soak.change', 'memory', 'soak: RSS change after warm-up', '%'),
  },
];

const SECTION_ORDER = ['latency', 'ingest', 'replay', 'memory', 'startup', 'fall detector'];

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const started = Date.now();
  const phases = PHASE_TABLE.filter((p) => !options.only || options.only.includes(p.name));
  const figures: Figure[] = [];
  for (const [i, phase] of phases.entries()) {
    const ctx: PhaseContext = {
      quick: options.quick,
      ...(options.check ? { check: true } : {}),
      ...(options.presses !== undefined ? { presses: options.presses } : {}),
      note: (text) => options.onProgress?.(i, phases.length, text),
    };
    ctx.note(phase.name);
    try {
      figures.push(...(await phase.run(ctx, options)));
    } catch (err) {
      figures.push(...phase.onError(((err as Error).message.split('\n')[0] ?? '').slice(0, 200)));
    }
    options.onProgress?.(i + 1, phases.length, `${phase.name} done`);
  }
  figures.sort((a, b) => SECTION_ORDER.indexOf(a.section) - SECTION_ORDER.indexOf(b.section));
  const cpus = os.cpus();
  return {
    quick: options.quick,
    check: options.check === true,
    startedAt: new Date(started).toISOString(),
    durationS: (Date.now() - started) / 1000,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memoryMb: Math.round(os.totalmem() / 1024 / 1024),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    figures,
  };
}
