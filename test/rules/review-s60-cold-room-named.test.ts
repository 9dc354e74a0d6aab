// Review, session 60: a cold alert kept open because another room is still cold (session 59) went on naming the room
// that raised it, which had warmed: its room and reading were the living room's, 14 °C, while the living room was at
// 18 °C and the bedroom at 14 °C. The responder went to the wrong room. The rules now repeat the open alert for the room
// still out of range (its room, device and reading), which the hub merges as the alert's room and detail.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

const NOON = MONDAY + 12 * HOUR_MS;
const twoRooms = home({ devices: [...DEVICES, { id: 'bedroom-thermo', kind: 'climate', room: 'bedroom' }] });

describe('a cold alert kept open by another room', () => {
  it('is repeated for the room still cold when the one it named warms', () => {
    const h = new Harness(twoRooms, NOON);
    h.at(0, 'thermo', 'temperature', 14);
    h.at(30 * MINUTE_MS, 'bedroom-thermo', 'temperature', 14.5);
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('cold').map((d) => [d.room, d.at])).toEqual([['living', NOON + 2 * HOUR_MS]]);
    // 15:00: the living room heated; the bedroom still at 14.5 °C, for 2 h 30.
    h.advanceBy(30 * MINUTE_MS);
    const warmed = h.at(0, 'thermo', 'temperature', 18);
    expect(warmed.filter((d) => d.type === 'clear')).toEqual([]);
    expect(warmed.filter((d) => d.type === 'raise')).toEqual([
      {
        type: 'raise',
        homeId: 'h1',
        kind: 'cold',
        severity: 'medium',
        residentId: 'r1',
        at: NOON + 3 * HOUR_MS,
        room: 'bedroom',
        deviceId: 'bedroom-thermo',
        detail: { sinceAt: new Date(NOON + 30 * MINUTE_MS).toISOString(), limitC: 16, lastTempC: 14.5 },
      },
    ]);
    // The bedroom warms in turn: the alert is cleared, once.
    h.advanceBy(HOUR_MS);
    const cleared = h.at(0, 'bedroom-thermo', 'temperature', 17);
    expect(cleared.map((d) => d.type)).toEqual(['clear']);
  });

  it('is not repeated when the room that warms is not out of range for long enough elsewhere (cleared as before)', () => {
    const h = new Harness(twoRooms, NOON);
    h.at(0, 'thermo', 'temperature', 14);
    h.advanceBy(2 * HOUR_MS);
    h.at(0, 'bedroom-thermo', 'temperature', 15);
    h.advanceBy(30 * MINUTE_MS);
    expect(h.at(0, 'thermo', 'temperature', 18).map((d) => d.type)).toEqual(['clear']);
  });
});
