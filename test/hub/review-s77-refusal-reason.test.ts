// Review, session 77: a sensor set up to publish on `telecare/h1/pendant/events` (the `devices/` level left out) had
// every press acknowledged and discarded, and the hub's log said only "mqtt publish refused: acknowledged and
// discarded": nothing of the topic the hub reads, nor of why. Each refusal's line now says why, in words an installer
// can act on: the topic the hub reads, or the home the credential does not cover, or that the topic is the hub's own.
// The real hub in this process (embedded broker on an ephemeral port), real mqtt clients, its log read as JSON lines.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { lowCostHash } from '../support/low-cost-hash.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';
import { capturingLogger } from '../support/captured-log.js';

const DEVICE = { username: 'dev-h1', password: 'device-h1-secret' };
const PRESS = '{"type":"pendant","value":true}';

let dir: string;
let hub: RunningHub | undefined;
let logLines: string[];
const clients: MqttClient[] = [];

beforeEach(async () => {
  dir = tempDir('refusal-reason');
  logLines = [];
  const config = parseHubConfig({
    homes: [
      ...ONE_HOME_CONFIG.homes,
      { id: 'h2', timezone: 'Europe/London', residents: [{ id: 'r2' }], devices: [{ id: 'p2', kind: 'pendant' }] },
    ],
    mqttUsers: [
      { username: DEVICE.username, passwordHash: lowCostHash(DEVICE.password), role: 'device', homes: ['h1'] },
    ],
  });
  hub = await startTestHub(config, dir, { logger: capturingLogger(logLines) });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Publishes `topic` on a connection of its own, then a message the client may send: once acknowledged, all handled. */
async function refusedOnce(topic: string, options: Parameters<typeof mqttClient>[1] = {}): Promise<string> {
  const client = await mqttClient(hub!.ports.mqtt!, options);
  clients.push(client);
  await client.publishAsync(topic, PRESS, { qos: 1 });
  await client.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 });
  const lines = logLines
    .map((l) => JSON.parse(l) as { msg: string; topic?: string; reason?: string })
    .filter((l) => l.msg.startsWith('mqtt publish refused') && l.topic === topic);
  expect(lines).toHaveLength(1);
  return lines[0]!.reason ?? '(no reason)';
}

it('says which topic the hub reads when a sensor publishes on a telecare/ topic it does not', async () => {
  expect(await refusedOnce('telecare/h1/pendant/events')).toBe(
    'not a topic the hub reads: sensor events go to telecare/<homeId>/devices/<deviceId>/events (SPEC 4.1); ' +
      'other telecare/ topics are the hub\u2019s own',
  );
  // Nothing of it was taken: no alert, no event stored (the heartbeat after it is).
  expect(hub!.alerts.list({})).toEqual([]);
  expect(hub!.store.eventsAfter(0).map((e) => e.type)).toEqual(['heartbeat']);
});

it("names the home a device's credential does not cover, and the hub's own topics", async () => {
  expect(await refusedOnce('telecare/h2/devices/p2/events', { ...DEVICE, clientId: 'dev-a' })).toBe(
    'home "h2" is not among this credential\u2019s (homes h1)',
  );
  expect(await refusedOnce('telecare/h1/alerts/forged', { ...DEVICE, clientId: 'dev-b' })).toBe(
    'only the hub itself publishes on this topic',
  );
  expect(await refusedOnce('lights/kitchen', { ...DEVICE, clientId: 'dev-c' })).toBe(
    'a device credential may not publish on this topic',
  );
});
