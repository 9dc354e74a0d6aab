// Which device usually ends the silences that begin at each device: a dead device holds off only the silences it ended.

/** The silences counted per device where they began, at most: past it every count is halved (recent ones weigh). */
const SILENCES_KEPT = 200;
/** The devices kept as ends of one device's silences (the least counted one goes first). */
const ENDS_KEPT = 32;
/** The devices kept as beginnings of silences (the least counted one goes first). */
const BEGINNINGS_KEPT = 256;

/** The saved counts (JSON): settled ones, and the current local day's, which count from the next day. */
export interface SilenceEndsState {
  settled: Record<string, Record<string, number>>;
  day: number;
  today: Record<string, Record<string, number>>;
}

/** How the silences that began at one device ended, as far as the counts tell. */
export interface SilenceEndShare {
  /** Silences counted (halved counts included: not always a whole number). */
  silences: number;
  /** The share of them ended by the devices asked about (0-1). */
  share: number;
}

/**
 * After a silence that began at device X, the next activity came from device Y: counted per X and Y, from the home's
 * own record, as every learned value (a day's counts are used from the next local day on, so that a silence under
 * way is not judged by itself). Bounded: `SILENCES_KEPT` per beginning, `ENDS_KEPT` ends each, `BEGINNINGS_KEPT`
 * beginnings.
 */
export class SilenceEnds {
  private settled = new Map<string, Map<string, number>>();
  private day = -1;
  private today = new Map<string, Map<string, number>>();

  /** A silence that began at `from` ended with activity from `to` on local day `day`. */
  record(from: string, to: string, day: number): void {
    if (day > this.day) {
      for (const [begin, ends] of this.today) for (const [end, n] of ends) add(this.settled, begin, end, n);
      this.today.clear();
      this.day = day;
    }
    add(this.today, from, to, 1);
  }

  /** How the silences that began at `from` ended, counted before local day `day`: the share ended by `ends`. */
  share(from: string, ends: ReadonlySet<string>, day: number): SilenceEndShare {
    let silences = 0;
    let ended = 0;
    const tally = (counts: Map<string, number> | undefined): void => {
      for (const [end, n] of counts ?? []) {
        silences += n;
        if (ends.has(end)) ended += n;
      }
    };
    tally(this.settled.get(from));
    if (this.day < day) tally(this.today.get(from));
    return { silences, share: silences > 0 ? ended / silences : 0 };
  }

  exportState(): SilenceEndsState {
    const out = (m: Map<string, Map<string, number>>): Record<string, Record<string, number>> =>
      Object.fromEntries([...m].map(([begin, ends]) => [begin, Object.fromEntries(ends)]));
    return { settled: out(this.settled), day: this.day, today: out(this.today) };
  }

  /** Back from a saved state; anything not of its shape is dropped (counted again from the events to come). */
  static fromState(saved: unknown): SilenceEnds {
    const ends = new SilenceEnds();
    if (typeof saved !== 'object' || saved === null) return ends;
    const s = saved as Partial<SilenceEndsState>;
    const read = (into: Map<string, Map<string, number>>, from: unknown): void => {
      if (typeof from !== 'object' || from === null) return;
      for (const [begin, counts] of Object.entries(from as Record<string, unknown>)) {
        if (typeof counts !== 'object' || counts === null) continue;
        for (const [end, n] of Object.entries(counts as Record<string, unknown>))
          if (typeof n === 'number' && n > 0 && Number.isFinite(n)) add(into, begin, end, n);
      }
    };
    read(ends.settled, s.settled);
    read(ends.today, s.today);
    ends.day = Number.isInteger(s.day) ? s.day! : -1;
    return ends;
  }
}

/** Adds `n` to the count of `begin` → `end`, within the bounds. */
function add(counts: Map<string, Map<string, number>>, begin: string, end: string, n: number): void {
  let ends = counts.get(begin);
  if (ends === undefined) {
    if (counts.size >= BEGINNINGS_KEPT) counts.delete(leastCounted(counts));
    ends = new Map();
    counts.set(begin, ends);
  }
  if (!ends.has(end) && ends.size >= ENDS_KEPT) {
    const least = [...ends].reduce((a, b) => (b[1] < a[1] ? b : a));
    ends.delete(least[0]);
  }
  ends.set(end, (ends.get(end) ?? 0) + n);
  let total = 0;
  for (const c of ends.values()) total += c;
  if (total > SILENCES_KEPT) for (const [e, c] of ends) ends.set(e, c / 2);
}

/** The beginning with the fewest silences counted. */
function leastCounted(counts: Map<string, Map<string, number>>): string {
  let least = '';
  let fewest = Infinity;
  for (const [begin, ends] of counts) {
    let total = 0;
    for (const c of ends.values()) total += c;
    if (total < fewest) {
      fewest = total;
      least = begin;
    }
  }
  return least;
}
