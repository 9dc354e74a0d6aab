// Simulated collapses on a recording: cut it, let the clock run on in silence, time the first inactivity-family alert.
import { Replayer, type ReplayLine } from '../replay/replay.js';
import { RulesEngine } from '../rules/engine.js';
import type { HomeConfig } from '../rules/types.js';
import { INACTIVITY_FAMILY } from '../rules/vocabulary.js';
import { MINUTE_MS } from '../rules/time.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);

export interface DelayFigures {
  cuts: number;
  missed: number;
  medianMinutes: number | null;
  p25Minutes: number | null;
  p75Minutes: number | null;
  p90Minutes: number | null;
  maxMinutes: number | null;
  /** Which alert kind came first, over the detected cuts. */
  firstKind: Record<string, number>;
}

/** One simulated collapse: just after the event at `at` (the last event at that instant), counted in `groups`. */
export interface CollapseCut {
  at: number;
  groups: readonly string[];
}

/** Raw outcome of the cuts of one group (merge several recordings before turning them into figures). */
export interface CollapseOutcome {
  delaysMs: number[];
  missed: number;
  firstKind: Record<string, number>;
}

export function emptyOutcome(): CollapseOutcome {
  return { delaysMs: [], missed: 0, firstKind: {} };
}

export function mergeOutcome(into: CollapseOutcome, from: CollapseOutcome): void {
  into.delaysMs.push(...from.delaysMs);
  into.missed += from.missed;
  for (const [kind, n] of Object.entries(from.firstKind)) into.firstKind[kind] = (into.firstKind[kind] ?? 0) + n;
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round((sorted[i] ?? NaN) / MINUTE_MS);
}

export function delayFigures(o: CollapseOutcome): DelayFigures {
  const sorted = [...o.delaysMs].sort((a, b) => a - b);
  return {
    cuts: o.delaysMs.length + o.missed,
    missed: o.missed,
    medianMinutes: quantile(sorted, 0.5),
    p25Minutes: quantile(sorted, 0.25),
    p75Minutes: quantile(sorted, 0.75),
    p90Minutes: quantile(sorted, 0.9),
    maxMinutes: quantile(sorted, 1),
    firstKind: o.firstKind,
  };
}

/**
 * One pass over `events` (time-ordered lines with numeric `ts`; replay turns them into events in
 * place, so pass copies); at each cut the engine is copied through exportState/fromState
 * (as after a restart) and the copy's clock runs on `silenceMs` with no events. The delay is to
 * the copy's first inactivity-family alert raised after the cut; none within the silence is a miss.
 */
export function measureCollapses(
  homes: HomeConfig[],
  events: Iterable<ReplayLine>,
  cuts: readonly CollapseCut[],
  silenceMs: number,
): Map<string, CollapseOutcome> {
  const outcomes = new Map<string, CollapseOutcome>();
  const outcome = (group: string): CollapseOutcome => {
    let o = outcomes.get(group);
    if (!o) outcomes.set(group, (o = emptyOutcome()));
    return o;
  };
  const replayer = new Replayer({ homes, drainHours: 0 });
  let next = 0;
  for (const e of events) {
    replayer.push(e);
    const ts = e.ts as number;
    // Taken as soon as the first event at the cut's instant is in (so the Kasteren figures stay as
    // first measured): another event at the very same millisecond falls after the cut.
    for (let cut = cuts[next]; cut && cut.at <= ts; cut = cuts[next]) {
      next++;
      if (cut.at !== ts) continue;
      const at = cut.at;
      const copy = RulesEngine.fromState(homes, replayer.engine.exportState());
      const first = copy.advanceTo(at + silenceMs).find((d) => d.type === 'raise' && FAMILY.has(d.kind) && d.at > at);
      for (const g of cut.groups) {
        const o = outcome(g);
        if (!first || first.type !== 'raise') {
          o.missed++;
          continue;
        }
        o.delaysMs.push(first.at - at);
        o.firstKind[first.kind] = (o.firstKind[first.kind] ?? 0) + 1;
      }
    }
  }
  return outcomes;
}

/** The commercial reference: alarms of a fixed stopwatch (a gap longer than `stopwatchMs` between watched events). */
export function stopwatchAlarms(timestamps: readonly number[], stopwatchMs: number): number {
  let alarms = 0;
  let previous: number | undefined;
  for (const ts of timestamps) {
    if (previous !== undefined && ts - previous > stopwatchMs) alarms++;
    previous = ts;
  }
  return alarms;
}
