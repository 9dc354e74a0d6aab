// Which device usually ends the silences that begin at each device, by the hour they began: a dead device holds off
// only the silences it ended, at the time of day it ended them.

/** The silences counted per device where they began, at most: past it every count is halved (recent ones weigh). */
const SILENCES_KEPT = 200;
/** The devices kept as ends of one device's silences (the least counted one goes first). */
const ENDS_KEPT = 32;
/** The devices kept as beginnings of silences (the least counted one goes first). */
const BEGINNINGS_KEPT = 256;
/**
 * The silence ends kept apart from the counts at most (`SilenceEnds`'s journal): past it the oldest is counted at once
 * (a home that busy forgets less of a dying device's last days).
 */
const JOURNAL_KEPT = 2000;
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
  /**
   * The silence ends not yet in those counts (`SilenceEnds`), oldest first, five numbers each in `e`: when the silence
   * began (ms, after the previous one's; the first after 0), the devices it began and ended at (their places in
   * `ids`), the local day it ended on (after the previous one's) and the local hour it began at. Absent when empty, and
   * before session 31.
   */
  journal?: { ids: string[]; e: number[] };
}

/** How the silences that began at one device ended, as far as the counts tell. */
export interface SilenceEndShare {
  /** Silences counted (halved counts included: not always a whole number). */
  silences: number;
  /** The share of them ended by the devices asked about (0-1). */
  share: number;
}

/** One silence end of the journal: when it began, the devices it began and ended at, its day and its hour. */
interface JournalEntry {
  since: number;
  from: string;
  to: string;
  day: number;
  hour: number;
}

/**
 * Which device ended the silences that began at each (`Counts`, below), with the latest silence ends kept apart in a
 * journal until no device can be found dead whose last report came before them (`commit`): a device dying is not
 * found dead for days (`HomeState.deviceDead`), and the silences it would have ended, ended elsewhere meanwhile, would
 * otherwise dilute its share. Found dead, the silence ends that began after its last report are forgotten
 * (`forgetAfter`), as those counted while a device is dead are never counted (`HomeState.noteSilenceEnd`). The counts
 * used (`live`) are always `base` with the journal counted after it, in order: the same as counted live, whenever
 * the journal is committed.
 */
export class SilenceEnds {
  /** The counts of the committed silence ends. */
  private base = new Counts();
  /** `base` and then the journal: the counts the rules use. */
  private live = new Counts();
  /** The silence ends after `base`'s, in the order counted (at most `JOURNAL_KEPT`). */
  private journal: JournalEntry[] = [];

  /**
   * A silence that began at `from` (at local hour `hour`, 0-23; at time `since`, ms) ended with activity from `to` on
   * local day `day`. Without `since` it is committed at once (it can never be forgotten).
   */
  record(from: string, to: string, day: number, hour: number, since = NaN): void {
    this.live.record(from, to, day, hour);
    if (Number.isNaN(since)) {
      // Kept in order: what the journal holds is counted first.
      this.commitFirst(this.journal.length);
      this.base.record(from, to, day, hour);
      return;
    }
    this.journal.push({ since, from, to, day, hour });
    if (this.journal.length > JOURNAL_KEPT) this.commitFirst(1);
  }

  /** The local day of the latest silence end counted (-1: none). */
  get day(): number {
    return this.live.currentDay;
  }

  /** The silence ends in the journal (not yet committed). */
  get pending(): number {
    return this.journal.length;
  }

  /**
   * Commits the journal's silence ends that began at `upTo` or before, or ended on local day `upToDay` or before, from
   * the oldest (the rest stay, in order): no device found dead later can have reported last before them.
   */
  commit(upTo: number, upToDay = -Infinity): void {
    let n = 0;
    for (const e of this.journal) {
      if (!(e.since <= upTo || e.day <= upToDay)) break;
      n++;
    }
    this.commitFirst(n);
  }

  /**
   * Forgets the journal's silence ends that began after `after` (a device found dead reported last then): the days it
   * was dying do not count, as those it is dead do not. False when none did.
   */
  forgetAfter(after: number): boolean {
    const kept = this.journal.filter((e) => !(e.since > after));
    if (kept.length === this.journal.length) return false;
    this.journal = kept;
    this.live = this.base.copy();
    for (const e of kept) this.live.record(e.from, e.to, e.day, e.hour);
    return true;
  }

