// Review, session 60: a serial bridge serving several homes (ndjson lines naming their home; a sheltered-housing
// scheme's one receiver) has no `homeId` in its status, and the hub watched only bridges with one: its receiver
// unplugged, or the bridge lost, left every flat's pendant unable to raise anything, and nothing said so until 25 h
// of silence. Now such a bridge's offline status past the grace makes its receiver unavailable in each home whose
// configuration has a device of the bridge's name (as for one home: the device of the receiver's heartbeats), as far
// as the status's sender may speak for that home. The real hub on a fake clock, its embedded broker, real MQTT clients.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BRIDGE_OFFLINE_GRACE_MS } from '../../hub/bridge-watch.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { hashPassword } from '../../hub/passwords.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const START_GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;
const FLAT_TWO_BRIDGE = { username: 'bridge-h2', password: 'bridge-of-flat-two' };

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('multi-home-bridge');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function flat(id: string, withReceiver: boolean) {
  return {
    id,
    timezone: 'Europe/London',
    residents: [{ id: `r-${id}` }],
    devices: [
      { id: `p-${id}`, kind: 'pendant', room: 'living' },
      { id: `pir-${id}`, kind: 'motion', room: 'hall' },
      // rx-scheme: the bridge's --name, the device of the receiver's own heartbeats in each flat it serves.
      ...(withReceiver ? [{ id: 'rx-scheme', kind: 'other', room: 'hall' }] : []),
    ],
  };
}

async function startHub(clock: FakeClock): Promise<RunningHub> {
  const config = parseHubConfig({
    homes: [flat('h1', true), flat('h2', true), flat('h3', false)],
    mqttUsers: [
      {
        username: FLAT_TWO_BRIDGE.username,
        passwordHash: await hashPassword(FLAT_TWO_BRIDGE.password),
        role: 'bridge',
        homes: ['h2'],
      },
    ],
  });
  hub = await startTestHub(config, dir, { clock });
  return hub;
}

async function connect(options: Parameters<typeof mqttClient>[1] = {}): Promise<MqttClient> {
  const client = await mqttClient(hub!.ports.mqtt!, options);
  clients.push(client);
  return client;
}

/** The ndjson bridge's retained status (no --home: homeId null), then a sensor event stored after it: handled. */
async function status(client: MqttClient, state: 'online' | 'offline', portState: string): Promise<void> {
  const body = {
    state,
    name: 'rx-scheme',
    framing: 'ndjson',
    homeId: null,
    port: { path: '/dev/ttyACM0', state: portState },
  };
  await client.publishAsync('telecare/bridge/rx-scheme/status', JSON.stringify(body), { qos: 1, retain: true });
  const marker = await connect();
  const before = hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 1000).length;
  await marker.publishAsync('telecare/h1/devices/pir-h1/events', '{"type":"motion","value":true}', { qos: 1 });
  for (let i = 0; i < 200 && hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 1000).length === before; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

const offlineAlerts = (homeId: string) => hub!.alerts.list({ homeId }).filter((a) => a.kind === 'sensor-offline');

describe('a serial bridge serving several homes whose receiver is unplugged', () => {
  it('makes its receiver unavailable in every home it serves past the grace, and clears it when the port is open again', async () => {
    const clock = new FakeClock(T0);
    await startHub(clock);
    clock.advanceBy(START_GRACE_MS);
    const bridge = await connect({ clientId: 'telecare-bridge-rx-scheme-0001' });
    await status(bridge, 'online', 'open');
    await status(bridge, 'offline', 'retrying');
    clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS - 1_000);
    expect(offlineAlerts('h1')).toEqual([]);
    clock.advanceBy(1_000);
    // Before: nothing in any flat until the receiver's 25 h of silence.
    for (const homeId of ['h1', 'h2'])
      expect(offlineAlerts(homeId)).toEqual([
        expect.objectContaining({
          state: 'raised',
          detail: expect.objectContaining({ deviceId: 'rx-scheme', reason: 'reported unavailable' }) as unknown,
        }),
      ]);
    expect(offlineAlerts('h3')).toEqual([]);

    await status(bridge, 'online', 'open');
    for (const homeId of ['h1', 'h2']) expect(offlineAlerts(homeId)[0]!.state).not.toBe('raised');
  }, 60_000);

  it('is believed only for the homes its sender may send events for', async () => {
    const clock = new FakeClock(T0);
    await startHub(clock);
    clock.advanceBy(START_GRACE_MS);
    const bridge = await connect({ ...FLAT_TWO_BRIDGE, clientId: 'telecare-bridge-rx-scheme-0002' });
    await status(bridge, 'offline', 'retrying');
    clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS);
    expect(offlineAlerts('h2')).toEqual([expect.objectContaining({ state: 'raised' })]);
    expect(offlineAlerts('h1')).toEqual([]);
  }, 60_000);
});
