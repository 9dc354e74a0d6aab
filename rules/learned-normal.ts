// A home's learned normal: how long its quiet periods last, by context (room) and hour of the week.
import type { RuleParams } from './params.js';
import { MINUTE_MS } from './time.js';

const HOURS_PER_WEEK = 168;
/** Log-spaced bins: bin 0 is under a minute, bin i covers [R^(i-1), R^i) minutes, the last is a day or more. */
export const BINS = 40;
const R = Math.pow(1440, 1 / (BINS - 2));
const LOG_R = Math.log(R);
const MAX_COUNT = 65_535;
const RISING_DAYS = 28;
/** Scratch for pooling (the engine runs on one thread; a threshold is computed start to end). */
const POOLED = new Float64Array(BINS);
const SCRATCH = new Float64Array(BINS);
/** The same weekday alone is trusted once it holds this many times `minSamples` (months of history). */
const WEEKDAY_POOL_FACTOR = 4;

export function binOf(gapMs: number): number {
  const minutes = gapMs / MINUTE_MS;
  if (minutes < 1) return 0;
  return Math.min(BINS - 1, 1 + Math.floor(Math.log(minutes) / LOG_R));
}

export function upperEdgeMinutes(bin: number): number {
  return Math.pow(R, bin);
}

/**
 * The learned threshold of `n` lengths in bins 1 and up of `counts` (bin 0 not counted), gathered over `days` days: the
 * upper edge of the bin of the `learned.quantilePercent` one, with the margins, in ms; NaN when there are none. The
 * lengths left out above it are at most one per `learned.leaveOutDays` of those days (session 48): the share a quantile
 * leaves out grows with the count, and a pool with ten quiet periods a day that passes 100 leaves out its longest though
 * the home had it a fortnight ago; a length the home has had again within that many days is always kept.
 */
function quantileMs(counts: ArrayLike<number>, n: number, learned: RuleParams['learned'], days: number): number {
  if (n <= 0) return NaN;
  let rank = Math.max(1, Math.ceil((n * learned.quantilePercent) / 100));
  if (learned.leaveOutDays > 0) rank = Math.max(rank, n - Math.floor(Math.max(0, days) / learned.leaveOutDays));
  let seen = 0;
  let bin = BINS - 1;
  for (let b = 1; b < BINS; b++) {
    seen += counts[b] ?? 0;
    if (seen >= rank) {
      bin = b;
      break;
    }
  }
  return (upperEdgeMinutes(bin) * (1 + learned.marginPercent / 100) + learned.marginMinutes) * MINUTE_MS;
}

/** Quiet periods of one context: a histogram per hour of the week, and a daily cache of thresholds. */
class QuietHistogram {
  readonly counts: Uint16Array;
  /** The same counts summed over the weekdays (by hour of day), to pool cheaply. */
  private readonly byHour = new Uint32Array(24 * BINS);
  private readonly cacheDay = new Int32Array(HOURS_PER_WEEK).fill(-1);
  private readonly cacheMs = new Float64Array(HOURS_PER_WEEK);
  private readonly cacheN = new Uint32Array(HOURS_PER_WEEK);
  /** `countFrom`'s last bin (-1: none since the counts changed) and its answer. */
  private countedFrom = -1;
  private counted = 0;

  constructor(counts?: Uint16Array) {
    this.counts = counts ?? new Uint16Array(HOURS_PER_WEEK * BINS);
    if (counts) this.sum();
  }

  add(hourOfWeek: number, gapMs: number): void {
    const bin = binOf(gapMs);
    const i = hourOfWeek * BINS + bin;
    if ((this.counts[i] ?? 0) >= MAX_COUNT) {
      // Age this hour's history rather than saturate: old habits count half.
      for (let b = hourOfWeek * BINS; b < (hourOfWeek + 1) * BINS; b++) this.counts[b] = (this.counts[b] ?? 0) >> 1;
      this.sum();
    }
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.countedFrom = -1;
    const h = (hourOfWeek % 24) * BINS + bin;
    this.byHour[h] = (this.byHour[h] ?? 0) + 1;
  }

