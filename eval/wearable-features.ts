// Features of a fall that do not hinge on one sample's peak, measured on MobiFall's pocketed phone (session 70, issue 11).
//
// Measured only: the detector does not use them (docs/fall-detection.md, "Session 70 review"). The question: does any
// feature that survives a low rate (an integral over a window, a turn of the direction of gravity) tell the falls from
// the car transfers, which the peak tells apart from 50 Hz and not at 20 Hz? Each trial is sent through the evaluation's
// own sensor model (eval/wearable.ts: the same seeds, rates and timings), its samples folded into the detector's 20 ms
// cells, and every feature's largest value over the trial kept. Per condition and feature: the car transfers' (CSI, CSO)
// largest value, how many falls exceed it (a threshold there opens no car transfer's candidate), and how many of the
// falls the detector misses now exceed it (what a new impact path at that threshold could add).
//
// `node dist/eval/wearable-features.js [--held-out]`: the tuning split (MobiFall subjects 1–5's falls, odd daily-activity
// trials of subject 2), or the held-out one (subjects 6–11's falls, even trials).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RULE_PARAMS } from '../rules/params.js';
import { makeIrregular, seedOf } from './irregular.js';
import { listTrials, mobifallRoot, readRecording } from './mobifall-data.js';
import { outcomeOf, runTrial, splitOf, type Split } from './mobifall-eval.js';
import { sensorMessages, toUniform, type AccelMessage } from './wearable-sensor.js';

const CELL_MS = 20;
/** A sample stands for its own period, at most this long (the detector's RADIO_GAP_MS). */
const MAX_PERIOD_MS = 250;

export interface FeatureCondition {
  rateHz: number;
  timing: 'regular' | 'irregular' | 'harsh';
}
export const FEATURE_CONDITIONS: readonly FeatureCondition[] = [
  { rateHz: 20, timing: 'regular' },
  { rateHz: 20, timing: 'irregular' },
  { rateHz: 20, timing: 'harsh' },
  { rateHz: 50, timing: 'regular' },
  { rateHz: 100, timing: 'regular' },
];

/** A trial's largest value of each feature (cells of 20 ms, as the detector folds samples). */
export interface TrialFeatures {
  /** Largest magnitude, g: the peak the detector's impact paths rest on (rate-dependent). */
  peakG: number;
  /** Speed gained falling (largest ∫(1 g − |a|) over a stretch of the 1 s before) plus speed lost in the 0.6 s up to a cell, g·s. */
  dvGs: number;
  /** ∫ | |a| − 1 g | over 1 s: the speed changes of the whole fall, either sign, g·s. */
  absGs: number;
  /** ∫ (|a| − 1 g)² over 0.5 s: the impact's energy, g²·s. */
  energyG2s: number;
  /** Largest ∫(1 g − |a|) over a stretch of at most 1 s: the descent (the free fall before an impact), g·s. */
  descentGs: number;
  /** ∫ max(0, |a| − 1 g) over 0.6 s: the landing's impulse, g·s. */
  landingGs: number;
  /** Turn of the direction of gravity within 0.5 s (0.1 s means 0.5 s apart), degrees. */
  turnDeg: number;
}
export const FEATURE_NAMES: readonly (keyof TrialFeatures)[] = [
  'peakG',
  'dvGs',
  'absGs',
  'energyG2s',
  'descentGs',
  'landingGs',
  'turnDeg',
];

const angleDeg = (a: readonly number[], b: readonly number[]): number => {
  const na = Math.hypot(a[0] ?? 0, a[1] ?? 0, a[2] ?? 0);
  const nb = Math.hypot(b[0] ?? 0, b[1] ?? 0, b[2] ?? 0);
  if (!(na > 0 && nb > 0)) return 0;
  const c = ((a[0] ?? 0) * (b[0] ?? 0) + (a[1] ?? 0) * (b[1] ?? 0) + (a[2] ?? 0) * (b[2] ?? 0)) / (na * nb);
  return (Math.acos(Math.min(1, Math.max(-1, c))) * 180) / Math.PI;
};

