// `node dist/eval/wearable-transport.js`: wearable falls and daily activities on their way in (issue 11, session 32).
//
// The detector's own evaluation (`eval/wearable.ts`) feeds each recording straight into the detector. Here the same
// recordings go the way a real wearable's samples go: in 1 s batches through a bridge, arriving on the hub's clock a
// moment after their last sample, into the real rules engine (`RulesEngine.handle` with the hub's time as `now`, its one
// timer queue fired when due as the hub's rules timer fires it, a restart through the saved state or through the
// store's re-feed), under seeded perturbations that radios, bridges and cheap clocks make. Per perturbation: falls
// called out, daily activities that called out, and the delay from the impact to the call-out on the hub's clock.
// Options: `--held-out` (default: the tuning subjects), `--every=N`, `--only=TEXT` (perturbations containing it),
// `--details`, `--rate=HZ` (the wearable's rate, default 50; session 69: 20, the cheapest wearables).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RulesEngine } from '../rules/engine.js';
import type { AccelValue, HomeConfig, RuleDecision, SensorEvent } from '../rules/types.js';
import { createRng } from '../simulate/random.js';
import { seedOf } from './irregular.js';
import { listTrials, readRecording } from './mobifall-data.js';
import { splitOf } from './mobifall-eval.js';
import { listSisfallTrials, readSisfallRecording } from './sisfall-data.js';
import { SISFALL_TUNING_SUBJECTS } from './sisfall.js';
import { sensorSamples, toUniform, type UniformRecording } from './wearable-sensor.js';

/** What the radio, the bridge or the wearable's clock does to the stream (each seeded per trial). */
export const PERTURBATIONS = [
  'clean',
  'lose 5 % of batches',
  'lose 20 % of batches',
  'lose 1–3 s around the impact',
  'reorder batches',
  'impact batch behind the next 5',
  'send twice, DUP set',
  'send twice, no DUP',
  'clock drift +1 %',
  'clock drift −1 %',
  'clock drift +2 %',
  'clock drift −2 %',
  'clock steps +2 s',
  'clock steps −2 s',
  'clock 5 s behind the hub',
  'rate 50 → 20 Hz',
  'jittered timing',
  'stream ends 1–3 s after the impact',
  'bridge forwards every 5 s',
  'radio gap 3–8 s, then its batches at once',
  'radio gap 10–30 s, then its batches at once',
  'hub restart, state saved',
  'hub restart, kill -9 (re-fed from the store)',
] as const;
export type Perturbation = (typeof PERTURBATIONS)[number];

/** The wearable's own rate; the batches a bridge forwards, each stamped at its first sample. */
const RATE_HZ = 50;
const LOW_RATE_HZ = 20;
const BATCH_MS = 1000;
/** Radio and bridge: a batch reaches the hub this long after its last sample (plus up to LATENCY_JITTER_MS). */
const LATENCY_MS = 150;
const LATENCY_JITTER_MS = 300;
/** A restarting hub is down this long; what arrived meanwhile waits in the bridge and comes in order after it. */
const RESTART_DOWN_MS = 3000;
const HOME_ID = 'h1';
const DEVICE_ID = 'watch';
const HOME: HomeConfig = {
  id: HOME_ID,
  timezone: 'UTC',
  nightWindow: { start: '23:00', end: '06:00' },
  away: false,
  residents: [{ id: 'r1' }],
  devices: [{ id: DEVICE_ID, kind: 'wearable', residentId: 'r1' }],
  rules: {},
};

interface Batch {
  /** The wearable's stamp: its clock's time of the first sample. */
  ts: number;
  value: AccelValue;
  /** The hub's clock when it arrives. */
  arrival: number;
  /** A copy sent again with MQTT's DUP flag: the hub's redelivery check drops it (the original is stored). */
  dupFlag?: boolean;
}

export interface TransportTrial {
  label: string;
  isFall: boolean;
  rec: UniformRecording;
}

export interface TransportOutcome {
  callOuts: number;
  records: number;
  /** Hub's time of the first call-out minus the impact's (ms), when there is one. */
  delayMs: number | null;
}

type Sample = [number, number, number];

/** Index of the largest magnitude: a fall's impact, a daily activity's hardest moment (both treated alike). */
function peakIndex(samples: readonly Sample[]): number {
  let at = 0;
  let best = -Infinity;
  samples.forEach(([x, y, z], k) => {
    const g = x * x + y * y + z * z;
    if (g > best) [best, at] = [g, k];
  });
  return at;
}

