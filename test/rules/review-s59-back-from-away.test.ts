// Review, session 59: a home set back from away in the morning (the resident home from respite or hospital, the carer
// reloads the configuration) was called about at the morning check: activity seen while away does not count as getting
// up, and coming in did not either, so a resident sitting in the living room was "no morning activity".
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, home, MONDAY } from './factories.js';

describe('a home set back from away in the morning', () => {
  it('the resident home since 09:00, sitting in the chair, is not called at the 10:00 check; the next morning is checked', () => {
    const h = new Harness(home({ away: true }), MONDAY + 8 * HOUR_MS);
    h.watch();
    // Home at 09:00: in by the front door, through the hall and the kitchen, then in the living-room chair.
    h.advanceBy(HOUR_MS);
    h.at(0, 'front', 'contact', false);
    h.at(MINUTE_MS, 'front', 'contact', true);
    h.at(MINUTE_MS, 'hall-pir', 'motion', true);
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(10 * MINUTE_MS, 'living-pir', 'motion', true);
    h.at(MINUTE_MS, 'chair', 'occupancy', true);
    // 09:43: the carer sets the home back from away and reloads (a restart of the rules from their state, as the hub's).
    h.advanceBy(25 * MINUTE_MS);
    h.restart(home({ away: false }));
    h.setAway(false);
    h.advanceBy(75 * MINUTE_MS);
    expect(h.raised('no-morning-activity')).toEqual([]);
    // Up in the living room on Tuesday, in bed all Wednesday morning: Wednesday's check calls.
    h.advanceBy(MONDAY + 32 * HOUR_MS - h.clock.now());
    h.at(0, 'living-pir', 'motion', true);
    h.at(HOUR_MS, 'bedroom-pir', 'motion', true);
    h.advanceBy(MONDAY + 56 * HOUR_MS - h.clock.now());
    for (let t = h.clock.now(); t <= MONDAY + 58 * HOUR_MS; t += 30 * MINUTE_MS) {
      h.advanceBy(t - h.clock.now());
      h.at(0, 'bedroom-pir', 'motion', true);
    }
    h.advanceBy(MONDAY + 59 * HOUR_MS - h.clock.now());
    const calls = h.raised('no-morning-activity').map((d) => d.at);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThan(MONDAY + 56 * HOUR_MS);
  });
});
