// A bathroom PIR that clears after the resident was seen in another room held on while they walked on: no visit.
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** The test home with its mats taken out and a door into the living room (a door places nobody). */
const LIVING_DOOR: HomeConfig = home({
  devices: [
    ...DEVICES.filter((d) => d.kind !== 'bed' && d.kind !== 'chair'),
    { id: 'living-door', kind: 'door', room: 'living' },
  ],
});

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

describe('a bathroom PIR clearing after the resident was seen elsewhere', () => {
  it('by day: the living-room door, then the bathroom PIR clears: no bathroom-too-long; inactivity watches', () => {
    const h = new Harness(LIVING_DOOR, MONDAY + 14 * HOUR_MS);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(30 * SECOND_MS, 'living-door', 'contact', false);
    h.at(20 * SECOND_MS, 'bathroom-pir', 'motion', false);
    const lastAt = h.clock.now();
    // Past the bathroom's cold-start value by day (60 min) and possible-fall's.
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // Inactivity's cold-start day value (4 h) from the last report.
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)).toEqual([['inactivity', lastAt + 4 * HOUR_MS]]);
  });

  it('at night: no bathroom-too-long at 30 min; the silence is still watched (the morning check)', () => {
    const h = new Harness(LIVING_DOOR, MONDAY + 2 * HOUR_MS);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(30 * SECOND_MS, 'living-door', 'contact', false);
    h.at(20 * SECOND_MS, 'bathroom-pir', 'motion', false);
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    h.advanceBy(12 * HOUR_MS);
    expect(kinds(h)).toEqual([['no-morning-activity', MONDAY + 10 * HOUR_MS]]);
  });

  it('survives a restart between the door and the clearing', () => {
    const h = new Harness(LIVING_DOOR, MONDAY + 14 * HOUR_MS);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(30 * SECOND_MS, 'living-door', 'contact', false);
    h.restart();
    h.at(20 * SECOND_MS, 'bathroom-pir', 'motion', false);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('bathroom-too-long')).toEqual([]);
  });

  it('a real visit is still called: the PIR clears with nobody seen elsewhere (60 min from going in)', () => {
    const start = MONDAY + 14 * HOUR_MS;
    const h = new Harness(LIVING_DOOR, start);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(30 * SECOND_MS, 'bathroom-pir', 'motion', false);
    // Moving now and then (so no possible-fall): each movement seen and cleared by the bathroom PIR alone.
    for (let i = 0; i < 6; i++) {
      h.at(10 * MINUTE_MS - 30 * SECOND_MS, 'bathroom-pir', 'motion', true);
      h.at(30 * SECOND_MS, 'bathroom-pir', 'motion', false);
    }
    h.advanceBy(10 * MINUTE_MS);
    expect(kinds(h)).toEqual([['bathroom-too-long', start + 60 * MINUTE_MS]]);
  });

  it('out and back in: the bathroom PIR sees them again, a visit from going back in', () => {
    const start = MONDAY + 14 * HOUR_MS;
    const h = new Harness(LIVING_DOOR, start);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(30 * SECOND_MS, 'living-door', 'contact', false);
    h.at(20 * SECOND_MS, 'bathroom-pir', 'motion', false);
    h.at(MINUTE_MS, 'bathroom-pir', 'motion', true);
    const backAt = h.clock.now();
    for (let i = 0; i < 6; i++) {
      h.at(30 * SECOND_MS, 'bathroom-pir', 'motion', false);
      h.at(10 * MINUTE_MS - 30 * SECOND_MS, 'bathroom-pir', 'motion', true);
    }
    h.advanceBy(10 * MINUTE_MS);
    expect(kinds(h)).toEqual([['bathroom-too-long', backAt + 60 * MINUTE_MS]]);
  });
});
