// Local wall-clock time of a home's timezone to epoch milliseconds, without a date library.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a clear error for a zone name Intl does not know. */
export function assertTimeZone(timeZone: string): void {
  try {
    formatterFor(timeZone);
  } catch {
    throw new Error(`unknown timezone "${timeZone}" (use an IANA name such as Europe/London)`);
  }
}

/** Offset of `timeZone` from UTC at instant `epochMs`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** Epoch ms of local midnight starting `date` (YYYY-MM-DD) in `timeZone`. */
export function localMidnight(date: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`bad date "${date}" (expected YYYY-MM-DD)`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Two passes settle the offset even on a day when clocks change.
  let guess = wall - zoneOffsetMs(timeZone, wall);
  guess = wall - zoneOffsetMs(timeZone, guess);
  return guess;
}

/** YYYY-MM-DD of the local date `days` after `date` (calendar arithmetic, zone-free). */
export function addDays(date: string, days: number): string {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, mo - 1, d + days)).toISOString().slice(0, 10);
}

/** Today's local date in `timeZone` at instant `epochMs`. */
export function localDate(epochMs: number, timeZone: string): string {
  return new Date(epochMs + zoneOffsetMs(timeZone, epochMs)).toISOString().slice(0, 10);
}

/** Parses HH:MM into minutes after midnight. */
export function parseClock(hhmm: string): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`bad time "${hhmm}" (expected HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Maps minutes after local midnight of one day to epoch ms. Built once per day: the offset is
 * looked up again only on a day when it changes (clocks going forward or back).
 */
export function dayClock(date: string, timeZone: string): (localMinutes: number) => number {
  const midnight = localMidnight(date, timeZone);
  const next = localMidnight(addDays(date, 1), timeZone);
  const wallMidnight = midnight + zoneOffsetMs(timeZone, midnight);
  if (next - midnight === 86_400_000) {
    return (minutes) => midnight + minutes * 60_000;
  }
  return (minutes) => {
    const wall = wallMidnight + minutes * 60_000;
    let guess = wall - zoneOffsetMs(timeZone, wall);
    guess = wall - zoneOffsetMs(timeZone, guess);
    return guess;
  };
}
