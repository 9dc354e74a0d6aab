// Device rules: cold and heat, sensor-offline, low-battery, tamper, wearable falls.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY } from './factories.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';

const NOON = MONDAY + 12 * HOUR_MS;

describe('cold and heat', () => {
  it('below 16 °C for 2 h raises cold; warm again clears it', () => {
    const h = new Harness(undefined, NOON);
    h.at(0, 'thermo', 'temperature', 15.5);
    h.at(HOUR_MS, 'thermo', 'temperature', 15);
    h.advanceBy(HOUR_MS + MINUTE_MS);
    expect(h.raised('cold')).toEqual([
      expect.objectContaining({ severity: 'medium', at: NOON + 2 * HOUR_MS, room: 'living' }),
    ]);
    h.at(0, 'thermo', 'temperature', 19);
    expect(h.of('clear', 'cold')).toHaveLength(1);
  });

  it('a cold spell shorter than 2 h, or 31 °C for 2 h after a restart', () => {
    const h = new Harness(undefined, NOON);
    h.at(0, 'thermo', 'temperature', 15);
    h.at(90 * MINUTE_MS, 'thermo', 'temperature', 17);
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('cold')).toHaveLength(0);
    h.at(0, 'thermo', 'temperature', 31);
    h.advanceBy(HOUR_MS);
    h.restart();
    h.advanceBy(HOUR_MS + MINUTE_MS);
    expect(h.raised('heat')).toHaveLength(1);
  });
});

describe('sensor-offline', () => {
  it('nothing from a device for 25 h raises sensor-offline; hearing it again clears it', () => {
    const h = new Harness(undefined, NOON);
    h.at(0, 'thermo', 'heartbeat', true);
    h.advanceBy(25 * HOUR_MS - MINUTE_MS);
    expect(h.raised('sensor-offline')).toHaveLength(0);
    h.advanceBy(2 * MINUTE_MS);
    expect(h.raised('sensor-offline')).toEqual([expect.objectContaining({ deviceId: 'thermo', severity: 'low' })]);
    h.at(0, 'thermo', 'heartbeat', true);
    expect(h.of('clear', 'sensor-offline')).toHaveLength(1);
  });

  it('Zigbee2MQTT availability offline raises at once; a device that keeps reporting never does', () => {
    const h = new Harness(undefined, NOON);
    h.at(0, 'hall-pir', 'availability', false);
    expect(h.raised('sensor-offline')).toEqual([expect.objectContaining({ deviceId: 'hall-pir' })]);
    const alive = new Harness(undefined, NOON);
    for (let i = 0; i < 4; i++) alive.at(20 * HOUR_MS, 'thermo', 'heartbeat', true);
    expect(alive.raised('sensor-offline')).toHaveLength(0);
  });

  it("Zigbee2MQTT's availability again (retained, at each reconnection) is no new alert and no sign of life", () => {
    const h = new Harness(undefined, NOON);
    h.at(0, 'hall-pir', 'availability', false);
    h.at(HOUR_MS, 'hall-pir', 'availability', false);
    expect(h.raised('sensor-offline')).toHaveLength(1);
    expect(h.of('clear', 'sensor-offline')).toHaveLength(0);
    h.at(HOUR_MS, 'hall-pir', 'availability', true);
    expect(h.of('clear', 'sensor-offline')).toHaveLength(1);
    // Online while not offline: the device's own silence still counts from its last report.
    const quiet = new Harness(undefined, NOON);
    quiet.at(0, 'thermo', 'heartbeat', true);
    quiet.advanceBy(20 * HOUR_MS);
    quiet.at(0, 'thermo', 'availability', true);
    quiet.advanceBy(5 * HOUR_MS + MINUTE_MS);
    expect(quiet.raised('sensor-offline')).toEqual([expect.objectContaining({ deviceId: 'thermo' })]);
  });
});

describe('low-battery and tamper', () => {
  it('15 % raises low-battery once; 14 % again does not; battery_low from Zigbee2MQTT does', () => {
    const h = new Harness(undefined, NOON);
    h.at(0, 'thermo', 'battery', 40);
    h.at(MINUTE_MS, 'thermo', 'battery', 15);
    h.at(MINUTE_MS, 'thermo', 'battery', 14);
    expect(h.raised('low-battery')).toEqual([expect.objectContaining({ deviceId: 'thermo', severity: 'low' })]);
    h.at(MINUTE_MS, 'hall-pir', 'battery_low', true);
    expect(h.raised('low-battery')).toHaveLength(2);
  });

  it('tamper raises medium at once, once per tampering', () => {
    const h = new Harness(undefined, NOON);
    h.at(0, 'hall-pir', 'tamper', true);
    h.at(1000, 'hall-pir', 'tamper', true);
    expect(h.raised('tamper')).toEqual([expect.objectContaining({ severity: 'medium', deviceId: 'hall-pir' })]);
    h.at(1000, 'hall-pir', 'tamper', false);
    expect(h.raised('tamper')).toHaveLength(1);
  });
});

describe('wearable falls', () => {
  it('accel samples of someone sitting still raise nothing; a device that is not a wearable is ignored', () => {
    const h = new Harness(undefined, NOON);
    const still = { rate: 50, samples: Array.from({ length: 250 }, () => [0, 0, 1] as [number, number, number]) };
    h.at(0, 'watch', 'accel', still);
    h.at(5000, 'watch', 'accel', still);
    h.at(0, 'hall-pir', 'accel', still);
    expect(h.raised('fall')).toHaveLength(0);
  });

  it('a free fall, an impact and lying still on the side raise a fall for the wearer', () => {
    const h = new Harness(undefined, NOON);
    const samples: [number, number, number][] = [];
    for (let i = 0; i < 150; i++) samples.push([0, 0, 1]); // 3 s upright
    for (let i = 0; i < 20; i++) samples.push([0, 0, 0.2]); // 0.4 s falling
    for (let i = 0; i < 3; i++) samples.push([3, 0, 3]); // impact
    for (let i = 0; i < 1500; i++) samples.push([1, 0, 0]); // 30 s lying on the side
    h.at(0, 'watch', 'accel', { rate: 50, samples });
    h.at(31_000, 'watch', 'accel', {
      rate: 50,
      samples: Array.from({ length: 50 }, () => [1, 0, 0] as [number, number, number]),
    });
    const falls = h.raised('fall');
    expect(falls.length).toBeGreaterThanOrEqual(1);
    expect(falls[0]).toMatchObject({
      residentId: 'r1',
      deviceId: 'watch',
      detail: expect.objectContaining({ source: 'wearable' }),
    });
  });
});
