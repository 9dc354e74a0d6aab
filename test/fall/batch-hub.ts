// A hub's rules engine taking a wearable's 1 s batches as they arrive on its clock, its timer fired when due as the
// hub's rules timer fires it: shared by the transport tests (session 32) and the resent batches' (session 62).
import { RulesEngine } from '../../rules/engine.js';
import type { AccelValue, RuleDecision } from '../../rules/types.js';
import { ev, home, MONDAY } from '../rules/factories.js';
import { render, toMessages, type Segment } from './signals.js';

export const START = MONDAY + 9 * 3_600_000;
export const RATE = 50;
export const CONFIG = home();

export interface Batch {
  ts: number;
  value: AccelValue;
  /** The hub's clock when it comes in. */
  arrival: number;
}

/** 1 s batches of the segments taken from START on the hub's clock, stamped `lagMs` behind it, each arriving 0.2 s after its last sample. */
export function batches(segments: Segment[], lagMs = 0): Batch[] {
  return toMessages(render(segments, RATE), RATE, START).map((m) => ({
    ts: m.ts - lagMs,
    value: m.value,
    arrival: m.ts + ((m.value.samples.length - 1) * 1000) / RATE + 200,
  }));
}

/** The hub: each batch handled at its arrival (its timers fired first, when due), then an hour of silence. */
export class Hub {
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

export function severities(hub: Hub): string[] {
  return hub.falls.map((f) => f.severity);
}
