// Daily features of a home from the stored events, for a range of local dates; completed days are cached.
import type { Database } from 'better-sqlite3';
import type { HomeConfig } from '../rules/types.js';
import type { HubConfig } from '../hub/config-types.js';
import { queryAlerts } from '../hub/alerts/query.js';
import { FeatureAccumulator, FEATURE_THRESHOLDS } from './features.js';
import { homeEvents } from '../hub/event-reads.js';
import { cacheDays, cachedDays, hubOffSpans, migrateAnalytics } from './store.js';
import { dayToIsoDate, hhmmToMinutes, isoDateToDay, ZoneClock } from '../rules/local-time.js';
import type { DailyFeatures } from './types.js';
import { MINUTE_MS } from '../rules/time.js';

/** A day is complete (cached, reviewed) this long after its night ends: bedtime needs the quiet to settle. */
export const DAY_SETTLE_MS = FEATURE_THRESHOLDS.nightQuietMinutes * MINUTE_MS;

export class DateRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DateRangeError';
  }
}

/** Where a home's feature days begin and end, from its configuration (or the defaults for an unknown home). */
export interface HomeCalendar {
  zone: ZoneClock;
  nightEndMin: number;
}

export function homeCalendar(home: HomeConfig | undefined): HomeCalendar {
  return {
    zone: new ZoneClock(home?.timezone ?? 'UTC'),
    nightEndMin: hhmmToMinutes(home?.nightWindow.end ?? '06:00') ?? 360,
  };
}

/** Start of feature day `day` (end of the night window on that date). */
export const featureDayStart = (cal: HomeCalendar, day: number): number => cal.zone.instantOf(day, cal.nightEndMin);

/** The latest local date whose feature day is complete at `now`. */
export function lastCompleteDay(cal: HomeCalendar, now: number): number {
  let day = cal.zone.dayNumber(now);
  while (featureDayStart(cal, day + 1) + DAY_SETTLE_MS > now) day--;
  return day;
}

/**
 * A day the hub was off for this long or more is not wholly the resident's: a restart (a crash, an upgrade) takes a
 * minute or two, and the hub notes that it runs every 5 minutes (`hub_runs`).
 */
export const HUB_OFF_MIN_MS = 15 * MINUTE_MS;

/**
 * The minutes of each of `days` in which the hub was off (`hubOffSpans`), for the days with `HUB_OFF_MIN_MS` or more
 * of them: nothing listened then, and their figures are partial (review, session 61). Works on a read-only connection.
 */
export function hubOffMinutes(
  db: Database,
  home: HomeConfig | undefined,
  days: readonly DailyFeatures[],
): Map<string, number> {
  const spans = days.length === 0 ? [] : hubOffSpans(db, HUB_OFF_MIN_MS);
  const byDate = new Map<string, number>();
  if (spans.length === 0) return byDate;
  const cal = homeCalendar(home);
  for (const d of days) {
    const day = isoDateToDay(d.date);
    if (day === undefined) continue;
    const start = featureDayStart(cal, day);
    const end = featureDayStart(cal, day + 1);
    const offMs = spans.reduce((sum, [off, on]) => sum + Math.max(0, Math.min(on, end) - Math.max(off, start)), 0);
    if (offMs >= HUB_OFF_MIN_MS) byDate.set(d.date, Math.round(offMs / MINUTE_MS));
  }
  return byDate;
}

export function parseDateRange(fromDate: string, toDate: string): { from: number; to: number } {
  const from = isoDateToDay(fromDate);
  const to = isoDateToDay(toDate);
  if (from === undefined) throw new DateRangeError(`from: '${fromDate}' is not a date YYYY-MM-DD`);
  if (to === undefined) throw new DateRangeError(`to: '${toDate}' is not a date YYYY-MM-DD`);
  if (from > to) throw new DateRangeError(`from (${fromDate}) is after to (${toDate})`);
  return { from, to };
}

