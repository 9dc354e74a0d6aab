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

/** One device's silences ended by one device (`h`), and their sum (`n`). */
interface Pair {
  n: number;
  h: HourCounts;
}

/** The silences that began at one device: by the device that ended them (`ends`), and their sum (`n`). */
interface Beginning {
  n: number;
  ends: Map<string, Pair>;
}

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
  private settled = new Map<string, Beginning>();
  private day = -1;
  private today = new Map<string, Beginning>();

  /** A silence that began at `from` (at local hour `hour`, 0-23) ended with activity from `to` on local day `day`. */
  record(from: string, to: string, day: number, hour: number): void {
    if (day > this.day) {
      for (const [begin, b] of this.today) for (const [end, pair] of b.ends) add(this.settled, begin, end, pair.h);
      this.today.clear();
      this.day = day;
    }
    addOne(this.today, from, to, hourSlot(hour));
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
    const tally = (counts: Beginning | undefined): void => {
      for (const [end, pair] of counts?.ends ?? []) {
        let n = 0;
        if (whole) n = pair.n;
        else for (let d = -halfWidth; d <= halfWidth; d++) n += pair.h[(((hour + d) % HOURS) + HOURS) % HOURS]!;
        silences += n;
        if (ends.has(end)) ended += n;
      }
    };
    tally(this.settled.get(from));
    if (this.day < day) tally(this.today.get(from));
    return { silences, share: silences > 0 ? ended / silences : 0 };
  }

  exportState(): SilenceEndsState {
    const out = (m: Map<string, Beginning>): Record<string, Record<string, number[]>> =>
      Object.fromEntries(
        [...m].map(([begin, b]) => [begin, Object.fromEntries([...b.ends].map(([end, p]) => [end, trimmed(p.h)]))]),
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
    const read = (into: Map<string, Beginning>, from: unknown): void => {
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
function add(counts: Map<string, Beginning>, begin: string, end: string, more: HourCounts): void {
  const [b, pair] = pairOf(counts, begin, end);
  more.forEach((c, h) => (pair.h[h] = pair.h[h]! + c));
  settle(b, pair, total(more));
}

/** Adds one silence at slot `slot` to the counts of `begin` → `end`, within the bounds (`add`, without an array). */
function addOne(counts: Map<string, Beginning>, begin: string, end: string, slot: number): void {
  const [b, pair] = pairOf(counts, begin, end);
  pair.h[slot] = pair.h[slot]! + 1;
  settle(b, pair, 1);
}

/** The counts of `begin` → `end`, made if new (the least counted beginning or end making room). */
function pairOf(counts: Map<string, Beginning>, begin: string, end: string): [Beginning, Pair] {
  let b = counts.get(begin);
  if (b === undefined) {
    if (counts.size >= BEGINNINGS_KEPT) counts.delete(leastCounted(counts));
    b = { n: 0, ends: new Map() };
    counts.set(begin, b);
  }
  let pair = b.ends.get(end);
  if (pair === undefined) {
    if (b.ends.size >= ENDS_KEPT) {
      const least = [...b.ends].reduce((x, y) => (y[1].n < x[1].n ? y : x));
      b.ends.delete(least[0]);
      b.n -= least[1].n;
    }
    pair = { n: 0, h: new Array<number>(HOURS + 1).fill(0) };
    b.ends.set(end, pair);
  }
  return [b, pair];
}

/** `n` silences were added to `pair` of `b`: past `SILENCES_KEPT`, every count of `b` is halved. */
function settle(b: Beginning, pair: Pair, n: number): void {
  pair.n += n;
  b.n += n;
  if (b.n <= SILENCES_KEPT) return;
  for (const p of b.ends.values()) {
    for (let h = 0; h < p.h.length; h++) p.h[h]! /= 2;
    p.n /= 2;
  }
  b.n /= 2;
}

/** The beginning with the fewest silences counted. */
function leastCounted(counts: Map<string, Beginning>): string {
  let least = '';
  let fewest = Infinity;
  for (const [begin, b] of counts)
    if (b.n < fewest) {
      fewest = b.n;
      least = begin;
    }
  return least;
}
