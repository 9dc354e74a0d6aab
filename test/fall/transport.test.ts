// A wearable's batches on their way in (session 32): arriving on the hub's clock a moment after their samples, late
// (a wearable clock behind the hub's, a store-and-forward bridge), twice, or across a hub restart, through the real
// rules engine, its timer fired when due as the hub's rules timer fires it.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import { createFallDetector } from '../../rules/fall/detector.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import type { AccelValue, RuleDecision } from '../../rules/types.js';
import { ev, home, MONDAY } from '../rules/factories.js';
import {
  fallSegments,
  freeFall,
  impact,
  render,
  still,
  toMessages,
  turn,
  walking,
  LYING,
  UPRIGHT,
  type Segment,
} from './signals.js';

const START = MONDAY + 9 * 3_600_000;
const RATE = 50;
const CONFIG = home();

interface Batch {
  ts: number;
  value: AccelValue;
  /** The hub's clock when it comes in. */
  arrival: number;
}

/** 1 s batches of the segments taken from START on the hub's clock, stamped `lagMs` behind it, each arriving 0.2 s after its last sample. */
function batches(segments: Segment[], lagMs = 0): Batch[] {
  return toMessages(render(segments, RATE), RATE, START).map((m) => ({
    ts: m.ts - lagMs,
    value: m.value,
    arrival: m.ts + ((m.value.samples.length - 1) * 1000) / RATE + 200,
  }));
}

/** The hub: each batch handled at its arrival (its timers fired first, when due), then an hour of silence. */
class Hub {
  engine = new RulesEngine([CONFIG]);
  readonly falls: Extract<RuleDecision, { type: 'raise' }>[] = [];

  timersTo(now: number): void {
    for (let due = this.engine.nextDueAt(); due !== null && due <= now; due = this.engine.nextDueAt())
      this.take(this.engine.advanceTo(Math.max(due, this.engine.now())));
  }

  deliver(b: Batch, at = b.arrival): void {
    this.timersTo(at);
    this.take(this.engine.handle(ev(b.ts, 'watch', 'accel', b.value, CONFIG), at));
  }

  /** The hub stops at `at` (its state saved) and is up again `downMs` later. */
  restart(at: number, downMs: number): number {
    this.timersTo(at);
    const state = JSON.parse(JSON.stringify(this.engine.exportState())) as unknown;
    this.engine = RulesEngine.fromState([CONFIG], state);
    this.take(this.engine.advanceTo(at + downMs));
    return at + downMs;
  }

  silence(from: number): void {
    this.timersTo(from + 3_600_000);
  }

  private take(decisions: RuleDecision[]): void {
    for (const d of decisions) if (d.type === 'raise' && d.kind === 'fall') this.falls.push(d);
  }
}

function severities(hub: Hub): string[] {
  return hub.falls.map((f) => f.severity);
}

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
});
