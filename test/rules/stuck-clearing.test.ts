// A PIR held on past `presence.heldMaxMinutes` is taken for stuck (a lost `off`, a sensor that latched): its presence is
// no longer believed, and its `off` when it comes (someone resets it, the battery is changed) says nothing of the
// resident either.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, MONDAY } from './factories.js';

const NINE = MONDAY + 9 * HOUR_MS;

/** The kitchen PIR seen to report held states (on, then off a minute later), the living room's PIR between. */
function heldKitchen(h: Harness): void {
  for (let i = 0; i < 3; i++) {
    h.at(10 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    h.at(5 * MINUTE_MS, 'living-pir', 'motion', true);
  }
}

describe("a stuck PIR's clearing", () => {
  it('after a hold past the limit, the clearing does not place the resident in its room', () => {
    // Ordóñez A with its basin PIR stuck for three days: the reset's `off` began a bathroom visit, called 57 min later;
    // Kasteren B's bathroom PIR held on nine days as published, and its `off` did the same.
    const h = new Harness(undefined, NINE);
    heldKitchen(h);
    h.at(10 * MINUTE_MS, 'kitchen-pir', 'motion', true); // stuck on from here
    for (let i = 0; i < 5; i++) h.at(40 * MINUTE_MS, 'living-pir', 'motion', true); // the resident about, elsewhere
    const seen = h.clock.now();
    h.at(10 * MINUTE_MS, 'kitchen-pir', 'motion', false); // reset after 3 h 20 min
    h.advanceBy(3 * HOUR_MS);
    const first = h.raised()[0];
    expect(first?.detail).toMatchObject({ lastDeviceId: 'living-pir', lastActivityAt: new Date(seen).toISOString() });
  });

  it("the PIR's last movement survives a restart", () => {
    const h = new Harness(undefined, NINE);
    heldKitchen(h);
    h.at(10 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    for (let i = 0; i < 5; i++) h.at(40 * MINUTE_MS, 'living-pir', 'motion', true);
    h.restart();
    const seen = h.clock.now();
    h.at(10 * MINUTE_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()[0]?.detail).toMatchObject({
      lastDeviceId: 'living-pir',
      lastActivityAt: new Date(seen).toISOString(),
    });
  });

  it('guard: a PIR that reported movement again while held, then cleared: its last movement was just before', () => {
    const h = new Harness(undefined, NINE);
    heldKitchen(h);
    h.at(10 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(40 * MINUTE_MS, 'kitchen-pir', 'motion', true); // held, and movement reported again
    const cleared = h.clock.now() + MINUTE_MS;
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised()[0]?.detail).toMatchObject({
      lastDeviceId: 'kitchen-pir',
      lastActivityAt: new Date(cleared).toISOString(),
    });
  });

  it('guard: a clearing within the limit is the resident there until then, as before', () => {
    const h = new Harness(undefined, NINE);
    heldKitchen(h);
    h.at(10 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(5 * MINUTE_MS, 'living-pir', 'motion', true);
    const cleared = h.clock.now() + 20 * MINUTE_MS;
    h.at(20 * MINUTE_MS, 'kitchen-pir', 'motion', false); // held 25 min: someone moving there until now
    h.advanceBy(5 * HOUR_MS);
    const first = h.raised()[0];
    expect(first?.detail).toMatchObject({
      lastDeviceId: 'kitchen-pir',
      lastActivityAt: new Date(cleared).toISOString(),
    });
  });
});
