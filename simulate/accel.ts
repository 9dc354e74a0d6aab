// Synthetic wrist accelerometer traces (g, gravity included): walking, sitting down, and a fall.
import type { AccelValue } from '../rules/types.js';
import type { Rng } from './random.js';

export const ACCEL_RATE_HZ = 100;

type Sample = [number, number, number];

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Upright wearer walking: gravity on z, step bounce at about 1.8 Hz, small sway. */
function walking(rng: Rng, count: number, phase: number): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const s = (phase + i) / ACCEL_RATE_HZ;
    out.push([
      round3(0.08 * Math.sin(2 * Math.PI * 0.9 * s) + rng.normal(0, 0.03)),
      round3(0.05 * Math.cos(2 * Math.PI * 1.8 * s) + rng.normal(0, 0.03)),
      round3(1 + 0.25 * Math.sin(2 * Math.PI * 1.8 * s) + rng.normal(0, 0.04)),
    ]);
  }
  return out;
}

/** Lying or sitting still with gravity along `axis` (x when lying on the side). */
function still(rng: Rng, count: number, gravity: Sample): Sample[] {
  return Array.from({ length: count }, () => [
    round3(gravity[0] + rng.normal(0, 0.01)),
    round3(gravity[1] + rng.normal(0, 0.01)),
    round3(gravity[2] + rng.normal(0, 0.01)),
  ]);
}

/** Splits a trace into one-second `accel` events starting at `startMs`. */
export function toAccelEvents(startMs: number, samples: Sample[]): { ts: number; value: AccelValue }[] {
  const out: { ts: number; value: AccelValue }[] = [];
  for (let i = 0; i < samples.length; i += ACCEL_RATE_HZ) {
    out.push({
      ts: startMs + (i * 1000) / ACCEL_RATE_HZ,
      value: { rate: ACCEL_RATE_HZ, samples: samples.slice(i, i + ACCEL_RATE_HZ) },
    });
  }
  return out;
}

/**
 * A fall at `fallAtMs`: walking, about 0.4 s of free fall, an impact of 3–5 g, then lying still
 * on the side. The trace starts `beforeS` seconds earlier and lasts `afterS` seconds after.
 */
export function fallTrace(rng: Rng, beforeS = 4, afterS = 10): Sample[] {
  const before = walking(rng, beforeS * ACCEL_RATE_HZ, 0);
  const freeFall = Array.from({ length: 40 }, (_, i): Sample => {
    const g = 1 - (0.8 * Math.min(i, 15)) / 15;
    return [round3(rng.normal(0, 0.05)), round3(rng.normal(0, 0.05)), round3(g)];
  });
  const peak = rng.uniform(3, 5);
  const impact: Sample[] = [
    [round3(peak * 0.6), round3(peak * 0.2), round3(peak * 0.77)],
    [round3(peak * 0.4), round3(-peak * 0.3), round3(peak * 0.5)],
    [1.8, -0.6, 0.9],
    [1.3, 0.4, 0.3],
    [0.7, -0.2, 0.5],
  ];
  const afterCount = afterS * ACCEL_RATE_HZ - freeFall.length - impact.length;
  return [...before, ...freeFall, ...impact, ...still(rng, afterCount, [0.97, 0.1, 0.15])];
}

/** Sitting down firmly in a chair: a dip and a bump under 2 g, then still upright. A daily negative. */
export function sitDownTrace(rng: Rng): Sample[] {
  const walk = walking(rng, 2 * ACCEL_RATE_HZ, 0);
  const dip = Array.from({ length: 30 }, (): Sample => [0, round3(rng.normal(0, 0.05)), round3(rng.uniform(0.6, 0.8))]);
  const bump: Sample[] = [
    [0.2, 0.1, 1.6],
    [0.1, 0, 1.4],
    [0, 0, 1.1],
  ];
  return [...walk, ...dip, ...bump, ...still(rng, 2 * ACCEL_RATE_HZ - 33, [0.3, 0, 0.95])];
}

/** Everyday wrist movement for a benchmark: mostly walking and sitting, `seconds` long. */
export function dailyTrace(rng: Rng, seconds: number): Sample[] {
  const out: Sample[] = [];
  while (out.length < seconds * ACCEL_RATE_HZ) {
    out.push(...(rng.chance(0.5) ? walking(rng, 10 * ACCEL_RATE_HZ, out.length) : sitDownTrace(rng)));
  }
  return out.slice(0, seconds * ACCEL_RATE_HZ);
}
