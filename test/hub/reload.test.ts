// SIGHUP reloads the configuration of a running hub process: a bad file is refused and the old one kept.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  adminGet,
  killHub,
  mqttClient,
  nextMessage,
  ONE_HOME_CONFIG,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('reload');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const SECOND_HOME = {
  id: 'h2',
  timezone: 'Europe/London',
  residents: [{ id: 'r2' }],
  devices: [{ id: 'p9', kind: 'pendant', room: 'bedroom' }],
};

describe('SIGHUP', () => {
  it('refuses a file that does not validate (the hub carries on), then applies a valid one: a new home raises alerts', async () => {
    const configFile = writeConfig(dir);
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: configFile });
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });

    fs.writeFileSync(configFile, JSON.stringify({ homes: [{ ...SECOND_HOME, timezone: 'Mars/Olympus' }] }));
    hub.child.kill('SIGHUP');
    await waitFor(() => hub!.stdout().includes('configuration reload refused'), 'the refusal');
    expect(hub.stdout()).toContain("unknown time zone 'Mars/Olympus'");
    expect(hub.child.exitCode).toBeNull();
    const health = (await (await adminGet(hub.httpPort, '/api/health')).json()) as { homes: number };
    expect(health.homes).toBe(1);

    fs.writeFileSync(configFile, JSON.stringify({ homes: [...ONE_HOME_CONFIG.homes, SECOND_HOME] }));
    hub.child.kill('SIGHUP');
    await waitFor(() => hub!.stdout().includes('configuration reloaded'), 'the reload');
    const alert = nextMessage(responder, (t) => t.startsWith('telecare/h2/alerts/'));
    const pendant = await mqttClient(hub.mqttPort);
    await pendant.publishAsync('telecare/h2/devices/p9/events', '{"type":"pendant","value":true}', { qos: 1 });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({
      homeId: 'h2',
      kind: 'pendant',
      room: 'bedroom',
    });
    const after = (await (await adminGet(hub.httpPort, '/api/health')).json()) as { homes: number };
    expect(after.homes).toBe(2);
    await Promise.all([pendant.endAsync(), responder.endAsync()]);
  }, 60_000);
});