/** The messages' samples laid end to end in time (a message stamped inside the previous one follows it), in 20 ms cells. */
export function featuresOf(messages: readonly AccelMessage[]): TrialFeatures {
  const imp: number[] = [];
  const desc: number[] = [];
  const sq: number[] = [];
  const sum: [number, number, number, number][] = [];
  let t0 = NaN;
  let last = -Infinity;
  let peakG = 0;
  for (const m of messages) {
    const stepMs = 1000 / m.value.rate;
    m.value.samples.forEach((s, k) => {
      const [x, y, z] = s;
      if (![x, y, z].every(Number.isFinite)) return;
      const t = Math.max(m.ts + k * stepMs, last + stepMs);
      if (Number.isNaN(t0)) t0 = t;
      last = t;
      const i = Math.floor((t - t0) / CELL_MS);
      while (imp.length <= i) {
        imp.push(0);
        desc.push(0);
        sq.push(0);
        sum.push([0, 0, 0, 0]);
      }
      const g = Math.hypot(x, y, z);
      const p = Math.min(stepMs, MAX_PERIOD_MS) / 1000;
      imp[i] = (imp[i] ?? 0) + Math.max(0, g - 1) * p;
      desc[i] = (desc[i] ?? 0) + (1 - g) * p;
      sq[i] = (sq[i] ?? 0) + (g - 1) * (g - 1) * p;
      const c = sum[i];
      if (c) [c[0], c[1], c[2], c[3]] = [c[0] + x, c[1] + y, c[2] + z, c[3] + 1];
      if (g > peakG) peakG = g;
    });
  }
  const n = imp.length;
  // A cell without samples holds the mean before it (the detector bridges short gaps so).
  const mean: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const c = sum[i] ?? [0, 0, 0, 0];
    mean.push(c[3] > 0 ? [c[0] / c[3], c[1] / c[3], c[2] / c[3]] : (mean[i - 1] ?? [0, 0, 0]));
  }
  const windowSum = (a: readonly number[], i: number, cells: number): number => {
    let s = 0;
    for (let j = Math.max(0, i - cells + 1); j <= i; j++) s += a[j] ?? 0;
    return s;
  };
  const meanOf = (from: number, to: number): number[] => {
    const v = [0, 0, 0];
    for (let j = from; j <= to; j++) for (let a = 0; a < 3; a++) v[a] = (v[a] ?? 0) + (mean[j]?.[a] ?? 0);
    return v;
  };
  const f: TrialFeatures = {
    peakG,
    dvGs: 0,
    absGs: 0,
    energyG2s: 0,
    descentGs: 0,
    landingGs: 0,
    turnDeg: 0,
  };
  for (let i = 0; i < n; i++) {
    // Kadane over the 50 cells before this one (the detector's descentBefore).
    let best = 0;
    let run = 0;
    for (let j = Math.max(0, i - 50); j < i; j++) {
      run = Math.max(0, run + (desc[j] ?? 0));
      best = Math.max(best, run);
    }
    const landing = windowSum(imp, i, 30);
    let abs = 0;
    for (let j = Math.max(0, i - 49); j <= i; j++) abs += (desc[j] ?? 0) + 2 * (imp[j] ?? 0);
    f.dvGs = Math.max(f.dvGs, best + landing);
    f.absGs = Math.max(f.absGs, abs);
    f.energyG2s = Math.max(f.energyG2s, windowSum(sq, i, 25));
    f.descentGs = Math.max(f.descentGs, best);
    f.landingGs = Math.max(f.landingGs, landing);
    if (i >= 29) f.turnDeg = Math.max(f.turnDeg, angleDeg(meanOf(i - 4, i), meanOf(i - 29, i - 25)));
  }
  return f;
}

export interface FeatureTrial {
  label: string;
  code: string;
  isFall: boolean;
  /** The detector (defaults) called it out. */
  calledOut: boolean;
  features: TrialFeatures;
}

