// How a silence threshold is chosen: a conservative prior (cold start or care plan) that the home's own history takes over gradually.
import type { HomeState } from './home-state.js';

/** Where a threshold came from, shown to responders in the alert's detail. */
/**
 * Where a limit came from: learned normal, the first weeks' defaults, the care plan, or an outing's bound (a device
 * alone in a home its own returns show to stand empty is waited on as an outing is: `HomeState.outingBoundMs`).
 */
export type ThresholdSource = 'learned' | 'cold-start' | 'care-plan' | 'outing-bound';

export interface Threshold {
  ms: number;
  source: ThresholdSource;
}

const SAMPLES = { samples: 0 };

/**
 * Shrink the home's learned threshold toward a prior. A learned value longer than the prior is taken
 * at once: it is the home's own evidence of quiet periods that long, and believing it can only spare
 * a false alarm. A shorter one is what speeds detection up, and is trusted as the evidence grows:
 * exp((1 - w) ln prior + w ln learned) with w = n / (n + priorWeight), n the quiet periods it rests on.
 */
export function shrink(
  priorMs: number,
  learnedMs: number,
  samples: number,
  priorWeight: number,
  priorSource: ThresholdSource,
): Threshold {
  // Whole milliseconds: a timer due at a fraction of one would fire at different instants live and in replay.
  if (Number.isNaN(learnedMs) || samples <= 0) return { ms: Math.round(priorMs), source: priorSource };
  if (learnedMs >= priorMs) return { ms: Math.round(learnedMs), source: 'learned' };
  const w = samples / (samples + priorWeight);
  return {
    ms: Math.round(Math.exp((1 - w) * Math.log(priorMs) + w * Math.log(learnedMs))),
    source: w >= 0.5 ? 'learned' : priorSource,
  };
}

/**
 * The threshold of a quiet period starting at `start` in learned-normal `context`, shrunk toward
 * `priorMs`; `floorMs` bounds the learned value (the prior stands as configured).
 */
export function learnedOrPrior(
  home: HomeState,
  context: string,
  start: number,
  priorMs: number,
  priorSource: ThresholdSource,
  floorMs = 0,
): Threshold {
  const learnedMs = home.learned.threshold(
    context,
    home.zone.hourOfWeek(start),
    home.zone.dayNumber(start),
    home.params.learned,
    SAMPLES,
  );
  return shrink(priorMs, Math.max(floorMs, learnedMs), SAMPLES.samples, home.params.learned.priorWeight, priorSource);
}

/**
 * Whether the timer `slot` is due where an allowance `armed`, counted from `start`, put it (timers are armed on whole
 * milliseconds): not moved since by another arming, nor disarmed, nor of a start not known (NaN). What a rule's
 * `onRestore` may time again from that start under the configuration now.
 */
export function dueFrom(
  slot: { readonly dueAt: number },
  armed: Threshold | undefined,
  start: number,
): armed is Threshold {
  return armed !== undefined && slot.dueAt === Math.ceil(start + armed.ms);
}
