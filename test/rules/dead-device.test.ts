// A device that died (issue 11, session 29): Kasteren A with its bathroom door's battery run out half way (`--failures`
// `dies-mid`) was called about after toilet visits (bathroom-too-long) and quiet mornings (possible-fall): the door
// that told the resident leave the bathroom said nothing any more. A device that reported day after day and has said
// nothing for days the home lived is dead to the rules: the room rules hold off (inactivity watches, as for any
// silence of the home).
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, home, MONDAY } from './factories.js';

const DEVICES: DeviceConfig[] = [
  { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
  // The bathroom's door, in the hall (as Kasteren A has it): its opening is how a visit is seen to end.
  { id: 'bathroom-door', kind: 'door', room: 'hall' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'washing-machine', kind: 'door', room: 'utility' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
  { id: 'thermo-living', kind: 'climate', room: 'living' },
  { id: 'thermo-bedroom', kind: 'climate', room: 'bedroom' },
  { id: 'smoke', kind: 'smoke', room: 'hall' },
];
const config = home({ devices: DEVICES });

/**
 * Day `n`: up at 07:00 (the bedroom door), the fridge, at 09:00 the bathroom (with `door`, its door behind the
 * resident on the way out), then the fridge every hour and a half from 10:30, to bed at 22:00; the washing machine on
 * `laundry` days; no bathroom visit without `visit`. Without the door, the visit is seen to end at 10:30 only.
 */
function day(h: Harness, n: number, door: boolean, laundry = false, visit = true): void {
  const at = (hours: number, minutes = 0): number => MONDAY + n * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS;
  const send = (ms: number, id: string, type: 'motion' | 'contact', value: boolean): void => {
    h.clock.advanceTo(ms);
    h.at(0, id, type, value);
  };
  const contact = (ms: number, id: string): void => {
    send(ms, id, 'contact', false);
    send(ms + 5_000, id, 'contact', true);
  };
  send(at(7), 'bedroom-door', 'contact', false);
  contact(at(7, 2), 'fridge');
  if (laundry) contact(at(7, 5), 'washing-machine');
  if (visit) {
    send(at(9), 'bathroom-pir', 'motion', true);
    send(at(9, 1), 'bathroom-pir', 'motion', false);
  }
  if (door) contact(at(9, 5), 'bathroom-door');
  for (let m = 10 * 60 + 30; m <= 21 * 60; m += 90) contact(at(0, m), 'fridge');
  send(at(22), 'bedroom-door', 'contact', true);
}

/** The room rules' calls (bathroom-too-long, possible-fall) on days from `from` on. */
function roomCalls(h: Harness, from: number): string[] {
  return h
    .raised()
    .filter((d) => (d.kind === 'bathroom-too-long' || d.kind === 'possible-fall') && d.at >= MONDAY + from * DAY_MS)
    .map((d) => `${d.kind} ${new Date(d.at).toISOString()}`);
}

describe('a device that died', () => {
  it('the room rules stop waiting on a door that reported daily and has said nothing for days', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, true);
    // The door reports every day: no room rule calls about the visits it ends.
    expect(roomCalls(h, 0)).toEqual([]);
    // Its battery runs out; three days go by (the laundry, no bathroom visit: the stays learned are the door's).
    for (let n = 10; n < 13; n++) day(h, n, false, true, false);
    // It has said nothing on three days the home lived: dead, and the visit's silence is not the bathroom's.
    for (let n = 13; n < 17; n++) day(h, n, false);
    expect(roomCalls(h, 13)).toEqual([]);
    // Across a restart too (what the rules know of each device is saved).
    h.restart();
    day(h, 17, false);
    expect(roomCalls(h, 13)).toEqual([]);
  });

  it('is still a home that is watched: a silence past inactivity is called', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, true);
    for (let n = 10; n < 14; n++) day(h, n, false);
    // Day 14: the bathroom at 09:00, then nothing (a collapse out of the bathroom).
    h.clock.advanceTo(MONDAY + 14 * DAY_MS + 9 * HOUR_MS);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'bathroom-pir', 'motion', false);
    const from = h.clock.now();
    h.advanceBy(24 * HOUR_MS);
    const calls = h.raised().filter((d) => d.at >= from);
    expect(calls.map((d) => d.kind)).toContain('inactivity');
    expect(calls.every((d) => d.kind !== 'bathroom-too-long' && d.kind !== 'possible-fall')).toBe(true);
  });

  it('a door heard again is alive: the bathroom is watched again', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, true);
    for (let n = 10; n < 14; n++) day(h, n, false);
    expect(roomCalls(h, 13)).toEqual([]);
    // Day 14: a new battery; the door opens once in the morning; at 09:00 the bathroom, then nothing.
    h.clock.advanceTo(MONDAY + 14 * DAY_MS + 6 * HOUR_MS);
    h.at(0, 'bathroom-door', 'contact', false);
    h.at(5_000, 'bathroom-door', 'contact', true);
    h.clock.advanceTo(MONDAY + 14 * DAY_MS + 9 * HOUR_MS);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.at(MINUTE_MS, 'bathroom-pir', 'motion', false);
    h.advanceBy(24 * HOUR_MS);
    expect(roomCalls(h, 14).length).toBeGreaterThan(0);
  });

  it('a device used now and then (the washing machine, once a week) is never taken for dead', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 17; n++) day(h, n, n < 16, n % 7 === 0);
    // Day 16: the door not used after the visit (a quiet day for it, not a death): the bathroom is still watched.
    expect(roomCalls(h, 16).length).toBeGreaterThan(0);
  });

  it("Zigbee2MQTT's offline is a dead device at once; online again, alive", () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 3; n++) day(h, n, true);
    h.clock.advanceTo(MONDAY + 3 * DAY_MS + 6 * HOUR_MS);
    h.at(0, 'bathroom-door', 'availability', false);
    day(h, 3, false);
    expect(roomCalls(h, 3)).toEqual([]);
    h.clock.advanceTo(MONDAY + 4 * DAY_MS + 6 * HOUR_MS);
    h.at(0, 'bathroom-door', 'availability', true);
    day(h, 4, false);
    expect(roomCalls(h, 4).length).toBeGreaterThan(0);
  });

  it('days the home is away and silent age no device', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, true);
    // Five days away without telling the hub: nothing from the devices the resident moves, only the thermometers and
    // the smoke alarm's supervision. Back, the door not used after the visit: it is not dead (it missed no day the
    // home lived), and the bathroom is watched.
    for (let n = 10; n < 15; n++) {
      h.clock.advanceTo(MONDAY + n * DAY_MS + 12 * HOUR_MS);
      h.at(0, 'thermo-living', 'temperature', 19.5);
      h.at(MINUTE_MS, 'thermo-bedroom', 'temperature', 17);
      h.at(2 * MINUTE_MS, 'smoke', 'heartbeat', true);
    }
    day(h, 15, false);
    expect(roomCalls(h, 15).length).toBeGreaterThan(0);
  });
});

describe('presence.deadDeviceDays 0', () => {
  it('no device is taken for dead: the room rules wait on the dead door as before', () => {
    const h = new Harness(home({ devices: DEVICES }, { presence: { deadDeviceDays: 0 } }), MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, true);
    for (let n = 10; n < 13; n++) day(h, n, false, true, false);
    for (let n = 13; n < 17; n++) day(h, n, false);
    expect(roomCalls(h, 13).length).toBeGreaterThan(0);
  });
});
