// The daily review: the routine-change flags of each home's latest completed day, as rule decisions for the alert service.
import type { Database } from 'better-sqlite3';
import type { HomeConfig, RuleDecision } from '../rules/types.js';
import type { SeverityOf } from '../rules/vocabulary.js';
import type { HubConfig } from '../hub/config-types.js';
import type { DailyFeatures } from './types.js';
import { featureDayStart, homeActivity, homeCalendar, hubOffMinutes, lastCompleteDay } from './activity.js';
import { hasAlertTables } from '../hub/alerts/schema.js';
import {
  dayAway,
  DEFAULT_BASELINE_OPTIONS,
  routineChangesOn,
  type BaselineFeature,
  type BaselineOptions,
} from './baseline.js';
import { awayDates, latestReviewed, markAwayDay, markReviewed, migrateAnalytics } from './store.js';
import { dayToIsoDate, isoDateToDay } from '../rules/local-time.js';

const UNITS: Record<BaselineFeature, string> = {
  risingTime: 'minutes after midnight',
  bedtime: 'minutes after midnight (after-midnight times count past 24:00)',
  activeMinutes: 'minutes',
  roomTransitions: 'count',
  bathroomVisitsDay: 'count',
  bathroomVisitsNight: 'count',
  nightActivityMinutes: 'minutes',
  minutesOut: 'minutes',
  kitchenUses: 'count',
  meanIndoorTempC: '°C',
};

/**
 * The most days a review looks back for completed days not yet reviewed (the hub off when they completed): a baseline
 * window's worth.
 */
export const CATCH_UP_DAYS = DEFAULT_BASELINE_OPTIONS.windowDays;

/**
 * The days a review of `home` at `now` looks at, `first..date` (`date` its latest completed day), and the first day of
 * the features it needs. `first` is the day after the home's latest reviewed one (at most `CATCH_UP_DAYS` back; `date`
 * for a home never reviewed): a flag is raised on the third day of its run only, and a day whose review round never
 * came while the hub ran (unplugged at 07:00, back the next day) lost its flag for good (review, session 61).
 */
export function reviewWindow(
  db: Database,
  home: HomeConfig,
  now: number,
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
): { first: string; date: string; from: string } {
  const day = lastCompleteDay(homeCalendar(home), now);
  const latest = latestReviewed(db, home.id);
  const latestDay = latest === undefined ? undefined : isoDateToDay(latest);
  const first = latestDay === undefined ? day : Math.min(day, Math.max(latestDay + 1, day - CATCH_UP_DAYS));
  return {
    first: dayToIsoDate(first),
    date: dayToIsoDate(day),
    from: dayToIsoDate(first - options.windowDays - options.sustainDays),
  };
}

/**
 * The `routine-change` raises for each of `home`'s days `first..date` (`reviewDecisions` of each), and those days,
 * for `markReviewedDays`.
 */
export function reviewDecisionsOf(
  home: HomeConfig,
  days: readonly DailyFeatures[],
  first: string,
  date: string,
  now: number,
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
  away: ReadonlySet<string> = new Set(),
  hubOff: ReadonlySet<string> = new Set(),
): RuleDecision[] {
  const decisions: RuleDecision[] = [];
  for (const day of reviewDays(first, date)) {
    decisions.push(...reviewDecisions(home, days, day, now, options, away, hubOff));
  }
  return decisions;
}

/** Each (home, day) of `first..date` marked reviewed; `decisions` of the days it was not yet (those to raise). */
export function markReviewedDays(
  db: Database,
  homeId: string,
  first: string,
  date: string,
  now: number,
  decisions: readonly RuleDecision[],
): RuleDecision[] {
  const fresh = new Set(reviewDays(first, date).filter((day) => markReviewed(db, homeId, day, now)));
  return decisions.filter((d) => d.type !== 'raise' || fresh.has(String(d.detail.date)));
}

function reviewDays(first: string, date: string): string[] {
  const days: string[] = [];
  for (let day = isoDateToDay(first) ?? NaN; day <= (isoDateToDay(date) ?? NaN); day++) days.push(dayToIsoDate(day));
  return days;
}

/**
 * A home in away mode when the review looks: its feature day under way at `now` is noted as away (`markAwayDay`), so
 * that it stays out of the baselines once the home is back (review, session 60: a fortnight away made the baseline of
 * the weeks after, an empty home's days, and the resident back as before was flagged).
 */
export function noteAway(db: Database, home: HomeConfig, now: number): void {
  const cal = homeCalendar(home);
  let day = cal.zone.dayNumber(now);
  if (featureDayStart(cal, day) > now) day--;
  markAwayDay(db, home.id, dayToIsoDate(day));
}

/**
 * The dates of `days` the hub was off for part of (`hubOffMinutes`): the hours nothing listened are not hours the
 * resident did nothing (review, session 61: three evenings of power cuts were flagged 'room transitions down'). Left out
 * of the baselines and breaking a run, as the days away are.
 */
export function hubOffDates(db: Database, home: HomeConfig, days: readonly DailyFeatures[]): Set<string> {
  return new Set(hubOffMinutes(db, home, days).keys());
}

