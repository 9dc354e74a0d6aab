// Review, session 35: a configured device that never reported had no silence timer, so it was never called offline: a
// sensor dead on arrival (or never paired) left the installer and the responders believing the home covered. It is now
// called offline `sensorOffline.silentHours` (25 h) after it entered the configuration, a time kept across restarts and
// reloads, and cleared when it reports. A real hub on a fake clock, restarted on the same database and reloaded.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import { openHubDatabase } from '../../hub/store.js';
import { hubPerTest, startTestHub } from '../support/in-process-hub.js';
import { mqttClient } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const HOUR = 3_600_000;

const t = hubPerTest('never-heard');

function config(withKitchen: boolean) {
  return parseHubConfig({
    homes: [
      {
        id: 'h1',
        timezone: 'Europe/London',
        residents: [{ id: 'r1' }],
        devices: [
          { id: 'hall-pir', kind: 'motion', room: 'hall' },
          // Never reports: its batteries are still in the packet.
          { id: 'front', kind: 'exit-door', room: 'entrance' },
          ...(withKitchen ? [{ id: 'kitchen-pir', kind: 'motion', room: 'kitchen' }] : []),
        ],
      },
    ],
  });
}

async function start(clock: FakeClock, withKitchen: boolean): Promise<void> {
  t.hub = await startTestHub(config(withKitchen), t.dir, { clock });
  t.client = await mqttClient(t.hub.ports.mqtt!);
}

async function report(deviceId: string, type: string, value: boolean): Promise<void> {
  await t.client!.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify({ type, value }), { qos: 1 });
}

const offlineAlerts = () => t.hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'sensor-offline');

describe('a configured device never heard', () => {
  it('is called offline 25 h after it was configured, across a restart and a reload, and cleared when it reports', async () => {
    const clock = new FakeClock(T0);
    await start(clock, false);
    await report('hall-pir', 'motion', true);

    // 20 h on, the hub restarts: the front door's count goes on from T0, not from the restart.
    clock.advanceTo(T0 + 20 * HOUR);
    await t.client!.endAsync(true);
    await t.hub!.stop();
    await start(clock, false);
    await report('hall-pir', 'motion', false);
    expect(offlineAlerts()).toEqual([]);

    // A reload at 22 h adds the kitchen's PIR: its own count begins now; the front door's still runs from T0.
    clock.advanceTo(T0 + 22 * HOUR);
    t.hub!.reload(config(true));
    clock.advanceTo(T0 + 25 * HOUR - 60_000);
    expect(offlineAlerts()).toEqual([]);
    clock.advanceTo(T0 + 25 * HOUR + 60_000);
    const [alert] = offlineAlerts();
    expect(offlineAlerts()).toHaveLength(1);
    expect(alert).toMatchObject({ state: 'raised', room: 'entrance', count: 1 });
    expect(alert!.detail).toMatchObject({
      deviceId: 'front',
      reason: `never heard since ${new Date(T0).toISOString()}, when it was configured`,
      lastSeenAt: null,
      configuredAt: new Date(T0).toISOString(),
    });

    // The door is fitted at last and reports: the alert clears (the kitchen's PIR is not due before 47 h).
    clock.advanceTo(T0 + 26 * HOUR);
    await report('front', 'contact', true);
    expect(offlineAlerts()).toEqual([expect.objectContaining({ state: 'cancelled' })]);
  }, 60_000);

  it('keeps its count across a restart whose saved rules state is of another version (rebuilt from the events)', async () => {
    const clock = new FakeClock(T0);
    await start(clock, false);
    await report('hall-pir', 'motion', true);
    clock.advanceTo(T0 + 20 * HOUR);
    await t.client!.endAsync(true);
    await t.hub!.stop();
    // The state as another hub version wrote it: not restored, learned normal rebuilt from the stored events.
    const db = openHubDatabase(path.join(t.dir, 'data', 'hub.db'));
    const row = db.prepare("SELECT json FROM rule_state WHERE key = 'rules-engine'").get() as { json: string };
    db.prepare("UPDATE rule_state SET json = ? WHERE key = 'rules-engine'").run(
      JSON.stringify({ ...(JSON.parse(row.json) as object), version: 6 }),
    );
    db.close();
    await start(clock, false);
    await report('hall-pir', 'motion', false);
    clock.advanceTo(T0 + 25 * HOUR + 60_000);
    expect(offlineAlerts()).toEqual([expect.objectContaining({ state: 'raised', room: 'entrance' })]);
    expect(offlineAlerts()[0]!.detail).toMatchObject({ configuredAt: new Date(T0).toISOString() });
  }, 60_000);
});