/** Every trial of one split under one condition, through the evaluation's sensor model and seeds (eval/wearable.ts). */
export function measureFeatures(root: string, split: Split, condition: FeatureCondition): FeatureTrial[] {
  const params = DEFAULT_RULE_PARAMS.fall;
  const startTs = Date.UTC(2013, 6, 5, 12);
  const out: FeatureTrial[] = [];
  for (const trial of listTrials(root)) {
    // The long standing and walking recordings hold no car transfer and no fall.
    if (splitOf(trial) !== split || ['STD', 'WAL'].includes(trial.code)) continue;
    const rec = readRecording(trial.file);
    if (rec.tMs.length < 2) continue;
    const uniform = toUniform(rec.tMs, rec.x, rec.y, rec.z, 200);
    const label = `${trial.code}_${trial.subject}_${trial.trialNo}`;
    const seed = seedOf(label, condition.rateHz);
    const harsh = condition.timing === 'harsh';
    const sent = sensorMessages(uniform, startTs, { rateHz: condition.rateHz, ...(harsh ? { harsh } : {}), seed });
    const messages = condition.timing === 'irregular' ? makeIrregular(sent, seed) : sent;
    const found = outcomeOf(runTrial(params, { messages }));
    out.push({
      label,
      code: trial.code,
      isFall: trial.isFall,
      calledOut: found.callOuts > 0,
      features: featuresOf(messages),
    });
  }
  return out;
}

export interface Separation {
  feature: keyof TrialFeatures;
  /** The car transfers' largest value. */
  carsMax: number;
  falls: number;
  /** Falls whose value exceeds every car transfer's. */
  fallsAbove: number;
  /** Falls the detector misses now, and those of them whose value exceeds every car transfer's. */
  missed: string[];
  missedAbove: string[];
}

export function separations(trials: readonly FeatureTrial[]): Separation[] {
  const cars = trials.filter((t) => t.code === 'CSI' || t.code === 'CSO');
  const falls = trials.filter((t) => t.isFall);
  return FEATURE_NAMES.map((feature) => {
    const carsMax = Math.max(...cars.map((t) => t.features[feature]));
    const above = falls.filter((t) => t.features[feature] > carsMax);
    const missed = falls.filter((t) => !t.calledOut);
    return {
      feature,
      carsMax,
      falls: falls.length,
      fallsAbove: above.length,
      missed: missed.map((t) => t.label),
      missedAbove: missed.filter((t) => t.features[feature] > carsMax).map((t) => t.label),
    };
  });
}

function main(): void {
  const heldOut = process.argv.includes('--held-out');
  const unknown = process.argv.slice(2).filter((a) => a !== '--held-out');
  if (unknown.length > 0) {
    console.error(`unknown option(s): ${unknown.join(' ')}\nUsage: node dist/eval/wearable-features.js [--held-out]`);
    process.exit(2);
  }
  const root = mobifallRoot(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));
  if (!fs.existsSync(root)) {
    console.log(`(data absent: ${root})`);
    return;
  }
  const split: Split = heldOut ? 'test' : 'tuning';
  console.log(
    `MobiFall ${heldOut ? 'held out (falls of subjects 6–11, even trials)' : 'tuning split (falls of subjects 1–5, odd trials)'}`,
  );
  console.log('| condition | feature | car transfers up to | falls above | missed now | missed now above |');
  console.log('|---|---|---|---|---|---|');
  const byRate = new Map<string, FeatureTrial[]>();
  for (const condition of FEATURE_CONDITIONS) {
    const trials = measureFeatures(root, split, condition);
    byRate.set(`${condition.rateHz} ${condition.timing}`, trials);
    for (const s of separations(trials))
      console.log(
        `| ${condition.rateHz} Hz ${condition.timing} | ${s.feature} | ${s.carsMax.toFixed(3)} | ${s.fallsAbove}/${s.falls} | ` +
          `${s.missed.length} | ${s.missedAbove.join(', ') || '-'} |`,
      );
  }
  // Rate stability: each fall's value at 20 Hz as a share of its value at 100 Hz (regular timing), median over the falls.
  const low = byRate.get('20 regular') ?? [];
  const high = new Map((byRate.get('100 regular') ?? []).map((t) => [t.label, t]));
  console.log('\nFalls, 20 Hz / 100 Hz (regular), median [10th–90th percentile]:');
  for (const feature of FEATURE_NAMES) {
    const ratios = low
      .filter((t) => t.isFall)
      .map((t) => t.features[feature] / (high.get(t.label)?.features[feature] ?? NaN))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const q = (p: number): string => (ratios[Math.floor(p * (ratios.length - 1))] ?? NaN).toFixed(2);
    console.log(`  ${feature}: ${q(0.5)} [${q(0.1)}–${q(0.9)}]`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
