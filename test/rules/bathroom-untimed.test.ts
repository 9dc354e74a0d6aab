// A home whose "bathroom visits" at an hour last the cap or longer, night after night (a layout that sees the bathroom
// and nothing of where the resident goes next): the visit's own clock stops; the silence is still watched.
import { describe, expect, it } from 'vitest';
import { bathroomUntimed } from '../../rules/bathroom-too-long.js';
import type { DeviceConfig } from '../../rules/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, home, MONDAY, WITHOUT_POSSIBLE_FALL } from './factories.js';

/** The bathroom and the kitchen seen; the living room, where the evenings are spent, and the bedroom not. */
const SPARSE: DeviceConfig[] = [
  { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/**
 * One day from 09:30: the kitchen by day, then an evening that only the bathroom PIR sees (every `everyMin` minutes
 * from 21:00 for `eveningMin` minutes), the night unseen, and the morning's first report in the bathroom at 09:10.
 */
function day(h: Harness, d: number, eveningMin: number, everyMin = 20): void {
  const base = MONDAY + d * DAY_MS;
  const at = (ms: number, id: string): void => {
    h.advanceBy(base + ms - h.clock.now());
    h.at(0, id, 'motion', true);
  };
  at(9 * HOUR_MS + 30 * MINUTE_MS, 'kitchen-pir');
  at(12 * HOUR_MS, 'kitchen-pir');
  at(18 * HOUR_MS, 'kitchen-pir');
  for (let m = 0; m <= eveningMin; m += everyMin) at(21 * HOUR_MS + m * MINUTE_MS, 'bathroom-pir');
  at(DAY_MS + 9 * HOUR_MS + 10 * MINUTE_MS, 'bathroom-pir');
}

function bathroomCallsFrom(h: Harness, fromDay: number): number[] {
  return h
    .raised('bathroom-too-long')
    .map((d) => d.at)
    .filter((t) => t >= MONDAY + fromDay * DAY_MS);
}

describe("bathroom-too-long where the home's own visits reach the cap", () => {
  it('learned visits of 12 h or more at that hour: no call at the cap every morning, the resident up and about', () => {
    // Ordonez A without its mats: the evening's first bathroom report at 21:21 and nothing but the bathroom until the
    // morning, learned as 12-h visits, called at the cap each morning (six of its 22 false alarms; session 47).
    const h = new Harness(home({ devices: SPARSE }, WITHOUT_POSSIBLE_FALL), MONDAY + 9 * HOUR_MS);
    for (let d = 0; d < 6; d++) day(h, d, 200);
    // The first evening is called on the cold-start wait (60 min by day): nothing is known yet.
    expect(h.raised('bathroom-too-long').length).toBeGreaterThan(0);
    expect(bathroomCallsFrom(h, 2)).toEqual([]);
  });

  it('the silence is still watched: nothing after the evening, inactivity calls on its own wait', () => {
    const h = new Harness(home({ devices: SPARSE }, WITHOUT_POSSIBLE_FALL), MONDAY + 9 * HOUR_MS);
    for (let d = 0; d < 5; d++) day(h, d, 200);
    // Day 5: the kitchen at 09:30, then nothing at all: called within the cap of 12 h.
    h.advanceBy(MONDAY + 5 * DAY_MS + 9 * HOUR_MS + 30 * MINUTE_MS - h.clock.now());
    h.at(0, 'kitchen-pir', 'motion', true);
    const collapse = h.clock.now();
    h.advanceBy(13 * HOUR_MS);
    const calls = h.familyCalls().filter(([, t]) => t > collapse);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]![1] - collapse).toBeLessThanOrEqual(12 * HOUR_MS);
  });

  it('guard: evenings of two hours in the bathroom are learned and a longer one is still called', () => {
    const h = new Harness(home({ devices: SPARSE }, WITHOUT_POSSIBLE_FALL), MONDAY + 9 * HOUR_MS);
    // The evening's visit ends in the kitchen at 23:00 (not the bathroom the next morning).
    for (let d = 0; d < 5; d++) {
      const base = MONDAY + d * DAY_MS;
      for (const [ms, id] of [
        [9 * HOUR_MS + 30 * MINUTE_MS, 'kitchen-pir'],
        [21 * HOUR_MS, 'bathroom-pir'],
        [22 * HOUR_MS, 'bathroom-pir'],
        [23 * HOUR_MS, 'kitchen-pir'],
      ] as const) {
        h.advanceBy(base + ms - h.clock.now());
        h.at(0, id, 'motion', true);
      }
    }
    const base = MONDAY + 5 * DAY_MS;
    h.advanceBy(base + 21 * HOUR_MS - h.clock.now());
    for (let m = 0; m <= 6 * 60; m += 20) {
      h.at(m === 0 ? 0 : 20 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    }
    const calls = bathroomCallsFrom(h, 5);
    expect(calls.length).toBe(1);
    // Called at the home's own length of such a visit (about two hours, with its margin), long before the cap.
    expect(calls[0]! - (base + 21 * HOUR_MS)).toBeLessThan(6 * HOUR_MS);
  });

  it('only a learned length at or past the cap stops the clock, never the cold-start wait or a care plan', () => {
    const cap = 12 * HOUR_MS;
    expect(bathroomUntimed({ ms: cap, source: 'learned' }, cap)).toBe(true);
    expect(bathroomUntimed({ ms: cap - 1, source: 'learned' }, cap)).toBe(false);
    expect(bathroomUntimed({ ms: cap, source: 'cold-start' }, cap)).toBe(false);
    expect(bathroomUntimed({ ms: 2 * cap, source: 'care-plan' }, cap)).toBe(false);
  });
});
