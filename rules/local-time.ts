// A home's local time from its IANA zone, with the UTC offset cached so the hot path never looks it up.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
import { parseTzif, type OffsetAt } from './tzif.js';

const QUARTER_MS = 15 * MINUTE_MS;
// Offsets change at most twice a year, on a quarter hour; a span whose first and last quarters have
// the same offset is taken as one offset throughout (no zone changes twice within 6 h).
const SPAN_MS = 6 * HOUR_MS;
/** Farther than any UTC offset (-12 h to +14 h): a wall time's instant lies within this of it read as UTC. */
const WALL_REACH_MS = 15 * HOUR_MS;

/** Minutes since midnight of "HH:MM" (00:00..23:59); undefined when malformed. */
export function hhmmToMinutes(hhmm: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!match) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Parse "HH:MM" into minutes after midnight; throws when malformed. */
export function parseHhMm(text: string): number {
  const minutes = hhmmToMinutes(text);
  if (minutes === undefined) throw new Error(`time "${text}" is not HH:MM`);
  return minutes;
}

export function formatHhMm(minuteOfDay: number): string {
  const m = Math.round(minuteOfDay) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** "YYYY-MM-DD" of a local epoch day. */
export function dayToIsoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Local epoch day of "YYYY-MM-DD"; undefined when not a real calendar date. */
export function isoDateToDay(date: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || dayToIsoDate(ms / DAY_MS) !== date) return undefined;
  return ms / DAY_MS;
}

/** Offsets of one zone, shared by every home in it: by 6-hour span, or by quarter hour around a change. */
interface ZoneOffsets {
  compute: OffsetAt;
  bySpan: Map<number, number>;
  byQuarter: Map<number, number>;
}
const zones = new Map<string, ZoneOffsets>();

/**
 * A zone name as a relative path under the zone folder: letters, digits, `_+-`, no `.` or `..` parts, and a capital
 * first (as every IANA zone has; the folder's other files, `posixrules`, `localtime`, `posix/…`, are not zones to
 * Intl either). `Factory` is zic's placeholder, which Intl does not know.
 */
const ZONE_NAME = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * The zone's offsets from the system's tz database (`$TZDIR`, else /usr/share/zoneinfo), read once per zone.
 * Undefined when the file is not there or not one we read exactly; Intl then answers (it loads ICU's zone data:
 * ~6 MB resident for the process, which the zone file spares a hub).
 */
function zoneinfoOffsets(timezone: string): OffsetAt | undefined {
  if (!ZONE_NAME.test(timezone) || timezone === 'Factory') return undefined;
  try {
    return parseTzif(readFileSync(path.join(process.env.TZDIR || '/usr/share/zoneinfo', timezone)));
  } catch {
    return undefined;
  }
}

/** Intl's offsets: throws a RangeError naming the zone when it is not a known IANA zone. */
export function intlOffsets(timezone: string): OffsetAt {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (ts: number): number => {
    let y = 0,
      mo = 0,
      d = 0,
      h = 0,
      mi = 0,
      s = 0;
    for (const part of format.formatToParts(ts)) {
      const v = Number(part.value);
      switch (part.type) {
        case 'year':
          y = v;
          break;
        case 'month':
          mo = v;
          break;
        case 'day':
          d = v;
          break;
        case 'hour':
          h = v;
          break;
        case 'minute':
          mi = v;
          break;
        case 'second':
          s = v;
          break;
        default:
          break;
      }
    }
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    return wall - (ts - (((ts % 1000) + 1000) % 1000));
  };
}

function zoneOffsets(timezone: string): ZoneOffsets {
  let z = zones.get(timezone);
  if (!z) {
    z = {
      compute: zoneinfoOffsets(timezone) ?? intlOffsets(timezone),
      bySpan: new Map(),
      byQuarter: new Map(),
    };
    zones.set(timezone, z);
  }
  return z;
}

/** Whether `timezone` is a zone a ZoneClock can be made for (the system's tz database, else Intl's). */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    zoneOffsets(timezone);
    return true;
  } catch {
    return false;
  }
}

export class ZoneClock {
  private readonly zone: ZoneOffsets;
  /** The last span looked up: most calls of a home fall in it. */
  private validFrom = 1;
  private validTo = 0;
  private offsetMs = 0;

