// Date ranges of the activity and report routes: local dates YYYY-MM-DD, checked, with a default window.
import { DashboardError } from './errors.js';
import { DAY_MS } from '../rules/time.js';

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

/** `from`..`to` inclusive; by default the `defaultDays` days ending today (UTC date of `nowMs`). */
export function dateRange(
  from: string | undefined,
  to: string | undefined,
  nowMs: number,
  defaultDays: number,
): { from: string; to: string } {
  const toMs = to === undefined ? Date.parse(`${isoDate(nowMs)}T00:00:00Z`) : parseDate(to, 'to');
  const fromMs = from === undefined ? toMs - (defaultDays - 1) * DAY_MS : parseDate(from, 'from');
  if (fromMs > toMs) throw new DashboardError('BAD_DATE_RANGE', `from ${isoDate(fromMs)} is after to ${isoDate(toMs)}`);
  if ((toMs - fromMs) / DAY_MS >= MAX_RANGE_DAYS) {
    throw new DashboardError('BAD_DATE_RANGE', `The range may span at most ${MAX_RANGE_DAYS} days`);
  }
  return { from: isoDate(fromMs), to: isoDate(toMs) };
}