  private sum(): void {
    this.countedFrom = -1;
    this.byHour.fill(0);
    for (let how = 0; how < HOURS_PER_WEEK; how++) {
      for (let b = 0; b < BINS; b++) {
        const h = (how % 24) * BINS + b;
        this.byHour[h] = (this.byHour[h] ?? 0) + (this.counts[how * BINS + b] ?? 0);
      }
    }
  }

  /**
   * The threshold for a quiet period starting at `hourOfWeek`, recomputed at most once a local day,
   * and into `out.samples` how many quiet periods it rests on (the weight it earns against a prior).
   */
  threshold(
    hourOfWeek: number,
    day: number,
    learned: RuleParams['learned'],
    historyDays: number,
    out?: { samples: number },
  ): number {
    if (this.cacheDay[hourOfWeek] === day) {
      if (out) out.samples = this.cacheN[hourOfWeek] ?? 0;
      return this.cacheMs[hourOfWeek] ?? NaN;
    }
    // The same weekday and neighbouring hours once the history is long; before that the same hours
    // of every weekday. A thin pool is not widened to other hours of the day (a night's silence says
    // nothing of the afternoon): it simply earns little weight against the prior.
    const pooled = POOLED.fill(0);
    const hour = hourOfWeek % 24;
    let n = this.pool(pooled, this.counts, hourOfWeek - hour, hour);
    let days = historyDays;
    if (n < WEEKDAY_POOL_FACTOR * learned.minSamples) {
      n = this.pool(pooled.fill(0), this.byHour, 0, hour);
    } else {
      // The same weekday alone holds that weekday's share of the periods of those hours, so about that share of the
      // history's days: a seventh where every day records at its own hour, all of them where a context files every
      // period under one hour whatever the day (up and about, a lone night trigger, out of bed: `UP_HOUR`, 0).
      days = (historyDays * n) / Math.max(n, this.pool(SCRATCH.fill(0), this.byHour, 0, hour));
    }
    // Gaps under a minute are the pauses within one burst of activity, not quiet periods.
    pooled[0] = 0;
    const value = quantileMs(pooled, n, learned, days);
    this.cacheDay[hourOfWeek] = day;
    this.cacheMs[hourOfWeek] = value;
    this.cacheN[hourOfWeek] = n;
    if (out) out.samples = n;
    return value;
  }

  /** Quiet periods in bin `from` or above, at any hour of the week (the last answer kept until a period is added). */
  countFrom(from: number): number {
    if (this.countedFrom === from) return this.counted;
    let n = 0;
    for (let i = 0; i < this.byHour.length; i++) if (i % BINS >= from) n += this.byHour[i] ?? 0;
    this.countedFrom = from;
    this.counted = n;
    return n;
  }

  /** Quiet periods in bin `from` or above that began at local hour of day `hour` (any weekday). */
  countFromAtHour(from: number, hour: number): number {
    let n = 0;
    for (let b = from; b < BINS; b++) n += this.byHour[hour * BINS + b] ?? 0;
    return n;
  }

  /** Sum rows `hour`-1..`hour`+1 of the day starting at row `dayStart` into `into`; returns the count of a minute or more. */
  private pool(into: Float64Array, rows: Uint16Array | Uint32Array, dayStart: number, hour: number): number {
    let n = 0;
    for (let dh = -1; dh <= 1; dh++) {
      const base = (dayStart + ((hour + dh + 24) % 24)) * BINS;
      for (let b = 0; b < BINS; b++) {
        const c = rows[base + b] ?? 0;
        into[b] = (into[b] ?? 0) + c;
        if (b > 0) n += c;
      }
    }
    return n;
  }
}

export interface LearnedNormalState {
  /** Per context, the non-zero histogram cells as flat [cell, count, cell, count, ...] (small while young). */
  contexts: Record<string, number[]>;
  rising: number[];
  /** Local day whose quiet periods are still pending, and those periods: [context, hourOfWeek, gapMs]. */
  day: number;
  /** Local day of the first period recorded; absent in a state saved before session 48. */
  firstDay?: number;
  pending: [string, number, number][];
  /** Per habit (`recordHabit`), the non-zero bins as flat [bin, count, ...]; absent in a state saved before session 29. */
  habits?: Record<string, number[]>;
}

