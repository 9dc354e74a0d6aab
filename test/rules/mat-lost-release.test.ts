// A mat that reports each movement, one of whose releases was lost (radio, a bridge): two presses in a row are two
// movements, not one long press whose end is the resident getting out of bed.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY } from './factories.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';

/** Twelve short presses a few minutes apart, as a mat that reports pressure changes sends them while someone sleeps. */
function restlessNight(h: Harness): void {
  for (let i = 0; i < 12; i++) {
    h.at(i === 0 ? 0 : 4 * MINUTE_MS, 'bed', 'occupancy', true);
    h.at(2 * SECOND_MS, 'bed', 'occupancy', false);
  }
}

describe('a mat that pulses, a release lost between two presses', () => {
  it('the second press is timed from its own report: its release is a movement in bed, no out-of-bed alert', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    restlessNight(h); // until about 23:44: the mat is known to pulse
    h.at(4 * MINUTE_MS, 'bed', 'occupancy', true); // a press whose release never arrives
    h.at(2 * MINUTE_MS, 'bed', 'occupancy', true); // the next press, 2 min later
    h.at(2 * SECOND_MS, 'bed', 'occupancy', false); // released 2 s after it: a pulse, not a 2-min press ended
    h.clock.advanceTo(MONDAY + 26 * HOUR_MS); // 02:00: over two hours without a press, asleep
    expect(h.raised('out-of-bed-too-long')).toEqual([]);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('what the mat has shown survives a restart between the two presses', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    restlessNight(h);
    h.at(4 * MINUTE_MS, 'bed', 'occupancy', true);
    h.restart();
    h.at(2 * MINUTE_MS, 'bed', 'occupancy', true);
    h.at(2 * SECOND_MS, 'bed', 'occupancy', false);
    h.clock.advanceTo(MONDAY + 26 * HOUR_MS);
    expect(h.raised('out-of-bed-too-long')).toEqual([]);
  });

  it('guard: a mat that holds (long presses) pressed again while on still says out of bed when it goes off', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    for (let i = 0; i < 12; i++) {
      h.at(i === 0 ? 0 : MINUTE_MS, 'bed', 'occupancy', true);
      h.at(10 * MINUTE_MS, 'bed', 'occupancy', false);
    }
    h.at(MINUTE_MS, 'bed', 'occupancy', true);
    h.at(HOUR_MS, 'bed', 'occupancy', true); // the same state again an hour on (a mat re-reporting it)
    h.at(2 * SECOND_MS, 'bed', 'occupancy', false);
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised('out-of-bed-too-long')).toHaveLength(1);
  });

  it('guard: a mat that pulses, released after its last press and nothing since, in the night: up, and called', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    restlessNight(h);
    h.at(4 * MINUTE_MS, 'bed', 'occupancy', true);
    h.at(5 * MINUTE_MS, 'bed', 'occupancy', false); // a press of 5 min ended: out of bed
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised('out-of-bed-too-long')).toHaveLength(1);
  });
});
