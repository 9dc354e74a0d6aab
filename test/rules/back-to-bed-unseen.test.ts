// A home with no device in the bedroom: an early visit to the toilet, then back to bed past no sensor, is not learned
// as the morning's rising (session 35, eval/README.md "Twentieth round (session 35), fewer sensors").
import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** Reed switches only, and none in the bedroom (Kasteren A without its bedroom door). */
const NO_BEDROOM: DeviceConfig[] = [
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'cupboard', kind: 'door', room: 'kitchen' },
  { id: 'bathroom-door', kind: 'door', room: 'hall' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

const WITH_BEDROOM: DeviceConfig[] = [...NO_BEDROOM, { id: 'bedroom-door', kind: 'door', room: 'bedroom' }];

function visit(h: Harness, at: number): void {
  h.at(at - h.clock.now(), 'bathroom-door', 'contact', false);
  h.at(3_000, 'bathroom-door', 'contact', true);
  h.at(4 * MINUTE_MS, 'bathroom-door', 'contact', false);
  h.at(3_000, 'bathroom-door', 'contact', true);
}

/**
 * `count` days from MONDAY (the night window 23:00-06:00 UTC): a visit through the bathroom door at 05:00 (not on the
 * last day: a night slept through); the kitchen from `upAt` every 20 min to 21:00 (the fridge, the cupboard 5 min
 * later); a visit at 22:30, then the night. `restartAt`: each day the hub restarts at that hour.
 */
function days(h: Harness, count: number, upAt: number, restartAt?: number): void {
  for (let d = 0; d < count; d++) {
    const day = MONDAY + d * DAY_MS;
    if (d < count - 1) visit(h, day + 5 * HOUR_MS);
    if (restartAt !== undefined) {
      h.clock.advanceTo(day + restartAt);
      h.restart();
    }
    for (let t = upAt; t <= 21 * HOUR_MS; t += 20 * MINUTE_MS) {
      h.at(day + t - h.clock.now(), 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      h.at(5 * MINUTE_MS, 'cupboard', 'contact', false);
      h.at(10_000, 'cupboard', 'contact', true);
    }
    visit(h, day + 22 * HOUR_MS + 30 * MINUTE_MS);
  }
}

describe('no-morning-activity where no device watches the bedroom', () => {
  it('a visit at 05:00, then silence until the kitchen at 08:00, is not a rising: the night slept through is not called', () => {
    const h = new Harness(home({ devices: NO_BEDROOM }, WITHOUT_POSSIBLE_FALL), MONDAY);
    days(h, 15, 8 * HOUR_MS);
    // Before: the 05:00 visits were learned as risings (nothing said "back to bed"), the check moved from 10:00
    // toward 06:30, and the fifteenth morning, with no early visit, was called before the 08:00 rising.
    expect(h.raised('no-morning-activity')).toEqual([]);
  });

  it('is judged so across a restart in that silence', () => {
    const h = new Harness(home({ devices: NO_BEDROOM }, WITHOUT_POSSIBLE_FALL), MONDAY);
    days(h, 15, 8 * HOUR_MS, 6 * HOUR_MS);
    expect(h.raised('no-morning-activity')).toEqual([]);
  });

  it('guard: a resident up at 05:00 for good (the kitchen at 05:20) is learned as an early riser', () => {
    const h = new Harness(home({ devices: NO_BEDROOM }, WITHOUT_POSSIBLE_FALL), MONDAY);
    days(h, 14, 5 * HOUR_MS + 20 * MINUTE_MS);
    expect(h.raised('no-morning-activity')).toEqual([]);
    // Day 15: nothing after the night: called before 08:00 (the check learned from 05:00 risings, not 10:00).
    h.clock.advanceTo(MONDAY + 14 * DAY_MS + 8 * HOUR_MS);
    const calls = h.raised('no-morning-activity');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.at).toBeLessThan(MONDAY + 14 * DAY_MS + 8 * HOUR_MS);
  });

  it('guard: with a bedroom device the same mornings are judged as before (no unseen return to bed is assumed)', () => {
    const h = new Harness(home({ devices: WITH_BEDROOM }, WITHOUT_POSSIBLE_FALL), MONDAY);
    days(h, 15, 8 * HOUR_MS);
    // The bedroom door did not report a return to bed: the 05:00 visits are risings, as before, and the fifteenth
    // morning is called before 08:00.
    const calls = h.raised('no-morning-activity');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.at).toBeLessThan(MONDAY + 14 * DAY_MS + 8 * HOUR_MS);
  });
});