/** Hour of the week a pending length of a habit is kept at (`recordHabit`): none. */
const HABIT = -1;

/**
 * Contexts: "home" (any quiet period), "room:<name>" (quiet periods that began with activity in that
 * room), "in-bed" (quiet periods that began with the bed mat occupied), "bathroom-stay" (visits to
 * the bathroom), "out-of-bed" (night absences from bed, hour 0).
 */
export class LearnedNormal {
  private readonly contexts = new Map<string, QuietHistogram>();
  /** Lengths of a habit, by bin, whatever the hour (`recordHabit`): a few bytes each, not a histogram per hour. */
  private readonly habits = new Map<string, Uint16Array>();
  /** Usual rising time: local minute of the first activity outside the bedroom, last 28 mornings. */
  private rising: number[] = [];
  /**
   * Today's quiet periods join the histograms when the local day turns, so a day's thresholds depend
   * only on the days before it: the same after a restart mid-day as without one.
   */
  private day = -1;
  /** The local day of the first period recorded (-1: none yet): the histograms hold the days from it to `day`. */
  private firstDay = -1;
  private pendingContext: string[] = [];
  private pendingHour: number[] = [];
  private pendingGapMs: number[] = [];
  /**
   * Today's pending periods of each context in bin `pendingFrom` or above (`longPeriods`), kept as they are recorded:
   * asked twice at each activity, a count over the day's pending list each time cost replay about a tenth of its CPU.
   * -1: not kept yet (rebuilt at the next ask).
   */
  private pendingFrom = -1;
  private readonly pendingLong = new Map<string, number>();

  /** A quiet period of `gapMs` that began at `hourOfWeek` in `context`, seen on local day `day`. */
  record(context: string, hourOfWeek: number, gapMs: number, day: number): void {
    // Pauses under a minute are within one burst of activity, not quiet periods: not kept at all.
    if (gapMs < MINUTE_MS) return;
    if (day > this.day) this.turnDay(day);
    if (this.firstDay < 0) this.firstDay = day;
    this.pendingContext.push(context);
    this.pendingHour.push(hourOfWeek);
    this.pendingGapMs.push(gapMs);
    if (this.pendingFrom >= 0 && binOf(gapMs) >= this.pendingFrom)
      this.pendingLong.set(context, (this.pendingLong.get(context) ?? 0) + 1);
  }

  /**
   * A length of `context` that is a habit of a device rather than of the hour (how long a contact stays open), seen on
   * local day `day`: kept whatever the hour, and, as quiet periods are, counted from the next local day. Under a minute
   * it is kept as a minute (nothing shorter is kept; rounding up only lengthens the threshold).
   */
  recordHabit(context: string, lengthMs: number, day: number): void {
    if (day > this.day) this.turnDay(day);
    if (this.firstDay < 0) this.firstDay = day;
    this.pendingContext.push(context);
    this.pendingHour.push(HABIT);
    this.pendingGapMs.push(Math.max(MINUTE_MS, lengthMs));
  }

  /** The learned threshold of habit `context` in ms (NaN before any), and into `out.samples` the lengths it rests on. */
  habitThreshold(context: string, day: number, learned: RuleParams['learned'], out?: { samples: number }): number {
    if (day > this.day) this.turnDay(day);
    const counts = this.habits.get(context);
    let n = 0;
    if (counts) for (let b = 1; b < BINS; b++) n += counts[b] ?? 0;
    if (out) out.samples = n;
    return counts ? quantileMs(counts, n, learned, this.historyDays(day)) : NaN;
  }

  /** Learned threshold in ms, or NaN when this context has no history yet. */
  threshold(
    context: string,
    hourOfWeek: number,
    day: number,
    learned: RuleParams['learned'],
    out?: { samples: number },
  ): number {
    if (day > this.day) this.turnDay(day);
    const h = this.contexts.get(context);
    if (h) return h.threshold(hourOfWeek, day, learned, this.historyDays(day), out);
    if (out) out.samples = 0;
    return NaN;
  }

