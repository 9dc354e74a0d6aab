// A flush in the resident's night, in a home where no bedroom device reports, ends the night visit: the way back to
// bed passes no sensor, so the silence after it is the night's (session 32: Kasteren A with its bedroom door taken
// out, every night toilet visit called by bathroom-too-long at the night's cold-start 30 min).
import { describe, expect, it } from 'vitest';
import type { DeviceConfig, HomeConfig } from '../../rules/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** Kasteren A's toilet: a door in the hall, a flush in the toilet, no PIR there. */
const TOILET: DeviceConfig[] = [
  { id: 'toilet-door', kind: 'door', room: 'hall' },
  { id: 'flush', kind: 'appliance', room: 'toilet' },
];

/** The test home with nothing in the bedroom (no PIR, no mat) and no bathroom PIR: a toilet door and a flush. */
const NO_BEDROOM: HomeConfig = home({
  devices: [...DEVICES.filter((d) => d.room !== 'bedroom' && d.id !== 'bathroom-pir'), ...TOILET],
});

/** The same with the bedroom door watched (the test home's bedroom PIR and mat still out). */
const BEDROOM_DOOR: HomeConfig = home({
  devices: [...NO_BEDROOM.devices, { id: 'bedroom-door', kind: 'door', room: 'bedroom' }],
});

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

/** A visit to the toilet at the clock's time: through the hall, the toilet door, the flush; returns the flush's time. */
function toiletVisit(h: Harness): number {
  h.at(0, 'hall-pir', 'motion', true);
  h.at(3 * SECOND_MS, 'hall-pir', 'motion', false);
  h.at(5 * SECOND_MS, 'toilet-door', 'contact', false);
  h.at(2 * SECOND_MS, 'toilet-door', 'contact', true);
  h.at(2 * MINUTE_MS, 'flush', 'power', 100);
  h.at(1 * SECOND_MS, 'flush', 'power', 0);
  return h.clock.now();
}

describe('a flush at night where no bedroom device reports', () => {
  it('the night visit ends with the flush: no bathroom-too-long; inactivity keeps its night allowance', () => {
    const h = new Harness(NO_BEDROOM, MONDAY + DAY_MS + 2 * HOUR_MS);
    toiletVisit(h);
    // Back to bed unseen: nothing for three hours (inactivity's cold-start night value is 10 h).
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
  });

  it('survives a restart after the flush', () => {
    const h = new Harness(NO_BEDROOM, MONDAY + DAY_MS + 2 * HOUR_MS);
    toiletVisit(h);
    h.restart();
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('bathroom-too-long')).toEqual([]);
  });

  it('by day the same visit is timed as before (60 min cold-start)', () => {
    const h = new Harness(NO_BEDROOM, MONDAY + 14 * HOUR_MS);
    const flushAt = toiletVisit(h);
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)[0]).toEqual(['bathroom-too-long', flushAt - 1 * SECOND_MS + 60 * MINUTE_MS]);
  });

  it('where the bedroom door reports, the night visit is timed as before (30 min cold-start)', () => {
    const h = new Harness(BEDROOM_DOOR, MONDAY + DAY_MS + 2 * HOUR_MS);
    h.at(0, 'bedroom-door', 'contact', false);
    const flushAt = toiletVisit(h);
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)[0]).toEqual(['bathroom-too-long', flushAt - 1 * SECOND_MS + 30 * MINUTE_MS]);
  });
});
