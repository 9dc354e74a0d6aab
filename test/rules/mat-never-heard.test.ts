// A bed mat that has never reported says nothing by its silence (session 34): until one has, the bedroom is watched
// as a bedroom without a mat. Kasteren B with its left bed mat taken out: the right one silent for the first nights,
// the bedroom PIR at night read as "not in bed", possible-falls at 20 and 45 min while the resident slept.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY } from './factories.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';

/** 23:25 the kitchen, 23:30 to bed: the bedroom PIR, then nothing (asleep, on a mat that has never reported). */
function toBedUnseenByTheMat(h: Harness): number {
  h.clock.advanceTo(MONDAY + 23 * HOUR_MS + 25 * MINUTE_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(10 * SECOND_MS, 'kitchen-pir', 'motion', false);
  h.clock.advanceTo(MONDAY + 23 * HOUR_MS + 30 * MINUTE_MS);
  h.at(0, 'bedroom-pir', 'motion', true);
  h.at(10 * SECOND_MS, 'bedroom-pir', 'motion', false);
  return h.clock.now();
}

describe('a bed mat never heard from is no evidence of an empty bed', () => {
  it('the bedroom PIR at night, the bed mat never reported: no possible-fall at 20 min, inactivity watches', () => {
    const h = new Harness(undefined, MONDAY + 21 * HOUR_MS);
    toBedUnseenByTheMat(h);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('survives a restart in the silence', () => {
    const h = new Harness(undefined, MONDAY + 21 * HOUR_MS);
    toBedUnseenByTheMat(h);
    h.advanceBy(5 * MINUTE_MS);
    h.restart();
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('guard: a silence that never ends is still called (inactivity, within its 12 h cap)', () => {
    const h = new Harness(undefined, MONDAY + 21 * HOUR_MS);
    const lastAt = toBedUnseenByTheMat(h);
    h.clock.advanceTo(lastAt + 12 * HOUR_MS + MINUTE_MS);
    expect(h.raised().length).toBeGreaterThan(0);
    expect(h.raised()[0]!.at).toBeLessThanOrEqual(lastAt + 12 * HOUR_MS);
  });

  it('guard: once the mat has reported (sat on, then left), its emptiness at night says nobody is in bed', () => {
    const h = new Harness(undefined, MONDAY + 22 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true); // 22:00, sitting on the bed
    h.at(40 * MINUTE_MS, 'bed', 'occupancy', false);
    h.at(MINUTE_MS, 'bedroom-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'bedroom-pir', 'motion', false);
    const lastAt = toBedUnseenByTheMat(h);
    h.advanceBy(21 * MINUTE_MS);
    expect(h.raised().map((d) => [d.kind, d.at])).toEqual([['possible-fall', lastAt + 20 * MINUTE_MS]]);
  });
});
