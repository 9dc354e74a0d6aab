// Figures of a wearable fall evaluation: sensitivity, specificity, false alarms per hour of walking and of all daily activity.
// Only a call-out (a `critical` fall) counts as catching a fall or as a false alarm; an `info` record (an impact
// the wearer got up from: nobody is called) is counted in columns of its own so nothing hides.
import type { GapPlace } from './wearable-sensor.js';

export interface StreamCondition {
  rateHz: number;
  /** Dropped samples, jittered stamps, lost messages (eval/irregular.ts). */
  irregular: boolean;
  /** Sample instants jittered ±30 % of the period, 5 % dropped, bursts (eval/wearable-sensor.ts). */
  harsh?: boolean;
  /** Each axis clipped at ±rangeG (a wearable's range setting); absent: the recording's own. */
  rangeG?: number;
  /** A radio gap of 1–2 s by the impact (eval/wearable-sensor.ts, SensorModel.gap); regular timing otherwise. */
  gap?: GapPlace;
  /** MobiFall only: linear interpolation at the rate, as before issue 11's third round (no anti-alias filter). */
  interpolate?: boolean;
}

/** How a condition is printed: timing, then range and resampling where they differ from the recording's. */
export function timingLabel(c: StreamCondition): string {
  const timing = c.harsh ? 'harsh (±30 % jitter, 5 % dropped, bursts)' : c.irregular ? 'irregular' : 'regular';
  return timing + (c.gap ? `, 1–2 s gap ${c.gap} the impact` : '') + (c.interpolate ? ', interpolated' : '');
}
export const rangeLabel = (c: StreamCondition): string => (c.rangeG === undefined ? 'as recorded' : `±${c.rangeG} g`);

export interface TrialOutcome {
  label: string;
  isFall: boolean;
  /** Counts towards the hours of walking (walking, jogging, long walks). */
  walking: boolean;
  durationMs: number;
  /** Critical fall alerts the hub would raise for the trial (the recording's end is a silent wearable). */
  callOuts: number;
  /** Info records the hub would raise (the detector saw the wearer get up and walk): nobody is called. */
  records: number;
}

export interface WearableFigures {
  falls: number;
  fallsCaught: number;
  adlTrials: number;
  adlTrialsClean: number;
  walkingAlarms: number;
  walkingMs: number;
  adlAlarms: number;
  adlMs: number;
  /** Falls with an info record but no call-out (counted as missed). */
  fallsOnlyRecorded: number;
  /** Daily-activity trials with an info record and no call-out (counted as clean). */
  adlTrialsOnlyRecorded: number;
  /** Info records over all daily-activity trials. */
  adlRecords: number;
  missed: string[];
  falseAlarmTrials: string[];
}

export function emptyFigures(): WearableFigures {
  return {
    falls: 0,
    fallsCaught: 0,
    adlTrials: 0,
    adlTrialsClean: 0,
    walkingAlarms: 0,
    walkingMs: 0,
    adlAlarms: 0,
    adlMs: 0,
    fallsOnlyRecorded: 0,
    adlTrialsOnlyRecorded: 0,
    adlRecords: 0,
    missed: [],
    falseAlarmTrials: [],
  };
}

export function record(f: WearableFigures, t: TrialOutcome): void {
  if (t.isFall) {
    f.falls++;
    if (t.callOuts > 0) f.fallsCaught++;
    else {
      f.missed.push(t.label);
      if (t.records > 0) f.fallsOnlyRecorded++;
    }
    return;
  }
  f.adlTrials++;
  if (t.callOuts === 0) {
    f.adlTrialsClean++;
    if (t.records > 0) f.adlTrialsOnlyRecorded++;
  } else f.falseAlarmTrials.push(t.label);
  f.adlAlarms += t.callOuts;
  f.adlRecords += t.records;
  f.adlMs += t.durationMs;
  if (t.walking) {
    f.walkingAlarms += t.callOuts;
    f.walkingMs += t.durationMs;
  }
}

export const sensitivity = (f: WearableFigures): number => (f.falls > 0 ? f.fallsCaught / f.falls : NaN);
export const specificity = (f: WearableFigures): number => (f.adlTrials > 0 ? f.adlTrialsClean / f.adlTrials : NaN);
export const perHour = (alarms: number, ms: number): number => (ms > 0 ? alarms / (ms / 3_600_000) : NaN);

/** The 95 % Wilson score interval of a proportion `k` of `n` (sound near 100 %, unlike k/n ± 1.96 SE). */
export function wilsonInterval(k: number, n: number, z = 1.96): [number, number] {
  if (n <= 0) return [NaN, NaN];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** P(X ≤ k) for X ~ Poisson(mean). */
function poissonCdf(k: number, mean: number): number {
  let term = Math.exp(-mean);
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= mean / i;
    sum += term;
  }
  return sum;
}

/**
 * One-sided upper bound of a rate per hour, `events` seen in `hours` (exact Poisson, 95 % by default):
 * 0 events in T hours bound the rate at about 3.0 / T, so showing < 0.1 per hour needs about 30 h.
 */
export function poissonUpperPerHour(events: number, hours: number, confidence = 0.95): number {
  if (!(hours > 0)) return NaN;
  let lo = 0;
  let hi = events + 10 + 10 * Math.sqrt(events + 1);
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (poissonCdf(events, mid) > 1 - confidence) lo = mid;
    else hi = mid;
  }
  return hi / hours;
}
