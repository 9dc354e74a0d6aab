// `npm run eval:fall`: the wearable fall detector on SisFall and MobiFall, split by subject, at 20–200 Hz and irregular timing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RULE_PARAMS, type RuleParams } from '../rules/params.js';
import type { FallDetectorTuning } from '../rules/fall/detector.js';
import { makeIrregular, seedOf } from './irregular.js';
import { durationMs, listTrials, readRecording, toAccelMessages } from './mobifall-data.js';
import { outcomeOf, runTrial, splitOf } from './mobifall-eval.js';
import { measureFallDetectorCost } from './mobifall-cost.js';
import { evaluateOlderFalls, OLDER_VARIANTS, type OlderFallFigures } from './older-falls.js';
import { crossValidate, formatCv } from './wearable-cv.js';
import { sensorMessages, toUniform } from './wearable-sensor.js';
import { evaluateSisfall, sisfallGroupOf, SISFALL_TUNING_SUBJECTS, type SisfallGroup } from './sisfall.js';
import { listSisfallTrials, type SisfallTrial } from './sisfall-data.js';
import {
  emptyFigures,
  perHour,
  poissonUpperPerHour,
  record,
  sensitivity,
  specificity,
  rangeLabel,
  timingLabel,
  wilsonInterval,
  type StreamCondition,
  type WearableFigures,
} from './wearable-figures.js';

export type { StreamCondition, WearableFigures } from './wearable-figures.js';

/**
 * 20–200 Hz as sent, irregular and harsh timing, and the ranges of common wearables (±2, ±4, ±8 g), alone
 * and together with the lowest rate and harsh timing: where an unseen device would break the detector.
 */
export const DEFAULT_CONDITIONS: StreamCondition[] = [
  { rateHz: 20, irregular: false },
  { rateHz: 25, irregular: false },
  { rateHz: 50, irregular: false },
  { rateHz: 100, irregular: false },
  { rateHz: 200, irregular: false },
  { rateHz: 20, irregular: true },
  { rateHz: 100, irregular: true },
  { rateHz: 20, irregular: false, harsh: true },
  { rateHz: 25, irregular: false, harsh: true },
  { rateHz: 50, irregular: false, harsh: true },
  { rateHz: 100, irregular: false, rangeG: 8 },
  { rateHz: 100, irregular: false, rangeG: 4 },
  { rateHz: 100, irregular: false, rangeG: 2 },
  { rateHz: 20, irregular: false, rangeG: 2 },
  { rateHz: 20, irregular: false, rangeG: 2, harsh: true },
  { rateHz: 50, irregular: false, gap: 'before' },
  { rateHz: 50, irregular: false, gap: 'across' },
  { rateHz: 50, irregular: false, gap: 'after' },
  { rateHz: 20, irregular: false, gap: 'before' },
  { rateHz: 20, irregular: false, gap: 'across' },
  { rateHz: 20, irregular: false, gap: 'after' },
];
/** MobiFall: its phone already clips at ±2 g, so no range rows; 20 Hz interpolated as before (rate or clipping?). */
export const MOBIFALL_CONDITIONS: StreamCondition[] = [
  ...DEFAULT_CONDITIONS.filter((c) => c.rangeG === undefined),
  { rateHz: 20, irregular: false, interpolate: true },
];

/** MobiFall activities counted as walking: the 5-minute walk, jogging, stairs up and down. */
const MOBIFALL_WALKING_CODES = ['WAL', 'JOG', 'STU', 'STN'];

export interface WearableRow {
  dataset: 'SisFall' | 'MobiFall';
  /** Who: e.g. "young SA08–SA23". */
  group: string;
  /** Figures on subjects (or trials) never used to choose anything: the results. */
  heldOut: boolean;
  condition: StreamCondition;
  figures: WearableFigures;
}

export interface WearableResults {
  params: RuleParams['fall'];
  rows: WearableRow[];
  /** Datasets not found under the data folder. */
  absent: string[];
}

export interface WearableOptions {
  params?: RuleParams['fall'];
  conditions?: StreamCondition[];
  datasets?: ('sisfall' | 'mobifall')[];
  /** SisFall trials to run (default all); the bounded test runs a subset. */
  sisfallFilter?: (trial: SisfallTrial) => boolean;
  /** The detector's data-chosen constants (default: the hub's); for comparing a mechanism on or off. */
  tuning?: Readonly<FallDetectorTuning>;
  onProgress?: (what: string, done: number, total: number) => void;
  /**
   * A trial left out, and why (a file that cannot be read, or with fewer than two samples: a header and no data), as
   * found; the others are evaluated. Before session 67 such a trial counted: a fall missed, or a clean daily activity.
   */
  onSkip?: (file: string, why: string) => void;
}

