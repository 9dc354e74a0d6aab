// A device or home whose id has a space ("Hall pendant" on `telecare/Flat 12/devices/Hall pendant/events`: a topic
// MQTT allows, and the name a firmware or an ESPHome node is given) was heard, kept and listed to the installer as
// not configured, but could not be configured: the schema refused ids with spaces, saying "the hub drops such ids, so
// the device would never be heard" of a device the hub had just heard. The pendant's presses were stored and raised
// nothing, for good. Spaces are now allowed in ids (not `/`, `+`, `#`, which topics cannot carry in one level, nor
// invisible characters): the device, configured as it is heard, raises its alerts.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, nextMessage, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub;
let client: MqttClient | undefined;

beforeAll(async () => {
  dir = tempDir('review-s59-id-with-space');
  hub = await startTestHub(parseHubConfig({ homes: [] }), dir);
});
afterAll(async () => {
  await client?.endAsync();
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TOPIC = 'telecare/Flat 12/devices/Hall pendant/events';

describe('a device and a home with a space in their ids', () => {
  it('are listed as heard, configured as heard, and the pendant then raises its alert', async () => {
    client = await mqttClient(hub.ports.mqtt ?? 0);
    await client.publishAsync(TOPIC, '{"type":"heartbeat","value":true}', { qos: 1 });

    // The devices page's list: heard, not configured.
    const cookie = await adminSession(hub);
    const listed = (await (
      await fetch(`${dashboardUrl(hub)}/api/devices/unassigned`, { headers: { cookie } })
    ).json()) as { homeId: string; deviceId: string }[];
    expect(listed).toEqual([expect.objectContaining({ homeId: 'Flat 12', deviceId: 'Hall pendant' })]);

    // Configured as it is heard (`--check-config` reads the file with parseHubConfig), then reloaded.
    hub.reload(
      parseHubConfig({
        homes: [
          {
            id: 'Flat 12',
            timezone: 'Europe/London',
            residents: [{ id: 'r1' }],
            devices: [{ id: 'Hall pendant', kind: 'pendant', room: 'hall' }],
          },
        ],
      }),
    );
    await client.subscribeAsync('telecare/Flat 12/alerts/+', { qos: 1 });
    const alert = nextMessage(client, (t) => t.startsWith('telecare/Flat 12/alerts/'));
    await client.publishAsync(TOPIC, '{"type":"pendant","value":true}', { qos: 1 });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({
      homeId: 'Flat 12',
      kind: 'pendant',
      room: 'hall',
      severity: 'critical',
    });
  }, 60_000);

  it('still refuses an id that begins or ends with a space: a typo no one sees, and a device never heard', () => {
    const home = (deviceId: string): unknown => ({
      homes: [{ id: 'h1', timezone: 'Europe/London', devices: [{ id: deviceId, kind: 'pendant' }] }],
    });
    expect(() => parseHubConfig(home('p1 '))).toThrow(
      /devices\[0\]\.id: .*nor begin or end with a space \(here " " \(a space\) at character 3\)/,
    );
    expect(() => parseHubConfig(home(' p1'))).toThrow(/at character 1\)/);
  });
});
