// Which device usually ends the silences that begin at each device, by the hour they began: a dead device holds off
// only the silences it ended, at the time of day it ended them.

/** The silences counted per device where they began, at most: past it every count is halved (recent ones weigh). */
const SILENCES_KEPT = 200;
/** The devices kept as ends of one device's silences (the least counted one goes first). */
const ENDS_KEPT = 32;
/** The devices kept as beginnings of silences (the least counted one goes first). */
const BEGINNINGS_KEPT = 256;
/** The hours of the day, and the slot of a count whose hour is not known (saved before session 31). */
const HOURS = 24;
const HOUR_UNKNOWN = HOURS;

/**
 * One device's silences ended by one device: a count per local hour the silence began (0-23), and at `HOUR_UNKNOWN`
 * those counted before the hours were (session 30), which count for the whole day only.
 */
type HourCounts = number[];

/**
 * The saved counts (JSON): settled ones, and the current local day's, which count from the next day. Each count is
 * the 25 slots of `HourCounts` (trailing zeros left out), or a number: a count of session 30's, its hour unknown.
 */
export interface SilenceEndsState {
  settled: Record<string, Record<string, number[] | number>>;
  day: number;
  today: Record<string, Record<string, number[] | number>>;
}

/** How the silences that began at one device ended, as far as the counts tell. */
export interface SilenceEndShare {
  /** Silences counted (halved counts included: not always a whole number). */
  silences: number;
  /** The share of them ended by the devices asked about (0-1). */
  share: number;
}

/**
 * After a silence that began at device X at local hour h, the next activity came from device Y: counted per X, Y and
 * h, from the home's own record, as every learned value (a day's counts are used from the next local day on, so that
 * a silence under way is not judged by itself). Bounded: `SILENCES_KEPT` per beginning (all its hours together),
 * `ENDS_KEPT` ends each, `BEGINNINGS_KEPT` beginnings; the hours only split the same counts, so the whole day's are
 * session 30's exactly.
 */
export class SilenceEnds {
  private settled = new Map<string, Map<string, HourCounts>>();
  private day = -1;
  private today = new Map<string, Map<string, HourCounts>>();

  /** A silence that began at `from` (at local hour `hour`, 0-23) ended with activity from `to` on local day `day`. */
  record(from: string, to: string, day: number, hour: number): void {
    if (day > this.day) {
      for (const [begin, ends] of this.today) for (const [end, counts] of ends) add(this.settled, begin, end, counts);
      this.today.clear();
      this.day = day;
    }
    add(this.today, from, to, single(hourSlot(hour), 1));
  }

  /**
   * How the silences that began at `from` ended, counted before local day `day`: the share ended by `ends`. With
   * `hour` (0-23), only the silences that began within `halfWidth` hours of it (the hours wrap round midnight; a
   * half-width of 12 or more is the whole day, the counts of unknown hour included).
   */
  share(from: string, ends: ReadonlySet<string>, day: number, hour?: number, halfWidth = HOURS): SilenceEndShare {
    let silences = 0;
    let ended = 0;
    const whole = hour === undefined || halfWidth * 2 + 1 >= HOURS;
    const tally = (counts: Map<string, HourCounts> | undefined): void => {
      for (const [end, slots] of counts ?? []) {
        let n = 0;
        if (whole) for (const c of slots) n += c;
        else for (let d = -halfWidth; d <= halfWidth; d++) n += slots[(((hour + d) % HOURS) + HOURS) % HOURS]!;
        silences += n;
        if (ends.has(end)) ended += n;
      }
    };
    tally(this.settled.get(from));
    if (this.day < day) tally(this.today.get(from));
    return { silences, share: silences > 0 ? ended / silences : 0 };
  }

