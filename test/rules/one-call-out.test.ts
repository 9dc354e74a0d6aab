// One call-out per silence: a second inactivity-family kind crossing in the same silence is not a new alert.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY } from './factories.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';

const TEN = MONDAY + 10 * HOUR_MS;
const FAMILY = ['possible-fall', 'inactivity', 'no-morning-activity', 'bathroom-too-long', 'out-of-bed-too-long'];

describe('one call-out per silence (inactivity family)', () => {
  it('silence in the bathroom: possible-fall at 45 min, then neither bathroom-too-long (60) nor inactivity (4 h) is raised', () => {
    const h = new Harness(undefined, TEN);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.advanceBy(12 * HOUR_MS);
    expect(h.raised().map((d) => d.kind)).toEqual(['possible-fall']);
    expect(h.raised('possible-fall')[0]).toMatchObject({ at: TEN + 45 * MINUTE_MS });
    // No warning to the resident of an inactivity call-out that will not come.
    expect(h.of('prealert', 'inactivity')).toHaveLength(0);
  });

  it('activity ends the silence: the next silence raises again', () => {
    const h = new Harness(undefined, TEN);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised().map((d) => d.kind)).toEqual(['possible-fall']);
    h.at(0, 'bathroom-pir', 'motion', true);
    expect(h.of('clear', 'possible-fall')).toHaveLength(1);
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised().map((d) => d.kind)).toEqual(['possible-fall', 'possible-fall']);
  });

  it('no-morning-activity in a home silent since an open inactivity alert is not a second call-out, across a restart', () => {
    const h = new Harness(undefined, MONDAY + 21 * HOUR_MS);
    // A fridge door does not place the resident: no possible-fall. The silence runs into the night within 4 h:
    // the cold-start night value (10 h), due 07:00 on Tuesday, before the 10:00 morning check.
    h.at(0, 'fridge', 'contact', false);
    h.advanceBy(10 * HOUR_MS + MINUTE_MS);
    expect(h.raised().map((d) => d.kind)).toEqual(['inactivity']);
    h.restart();
    h.advanceBy(6 * HOUR_MS);
    expect(
      h
        .raised()
        .filter((d) => FAMILY.includes(d.kind))
        .map((d) => d.kind),
    ).toEqual(['inactivity']);
  });

  it('a kind of the family left open from an earlier silence does not hold back the next silence', () => {
    const h = new Harness(undefined, MONDAY + 21 * HOUR_MS);
    // The bed mat has reported (empty): its silence says nobody is in bed (a mat never heard from would not, session 34).
    h.at(0, 'bed', 'occupancy', false);
    h.at(0, 'fridge', 'contact', false);
    h.advanceBy(13 * HOUR_MS);
    // 10:00 Tuesday: inactivity (07:00) is open, no-morning-activity was not raised.
    expect(h.raised().map((d) => d.kind)).toEqual(['inactivity']);
    // Movement in the bedroom ends the silence (inactivity cleared) but is not rising.
    h.at(0, 'bedroom-pir', 'motion', true);
    expect(h.of('clear', 'inactivity')).toHaveLength(1);
    h.advanceBy(HOUR_MS);
    expect(h.raised().map((d) => d.kind)).toEqual(['inactivity', 'possible-fall']);
  });
});
