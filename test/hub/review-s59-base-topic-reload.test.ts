// A reload (kill -HUP) cannot apply the configuration's `hub` section: the Zigbee2MQTT base topic and the hub's name
// take effect at the next start (hub/hub.ts reload). An installer whose Zigbee2MQTT publishes under another base topic
// than `zigbee2mqtt` (two coordinators, or a base_topic set by a Home Assistant add-on) sets `hub.zigbeeBaseTopic`,
// reloads as the devices page says, and was told only "configuration reloaded": every Zigbee2MQTT sensor of the home
// stayed unheard (no alert from its pendant, its PIRs' silence called) with nothing to say why. The hub now says that
// the change waits for a restart, and what it hears until then.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { killHub, mqttClient, nextMessage, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s59-base-topic-reload');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const HOME = {
  id: 'h1',
  timezone: 'Europe/London',
  residents: [{ id: 'r1' }],
  devices: [{ id: 'pendant', zigbee: 'pendant_1', kind: 'pendant', room: 'living' }],
};

function logLines(hub: HubProcess): { level: number; msg: string }[] {
  return hub
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

describe('a reload that changes the hub section', () => {
  it('says the Zigbee2MQTT base topic waits for a restart, and where Zigbee2MQTT is heard until then', async () => {
    const configFile = writeConfig(dir, { homes: [HOME] });
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: configFile });

    fs.writeFileSync(configFile, JSON.stringify({ hub: { zigbeeBaseTopic: 'z2m' }, homes: [HOME] }));
    hub.child.kill('SIGHUP');
    await waitFor(() => hub!.stdout().includes('configuration reloaded'), 'the reload');

    // The pendant is still heard under the base topic the hub started with (by then the reload's lines are out).
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const alert = nextMessage(responder, (t) => t.startsWith('telecare/h1/alerts/'));
    await responder.publishAsync('zigbee2mqtt/pendant_1', '{"action":"sos"}', { qos: 1 });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({ kind: 'pendant' });
    await responder.endAsync();

    const warnings = logLines(hub).filter((l) => l.level === 40 && l.msg.includes('hub.zigbeeBaseTopic'));
    expect(warnings.map((l) => l.msg)).toEqual([
      'hub.zigbeeBaseTopic "z2m" takes effect at the next start: restart the hub to apply it (until then Zigbee2MQTT ' +
        'is heard under "zigbee2mqtt/", and devices publishing under "z2m/" are not)',
    ]);
  }, 60_000);
});
