// Review, session 59: the resident home from respite at 09:00; the carer sets the home back from away and reloads the
// configuration (SIGHUP) at 09:43. The morning check at 10:00 called a resident sitting in the living room: what the
// sensors saw while the home was away did not count as getting up, and coming back did not either. The real hub
// in-process on a fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from './helpers.js';

/** Monday 5 January 2026, 08:00 in London (GMT). */
const EIGHT = Date.UTC(2026, 0, 5, 8, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const flat = (away: boolean): HubConfig =>
  parseHubConfig({
    homes: [
      {
        id: 'h1',
        timezone: 'Europe/London',
        away,
        residents: [{ id: 'r1' }],
        devices: [
          { id: 'front', kind: 'exit-door', room: 'entrance' },
          { id: 'hall-pir', kind: 'motion', room: 'hall' },
          { id: 'living-pir', kind: 'motion', room: 'living' },
          { id: 'chair', kind: 'chair', room: 'living' },
          { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' },
        ],
      },
    ],
  });

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('back-from-away');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a home set back from away by a reload in the morning', () => {
  it('the resident home since 09:00, sitting in the living-room chair, is not called at the morning check', async () => {
    const clock = new FakeClock(EIGHT);
    hub = await startTestHub(flat(true), dir, { clock });
    const sensor = await mqttClient(hub.ports.mqtt!);
    clients.push(sensor);
    const report = async (deviceId: string, type: string, value: boolean) => {
      await sensor.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify({ type, value }), { qos: 1 });
      await hub!.alerts.settled();
    };
    clock.advanceTo(EIGHT + HOUR);
    await report('front', 'contact', false);
    clock.advanceBy(MINUTE);
    await report('front', 'contact', true);
    await report('hall-pir', 'motion', true);
    clock.advanceBy(10 * MINUTE);
    await report('living-pir', 'motion', true);
    await report('chair', 'occupancy', true);
    clock.advanceTo(EIGHT + HOUR + 43 * MINUTE);
    hub.reload(flat(false));
    for (let i = 0; i < 80; i++) clock.advanceBy(MINUTE);
    await hub.alerts.settled();
    // Before the fix: no-morning-activity at 10:00.
    expect(hub.db.prepare('SELECT kind FROM alerts').all()).toEqual([]);
  }, 60_000);
});
