// The exit door opened and nothing since, not even its closing: the door does not place the resident (possible-fall
// does not arm on it; inactivity watches the silence).
import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, MONDAY, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** A flat with reed switches only (as Kasteren house A): no PIR, no mat. */
const REED_ONLY: DeviceConfig[] = [
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'cupboard', kind: 'door', room: 'kitchen' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/**
 * Days of a resident who stays in: every hour from 07:00 to 21:00 the fridge, then the cupboard 5 min later; at 10:30
 * and 15:30 the front door opened for 2 min (a caller) and the fridge 3 min after; the bedroom door at 07:00 and 21:30.
 * The last day ends after the cupboard of `lastHour` (its caller not yet come) when given.
 */
function days(h: Harness, count: number, lastHour = 21): void {
  for (let d = 0; d < count; d++) {
    const day = MONDAY + d * DAY_MS;
    const untilHour = d === count - 1 ? lastHour : 21;
    h.at(day + 7 * HOUR_MS - h.clock.now(), 'bedroom-door', 'contact', false);
    h.at(20_000, 'bedroom-door', 'contact', true);
    for (let hour = 7; hour <= untilHour; hour++) {
      h.at(day + hour * HOUR_MS + 10 * MINUTE_MS - h.clock.now(), 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      h.at(5 * MINUTE_MS, 'cupboard', 'contact', false);
      h.at(10_000, 'cupboard', 'contact', true);
      if ((hour === 10 || hour === 15) && hour < untilHour + (d === count - 1 ? 0 : 1)) {
        h.at(day + hour * HOUR_MS + 30 * MINUTE_MS - h.clock.now(), 'front', 'contact', false);
        h.at(2 * MINUTE_MS, 'front', 'contact', true);
        h.at(3 * MINUTE_MS, 'fridge', 'contact', false);
        h.at(20_000, 'fridge', 'contact', true);
      }
    }
    if (untilHour < 21) return;
    h.at(day + 21 * HOUR_MS + 30 * MINUTE_MS - h.clock.now(), 'bedroom-door', 'contact', false);
    h.at(20_000, 'bedroom-door', 'contact', true);
  }
}

const FAMILY = ['possible-fall', 'inactivity', 'bathroom-too-long', 'out-of-bed-too-long', 'no-morning-activity'];

describe('the exit door opened, its closing never heard', () => {
  it('is no place to be lying: no possible-fall on the door, inactivity calls at its own value', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    days(h, 17, 10); // 16 days, then day 17 until its 10:15
    expect(h.raised().filter((d) => FAMILY.includes(d.kind))).toEqual([]);
    // Day 17, 10:30: the door opens and nothing follows (its closing lost: the resident went out with it).
    const openedAt = MONDAY + 16 * DAY_MS + 10 * HOUR_MS + 30 * MINUTE_MS;
    h.at(openedAt - h.clock.now(), 'front', 'contact', false);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
    h.advanceBy(9 * HOUR_MS);
    expect(h.raised().filter((d) => FAMILY.includes(d.kind))).toEqual([
      expect.objectContaining({ kind: 'inactivity', detail: expect.objectContaining({ lastDeviceId: 'front' }) }),
    ]);
  });

  it('guard: the fridge after the same opening places the resident again, and its silence is a possible fall', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    days(h, 17, 10);
    const openedAt = MONDAY + 16 * DAY_MS + 10 * HOUR_MS + 30 * MINUTE_MS;
    h.at(openedAt - h.clock.now(), 'front', 'contact', false);
    h.at(3 * MINUTE_MS, 'fridge', 'contact', false);
    h.at(20_000, 'fridge', 'contact', true);
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([expect.objectContaining({ room: 'kitchen' })]);
  });
});