/** Samples a trial needs to be a trial at all (one sample has no time span; none is a header alone). */
export const MIN_TRIAL_SAMPLES = 2;

const SISFALL_GROUPS: { group: SisfallGroup; label: string; heldOut: boolean }[] = [
  {
    group: 'young-tuning',
    label: `young ${SISFALL_TUNING_SUBJECTS[0]}–${SISFALL_TUNING_SUBJECTS.at(-1)} (tuning)`,
    heldOut: false,
  },
  { group: 'young-held-out', label: 'young SA08–SA23', heldOut: true },
  { group: 'older-held-out', label: 'older SE01–SE15 (daily activities)', heldOut: true },
];

/** Run every wearable dataset present under `dataDir` (the shared data folder). */
export function evaluateWearables(dataDir: string, options: WearableOptions = {}): WearableResults {
  const params = options.params ?? DEFAULT_RULE_PARAMS.fall;
  const conditions = options.conditions ?? DEFAULT_CONDITIONS;
  const mobifallConditions = options.conditions ?? MOBIFALL_CONDITIONS;
  const datasets = options.datasets ?? ['sisfall', 'mobifall'];
  const rows: WearableRow[] = [];
  const absent: string[] = [];

  const sisfallDir = path.join(dataDir, 'sisfall');
  if (datasets.includes('sisfall')) {
    if (!fs.existsSync(sisfallDir)) absent.push(sisfallDir);
    else {
      if (listSisfallTrials(sisfallDir).length === 0)
        options.onSkip?.(
          sisfallDir,
          'no trial found (SisFall is read as SUBJECT/CODE_SUBJECT_RNN.txt[.gz], e.g. SA01/D01_SA01_R01.txt)',
        );
      const figures = evaluateSisfall(sisfallDir, {
        params,
        conditions,
        filter: options.sisfallFilter,
        tuning: options.tuning,
        onSkip: options.onSkip,
        onProgress: (done, total) => options.onProgress?.('SisFall', done, total),
      });
      // The held-out groups are named by the subjects there (a copy with SA24 or SE16 says so; the shared copy's names
      // are unchanged): before session 67 a subject of another id was counted under "young SA08–SA23".
      const present = listSisfallTrials(sisfallDir);
      const named = (g: (typeof SISFALL_GROUPS)[number]): string => {
        if (!g.heldOut) return g.label;
        const ids = [...new Set(present.filter((t) => sisfallGroupOf(t) === g.group).map((t) => t.subject))].sort();
        const span = ids.length > 1 ? `${ids[0]}–${ids[ids.length - 1]}` : ids[0];
        return span === undefined ? g.label : g.label.replace(/S[AE]\d\d–S[AE]\d\d/, span);
      };
      for (const g of SISFALL_GROUPS) {
        const label = named(g);
        conditions.forEach((condition, c) => {
          const f = figures.get(`${g.group}|${c}`);
          // A copy with an older adult's falls (SE06, left out of the shared copy, fell too) is not daily activities only.
          const group = f && f.falls > 0 ? label.replace(' (daily activities)', '') : label;
          if (f) rows.push({ dataset: 'SisFall', group, heldOut: g.heldOut, condition, figures: f });
        });
      }
    }
  }

  const mobifallDir = path.join(dataDir, 'mobifall-v2');
  if (datasets.includes('mobifall')) {
    if (!fs.existsSync(mobifallDir)) absent.push(mobifallDir);
    else {
      const trials = listTrials(mobifallDir);
      // A copy unpacked one folder too deep (mobifall-v2/MobiFall_Dataset_v2.0/sub1/...) was passed over in silence.
      if (trials.length === 0)
        options.onSkip?.(mobifallDir, 'no trial found (MobiFall is read as subN/FALLS|ADL/CODE/CODE_acc_N_T.txt)');
      const byKey = new Map<string, WearableFigures>();
      const startTs = Date.UTC(2013, 6, 5, 12);
      trials.forEach((trial, i) => {
        let rec: ReturnType<typeof readRecording>;
        try {
          rec = readRecording(trial.file);
        } catch (err) {
          options.onSkip?.(trial.file, `cannot be read (${(err as Error).message})`);
          return;
        }
        if (rec.tMs.length < MIN_TRIAL_SAMPLES) {
          options.onSkip?.(trial.file, `${rec.tMs.length} sample(s) after its header: not a trial, left out`);
          return;
        }
        // Its ~100 Hz irregular samples on a 200 Hz grid, then the same sensor model as SisFall's.
        const uniform = toUniform(rec.tMs, rec.x, rec.y, rec.z, 200);
        mobifallConditions.forEach((condition, c) => {
          const label = `${trial.code}_${trial.subject}_${trial.trialNo}`;
          const seed = seedOf(label, condition.rateHz);
          const sent = condition.interpolate
            ? toAccelMessages(rec, startTs, condition.rateHz)
            : sensorMessages(uniform, startTs, { ...condition, seed });
          const messages = condition.irregular ? makeIrregular(sent, seed) : sent;
          const key = `${splitOf(trial)}|${c}`;
          if (!byKey.has(key)) byKey.set(key, emptyFigures());
          record(byKey.get(key)!, {
            label,
            isFall: trial.isFall,
            walking: MOBIFALL_WALKING_CODES.includes(trial.code),
            durationMs: durationMs(rec),
            ...outcomeOf(runTrial(params, { messages }, options.tuning)),
          });
        });
        options.onProgress?.('MobiFall', i + 1, trials.length);
      });
      // Held-out fallers named by the subjects there (the shared copy: 6–11), as SisFall's groups.
      const fallers = [...new Set(trials.filter((t) => t.isFall && splitOf(t) === 'test').map((t) => t.subject))];
      fallers.sort((a, b) => a - b);
      const heldOutFallers =
        fallers.length > 1 ? `${fallers[0]}–${fallers[fallers.length - 1]}` : String(fallers[0] ?? '6–11');
      const groups = [
        { split: 'tuning', label: 'falls subj. 1–5, odd ADL trials (tuning)', heldOut: false },
        { split: 'test', label: `falls subj. ${heldOutFallers}, even ADL trials, STD, WAL`, heldOut: true },
      ];
      for (const g of groups) {
        mobifallConditions.forEach((condition, c) => {
          const f = byKey.get(`${g.split}|${c}`);
          if (f) rows.push({ dataset: 'MobiFall', group: g.label, heldOut: g.heldOut, condition, figures: f });
        });
      }
    }
  }
  return { params, rows, absent };
}

