// A PIR that clears after the resident was seen in another room held on while they walked on: its clearing does not place them.
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** The test home with its mats taken out and a door from the kitchen to the hall (a door places nobody). */
const HALL_DOOR: HomeConfig = home({
  devices: [
    ...DEVICES.filter((d) => d.kind !== 'bed' && d.kind !== 'chair'),
    { id: 'hall-door', kind: 'door', room: 'hall' },
  ],
});

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

describe('a PIR clearing after the resident was seen elsewhere', () => {
  it('the kitchen PIR clears after the hall door: no possible-fall in the kitchen; inactivity watches', () => {
    // Kasteren B without its mats: the living-room door at 14:46:09, the kitchen PIR clearing at 14:46:31.
    const h = new Harness(HALL_DOOR, MONDAY + 14 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'hall-door', 'contact', false);
    h.at(20 * SECOND_MS, 'kitchen-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // Inactivity's cold-start day value (4 h) from the last report.
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)).toEqual([['inactivity', lastAt + 4 * HOUR_MS]]);
  });

  it('survives a restart between the door and the clearing', () => {
    const h = new Harness(HALL_DOOR, MONDAY + 14 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'hall-door', 'contact', false);
    h.restart();
    h.at(20 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('nothing elsewhere before the clearing (or only the same room): placed in the kitchen as before (45 min)', () => {
    const h = new Harness(HALL_DOOR, MONDAY + 14 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'fridge', 'contact', false);
    h.at(20 * SECOND_MS, 'kitchen-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('walked on to a room whose PIR sees them: placed there when that PIR clears in turn', () => {
    const h = new Harness(HALL_DOOR, MONDAY + 14 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(10 * SECOND_MS, 'hall-pir', 'motion', true);
    h.at(20 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.at(20 * SECOND_MS, 'hall-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });
});