  /** Days of history the histograms hold when thresholds are asked on local day `day` (those before it). */
  private historyDays(day: number): number {
    return this.firstDay < 0 ? 0 : Math.max(0, day - this.firstDay);
  }

  /**
   * How many quiet periods of `context` lasted about `minMs` or longer, at any hour of the week, up to now (those of
   * the days before `day` and today's pending ones; with the histogram's resolution, every period in the bin of
   * `minMs` counts, so a little shorter too).
   */
  longPeriods(context: string, minMs: number, day: number): number {
    if (day > this.day) this.turnDay(day);
    const h = this.contexts.get(context);
    const from = binOf(minMs);
    const n = h ? h.countFrom(from) : 0;
    // And today's, still pending: a count, not a threshold, so tonight may use the night that ended this morning
    // (the pending periods are saved with the state, so a restart counts them alike).
    if (from !== this.pendingFrom) {
      this.pendingFrom = from;
      this.pendingLong.clear();
      for (let i = 0; i < this.pendingContext.length; i++) {
        const pending = this.pendingContext[i];
        if (pending !== undefined && binOf(this.pendingGapMs[i] ?? 0) >= from)
          this.pendingLong.set(pending, (this.pendingLong.get(pending) ?? 0) + 1);
      }
    }
    return n + (this.pendingLong.get(context) ?? 0);
  }

  /**
   * How many quiet periods of `context` lasted about `minMs` or longer and began at local hour of day `hour` (any
   * weekday), up to now: those of the days before `day` and today's pending ones, with the histogram's resolution (as
   * `longPeriods`).
   */
  longPeriodsBegunAt(context: string, minMs: number, hour: number, day: number): number {
    if (day > this.day) this.turnDay(day);
    const from = binOf(minMs);
    let n = this.contexts.get(context)?.countFromAtHour(from, hour) ?? 0;
    for (let i = 0; i < this.pendingContext.length; i++) {
      const began = this.pendingHour[i] ?? HABIT;
      if (this.pendingContext[i] !== context || began === HABIT || binOf(this.pendingGapMs[i] ?? 0) < from) continue;
      if (began % 24 === hour) n++;
    }
    return n;
  }

  /** How many mornings the usual rising time rests on. */
  risingMornings(): number {
    return this.rising.length;
  }

  private turnDay(day: number): void {
    if (day <= this.day) return;
    this.day = day;
    for (let i = 0; i < this.pendingContext.length; i++) {
      const context = this.pendingContext[i];
      const hour = this.pendingHour[i];
      const gapMs = this.pendingGapMs[i];
      // The three pending arrays are pushed together, so each index is in all three.
      if (context === undefined || hour === undefined || gapMs === undefined) continue;
      if (hour === HABIT) {
        addHabit(this.habits, context, binOf(gapMs), 1);
        continue;
      }
      let h = this.contexts.get(context);
      if (!h) {
        h = new QuietHistogram();
        this.contexts.set(context, h);
      }
      h.add(hour, gapMs);
    }
    this.pendingContext.length = 0;
    this.pendingHour.length = 0;
    this.pendingGapMs.length = 0;
    this.pendingLong.clear();
  }

  recordRising(minuteOfDay: number): void {
    this.rising.push(minuteOfDay);
    if (this.rising.length > RISING_DAYS) this.rising.shift();
  }

  /** How many of the recent mornings the first activity outside the bedroom came at local minute `minuteOfDay` or later. */
  risingsFrom(minuteOfDay: number): number {
    let n = 0;
    for (const m of this.rising) if (m >= minuteOfDay) n++;
    return n;
  }

  /**
   * The rising minute of the recent mornings that only `rank` were later than (0: the latest), or null before any; the
   * earliest when there are fewer.
   */
  latestRisingMinute(rank: number): number | null {
    if (this.rising.length === 0) return null;
    const sorted = [...this.rising].sort((a, b) => b - a);
    return sorted[Math.min(Math.max(0, rank), sorted.length - 1)] ?? null;
  }

