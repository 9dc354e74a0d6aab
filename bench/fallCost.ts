// Cost of the wearable fall detector per second of 100 Hz samples, and what that means for a scheme of wearables.
import { createFallDetector } from '../rules/fall/detector.js';
import { resolveRuleParams } from '../rules/params.js';
import { ACCEL_RATE_HZ, dailyTrace, fallTrace, toAccelEvents } from '../simulate/accel.js';
import { createRng } from '../simulate/random.js';

export interface FallCost {
  /** CPU time per second of samples, µs. */
  microsPerSampleSecond: number;
  secondsOfSamples: number;
  detections: number;
}

export function measureFallCost(secondsOfSamples: number, seed: number): FallCost {
  const rng = createRng(seed);
  // Everyday movement with a fall every few minutes, so both paths of the detector run.
  const samples: [number, number, number][] = [];
  while (samples.length < secondsOfSamples * ACCEL_RATE_HZ) {
    samples.push(...dailyTrace(rng, 170), ...fallTrace(rng, 4, 10));
  }
  const events = toAccelEvents(Date.UTC(2026, 0, 5, 9), samples.slice(0, secondsOfSamples * ACCEL_RATE_HZ));
  const detector = createFallDetector(resolveRuleParams({}).fall);
  let detections = 0;
  const started = performance.now();
  for (const e of events) detections += detector.push(e.ts, e.value).length;
  const elapsedMs = performance.now() - started;
  return { microsPerSampleSecond: (elapsedMs * 1000) / events.length, secondsOfSamples: events.length, detections };
}
