// A home with a living room or bedroom that places nobody (doors only): leaving the kitchen for it is not seen, so the kitchen's silence starts from inactivity's day value.
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

const NO_MATS = DEVICES.filter((d) => d.kind !== 'bed' && d.kind !== 'chair');

/** Kasteren B without its mats: a living room with door contacts only. */
const LIVING_UNSEEN: HomeConfig = home({
  devices: [...NO_MATS.filter((d) => d.id !== 'living-pir'), { id: 'living-door', kind: 'door', room: 'living' }],
});

/** The same home with its living-room PIR: leaving the kitchen to sit down is seen. */
const LIVING_SEEN: HomeConfig = home({ devices: [...NO_MATS, { id: 'living-door', kind: 'door', room: 'living' }] });

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

describe('a room one rests in that places nobody', () => {
  it('the kitchen PIR, then silence (seated in the unseen living room): no possible-fall at 45 min in the cold start', () => {
    const h = new Harness(LIVING_UNSEEN, MONDAY + 12 * HOUR_MS + 54 * MINUTE_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // Called at inactivity's cold-start day value (4 h), once.
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h).map(([, at]) => at)).toEqual([lastAt + 4 * HOUR_MS]);
  });

  it('where every room one rests in has a PIR or a mat: the kitchen silence is a possible fall at 45 min, as before', () => {
    const h = new Harness(LIVING_SEEN, MONDAY + 12 * HOUR_MS + 54 * MINUTE_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('a pendant kept in the living room is not a sensor of that room: the kitchen silence is 45 min, as before', () => {
    // Where the living room's only device is the resident's pendant, the configuration says nothing of the room.
    const devices = NO_MATS.filter((d) => d.room !== 'living' && d.id !== 'pendant');
    const h = new Harness(
      home({ devices: [...devices, { id: 'pendant', kind: 'pendant', room: 'living', residentId: 'r1' }] }),
      MONDAY + 12 * HOUR_MS + 54 * MINUTE_MS,
    );
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });
});