const pct = (v: number): string => (Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(1)} %`);
const rate = (alarms: number, ms: number): string =>
  ms > 0 ? `${perHour(alarms, ms).toFixed(2)} (${alarms} in ${(ms / 3_600_000).toFixed(2)} h)` : 'n/a';

/** One Markdown table: a row per dataset, subject group and stream condition; held-out rows are the results. */
export function formatWearableTable(results: WearableResults, options: { details?: boolean } = {}): string {
  const lines = [
    '| dataset | subjects | rate | timing | range | sensitivity | specificity | false alarms / h walking | false alarms / h all daily activity | info records, no call-out (falls / daily trials) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results.rows) {
    const f = r.figures;
    const name = r.heldOut ? `**${r.group}**` : r.group;
    lines.push(
      `| ${r.dataset} | ${name} | ${r.condition.rateHz} Hz | ${timingLabel(r.condition)} | ${rangeLabel(r.condition)} | ` +
        `${pct(sensitivity(f))} (${f.fallsCaught}/${f.falls}) | ${pct(specificity(f))} (${f.adlTrialsClean}/${f.adlTrials}) | ` +
        `${rate(f.walkingAlarms, f.walkingMs)} | ${rate(f.adlAlarms, f.adlMs)} | ` +
        `${f.fallsOnlyRecorded} / ${f.adlTrialsOnlyRecorded} |`,
    );
  }
  if (options.details) {
    for (const r of results.rows.filter((row) => row.heldOut)) {
      const f = r.figures;
      const at = `${r.dataset} ${r.group} ${r.condition.rateHz} Hz ${timingLabel(r.condition)} ${rangeLabel(r.condition)}`;
      if (f.missed.length > 0) lines.push(`- missed, ${at}: ${f.missed.join(' ')}`);
      if (f.falseAlarmTrials.length > 0) lines.push(`- false alarms, ${at}: ${f.falseAlarmTrials.join(' ')}`);
    }
  }
  for (const dir of results.absent) lines.push(`(data absent: ${dir})`);
  return lines.join('\n');
}

/**
 * Specificity with the evidence behind it: per stream condition, every daily-activity trial of both datasets
 * pooled, tuned on and held out apart, with a 95 % Wilson interval; the hours of walking, jogging and stairs
 * and the 95 % upper bound of false alarms per hour of them (exact Poisson).
 */
export function formatSpecificityEvidence(results: WearableResults): string {
  const lines = [
    '| rate | timing | range | split | daily-activity trials clean | specificity (95 % Wilson) | walking, jogging, stairs: alarms in hours | false alarms / h (95 % upper bound) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const conditions = [...new Set(results.rows.map((r) => r.condition))];
  for (const condition of conditions) {
    for (const heldOut of [false, true]) {
      const rows = results.rows.filter((r) => r.condition === condition && r.heldOut === heldOut);
      if (rows.length === 0) continue;
      const sum = (pick: (f: WearableFigures) => number): number => rows.reduce((n, r) => n + pick(r.figures), 0);
      const trials = sum((f) => f.adlTrials);
      const clean = sum((f) => f.adlTrialsClean);
      const alarms = sum((f) => f.walkingAlarms);
      const hours = sum((f) => f.walkingMs) / 3_600_000;
      const [lo, hi] = wilsonInterval(clean, trials);
      const who = [...new Set(rows.map((r) => r.dataset))].join(' + ');
      lines.push(
        `| ${condition.rateHz} Hz | ${timingLabel(condition)} | ${rangeLabel(condition)} | ` +
          `${heldOut ? '**held out**' : 'tuned on'} (${who}) | ${clean}/${trials} | ` +
          `${pct(clean / trials)} (${pct(lo)}–${pct(hi)}) | ${alarms} in ${hours.toFixed(2)} h | ` +
          `${perHour(alarms, hours * 3_600_000).toFixed(2)} (≤ ${poissonUpperPerHour(alarms, hours).toFixed(2)}) |`,
      );
    }
  }
  return lines.join('\n');
}

const WEARABLE_USAGE = [
  'Usage: npm run eval:fall -- [--details | --cv | --older]',
  '',
  'The wearable fall detector on SisFall and MobiFall in ../shared/data: every row of the table (npm run eval -- --only',
  'wearable shows the same rows), the specificity evidence, the older fallers and the detector cost.',
  '  --details  each held-out missed fall and false alarm, by trial',
  '  --cv       the cross-validation of the thresholds over SisFall subject folds (only this)',
  '  --older    the older-faller stress test alone',
  '',
].join('\n');

function main(): void {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = path.resolve(projectRoot, '../shared/data');
  const tty = process.stderr.isTTY;
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(WEARABLE_USAGE);
    return;
  }
  const unknown = args.filter((a) => !['--details', '--cv', '--older'].includes(a));
  if (unknown.length > 0) {
    process.stderr.write(`eval:fall: unknown option ${unknown.map((a) => `'${a}'`).join(', ')}\n${WEARABLE_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (process.argv.includes('--cv')) {
    mainCv(dataDir);
    return;
  }
  if (process.argv.includes('--older')) {
    mainOlderFalls(dataDir, tty);
    return;
  }
  const results = evaluateWearables(dataDir, {
    onProgress: tty ? (what, done, total) => process.stderr.write(`\r${what}: ${done}/${total} trials`) : undefined,
  });
  if (tty) process.stderr.write('\n');
  console.log(
    'Wearable fall detection (held-out rows in bold are the results; goals: sensitivity and specificity ≥ 95 %, < 0.1 false alarm per hour of walking).\n' +
      'Only critical call-outs count; an impact the wearer got up from is an info record (last column: a fall only recorded counts as missed).',
  );
  console.log(`params.fall: ${JSON.stringify(results.params)}\n`);
  console.log(formatWearableTable(results, { details: process.argv.includes('--details') }));
  console.log('\nSpecificity evidence (every daily-activity trial, both datasets pooled):\n');
  console.log(formatSpecificityEvidence(results));
  mainOlderFalls(dataDir, tty);
  const cost = measureFallDetectorCost();
  console.log(
    `\ncost: ${cost.usPerSecondOfSamples.toFixed(1)} µs of CPU per second of ${cost.rateHz} Hz samples ` +
      `(200 wearables ≈ ${((cost.usPerSecondOfSamples * 200) / 10_000).toFixed(2)} % of one core)`,
  );
}