  exportState(): SilenceEndsState {
    const out = (m: Map<string, Map<string, HourCounts>>): Record<string, Record<string, number[]>> =>
      Object.fromEntries(
        [...m].map(([begin, ends]) => [begin, Object.fromEntries([...ends].map(([end, c]) => [end, trimmed(c)]))]),
      );
    return { settled: out(this.settled), day: this.day, today: out(this.today) };
  }

  /**
   * Back from a saved state; anything not of its shape is dropped (counted again from the events to come). A count
   * saved as a number (session 30, before the hours) is kept as of unknown hour: it counts for the whole day.
   */
  static fromState(saved: unknown): SilenceEnds {
    const ends = new SilenceEnds();
    if (typeof saved !== 'object' || saved === null) return ends;
    const s = saved as Partial<SilenceEndsState>;
    const read = (into: Map<string, Map<string, HourCounts>>, from: unknown): void => {
      if (typeof from !== 'object' || from === null) return;
      for (const [begin, counts] of Object.entries(from as Record<string, unknown>)) {
        if (typeof counts !== 'object' || counts === null) continue;
        for (const [end, c] of Object.entries(counts as Record<string, unknown>)) {
          if (isCount(c)) add(into, begin, end, single(HOUR_UNKNOWN, c));
          else if (Array.isArray(c) && c.length <= HOURS + 1) {
            const slots = (c as unknown[]).map((n) => (isCount(n) ? n : 0));
            if (total(slots) > 0) add(into, begin, end, slots);
          }
        }
      }
    };
    read(ends.settled, s.settled);
    read(ends.today, s.today);
    ends.day = Number.isInteger(s.day) ? s.day! : -1;
    return ends;
  }
}

/** The slot of local hour `hour` (`HOUR_UNKNOWN` when it is not an hour of the day). */
function hourSlot(hour: number): number {
  return Number.isInteger(hour) && hour >= 0 && hour < HOURS ? hour : HOUR_UNKNOWN;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && n > 0 && Number.isFinite(n);
}

/** The counts as saved: trailing zeros left out. */
function trimmed(counts: HourCounts): number[] {
  let end = counts.length;
  while (end > 0 && counts[end - 1] === 0) end--;
  return counts.slice(0, end);
}

function total(counts: HourCounts): number {
  let n = 0;
  for (const c of counts) n += c;
  return n;
}

/** `n` silences at slot `slot`. */
function single(slot: number, n: number): HourCounts {
  const counts = new Array<number>(HOURS + 1).fill(0);
  counts[slot] = n;
  return counts;
}

/** Adds `more` (slot by slot) to the counts of `begin` → `end`, within the bounds. */
function add(counts: Map<string, Map<string, HourCounts>>, begin: string, end: string, more: HourCounts): void {
  let ends = counts.get(begin);
  if (ends === undefined) {
    if (counts.size >= BEGINNINGS_KEPT) counts.delete(leastCounted(counts));
    ends = new Map();
    counts.set(begin, ends);
  }
  if (!ends.has(end) && ends.size >= ENDS_KEPT) {
    const least = [...ends].reduce((a, b) => (total(b[1]) < total(a[1]) ? b : a));
    ends.delete(least[0]);
  }
  let slots = ends.get(end);
  if (slots === undefined) {
    slots = new Array<number>(HOURS + 1).fill(0);
    ends.set(end, slots);
  }
  more.forEach((n, h) => (slots[h] = slots[h]! + n));
  let all = 0;
  for (const c of ends.values()) all += total(c);
  if (all > SILENCES_KEPT) for (const c of ends.values()) for (let h = 0; h < c.length; h++) c[h]! /= 2;
}

/** The beginning with the fewest silences counted. */
function leastCounted(counts: Map<string, Map<string, HourCounts>>): string {
  let least = '';
  let fewest = Infinity;
  for (const [begin, ends] of counts) {
    let n = 0;
    for (const c of ends.values()) n += total(c);
    if (n < fewest) {
      fewest = n;
      least = begin;
    }
  }
  return least;
}
