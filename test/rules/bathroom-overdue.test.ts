// A bathroom visit already past its deadline when activity in the bathroom continues it is called at that activity.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, MONDAY } from './factories.js';

const TEN = MONDAY + 10 * HOUR_MS;

describe('bathroom-too-long held back by possible-fall, then the visit continued', () => {
  it('possible-fall at 45 min holds it back; the bathroom PIR at 70 min clears that and raises it then, not at 60', () => {
    // Ordonez A, 1 Dec 2011: possible-fall at 17:09, the basin PIR's clearing at 17:27:13, bathroom-too-long stamped
    // 17:14:44 (its deadline), 13 min before the report that made it due.
    const h = new Harness(undefined, TEN);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.advanceBy(69 * MINUTE_MS);
    expect(h.raised().map((d) => [d.kind, d.at])).toEqual([['possible-fall', TEN + 45 * MINUTE_MS]]);
    h.at(MINUTE_MS, 'bathroom-pir', 'motion', true);
    const movedAt = h.clock.now();
    expect(h.of('clear', 'possible-fall')).toHaveLength(1);
    h.advanceBy(MINUTE_MS);
    const late = h.raised('bathroom-too-long');
    expect(late.map((d) => d.at)).toEqual([movedAt]);
    expect(late[0]?.detail).toMatchObject({ minutesInBathroom: 70 });
  });

  it('guard: a visit not yet past its deadline is called at the deadline, as before', () => {
    const h = new Harness(undefined, TEN);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(20 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    h.advanceBy(HOUR_MS);
    expect(h.raised().map((d) => [d.kind, d.at])).toEqual([['bathroom-too-long', TEN + 60 * MINUTE_MS]]);
  });
});
