// The daily review: the routine-change flags of each home's latest completed day, as rule decisions for the alert service.
import type { Database } from 'better-sqlite3';
import type { HomeConfig, RuleDecision } from '../rules/types.js';
import type { HubConfig } from '../hub/config-types.js';
import type { DailyFeatures } from './types.js';
import { homeActivity, homeCalendar, lastCompleteDay } from './activity.js';
import { DEFAULT_BASELINE_OPTIONS, routineChangesOn, type BaselineFeature, type BaselineOptions } from './baseline.js';
import { markReviewed } from './store.js';
import { dayToIsoDate } from '../rules/local-time.js';

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

/** The day a review of `home` at `now` looks at, and the first day of the features it needs. */
export function reviewWindow(
  home: HomeConfig,
  now: number,
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
): { date: string; from: string } {
  const day = lastCompleteDay(homeCalendar(home), now);
  return { date: dayToIsoDate(day), from: dayToIsoDate(day - options.windowDays - options.sustainDays) };
}

/** The `routine-change` raises (severity low) for `home`'s flags ending on `date`, from its days' features. */
export function reviewDecisions(
  home: HomeConfig,
  days: readonly DailyFeatures[],
  date: string,
  now: number,
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
): RuleDecision[] {
  const residentId = home.residents.length === 1 ? home.residents[0]?.id : undefined;
  return routineChangesOn(days, date, options).map((flag) => ({
    type: 'raise',
    homeId: home.id,
    ...(residentId !== undefined ? { residentId } : {}),
    kind: 'routine-change',
    severity: 'low',
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
      unit: UNITS[flag.feature],
    },
  }));
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
    if (home.away) continue; // a home in away mode has no routine to compare
    const { date, from } = reviewWindow(home, now, options);
    const days = homeActivity(db, config, home.id, from, date, now);
    if (!markReviewed(db, home.id, date, now)) continue;
    decisions.push(...reviewDecisions(home, days, date, now, options));
  }
  return decisions;
}
