// Review, session 35: a connection closed by a reload (its credential removed or changed, session 34) still had its last
// will published, under the rights it had logged in with: a device credential moved to another flat published its will
// into the old flat's topics after the move (here a will that presses the old flat's pendant).
import fs from 'node:fs';
import type net from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('will-revoked');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const PRESS_WILL = {
  topic: 'telecare/h1/devices/p1/events',
  payload: Buffer.from('{"type":"pendant","value":true}'),
  qos: 1 as const,
  retain: false,
};

async function connectWithWill(username: string, password: string): Promise<MqttClient> {
  const client = await mqttClient(hub!.ports.mqtt!, {
    username,
    password,
    clientId: `${username}-c`,
    will: PRESS_WILL,
  });
  clients.push(client);
  return client;
}

async function willsRevoked(): Promise<number> {
  const metric = await hub!.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'will-revoked')?.value ?? 0;
}

const pendantAlerts = (): number => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'pendant').length;

describe('the last will of a connection closed by a reload', () => {
  it('is not published: the credential it logged in with was revoked; a dropped connection’s will still is', async () => {
    const [moved, kept] = [lowCostHash('moved-secret'), lowCostHash('kept-secret')];
    const users = [
      { username: 'moved', passwordHash: moved, role: 'device' as const, homes: ['h1'] },
      { username: 'kept', passwordHash: kept, role: 'device' as const, homes: ['h1'] },
    ];
    const homes = [
      ...ONE_HOME_CONFIG.homes,
      { id: 'h2', timezone: 'Europe/London', residents: [{ id: 'r2' }], devices: [{ id: 'p2', kind: 'pendant' }] },
    ];
    hub = await startTestHub(parseHubConfig({ homes, mqttUsers: users }), dir);
    const movedDevice = await connectWithWill('moved', 'moved-secret');
    const keptDevice = await connectWithWill('kept', 'kept-secret');
    let movedClosed = false;
    movedDevice.on('close', () => (movedClosed = true));

    // The flat is re-let: the device credential moves to h2; the reload closes its connection.
    hub.reload(parseHubConfig({ homes, mqttUsers: [{ ...users[0]!, homes: ['h2'] }, users[1]!] }));
    // Either its will is refused (counted) or, as before, published: the old flat's pendant alert.
    let revoked = 0;
    await waitFor(() => movedClosed, 'the moved credential’s connection to close');
    for (let i = 0; i < 1500 && revoked === 0 && pendantAlerts() === 0; i++) {
      revoked = await willsRevoked();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(pendantAlerts()).toBe(0);
    expect(revoked).toBe(1);

    // The guard: a connection that drops (not revoked) still has its will published, under its rights.
    (keptDevice.stream as net.Socket).destroy();
    await waitFor(() => pendantAlerts() === 1, 'the dropped connection’s will to press the pendant');
    expect(await willsRevoked()).toBe(1);
  }, 60_000);
});
