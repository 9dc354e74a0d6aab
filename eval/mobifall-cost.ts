// CPU cost of the fall detector: microseconds of CPU per second of 100 Hz samples (for the bench).
import { DEFAULT_RULE_PARAMS, type RuleParams } from '../rules/params.js';
import { createFallDetector } from '../rules/fall/detector.js';
import type { AccelValue } from '../rules/types.js';

export interface FallDetectorCost {
  /** CPU microseconds (user + system) spent per second of samples. */
  usPerSecondOfSamples: number;
  secondsOfSamples: number;
  rateHz: number;
}

/** Walking-like samples with a hard step now and then (so candidates are opened and judged too). */
function walkingMessages(seconds: number, rateHz: number): { ts: number; value: AccelValue }[] {
  const messages: { ts: number; value: AccelValue }[] = [];
  for (let s = 0; s < seconds; s++) {
    const samples: [number, number, number][] = [];
    for (let k = 0; k < rateHz; k++) {
      const t = s + k / rateHz;
      const step = Math.sin(2 * Math.PI * 1.8 * t);
      const hardStep = s % 7 === 0 && k === 10 ? 1.5 : 0;
      samples.push([
        0.1 * Math.sin(2 * Math.PI * 0.9 * t),
        -1 - 0.35 * step - hardStep,
        0.15 * Math.cos(2 * Math.PI * 1.8 * t),
      ]);
    }
    messages.push({ ts: 1_700_000_000_000 + s * 1000, value: { rate: rateHz, samples } });
  }
  return messages;
}

export function measureFallDetectorCost(
  secondsOfSamples = 600,
  rateHz = 100,
  params: RuleParams['fall'] = DEFAULT_RULE_PARAMS.fall,
): FallDetectorCost {
  const messages = walkingMessages(secondsOfSamples, rateHz);
  const detector = createFallDetector(params);
  const before = process.cpuUsage();
  for (const m of messages) detector.push(m.ts, m.value);
  const used = process.cpuUsage(before);
  return {
    usPerSecondOfSamples: (used.user + used.system) / secondsOfSamples,
    secondsOfSamples,
    rateHz,
  };
}
