// Review, session 62: a bridge killed while it sent what it held (the broker back after an outage, the hub slow to
// acknowledge) sends again at its next start the events the broker had not acknowledged: up to 64 in flight
// (MAX_IN_FLIGHT, firmware-bridge/mqtt-outbox.ts), a wearable's batches among them, a minute of them at one a second.
// The fall detector knew a batch sent again only among the last 8 it took in (RECENT_MESSAGES); older ones were laid
// end to end after the stream, the impact and the lying still after it judged again: a second critical fall, the
// responder on their way told the wearer fell again, or, the first resolved, called out again. Now the detector
// remembers its last 128 batches (twice a bridge's in flight); a batch with a stamp of its own is taken in as ever.
// The real rules engine, its timer fired when due, as in transport.test.ts.
import { expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import type { AccelValue, RuleDecision } from '../../rules/types.js';
import { ev, home, MONDAY } from '../rules/factories.js';
import { fallSegments, render, still, toMessages, walking, UPRIGHT, type Segment } from './signals.js';

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

it('calls a fall out once when a restarted bridge sends the batches it had in flight again, and a second fall again', () => {
  // The impact, then a minute lying still, one batch a second; the fall confirmed before the bridge is killed.
  const stream = batches(fallSegments(60));
  const hub = new Hub();
  for (const b of stream) hub.deliver(b);
  const end = stream.at(-1)!.arrival;
  hub.timersTo(end + 5_000);
  expect(severities(hub)).toEqual(['critical']);

  // The bridge, started again 10 s later, sends the 64 it had in flight (all of them here), their stamps unchanged.
  expect(stream.length).toBeLessThanOrEqual(64);
  stream.forEach((b, i) => hub.deliver({ ...b, arrival: end + 10_000 + i * 10 }));
  hub.timersTo(end + 20_000);
  // Before: ['critical', 'critical'].
  expect(severities(hub)).toEqual(['critical']);

  // Helped up, walking about, then down again: batches with stamps of their own, a second fall called out.
  const offset = end + 60_000 - START;
  const again = batches([still(3, UPRIGHT), walking(20), ...fallSegments(30)]).map((b) => ({
    ...b,
    ts: b.ts + offset,
    arrival: b.arrival + offset,
  }));
  for (const b of again) hub.deliver(b);
  hub.silence(again.at(-1)!.arrival);
  expect(severities(hub)).toEqual(['critical', 'critical']);
});