  /** Throws a RangeError naming the zone when `timezone` is not a known IANA zone. */
  constructor(readonly timezone: string) {
    this.zone = zoneOffsets(timezone);
  }

  /** Local time minus UTC at `ts`, in ms (e.g. 3,600,000 for BST). */
  offsetAt(ts: number): number {
    if (ts >= this.validFrom && ts < this.validTo) return this.offsetMs;
    const span = Math.floor(ts / SPAN_MS);
    let offset = this.zone.bySpan.get(span);
    if (offset === undefined) {
      const start = span * SPAN_MS;
      const first = this.computeOffset(start);
      offset = first === this.computeOffset(start + SPAN_MS - QUARTER_MS) ? first : NaN;
      this.zone.bySpan.set(span, offset);
    }
    if (!Number.isNaN(offset)) {
      this.validFrom = span * SPAN_MS;
      this.validTo = this.validFrom + SPAN_MS;
      this.offsetMs = offset;
      return offset;
    }
    // The offset changes within this span: look it up by quarter hour.
    const quarter = Math.floor(ts / QUARTER_MS);
    let q = this.zone.byQuarter.get(quarter);
    if (q === undefined) {
      q = this.computeOffset(quarter * QUARTER_MS);
      this.zone.byQuarter.set(quarter, q);
    }
    this.validFrom = quarter * QUARTER_MS;
    this.validTo = this.validFrom + QUARTER_MS;
    this.offsetMs = q;
    return q;
  }

  /** Local wall-clock time as if it were UTC (ms): day number and minute of day come straight from it. */
  local(ts: number): number {
    return ts + this.offsetAt(ts);
  }

  /** Local day number (days since 1970-01-01 local). */
  dayNumber(ts: number): number {
    return Math.floor(this.local(ts) / DAY_MS);
  }

  /** Minutes since local midnight (0..1439). */
  minuteOfDay(ts: number): number {
    const local = this.local(ts);
    return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / MINUTE_MS);
  }

  /** "HH:MM" local time of an instant. */
  hhmm(ts: number): string {
    return formatHhMm(this.minuteOfDay(ts));
  }

  /** Hour of the week, 0 = Monday 00:00–01:00 local. */
  hourOfWeek(ts: number): number {
    const local = this.local(ts);
    const day = Math.floor(local / DAY_MS);
    const hour = Math.floor((local - day * DAY_MS) / HOUR_MS);
    return ((((day + 3) % 7) + 7) % 7) * 24 + hour; // 1970-01-01 was a Thursday
  }

  /**
   * The UTC instant of a local wall time (its fields read as if UTC: `Date.UTC(...)` of the local date and time). A
   * wall time skipped by a spring-forward change is read in the offset before the change (an hour later in effect, as
   * JavaScript's Temporal "compatible"); one repeated in autumn is its first occurrence. East or west of UTC alike:
   * up to session 59 a skipped time west of UTC (New York's 02:30 on the spring-forward day, Santiago's or Havana's
   * skipped midnight) came out an hour early, on the day before for a skipped midnight.
   */
  fromWall(wall: number): number {
    // The instant lies within 14 h of the wall time read as UTC: the offsets 15 h either side are those before and
    // after any change near it (changes are months apart).
    const before = wall - this.offsetAt(wall - WALL_REACH_MS);
    const after = wall - this.offsetAt(wall + WALL_REACH_MS);
    if (before === after) return before;
    const beforeFits = before + this.offsetAt(before) === wall;
    const afterFits = after + this.offsetAt(after) === wall;
    if (beforeFits && afterFits) return Math.min(before, after);
    if (afterFits) return after;
    // Fits in the earlier offset, or in neither (skipped): read in the earlier offset.
    return before;
  }

  /** The UTC instant of local `minuteOfDay` on local day `day` (skipped and repeated times as `fromWall`). */
  instantOf(day: number, minuteOfDay: number): number {
    return this.fromWall(day * DAY_MS + minuteOfDay * MINUTE_MS);
  }

  private computeOffset(ts: number): number {
    return this.zone.compute(ts);
  }
}

/** Whether local `minuteOfDay` lies in a window that may run over midnight. */
export function inWindow(minuteOfDay: number, startMinute: number, endMinute: number): boolean {
  return startMinute > endMinute
    ? minuteOfDay >= startMinute || minuteOfDay < endMinute
    : minuteOfDay >= startMinute && minuteOfDay < endMinute;
}