/**
 * The `routine-change` raises (severity low) for `home`'s flags ending on `date`, from its days' features, less the
 * days in `away` (the dates it spent in away mode, `awayDates`) and in `hubOff` (the hub off for part of them,
 * `hubOffDates`). A flag whose baseline window held days away (those in `away` and the days out of home through,
 * `dayAway`) says how many were left out: `daysAwayLeftOut`.
 */
export function reviewDecisions(
  home: HomeConfig,
  days: readonly DailyFeatures[],
  date: string,
  now: number,
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
  away: ReadonlySet<string> = new Set(),
  hubOff: ReadonlySet<string> = new Set(),
): RuleDecision[] {
  const residentId = home.residents.length === 1 ? home.residents[0]?.id : undefined;
  const atHome =
    away.size === 0 && hubOff.size === 0 ? days : days.filter((d) => !away.has(d.date) && !hubOff.has(d.date));
  const day = isoDateToDay(date) ?? NaN;
  const leftOut = days.filter((d) => {
    const n = isoDateToDay(d.date) ?? NaN;
    return n >= day - options.windowDays && n < day && (away.has(d.date) || dayAway(d));
  }).length;
  return routineChangesOn(atHome, date, options).map((flag) => ({
    type: 'raise',
    homeId: home.id,
    ...(residentId !== undefined ? { residentId } : {}),
    kind: 'routine-change',
    // The severity `RAISED_SEVERITIES` lists for it (rules/vocabulary.ts): what reads severities by kind reads that.
    severity: 'low' satisfies SeverityOf<'routine-change'>,
    at: now,
    detail: {
      feature: flag.feature,
      change: flag.change,
      direction: flag.direction,
      days: flag.days,
      fromDate: flag.fromDate,
      date: flag.date,
      values: flag.values,
      baseline: flag.baseline,
      ...(leftOut > 0 ? { daysAwayLeftOut: leftOut } : {}),
      unit: UNITS[flag.feature],
    },
  }));
}

/**
 * `decisions` (the routine review's raises for `home`) with, in each flag's detail, `sensorsOffline`: the home's devices
 * the hub reported offline (a `sensor-offline` alert open) at any time in the days of the flag's run, when there are
 * any. One dead PIR among several reads as fewer active minutes and room transitions; the flag said nothing of it, and a
 * care worker asked the resident about a battery (review, session 60). Flags are few: one read of the alerts each.
 */
export function withSensorsOffline(db: Database, home: HomeConfig, decisions: RuleDecision[]): RuleDecision[] {
  if (decisions.length === 0 || !hasAlertTables(db)) return decisions;
  const cal = homeCalendar(home);
  const offline = db.prepare<[string, number, number], { detail: string }>(
    `SELECT detail FROM alerts WHERE home_id = ? AND kind = 'sensor-offline' AND raised_at < ?
       AND (resolved_at IS NULL OR resolved_at > ?) ORDER BY raised_at`,
  );
  return decisions.map((decision) => {
    if (decision.type !== 'raise') return decision;
    const first = isoDateToDay(String(decision.detail.fromDate));
    const last = isoDateToDay(String(decision.detail.date));
    if (first === undefined || last === undefined) return decision;
    const devices = new Set<string>();
    for (const row of offline.all(home.id, featureDayStart(cal, last + 1), featureDayStart(cal, first))) {
      for (const deviceId of devicesOf(row.detail)) devices.add(deviceId);
    }
    return devices.size === 0
      ? decision
      : { ...decision, detail: { ...decision.detail, sensorsOffline: [...devices] } };
  });
}

/**
 * The devices a sensor-offline alert's stored detail (JSON) names: its `deviceId`, and those `alsoOffline` (the home's
 * other devices offline with it: one alert per home, session 60 round 2). None of a damaged detail: it must not stop
 * the review.
 */
function devicesOf(detail: string): string[] {
  try {
    const parsed = JSON.parse(detail) as { deviceId?: unknown; alsoOffline?: unknown } | null;
    const also: unknown[] = Array.isArray(parsed?.alsoOffline) ? (parsed.alsoOffline as unknown[]) : [];
    const named: unknown[] = [
      parsed?.deviceId,
      ...also.map((d) => (typeof d === 'object' && d !== null ? (d as { deviceId?: unknown }).deviceId : undefined)),
    ];
    return named.filter((d): d is string => typeof d === 'string');
  } catch {
    return [];
  }
}

/**
 * For every home (or those in `homeIds`): the `routine-change` raises (severity low) for flags ending on its
 * latest day completed by `now`. Each (home, day) is reviewed once, so calling this more often than daily is harmless.
 */
export function dailyReview(
  db: Database,
  config: HubConfig,
  now: number,
  homeIds?: readonly string[],
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
): RuleDecision[] {
  const decisions: RuleDecision[] = [];
  for (const home of config.homes) {
    if (homeIds && !homeIds.includes(home.id)) continue;
    if (home.away) {
      noteAway(db, home, now); // a home in away mode has no routine to compare, nor to learn from later
      continue;
    }
    migrateAnalytics(db);
    const { first, date, from } = reviewWindow(db, home, now, options);
    const days = homeActivity(db, config, home.id, from, date, now);
    const away = awayDates(db, home.id, days);
    const hubOff = hubOffDates(db, home, days);
    const flags = withSensorsOffline(db, home, reviewDecisionsOf(home, days, first, date, now, options, away, hubOff));
    decisions.push(...markReviewedDays(db, home.id, first, date, now, flags));
  }
  return decisions;
}
