// A PIR that holds minutes clears after the resident has left its room and sat down on a mat elsewhere: the clearing
// is behind them, not a sign that they went back.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { Harness, MONDAY } from './factories.js';

const TEN = MONDAY + 10 * HOUR_MS;
const HOLD = 4 * MINUTE_MS;

/** The bathroom PIR seen to hold 4 min after each movement: its hold is known. */
function knownHold(h: Harness): void {
  for (let i = 0; i < 3; i++) {
    h.at(i === 0 ? 0 : 20 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    h.at(HOLD + 30 * SECOND_MS, 'bathroom-pir', 'motion', false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
  }
}

describe('a held PIR clearing behind the resident', () => {
  it('after the chair is pressed, the bathroom PIR clearing does not begin a bathroom visit', () => {
    // Ordóñez A with every PIR holding 4 min: the basin PIR cleared after the seat's press, and a bathroom visit was
    // called 30-60 min later, nine times in a fortnight.
    const h = new Harness(undefined, TEN);
    knownHold(h);
    h.at(20 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'chair', 'occupancy', true); // left the bathroom and sat down
    const sat = h.clock.now();
    h.at(HOLD - MINUTE_MS, 'bathroom-pir', 'motion', false); // its hold runs out behind them
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('bathroom-too-long')).toEqual([]);
    expect(h.raised('possible-fall')).toEqual([]);
    // The silence is the sitting's, from the press.
    h.advanceBy(10 * HOUR_MS);
    expect(h.raised()[0]?.detail).toMatchObject({ lastDeviceId: 'chair', lastActivityAt: new Date(sat).toISOString() });
  });

  it('guard: a clearing later than its hold after the press is a movement there: the resident went back', () => {
    const h = new Harness(undefined, TEN);
    knownHold(h);
    h.at(20 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'chair', 'occupancy', true);
    h.at(HOLD + 2 * MINUTE_MS, 'bathroom-pir', 'motion', false); // its last movement came after the press
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised().map((d) => d.kind)).toEqual(['bathroom-too-long']);
  });

  it('guard: after a PIR in another room (not a mat), the clearing still counts as before', () => {
    // A PIR in every room sees through doorways (CASAS): a trigger next door is not the resident gone from here.
    const h = new Harness(undefined, TEN);
    knownHold(h);
    h.at(20 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'hall-pir', 'motion', true);
    const cleared = h.clock.now() + HOLD - MINUTE_MS;
    h.at(HOLD - MINUTE_MS, 'bathroom-pir', 'motion', false);
    h.advanceBy(2 * HOUR_MS);
    const first = h.raised()[0];
    expect(first?.detail).toMatchObject({
      lastDeviceId: 'bathroom-pir',
      lastActivityAt: new Date(cleared).toISOString(),
    });
  });

  it('after a pulsing bed mat’s short press and release, the bathroom PIR clearing does not begin a bathroom visit', () => {
    // Kasteren C with every PIR holding 4 min: the bathroom PIR cleared after the resident had gone to bed on a mat that
    // reports each movement (pressed and released within seconds), and a bathroom visit was called 27 min later.
    const h = new Harness(undefined, MONDAY + 21 * HOUR_MS);
    knownHold(h);
    // Evenings on the bed mat: short presses a few minutes apart, so it is known to pulse.
    for (let i = 0; i < 12; i++) {
      h.at(i === 0 ? MINUTE_MS : 3 * MINUTE_MS, 'bed', 'occupancy', true);
      h.at(2 * SECOND_MS, 'bed', 'occupancy', false);
    }
    h.clock.advanceTo(MONDAY + 23 * HOUR_MS + 20 * MINUTE_MS);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(2 * MINUTE_MS, 'bed', 'occupancy', true); // left the bathroom and lay down
    h.at(2 * SECOND_MS, 'bed', 'occupancy', false); // a movement in bed, the mat released
    h.at(HOLD - MINUTE_MS, 'bathroom-pir', 'motion', false); // its hold runs out behind them
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('bathroom-too-long')).toEqual([]);
    expect(h.raised('possible-fall')).toEqual([]);
  });
});
