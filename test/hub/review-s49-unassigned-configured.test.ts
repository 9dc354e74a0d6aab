// Review, session 49: GET /api/devices/unassigned ("devices seen by the hub but not in the configuration") went on
// listing a device after the installer had added it to the configuration and reloaded: the list was the store's record
// of what was heard unassigned, never compared with the configuration in force. The installers' page then showed a
// device they had just configured as still waiting for a home. Now the answer leaves out what is configured (by home
// and id, or by Zigbee name for one heard under a name nobody configured); the record stays, so a device taken out
// again is listed again.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

const [HOME] = ONE_HOME_CONFIG.homes;
let dir: string;
let hub: RunningHub;
let z2m: MqttClient;
let cookie: string;

beforeAll(async () => {
  dir = tempDir('review-s49-unassigned-configured');
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
  z2m = await mqttClient(hub.ports.mqtt!);
  cookie = await adminSession(hub);
}, 60_000);

afterAll(async () => {
  await z2m?.endAsync(true);
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function unassigned(): Promise<string[]> {
  const res = await fetch(`${dashboardUrl(hub)}/api/devices/unassigned`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { homeId: string | null; deviceId: string }[])
    .map((d) => `${d.homeId ?? '(zigbee)'} ${d.deviceId}`)
    .sort();
}

const withDevices = (...devices: Record<string, string>[]) =>
  parseHubConfig({ homes: [{ ...HOME!, devices: [...HOME!.devices, ...devices] }] });

describe('a device heard before it was configured', () => {
  it('is no longer listed as unassigned once the configuration in force has it, and is again when taken out', async () => {
    await z2m.publishAsync('telecare/h1/devices/bath-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    await z2m.publishAsync('telecare/h1/devices/spare/events', '{"type":"motion","value":true}', { qos: 1 });
    await z2m.publishAsync('zigbee2mqtt/landing_pir', '{"occupancy":true}', { qos: 1 });
    // The embedded broker's PUBACK says stored; Zigbee2MQTT's messages are QoS 1 too.
    await vi.waitFor(
      async () => expect(await unassigned()).toEqual(['(zigbee) landing_pir', 'h1 bath-pir', 'h1 spare']),
      { timeout: 15_000, interval: 50 },
    );

    // The installer gives two of them a room (one by its Zigbee name) and reloads.
    hub.reload(
      withDevices(
        { id: 'bath-pir', kind: 'motion', room: 'bathroom' },
        { id: 'landing', zigbee: 'landing_pir', kind: 'motion', room: 'hall' },
      ),
    );
    expect(await unassigned()).toEqual(['h1 spare']);

    // Taken out again: listed again from what was heard.
    hub.reload(parseHubConfig(ONE_HOME_CONFIG));
    expect(await unassigned()).toEqual(['(zigbee) landing_pir', 'h1 bath-pir', 'h1 spare']);
  }, 60_000);
});