/** Conditions of the older-faller stress test: the lowest rate (regular and on the cheapest wearable), 50 and 200 Hz. */
export const OLDER_FALL_CONDITIONS: StreamCondition[] = [
  { rateHz: 20, irregular: false },
  { rateHz: 50, irregular: false },
  { rateHz: 200, irregular: false },
  { rateHz: 20, irregular: false, rangeG: 2, harsh: true },
];

/** One Markdown table of the stress test: a row per variant, a column per condition, tuning and held-out subjects. */
export function formatOlderFalls(
  sitDownPeakG: number,
  rows: { label: string; heldOut: boolean; figures: OlderFallFigures[] }[],
  conditions: StreamCondition[],
): string {
  const head = conditions.map((c) => `${c.rateHz} Hz ${timingLabel(c)} ${rangeLabel(c)}`);
  const lines = [
    `| young adults' falls | made older by | ${head.join(' | ')} |`,
    `|---|---|${head.map(() => '---').join('|')}|`,
  ];
  for (const r of rows)
    for (const variant of OLDER_VARIANTS) {
      const cells = conditions.map((c) => {
        const f = r.figures.find((g) => g.variant === variant && g.condition === c);
        return f ? `${pct(f.caught / f.falls)} (${f.caught}/${f.falls})` : 'n/a';
      });
      lines.push(`| ${r.heldOut ? `**${r.label}**` : r.label} | ${variant} | ${cells.join(' | ')} |`);
    }
  lines.push(
    `(sit-down peak: ${sitDownPeakG.toFixed(2)} g, the 90th percentile of older adults' sit-downs, SE01–SE15 D07–D10)`,
  );
  return lines.join('\n');
}