/** 1 s batches of samples taken at `times` (true ms), stamped by `clock`, arriving after the latency. */
function batches(
  samples: readonly Sample[],
  times: readonly number[],
  rates: readonly number[],
  clock: (t: number) => number,
  rand: () => number,
  rateHz = RATE_HZ,
): Batch[] {
  const out: Batch[] = [];
  let lastArrival = -Infinity;
  for (let i = 0; i < samples.length;) {
    const rate = rates[i] ?? rateHz;
    let j = i + 1;
    // A batch holds one second at one rate (a rate change starts a new batch).
    while (j < samples.length && (times[j] ?? 0) - (times[i] ?? 0) < BATCH_MS && rates[j] === rate) j++;
    const first = times[i] ?? 0;
    const last = times[j - 1] ?? first;
    // One bridge, one MQTT session: batches arrive in the order sent.
    const arrival = Math.max(lastArrival, last + LATENCY_MS + rand() * LATENCY_JITTER_MS);
    lastArrival = arrival;
    out.push({ ts: Math.round(clock(first)), value: { rate, samples: samples.slice(i, j) }, arrival });
    i = j;
  }
  return out;
}

/** The stream one trial sends under one perturbation, on the hub's clock; `impactAt` is the hub's time of the peak. */
export function perturbedStream(
  trial: TransportTrial,
  perturbation: Perturbation,
  startAt: number,
  rateHz = RATE_HZ,
): { batches: Batch[]; impactAt: number; restartAt?: number } {
  // The 50 Hz runs keep their seeds (and so their figures); another rate draws its own.
  const seed = seedOf(`${trial.label}|${perturbation}`, rateHz === RATE_HZ ? 32 : rateHz);
  const rng = createRng(seed);
  const rand = rng.next;
  const jittered = perturbation === 'jittered timing';
  let samples: Sample[] = sensorSamples(trial.rec, { rateHz, harsh: jittered, seed });
  const step = 1000 / rateHz;
  let times = samples.map((_, k) => startAt + k * step);
  let rates = samples.map(() => rateHz);
  const peak = peakIndex(samples);
  const impactAt = startAt + peak * step;
  if (jittered) {
    // Samples taken up to ±30 % of a period off (sensorSamples), 2 % of them dropped; the wearable still claims 50 Hz.
    const keep = samples.map(() => rand() >= 0.02);
    samples = samples.filter((_, k) => keep[k]);
    times = times.filter((_, k) => keep[k]);
    rates = rates.filter((_, k) => keep[k]);
  }
  if (perturbation === 'rate 50 → 20 Hz') {
    // The wearable drops to 20 Hz (a power-saving mode) at a moment within 3 s either side of the impact.
    const switchAt = impactAt + (rand() * 6 - 3) * 1000;
    const low = sensorSamples(trial.rec, { rateHz: LOW_RATE_HZ, seed });
    const lowStep = 1000 / LOW_RATE_HZ;
    const k50 = times.findIndex((t) => t >= switchAt);
    const cut = k50 < 0 ? samples.length : k50;
    const from20 = Math.ceil((switchAt - startAt) / lowStep);
    samples = [...samples.slice(0, cut), ...low.slice(Math.max(0, from20))];
    times = [...times.slice(0, cut), ...low.slice(Math.max(0, from20)).map((_, k) => startAt + (from20 + k) * lowStep)];
    rates = [...rates.slice(0, cut), ...low.slice(Math.max(0, from20)).map(() => LOW_RATE_HZ)];
  }
  if (perturbation === 'stream ends 1–3 s after the impact') {
    const endAt = impactAt + 1000 + rand() * 2000;
    const n = times.findIndex((t) => t > endAt);
    if (n >= 0) [samples, times, rates] = [samples.slice(0, n), times.slice(0, n), rates.slice(0, n)];
  }
  if (perturbation === 'lose 1–3 s around the impact') {
    // A burst of 1–3 s lost, placed so that it holds the impact somewhere in it.
    const lenMs = 1000 + rand() * 2000;
    const from = impactAt - rand() * lenMs;
    const keep = times.map((t) => t < from || t >= from + lenMs);
    samples = samples.filter((_, k) => keep[k]);
    times = times.filter((_, k) => keep[k]);
    rates = rates.filter((_, k) => keep[k]);
  }
  // The wearable's clock: the hub's, give or take a drift, a step or an offset.
  const stepAt = impactAt + (rand() * 6 - 3) * 1000;
  const clock = (t: number): number => {
    switch (perturbation) {
      case 'clock drift +1 %':
        return startAt + (t - startAt) * 1.01;
      case 'clock drift −1 %':
        return startAt + (t - startAt) * 0.99;
      case 'clock drift +2 %':
        return startAt + (t - startAt) * 1.02;
      case 'clock drift −2 %':
        return startAt + (t - startAt) * 0.98;
      case 'clock steps +2 s':
        return t >= stepAt ? t + 2000 : t;
      case 'clock steps −2 s':
        return t >= stepAt ? t - 2000 : t;
      case 'clock 5 s behind the hub':
        return t - 5000;
      default:
        return t;
    }
  };
  let out = batches(samples, times, rates, clock, rand, rateHz);
  if (jittered) out = out.map((b) => ({ ...b, ts: b.ts + Math.round((rand() - 0.5) * 80) }));
  switch (perturbation) {
    case 'lose 5 % of batches':
      out = out.filter(() => rand() >= 0.05);
      break;
    case 'lose 20 % of batches':
      out = out.filter(() => rand() >= 0.2);
      break;
    case 'reorder batches': {
      // A batch overtaken by the next one (two paths, or a retry), one in five.
      for (let i = 0; i + 1 < out.length; i++)
        if (rand() < 0.2) {
          const a = out[i]!;
          const b = out[i + 1]!;
          [a.arrival, b.arrival] = [b.arrival, a.arrival];
          [out[i], out[i + 1]] = [b, a];
          i++;
        }
      break;
    }
    case 'impact batch behind the next 5': {
      // The batch holding the impact (the peak) put behind the five after it: a serial bridge's outbox moving a message
      // the broker dropped the connection at behind those it holds, a reconnect re-sending out of order (session 64).
      const i = out.findLastIndex((b) => b.ts <= impactAt);
      const behind = out[Math.min(out.length - 1, i + 5)];
      if (i >= 0 && behind) out[i]!.arrival = behind.arrival + 1;
      break;
    }
    case 'send twice, DUP set':
    case 'send twice, no DUP': {
      // One batch in five sent again, at once or after the next one or two (a PUBACK lost, the session resumed).
      const dupFlag = perturbation === 'send twice, DUP set';
      const copies: Batch[] = [];
      out.forEach((b, i) => {
        if (rand() >= 0.2) return;
        const later = out[Math.min(out.length - 1, i + Math.floor(rand() * 3))]!;
        copies.push({ ts: b.ts, value: b.value, arrival: later.arrival + 1, dupFlag });
      });
      out = [...out, ...copies];
      break;
    }
    case 'bridge forwards every 5 s': {
      // A store-and-forward bridge: what it holds goes out every 5 s, in order.
      const phase = rand() * 5000;
      for (const b of out) b.arrival = Math.ceil((b.arrival - phase) / 5000) * 5000 + phase;
      break;
    }
    case 'radio gap 3–8 s, then its batches at once':
    case 'radio gap 10–30 s, then its batches at once': {
      // The link drops for 3–8 s (or 10–30 s, longer than any silence the engine waits for), starting anywhere from 4 s
      // before the impact to 4 s after it (the body lying on the wearable, a walk out of the receiver's range); the
      // wearable keeps what it sampled meanwhile and sends it all at once when the link is back, each batch with its
      // own stamp, 5 ms apart, then carries on as before.
      const lenMs = perturbation.startsWith('radio gap 3') ? 3000 + rand() * 5000 : 10_000 + rand() * 20_000;
      const from = impactAt + (rand() * 8 - 4) * 1000;
      let last = -Infinity;
      for (const b of out) {
        if (b.arrival >= from && b.arrival < from + lenMs) b.arrival = from + lenMs;
        // One link, one queue: the batches held come first, in order, 5 ms apart, and those after them follow.
        b.arrival = Math.max(b.arrival, last + 5);
        last = b.arrival;
      }
      break;
    }
    default:
      break;
  }
  // In the order they arrive (stable: copies after the batch they follow).
  out = out
    .map((b, i) => ({ b, i }))
    .sort((p, q) => p.b.arrival - q.b.arrival || p.i - q.i)
    .map((p) => p.b);
  const restart = perturbation.startsWith('hub restart');
  // Between the impact and the confirmation (1 s settling + 2 s stillness).
  return restart ? { batches: out, impactAt, restartAt: impactAt + 200 + rand() * 2600 } : { batches: out, impactAt };
}