/** The days `homeActivity` answers, and those of them newly computed and complete (to cache). */
export interface ActivityPlan {
  days: DailyFeatures[];
  fresh: DailyFeatures[];
}

/**
 * Daily features of `homeId` for local dates `fromDate..toDate` (inclusive), as far as `now` has reached
 * (today's day is partial and not cached). Days with no data at all are left out.
 */
export function homeActivity(
  db: Database,
  config: HubConfig,
  homeId: string,
  fromDate: string,
  toDate: string,
  now: number = Date.now(),
): DailyFeatures[] {
  migrateAnalytics(db);
  const plan = planHomeActivity(db, config, homeId, fromDate, toDate, now);
  cacheDays(db, plan.fresh, now);
  return plan.days;
}

/**
 * `homeActivity` without writing: reads cached days and computes the others from the stored events. Works on a
 * read-only connection (the analytics worker thread's); the caller caches `fresh`. The tables must exist.
 */
export function planHomeActivity(
  db: Database,
  config: HubConfig,
  homeId: string,
  fromDate: string,
  toDate: string,
  now: number,
): ActivityPlan {
  const range = parseDateRange(fromDate, toDate);
  const home = config.homes.find((h) => h.id === homeId);
  const cal = homeCalendar(home);
  const byDate = new Map(cachedDays(db, homeId, fromDate, toDate).map((d) => [d.date, d]));
  const completeUntil = lastCompleteDay(cal, now);
  const lastWanted = Math.min(range.to, cal.zone.dayNumber(now));
  let firstMissing: number | undefined;
  for (let day = range.from; day <= lastWanted; day++) {
    if (!byDate.has(dayToIsoDate(day)) || day > completeUntil) {
      firstMissing = day;
      break;
    }
  }
  let fresh: DailyFeatures[] = [];
  if (firstMissing !== undefined) {
    const from = firstMissing;
    const computed = computeDays(db, home ? [home] : [], homeId, cal, from, lastWanted, now);
    // The day before the first missing one is computed from its 06:00 only, for the next morning: its own morning
    // unseen (no rising time), it is not an answer. Cached, it took the place of the whole day (review, session 59).
    const wanted = (d: DailyFeatures): boolean => {
      const day = isoDateToDay(d.date)!;
      return day >= from && day <= range.to;
    };
    fresh = computed.filter((d) => wanted(d) && isoDateToDay(d.date)! <= completeUntil);
    for (const d of computed) if (wanted(d)) byDate.set(d.date, d);
  }
  return { days: [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1)), fresh };
}

/** Run the accumulator over the stored events and alerts, from the day before `firstDay` (for its morning). */
function computeDays(
  db: Database,
  homes: HomeConfig[],
  homeId: string,
  cal: HomeCalendar,
  firstDay: number,
  lastDay: number,
  now: number,
): DailyFeatures[] {
  const fromMs = featureDayStart(cal, firstDay - 1);
  const untilMs = Math.min(now, featureDayStart(cal, lastDay + 1) + 6 * DAY_SETTLE_MS);
  const acc = new FeatureAccumulator(homes);
  const alerts = queryAlerts(db, { homeId, from: fromMs, to: untilMs })
    .map((a) => ({ kind: a.kind, at: Date.parse(a.raisedAt) }))
    .sort((a, b) => a.at - b.at);
  let nextAlert = 0;
  /** Feeds the alerts raised up to `ts` in time order with the events (alerts are sorted). */
  const addAlertsUntil = (ts: number): void => {
    for (let alert = alerts[nextAlert]; alert !== undefined && alert.at <= ts; alert = alerts[++nextAlert]) {
      acc.addAlert(homeId, alert.kind, alert.at);
    }
  };
  let seen = false;
  for (const event of homeEvents(db, homeId, fromMs, untilMs)) {
    addAlertsUntil(event.ts);
    acc.add(event);
    seen = true;
  }
  if (!seen) return [];
  addAlertsUntil(Number.POSITIVE_INFINITY);
  return [...acc.flush(untilMs), ...acc.finish()];
}
