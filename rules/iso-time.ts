// A sensor's `ts` as text: an ISO-8601 date and time of day, nothing looser. `Date.parse` alone takes far more than
// ISO-8601 ("5" is the year 2005, "Tue Dec 1" a date in 2001, "2026-12-01" midnight UTC), and an event placed at a
// time of day its sensor never said would move the resident's daily features and silences.

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

// YYYY-MM-DD, `T` (or a space, RFC 3339), hh:mm, optional :ss and a fraction, optional zone (`Z` or ±hh[:mm]).
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * No event a live hub (or bridge) of this version receives happened before the year it was built: a `ts` before it is a
 * sensor whose clock was reset or never set (1970, 2000). Such an event is kept at its receive time, never dropped (it
 * may be a press): the hub's (hub/ingest.ts), or the serial bridge's when it came that way (firmware-bridge/).
 */
export const EARLIEST_SENSOR_TS_MS = Date.UTC(2026, 0, 1);

/**
 * Epoch ms of an ISO-8601 date and time of day, or NaN for anything else (a date alone, a time alone, an impossible
 * date such as 30 February, free text). Without a zone the time is local: in `zone` when given (the home's: live and
 * in replay), else in the process's zone, as in ECMAScript. The common
 * `YYYY-MM-DDTHH:MM:SS(.mmm)Z` takes a fast path without a regular expression.
 */
export function parseIsoMs(text: string, zone?: { fromWall(wall: number): number }): number {
  const len = text.length;
  if ((len === 24 || len === 20) && text.charCodeAt(len - 1) === 90 /* Z */ && text.charCodeAt(10) === 84 /* T */) {
    const fast = utcParts(
      digits(text, 0, 4),
      digits(text, 5, 2),
      digits(text, 8, 2),
      digits(text, 11, 2),
      digits(text, 14, 2),
      digits(text, 17, 2),
      len === 24 ? digits(text, 20, 3) : 0,
    );
    if (
      Number.isFinite(fast) &&
      text.charCodeAt(4) === 45 &&
      text.charCodeAt(7) === 45 &&
      text.charCodeAt(13) === 58 &&
      text.charCodeAt(16) === 58 &&
      (len === 20 || text.charCodeAt(19) === 46)
    )
      return fast;
  }
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (z !== undefined || sign !== undefined) {
    const utc = utcParts(year, month, day, hour, minute, second, ms);
    if (!Number.isFinite(utc)) return NaN;
    if (sign === undefined) return utc;
    const offsetH = Number(oh);
    const offsetM = om === undefined ? 0 : Number(om);
    if (offsetH > 23 || offsetM > 59) return NaN;
    return utc - (sign === '-' ? -1 : 1) * (offsetH * 60 + offsetM) * 60_000;
  }
  if (!validParts(year, month, day, hour, minute, second)) return NaN;
  if (zone) return zone.fromWall(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  return new Date(year, month - 1, day, hour, minute, second, ms).getTime();
}

function validParts(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  return day <= (month === 2 ? (isLeap(year) ? 29 : 28) : DAYS_IN_MONTH[month - 1]!);
}

// Computed, not through a Date: this runs for every event replayed from text.
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function utcParts(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  if (!validParts(year, month, day, hour, minute, second) || !Number.isFinite(ms)) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** Why a `ts` was refused, in the words every intake uses (MQTT, HTTP, replay). */
export const TS_FORMAT =
  'ts must be an ISO-8601 date and time of day (e.g. 2026-11-22T08:01:02Z) or epoch milliseconds';
