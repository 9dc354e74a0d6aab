// Mats as evidence: a stuck mat, a mat contradicted by activity elsewhere, a mat that reports each movement, a chair after bed.
import { describe, expect, it } from 'vitest';
import { DEVICES, Harness, MONDAY, home } from './factories.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';

const SECOND = 1000;

/** Twelve short presses a few minutes apart, as a mat that reports pressure changes sends them while someone sleeps. */
function restlessNight(h: Harness): void {
  for (let i = 0; i < 12; i++) {
    h.at(i === 0 ? 0 : 4 * MINUTE_MS, 'bed', 'occupancy', true);
    h.at(2 * SECOND, 'bed', 'occupancy', false);
  }
}

describe('a mat held far longer than anyone sleeps, or contradicted, is not evidence of rest', () => {
  it('a bed mat stuck on while the resident is seen in the kitchen: a silence there is a possible fall', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    // 09:00, the mat still says occupied (it never reports off). Up through the hall (one PIR alone, the first outside
    // the bedroom before the morning check, would be in doubt: `upFromRestInDoubt`).
    h.clock.advanceTo(MONDAY + 33 * HOUR_MS - 10 * SECOND_MS);
    h.at(0, 'hall-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'kitchen-pir', 'motion', true);
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised('possible-fall')).toEqual([
      expect.objectContaining({
        at: MONDAY + 33 * HOUR_MS + 45 * MINUTE_MS,
        detail: expect.objectContaining({ lastRoom: 'kitchen', matOccupied: null }),
      }),
    ]);
  });

  it('in a home of two residents, a mat occupied while someone is in the kitchen is the other resident', () => {
    const h = new Harness(home({ residents: [{ id: 'r1' }, { id: 'r2' }] }), MONDAY + 23 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.clock.advanceTo(MONDAY + 33 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised('possible-fall')).toHaveLength(0);
  });

  it('a bed mat held over 16 h (default) is stuck: the bedroom PIR cannot tell sleep from a fall, inactivity watches', () => {
    const h = new Harness(undefined, MONDAY + 22 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.clock.advanceTo(MONDAY + 38 * HOUR_MS + MINUTE_MS); // 14:01 next day: on for 16 h 1 min, nothing else reported
    expect(h.raised()).toHaveLength(1); // the night in bed itself reached inactivity's 12 h cap at 10:00
    h.at(0, 'bedroom-pir', 'motion', true);
    h.advanceBy(3 * HOUR_MS);
    // As in a home without a bed mat: the resident may be lying on the bed, which the stuck mat cannot show.
    expect(h.raised('possible-fall')).toEqual([]);
    h.advanceBy(HOUR_MS);
    expect(h.raised('inactivity').at(-1)).toEqual(
      expect.objectContaining({ detail: expect.objectContaining({ lastRoom: 'bedroom', matOccupied: null }) }),
    );
    expect(h.raised()).toHaveLength(2);
  });

  it('a bed mat still on after the resident was seen in the kitchen is stuck: back in the bedroom at night, no 20-min possible fall', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.at(2 * HOUR_MS, 'kitchen-pir', 'motion', true); // 01:00, the mat never went off: it cannot see the bed now
    h.at(10 * MINUTE_MS, 'bedroom-pir', 'motion', true); // 01:10, back to bed (or lying beside it: no sensor says)
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('a working bed mat left empty: silence after the bedroom PIR at night is a possible fall beside the bed', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.at(2 * HOUR_MS, 'bed', 'occupancy', false);
    h.at(10 * SECOND, 'bedroom-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(21 * MINUTE_MS);
    expect(h.raised().map((d) => [d.kind, d.at])).toEqual([['possible-fall', lastAt + 20 * MINUTE_MS]]);
  });
});

describe('a mat that reports each movement on it (short presses), not a held occupancy', () => {
  it('its off after a short press is the resident still in bed: no out-of-bed alert in a still stretch of the night', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    restlessNight(h); // until about 23:45
    h.restart(); // what was learned of the mat survives a restart
    h.clock.advanceTo(MONDAY + 26 * HOUR_MS); // 02:00: over two hours without a press
    expect(h.raised('out-of-bed-too-long')).toHaveLength(0);
    expect(h.raised('possible-fall')).toHaveLength(0);
    // Seen in the bathroom: now up, and away from bed for longer than 45 min is worth a call.
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'hall-pir', 'motion', true);
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised()).toEqual([
      expect.objectContaining({ kind: 'possible-fall', detail: expect.objectContaining({ matOccupied: null }) }),
    ]);
  });

  it('a held mat (long presses) still says out of bed when it goes off', () => {
    const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
    for (let i = 0; i < 12; i++) {
      h.at(i === 0 ? 0 : MINUTE_MS, 'bed', 'occupancy', true);
      h.at(10 * MINUTE_MS, 'bed', 'occupancy', false);
    }
    h.at(MINUTE_MS, 'bed', 'occupancy', true);
    h.clock.advanceTo(MONDAY + 26 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', false);
    h.advanceBy(46 * MINUTE_MS);
    expect(h.raised('out-of-bed-too-long')).toHaveLength(1);
  });
});

describe('out of bed onto a chair', () => {
  it('up in the night and resting on the chair mat is not out-of-bed-too-long', () => {
    const h = new Harness(home({ devices: DEVICES.filter((d) => d.id !== 'living-pir') }), MONDAY + 23 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    h.clock.advanceTo(MONDAY + 26 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', false);
    h.at(MINUTE_MS, 'chair', 'occupancy', true);
    h.advanceBy(60 * MINUTE_MS);
    expect(h.raised('out-of-bed-too-long')).toHaveLength(0);
  });
});
