// Replay and live give the same alerts for the same input: one engine entry point, two ways of driving the clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { replayEvents } from '../../replay/replay.js';
import { syntheticEvents } from '../../replay/synthetic.js';
import { defaultHomeConfig, RulesEngine } from '../../rules/engine.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import type { DeviceKind } from '../../rules/vocabulary.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Three recorded days of two homes; home-2's resident collapses in the kitchen on the last afternoon. */
function recording(): ReturnType<typeof syntheticEvents> {
  const events = syntheticEvents(2, 3, Date.UTC(2026, 2, 27), 7); // across the UK clocks going forward
  const collapse = Date.UTC(2026, 2, 29, 15);
  const kept = events.filter((e) => e.homeId !== 'home-2' || e.ts < collapse || e.type === 'temperature');
  kept.push({ ts: Date.UTC(2026, 2, 28, 10), homeId: 'home-1', deviceId: 'pendant', type: 'pendant', value: true, room: 'living', kind: 'pendant' });
  return kept.sort((a, b) => a.ts - b.ts);
}

/** Live style: the hub's timer fires at the engine's next due time, plus ticks at random moments between events. */
function live(events: ReturnType<typeof syntheticEvents>, seed: number): RuleDecision[] {
  let random = seed;
  const rnd = (): number => ((random = (random * 1103515245 + 12345) % 2147483648) / 2147483648);
  const clock = new FakeClock(events[0]!.ts - 1000);
  const engine = new RulesEngine(['home-1', 'home-2'].map((id) => defaultHomeConfig(id, 'Europe/London')));
  const out: RuleDecision[] = [];
  let timer: ReturnType<FakeClock['setTimer']> | undefined;
  const rearm = (): void => {
    if (timer) clock.clearTimer(timer);
    const due = engine.nextDueAt();
    timer = due === null ? undefined : clock.setTimer(due, () => {
      out.push(...engine.advanceTo(clock.now()));
      rearm();
    });
  };
  for (const e of events) {
    while (rnd() < 0.3) {
      const tick = clock.now() + Math.floor(rnd() * Math.max(0, e.ts - clock.now()));
      clock.advanceTo(tick);
      out.push(...engine.advanceTo(tick));
      rearm();
    }
    clock.advanceTo(e.ts);
    const event: SensorEvent = {
      homeId: e.homeId, deviceId: e.deviceId, type: e.type as SensorEvent['type'], value: e.value, ts: e.ts,
      source: 'mqtt', assigned: true, room: e.room, kind: e.kind as DeviceKind,
    };
    out.push(...engine.handle(event));
    rearm();
  }
  clock.advanceTo(events[events.length - 1]!.ts + DAY);
  return out;
}

describe('replay and live', () => {
  it('give the same alerts, at the same times, for the same recorded days', () => {
    const events = recording();
    const replayed = replayEvents(events.map((e) => ({ ...e, ts: new Date(e.ts).toISOString() })), { drainHours: 24, defaultTimezone: 'Europe/London' });
    const fromReplay = replayed.alerts.map((a) => `${a.homeId} ${a.kind} ${a.raisedAt}`);
    expect(fromReplay.filter((a) => a.startsWith('home-2 ') && a.includes('2026-03-29'))).not.toEqual([]);
    expect(fromReplay.some((a) => a.startsWith('home-1 pendant'))).toBe(true);
    for (const seed of [1, 2, 3]) {
      const fromLive = live(events, seed)
        .filter((d): d is Extract<RuleDecision, { type: 'raise' }> => d.type === 'raise')
        .map((d) => `${d.homeId} ${d.kind} ${new Date(d.at).toISOString()}`);
      expect(fromLive).toEqual(fromReplay);
    }
  });
});