  /** `Counts.share` of the counts the rules use. */
  share(from: string, ends: ReadonlySet<string>, day: number, hour?: number, halfWidth = HOURS): SilenceEndShare {
    return this.live.share(from, ends, day, hour, halfWidth);
  }

  exportState(): SilenceEndsState {
    const saved = this.base.exportState();
    if (this.journal.length === 0) return saved;
    const ids = new Map<string, number>();
    const id = (device: string): number => {
      let n = ids.get(device);
      if (n === undefined) ids.set(device, (n = ids.size));
      return n;
    };
    const e: number[] = [];
    let since = 0;
    let day = 0;
    for (const j of this.journal) {
      e.push(j.since - since, id(j.from), id(j.to), j.day - day, j.hour);
      since = j.since;
      day = j.day;
    }
    saved.journal = { ids: [...ids.keys()], e };
    return saved;
  }

  /**
   * Back from a saved state (`Counts.fromState`); the journal up to an entry not of its shape (the rest dropped); a
   * missing journal is empty (a state saved before session 31: its counts are all committed).
   */
  static fromState(saved: unknown): SilenceEnds {
    const ends = new SilenceEnds();
    ends.base = Counts.fromState(saved);
    ends.live = ends.base.copy();
    const journal = typeof saved === 'object' && saved !== null ? (saved as SilenceEndsState).journal : undefined;
    const ids: unknown = journal?.ids;
    const e: unknown = journal?.e;
    if (!Array.isArray(ids) || !Array.isArray(e) || e.length % 5 !== 0) return ends;
    let since = 0;
    let day = 0;
    for (let i = 0; i < e.length && ends.journal.length < JOURNAL_KEPT; i += 5) {
      const [ds, f, t, dd, hour] = e.slice(i, i + 5) as unknown[];
      if (![ds, f, t, dd, hour].every((n) => typeof n === 'number' && Number.isFinite(n))) return ends;
      since += ds as number;
      day += dd as number;
      const from: unknown = ids[f as number];
      const to: unknown = ids[t as number];
      // Not of its shape: the journal is read no further (what follows counted after a gap would not be the same).
      if (typeof from !== 'string' || typeof to !== 'string' || !Number.isInteger(day)) return ends;
      ends.journal.push({ since, from, to, day, hour: hour as number });
      ends.live.record(from, to, day, hour as number);
    }
    return ends;
  }

  /** Commits the journal's first `n` silence ends. */
  private commitFirst(n: number): void {
    if (n <= 0) return;
    for (let i = 0; i < n; i++) {
      const e = this.journal[i]!;
      this.base.record(e.from, e.to, e.day, e.hour);
    }
    this.journal.splice(0, n);
  }
}

/**
 * After a silence that began at device X at local hour h, the next activity came from device Y: counted per X, Y and
 * h, from the home's own record, as every learned value (a day's counts are used from the next local day on, so that
 * a silence under way is not judged by itself). Bounded: `SILENCES_KEPT` per beginning (all its hours together),
 * `ENDS_KEPT` ends each, `BEGINNINGS_KEPT` beginnings; the hours only split the same counts, so the whole day's are
 * session 30's exactly.
 */
class Counts {
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

  /** The local day of the latest silence end counted (-1: none). */
  get currentDay(): number {
    return this.day;
  }

  /** An independent copy, the same to the last bit (and in the same order). */
  copy(): Counts {
    const into = new Counts();
    const clone = (m: Map<string, Beginning>): Map<string, Beginning> =>
      new Map(
        [...m].map(([begin, b]) => [
          begin,
          { n: b.n, ends: new Map([...b.ends].map(([end, p]) => [end, { n: p.n, h: [...p.h] }])) },
        ]),
      );
    into.settled = clone(this.settled);
    into.today = clone(this.today);
    into.day = this.day;
    return into;
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
  static fromState(saved: unknown): Counts {
    const ends = new Counts();
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
