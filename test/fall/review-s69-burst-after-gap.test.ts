// A wearable whose link drops just after a fall and comes back long after (session 69 review, issue 11): the fall's
// getting up is judged on what the wearable sent after the fall was confirmed, never on the walk before it.
import { describe, expect, it } from 'vitest';
import { freeFall, impact, still, walking, LYING, UPRIGHT, type Segment } from './signals.js';
import { batches, Hub, severities, type Batch } from './batch-hub.js';

/** Lying half on one side: 60° from upright (a fall onto a hip and a forearm). */
const HALF_ON_SIDE: [number, number, number] = [0, -0.5, -Math.sqrt(0.75)];
/** Walking, then a fall: the impact lands about 0.7 s before the end of its 1 s batch. */
const WALK_THEN_FALL: Segment[] = [
  walking(5.9),
  freeFall(0.3, UPRIGHT, 0.5),
  impact(0.1, HALF_ON_SIDE, 3),
  still(25, HALF_ON_SIDE),
];

/** The stream's batches, the index of the one holding the impact, and the impact's time (wearable's clock). */
function fallStream(): { stream: Batch[]; impactBatch: number; impactAt: number } {
  const stream = batches(WALK_THEN_FALL);
  const impactBatch = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
  const b = stream[impactBatch]!;
  const k = b.value.samples.findIndex(([x, y, z]) => Math.hypot(x, y, z) > 2);
  return { stream, impactBatch, impactAt: b.ts + (k * 1000) / b.value.rate };
}

describe('a fall whose wearable loses its link within a second of the impact (session 69 review)', () => {
  it('calls out the fall when the link comes back 20 s later and the batches kept meanwhile come in at once', () => {
    const { stream, impactBatch, impactAt } = fallStream();
    const lastBefore = stream[impactBatch]!;
    // The impact's batch ends less than a second after the impact: the stillness is judged on the silence, on what came.
    const lastSampleAt = lastBefore.ts + ((lastBefore.value.samples.length - 1) * 1000) / lastBefore.value.rate;
    expect(lastSampleAt - impactAt).toBeGreaterThan(500);
    expect(lastSampleAt - impactAt).toBeLessThan(1000);
    const hub = new Hub();
    const backAt = lastBefore.arrival + 20_000;
    stream.forEach((b, i) => hub.deliver(i <= impactBatch ? b : { ...b, arrival: backAt + 5 * (i - impactBatch) }));
    hub.silence(backAt + 5 * stream.length);
    // Before: the window's end, decided on the silence, read the walk before the impact as the wearer up and walking
    // again, and recorded the fall as info (no call-out); the batches that came later showed the wearer lying still.
    expect(severities(hub)).toEqual(['critical']);
    expect(hub.falls[0]!.detail).toMatchObject({ recovered: false, downgraded: false });
  });

  it('calls out the fall when the wearable says nothing more after that batch (its battery gone)', () => {
    const { stream, impactBatch } = fallStream();
    const hub = new Hub();
    for (const b of stream.slice(0, impactBatch + 1)) hub.deliver(b);
    hub.silence(stream[impactBatch]!.arrival);
    expect(severities(hub)).toEqual(['critical']);
  });

  it('calls out the fall when the hub restarts in the silence: when the fall was confirmed is in the saved state', () => {
    const { stream, impactBatch } = fallStream();
    const hub = new Hub();
    for (const b of stream.slice(0, impactBatch + 1)) hub.deliver(b);
    // Confirmed on the silence 2 s after the last batch; the hub restarts 3 s later, inside the recovery window.
    hub.restart(stream[impactBatch]!.arrival + 5000, 1000);
    hub.silence(stream[impactBatch]!.arrival);
    expect(severities(hub)).toEqual(['critical']);
  });

  it('calls out the same fall when the link comes back within the recovery window (control, as before)', () => {
    const { stream, impactBatch } = fallStream();
    const hub = new Hub();
    const backAt = stream[impactBatch]!.arrival + 5000;
    stream.forEach((b, i) =>
      hub.deliver(i <= impactBatch ? b : { ...b, arrival: Math.max(b.arrival, backAt + 5 * (i - impactBatch)) }),
    );
    hub.silence(stream.at(-1)!.arrival);
    expect(severities(hub)).toEqual(['critical']);
  });

  it('still records as info a wearer seen up and walking after the fall when the link then drops (control, as before)', () => {
    // Lying 3 s after the impact, up and walking 3 s, then nothing: the getting up came after the fall was confirmed.
    const stream = batches([
      walking(6.05),
      freeFall(0.3, UPRIGHT, 0.5),
      impact(0.1, LYING, 3),
      still(3.5, LYING),
      walking(3),
    ]);
    const hub = new Hub();
    for (const b of stream) hub.deliver(b);
    hub.silence(stream.at(-1)!.arrival);
    expect(severities(hub)).toEqual(['info']);
  });

  it('keeps the fall critical when the wearer lies still the whole time (control: nothing before the fall read)', () => {
    const stream = batches([still(6, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.1, LYING, 3), still(25, LYING)]);
    const hub = new Hub();
    for (const b of stream) hub.deliver(b);
    hub.silence(stream.at(-1)!.arrival);
    expect(severities(hub)).toEqual(['critical']);
  });
});
