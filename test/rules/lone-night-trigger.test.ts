// A PIR's lone short trigger at night where nothing says the resident is in bed: the night's silence, not a possible fall.
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** A home without mats (Kasteren B with half its sensors): nothing says the resident is in bed. */
const NO_MATS: HomeConfig = home({ devices: DEVICES.filter((d) => d.kind !== 'bed' && d.kind !== 'chair') });

/** The last sign of the evening the fridge door at 22:30 (it places nobody), then the night's quiet until 02:00. */
function toBed(config: HomeConfig = NO_MATS): Harness {
  const h = new Harness(config, MONDAY + 22 * HOUR_MS + 30 * MINUTE_MS);
  h.at(0, 'fridge', 'contact', false);
  h.at(20 * SECOND_MS, 'fridge', 'contact', true);
  h.advanceBy(3 * HOUR_MS + 30 * MINUTE_MS - 20 * SECOND_MS);
  return h;
}

/** The kitchen PIR once, on and off within seconds (B's s28 at night: heating, a pet, the sensor itself). */
function loneTrigger(h: Harness): number {
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
  return h.clock.now();
}

const firstAlert = (h: Harness): [string, number] | undefined => {
  const d = h.raised()[0];
  return d === undefined ? undefined : [d.kind, d.at];
};

describe("a PIR's lone short trigger at night, the bed unwatched", () => {
  it('starts no possible-fall (20 min at night in the cold start): the silence is left to the inactivity family', () => {
    const h = toBed();
    expect(h.raised()).toEqual([]);
    const lastAt = loneTrigger(h);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // Not missed: the inactivity family calls the silence (here the morning check, before the night allowance ends).
    h.advanceBy(12 * HOUR_MS);
    const first = firstAlert(h);
    expect(['inactivity', 'no-morning-activity']).toContain(first?.[0]);
    expect(first![1]).toBeGreaterThan(lastAt + 3 * HOUR_MS);
  });

  it('kept across a restart between the evening and the trigger', () => {
    const h = toBed();
    h.restart();
    loneTrigger(h);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it("a person's burst (the hall PIR minutes before): a possible fall at the kitchen's 20 min, as before", () => {
    const h = toBed();
    h.at(-3 * MINUTE_MS, 'hall-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'hall-pir', 'motion', false);
    h.advanceBy(2 * MINUTE_MS);
    const lastAt = loneTrigger(h);
    h.advanceBy(HOUR_MS);
    expect(firstAlert(h)).toEqual(['possible-fall', lastAt + 20 * MINUTE_MS]);
  });

  it('the kitchen PIR again and again for two minutes (a person there): a possible fall at 20 min, as before', () => {
    const h = toBed();
    for (let i = 0; i < 5; i++) {
      h.at(i === 0 ? 0 : 25 * SECOND_MS, 'kitchen-pir', 'motion', true);
      h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    }
    const lastAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(firstAlert(h)).toEqual(['possible-fall', lastAt + 20 * MINUTE_MS]);
  });

  it('by day the same trigger after an hour of quiet is a possible fall as before (45 min)', () => {
    const h = new Harness(NO_MATS, MONDAY + 12 * HOUR_MS);
    h.at(0, 'fridge', 'contact', false);
    h.at(20 * SECOND_MS, 'fridge', 'contact', true);
    h.advanceBy(HOUR_MS);
    const lastAt = loneTrigger(h);
    h.advanceBy(2 * HOUR_MS);
    expect(firstAlert(h)).toEqual(['possible-fall', lastAt + 45 * MINUTE_MS]);
  });
});
