// Where no bed mat works, a PIR firing alone outside the bedroom after the resident went to bed for the night is in doubt: possible-fall waits for a second sign.
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** The test home with its mats taken out and a bedroom door: a layout like most CASAS homes and commercial kits. */
const NO_MATS: HomeConfig = home({
  devices: [
    ...DEVICES.filter((d) => d.kind !== 'bed' && d.kind !== 'chair'),
    { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  ],
});

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

/** To bed at 22:40 (the bedroom door), then the kitchen PIR at 23:10 (`ghostAfterMs` after the door). */
function ghostAfterBed(config: HomeConfig, start = MONDAY + 22 * HOUR_MS + 40 * MINUTE_MS): Harness {
  const h = new Harness(config, start);
  h.at(0, 'bedroom-door', 'contact', false);
  h.at(5 * SECOND_MS, 'bedroom-door', 'contact', true);
  return h;
}

describe('up from the night in a home without a bed mat, by one PIR alone', () => {
  it('the kitchen PIR firing alone after the bedroom door at bedtime: no possible fall; inactivity keeps the night', () => {
    const h = ghostAfterBed(NO_MATS);
    h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    const blipAt = h.clock.now();
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    // The same PIR again minutes later is the same sensor, not a second sign.
    h.at(3 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // Inactivity still watches: its night allowance (cold start, 10 h) from the last report.
    h.advanceBy(6 * HOUR_MS);
    expect(kinds(h)).toEqual([['inactivity', blipAt + 3 * MINUTE_MS + 4 * SECOND_MS + 10 * HOUR_MS]]);
  });

  it('survives a restart between going to bed and the PIR', () => {
    const h = ghostAfterBed(NO_MATS);
    h.restart();
    h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.restart();
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('getting up seen in the bedroom moments before (its PIR sees the bed): the first PIR outside places them', () => {
    // CASAS: the bedroom PIR fires as the resident gets up, the bathroom PIR seconds later; a fall there is called fast.
    const h = new Harness(NO_MATS, MONDAY + 2 * HOUR_MS);
    h.at(0, 'bedroom-pir', 'motion', true);
    h.at(20 * SECOND_MS, 'bathroom-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 20 * MINUTE_MS]]);
  });

  it('getting up is seen by a second device within 10 min: possible-fall as before (20 min at night)', () => {
    const h = ghostAfterBed(NO_MATS, MONDAY + 2 * HOUR_MS);
    h.at(3 * MINUTE_MS, 'hall-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'kitchen-pir', 'motion', true);
    const lastAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 20 * MINUTE_MS]]);
  });

  it('not with a working bed mat (its silence says the bed is empty), nor by day, nor after a room other than the bedroom', () => {
    // A bed mat that has reported and is not stuck: the kitchen PIR places the resident as before.
    const withMat = ghostAfterBed(home());
    withMat.at(MINUTE_MS, 'bed', 'occupancy', true);
    withMat.at(MINUTE_MS, 'bed', 'occupancy', false);
    withMat.at(28 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    const matAt = withMat.clock.now();
    withMat.advanceBy(HOUR_MS);
    expect(kinds(withMat)).toEqual([['possible-fall', matAt + 20 * MINUTE_MS]]);
    // By day, the bedroom then the kitchen is the resident up and about: 45 min.
    const day = ghostAfterBed(NO_MATS, MONDAY + 14 * HOUR_MS);
    day.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    const dayAt = day.clock.now();
    day.advanceBy(HOUR_MS);
    expect(kinds(day)).toEqual([['possible-fall', dayAt + 45 * MINUTE_MS]]);
    // At night after the living room, not the bedroom: the resident was up, the kitchen PIR is them.
    const up = new Harness(NO_MATS, MONDAY + 23 * HOUR_MS + 30 * MINUTE_MS);
    up.at(0, 'living-pir', 'motion', true);
    up.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    const upAt = up.clock.now();
    up.advanceBy(HOUR_MS);
    expect(kinds(up)).toEqual([['possible-fall', upAt + 20 * MINUTE_MS]]);
  });

  it('sleeping on past the night window: the first PIR outside the bedroom in the morning is in doubt too', () => {
    // Kasteren B: the bed at 05:21, asleep until 10:45, its kitchen PIR firing alone at 06:20.
    const h = ghostAfterBed(NO_MATS);
    h.at(8 * HOUR_MS + 50 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    const blipAt = h.clock.now();
    expect(h.clock.now()).toBe(MONDAY + DAY_MS + 7 * HOUR_MS + 30 * MINUTE_MS + 5 * SECOND_MS);
    h.advanceBy(2 * SECOND_MS);
    h.at(0, 'kitchen-pir', 'motion', false);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // Inactivity still watches (its day value, 4 h, from the last report).
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)).toEqual([['inactivity', blipAt + 2 * SECOND_MS + 4 * HOUR_MS]]);
  });

  it('not after a silence in the bedroom begun after the night (back in the bedroom at 11:00): 45 min', () => {
    const h = ghostAfterBed(NO_MATS, MONDAY + 11 * HOUR_MS);
    h.at(2 * HOUR_MS, 'kitchen-pir', 'motion', true);
    const at = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', at + 45 * MINUTE_MS]]);
  });

  it('a bed mat that reports each movement (it pulses) says nothing by its silence: the kitchen PIR alone is in doubt', () => {
    // Kasteren B with its mats: to bed at 05:10 by the bedroom door, no press on its pulsing mats until 06:59, the
    // kitchen PIR firing alone at 05:13 and 05:17.
    const config = home({ devices: [...DEVICES, { id: 'bedroom-door', kind: 'door', room: 'bedroom' }] });
    const h = new Harness(config, MONDAY + 22 * HOUR_MS);
    // Ten short presses in the evening: the mat pulses (reports movements, not occupancy).
    for (let i = 0; i < 10; i++) {
      h.at(MINUTE_MS, 'bed', 'occupancy', true);
      h.at(2 * SECOND_MS, 'bed', 'occupancy', false);
    }
    h.at(20 * MINUTE_MS, 'bedroom-door', 'contact', false);
    h.at(5 * SECOND_MS, 'bedroom-door', 'contact', true);
    h.at(30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });
});
