// Review (session 29): which devices' deaths hold the room rules off. Only a configured device whose reports say the
// resident is about: a device taken out of the configuration (replaced by a new one) never reports again, and a
// thermometer's or a smoke alarm's silence says nothing of how long the home's silences last.
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, home, MONDAY } from './factories.js';

const ROOMS: DeviceConfig[] = [
  { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
  { id: 'bathroom-door', kind: 'door', room: 'hall' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/** Day `n` as test/rules/dead-device.test.ts's: up at 07:00, the bathroom at 09:00 and its door after, the fridge. */
function day(h: Harness, n: number, door: string | undefined, extra?: (at: (hh: number) => number) => void): void {
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
  extra?.((hh) => at(hh));
  send(at(9), 'bathroom-pir', 'motion', true);
  send(at(9, 1), 'bathroom-pir', 'motion', false);
  if (door) contact(at(9, 5), door);
  for (let m = 10 * 60 + 30; m <= 21 * 60; m += 90) contact(at(0, m), 'fridge');
  send(at(22), 'bedroom-door', 'contact', true);
}

/** Up as every day on day `n`, then a collapse in the bathroom at 09:00: the room rules' calls within 24 h. */
function collapse(h: Harness, n: number): string[] {
  h.clock.advanceTo(MONDAY + n * DAY_MS + 7 * HOUR_MS);
  h.at(0, 'bedroom-door', 'contact', false);
  h.at(2 * MINUTE_MS, 'fridge', 'contact', false);
  h.at(5_000, 'fridge', 'contact', true);
  h.clock.advanceTo(MONDAY + n * DAY_MS + 9 * HOUR_MS);
  h.at(0, 'bathroom-pir', 'motion', true);
  h.at(MINUTE_MS, 'bathroom-pir', 'motion', false);
  const from = h.clock.now();
  h.advanceBy(24 * HOUR_MS);
  return h
    .raised()
    .filter((d) => d.at >= from && (d.kind === 'bathroom-too-long' || d.kind === 'possible-fall'))
    .map((d) => d.kind);
}

describe('a dead device holds the room rules off only if it is configured and reports the resident', () => {
  it('a door replaced by a new one (its old id taken out of the configuration) holds nothing off', () => {
    const h = new Harness(home({ devices: ROOMS }), MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, 'bathroom-door');
    // The installer replaces the door contact: the new one has a new id, the old one leaves the configuration.
    const replaced = ROOMS.map((d) => (d.id === 'bathroom-door' ? { ...d, id: 'bathroom-door-2' } : d));
    h.restart(home({ devices: replaced }));
    for (let n = 10; n < 15; n++) day(h, n, 'bathroom-door-2');
    expect(collapse(h, 15).length).toBeGreaterThan(0);
  });

  it('a thermometer whose battery ran out holds nothing off', () => {
    const devices: DeviceConfig[] = [...ROOMS, { id: 'thermo', kind: 'climate', room: 'living' }];
    const h = new Harness(home({ devices }), MONDAY);
    const reading = (at: (hh: number) => number): void => {
      for (const hh of [6, 8]) {
        h.clock.advanceTo(at(hh));
        h.at(0, 'thermo', 'temperature', 20);
      }
    };
    for (let n = 0; n < 10; n++) day(h, n, 'bathroom-door', reading);
    for (let n = 10; n < 15; n++) day(h, n, 'bathroom-door');
    expect(collapse(h, 15).length).toBeGreaterThan(0);
  });

  it('a smoke alarm Zigbee2MQTT says is offline holds nothing off', () => {
    const devices: DeviceConfig[] = [...ROOMS, { id: 'smoke', kind: 'smoke', room: 'hall' }];
    const h = new Harness(home({ devices }), MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, 'bathroom-door');
    h.clock.advanceTo(MONDAY + 10 * DAY_MS + 6 * HOUR_MS);
    h.at(0, 'smoke', 'availability', false);
    expect(collapse(h, 10).length).toBeGreaterThan(0);
  });
});

describe("the inactivity alert's detail while a device is dead", () => {
  it('names the dead device (the card says why possible-fall and bathroom-too-long did not call)', () => {
    const h = new Harness(home({ devices: ROOMS }), MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, 'bathroom-door');
    // The bathroom door's battery runs out: four days without it.
    for (let n = 10; n < 14; n++) day(h, n, undefined);
    expect(collapse(h, 14)).toEqual([]);
    const alert = h.raised('inactivity').find((d) => d.at >= MONDAY + 14 * DAY_MS + 9 * HOUR_MS);
    expect(alert?.detail?.deadDevices).toEqual([expect.objectContaining({ id: 'bathroom-door', kind: 'door' })]);
  });

  it('says nothing of it while every device reports', () => {
    const h = new Harness(home({ devices: ROOMS }), MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, 'bathroom-door');
    h.clock.advanceTo(MONDAY + 10 * DAY_MS + 9 * HOUR_MS);
    h.at(0, 'bathroom-pir', 'motion', true);
    h.advanceBy(24 * HOUR_MS);
    const alert = h.raised('inactivity').find((d) => d.at >= MONDAY + 10 * DAY_MS + 9 * HOUR_MS);
    expect(alert?.detail).toBeDefined();
    expect(alert?.detail).not.toHaveProperty('deadDevices');
  });
});
