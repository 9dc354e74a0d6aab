// Subject-wise cross-validation of the wearable fall detector on SisFall's young adults (`node dist/eval/wearable.js --cv`).
//
// The thresholds were chosen on SA01–SA07. How much do the held-out figures depend on that one split? The
// young adults are cut into folds by subject; for each fold the parameters are chosen again, on the other
// folds only, over the grid of one-parameter-at-a-time sweeps around the defaults that docs/fall-detection.md
// tabulates, with one written rule (below), and measured on the fold. Every trial is run once per grid point
// and condition; the folds only regroup the outcomes, so the whole run costs one pass per grid point.
import { DEFAULT_RULE_PARAMS, type RuleParams } from '../rules/params.js';
import { DEFAULT_FALL_TUNING, type FallDetectorTuning } from '../rules/fall/detector.js';
import { outcomeOf, runTrial } from './mobifall-eval.js';
import { seedOf } from './irregular.js';
import { listSisfallTrials, readSisfallRecording, type SisfallRecording, type SisfallTrial } from './sisfall-data.js';
import { sensorMessages } from './wearable-sensor.js';
import { timingLabel, type StreamCondition } from './wearable-figures.js';

/** One setting of everything that was chosen on data: the rule parameters and the detector's constants. */
export interface CvSetting {
  params: RuleParams['fall'];
  tuning: FallDetectorTuning;
}

type AxisName = keyof RuleParams['fall'] | keyof FallDetectorTuning;

interface Axis {
  name: AxisName;
  values: number[];
  /** Only changes anything below 50 Hz (the low-rate scaling and the descent fade out at 50 Hz). */
  lowRateOnly: boolean;
}

/**
 * The sweeps of docs/fall-detection.md around the defaults: impactG, freeFallG, postureChangeDeg and stillStdG
 * (the MobiFall grid, `node dist/eval/mobifall.js --tune`), the impulse's hold, the low-rate scaling and the
 * descent (the SisFall and MobiFall tables of the second and third rounds).
 */
export const CV_AXES: Axis[] = [
  { name: 'impactG', values: [1.8, 1.9, 2.0, 2.1, 2.2], lowRateOnly: false },
  { name: 'freeFallG', values: [0.7, 0.8, 0.9, 1.0], lowRateOnly: false },
  { name: 'postureChangeDeg', values: [30, 40, 45, 50, 60], lowRateOnly: false },
  { name: 'stillStdG', values: [0.1, 0.15, 0.2, 0.3], lowRateOnly: false },
  { name: 'impulseHoldMs', values: [80, 100, 120], lowRateOnly: false },
  { name: 'lowRateImpactScale', values: [0.7, 0.8, 0.9], lowRateOnly: true },
  { name: 'descentFullGs', values: [0.3, 0.4, 0.5], lowRateOnly: true },
];

/** The issue's rates, harsh timing where it is modelled (up to 50 Hz); 200 Hz is the recording itself. */
export const CV_CONDITIONS: StreamCondition[] = [
  { rateHz: 20, irregular: false, harsh: true },
  { rateHz: 50, irregular: false, harsh: true },
  { rateHz: 200, irregular: false },
];

/** Scores within this of the best are one plateau (one trial of a fold's ~900 training falls is 0.1 point). */
const PLATEAU_TOLERANCE = 0.002;

export const DEFAULT_SETTING: CvSetting = { params: DEFAULT_RULE_PARAMS.fall, tuning: { ...DEFAULT_FALL_TUNING } };

function valueOf(s: CvSetting, name: AxisName): number {
  return name in s.params ? s.params[name as keyof RuleParams['fall']] : s.tuning[name as keyof FallDetectorTuning];
}
function withValue(s: CvSetting, name: AxisName, v: number): CvSetting {
  return name in s.params
    ? { params: { ...s.params, [name]: v }, tuning: s.tuning }
    : { params: s.params, tuning: { ...s.tuning, [name]: v } };
}
const keyOf = (s: CvSetting): string => JSON.stringify([s.params, s.tuning]);

/** Young subjects SA01–SA23 dealt round-robin into `k` folds (SA01, SA05, … in fold 1). */
export function foldsOf(subjects: string[], k: number): string[][] {
  const folds: string[][] = Array.from({ length: k }, () => []);
  [...subjects].sort().forEach((s, i) => folds[i % k]?.push(s));
  return folds;
}

