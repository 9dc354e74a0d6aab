// A PIR's lone trigger at night waits as long as this home's own silences after that device's lone night triggers have
// lasted (issue 11, session 36): the home's record shows silences its sensors cannot explain (the resident back in a
// bed nothing watches), so the threshold widens to them; until the record holds one, nothing changes.
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** A home without mats (Kasteren B with half its sensors): nothing says the resident is in bed. */
const NO_MATS: HomeConfig = home({ devices: DEVICES.filter((d) => d.kind !== 'bed' && d.kind !== 'chair') });

/** At `day`'s 22:30 the fridge (it places nobody), the last sign of the evening. */
function evening(h: Harness, day: number): void {
  h.advanceBy(MONDAY + day * DAY_MS + 22 * HOUR_MS + 30 * MINUTE_MS - h.clock.now());
  h.at(0, 'fridge', 'contact', false);
  h.at(20 * SECOND_MS, 'fridge', 'contact', true);
}

/** The kitchen PIR once at `hour` after `day`'s midnight, on and off within seconds; returns its clearing (the silence runs from it). */
function loneTrigger(h: Harness, day: number, hour: number): number {
  h.advanceBy(MONDAY + day * DAY_MS + hour * HOUR_MS - h.clock.now());
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
  return h.clock.now();
}

/** Up at 07:30 of `day`: the bedroom PIR, the hall, the kettle; busy in the kitchen till noon. */
function morning(h: Harness, day: number): void {
  h.advanceBy(MONDAY + day * DAY_MS + 7 * HOUR_MS + 30 * MINUTE_MS - h.clock.now());
  h.at(0, 'bedroom-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'bedroom-pir', 'motion', false);
  h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
  h.at(10 * SECOND_MS, 'hall-pir', 'motion', false);
  for (let i = 0; i < 9; i++) {
    h.at(i === 0 ? MINUTE_MS : 30 * MINUTE_MS, 'kettle', 'power', 1500);
    h.at(20 * SECOND_MS, 'kettle', 'power', 0);
  }
}

/** A first night: the kitchen PIR alone at 01:00, the resident up at 07:30 (possible-fall called it, at 01:20). */
function firstNight(h: Harness, restart = false): void {
  evening(h, 0);
  loneTrigger(h, 1, 1);
  if (restart) h.restart();
  morning(h, 1);
}

const possibleFalls = (h: Harness, after: number) => h.raised('possible-fall').filter((d) => d.at > after);

describe("a PIR's lone trigger at night, judged on this home's own silences after that device's lone triggers", () => {
  it("the first night, nothing on record: a possible fall at the night's 20 min, as before", () => {
    const h = new Harness(NO_MATS, MONDAY + 22 * HOUR_MS);
    evening(h, 0);
    const at = loneTrigger(h, 1, 1);
    h.advanceBy(HOUR_MS);
    expect(possibleFalls(h, at).map((d) => d.at)).toEqual([at + 20 * MINUTE_MS]);
  });

  it('after a night whose lone trigger was followed by 6.5 h of sleep: at 04:00 the next night, no call at 20 min', () => {
    const h = new Harness(NO_MATS, MONDAY + 22 * HOUR_MS);
    firstNight(h);
    evening(h, 1);
    const at = loneTrigger(h, 2, 4);
    h.advanceBy(3 * HOUR_MS);
    expect(possibleFalls(h, at)).toEqual([]);
    // Not missed: the silence is still called (here past the morning check or inactivity's night allowance).
    h.advanceBy(12 * HOUR_MS);
    expect(h.raised().filter((d) => d.at > at).length).toBeGreaterThan(0);
  });

  it('the record survives a restart in the silence it learns from', () => {
    const h = new Harness(NO_MATS, MONDAY + 22 * HOUR_MS);
    firstNight(h, true);
    evening(h, 1);
    const at = loneTrigger(h, 2, 4);
    h.advanceBy(3 * HOUR_MS);
    expect(possibleFalls(h, at)).toEqual([]);
  });

  it("guard: the next night a person's burst (the hall PIR minutes before): a possible fall at 20 min, as before", () => {
    const h = new Harness(NO_MATS, MONDAY + 22 * HOUR_MS);
    firstNight(h);
    evening(h, 1);
    h.advanceBy(MONDAY + 2 * DAY_MS + 4 * HOUR_MS - 3 * MINUTE_MS - h.clock.now());
    h.at(0, 'hall-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'hall-pir', 'motion', false);
    const at = loneTrigger(h, 2, 4);
    h.advanceBy(HOUR_MS);
    expect(possibleFalls(h, at).map((d) => d.at)).toEqual([at + 20 * MINUTE_MS]);
  });
});
