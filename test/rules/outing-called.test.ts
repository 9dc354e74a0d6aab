// A device alone after an outing is in doubt once the outing outlasts what this home's own silences at that hour allow
// (a silence that long at home would have been called), not the configured day value itself (session 35).
import { describe, expect, it } from 'vitest';
import type { RuleOverrides } from '../../rules/params.js';
import type { DeviceConfig } from '../../rules/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { Harness, MONDAY, home } from './factories.js';

const DEVICES: DeviceConfig[] = [
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'living-pir', kind: 'motion', room: 'living' },
  { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/** A care plan's longer day value (5 h instead of SPEC 6's 4 h). */
const LONG_DAY: RuleOverrides = { inactivity: { coldStartDayMinutes: 300 } };

const FAMILY = new Set([
  'inactivity',
  'possible-fall',
  'no-morning-activity',
  'bathroom-too-long',
  'out-of-bed-too-long',
]);

/**
 * `days` ordinary days from Monday (up at 07:00 past the bedroom PIR, the kitchen every 20 min until 21:00, to bed past
 * the bedroom PIR at 21:30), then a morning in the kitchen until 10:00 and out by the front door at 10:01. Returns when
 * the front door closed.
 */
function outAfter(days: number, rules: RuleOverrides): { h: Harness; closedAt: number } {
  const h = new Harness(home({ devices: DEVICES }, rules), MONDAY + 7 * HOUR_MS);
  for (let day = 0; day <= days; day++) {
    const morning = MONDAY + day * DAY_MS + 7 * HOUR_MS;
    h.clock.advanceTo(morning);
    h.at(0, 'bedroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    const until = morning + (day < days ? 14 : 3) * HOUR_MS;
    while (h.clock.now() + 20 * MINUTE_MS <= until) h.at(20 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    if (day < days) h.at(30 * MINUTE_MS, 'bedroom-pir', 'motion', true);
  }
  h.at(MINUTE_MS, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  return { h, closedAt: h.clock.now() };
}

/** The kitchen PIR alone (sun on it, a pet) 4 h 40 min after the front door closed, nothing else since. */
function kitchenAlone(h: Harness, closedAt: number): number {
  h.clock.advanceTo(closedAt + 4 * HOUR_MS + 40 * MINUTE_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
  return h.clock.now();
}

const family = (h: Harness, after: number) => h.raised().filter((d) => FAMILY.has(d.kind) && d.at > after);

describe('a device alone after an outing, the day value lengthened by the care plan', () => {
  it("three weeks learned, an outing longer than the home's own silences at 10:00: the home likely empty, no call at the evening's value", () => {
    const { h, closedAt } = outAfter(21, LONG_DAY);
    const blipAt = kitchenAlone(h, closedAt);
    // Before session 35 the outing (4 h 40 min) was weighed against the day value (5 h): not long, so the PIR was the
    // resident back, and its silence was called at the kitchen's learned value within hours.
    h.advanceBy(9 * HOUR_MS);
    expect(family(h, closedAt)).toEqual([]);
    // A resident who never left and moved once is still called about, at the night allowance, as for any device alone.
    h.advanceBy(3 * HOUR_MS);
    const raised = family(h, closedAt);
    expect(raised.map((d) => d.kind)).toEqual(['inactivity']);
    expect(raised[0]?.at).toBe(blipAt + 10 * HOUR_MS);
    expect(raised[0]?.detail).toEqual(expect.objectContaining({ presenceInDoubt: true }));
  });

  it('the same across a restart in the empty home', () => {
    const { h, closedAt } = outAfter(21, LONG_DAY);
    kitchenAlone(h, closedAt);
    h.restart();
    h.advanceBy(9 * HOUR_MS);
    expect(family(h, closedAt)).toEqual([]);
  });

  it('guard: with nothing learned yet (the first morning), the day value decides as before: called within it', () => {
    const { h, closedAt } = outAfter(0, LONG_DAY);
    const blipAt = kitchenAlone(h, closedAt);
    h.advanceBy(12 * HOUR_MS);
    const raised = family(h, closedAt);
    expect(raised.length).toBeGreaterThan(0);
    expect(raised[0]!.at - blipAt).toBeLessThanOrEqual(5 * HOUR_MS);
    expect(raised[0]?.detail).not.toHaveProperty('presenceInDoubt');
  });

  it('guard: the SPEC day value (4 h), three weeks learned: the home likely empty, as before', () => {
    const { h, closedAt } = outAfter(21, {});
    kitchenAlone(h, closedAt);
    h.advanceBy(9 * HOUR_MS);
    expect(family(h, closedAt)).toEqual([]);
  });

  it('guard: a home whose own mornings hold longer silences than the day value keeps the doubt at the day value', () => {
    // Three weeks of mornings: up at 07:00, the kitchen at 07:01, then nothing until 13:00 (6 h: longer than 4 h).
    const h = new Harness(home({ devices: DEVICES }, {}), MONDAY + 7 * HOUR_MS);
    for (let day = 0; day < 21; day++) {
      const morning = MONDAY + day * DAY_MS + 7 * HOUR_MS;
      h.clock.advanceTo(morning);
      h.at(0, 'bedroom-pir', 'motion', true);
      h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
      h.at(6 * HOUR_MS, 'kitchen-pir', 'motion', true);
      while (h.clock.now() + 20 * MINUTE_MS <= morning + 14 * HOUR_MS)
        h.at(20 * MINUTE_MS, 'kitchen-pir', 'motion', true);
      h.at(30 * MINUTE_MS, 'bedroom-pir', 'motion', true);
    }
    h.clock.advanceTo(MONDAY + 21 * DAY_MS + 7 * HOUR_MS);
    h.at(0, 'bedroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    const closedAt = h.clock.now();
    kitchenAlone(h, closedAt); // 4 h 40 min out: past the day value, short of this home's own mornings
    h.advanceBy(9 * HOUR_MS);
    expect(family(h, closedAt)).toEqual([]);
  });

  it('guard: a second device inside within 10 min of the first: the resident is back, called as usual', () => {
    const { h, closedAt } = outAfter(21, LONG_DAY);
    kitchenAlone(h, closedAt);
    h.at(MINUTE_MS, 'living-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(6 * HOUR_MS);
    const raised = family(h, closedAt);
    expect(raised.length).toBeGreaterThan(0);
    expect(raised[0]!.at - lastAt).toBeLessThanOrEqual(5 * HOUR_MS);
  });
});