  /** Median rising minute of the recent mornings, or null before any. */
  usualRisingMinute(): number | null {
    if (this.rising.length === 0) return null;
    const sorted = [...this.rising].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const upper = sorted[mid] ?? 0;
    return sorted.length % 2 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
  }

  exportState(): LearnedNormalState {
    const contexts: Record<string, number[]> = {};
    for (const [name, h] of this.contexts) {
      const cells: number[] = [];
      h.counts.forEach((count, i) => {
        if (count !== 0) cells.push(i, count);
      });
      contexts[name] = cells;
    }
    const pending: [string, number, number][] = this.pendingContext.map((c, i) => [
      c,
      this.pendingHour[i] ?? 0,
      this.pendingGapMs[i] ?? 0,
    ]);
    const habits: Record<string, number[]> = {};
    for (const [name, counts] of this.habits) {
      const cells: number[] = [];
      counts.forEach((count, bin) => {
        if (count !== 0) cells.push(bin, count);
      });
      habits[name] = cells;
    }
    return { contexts, rising: [...this.rising], day: this.day, firstDay: this.firstDay, pending, habits };
  }

  static fromState(state: LearnedNormalState | undefined): LearnedNormal {
    const learned = new LearnedNormal();
    if (!state) return learned;
    for (const [name, cells] of Object.entries(state.contexts ?? {})) {
      if (!Array.isArray(cells)) continue;
      const counts = new Uint16Array(HOURS_PER_WEEK * BINS);
      for (let i = 0; i + 1 < cells.length; i += 2) {
        const cell = cells[i];
        const count = cells[i + 1];
        if (cell !== undefined && count !== undefined && Number.isInteger(cell) && cell >= 0 && cell < counts.length)
          counts[cell] = Math.min(MAX_COUNT, Math.max(0, count));
      }
      learned.contexts.set(name, new QuietHistogram(counts));
    }
    for (const [name, cells] of Object.entries(state.habits ?? {})) {
      if (!Array.isArray(cells)) continue;
      for (let i = 0; i + 1 < cells.length; i += 2) {
        const bin = cells[i];
        const count = cells[i + 1];
        if (
          Number.isInteger(bin) &&
          bin !== undefined &&
          bin > 0 &&
          bin < BINS &&
          typeof count === 'number' &&
          count > 0
        )
          addHabit(learned.habits, name, bin, Math.min(MAX_COUNT, Math.floor(count)));
      }
    }
    learned.day = typeof state.day === 'number' ? state.day : -1;
    // A state saved before session 48 does not say when its history began: from its own day, so its longest periods
    // are kept for `learned.leaveOutDays` (the cautious side: no silence it holds is left out meanwhile).
    learned.firstDay =
      typeof state.firstDay === 'number' && Number.isInteger(state.firstDay) && state.firstDay <= learned.day
        ? state.firstDay
        : learned.day;
    for (const p of Array.isArray(state.pending) ? state.pending : []) {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number' || typeof p[2] !== 'number')
        continue;
      learned.pendingContext.push(p[0]);
      learned.pendingHour.push(p[1]);
      learned.pendingGapMs.push(p[2]);
    }
    learned.rising = Array.isArray(state.rising)
      ? state.rising.filter((m) => typeof m === 'number').slice(-RISING_DAYS)
      : [];
    return learned;
  }
}

/** Add `count` lengths in `bin` of habit `context`; a full bin halves them all (old habits count half). */
function addHabit(habits: Map<string, Uint16Array>, context: string, bin: number, count: number): void {
  let counts = habits.get(context);
  if (!counts) habits.set(context, (counts = new Uint16Array(BINS)));
  if ((counts[bin] ?? 0) + count > MAX_COUNT) for (let b = 0; b < BINS; b++) counts[b] = (counts[b] ?? 0) >> 1;
  counts[bin] = Math.min(MAX_COUNT, (counts[bin] ?? 0) + count);
}
