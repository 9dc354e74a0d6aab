// A home whose nights begin out of every sensor's sight: a kitchen activity at night is not a place to fall in.
// Kasteren C without its bed mats (session 41): a kitchen cupboard at 00:08, then the night in a bed nothing watches,
// was called a possible fall at 04:25 by that cupboard's own silences (day-time pauses between two uses), though the
// home had already shown nights begun in the kitchen.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import { FAMILY, REED_ONLY } from './reed-only-flat.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/**
 * `days` days: the bedroom door moved at 07:00 (never closed at night), the fridge then the cupboard each hour from 08:10
 * to 21:10, and the evening's last two at `lastAt` hours, after which the night (nothing until 07:00). The family's first
 * call after the last day's last sign: [kind, minutes after it].
 */
function lastNight(days: number, lastAt: (day: number) => number): [string, number] | undefined {
  const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
  let last = 0;
  for (let d = 0; d < days; d++) {
    const day = MONDAY + d * DAY_MS;
    h.at(day + 7 * HOUR_MS - h.clock.now(), 'bedroom-door', 'contact', d % 2 === 0);
    for (let hour = 8; hour <= 21; hour++) {
      h.at(day + hour * HOUR_MS + 10 * MINUTE_MS - h.clock.now(), 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      h.at(5 * MINUTE_MS, 'cupboard', 'contact', false);
      h.at(10_000, 'cupboard', 'contact', true);
    }
    // The evening's last sign: the fridge, but on the last day the cupboard (whose own silences are all short).
    const [first, second] = d === days - 1 ? ['fridge', 'cupboard'] : ['cupboard', 'fridge'];
    h.at(day + lastAt(d) * HOUR_MS - h.clock.now(), first, 'contact', false);
    h.at(20_000, first, 'contact', true);
    h.at(MINUTE_MS, second, 'contact', false);
    h.at(10_000, second, 'contact', true);
    last = h.clock.now();
    if (d < days - 1) h.advanceBy(day + DAY_MS - h.clock.now());
  }
  h.advanceBy(12 * HOUR_MS);
  const first = h.raised().find((d) => d.at > last && FAMILY.includes(d.kind));
  return first && [first.kind, Math.round((first.at - last) / MINUTE_MS)];
}

describe('a night begun in the kitchen, in a home whose nights have begun there before', () => {
  it('is not timed by the kitchen cupboard: the night is judged as a night (here: no morning activity)', () => {
    // Every evening the last sign is the kitchen at 22:30; the last night's at 23:30, in the night window. Before:
    // possible-fall at 128 min (01:39), the cupboard's own day-time silences taking over the night.
    const call = lastNight(8, (d) => (d === 7 ? 23.5 : 22.5));
    expect(call?.[0]).not.toBe('possible-fall');
    expect(call?.[1]).toBeGreaterThanOrEqual(7 * 60);
  });

  it('guard: by day the same silence after the cupboard is possible-fall, timed by its own silences', () => {
    // The last day ends at 15:30 (a collapse in the kitchen after lunch).
    const call = lastNight(8, (d) => (d === 7 ? 15.5 : 22.5));
    expect(call).toEqual(['possible-fall', 128]);
  });
});
