// After a confirmed outing, one sensor firing with the exit door shut is not the resident back: possible-fall and bathroom-too-long wait for a second sign.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

const TEN = MONDAY + 10 * HOUR_MS;

/** The resident moves in the kitchen at 10:00, leaves by the front door a minute later; out is confirmed 10 min on. */
function afterOuting(): Harness {
  const h = new Harness(undefined, TEN);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(30 * MINUTE_MS);
  return h;
}

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

describe('a return after an outing is in doubt while one device alone reports, with the exit door shut', () => {
  it('the kitchen PIR firing once while out (sun on a PIR, a pet): no possible fall; inactivity still calls after 4 h', () => {
    const h = afterOuting();
    const blipAt = h.clock.now();
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // A resident who never left and moved once is still called about: inactivity's cold-start day value.
    h.advanceBy(HOUR_MS + MINUTE_MS);
    expect(kinds(h)).toEqual([['inactivity', blipAt + 2 * SECOND_MS + 4 * HOUR_MS]]);
    expect(h.raised()[0]?.detail).not.toHaveProperty('presenceInDoubt');
  });

  it('a device alone after an outing longer than the day value: the home is likely empty, inactivity at the night allowance', () => {
    const h = afterOuting(); // out confirmed at 10:11, the clock at 10:41
    h.advanceBy(4 * HOUR_MS); // 14:41: had the resident stayed in, this silence would itself have been called about
    const blipAt = h.clock.now();
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    // Not at the day value (4 h): Kasteren B's kitchen PIR fired alone 5 and 7 h after the resident left.
    h.advanceBy(10 * HOUR_MS - MINUTE_MS);
    expect(h.raised()).toEqual([]);
    // A resident who never left and moved once is still called about: inactivity's night allowance, as for a mat alone.
    h.advanceBy(2 * MINUTE_MS);
    expect(kinds(h)).toEqual([['inactivity', blipAt + 2 * SECOND_MS + 10 * HOUR_MS]]);
    expect(h.raised()[0]?.detail).toEqual(expect.objectContaining({ thresholdMinutes: 600, presenceInDoubt: true }));
  });

  it('the home likely empty survives a restart, and a second device ends it', () => {
    const h = afterOuting();
    h.advanceBy(4 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.restart();
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    h.at(0, 'hall-pir', 'motion', true);
    h.at(MINUTE_MS, 'living-pir', 'motion', true); // two devices within 10 min: someone is in
    const inAt = h.clock.now();
    expect(inAt - lastAt).toBeGreaterThan(5 * HOUR_MS);
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', inAt + 45 * MINUTE_MS]]); // in a living room with a chair mat
  });

  it('the same PIR firing again stays one device alone: still no possible fall', () => {
    const h = afterOuting();
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('a second device inside within 10 min: the resident is back, a silence after the hall PIR is a possible fall', () => {
    const h = afterOuting();
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(2 * MINUTE_MS, 'hall-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('a second device only after a quiet spell of more than 10 min is one device alone again', () => {
    const h = afterOuting();
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(20 * MINUTE_MS, 'hall-pir', 'motion', true);
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('the front door opening, then a PIR: the resident came in, possible fall as usual', () => {
    const h = afterOuting();
    h.at(0, 'front', 'contact', false);
    h.at(5 * SECOND_MS, 'front', 'contact', true);
    h.at(5 * SECOND_MS, 'kitchen-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('the bathroom PIR firing once while out is not a bathroom visit: no bathroom-too-long at 60 min', () => {
    const h = afterOuting();
    h.at(0, 'bathroom-pir', 'motion', true);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
  });

  it('the doubt survives a restart', () => {
    const h = afterOuting();
    h.at(0, 'kitchen-pir', 'motion', true);
    h.restart();
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('back from away mode is not in doubt: possible fall as usual', () => {
    const h = new Harness(undefined, TEN);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.setAway(true);
    h.advanceBy(HOUR_MS);
    h.setAway(false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('a PIR that covers the front door firing seconds after it closed: the one who closed it may be outside, no possible fall', () => {
    const h = new Harness(undefined, TEN);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'front', 'contact', false);
    h.at(4 * SECOND_MS, 'front', 'contact', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', true); // the closing seen through the kitchen doorway
    const lastAt = h.clock.now();
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    h.advanceBy(HOUR_MS + MINUTE_MS);
    expect(kinds(h)).toEqual([['inactivity', lastAt + 4 * HOUR_MS]]);
  });

  it('a device alone while out, then the front door opens and closes and the PIR by it fires: an arrival, possible fall as usual', () => {
    const h = afterOuting();
    h.at(0, 'kitchen-pir', 'motion', true); // alone, the door shut: in doubt
    h.advanceBy(HOUR_MS);
    h.at(0, 'front', 'contact', false);
    h.at(4 * SECOND_MS, 'front', 'contact', true);
    // Seconds after the closing, the PIR that covers the door: the one who came into a home nobody was known to be in.
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('a door inside touched seconds after the front door closed: someone inside, not the one who left', () => {
    const config = home({ devices: [...DEVICES, { id: 'bathroom-door', kind: 'door', room: 'bathroom' }] });
    const h = new Harness(config, TEN);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'front', 'contact', false);
    h.at(4 * SECOND_MS, 'front', 'contact', true);
    h.at(5 * SECOND_MS, 'bathroom-door', 'contact', false); // a PIR sees the doorway; a door must be touched
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('home, then sitting still out of every sensor long enough to confirm an outing again: the first device is the resident', () => {
    const h = afterOuting();
    h.at(0, 'front', 'contact', false);
    h.at(5 * SECOND_MS, 'front', 'contact', true);
    h.advanceBy(45 * MINUTE_MS); // out confirmed again 10 min after the closing
    h.at(0, 'kitchen-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('the door opened and closed while out, then nothing for hours: an arrival nobody saw, called at the day value', () => {
    const h = afterOuting();
    h.at(0, 'front', 'contact', false);
    h.at(5 * SECOND_MS, 'front', 'contact', true);
    const closedAt = h.clock.now();
    // Since session 25 the closing behind whoever came in ends the outing (rules/README.md, "Arrivals"): a resident
    // home all that while is called about, where before this silence went unwatched until a device reported.
    h.advanceBy(5 * HOUR_MS);
    expect(kinds(h)).toEqual([['inactivity', closedAt + 4 * HOUR_MS]]);
    expect(h.raised()[0]?.detail).toEqual(expect.objectContaining({ arrivedBy: 'front', seenSinceArrival: false }));
    // The kitchen PIR then is the one who came in, not a return in doubt: possible-fall as usual.
    h.at(0, 'kitchen-pir', 'motion', true);
    const seenAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([
      ['inactivity', closedAt + 4 * HOUR_MS],
      ['possible-fall', seenAt + 45 * MINUTE_MS],
    ]);
  });

  it('the arrival survives a restart', () => {
    const h = afterOuting();
    h.at(0, 'front', 'contact', false);
    h.at(5 * SECOND_MS, 'front', 'contact', true);
    h.advanceBy(45 * MINUTE_MS);
    h.restart();
    h.at(0, 'kitchen-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('seconds after the front door closed, then a second device: the resident stayed in, possible fall as usual', () => {
    const h = new Harness(undefined, TEN);
    h.at(MINUTE_MS, 'front', 'contact', false);
    h.at(4 * SECOND_MS, 'front', 'contact', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'hall-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('coming home: the front door opens and closes behind the resident, a PIR a second later is them, possible fall as usual', () => {
    const h = afterOuting();
    h.at(0, 'front', 'contact', false);
    h.at(3 * SECOND_MS, 'front', 'contact', true);
    h.at(SECOND_MS, 'hall-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });
});
