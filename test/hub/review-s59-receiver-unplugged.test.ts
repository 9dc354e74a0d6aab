// Review, session 59: the hub never read a serial bridge's status. A receiver unplugged (or its USB adapter failed)
// left every pendant and sensor behind it unable to raise anything, and the only word of it was the receiver's own
// `sensor-offline` after 25 h of silence; the bridge had said `offline` (retained) within a second. Now a bridge saying
// offline past its grace (BRIDGE_OFFLINE_GRACE_MS) makes its receiver's device unavailable, as Zigbee2MQTT's
// availability does: sensor-offline is raised then, and cleared when the bridge is back. The real hub on a fake clock,
// its embedded broker, real MQTT clients (a local bridge, and a bridge credential of another home).
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BRIDGE_OFFLINE_GRACE_MS } from '../../hub/bridge-watch.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const START_GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;
const OTHER_BRIDGE = { username: 'bridge-h2', password: 'bridge-of-flat-two' };

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('receiver-unplugged');
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
    homes: [
      // rx1: the bridge's --name, the device of the receiver's own heartbeats (firmware-bridge/PROTOCOL.md).
      { ...home, devices: [...home!.devices, { id: 'rx1', kind: 'other', room: 'hall' }] },
      { id: 'h2', timezone: 'Europe/London', residents: [{ id: 'r2' }], devices: [{ id: 'p2', kind: 'pendant' }] },
    ],
    mqttUsers: [
      {
        username: OTHER_BRIDGE.username,
        passwordHash: lowCostHash(OTHER_BRIDGE.password),
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

/** The bridge's retained status (firmware-bridge/bridge-stats.ts), then a sensor event stored after it: handled. */
async function status(client: MqttClient, state: 'online' | 'offline', portState: string): Promise<void> {
  const body = { state, name: 'rx1', framing: 'cobs', homeId: 'h1', port: { path: '/dev/ttyUSB0', state: portState } };
  await client.publishAsync('telecare/bridge/rx1/status', JSON.stringify(body), { qos: 1, retain: true });
  const marker = await connect();
  const before = hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 1000).length;
  await marker.publishAsync('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 });
  for (let i = 0; i < 200 && hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 1000).length === before; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

const offlineAlerts = (homeId = 'h1') => hub!.alerts.list({ homeId }).filter((a) => a.kind === 'sensor-offline');

describe('a serial bridge whose receiver is unplugged', () => {
  it('makes its receiver unavailable past the grace (sensor-offline), and clears it when the port is open again', async () => {
    const clock = new FakeClock(T0);
    await startHub(clock);
    clock.advanceBy(START_GRACE_MS);
    const bridge = await connect({ clientId: 'telecare-bridge-rx1-0001' });
    await status(bridge, 'online', 'open');
    // Unplugged: the bridge says so at once; a replug within the grace would say nothing to anyone.
    await status(bridge, 'offline', 'closed');
    clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS - 1_000);
    expect(offlineAlerts()).toEqual([]);
    clock.advanceBy(1_000);
    // Before: nothing until the receiver's 25 h of silence.
    expect(offlineAlerts()).toEqual([
      expect.objectContaining({
        state: 'raised',
        detail: expect.objectContaining({ deviceId: 'rx1', reason: 'reported unavailable' }) as unknown,
      }),
    ]);

    // Plugged back: the port open again clears it.
    await status(bridge, 'online', 'open');
    expect(offlineAlerts()).toHaveLength(1);
    expect(offlineAlerts()[0]!.state).not.toBe('raised');
  }, 60_000);

  it("is lost itself (its last will, with its home): the receiver's device is unavailable past the grace", async () => {
    const clock = new FakeClock(T0);
    await startHub(clock);
    clock.advanceBy(START_GRACE_MS);
    const watcher = await connect();
    const seen: string[] = [];
    watcher.on('message', (_topic, payload) => seen.push(payload.toString()));
    await watcher.subscribeAsync('telecare/bridge/rx1/status', { qos: 1 });
    const will = { state: 'offline', name: 'rx1', homeId: 'h1', reason: 'bridge-lost' };
    const bridge = await connect({
      clientId: 'telecare-bridge-rx1-0003',
      will: { topic: 'telecare/bridge/rx1/status', payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
    });
    await status(bridge, 'online', 'open');
    bridge.stream.destroy(); // the bridge's process killed: the broker publishes its will (the hub reads it first)
    for (let i = 0; i < 200 && !seen.some((s) => s.includes('bridge-lost')); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS);
    expect(offlineAlerts()).toEqual([expect.objectContaining({ state: 'raised' })]);
  }, 60_000);

  it('is back within the grace: nothing is raised', async () => {
    const clock = new FakeClock(T0);
    await startHub(clock);
    clock.advanceBy(START_GRACE_MS);
    const bridge = await connect({ clientId: 'telecare-bridge-rx1-0002' });
    await status(bridge, 'offline', 'closed');
    clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS / 2);
    await status(bridge, 'online', 'open');
    clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS * 2);
    expect(offlineAlerts()).toEqual([]);
  }, 60_000);

  it("is not believed from a credential that may not send that home's events", async () => {
    const clock = new FakeClock(T0);
    await startHub(clock);
    clock.advanceBy(START_GRACE_MS);
    const other = await connect({ ...OTHER_BRIDGE, clientId: 'telecare-bridge-other' });
    await status(other, 'offline', 'closed');
    clock.advanceBy(BRIDGE_OFFLINE_GRACE_MS * 2);
    expect(offlineAlerts()).toEqual([]);
  }, 60_000);
});
