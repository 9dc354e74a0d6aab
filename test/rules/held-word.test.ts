// A PIR held on is believed for at most `presence.heldMaxMinutes`: possible-fall's silence begins where that word ends.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, MONDAY } from './factories.js';

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

/** 10:00 on a Monday in the test home; the kitchen PIR has shown it reports a held state (on, then off). */
function kitchenPirHolds(): Harness {
  const h = new Harness(undefined, MONDAY + 10 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
  return h;
}

describe('a PIR held on past presence.heldMaxMinutes (30)', () => {
  it('held on and never cleared: possible-fall 45 min after the hold stopped being believed, not 45 after its on', () => {
    // Ordonez A, 1 Dec 2011: the basin PIR on at 16:26, off at 17:27; a possible-fall at 43 min from its on.
    const h = kitchenPirHolds();
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    const onAt = h.clock.now();
    h.advanceBy(70 * MINUTE_MS);
    expect(h.raised()).toEqual([]);
    h.advanceBy(10 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', onAt + 30 * MINUTE_MS + 45 * MINUTE_MS]]);
  });

  it('the same across a restart during the hold', () => {
    const h = kitchenPirHolds();
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    const onAt = h.clock.now();
    h.advanceBy(40 * MINUTE_MS);
    h.restart();
    h.advanceBy(40 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', onAt + 75 * MINUTE_MS]]);
  });

  it('held on for an hour, then cleared: the clearing begins the silence, nothing before it', () => {
    const h = kitchenPirHolds();
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(61 * MINUTE_MS, 'kitchen-pir', 'motion', false);
    const offAt = h.clock.now();
    expect(h.raised()).toEqual([]);
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', offAt + 45 * MINUTE_MS]]);
  });

  it('a hold shorter than that, then cleared: from the clearing, as before', () => {
    const h = kitchenPirHolds();
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(20 * MINUTE_MS, 'kitchen-pir', 'motion', false);
    const offAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', offAt + 45 * MINUTE_MS]]);
  });

  it('a PIR held on since more than 30 min before the silence moves nothing: 45 min after the last sign elsewhere', () => {
    const h = kitchenPirHolds();
    // Stuck on from 10:06 (its off lost); the resident seen in the hall at 10:46, then silence.
    h.at(5 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(40 * MINUTE_MS, 'hall-pir', 'motion', true);
    const hallAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', hallAt + 45 * MINUTE_MS]]);
  });
});
