// Session 65 (issue 11, sparse homes): an evening's last sign in a room this home's nights have begun from.
// Kasteren A without its bedroom door: every night begins after a hall door (the toilet, the bathroom) and a bed no
// sensor sees. A night begun so at 22:00, an hour before the night window, was timed as a possible fall by that door's
// own day-time silences (553 min, called at 07:18 with the resident asleep until 08:43), where the same silence begun
// after 23:00 was left to inactivity's night allowance (session 41, `nightsBeginHere`).
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import { FAMILY, REED_ONLY } from './reed-only-flat.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/**
 * `days` days in a reed-only flat whose bedroom door is never closed at night: the fridge then the cupboard each hour
 * from 08:10 to 21:10, and the evening's last two at 22:30 (the night begun unseen from the kitchen), but on the last
 * day at `lastAtH`. With `viaHall`, each night before the last begins after the bathroom door in the hall instead (10 min
 * after the kitchen). The family's first call after the last day's last sign: [kind, minutes after it].
 */
function lastEvening(days: number, lastAtH: number, viaHall = false): [string, number] | undefined {
  const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
  let last = 0;
  for (let d = 0; d < days; d++) {
    const day = MONDAY + d * DAY_MS;
    h.at(day + 7 * HOUR_MS - h.clock.now(), 'bedroom-door', 'contact', d % 2 === 0);
    for (let hour = 8; hour <= 21; hour++) {
      if (d === days - 1 && hour + 10 / 60 >= lastAtH) break;
      h.at(day + hour * HOUR_MS + 10 * MINUTE_MS - h.clock.now(), 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      h.at(5 * MINUTE_MS, 'cupboard', 'contact', false);
      h.at(10_000, 'cupboard', 'contact', true);
    }
    // The evening's last sign: the fridge, but on the last day the cupboard (whose own silences are all short).
    const [first, second] = d === days - 1 ? ['fridge', 'cupboard'] : ['cupboard', 'fridge'];
    const at = d === days - 1 ? lastAtH : 22.5;
    h.at(day + at * HOUR_MS - h.clock.now(), first, 'contact', false);
    h.at(20_000, first, 'contact', true);
    h.at(MINUTE_MS, second, 'contact', false);
    h.at(10_000, second, 'contact', true);
    if (viaHall && d < days - 1) {
      h.at(10 * MINUTE_MS, 'bathroom-door', 'contact', false);
      h.at(10_000, 'bathroom-door', 'contact', true);
    }
    last = h.clock.now();
    if (d < days - 1) h.advanceBy(day + DAY_MS - h.clock.now());
  }
  h.advanceBy(14 * HOUR_MS);
  const first = h.raised().find((d) => d.at > last && FAMILY.includes(d.kind));
  return first && [first.kind, Math.round((first.at - last) / MINUTE_MS)];
}

describe('an evening silence after a room this home has gone to bed from unseen', () => {
  it('is judged as the night it may be, not timed by the cupboard: an hour before the night window', () => {
    // Before: possible-fall at 128 min (23:39), the cupboard's own day-time silences.
    const call = lastEvening(8, 21.5);
    expect(call?.[0]).not.toBe('possible-fall');
    expect(call?.[1]).toBeGreaterThanOrEqual(7 * 60);
  });

  it('guard: in the late afternoon, more than the day value before the night, the cupboard still times it', () => {
    // 18:30, four and a half hours before the night window: an afternoon's silence, not a bedtime.
    expect(lastEvening(8, 18.5)).toEqual(['possible-fall', 95]);
  });

  it('guard: where the nights have begun from another room, the evening kitchen silence is still timed', () => {
    // Every night begins after the bathroom door in the hall: the kitchen has begun none.
    expect(lastEvening(8, 21.5, true)).toEqual(['possible-fall', 95]);
  });
});