function eventOf(b: Batch): SensorEvent {
  return {
    homeId: HOME_ID,
    deviceId: DEVICE_ID,
    type: 'accel',
    value: b.value,
    ts: b.ts,
    source: 'mqtt',
    kind: 'wearable',
    assigned: true,
  };
}

/** A copy of the engine through its saved state, as a restarted hub loads it. */
function reload(engine: RulesEngine): RulesEngine {
  return RulesEngine.fromState([HOME], JSON.parse(JSON.stringify(engine.exportState())));
}

/** Run one trial's stream through the real engine, on the hub's clock, as the hub drives it. */
export function runTransportTrial(
  trial: TransportTrial,
  perturbation: Perturbation,
  rateHz = RATE_HZ,
): TransportOutcome {
  const startAt = Date.UTC(2026, 2, 2, 10);
  const { batches: stream, impactAt, restartAt } = perturbedStream(trial, perturbation, startAt, rateHz);
  let engine = new RulesEngine([HOME]);
  const falls: { at: number; d: Extract<RuleDecision, { type: 'raise' }> }[] = [];
  const take = (decisions: RuleDecision[], at: number): void => {
    for (const d of decisions) if (d.type === 'raise' && d.kind === 'fall') falls.push({ at, d });
  };
  // The hub's rules timer: fired at each due time up to `now`.
  const runTimersTo = (now: number): void => {
    for (let due = engine.nextDueAt(); due !== null && due <= now; due = engine.nextDueAt())
      take(engine.advanceTo(Math.max(due, engine.now())), Math.max(due, engine.now()));
  };
  engine.watch(startAt);
  // Events the hub stored since its last snapshot (kill -9: the snapshot is the one from before the recording).
  const stored: { event: SensorEvent; receivedAt: number }[] = [];
  const snapshot = JSON.parse(JSON.stringify(engine.exportState())) as unknown;
  // Stored events (ts, device, type, value) for the redelivery check of copies sent with DUP.
  const storedKeys = new Set<string>();
  let restarted = restartAt === undefined;
  for (const b of stream) {
    if (!restarted && restartAt !== undefined && b.arrival >= restartAt) {
      runTimersTo(restartAt);
      if (perturbation === 'hub restart, state saved') engine = reload(engine);
      else {
        engine = RulesEngine.fromState([HOME], snapshot);
        for (const { event, receivedAt } of stored)
          take(engine.handle(event, Math.min(event.ts, receivedAt)), receivedAt);
      }
      take(engine.advanceTo(restartAt + RESTART_DOWN_MS), restartAt + RESTART_DOWN_MS);
      restarted = true;
    }
    // What arrived while the hub was down comes in order once it is up.
    const arrival = restartAt !== undefined && restarted ? Math.max(b.arrival, restartAt + RESTART_DOWN_MS) : b.arrival;
    runTimersTo(arrival);
    const event = eventOf(b);
    const key = `${b.ts}|${JSON.stringify(b.value)}`;
    if (b.dupFlag && storedKeys.has(key)) continue;
    storedKeys.add(key);
    stored.push({ event, receivedAt: arrival });
    take(engine.handle(event, Math.max(arrival, engine.now())), Math.max(arrival, engine.now()));
  }
  // Then silence: the timers decide.
  runTimersTo((stream.at(-1)?.arrival ?? startAt) + 3_600_000);
  const callOuts = falls.filter((f) => f.d.severity === 'critical');
  const first = callOuts[0];
  return {
    callOuts: callOuts.length,
    records: falls.length - callOuts.length,
    delayMs: first ? first.at - impactAt : null,
  };
}

