// What normally follows each device's activity: how long the silence after it lasts, as a survival model with back-off to the home.
import { binOf, BINS, upperEdgeMinutes } from './learned-normal.js';
import { MINUTE_MS } from './time.js';

const MAX_COUNT = 65_535;
/**
 * Prior weights (in observations) of the home-wide figures in a device's estimates: a device seen a
 * few times is judged mostly by the home; one seen hundreds of times by itself.
 */
const PAUSE_PRIOR = 1;
const TAIL_PRIOR = 1;

export interface DeviceSilenceState {
  /** Per activity key, the silence histogram as flat [bin, count, ...]; the day pending and its silences [key, gapMs]. */
  keys: Record<string, number[]>;
  day: number;
  pending: [string, number][];
}

/**
 * Silence after an activity, by activity key (a device and, for a contact, which way it moved: a
 * cupboard opened is nearly always closed within a minute, a bedroom door closed may mean the night).
 * Every silence counts, those under a minute too: P(silence > t | key) = P(a pause of a minute or
 * more | key) × P(silence > t | such a pause, key), each shrunk toward the home's own figure by a
 * prior of one observation. The threshold is the shortest silence whose probability is at most
 * `alarmPercent`: the chance that a resident who is well stays silent that long after that activity.
 */
export class DeviceSilence {
  private readonly counts = new Map<string, Uint16Array>();
  private readonly total = new Float64Array(BINS);
  private readonly cache = new Map<string, { day: number; ms: number }>();
  /** A day's silences join the histograms when the local day turns (as in learned normal). */
  private day = -1;
  private pendingKey: string[] = [];
  private pendingGapMs: number[] = [];

  record(key: string, gapMs: number, day: number): void {
    if (day > this.day) this.turnDay(day);
    this.pendingKey.push(key);
    this.pendingGapMs.push(gapMs);
  }

  /** How many silences of a minute or more followed activity `key` (the evidence its own estimate rests on). */
  pauses(key: string): number {
    const own = this.counts.get(key);
    if (!own) return 0;
    let n = 0;
    for (let b = 1; b < BINS; b++) n += own[b] ?? 0;
    return n;
  }

  /** The silence (ms) after activity `key` that is unusual at `alarmPercent`; NaN without history. */
  threshold(key: string, day: number, alarmPercent: number): number {
    if (day > this.day) this.turnDay(day);
    const cached = this.cache.get(key);
    if (cached && cached.day === day) return cached.ms;
    const ms = this.compute(this.counts.get(key), alarmPercent / 100);
    this.cache.set(key, { day, ms });
    return ms;
  }

  private compute(own: Uint16Array | undefined, alarm: number): number {
    const total = this.total;
    const homeAll = total.reduce((s, c) => s + c, 0);
    // Typed-array reads below are within 0..BINS-1; `?? 0` only satisfies the index check.
    const homePauses = homeAll - (total[0] ?? 0);
    if (!own || homePauses === 0) return NaN;
    let ownAll = 0;
    for (let b = 0; b < BINS; b++) ownAll += own[b] ?? 0;
    const ownPauses = ownAll - (own[0] ?? 0);
    const pause = (ownPauses + PAUSE_PRIOR * (homePauses / homeAll)) / (ownAll + PAUSE_PRIOR);
    // Walk up the bins; `ownAbove`/`homeAbove` count the pauses in bins above b.
    let ownAbove = ownPauses;
    let homeAbove = homePauses;
    for (let b = 1; b < BINS; b++) {
      ownAbove -= own[b] ?? 0;
      homeAbove -= total[b] ?? 0;
      const tail = (ownAbove + TAIL_PRIOR * (homeAbove / homePauses)) / (ownPauses + TAIL_PRIOR);
      if (pause * tail <= alarm) return upperEdgeMinutes(b) * MINUTE_MS;
    }
    return NaN;
  }

  private turnDay(day: number): void {
    if (day <= this.day) return;
    this.day = day;
    for (let i = 0; i < this.pendingKey.length; i++) {
      const key = this.pendingKey[i];
      const gapMs = this.pendingGapMs[i];
      if (key === undefined || gapMs === undefined) continue;
      let counts = this.counts.get(key);
      if (!counts) {
        counts = new Uint16Array(BINS);
        this.counts.set(key, counts);
      }
      const bin = binOf(gapMs);
      if ((counts[bin] ?? 0) >= MAX_COUNT) this.age(counts);
      counts[bin] = (counts[bin] ?? 0) + 1;
      this.total[bin] = (this.total[bin] ?? 0) + 1;
    }
    this.pendingKey.length = 0;
    this.pendingGapMs.length = 0;
  }

  /** Halve one key's history rather than saturate: old habits count half. */
  private age(counts: Uint16Array): void {
    for (let b = 0; b < BINS; b++) {
      const count = counts[b] ?? 0;
      const half = count >> 1;
      this.total[b] = (this.total[b] ?? 0) - (count - half);
      counts[b] = half;
    }
  }

  exportState(): DeviceSilenceState {
    const keys: Record<string, number[]> = {};
    for (const [key, counts] of this.counts) {
      const cells: number[] = [];
      counts.forEach((count, bin) => {
        if (count !== 0) cells.push(bin, count);
      });
      keys[key] = cells;
    }
    const pending: [string, number][] = [];
    this.pendingKey.forEach((key, i) => pending.push([key, this.pendingGapMs[i] ?? NaN]));
    return { keys, day: this.day, pending };
  }

  static fromState(state: DeviceSilenceState | undefined): DeviceSilence {
    const model = new DeviceSilence();
    if (!state || typeof state !== 'object') return model;
    for (const [key, cells] of Object.entries(state.keys ?? {})) {
      if (!Array.isArray(cells)) continue;
      const counts = new Uint16Array(BINS);
      for (let i = 0; i + 1 < cells.length; i += 2) {
        const bin = cells[i];
        const count = cells[i + 1];
        if (bin !== undefined && count !== undefined && Number.isInteger(bin) && bin >= 0 && bin < BINS)
          counts[bin] = Math.min(MAX_COUNT, Math.max(0, count));
      }
      model.counts.set(key, counts);
      counts.forEach((count, bin) => (model.total[bin] = (model.total[bin] ?? 0) + count));
    }
    model.day = typeof state.day === 'number' ? state.day : -1;
    for (const p of Array.isArray(state.pending) ? state.pending : []) {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number') continue;
      model.pendingKey.push(p[0]);
      model.pendingGapMs.push(p[1]);
    }
    return model;
  }
}
