// Review, session 60: session 59 refused a Zigbee2MQTT friendly name beginning with the base topic
// ("zigbee2mqtt/pendant"), meant for the topic copied as the name. But Zigbee2MQTT takes such a name (its check refuses
// only an empty name, a `/` at either end, a last level of digits, + and #) and publishes the device on
// `zigbee2mqtt/zigbee2mqtt/pendant`, where the hub hears it: a home monitored yesterday through such a device made
// the upgraded hub refuse to start (exit 1, no monitoring at all), and a reload adding one was refused. It is now
// advice: the start, --check-config and a reload say it and carry on. A real hub process, a real broker and client.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  cliPath,
  killHub,
  mqttClient,
  nextMessage,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s60-zigbee-base-topic-name');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const home = (pendantName: string): unknown => ({
  id: 'h1',
  timezone: 'Europe/London',
  residents: [{ id: 'r1' }],
  devices: [
    { id: 'button', zigbee: pendantName, kind: 'pendant', room: 'living' },
    { id: 'hall-pir', kind: 'motion', room: 'hall' },
  ],
});

const ADVICE =
  "homes[0].devices[0].zigbee: 'zigbee2mqtt/pendant' begins with the base topic 'zigbee2mqtt/', so device button " +
  'of home h1 is heard on zigbee2mqtt/zigbee2mqtt/pendant, where Zigbee2MQTT publishes a device with that friendly ' +
  "name. If its name in Zigbee2MQTT is 'pendant' (the topic copied), write the friendly name alone, 'pendant': as " +
  'written it is never heard.';

const warnings = (hub: HubProcess): string[] =>
  hub
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);

/** Zigbee2MQTT's state for a button's press, on `topic`; resolves with the alert the hub publishes. */
async function press(mqttPort: number, topic: string): Promise<Record<string, unknown>> {
  const client = await mqttClient(mqttPort);
  try {
    await client.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const alert = nextMessage(client, (t) => t.startsWith('telecare/h1/alerts/'));
    await client.publishAsync(topic, '{"action":"emergency","battery":90}', { qos: 1 });
    return JSON.parse((await alert).payload.toString()) as Record<string, unknown>;
  } finally {
    await client.endAsync();
  }
}

describe('a Zigbee2MQTT friendly name beginning with the base topic', () => {
  it('does not stop the hub: it starts, says so once, and hears the device where Zigbee2MQTT publishes it', async () => {
    const configFile = writeConfig(dir, { homes: [home('zigbee2mqtt/pendant')] });
    // Before: "telecare hub: invalid configuration ...", exit 1: spawnHub rejected.
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: configFile });
    expect(warnings(hub).filter((w) => w === ADVICE)).toHaveLength(1);
    const alert = await press(hub.mqttPort, 'zigbee2mqtt/zigbee2mqtt/pendant');
    expect(alert).toMatchObject({ kind: 'pendant', homeId: 'h1', state: 'raised' });
  }, 60_000);

  it('passes --check-config with the advice, and a reload that adds it is applied', async () => {
    const configFile = writeConfig(dir, { homes: [home('zigbee2mqtt/pendant')] });
    const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', configFile], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`valid (1 home)\nadvice: ${ADVICE}\n`);

    writeConfig(dir, { homes: [home('living_button')] });
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: configFile });
    expect(warnings(hub).filter((w) => w.includes('begins with the base topic'))).toEqual([]);
    writeConfig(dir, { homes: [home('zigbee2mqtt/pendant')] });
    hub.child.kill('SIGHUP');
    // Before: "configuration reload refused; the configuration in force is kept".
    await waitFor(() => hub!.stdout().includes('configuration reloaded'), 'the reload');
    expect(hub.stdout()).not.toContain('reload refused');
    expect(warnings(hub).filter((w) => w === ADVICE)).toHaveLength(1);
    const alert = await press(hub.mqttPort, 'zigbee2mqtt/zigbee2mqtt/pendant');
    expect(alert).toMatchObject({ kind: 'pendant', homeId: 'h1', state: 'raised' });
  }, 60_000);
});
