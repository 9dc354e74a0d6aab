// Runs the fall detector over MobiFall trials and computes sensitivity, specificity and false alarms per hour.
import type { RuleParams } from '../rules/params.js';
import { createFallDetector, type FallDetection, type FallDetectorTuning } from '../rules/fall/detector.js';
import { durationMs, readRecording, toAccelMessages, type AccelMessage, type Trial } from './mobifall-data.js';

/** Subjects whose falls were used to choose the thresholds; the others are held out. */
export const TUNING_SUBJECTS = [1, 2, 3, 4, 5];
/** The long standing and walking recordings, used for false alarms per hour (held out, never tuned on). */
export const LONG_CODES = ['STD', 'WAL'];

export type Split = 'tuning' | 'test';

/**
 * Falls: subjects 1–5 tune, 6–11 test. ADLs exist only for subject 2, so they are split by trial:
 * odd-numbered short trials tune, even-numbered ones and the 5-minute standing and walking test.
 */
export function splitOf(trial: Trial): Split {
  if (trial.isFall) return TUNING_SUBJECTS.includes(trial.subject) ? 'tuning' : 'test';
  if (LONG_CODES.includes(trial.code)) return 'test';
  return trial.trialNo % 2 === 1 ? 'tuning' : 'test';
}

export interface PreparedTrial extends Trial {
  split: Split;
  durationMs: number;
  messages: AccelMessage[];
}

/** Each trial as 1 s `accel` messages at 100 Hz, stamped from a fixed epoch (recordings of 2013). */
export function prepareTrials(trials: Trial[], rateHz = 100): PreparedTrial[] {
  const startTs = Date.UTC(2013, 6, 5, 12, 0, 0);
  return trials.map((trial) => {
    const rec = readRecording(trial.file);
    return {
      ...trial,
      split: splitOf(trial),
      durationMs: durationMs(rec),
      messages: toAccelMessages(rec, startTs, rateHz),
    };
  });
}

/**
 * Detections of one trial, as the hub would raise them: the messages in order, then the wearable falls
 * silent at the end of the recording (or within it, for longer than the engine waits) and the detector is woken as
 * the engine's timer would wake it
 * (a candidate is judged with the samples it has; a confirmed fall is reported at the end of its window).
 */
export function runTrial(
  params: RuleParams['fall'],
  trial: { messages: AccelMessage[]; state?: unknown },
  tuning?: Readonly<FallDetectorTuning>,
): FallDetection[] {
  // `state`: the wearable's detector as earlier samples left it (wearers-unseen's --upright-from-walking).
  const detector = createFallDetector(params, trial.state, tuning);
  const found: FallDetection[] = [];
  for (const m of trial.messages) {
    // A message later than the wake-up the engine would have armed (a radio gap): the timer fires first.
    const wakeAt = detector.wakeAt();
    if (wakeAt !== null && m.ts > wakeAt) found.push(...detector.wake(wakeAt));
    found.push(...detector.push(m.ts, m.value));
  }
  for (let wakeAt = detector.wakeAt(); wakeAt !== null; wakeAt = detector.wakeAt())
    found.push(...detector.wake(wakeAt));
  return found;
}

/** A trial's detections as the hub raises them: critical call-outs and info records (the wearer got up). */
export function outcomeOf(found: FallDetection[]): { callOuts: number; records: number } {
  const records = found.filter((d) => d.downgraded).length;
  return { callOuts: found.length - records, records };
}

export interface Figures {
  falls: number;
  fallsCaught: number;
  /** Falls only recorded as info (the detector judged the wearer up): counted as missed. */
  fallsDowngraded: number;
  adlTrials: number;
  adlTrialsClean: number;
  sensitivity: number;
  specificity: number;
  /** False alarms per hour over each long recording (STD, WAL) and over every ADL trial together. */
  falseAlarmsPerHour: Record<string, { alarms: number; hours: number; perHour: number }>;
  missed: string[];
  falseAlarmTrials: string[];
}

const label = (t: Trial): string => `${t.code}_${t.subject}_${t.trialNo}`;

export function figuresOf(params: RuleParams['fall'], trials: PreparedTrial[]): Figures {
  let falls = 0;
  let fallsCaught = 0;
  let fallsDowngraded = 0;
  let adlTrials = 0;
  let adlTrialsClean = 0;
  const missed: string[] = [];
  const falseAlarmTrials: string[] = [];
  const allAdl = { alarms: 0, ms: 0 };
  const exposure: Record<string, { alarms: number; ms: number }> = { 'all ADL': allAdl };
  for (const trial of trials) {
    const { callOuts, records } = outcomeOf(runTrial(params, trial));
    if (trial.isFall) {
      falls++;
      if (callOuts > 0) fallsCaught++;
      else {
        missed.push(label(trial));
        if (records > 0) fallsDowngraded++;
      }
      continue;
    }
    adlTrials++;
    if (callOuts === 0) adlTrialsClean++;
    else falseAlarmTrials.push(`${label(trial)}×${callOuts}`);
    allAdl.alarms += callOuts;
    allAdl.ms += trial.durationMs;
    if (LONG_CODES.includes(trial.code)) {
      const e = (exposure[trial.code] ??= { alarms: 0, ms: 0 });
      e.alarms += callOuts;
      e.ms += trial.durationMs;
    }
  }
  const falseAlarmsPerHour: Figures['falseAlarmsPerHour'] = {};
  for (const [name, e] of Object.entries(exposure)) {
    if (e.ms === 0) continue;
    const hours = e.ms / 3_600_000;
    falseAlarmsPerHour[name] = { alarms: e.alarms, hours, perHour: e.alarms / hours };
  }
  return {
    falls,
    fallsCaught,
    fallsDowngraded,
    adlTrials,
    adlTrialsClean,
    sensitivity: falls > 0 ? fallsCaught / falls : NaN,
    specificity: adlTrials > 0 ? adlTrialsClean / adlTrials : NaN,
    falseAlarmsPerHour,
    missed,
    falseAlarmTrials,
  };
}
