// Whether a value fits its event type (SPEC 4.1): the one check that ingest and replay both apply before the rules see an event.
import type { AccelValue } from './types.js';
import { EVENT_VALUE_KIND, VALUE_RANGES, type EventType } from './vocabulary.js';

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** An accel value: a positive sample rate and at least one [x, y, z] sample of finite numbers. */
export function isAccelValue(v: unknown): v is AccelValue {
  if (v === null || typeof v !== 'object') return false;
  const { rate, samples } = v as { rate?: unknown; samples?: unknown };
  if (!isFiniteNumber(rate) || rate <= 0 || !Array.isArray(samples) || samples.length === 0) return false;
  for (const s of samples) {
    if (
      !Array.isArray(s) ||
      s.length !== 3 ||
      !isFiniteNumber(s[0]) ||
      !isFiniteNumber(s[1]) ||
      !isFiniteNumber(s[2])
    ) {
      return false;
    }
  }
  return true;
}

type Sample = [number, number, number];

/** A sample the rules can use: three finite numbers within ±VALUE_RANGES.accelG g. */
export function usableSample(s: unknown): s is Sample {
  if (!Array.isArray(s) || s.length !== 3) return false;
  const { min, max } = VALUE_RANGES.accelG;
  for (let i = 0; i < 3; i++) {
    const g: unknown = s[i];
    if (typeof g !== 'number' || !(g >= min && g <= max)) return false;
  }
  return true;
}

/**
 * More unusable samples than this share of a message (one is always allowed) make the whole message untrusted: a
 * stray glitch is one sample, but a message with many impossible readings is corrupt, and its readings within range
 * are no better (UMAFall subject 13's files: beside values of 100–580 g, others of 20–60 g that are as wrong).
 */
const MAX_UNUSABLE_SHARE = 0.05;

/** Consecutive usable samples of one accel message: `first` is the index of the first of them in the message. */
export interface AccelRun {
  first: number;
  value: AccelValue;
}

/**
 * An accel message's usable samples, as runs of consecutive ones, and how many were not usable: a wearable that
 * sends one corrupt sample in a batch (a glitch reading 100–316 g on one axis, as UMAFall's SensorTags do; a NaN its
 * firmware wrote as `null`) loses that sample, not the whole batch, which may hold the impact of a fall. Each run
 * keeps its samples' own time: it starts `first / rate` seconds after the message's `ts`, so the detector sees the
 * lost samples as a gap (bridged by holding the last value when short). Undefined when nothing in the message can be
 * used: not an object, a rate that is not a number within VALUE_RANGES.accelRate, no samples or more than
 * VALUE_RANGES.accelSamples, or no usable sample at all (the caller then refuses it as before, with its reason).
 * When every sample is usable the one run is the message's own value (no copy).
 */
export function accelRuns(v: unknown): { runs: AccelRun[]; dropped: number } | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const { rate, samples } = v as { rate?: unknown; samples?: unknown };
  const rates = VALUE_RANGES.accelRate;
  if (typeof rate !== 'number' || !(rate >= rates.min && rate <= rates.max)) return undefined;
  if (!Array.isArray(samples) || samples.length === 0 || samples.length > VALUE_RANGES.accelSamples.max) {
    return undefined;
  }
  const runs: AccelRun[] = [];
  let dropped = 0;
  let run: Sample[] | null = null;
  for (let i = 0; i < samples.length; i++) {
    const s: unknown = samples[i];
    if (!usableSample(s)) {
      dropped++;
      run = null;
      continue;
    }
    if (run === null) {
      run = [];
      runs.push({ first: i, value: { rate, samples: run } });
    }
    run.push(s);
  }
  if (runs.length === 0 || dropped > Math.max(1, Math.floor(samples.length * MAX_UNUSABLE_SHARE))) return undefined;
  if (dropped === 0) return { runs: [{ first: 0, value: v as AccelValue }], dropped: 0 };
  return { runs, dropped };
}

/** Milliseconds from an accel message's `ts` to its sample `index` (whole milliseconds, as event times are). */
export function accelSampleOffsetMs(rate: number, index: number): number {
  return Math.round((index * 1000) / rate);
}

export function valueFits(type: EventType, value: unknown): boolean {
  switch (EVENT_VALUE_KIND[type]) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'true':
      return value === true;
    case 'number':
      return isFiniteNumber(value);
    case 'accel':
      return isAccelValue(value);
  }
}
