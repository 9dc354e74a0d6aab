// Date ranges of the activity and report routes: local dates YYYY-MM-DD, checked, with a default window.
import { DashboardError } from './errors.js';
import { DAY_MS } from '../rules/time.js';
import { ZoneClock } from '../rules/local-time.js';

const MAX_RANGE_DAYS = 732;

function parseDate(text: string, field: string): number {
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new DashboardError('BAD_DATE_RANGE', `${field} '${text}' is not a date YYYY-MM-DD`);
  }
  return ms;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * `from`..`to` inclusive; by default the `defaultDays` days ending today in `timezone` (the home's, the report's: the
 * dates are local dates; review, session 61: the UTC date, and at 09:00 in Sydney the day under way was not asked for).
 */
export function dateRange(
  from: string | undefined,
  to: string | undefined,
  nowMs: number,
  defaultDays: number,
  timezone = 'UTC',
): { from: string; to: string } {
  const toMs = to === undefined ? localToday(nowMs, new ZoneClock(timezone)).getTime() : parseDate(to, 'to');
  const fromMs = from === undefined ? toMs - (defaultDays - 1) * DAY_MS : parseDate(from, 'from');
  if (fromMs > toMs) throw new DashboardError('BAD_DATE_RANGE', `from ${isoDate(fromMs)} is after to ${isoDate(toMs)}`);
  if ((toMs - fromMs) / DAY_MS >= MAX_RANGE_DAYS) {
    throw new DashboardError('BAD_DATE_RANGE', `The range may span at most ${MAX_RANGE_DAYS} days`);
  }
  return { from: isoDate(fromMs), to: isoDate(toMs) };
}

/** The local date of `nowMs` in `timezone`, as UTC midnight of that date. */
function localToday(nowMs: number, zone: ZoneClock): Date {
  return new Date(zone.dayNumber(nowMs) * DAY_MS);
}

/**
 * The whole calendar months that cover `range` and have ended by `nowMs` (its date in `timezone`, the report's: review,
 * session 59, they were UTC months, and on a hub in New York November had ended at 19:00 on the 30th): what an
 * analyst's council report covers. Small-number suppression hides a count of 1 to 7, not whether it is 0: a report for
 * one day of a one-flat hub, or for a month still under way asked again each day, would say on which day the resident
 * fell. Whole months alone still said in which month (review, session 76): a month of 1 to 7 homes now shows an analyst
 * no count at all, 0 included (`withheldReport`, analytics/report.ts).
 */
export function wholeEndedMonths(
  range: { from: string; to: string },
  nowMs: number,
  timezone = 'UTC',
): { from: string; to: string } {
  const from = new Date(`${range.from}T00:00:00Z`);
  const to = new Date(`${range.to}T00:00:00Z`);
  const today = localToday(nowMs, new ZoneClock(timezone));
  const firstDay = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1);
  // Day 0 of the next month is the last day of this one.
  let lastDay = Date.UTC(to.getUTCFullYear(), to.getUTCMonth() + 1, 0);
  if (lastDay >= today.getTime()) lastDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 0);
  if (firstDay > lastDay) {
    throw new DashboardError(
      'BAD_DATE_RANGE',
      'The council report covers whole months that have ended (no single day can be told apart): ask for an earlier month',
    );
  }
  return { from: isoDate(firstDay), to: isoDate(lastDay) };
}

/**
 * The instant the last whole month ended by `nowMs` in `timezone`, as `wholeEndedMonths` counts: the start of the month
 * under way there. An analyst's report knows nothing after it: follow-ups, acknowledgements and outcomes that came in
 * the month under way would otherwise change an ended month's figures day by day (review, session 49). Before session
 * 59, UTC midnight: on a hub in New York the last five hours of each month were in no report asked in the month after.
 */
export function startOfMonthUnderWay(nowMs: number, timezone = 'UTC'): number {
  const zone = new ZoneClock(timezone);
  const today = localToday(nowMs, zone);
  return zone.instantOf(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1) / DAY_MS, 0);
}
