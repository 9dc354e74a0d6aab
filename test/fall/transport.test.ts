// A wearable's batches on their way in (session 32): arriving on the hub's clock a moment after their samples, late
// (a wearable clock behind the hub's, a store-and-forward bridge), twice, or across a hub restart, through the real
// rules engine, its timer fired when due as the hub's rules timer fires it.
import { describe, expect, it } from 'vitest';
import { createFallDetector } from '../../rules/fall/detector.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { fallSegments, freeFall, impact, still, turn, walking, LYING, UPRIGHT } from './signals.js';
import { batches, Hub, severities, START, type Batch } from './batch-hub.js';

describe("a wearable's batches on their way in (session 32)", () => {
  it('counts a silence from when a batch came in: a wearable 5 s behind the hub, up late in the window, is a record', () => {
    // Lying 8 s after the impact, then up and walking: the detector judges the wearer up ~11 s after the impact, inside
    // the 10 s window that follows the stillness. The wake-up was armed on the samples' time: 5 s before those samples
    // came in, it decided on the samples there were (still lying) and called out.
    const hub = new Hub();
    const stream = batches([...fallSegments(8), turn(0.7, LYING, UPRIGHT), walking(15)], 5000);
    for (const b of stream) hub.deliver(b);
    hub.silence(stream.at(-1)!.arrival);
    expect(severities(hub)).toEqual(['info']);
  });

  it('calls out a wearer lying still under the same clock (control)', () => {
    const hub = new Hub();
    const stream = batches(fallSegments(25), 5000);
    for (const b of stream) hub.deliver(b);
    hub.silence(stream.at(-1)!.arrival);
    expect(severities(hub)).toEqual(['critical']);
  });

  it('calls out a fall whose batches a bridge forwards every 5 s', () => {
    // Between two deliveries the wearable looks silent to the hub: the candidate was judged on the samples there were
    // (too few after the impact) and turned away; the samples that then came showed the stream had never stopped.
    for (const phase of [0, 1000, 2000, 3000, 4000]) {
      const hub = new Hub();
      const stream = batches(fallSegments(25)).map((b) => ({
        ...b,
        arrival: Math.ceil((b.arrival - START - phase) / 5000) * 5000 + START + phase,
      }));
      for (const b of stream) hub.deliver(b);
      hub.silence(stream.at(-1)!.arrival);
      expect(severities(hub), `bridge phase ${phase} ms`).toEqual(['critical']);
    }
  });

  it('calls out a fall across a hub restart between the impact and the confirmation', () => {
    // The hub stops 0.5 s after the impact came in and is up 3 s later; what the wearable sent meanwhile comes then.
    const stream = batches(fallSegments(25));
    const impactBatch = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
    const hub = new Hub();
    const stopAt = stream[impactBatch]!.arrival + 500;
    let upAt = Infinity;
    for (const b of stream) {
      if (b.arrival >= stopAt && upAt === Infinity) upAt = hub.restart(stopAt, 3000);
      hub.deliver(b, Math.max(b.arrival, upAt === Infinity ? 0 : upAt));
    }
    hub.silence(stream.at(-1)!.arrival + 3000);
    expect(severities(hub)).toEqual(['critical']);
  });

  it("calls out a fall whose wearable's clock steps 2 s forward just after the impact (not a silence: batches kept coming)", () => {
    // The detector restarted on any gap in the samples' time longer than the silence the engine waits for (2 s here),
    // judging the candidate on a settling second cut short; the hub heard no silence at all.
    const stream = batches(fallSegments(25));
    const impactBatch = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
    const hub = new Hub();
    stream.forEach((b, i) => hub.deliver(i > impactBatch ? { ...b, ts: b.ts + 2000 } : b));
    hub.silence(stream.at(-1)!.arrival);
    expect(severities(hub)).toEqual(['critical']);
  });

  it('takes a batch sent again without DUP once: the impact sent twice is still one fall, called out', () => {
    const stream = batches(fallSegments(25));
    const impactBatch = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
    const hub = new Hub();
    stream.forEach((b, i) => {
      hub.deliver(b);
      // The impact's batch again, after the two batches that followed it (a bridge re-sending after a lost PUBACK).
      if (i === impactBatch + 2) hub.deliver({ ...stream[impactBatch]!, arrival: b.arrival + 1 });
    });
    hub.silence(stream.at(-1)!.arrival);
    expect(severities(hub)).toEqual(['critical']);
  });

  it('a copy with the same stamp but other samples is taken in (a burst under one stamp is not a copy)', () => {
    // Standing, then the same stamp carrying a fall: laid end to end as before.
    const hub = new Hub();
    const standing = batches([still(5, UPRIGHT)]);
    for (const b of standing) hub.deliver(b);
    const last = standing.at(-1)!;
    const fall = batches(fallSegments(25)).slice(3);
    for (const b of fall) hub.deliver({ ...b, ts: last.ts, arrival: last.arrival + b.arrival - START });
    hub.silence(last.arrival + 60_000);
    expect(severities(hub)).toEqual(['critical']);
  });

  it('calls out a fall whose impact comes in after a hub restart, judged on the posture saved before it', () => {
    // The hub stops after the batches of the wearer standing came in and before the impact's batch did; it is up 3 s
    // later. The detector was idle at the stop: it was not saved, and the impact was judged with no history before it.
    // Turning over from 3.5 s, then dropping: the batch that comes in after the restart (from 4 s) holds the end of the
    // turn, the drop and the impact; the posture before them is in the batches that came in before the stop.
    const stream = batches([
      still(3.5, UPRIGHT),
      turn(0.6, UPRIGHT, LYING),
      freeFall(0.4, LYING),
      impact(0.1, LYING, 3),
      still(25, LYING),
    ]);
    const impactBatch = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
    expect(impactBatch).toBe(4);
    for (const stopAfterMs of [50, 300, 600, 900]) {
      const hub = new Hub();
      const stopAt = stream[impactBatch - 1]!.arrival + stopAfterMs;
      expect(stopAt).toBeLessThan(stream[impactBatch]!.arrival);
      let upAt = Infinity;
      for (const b of stream) {
        if (b.arrival >= stopAt && upAt === Infinity) upAt = hub.restart(stopAt, 3000);
        hub.deliver(b, Math.max(b.arrival, upAt));
      }
      hub.silence(stream.at(-1)!.arrival + 3000);
      expect(severities(hub), `stopped ${stopAfterMs} ms after the batch before the impact's came in`).toEqual([
        'critical',
      ]);
    }
    // The idle detector's state without this round's fields (the last radio gap) still loads and carries the history.
    const idle = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    for (const b of stream.slice(0, impactBatch)) expect(idle.push(b.ts, b.value)).toEqual([]);
    const { gapEnded: _ended, gapFrom: _from, ...older } = idle.exportState()!;
    expect(older.phase).toBe('idle');
    const reloaded = createFallDetector(DEFAULT_RULE_PARAMS.fall, JSON.parse(JSON.stringify(older)));
    const found = stream.slice(impactBatch).flatMap((b) => reloaded.push(b.ts, b.value));
    for (let at = reloaded.wakeAt(); at !== null; at = reloaded.wakeAt()) found.push(...reloaded.wake(at));
    expect(found.map((f) => f.downgraded)).toEqual([false]);
  });

  it('keeps a candidate judged on a silence through a saved state, and takes it up with the samples that continue it', () => {
    const stream = batches(fallSegments(25));
    const impactBatch = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
    const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    for (const b of stream.slice(0, impactBatch + 1)) expect(detector.push(b.ts, b.value)).toEqual([]);
    // Woken on a silence within the settling second: too little to judge, turned away, but kept.
    expect(detector.wake(detector.wakeAt()!)).toEqual([]);
    const saved = JSON.parse(JSON.stringify(detector.exportState())) as unknown;
    expect(saved).toMatchObject({ phase: 'idle', resumable: true });
    const restored = createFallDetector(DEFAULT_RULE_PARAMS.fall, saved);
    const found = stream.slice(impactBatch + 1).flatMap((b) => restored.push(b.ts, b.value));
    expect(found.map((f) => f.downgraded)).toEqual([false]);
    // A state saved before session 32 (no `resumable`, no `recent`) still loads: a candidate under way carries on.
    const old = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    for (const b of stream.slice(0, impactBatch + 1)) old.push(b.ts, b.value);
    const { recent: _recent, ...older } = old.exportState()!;
    const reloaded = createFallDetector(DEFAULT_RULE_PARAMS.fall, JSON.parse(JSON.stringify(older)));
    expect(stream.slice(impactBatch + 1).flatMap((b) => reloaded.push(b.ts, b.value))).toHaveLength(1);
  });

  describe('a batch overtaken on the way in (session 33)', () => {
    /** The batch at `i` and the one after it swap places on the way in (each arriving when the other would have). */
    function swapped(stream: Batch[], i: number): Batch[] {
      const out = stream.map((b) => ({ ...b }));
      const [a, b] = [out[i]!, out[i + 1]!];
      [a.arrival, b.arrival] = [b.arrival, a.arrival];
      [out[i], out[i + 1]] = [b, a];
      return out;
    }
    // The drop ends a batch, the impact starts the next: that batch overtaken by the one after it.
    const segments = [walking(5.6), freeFall(0.4, UPRIGHT), impact(0.1, LYING, 3), still(25, LYING)];

    it("calls out a fall whose impact's batch is overtaken by the next, from walking or from standing", () => {
      // Laid end to end, the overtaken batch put the impact after the lying still that followed it: the posture before
      // the impact was already lying (and the drop a second away), nothing had changed. Held one batch, the overtaking
      // one waits for it.
      for (const before of [segments[0]!, still(5.6, UPRIGHT)]) {
        const stream = batches([before, ...segments.slice(1)]);
        const i = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
        expect(i).toBe(6);
        const hub = new Hub();
        const arriving = swapped(stream, i);
        for (const b of arriving) hub.deliver(b);
        hub.silence(arriving.at(-1)!.arrival);
        expect(severities(hub), `after ${before === segments[0] ? 'walking' : 'standing'}`).toEqual(['critical']);
      }
    });

    it('keeps a held batch through a saved state, and takes a state saved before it (no held batch) as before', () => {
      const stream = batches(segments);
      const impactBatch = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
      const arriving = swapped(stream, impactBatch);
      const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      // Up to the batch after the impact's, which came first and opens a gap: held.
      for (const b of arriving.slice(0, impactBatch + 1)) expect(detector.push(b.ts, b.value)).toEqual([]);
      const saved = JSON.parse(JSON.stringify(detector.exportState())) as { held?: unknown };
      expect(saved.held).toMatchObject({ ts: arriving[impactBatch]!.ts });
      const restored = createFallDetector(DEFAULT_RULE_PARAMS.fall, saved);
      const found = arriving.slice(impactBatch + 1).flatMap((b) => restored.push(b.ts, b.value));
      for (let at = restored.wakeAt(); at !== null; at = restored.wakeAt()) found.push(...restored.wake(at));
      expect(found.map((f) => f.downgraded)).toEqual([false]);
      // Without the held batch (a state saved before session 33), it is simply not there: nothing else changes.
      const { held: _held, ...older } = saved;
      expect(() => createFallDetector(DEFAULT_RULE_PARAMS.fall, older)).not.toThrow();
    });

    it('releases a batch held after a lost one when the next comes, or on the silence: a wearer walking on is no fall', () => {
      // Walking with one batch in five lost: each batch after a loss is held until the next; no call-out, no record.
      const stream = batches([walking(60)]).filter((_, i) => i % 5 !== 3);
      const hub = new Hub();
      for (const b of stream) hub.deliver(b);
      hub.silence(stream.at(-1)!.arrival);
      expect(hub.falls).toEqual([]);
      // The last batch opens a gap and nothing follows it: released on the silence, and the fall before it still found.
      const fall = batches([still(3, UPRIGHT), ...fallSegments(25)]);
      const impactBatch = fall.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
      const sent = [...fall.slice(0, impactBatch + 1), fall[impactBatch + 2]!];
      const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      const found = sent.flatMap((b) => detector.push(b.ts, b.value));
      expect(detector.exportState()?.held).toMatchObject({ ts: sent.at(-1)!.ts });
      for (let at = detector.wakeAt(); at !== null; at = detector.wakeAt()) found.push(...detector.wake(at));
      expect(found.map((f) => f.downgraded)).toEqual([false]);
      expect(detector.exportState()?.held).toBeUndefined();
    });
  });

  it('calls out a fall whose two batches after the impact were lost, the timer having fired in the gap (session 33)', () => {
    // The hub heard a silence 2 s after the impact's batch came in and judged the candidate on the samples there were
    // (too few after the impact), turned it away but kept it; the next batch came 2.02 s after the last sample, just
    // over the 2 s silence, and was not taken as continuing it. A gap of up to 10 s in the samples' own time is a radio
    // gap when no timer fires in it; a timer firing in it now changes nothing.
    const stream = batches(fallSegments(25));
    const impactBatch = stream.findIndex((b) => b.value.samples.some(([x, y, z]) => Math.hypot(x, y, z) > 2));
    for (const lost of [2, 3]) {
      const hub = new Hub();
      const arriving = stream.filter((_, i) => i <= impactBatch || i > impactBatch + lost);
      for (const b of arriving) hub.deliver(b);
      hub.silence(arriving.at(-1)!.arrival);
      expect(severities(hub), `${lost} batches lost after the impact`).toEqual(['critical']);
    }
    // The same stream with the wearer up and walking after the gap is still no call-out.
    const up = batches([...fallSegments(1.5), turn(0.7, LYING, UPRIGHT), walking(25)]);
    const hub = new Hub();
    const arriving = up.filter((_, i) => i <= impactBatch || i > impactBatch + 2);
    for (const b of arriving) hub.deliver(b);
    hub.silence(arriving.at(-1)!.arrival);
    expect(severities(hub).filter((s) => s === 'critical')).toEqual([]);
  });

  it('judges a gap afresh after a candidate already judged on a window: a fall from walking whose impact the gap took (session 33)', () => {
    // A hard step at 6 s opens a candidate; the wearer walks on (its window is not still), the batches of the fall itself
    // (10–12 s) are lost, the timer fires in the gap and judges the step's window: not still, turned away. Taking that
    // stale candidate up across the gap would judge the step, not the fall (its search ends 6 s after the step); the
    // gap's end is judged afresh: walking, then upright when the link dropped, then lying still.
    const stream = batches([
      walking(6),
      impact(0.1, UPRIGHT, 3),
      walking(3.9),
      freeFall(0.4, UPRIGHT),
      impact(0.1, LYING, 4),
      still(25, LYING),
    ]);
    const hub = new Hub();
    const arriving = stream.filter((_, i) => i !== 10 && i !== 11);
    for (const b of arriving) hub.deliver(b);
    hub.silence(arriving.at(-1)!.arrival);
    expect(severities(hub)).toEqual(['critical']);
    expect(hub.falls[0]?.detail?.impactLostInGap).toBe(true);
  });
});
