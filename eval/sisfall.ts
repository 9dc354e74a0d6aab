// SisFall evaluation: the fall detector per trial, grouped by subject split (tuning, held out, older adults).
import type { RuleParams } from '../rules/params.js';
import type { FallDetectorTuning } from '../rules/fall/detector.js';
import { makeIrregular, seedOf } from './irregular.js';
import { outcomeOf, runTrial } from './mobifall-eval.js';
import { listSisfallTrials, readSisfallRecording, recordingMs, type SisfallTrial } from './sisfall-data.js';
import { sensorMessages } from './wearable-sensor.js';
import {
  emptyFigures,
  record,
  type StreamCondition,
  type TrialOutcome,
  type WearableFigures,
} from './wearable-figures.js';

/**
 * Young adults whose trials were used to choose thresholds and features (SA01–SA07). Every other young
 * adult (SA08–SA23) and every older adult (SE01–SE15, daily activities only) is held out.
 */
export const SISFALL_TUNING_SUBJECTS = ['SA01', 'SA02', 'SA03', 'SA04', 'SA05', 'SA06', 'SA07'];
/**
 * Walking and jogging (100 s each) and stairs up and down (D05, D06: 25 s each, 5 trials): the exposure
 * for false alarms per hour of walking (older adults did not do D06).
 */
export const SISFALL_WALKING_CODES = ['D01', 'D02', 'D03', 'D04', 'D05', 'D06'];

export type SisfallGroup = 'young-tuning' | 'young-held-out' | 'older-held-out';

export function sisfallGroupOf(trial: SisfallTrial): SisfallGroup {
  if (trial.older) return 'older-held-out';
  return SISFALL_TUNING_SUBJECTS.includes(trial.subject) ? 'young-tuning' : 'young-held-out';
}

export interface SisfallOptions {
  params: RuleParams['fall'];
  conditions: StreamCondition[];
  /** Which trials to run (default all): the bounded test runs a subset. */
  filter?: (trial: SisfallTrial) => boolean;
  /** The detector's data-chosen constants (default: the hub's). */
  tuning?: Readonly<FallDetectorTuning>;
  onProgress?: (done: number, total: number) => void;
  /** A trial left out, and why (unreadable, or fewer than two samples), as found (`WearableOptions.onSkip`). */
  onSkip?: (file: string, why: string) => void;
}

/** Figures per group and condition, keyed `${group}|${condition index}`. */
export function evaluateSisfall(root: string, o: SisfallOptions): Map<string, WearableFigures> {
  const trials = listSisfallTrials(root).filter(o.filter ?? (() => true));
  const figures = new Map<string, WearableFigures>();
  const startTs = Date.UTC(2016, 1, 1, 12);
  trials.forEach((trial, i) => {
    let rec: ReturnType<typeof readSisfallRecording>;
    try {
      rec = readSisfallRecording(trial.file);
    } catch (err) {
      o.onSkip?.(trial.file, `cannot be read (${(err as Error).message})`);
      return;
    }
    // A trial of no samples was counted as a clean daily activity, or a fall missed (session 67).
    if (rec.x.length < 2) {
      o.onSkip?.(trial.file, `${rec.x.length} sample(s): not a trial, left out`);
      return;
    }
    const group = sisfallGroupOf(trial);
    o.conditions.forEach((condition, c) => {
      const label = `${trial.code}_${trial.subject}_R${String(trial.trialNo).padStart(2, '0')}`;
      const seed = seedOf(label, condition.rateHz);
      const sent = sensorMessages(rec, startTs, {
        rateHz: condition.rateHz,
        rangeG: condition.rangeG,
        harsh: condition.harsh,
        gap: condition.gap,
        seed,
      });
      const messages = condition.irregular ? makeIrregular(sent, seed) : sent;
      const outcome: TrialOutcome = {
        label,
        isFall: trial.isFall,
        walking: SISFALL_WALKING_CODES.includes(trial.code),
        durationMs: recordingMs(rec),
        ...outcomeOf(runTrial(o.params, { messages }, o.tuning)),
      };
      const key = `${group}|${c}`;
      if (!figures.has(key)) figures.set(key, emptyFigures());
      record(figures.get(key)!, outcome);
    });
    o.onProgress?.(i + 1, trials.length);
  });
  return figures;
}