/** The older-faller stress test (eval/older-falls.ts) on SisFall's young adults' falls: not real older falls. */
function mainOlderFalls(dataDir: string, tty: boolean): void {
  const sisfallDir = path.join(dataDir, 'sisfall');
  if (!fs.existsSync(sisfallDir)) return;
  const run = (
    label: string,
    heldOut: boolean,
  ): { label: string; heldOut: boolean; figures: OlderFallFigures[] } & {
    sitDownPeakG: number;
  } => {
    const r = evaluateOlderFalls(sisfallDir, {
      params: DEFAULT_RULE_PARAMS.fall,
      conditions: OLDER_FALL_CONDITIONS,
      filter: (t) => SISFALL_TUNING_SUBJECTS.includes(t.subject) !== heldOut,
      onProgress: tty
        ? (done, total) => process.stderr.write(`\rolder-faller stress test: ${done}/${total} falls`)
        : undefined,
    });
    if (tty) process.stderr.write('\n');
    return { label, heldOut, ...r };
  };
  const tuning = run(`SA01–SA07 (tuning)`, false);
  const heldOut = run('SA08–SA23', true);
  console.log(
    "\nStress test, NOT real older falls: young adults' falls made older by transformations with a physical meaning " +
      "(eval/older-falls.ts; a slower descent, an absorbed impact, a peak no harder than older adults' sit-downs, " +
      'tremor, 3 s of struggling with an attempt to get up before lying still, and all together). Sensitivity:\n',
  );
  console.log(formatOlderFalls(heldOut.sitDownPeakG, [tuning, heldOut], OLDER_FALL_CONDITIONS));
}

/** `--cv`: subject-wise cross-validation on SisFall's young adults (eval/wearable-cv.ts), ~10 min on a quiet machine. */
function mainCv(dataDir: string): void {
  const sisfallDir = path.join(dataDir, 'sisfall');
  if (!fs.existsSync(sisfallDir)) {
    console.log(`(data absent: ${sisfallDir})`);
    return;
  }
  const started = Date.now();
  let shown = -1;
  const result = crossValidate(sisfallDir, {
    onProgress: (done, total) => {
      // One line per 5 % (a log file gets a few lines, a terminal one that moves).
      const step = Math.floor((20 * done) / total);
      if (step === shown && done < total) return;
      shown = step;
      const s = Math.round((Date.now() - started) / 1000);
      process.stderr.write(`cv: ${done}/${total} young SisFall trials, ${s} s${process.stderr.isTTY ? '\r' : '\n'}`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(
    'Subject-wise cross-validation, SisFall young adults SA01–SA23, 4 folds by subject. Per fold: the defaults ' +
      '(chosen on SA01–SA07 and MobiFall 1–5), and the parameters chosen again on the other three folds ' +
      '(per parameter: the worst of sensitivity and specificity over the rates it affects, middle of the plateau).\n',
  );
  console.log(formatCv(result));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
