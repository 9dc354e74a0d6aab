// Per-home rolling baselines (28-day median and MAD) of daily features, and routine-change flags when a feature stays beyond them.
import type { DailyFeatures } from './types.js';
import { hhmmToMinutes } from '../rules/local-time.js';

export type BaselineFeature =
  | 'risingTime'
  | 'bedtime'
  | 'activeMinutes'
  | 'roomTransitions'
  | 'bathroomVisitsDay'
  | 'bathroomVisitsNight'
  | 'nightActivityMinutes'
  | 'minutesOut'
  | 'kitchenUses'
  | 'meanIndoorTempC';

export type Direction = 'up' | 'down';

export interface FeatureWatch {
  feature: BaselineFeature;
  /** The direction(s) worth a flag: the warning signs, not every change. */
  directions: readonly Direction[];
  /** A change smaller than this never flags, however steady the baseline (units of the feature). */
  minAbsChange: number;
}

/** What is watched and which way is worrying (SPEC 7: night bathroom visits up, activity down, rising later). */
export const WATCHED_FEATURES: readonly FeatureWatch[] = [
  { feature: 'bathroomVisitsNight', directions: ['up'], minAbsChange: 2 },
  { feature: 'bathroomVisitsDay', directions: ['up'], minAbsChange: 3 },
  { feature: 'activeMinutes', directions: ['down'], minAbsChange: 60 },
  { feature: 'roomTransitions', directions: ['down'], minAbsChange: 15 },
  { feature: 'risingTime', directions: ['up'], minAbsChange: 60 },
  { feature: 'bedtime', directions: ['up', 'down'], minAbsChange: 90 },
  { feature: 'nightActivityMinutes', directions: ['up'], minAbsChange: 30 },
  { feature: 'minutesOut', directions: ['down'], minAbsChange: 60 },
  { feature: 'kitchenUses', directions: ['down'], minAbsChange: 2 },
  { feature: 'meanIndoorTempC', directions: ['down'], minAbsChange: 2 },
];

export interface BaselineOptions {
  /** Days of history a baseline is made of. */
  windowDays: number;
  /** Fewer usable days than this: no baseline yet, no flag. */
  minDays: number;
  /** Flag when |x - median| >= k × 1.4826 × MAD (a robust z-score of k) and >= the feature's minimum change. */
  k: number;
  /** Consecutive days beyond the baseline, in the same direction, before a flag. */
  sustainDays: number;
}

export const DEFAULT_BASELINE_OPTIONS: BaselineOptions = { windowDays: 28, minDays: 14, k: 3, sustainDays: 3 };

/** 1.4826 × MAD estimates the standard deviation of normally distributed data. */
const MAD_TO_SIGMA = 1.4826;

export interface RobustStats {
  median: number;
  mad: number;
  /** Number of days the statistics were made from. */
  days: number;
}

export function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median and median absolute deviation; undefined for no values. */
export function robustStats(values: readonly number[]): RobustStats | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const m = median(sorted);
  const deviations = sorted.map((v) => Math.abs(v - m)).sort((a, b) => a - b);
  return { median: m, mad: median(deviations), days: values.length };
}

/**
 * The feature as a number: times as minutes after local midnight; a bedtime after midnight counts as
 * later than one before (00:30 is 24:30), so evenings compare on one line.
 */
export function featureValue(day: DailyFeatures, feature: BaselineFeature): number | null {
  if (feature === 'risingTime') return day.risingTime === null ? null : (hhmmToMinutes(day.risingTime) ?? null);
  if (feature === 'bedtime') {
    const minutes = day.bedtime === null ? undefined : hhmmToMinutes(day.bedtime);
    if (minutes === undefined) return null;
    return minutes < 12 * 60 ? minutes + 24 * 60 : minutes;
  }
  return day[feature];
}

export interface RoutineChange {
  homeId: string;
  feature: BaselineFeature;
  direction: Direction;
  /** Plain words for the direction: `later`/`earlier` for times, `up`/`down` otherwise. */
  change: string;
  /** First and last day of the run beyond the baseline (the flag is for the last). */
  fromDate: string;
  date: string;
  days: number;
  /** The feature's values over the run, oldest first (times in minutes after midnight). */
  values: number[];
  /** The baseline the last day was measured against (the window before it). */
  baseline: RobustStats;
}

const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

/**
 * Every routine change in one home's days: a flag on the day a run beyond the baseline reaches
 * `sustainDays` consecutive days (one flag per run). Each day is measured against the `windowDays`
 * calendar days before it. Days may have gaps; a missing day breaks a run.
 */
export function routineChanges(
  days: readonly DailyFeatures[],
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
  watched: readonly FeatureWatch[] = WATCHED_FEATURES,
): RoutineChange[] {
  const sorted = [...days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const numbers = sorted.map((d) => dayNumber(d.date));
  const flags: RoutineChange[] = [];
  for (const watch of watched) {
    const values = sorted.map((d) => featureValue(d, watch.feature));
    let run: { direction: Direction; start: number; values: number[] } | undefined;
    let windowStart = 0;
    for (let i = 0; i < sorted.length; i++) {
      while (numbers[windowStart] < numbers[i] - options.windowDays) windowStart++;
      const history: number[] = [];
      for (let j = windowStart; j < i; j++) if (values[j] !== null) history.push(values[j]!);
      const x = values[i];
      const stats = history.length >= options.minDays ? robustStats(history) : undefined;
      const direction = x === null || x === undefined || !stats ? undefined : beyond(x, stats, watch, options.k);
      const continues = run !== undefined && direction === run.direction && numbers[i] - numbers[i - 1] === 1;
      if (direction === undefined) {
        run = undefined;
        continue;
      }
      run = continues ? run! : { direction, start: i, values: [] };
      run.values.push(x!);
      if (run.values.length === options.sustainDays) {
        flags.push({
          homeId: sorted[i].homeId,
          feature: watch.feature,
          direction,
          change: changeWords(watch.feature, direction),
          fromDate: sorted[run.start].date,
          date: sorted[i].date,
          days: run.values.length,
          values: [...run.values],
          baseline: stats!,
        });
      }
    }
  }
  return flags.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

function beyond(x: number, stats: RobustStats, watch: FeatureWatch, k: number): Direction | undefined {
  const deviation = x - stats.median;
  const threshold = Math.max(k * MAD_TO_SIGMA * stats.mad, watch.minAbsChange);
  if (Math.abs(deviation) < threshold) return undefined;
  const direction: Direction = deviation > 0 ? 'up' : 'down';
  return watch.directions.includes(direction) ? direction : undefined;
}

function changeWords(feature: BaselineFeature, direction: Direction): string {
  if (feature === 'risingTime' || feature === 'bedtime') return direction === 'up' ? 'later' : 'earlier';
  return direction;
}
