// Review, session 64: the hub watches a serial bridge's status (`telecare/bridge/<name>/status`, session 59) so that an
// unplugged receiver is called in minutes. It kept an entry, with a grace timer, for every bridge name it was told of,
// configured or not, never forgotten, and looked through all of them at each status. One flat's bridge credential (or
// its password read out of a gateway) saying `offline` under made-up names grew the hub's memory without bound and made
// every status cost a scan of the lot, on the loop that raises alerts. Now only a receiver some home has as a device is
// watched. The real hub on a fake clock (its timers counted), its embedded broker, real MQTT clients.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BRIDGE_OFFLINE_GRACE_MS } from '../../hub/bridge-watch.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { lowCostHash } from '../support/low-cost-hash.js';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const START_GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;
const FLAT_BRIDGE = { username: 'bridge-h1', password: 'bridge-of-flat-one' };
const MADE_UP_NAMES = 2_000;

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('bridge-status-flood');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startHub(clock: FakeClock): Promise<RunningHub> {
  const [home] = ONE_HOME_CONFIG.homes;
  const config = parseHubConfig({
    // rx1: the flat's receiver, the device of its bridge's heartbeats (firmware-bridge/PROTOCOL.md).
    homes: [{ ...home, devices: [...home!.devices, { id: 'rx1', kind: 'other', room: 'hall' }] }],
    mqttUsers: [
      {
        username: FLAT_BRIDGE.username,
        passwordHash: lowCostHash(FLAT_BRIDGE.password),
        role: 'bridge',
        homes: ['h1'],
      },
    ],
  });
  hub = await startTestHub(config, dir, { clock });
  clock.advanceBy(START_GRACE_MS);
  return hub;
}

async function connect(options: Parameters<typeof mqttClient>[1] = {}): Promise<MqttClient> {
  const client = await mqttClient(hub!.ports.mqtt!, options);
  clients.push(client);
  return client;
}

/** A sensor event through the same connection after `client`'s statuses, waited for in the store: they were read. */
async function settle(client: MqttClient): Promise<void> {
  const count = () => hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 10_000).length;
  const before = count();
  await client.publishAsync('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 });
  for (let i = 0; i < 250 && count() === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(count()).toBe(before + 1);
}

const offlineAlerts = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'sensor-offline');

it('holds nothing for bridge names no home has, however many a flat bridge credential makes up', async () => {
  const clock = new FakeClock(T0);
  await startHub(clock);
  const flood = await connect({ ...FLAT_BRIDGE, clientId: 'telecare-bridge-flood' });
  await settle(flood);
  const timersBefore = clock.pending();

  const offline = JSON.stringify({ state: 'offline', homeId: 'h1', port: { state: 'closed' } });
  await Promise.all(
    Array.from({ length: MADE_UP_NAMES }, (_, i) =>
      flood.publishAsync(`telecare/bridge/made-up-${i}/status`, offline, { qos: 1 }),
    ),
  );
  await settle(flood);

  // Before: one watched bridge and one grace timer per made-up name (2,000 more), kept for good.
  expect(clock.pending() - timersBefore).toBeLessThan(10);
  clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS * 2);
  expect(offlineAlerts()).toEqual([]);
}, 120_000);

it("still calls the flat's own receiver unplugged, past the grace, after such a flood", async () => {
  const clock = new FakeClock(T0);
  await startHub(clock);
  const flood = await connect({ ...FLAT_BRIDGE, clientId: 'telecare-bridge-flood' });
  const offline = JSON.stringify({ state: 'offline', homeId: 'h1', port: { state: 'closed' } });
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      flood.publishAsync(`telecare/bridge/made-up-${i}/status`, offline, { qos: 1 }),
    ),
  );
  const bridge = await connect({ ...FLAT_BRIDGE, clientId: 'telecare-bridge-rx1-0001' });
  await bridge.publishAsync(
    'telecare/bridge/rx1/status',
    JSON.stringify({ state: 'offline', name: 'rx1', homeId: 'h1' }),
    {
      qos: 1,
      retain: true,
    },
  );
  await settle(bridge);
  clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS);
  expect(offlineAlerts()).toEqual([
    expect.objectContaining({
      state: 'raised',
      detail: expect.objectContaining({ deviceId: 'rx1', reason: 'reported unavailable' }) as unknown,
    }),
  ]);
}, 120_000);