interface Counts {
  falls: number;
  caught: number;
  adl: number;
  clean: number;
}
const sens = (c: Counts): number => (c.falls > 0 ? c.caught / c.falls : NaN);
const spec = (c: Counts): number => (c.adl > 0 ? c.clean / c.adl : NaN);

export interface CvOptions {
  folds?: number;
  axes?: Axis[];
  conditions?: StreamCondition[];
  /** Which trials to run (default every young adult's); a test runs a few subjects. */
  filter?: (trial: SisfallTrial) => boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface CvFoldResult {
  subjects: string[];
  /** Per condition: the defaults' figures on the fold (nothing chosen on it: the spread over subjects). */
  defaults: Counts[];
  /** What the rule chose on the other folds: the axes that moved from the defaults. */
  chosen: Partial<Record<AxisName, number>>;
  /** Per condition: the chosen setting's figures on the fold. */
  retuned: Counts[];
}

export interface CvResult {
  conditions: StreamCondition[];
  folds: CvFoldResult[];
  /** Per axis, value, condition and fold: figures on the fold with that one value moved from the defaults. */
  sweeps: { axis: AxisName; value: number; perCondition: Counts[][] }[];
}

/**
 * Run the grid on every trial, then per fold: choose each axis on the other folds (the rule: the worst of
 * sensitivity and specificity over the conditions the axis affects, the middle of the plateau within
 * PLATEAU_TOLERANCE of the best, the value nearer the defaults on a tie) and measure the choice on the fold.
 */
export function crossValidate(sisfallDir: string, options: CvOptions = {}): CvResult {
  const axes = options.axes ?? CV_AXES;
  const conditions = options.conditions ?? CV_CONDITIONS;
  const trials = listSisfallTrials(sisfallDir).filter((t) => !t.older && (options.filter?.(t) ?? true));
  const folds = foldsOf([...new Set(trials.map((t) => t.subject))], options.folds ?? 4);
  const foldOf = new Map<string, number>();
  folds.forEach((subjects, f) => {
    for (const s of subjects) foldOf.set(s, f);
  });

  // Grid points: the defaults, then each axis's other values.
  const points: CvSetting[] = [DEFAULT_SETTING];
  const pointOf = (axis: AxisName, v: number): number => {
    const s = withValue(DEFAULT_SETTING, axis, v);
    const key = keyOf(s);
    const i = points.findIndex((p) => keyOf(p) === key);
    if (i >= 0) return i;
    points.push(s);
    return points.length - 1;
  };
  const axisPoints = axes.map((a) => a.values.map((v) => pointOf(a.name, v)));
  const lowRateOnly = new Set(axes.flatMap((a, i) => (a.lowRateOnly ? (axisPoints[i] ?? []) : [])));
  lowRateOnly.delete(0);

  const startTs = Date.UTC(2016, 1, 1, 12);
  const streamOf = (trial: SisfallTrial, rec: SisfallRecording, c: StreamCondition) => {
    const label = `${trial.code}_${trial.subject}_R${String(trial.trialNo).padStart(2, '0')}`;
    return sensorMessages(rec, startTs, { ...c, seed: seedOf(label, c.rateHz) });
  };
  const raised = (s: CvSetting, messages: ReturnType<typeof streamOf>): boolean =>
    outcomeOf(runTrial(s.params, { messages }, s.tuning)).callOuts > 0;

  // caught[trial][condition][point]: a call-out was raised.
  const outcome = new Uint8Array(trials.length * conditions.length * points.length);
  const at = (t: number, c: number, p: number): number => (t * conditions.length + c) * points.length + p;
  trials.forEach((trial, t) => {
    const rec = readSisfallRecording(trial.file);
    conditions.forEach((c, ci) => {
      const messages = streamOf(trial, rec, c);
      points.forEach((p, pi) => {
        // Above the low rates these points are the defaults' run.
        outcome[at(t, ci, pi)] =
          c.rateHz >= 50 && lowRateOnly.has(pi) ? (outcome[at(t, ci, 0)] ?? 0) : raised(p, messages) ? 1 : 0;
      });
    });
    options.onProgress?.(t + 1, trials.length);
  });

  const count = (p: number, c: number, inFold: (f: number) => boolean): Counts => {
    const n: Counts = { falls: 0, caught: 0, adl: 0, clean: 0 };
    trials.forEach((trial, t) => {
      if (!inFold(foldOf.get(trial.subject) ?? -1)) return;
      const hit = outcome[at(t, c, p)] === 1;
      if (trial.isFall) {
        n.falls++;
        if (hit) n.caught++;
      } else {
        n.adl++;
        if (!hit) n.clean++;
      }
    });
    return n;
  };

  const results: CvFoldResult[] = folds
    .map((subjects, f) => {
      const train = (g: number): boolean => g !== f && g >= 0;
      let chosen = DEFAULT_SETTING;
      const moved: Partial<Record<AxisName, number>> = {};
      axes.forEach((axis, ai) => {
        const affected = conditions
          .map((c, ci) => ci)
          .filter((ci) => !axis.lowRateOnly || (conditions[ci]?.rateHz ?? 0) < 50);
        const scores = (axisPoints[ai] ?? []).map((p) =>
          Math.min(
            ...affected.map((ci) => {
              const n = count(p, ci, train);
              return Math.min(sens(n), spec(n));
            }),
          ),
        );
        const best = Math.max(...scores);
        const bestAt = scores.indexOf(best);
        let lo = bestAt;
        let hi = bestAt;
        while (lo > 0 && (scores[lo - 1] ?? -1) >= best - PLATEAU_TOLERANCE) lo--;
        while (hi < scores.length - 1 && (scores[hi + 1] ?? -1) >= best - PLATEAU_TOLERANCE) hi++;
        const def = valueOf(DEFAULT_SETTING, axis.name);
        const mid = (lo + hi) / 2;
        const candidates = [Math.floor(mid), Math.ceil(mid)].map((i) => axis.values[i] ?? def);
        // A tie between two middles: the one nearer the defaults (nothing moves without a reason).
        const v = candidates.reduce((a, b) => (Math.abs(b - def) < Math.abs(a - def) ? b : a));
        if (v !== def) {
          moved[axis.name] = v;
          chosen = withValue(chosen, axis.name, v);
        }
      });
      return {
        subjects,
        defaults: conditions.map((_, ci) => count(0, ci, (g) => g === f)),
        chosen: moved,
        retuned: conditions.map(() => ({ falls: 0, caught: 0, adl: 0, clean: 0 })),
        setting: chosen,
      };
    })
    .map(({ setting, ...r }, f) => {
      // The chosen setting is a grid point when at most one axis moved; otherwise run it on the fold.
      const p = points.findIndex((q) => keyOf(q) === keyOf(setting));
      if (p >= 0) return { ...r, retuned: conditions.map((_, ci) => count(p, ci, (g) => g === f)) };
      const retuned = r.retuned;
      trials.forEach((trial) => {
        if (foldOf.get(trial.subject) !== f) return;
        const rec = readSisfallRecording(trial.file);
        conditions.forEach((c, ci) => {
          const n = retuned[ci];
          if (!n) return;
          const hit = raised(setting, streamOf(trial, rec, c));
          if (trial.isFall) {
            n.falls++;
            if (hit) n.caught++;
          } else {
            n.adl++;
            if (!hit) n.clean++;
          }
        });
      });
      return r;
    });

  const sweeps = axes.flatMap((axis, ai) =>
    axis.values.map((value, vi) => {
      const p = axisPoints[ai]?.[vi] ?? 0;
      return {
        axis: axis.name,
        value,
        perCondition: conditions.map((_, ci) => folds.map((_s, f) => count(p, ci, (g) => g === f))),
      };
    }),
  );
  return { conditions, folds: results, sweeps };
}

const pct = (v: number): string => (Number.isNaN(v) ? 'n/a' : (100 * v).toFixed(1));
const spread = (vs: number[]): string => {
  const ok = vs.filter((v) => !Number.isNaN(v));
  if (ok.length === 0) return 'n/a';
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  return `${pct(mean)} (${pct(Math.min(...ok))}–${pct(Math.max(...ok))})`;
};
const conditionLabel = (c: StreamCondition): string => `${c.rateHz} Hz ${c.harsh ? 'harsh' : timingLabel(c)}`;

/** Markdown: per fold and condition, the defaults and the re-chosen setting; the spread; the sweeps per fold. */
export function formatCv(r: CvResult): string {
  const lines = [
    '| fold (subjects) | rate | defaults: sensitivity | specificity | chosen on the other folds | re-chosen: sensitivity | specificity |',
    '|---|---|---|---|---|---|---|',
  ];
  r.folds.forEach((f, fi) => {
    const moved = Object.entries(f.chosen).map(([k, v]) => `${k} ${v}`);
    r.conditions.forEach((c, ci) => {
      const d = f.defaults[ci];
      const t = f.retuned[ci];
      if (!d || !t) return;
      lines.push(
        `| ${fi + 1} (${f.subjects.join(' ')}) | ${conditionLabel(c)} | ${pct(sens(d))} (${d.caught}/${d.falls}) | ` +
          `${pct(spec(d))} (${d.clean}/${d.adl}) | ${moved.length > 0 ? moved.join(', ') : 'the defaults'} | ` +
          `${pct(sens(t))} (${t.caught}/${t.falls}) | ${pct(spec(t))} (${t.clean}/${t.adl}) |`,
      );
    });
  });
  lines.push(
    '',
    '| rate | defaults: sensitivity, mean (min–max over folds) | specificity | re-chosen: sensitivity | specificity |',
    '|---|---|---|---|---|',
  );
  r.conditions.forEach((c, ci) => {
    const d = r.folds.map((f) => f.defaults[ci]).filter((n): n is Counts => n !== undefined);
    const t = r.folds.map((f) => f.retuned[ci]).filter((n): n is Counts => n !== undefined);
    lines.push(
      `| ${conditionLabel(c)} | ${spread(d.map(sens))} | ${spread(d.map(spec))} | ${spread(t.map(sens))} | ${spread(t.map(spec))} |`,
    );
  });
  lines.push(
    '',
    'One value moved from the defaults, each fold measured on itself (sensitivity / specificity per fold, %):',
    '',
    `| parameter | value | ${r.conditions.map(conditionLabel).join(' | ')} |`,
    `|---|---|${r.conditions.map(() => '---|').join('')}`,
  );
  for (const s of r.sweeps) {
    const def = valueOf(DEFAULT_SETTING, s.axis);
    const cells = s.perCondition.map((folds) => folds.map((n) => `${pct(sens(n))}/${pct(spec(n))}`).join(' · '));
    lines.push(`| ${s.axis} | ${s.value === def ? `**${s.value}**` : s.value} | ${cells.join(' | ')} |`);
  }
  lines.push('', knifeEdges(r));
  return lines.join('\n');
}

/** The largest change of one fold's figure for one grid step next to the defaults, per parameter. */
export function knifeEdges(r: CvResult): string {
  const out: string[] = [
    'Largest change of a fold for one step from the defaults (points; sensitivity / specificity):',
  ];
  const byAxis = new Map<AxisName, typeof r.sweeps>();
  for (const s of r.sweeps) byAxis.set(s.axis, [...(byAxis.get(s.axis) ?? []), s]);
  for (const [axis, sweeps] of byAxis) {
    const def = valueOf(DEFAULT_SETTING, axis);
    const i = sweeps.findIndex((s) => s.value === def);
    const base = sweeps[i];
    if (!base) continue;
    let dSens = 0;
    let dSpec = 0;
    for (const j of [i - 1, i + 1]) {
      const n = sweeps[j];
      if (!n) continue;
      n.perCondition.forEach((folds, ci) =>
        folds.forEach((c, f) => {
          const b = base.perCondition[ci]?.[f];
          if (!b) return;
          dSens = Math.max(dSens, Math.abs(sens(c) - sens(b)));
          dSpec = Math.max(dSpec, Math.abs(spec(c) - spec(b)));
        }),
      );
    }
    out.push(`- ${axis} ${def}: ${(100 * dSens).toFixed(1)} / ${(100 * dSpec).toFixed(1)}`);
  }
  return out.join('\n');
}
