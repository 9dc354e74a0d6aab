// Local wall-clock time of a simulated home's timezone, on the rules' cached zone offsets (rules/local-time.ts).
import { ZoneClock, dayToIsoDate, isoDateToDay } from '../rules/local-time.js';
import { DAY_MS } from '../rules/time.js';

const clocks = new Map<string, ZoneClock>();

function clockOf(timeZone: string): ZoneClock {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = new ZoneClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}

/** Throws a clear error for a zone name Intl does not know. */
export function assertTimeZone(timeZone: string): void {
  try {
    clockOf(timeZone);
  } catch {
    throw new Error(`unknown timezone "${timeZone}" (use an IANA name such as Europe/London)`);
  }
}

function dayOf(date: string): number {
  const day = isoDateToDay(date);
  if (day === undefined) throw new Error(`bad date "${date}" (expected YYYY-MM-DD)`);
  return day;
}

/** Epoch ms of local midnight starting `date` (YYYY-MM-DD) in `timeZone`. */
export function localMidnight(date: string, timeZone: string): number {
  return clockOf(timeZone).instantOf(dayOf(date), 0);
}

/** YYYY-MM-DD of the local date `days` after `date` (calendar arithmetic, zone-free). */
export function addDays(date: string, days: number): string {
  return dayToIsoDate(dayOf(date) + days);
}

/** Today's local date in `timeZone` at instant `epochMs`. */
export function localDate(epochMs: number, timeZone: string): string {
  return dayToIsoDate(clockOf(timeZone).dayNumber(epochMs));
}

/** Parses H:MM or HH:MM (as typed in `--incident collapse@9:30`) into minutes after midnight. */
export function parseClock(hhmm: string): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`bad time "${hhmm}" (expected HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Maps minutes after local midnight of one day to epoch ms (a day of 23 or 25 hours included). */
export function dayClock(date: string, timeZone: string): (localMinutes: number) => number {
  const clock = clockOf(timeZone);
  const day = dayOf(date);
  const midnight = clock.instantOf(day, 0);
  if (clock.instantOf(day + 1, 0) - midnight === DAY_MS) return (minutes) => midnight + minutes * 60_000;
  return (minutes) => clock.instantOf(day, minutes);
}
