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
  /**
   * Flag when |x - median| >= robustZ × 1.4826 × MAD (a robust z-score of `robustZ`) and >= the feature's minimum
   * change.
   */
  robustZ: number;
  /** Consecutive days beyond the baseline, in the same direction, before a flag. */
  sustainDays: number;
}

export const DEFAULT_BASELINE_OPTIONS: BaselineOptions = { windowDays: 28, minDays: 14, robustZ: 3, sustainDays: 3 };

/** 1.4826 × MAD estimates the standard deviation of normally distributed data. */
const MAD_TO_SIGMA = 1.4826;

export interface RobustStats {
  median: number;
  mad: number;
  /** Number of days the statistics were made from. */
  days: number;
}

/** The median of ascending values; NaN for none. */
export function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  const middle = sorted.length % 2 ? sorted.slice(mid, mid + 1) : sorted.slice(mid - 1, mid + 1);
  return middle.reduce((sum, v) => sum + v, 0) / middle.length;
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
 * A day the resident spent away: out of home (through the exit door) with no activity at all in it (a stay in hospital,
 * a week with family). It says nothing of their routine at home: left out of the baselines, and it breaks a run, as a
 * day with no data (left out of the features) does. Without it three weeks in hospital made a median of 1,440 minutes
 * out and no bathroom visit, and the resident back as before was flagged 'going out less' (review, session 60).
 */
export const dayAway = (day: DailyFeatures): boolean => day.minutesOut > 0 && day.activeMinutes === 0;

/**
 * Every routine change in one home's days: a flag on the day a run beyond the baseline reaches
 * `sustainDays` consecutive days (one flag per run). Each day is measured against the `windowDays`
 * calendar days before it. Days may have gaps; a missing day, or one away (`dayAway`), breaks a run.
 */
export function routineChanges(
  days: readonly DailyFeatures[],
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
  watched: readonly FeatureWatch[] = WATCHED_FEATURES,
): RoutineChange[] {
  return changesFrom(days, -Infinity, options, watched);
}

/**
 * The routine changes flagged on `date` alone: `routineChanges(days).filter((f) => f.date === date)`, with the baseline
 * computed for the days that can decide them only. A flag on `date` is a run of exactly `sustainDays` consecutive days
 * ending there, so only those days and the one before (which, beyond in the same direction, makes the run longer and
 * so no flag) matter; an earlier day can only lengthen a run that the day before cut or made too long already. The
 * routine review asks this of each home on the hub's loop: a tenth of the days' statistics (median and MAD over up to
 * `windowDays` values each, per watched feature) of the window it reads (docs/performance.md, session 30).
 */
export function routineChangesOn(
  days: readonly DailyFeatures[],
  date: string,
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
  watched: readonly FeatureWatch[] = WATCHED_FEATURES,
): RoutineChange[] {
  return changesFrom(days, dayNumber(date) - options.sustainDays, options, watched).filter((f) => f.date === date);
}

/** The flags of `routineChanges`, each day before `evaluateFromDay` taken into the baselines but not measured. */
function changesFrom(
  days: readonly DailyFeatures[],
  evaluateFromDay: number,
  options: BaselineOptions,
  watched: readonly FeatureWatch[],
): RoutineChange[] {
  const sorted = days.filter((day) => !dayAway(day)).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const flags: RoutineChange[] = [];
  for (const watch of watched) {
    const points = sorted.map((day) => ({
      day,
      dayNumber: dayNumber(day.date),
      value: featureValue(day, watch.feature),
    }));
    type Point = (typeof points)[number];
    /** The days before the current one within `windowDays`, oldest first. */
    const window: Point[] = [];
    let run: { direction: Direction; start: Point; last: Point; values: number[] } | undefined;
    for (const point of points) {
      const windowFrom = point.dayNumber - options.windowDays;
      while (window[0] !== undefined && window[0].dayNumber < windowFrom) window.shift();
      if (point.dayNumber < evaluateFromDay) {
        window.push(point);
        run = undefined;
        continue;
      }
      const history = window.flatMap((p) => (p.value === null ? [] : [p.value]));
      window.push(point);
      const x = point.value;
      const stats = history.length >= options.minDays ? robustStats(history) : undefined;
      const direction = x === null || stats === undefined ? undefined : beyond(x, stats, watch, options.robustZ);
      if (x === null || stats === undefined || direction === undefined) {
        run = undefined;
        continue;
      }
      const continues = run?.direction === direction && point.dayNumber - run.last.dayNumber === 1;
      if (!continues || run === undefined) run = { direction, start: point, last: point, values: [] };
      run.last = point;
      run.values.push(x);
      if (run.values.length === options.sustainDays) {
        flags.push({
          homeId: point.day.homeId,
          feature: watch.feature,
          direction,
          change: changeWords(watch.feature, direction),
          fromDate: run.start.day.date,
          date: point.day.date,
          days: run.values.length,
          values: [...run.values],
          baseline: stats,
        });
      }
    }
  }
  return flags.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

function beyond(x: number, stats: RobustStats, watch: FeatureWatch, robustZ: number): Direction | undefined {
  const deviation = x - stats.median;
  const threshold = Math.max(robustZ * MAD_TO_SIGMA * stats.mad, watch.minAbsChange);
  if (Math.abs(deviation) < threshold) return undefined;
  const direction: Direction = deviation > 0 ? 'up' : 'down';
  return watch.directions.includes(direction) ? direction : undefined;
}

function changeWords(feature: BaselineFeature, direction: Direction): string {
  if (feature === 'risingTime' || feature === 'bedtime') return direction === 'up' ? 'later' : 'earlier';
  return direction;
}
