// Replay and live give the same alerts for the same input: one engine entry point, two ways of driving the clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { replayEvents } from '../../replay/replay.js';
import { RulesEngine } from '../../rules/engine.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import { simulate, toReplayLine, type SimEvent } from '../../simulate/generator.js';
import { deviceById, schemeConfig } from '../../simulate/layout.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TIME_ZONE = 'Europe/London';
const config = schemeConfig(2, TIME_ZONE);

/** Three recorded days of two flats, across the UK clocks going forward: h1's resident presses the pendant on the second morning, h2's collapses on the last afternoon. */
function recording(): SimEvent[] {
  return [...simulate({
    homes: 2, days: 3, start: '2026-03-27', seed: 7, timeZone: TIME_ZONE,
    incidents: [
      { kind: 'pendant', date: '2026-03-28', minutes: 10 * 60, homeId: 'h1', deviceId: null },
      { kind: 'collapse', date: '2026-03-29', minutes: 15 * 60, homeId: 'h2', deviceId: null },
    ],
  })];
}

/** Live style: the hub's timer fires at the engine's next due time, plus ticks at random moments between events. */
function live(events: SimEvent[], seed: number): RuleDecision[] {
  let random = seed;
  const rnd = (): number => ((random = (random * 1103515245 + 12345) % 2147483648) / 2147483648);
  const clock = new FakeClock(events[0]!.ts - 1000);
  const engine = new RulesEngine(config.homes);
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
    const device = deviceById(e.deviceId)!;
    const event: SensorEvent = { ...e, source: 'mqtt', assigned: true, room: device.room, kind: device.kind };
    out.push(...engine.handle(event));
    rearm();
  }
  clock.advanceTo(events[events.length - 1]!.ts + DAY);
  return out;
}

describe('replay and live', () => {
  it('give the same alerts, at the same times, for the same recorded days', () => {
    const events = recording();
    // Replay reads the NDJSON lines `telecare simulate` would write, with the same configuration.
    const replayed = replayEvents(events.map((e) => JSON.parse(toReplayLine(e)) as unknown), { homes: config.homes, drainHours: 24 });
    const fromReplay = replayed.alerts.map((a) => `${a.homeId} ${a.kind} ${a.raisedAt}`);
    expect(fromReplay.filter((a) => a.startsWith('h2 ') && a.includes(' 2026-03-29'))).not.toEqual([]);
    expect(fromReplay).toContain('h1 pendant 2026-03-28T10:00:00.000Z');
    for (const seed of [1, 2, 3]) {
      const fromLive = live(events, seed)
        .filter((d): d is Extract<RuleDecision, { type: 'raise' }> => d.type === 'raise')
        .map((d) => `${d.homeId} ${d.kind} ${new Date(d.at).toISOString()}`);
      expect(fromLive).toEqual(fromReplay);
    }
  });
});