export interface TransportFigures {
  perturbation: Perturbation;
  falls: number;
  fallsCaught: number;
  adlTrials: number;
  adlCallingOut: number;
  delaysMs: number[];
  missed: string[];
  falseAlarms: string[];
}

export interface TransportOptions {
  /** Which subjects: the tuning ones (SisFall SA01–SA07, MobiFall's tuning split) or the held-out ones. */
  split: 'tuning' | 'held-out';
  perturbations?: readonly Perturbation[];
  /** Run every n-th trial only (a bounded test): 1 runs them all. */
  every?: number;
  /** The wearable's own rate (default 50 Hz; 20 Hz: the cheapest wearables). */
  rateHz?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The trials of one split, as uniform recordings (SisFall young adults at 200 Hz, MobiFall on a 200 Hz grid). */
export function transportTrials(dataDir: string, split: 'tuning' | 'held-out', every = 1): TransportTrial[] {
  const out: TransportTrial[] = [];
  const sisfallDir = path.join(dataDir, 'sisfall');
  if (fs.existsSync(sisfallDir)) {
    const trials = listSisfallTrials(sisfallDir).filter(
      (t) => !t.older && SISFALL_TUNING_SUBJECTS.includes(t.subject) === (split === 'tuning'),
    );
    trials.forEach((t, i) => {
      if (i % every !== 0) return;
      const label = `${t.code}_${t.subject}_R${String(t.trialNo).padStart(2, '0')}`;
      out.push({ label, isFall: t.isFall, rec: readSisfallRecording(t.file) });
    });
  }
  const mobifallDir = path.join(dataDir, 'mobifall-v2');
  if (fs.existsSync(mobifallDir)) {
    const trials = listTrials(mobifallDir).filter((t) => (splitOf(t) === 'tuning') === (split === 'tuning'));
    trials.forEach((t, i) => {
      if (i % every !== 0) return;
      const rec = readRecording(t.file);
      out.push({
        label: `MobiFall ${t.code}_${t.subject}_${t.trialNo}`,
        isFall: t.isFall,
        rec: toUniform(rec.tMs, rec.x, rec.y, rec.z, 200),
      });
    });
  }
  return out;
}

/** Every perturbation over the trials: falls called out, daily activities calling out, delays. */
export function evaluateTransport(trials: readonly TransportTrial[], options: TransportOptions): TransportFigures[] {
  const perturbations = options.perturbations ?? PERTURBATIONS;
  const figures = perturbations.map((perturbation): TransportFigures => ({
    perturbation,
    falls: 0,
    fallsCaught: 0,
    adlTrials: 0,
    adlCallingOut: 0,
    delaysMs: [],
    missed: [],
    falseAlarms: [],
  }));
  trials.forEach((trial, i) => {
    perturbations.forEach((p, j) => {
      const f = figures[j]!;
      const o = runTransportTrial(trial, p, options.rateHz);
      if (trial.isFall) {
        f.falls++;
        if (o.callOuts > 0) {
          f.fallsCaught++;
          if (o.delayMs !== null) f.delaysMs.push(o.delayMs);
        } else f.missed.push(trial.label);
      } else {
        f.adlTrials++;
        if (o.callOuts > 0) {
          f.adlCallingOut++;
          f.falseAlarms.push(trial.label);
        }
      }
    });
    options.onProgress?.(i + 1, trials.length);
  });
  return figures;
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const pct = (k: number, n: number): string => (n === 0 ? 'n/a' : `${((100 * k) / n).toFixed(1)} %`);
const sec = (ms: number): string => (Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

export function formatTransportTable(figures: readonly TransportFigures[], details = false): string {
  const lines = [
    '| perturbation | falls called out | daily activities calling out | delay impact → call-out, median / p90 / max |',
    '|---|---|---|---|',
  ];
  for (const f of figures) {
    const d = [...f.delaysMs].sort((a, b) => a - b);
    lines.push(
      `| ${f.perturbation} | ${pct(f.fallsCaught, f.falls)} (${f.fallsCaught}/${f.falls}) | ` +
        `${pct(f.adlCallingOut, f.adlTrials)} (${f.adlCallingOut}/${f.adlTrials}) | ` +
        `${sec(quantile(d, 0.5))} / ${sec(quantile(d, 0.9))} / ${sec(d.at(-1) ?? NaN)} |`,
    );
  }
  if (details)
    for (const f of figures)
      if (f.missed.length > 0 || f.falseAlarms.length > 0)
        lines.push('', `${f.perturbation}: missed ${f.missed.join(' ')}; calling out ${f.falseAlarms.join(' ')}`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const split = args.includes('--held-out') ? 'held-out' : 'tuning';
  const everyArg = args.find((a) => a.startsWith('--every='));
  const every = everyArg ? Number(everyArg.slice('--every='.length)) : 1;
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const perturbations = only ? PERTURBATIONS.filter((p) => p.includes(only)) : PERTURBATIONS;
  const rateArg = args.find((a) => a.startsWith('--rate='));
  const rateHz = rateArg ? Number(rateArg.slice('--rate='.length)) : RATE_HZ;
  const dataDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
  const trials = transportTrials(dataDir, split, every);
  if (trials.length === 0) {
    console.log(`no SisFall or MobiFall data under ${dataDir}: nothing to evaluate`);
    process.exit(0);
  }
  const figures = evaluateTransport(trials, {
    split,
    perturbations,
    rateHz,
    onProgress: (done, total) => {
      if (done % 50 === 0 || done === total) process.stderr.write(`${done}/${total}\n`);
    },
  });
  console.log(
    `${split} subjects, ${trials.length} trials, every ${every}; ${rateHz} Hz in 1 s batches through the rules engine\n`,
  );
  console.log(formatTransportTable(figures, args.includes('--details')));
}
