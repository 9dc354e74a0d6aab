// A room the rules' vocabulary does not name (an office, a study, a dining room: rooms are free text, SPEC 3) whose
// only device places nobody (a desk lamp): leaving the kitchen to sit there is not seen, as leaving it for a living room
// with door contacts only is not (session 25), so the kitchen's silence starts from inactivity's day value in the cold
// start (session 73, issue 11: CASAS with half its sensors, seed 1, the office's PIR taken out and its lamp kept: the
// resident's meals at the office table called as possible falls in the kitchen at 45 min).
import { describe, expect, it } from 'vitest';
import type { DeviceConfig, HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** The starter kit without mats (its living room has a PIR), plus one more room. */
const NO_MATS = DEVICES.filter((d) => d.kind !== 'bed' && d.kind !== 'chair');
const withRoom = (...extra: DeviceConfig[]): HomeConfig => home({ devices: [...NO_MATS, ...extra] });

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

function kitchenThenSilence(config: HomeConfig): { h: Harness; lastAt: number } {
  const h = new Harness(config, MONDAY + 12 * HOUR_MS + 54 * MINUTE_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
  return { h, lastAt: h.clock.now() };
}

describe('a room one sits in, named freely, that places nobody', () => {
  it('an office with a desk lamp only: the kitchen silence is not a possible fall at 45 min in the cold start', () => {
    const { h, lastAt } = kitchenThenSilence(withRoom({ id: 'desk-lamp', kind: 'appliance', room: 'office' }));
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // Still called, at inactivity's cold-start day value (4 h), once.
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h).map(([, at]) => at)).toEqual([lastAt + 4 * HOUR_MS]);
  });

  it('a study whose only device is its door: the same', () => {
    const { h, lastAt } = kitchenThenSilence(withRoom({ id: 'study-door', kind: 'door', room: 'study' }));
    h.advanceBy(5 * HOUR_MS);
    expect(kinds(h).map(([, at]) => at)).toEqual([lastAt + 4 * HOUR_MS]);
  });

  it('guard: the office has a PIR too (sitting down there is seen): a possible fall at 45 min, as before', () => {
    const { h, lastAt } = kitchenThenSilence(
      withRoom(
        { id: 'desk-lamp', kind: 'appliance', room: 'office' },
        { id: 'office-pir', kind: 'motion', room: 'office' },
      ),
    );
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('guard: a thermometer alone in the garden (nobody uses the room by it) changes nothing: 45 min', () => {
    const { h, lastAt } = kitchenThenSilence(withRoom({ id: 'garden-climate', kind: 'climate', room: 'garden' }));
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('guard: a lamp in a room one passes through (the utility room) changes nothing: 45 min', () => {
    const { h, lastAt } = kitchenThenSilence(withRoom({ id: 'washer', kind: 'appliance', room: 'utility' }));
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it.each([
    ['Garage', 'garage-door', 'door'],
    ['laundry room', 'washer', 'appliance'],
    ['Store_room', 'store-door', 'door'],
  ] as const)('guard: a door or appliance in a room nobody sits in (%s) changes nothing: 45 min', (room, id, kind) => {
    const { h, lastAt } = kitchenThenSilence(withRoom({ id, kind, room }));
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });
});
