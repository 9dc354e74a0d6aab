// A device that died, on the responder's card (issue 11 section 5, session 29): an inactivity-family alert raised while
// a device is dead to the rules (the room checks it fed paused) says in its detail which device, where, and since when;
// one raised while every device is alive says nothing of it. Real rules engine, fake clock.
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, home, MONDAY } from './factories.js';

const DEVICES: DeviceConfig[] = [
  { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
  { id: 'bathroom-door', kind: 'door', room: 'bathroom' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];
const config = home({ devices: DEVICES });

const at = (n: number, hours: number, minutes = 0): number =>
  MONDAY + n * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS;

/** Day `n`: up at 07:00, the fridge through the day, the bathroom at 09:00 (its door behind on the way out with `door`). */
function day(h: Harness, n: number, door: boolean): void {
  const send = (ms: number, id: string, value: boolean, type: 'motion' | 'contact' = 'contact'): void => {
    h.clock.advanceTo(ms);
    h.at(0, id, type, value);
  };
  send(at(n, 7), 'bedroom-door', false);
  send(at(n, 9), 'bathroom-pir', true, 'motion');
  send(at(n, 9, 1), 'bathroom-pir', false, 'motion');
  if (door) {
    send(at(n, 9, 5), 'bathroom-door', false);
    send(at(n, 9, 5) + 5_000, 'bathroom-door', true);
  }
  for (let m = 10 * 60 + 30; m <= 21 * 60; m += 90) {
    send(at(n, 0, m), 'fridge', false);
    send(at(n, 0, m) + 5_000, 'fridge', true);
  }
  send(at(n, 22), 'bedroom-door', true);
}

/** Day `n`: the bathroom at 09:00, then nothing for a day (a collapse); the alerts raised meanwhile. */
function collapse(h: Harness, n: number): ReturnType<Harness['raised']> {
  h.clock.advanceTo(at(n, 7));
  h.at(0, 'bedroom-door', 'contact', false);
  h.clock.advanceTo(at(n, 9));
  h.at(0, 'bathroom-pir', 'motion', true);
  h.at(MINUTE_MS, 'bathroom-pir', 'motion', false);
  const from = h.clock.now();
  h.advanceBy(24 * HOUR_MS);
  return h.raised().filter((d) => d.at >= from);
}

describe("a dead device in an alert's detail", () => {
  it('the inactivity alert raised while the bathroom door is dead names it, its room and its last report', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, true);
    // The door's last report: day 9, 09:05:05. Then four days the home lived without it.
    const lastReport = new Date(at(9, 9, 5) + 5_000).toISOString();
    for (let n = 10; n < 14; n++) day(h, n, false);
    const calls = collapse(h, 14);
    const inactivity = calls.find((d) => d.kind === 'inactivity');
    expect(inactivity).toBeDefined();
    expect(inactivity!.detail).toMatchObject({
      deadDevices: [{ id: 'bathroom-door', kind: 'door', room: 'bathroom', silentSince: lastReport }],
    });
    // Only that device: the others reported.
    expect((inactivity!.detail as { deadDevices: unknown[] }).deadDevices).toHaveLength(1);
    // The room checks it fed stayed paused (rule behaviour as before).
    expect(calls.every((d) => d.kind !== 'bathroom-too-long' && d.kind !== 'possible-fall')).toBe(true);
  });

  it("Zigbee2MQTT's offline is named as such, across a restart too", () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 3; n++) day(h, n, true);
    h.clock.advanceTo(at(3, 6));
    h.at(0, 'bathroom-door', 'availability', false);
    h.restart();
    const inactivity = collapse(h, 3).find((d) => d.kind === 'inactivity');
    expect(inactivity).toBeDefined();
    const dead = (inactivity!.detail as { deadDevices?: Record<string, unknown>[] }).deadDevices;
    expect(dead).toHaveLength(1);
    expect(dead![0]).toMatchObject({ id: 'bathroom-door', room: 'bathroom', unavailable: true });
  });

  it('care staff heard of the door before the rules took it for dead: sensor-offline named it a day after it fell silent', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, true);
    for (let n = 10; n < 14; n++) day(h, n, false);
    const inactivity = collapse(h, 14).find((d) => d.kind === 'inactivity');
    // Before the collapse (in the day after it, the other devices fall silent too).
    const offline = h.raised('sensor-offline').filter((d) => d.at < at(14, 0));
    expect(offline.map((d) => d.deviceId)).toEqual(['bathroom-door']);
    // 25 h after its last report (SPEC 6), days before the alert that says the room checks are paused.
    expect(offline[0]!.at).toBe(at(9, 9, 5) + 5_000 + 25 * HOUR_MS);
    expect(offline[0]!.at).toBeLessThan(inactivity!.at);
  });

  it('every device alive: the detail says nothing of dead devices', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 14; n++) day(h, n, true);
    const calls = collapse(h, 14);
    expect(calls.length).toBeGreaterThan(0);
    for (const d of calls) expect(d.detail).not.toHaveProperty('deadDevices');
  });
});
