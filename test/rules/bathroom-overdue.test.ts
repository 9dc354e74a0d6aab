// A bathroom visit already past its deadline when activity in the bathroom continues it: called at that activity,
// unless the silence it ends was called already (then the activity starts a new wait).
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, MONDAY } from './factories.js';

const TEN = MONDAY + 10 * HOUR_MS;

describe('bathroom-too-long held back by possible-fall, then the visit continued', () => {
  it('possible-fall at 45 min holds it back; the bathroom PIR at 70 min clears that and starts a new wait, not a second call', () => {
    // Ordonez A, 1 Dec 2011: possible-fall at 17:09, the basin PIR's clearing at 17:27:13 cleared it, and
    // bathroom-too-long came in the same second (session 37 stamped it there; before, at its deadline, 17:14:44).
    // The episode had been called; the resident moving there is no second call-out (session 44).
    const h = new Harness(undefined, TEN);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.advanceBy(69 * MINUTE_MS);
    expect(h.raised().map((d) => [d.kind, d.at])).toEqual([['possible-fall', TEN + 45 * MINUTE_MS]]);
    h.at(MINUTE_MS, 'bathroom-pir', 'motion', true);
    expect(h.of('clear', 'possible-fall')).toHaveLength(1);
    // Moving there every 10 minutes: possible-fall stays quiet, the visit goes on.
    for (let i = 0; i < 5; i++) h.at(10 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    expect(h.raised('bathroom-too-long')).toEqual([]);
    h.advanceBy(15 * MINUTE_MS);
    // A visit's own wait (60 min by day in the first weeks) after the movement that ended the called silence: 70 + 60.
    const late = h.raised('bathroom-too-long');
    expect(late.map((d) => d.at)).toEqual([TEN + 130 * MINUTE_MS]);
    // The visit against its limit, and the silence since the last movement there (the PIR at 120 min).
    expect(late[0]?.detail).toMatchObject({ minutesInBathroom: 130, thresholdMinutes: 60, silenceMinutes: 10 });
  });

  it("after that movement, a silence is possible-fall's again, on its own wait, and called once", () => {
    const h = new Harness(undefined, TEN);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.advanceBy(69 * MINUTE_MS);
    h.at(MINUTE_MS, 'bathroom-pir', 'motion', true);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised().map((d) => [d.kind, d.at])).toEqual([
      ['possible-fall', TEN + 45 * MINUTE_MS],
      ['possible-fall', TEN + (70 + 45) * MINUTE_MS],
    ]);
  });

  it('the wait run again from that movement survives a restart', () => {
    const h = new Harness(undefined, TEN);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.advanceBy(69 * MINUTE_MS);
    h.at(MINUTE_MS, 'bathroom-pir', 'motion', true);
    h.restart();
    for (let i = 0; i < 5; i++) h.at(10 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    expect(h.raised('bathroom-too-long')).toEqual([]);
    h.advanceBy(15 * MINUTE_MS);
    expect(h.raised('bathroom-too-long').map((d) => d.at)).toEqual([TEN + 130 * MINUTE_MS]);
  });

  it('guard: a visit not yet past its deadline is called at the deadline, as before', () => {
    const h = new Harness(undefined, TEN);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(20 * MINUTE_MS, 'bathroom-pir', 'motion', true);
    h.advanceBy(HOUR_MS);
    expect(h.raised().map((d) => [d.kind, d.at])).toEqual([['bathroom-too-long', TEN + 60 * MINUTE_MS]]);
  });
});
