// Generated wearable accelerometer signals (in g, gravity included) for the fall detector's tests.
import type { AccelValue } from '../../rules/types.js';

type Vec = [number, number, number];
/** One stretch of movement: its length and the sample at `t` seconds into it. */
export interface Segment {
  seconds: number;
  at: (t: number) => Vec;
}

export const UPRIGHT: Vec = [0, -1, 0];
export const LYING: Vec = [0, 0, -1];

/** Small deterministic jitter, like a real sensor's noise (±0.01 g). */
function jitter(k: number): number {
  return Math.sin(k * 12.9898) * 0.01;
}

export const still = (seconds: number, g: Vec): Segment => ({ seconds, at: () => g });
export const walking = (seconds: number): Segment => ({
  seconds,
  at: (t) => [
    0.1 * Math.sin(2 * Math.PI * 0.9 * t),
    -1 - 0.35 * Math.sin(2 * Math.PI * 1.8 * t),
    0.1 * Math.cos(2 * Math.PI * 1.8 * t),
  ],
});
/** A body dropping: the sensor sees much less than 1 g. */
export const freeFall = (seconds: number, g: Vec, level = 0.2): Segment => ({
  seconds,
  at: () => [g[0] * level, g[1] * level, g[2] * level],
});
/** A short impact spike of `peakG` along `g`, half a sine wave. */
export const impact = (seconds: number, g: Vec, peakG: number): Segment => ({
  seconds,
  at: (t) => {
    const s = 1 + (peakG - 1) * Math.sin((Math.PI * t) / seconds);
    return [g[0] * s, g[1] * s, g[2] * s];
  },
});
/** Turning smoothly from one posture to another. */
export const turn = (seconds: number, from: Vec, to: Vec): Segment => ({
  seconds,
  at: (t) => {
    const f = t / seconds;
    const v: Vec = [from[0] + f * (to[0] - from[0]), from[1] + f * (to[1] - from[1]), from[2] + f * (to[2] - from[2])];
    const n = Math.hypot(...v);
    return [v[0] / n, v[1] / n, v[2] / n];
  },
});

/** The segments sampled at `rateHz`, as a flat list of samples. */
export function render(segments: Segment[], rateHz: number): Vec[] {
  const out: Vec[] = [];
  for (const seg of segments) {
    const n = Math.round(seg.seconds * rateHz);
    for (let i = 0; i < n; i++) {
      const [x, y, z] = seg.at(i / rateHz);
      const k = out.length;
      out.push([x + jitter(k), y + jitter(k + 1), z + jitter(k + 2)]);
    }
  }
  return out;
}

/** Samples cut into `accel` messages of `perMessage` samples, each stamped with its first sample's time. */
export function toMessages(
  samples: Vec[],
  rateHz: number,
  startTs: number,
  perMessage = rateHz,
): { ts: number; value: AccelValue }[] {
  const messages: { ts: number; value: AccelValue }[] = [];
  for (let i = 0; i < samples.length; i += perMessage) {
    messages.push({
      ts: startTs + Math.round((i * 1000) / rateHz),
      value: { rate: rateHz, samples: samples.slice(i, i + perMessage) },
    });
  }
  return messages;
}

/** A clear fall: standing, dropping, hitting the floor hard, then lying. */
export function fallSegments(lyingSeconds: number): Segment[] {
  return [still(3, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.1, LYING, 3), still(lyingSeconds, LYING)];
}

/** The first of a list the test has just checked is not empty (fails clearly if it is). */
export function first<T>(list: readonly T[]): T {
  const item = list.at(0);
  if (item === undefined) throw new Error('expected at least one item');
  return item;
}
