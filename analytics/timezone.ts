// Local wall-clock time of an IANA timezone with the UTC offset cached by segment, so hot paths make no Intl call per event.

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Offsets are probed a day apart: no real zone changes its offset twice within 24 hours. */
const SEGMENT_MS = DAY_MS;

export class ZoneOffsets {
  private readonly format: Intl.DateTimeFormat;
  private segStart = Infinity;
  private segEnd = -Infinity;
  private segOffsetMs = 0;

  /** Throws a RangeError naming the zone when `timezone` is not a known IANA zone. */
  constructor(readonly timezone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local time minus UTC at instant `utcMs`, in ms (e.g. 3,600,000 for BST). */
  offsetMs(utcMs: number): number {
    if (utcMs >= this.segStart && utcMs < this.segEnd) return this.segOffsetMs;
    this.fillSegment(utcMs);
    return this.segOffsetMs;
  }

  /** Local epoch day (days since 1970-01-01 on the local calendar) of an instant. */
  localDay(utcMs: number): number {
    return Math.floor((utcMs + this.offsetMs(utcMs)) / DAY_MS);
  }

  /** Minutes since local midnight of an instant (0..1439). */
  localMinuteOfDay(utcMs: number): number {
    const local = utcMs + this.offsetMs(utcMs);
    return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / MINUTE_MS);
  }

  /** "HH:MM" local time of an instant. */
  localHhmm(utcMs: number): string {
    return minutesToHhmm(this.localMinuteOfDay(utcMs));
  }

  /**
   * The instant of local wall-clock `minuteOfDay` on local epoch day `day`. A time skipped by a
   * spring-forward change resolves to the same wall time in the earlier offset (an hour later in effect);
   * a time repeated in autumn resolves to its first occurrence.
   */
  utcOf(day: number, minuteOfDay: number): number {
    const local = day * DAY_MS + minuteOfDay * MINUTE_MS;
    const first = local - this.offsetMs(local - this.offsetMs(local));
    const earlier = local - this.offsetMs(first - 2 * 3_600_000);
    // In the repeated autumn hour both offsets fit: take the earlier instant.
    if (earlier < first && earlier + this.offsetMs(earlier) === local) return earlier;
    return first;
  }

  private rawOffsetMs(utcMs: number): number {
    const wholeSecond = Math.floor(utcMs / 1000) * 1000;
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const part of this.format.formatToParts(wholeSecond)) {
      const v = Number(part.value);
      switch (part.type) {
        case 'year': y = v; break;
        case 'month': mo = v; break;
        case 'day': d = v; break;
        case 'hour': h = v; break;
        case 'minute': mi = v; break;
        case 'second': s = v; break;
        default: break;
      }
    }
    return Date.UTC(y, mo - 1, d, h, mi, s) - wholeSecond;
  }

  private fillSegment(utcMs: number): void {
    const start = Math.floor(utcMs / MINUTE_MS) * MINUTE_MS;
    const offset = this.rawOffsetMs(start);
    let end = start + SEGMENT_MS;
    if (this.rawOffsetMs(end) !== offset) {
      // A change inside the segment: find its first minute by bisection (about 11 probes).
      let lo = start;
      let hi = end;
      while (hi - lo > MINUTE_MS) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
        if (this.rawOffsetMs(mid) === offset) lo = mid;
        else hi = mid;
      }
      end = hi;
    }
    this.segStart = start;
    this.segEnd = end;
    this.segOffsetMs = offset;
  }
}

/** Shared offset caches, one per zone name. */
const zones = new Map<string, ZoneOffsets>();
export function zoneOffsets(timezone: string): ZoneOffsets {
  let zone = zones.get(timezone);
  if (!zone) {
    zone = new ZoneOffsets(timezone);
    zones.set(timezone, zone);
  }
  return zone;
}

export function minutesToHhmm(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}

/** Minutes since midnight of "HH:MM"; undefined when malformed. */
export function hhmmToMinutes(hhmm: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!match) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

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
