// Irregular wearable timing for the evaluations: dropped samples, jittered stamps, lost messages (seeded, deterministic).
import type { AccelValue } from '../rules/types.js';
import { createRng } from '../simulate/random.js';

export interface TimedMessage {
  ts: number;
  value: AccelValue;
}

/** Share of samples a sender drops (the payload then claims the nominal rate over fewer samples). */
export const DROP_SAMPLE_SHARE = 0.02;
/** Each message's stamp is off by up to this much either way (a sender's clock, or stamping on send). */
export const STAMP_JITTER_MS = 40;
/** Share of whole messages lost in transit. */
export const LOSE_MESSAGE_SHARE = 0.01;

/** A seed from a trial's name, so a trial's irregular stream does not depend on which others are run. */
export function seedOf(label: string, salt: number): number {
  let h = 2166136261 ^ salt;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The same stream as a careless wearable sends it: samples dropped, stamps jittered, messages lost. */
export function makeIrregular(messages: TimedMessage[], seed: number): TimedMessage[] {
  const rand = createRng(seed).next;
  const out: TimedMessage[] = [];
  for (const m of messages) {
    const samples = m.value.samples.filter(() => rand() >= DROP_SAMPLE_SHARE);
    const lost = rand() < LOSE_MESSAGE_SHARE;
    const stampMs = Math.round((rand() - 0.5) * 2 * STAMP_JITTER_MS);
    if (lost || samples.length === 0) continue;
    out.push({ ts: m.ts + stampMs, value: { rate: m.value.rate, samples } });
  }
  return out;
}
