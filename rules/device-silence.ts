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
    const homePauses = homeAll - total[0];
    if (!own || homePauses === 0) return NaN;
    let ownAll = 0;
    for (let b = 0; b < BINS; b++) ownAll += own[b];
    const ownPauses = ownAll - own[0];
    const pause = (ownPauses + PAUSE_PRIOR * (homePauses / homeAll)) / (ownAll + PAUSE_PRIOR);
    // Walk up the bins; `ownAbove`/`homeAbove` count the pauses in bins above b.
    let ownAbove = ownPauses;
    let homeAbove = homePauses;
    for (let b = 1; b < BINS; b++) {
      ownAbove -= own[b];
      homeAbove -= total[b];
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
      let h = this.counts.get(key);
      if (!h) {
        h = new Uint16Array(BINS);
        this.counts.set(key, h);
      }
      const bin = binOf(this.pendingGapMs[i]);
      if (h[bin] >= MAX_COUNT) this.age(h);
      h[bin] = h[bin] + 1;
      this.total[bin] += 1;
    }
    this.pendingKey.length = 0;
    this.pendingGapMs.length = 0;
  }

  /** Halve one key's history rather than saturate: old habits count half. */
  private age(h: Uint16Array): void {
    for (let b = 0; b < BINS; b++) {
      const half = h[b] >> 1;
      this.total[b] -= h[b] - half;
      h[b] = half;
    }
  }

  exportState(): DeviceSilenceState {
    const keys: Record<string, number[]> = {};
    for (const [key, h] of this.counts) {
      const cells: number[] = [];
      for (let b = 0; b < BINS; b++) if (h[b] !== 0) cells.push(b, h[b]);
      keys[key] = cells;
    }
    return { keys, day: this.day, pending: this.pendingKey.map((k, i) => [k, this.pendingGapMs[i]]) };
  }

  static fromState(state: DeviceSilenceState | undefined): DeviceSilence {
    const model = new DeviceSilence();
    if (!state || typeof state !== 'object') return model;
    for (const [key, cells] of Object.entries(state.keys ?? {})) {
      if (!Array.isArray(cells)) continue;
      const h = new Uint16Array(BINS);
      for (let i = 0; i + 1 < cells.length; i += 2) {
        const bin = cells[i];
        if (Number.isInteger(bin) && bin >= 0 && bin < BINS) h[bin] = Math.min(MAX_COUNT, Math.max(0, cells[i + 1]));
      }
      model.counts.set(key, h);
      for (let b = 0; b < BINS; b++) model.total[b] += h[b];
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
