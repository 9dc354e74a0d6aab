// `npm run eval:fall`: the wearable fall detector on MobiFall v2 (tuning and held-out figures, cost); `--tune` searches thresholds.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RULE_PARAMS, type RuleParams } from '../rules/params.js';
import { listTrials, mobifallRoot } from './mobifall-data.js';
import { figuresOf, prepareTrials, TUNING_SUBJECTS, type Figures, type PreparedTrial } from './mobifall-eval.js';
import { measureFallDetectorCost } from './mobifall-cost.js';

export interface MobifallReport {
  params: RuleParams['fall'];
  rateHz: number;
  tuning: Figures;
  test: Figures;
}

/** Evaluate on the dataset under `root` (about a second of CPU for every trial at 100 Hz). */
export function evaluateMobifall(
  root: string,
  options: { params?: RuleParams['fall']; rateHz?: number } = {},
): MobifallReport {
  const params = options.params ?? DEFAULT_RULE_PARAMS.fall;
  const rateHz = options.rateHz ?? 100;
  const prepared = prepareTrials(listTrials(root), rateHz);
  return {
    params,
    rateHz,
    tuning: figuresOf(
      params,
      prepared.filter((t) => t.split === 'tuning'),
    ),
    test: figuresOf(
      params,
      prepared.filter((t) => t.split === 'test'),
    ),
  };
}

const pct = (v: number): string => (Number.isNaN(v) ? '  n/a' : `${(100 * v).toFixed(1)} %`);

export function formatFigures(name: string, f: Figures): string {
  const lines = [
    `${name}: sensitivity ${pct(f.sensitivity)} (${f.fallsCaught}/${f.falls} falls, ${f.fallsDowngraded} only recorded as info), ` +
      `specificity ${pct(f.specificity)} (${f.adlTrialsClean}/${f.adlTrials} ADL trials without alarm)`,
  ];
  for (const [what, e] of Object.entries(f.falseAlarmsPerHour)) {
    lines.push(`  false alarms ${what}: ${e.alarms} in ${e.hours.toFixed(3)} h = ${e.perHour.toFixed(2)}/h`);
  }
  if (f.missed.length > 0) lines.push(`  missed: ${f.missed.join(' ')}`);
  if (f.falseAlarmTrials.length > 0) lines.push(`  false alarms in: ${f.falseAlarmTrials.join(' ')}`);
  return lines.join('\n');
}

/** Grid search on the tuning split only; prints the best settings and one-parameter curves. */
function tune(prepared: PreparedTrial[]): void {
  const tuning = prepared.filter((t) => t.split === 'tuning');
  const base = DEFAULT_RULE_PARAMS.fall;
  const grid = {
    impactG: [1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5],
    freeFallG: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
    postureChangeDeg: [20, 30, 40, 50, 60],
    stillStdG: [0.05, 0.1, 0.15, 0.2, 0.3],
    stillSeconds: [1, 2],
  };
  const rows: { p: RuleParams['fall']; f: Figures }[] = [];
  for (const impactG of grid.impactG)
    for (const freeFallG of grid.freeFallG)
      for (const postureChangeDeg of grid.postureChangeDeg)
        for (const stillStdG of grid.stillStdG)
          for (const stillSeconds of grid.stillSeconds) {
            const p = { ...base, impactG, freeFallG, postureChangeDeg, stillStdG, stillSeconds };
            rows.push({ p, f: figuresOf(p, tuning) });
          }
  rows.sort((a, b) => b.f.sensitivity + b.f.specificity - (a.f.sensitivity + a.f.specificity));
  console.log(
    `tuning split: falls of subjects ${TUNING_SUBJECTS.join(',')}, odd-numbered short ADL trials of subject 2`,
  );
  console.log('best 15 of', rows.length, 'settings (sensitivity + specificity on the tuning split):');
  for (const { p, f } of rows.slice(0, 15)) {
    console.log(
      `  impactG ${p.impactG} freeFallG ${p.freeFallG} postureChangeDeg ${p.postureChangeDeg} stillStdG ${p.stillStdG} ` +
        `stillSeconds ${p.stillSeconds}: sens ${pct(f.sensitivity)} spec ${pct(f.specificity)}`,
    );
  }
  console.log('one parameter at a time around the defaults (tuning split):');
  for (const [key, values] of Object.entries(grid)) {
    const cells = values.map((v) => {
      const f = figuresOf({ ...base, [key]: v }, tuning);
      return `${v}: ${pct(f.sensitivity)} / ${pct(f.specificity)}`;
    });
    console.log(`  ${key} (sens / spec): ${cells.join(' | ')}`);
  }
}

function main(): void {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const root = mobifallRoot(projectRoot);
  if (!fs.existsSync(root)) {
    console.log(`MobiFall data not found at ${root}: nothing to evaluate (see ../shared/data/README.md).`);
    return;
  }
  if (process.argv.includes('--tune')) {
    tune(prepareTrials(listTrials(root)));
    return;
  }
  console.log('MobiFall v2 (Vavoulas et al., IJMSTR 2014), phone in a trouser pocket; 1 s accel messages.');
  console.log('params.fall:', JSON.stringify(DEFAULT_RULE_PARAMS.fall));
  for (const rateHz of [100, 50, 200]) {
    const report = evaluateMobifall(root, { rateHz });
    console.log(`\n== resampled to ${rateHz} Hz ==`);
    console.log(formatFigures(`tuning (falls of subjects 1-5, odd short ADL trials)`, report.tuning));
    console.log(
      formatFigures(`test   (falls of subjects 6-11, even short ADL trials, 5-min STD and WAL)`, report.test),
    );
  }
  const cost = measureFallDetectorCost();
  console.log(
    `\ncost: ${cost.usPerSecondOfSamples.toFixed(1)} µs of CPU per second of ${cost.rateHz} Hz samples ` +
      `(${cost.secondsOfSamples} s measured; 200 wearables ≈ ${((cost.usPerSecondOfSamples * 200) / 10_000).toFixed(2)} % of one core)`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
