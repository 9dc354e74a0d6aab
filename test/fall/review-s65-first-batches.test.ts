// Review, session 65: a wearable's first two batches arriving swapped (the second sent came in first: a serial bridge's
// outbox or an MQTT reconnect re-sending in another order, session 64). Nothing was known before the first batch taken,
// so no hole was noted before it, and the first-sent batch, coming in behind it, was laid end to end after it: an
// impact in the first batch then came after the lying still it caused, and no fall was called at all; a fall later in
// the stream was called a batch (1 s) late, every later batch being laid a batch late. The detector now takes the time
// before a stream's first message as a hole (REORDER_MS), so such a batch is put in its place.
// The real hub in-process on a fake clock, its embedded broker, a real MQTT client (test/fall/wearable-hub.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFallDetector } from '../../rules/fall/detector.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { batches, RATE, START } from './batch-hub.js';
import { fallSegments, freeFall, impact, render, still, LYING, UPRIGHT } from './signals.js';
import { behind, impactSampleAt, WearableHub } from './wearable-hub.js';

let run: WearableHub;

beforeEach(() => {
  run = new WearableHub('review-s65-first-batches');
});

afterEach(async () => {
  await run.close();
});

/** The wearer falls half a second into the stream: the impact is in the first 1 s batch. */
const FALL_AT_ONCE = [still(0.5, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.1, LYING, 3), still(60, LYING)];

describe("a wearable's first two batches arriving swapped (session 65)", () => {
  it('calls out a fall whose impact is in the first batch, at its impact', async () => {
    const stream = batches(FALL_AT_ONCE);
    const impactAt = impactSampleAt(FALL_AT_ONCE);
    expect(Math.floor((impactAt - START) / 1000)).toBe(0);
    const inOrder = await run.through(stream);
    await run.fresh();
    const swapped = await run.through(behind(stream, [0], 1));
    expect(inOrder.map((f) => f.severity)).toEqual(['critical']);
    // Before: none (the impact taken after the lying still of the second batch).
    expect(swapped.map((f) => f.severity)).toEqual(['critical']);
    expect(swapped[0]!.eventAt).toBe(inOrder[0]!.eventAt);
    expect(impactAt - swapped[0]!.eventAt).toBeGreaterThanOrEqual(0);
    expect(impactAt - swapped[0]!.eventAt).toBeLessThanOrEqual(60);
  }, 60_000);

  it('calls out a later fall at its impact, not a batch late', async () => {
    const stream = batches(fallSegments(60));
    const impactAt = impactSampleAt(fallSegments(60));
    const falls = await run.through(behind(stream, [0], 1));
    expect(falls.map((f) => f.severity)).toEqual(['critical']);
    // Before: 1,000 ms late (every batch after the swapped pair laid a batch late).
    expect(impactAt - falls[0]!.eventAt).toBeGreaterThanOrEqual(0);
    expect(impactAt - falls[0]!.eventAt).toBeLessThanOrEqual(60);
  }, 60_000);
});

describe("the detector's first-message hole (session 65)", () => {
  it('keeps nothing for late batches once a stream in order is past the bound (60 s)', () => {
    const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    const samples = render([still(70, UPRIGHT)], RATE);
    for (let k = 0; k < 10 * RATE; k += RATE)
      detector.push(START + (k * 1000) / RATE, { rate: RATE, samples: samples.slice(k, k + RATE) });
    // Within the bound the time before the first batch is a hole a late batch may fill.
    expect(detector.exportState()?.reorder?.holes.length).toBe(1);
    for (let k = 10 * RATE; k + RATE <= samples.length; k += RATE)
      detector.push(START + (k * 1000) / RATE, { rate: RATE, samples: samples.slice(k, k + RATE) });
    expect(detector.exportState()?.reorder).toBeUndefined();
  });
});
