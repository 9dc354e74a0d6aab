// The live hub's two-step handling of an event (RulesEngine.handleFirst, then finishEvent) against `handle`: the same
// decisions in the same order, the same state, on simulated days with emergencies, silences and a late event.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import { simulate, type SimEvent } from '../../simulate/generator.js';
import type { Incident } from '../../simulate/incidents.js';
import { deviceById, schemeConfig } from '../../simulate/layout.js';

const TIME_ZONE = 'Europe/London';
const homes = schemeConfig(2, TIME_ZONE).homes;

function at(date: string, hour: number, kind: Incident['kind'], homeId: string): Incident {
  return { kind, date, minutes: hour * 60, homeId, deviceId: null };
}

/** Four days of two flats: pendant presses (one during an open silence alert), a collapse, a smoke alarm, a fall. */
function recording(extra: Incident[] = []): SensorEvent[] {
  const events: SimEvent[] = [
    ...simulate({
      homes: 2,
      days: 4,
      start: '2026-03-27',
      seed: 11,
      timeZone: TIME_ZONE,
      incidents: [
        at('2026-03-27', 10, 'pendant', 'h1'),
        at('2026-03-28', 15, 'collapse', 'h2'),
        at('2026-03-28', 19, 'pendant', 'h2'),
        at('2026-03-29', 8, 'smoke', 'h1'),
        at('2026-03-29', 11, 'fall', 'h2'),
        at('2026-03-30', 9, 'pendant', 'h1'),
        ...extra,
      ],
    }),
  ];
  return events.map((e) => {
    const device = deviceById(e.deviceId)!;
    return { ...e, source: 'mqtt', assigned: true, room: device.room, kind: device.kind };
  });
}

const describeDecisions = (ds: RuleDecision[]): string[] => ds.map((d) => JSON.stringify(d));

describe('the rules engine in two steps (handleFirst, finishEvent)', () => {
  it('decides what handle decides, in the same order, and leaves the same state', () => {
    const events = recording();
    const whole = new RulesEngine(homes);
    const split = new RulesEngine(homes);
    const fromWhole: string[] = [];
    const fromSplit: string[] = [];
    let toldFirst = 0;
    let firstOnes: RuleDecision[] = [];
    for (const [i, event] of events.entries()) {
      // Live, the rules run on the hub's clock a moment after the sensor's time (the late path of `handle`); every
      // 50th event comes a minute late (a bridge's buffer), and the hub's clock moves on between events.
      const now = event.ts + (i % 50 === 0 ? 60_000 : 40);
      fromWhole.push(...describeDecisions(whole.handle(event, now)));
      const first = split.handleFirst(event, now);
      fromSplit.push(...describeDecisions(first));
      if (split.restPending) {
        toldFirst++;
        firstOnes = firstOnes.concat(first);
        expect(() => split.advanceTo(now)).toThrow(/finishEvent/);
        fromSplit.push(...describeDecisions(split.finishEvent()));
      }
      expect(split.restPending).toBe(false);
      expect(fromSplit).toEqual(fromWhole);
    }
    const end = events.at(-1)!.ts + 24 * 3_600_000;
    fromWhole.push(...describeDecisions(whole.advanceTo(end)));
    fromSplit.push(...describeDecisions(split.advanceTo(end)));
    expect(fromSplit).toEqual(fromWhole);
    expect(split.exportState()).toEqual(whole.exportState());
    // The emergencies were told first (with any silence alert that fell due by then), and activity cleared
    // silence alerts in the rest of an event.
    expect([...new Set(firstOnes.map((d) => d.kind))]).toEqual(expect.arrayContaining(['pendant', 'smoke', 'fall']));
    // (A silence alert's pre-alert is cancelled with it: session 49.)
    expect(firstOnes.every((d) => d.type === 'raise' || d.type === 'prealert-cancel')).toBe(true);
    expect(toldFirst).toBeGreaterThanOrEqual(4);
    expect(fromWhole.some((d) => d.includes('"type":"clear"'))).toBe(true);
  });

  it('decides what handle decides when events come an hour late: overdue silences, alerts cleared and raised again', () => {
    // A pendant's bridge that buffered through an outage hands its presses over an hour after them: the rest of such a
    // press (finishEvent's late path) fires the silences its activity leaves overdue, and drops a silence alert the
    // press clears only to raise again at once, as `handle` does (withoutReopened) — not one decision more or less.
    // Three more presses after h2's collapse, while its silence alert is open.
    const events = recording([
      at('2026-03-28', 16, 'pendant', 'h2'),
      at('2026-03-28', 17, 'pendant', 'h2'),
      at('2026-03-28', 23, 'pendant', 'h2'),
    ]);
    const whole = new RulesEngine(homes);
    const split = new RulesEngine(homes);
    const fromWhole: string[] = [];
    const fromSplit: string[] = [];
    let lateRests = 0;
    for (const [i, event] of events.entries()) {
      // Every 7th event comes an hour late too: a silence alert falls due as the hub's clock reaches it, is told first,
      // and the event's activity clears it only for its overdue silence to raise it again at once.
      const emergency = event.type === 'pendant' || event.type === 'smoke' || event.type === 'fall';
      const now = event.ts + (emergency || i % 7 === 0 ? 3_600_000 : 40);
      fromWhole.push(...describeDecisions(whole.handle(event, now)));
      fromSplit.push(...describeDecisions(split.handleFirst(event, now)));
      if (split.restPending) {
        if (emergency) lateRests++;
        fromSplit.push(...describeDecisions(split.finishEvent()));
      }
      expect(fromSplit).toEqual(fromWhole);
    }
    expect(split.exportState()).toEqual(whole.exportState());
    expect(lateRests).toBeGreaterThanOrEqual(4);
  });

  it('tells nothing first for an event that raises nothing, and finishEvent then has nothing to do', () => {
    const events = recording();
    const engine = new RulesEngine(homes);
    const motion = events.find((e) => e.type === 'motion')!;
    expect(engine.handleFirst(motion, motion.ts)).toEqual([]);
    expect(engine.restPending).toBe(false);
    expect(engine.finishEvent()).toEqual([]);
  });
});
