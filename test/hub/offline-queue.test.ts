// Embedded broker: QoS 1 messages are still queued for an offline persistent session, though the lookup is skipped until one exists.
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('offline-queue');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An anonymous client from loopback (role `local`: it may read alerts and sensor data), connected. */
async function connect(clientId: string, clean: boolean): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub?.ports.mqtt ?? 0}`, {
    clientId,
    clean,
    reconnectPeriod: 0,
  });
  clients.push(client);
  return client;
}

function received(client: MqttClient): { topic: string; payload: string }[] {
  const seen: { topic: string; payload: string }[] = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  return seen;
}

const pirTopic = 'telecare/h1/devices/hall-pir/events';
const pendantTopic = 'telecare/h1/devices/p1/events';

describe('offline queue of the embedded broker', () => {
  it('delivers live messages before any persistent session, and queues sensor events and alerts for one while it is away', async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const sensor = await connect('sensor', true);

    // No persistent session yet: a live clean subscriber gets the sensor events (the lookup skipped changes nothing).
    const live = await connect('live-console', true);
    const liveSeen = received(live);
    await live.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });
    await sensor.publishAsync(pirTopic, JSON.stringify({ type: 'motion', value: true }), { qos: 1 });
    await vi.waitFor(() => expect(liveSeen.map((m) => m.topic)).toEqual([pirTopic]), { timeout: 15_000, interval: 20 });

    // A persistent session subscribes at QoS 1, then goes away.
    const away = await connect('responder-console', false);
    await away.subscribeAsync(['telecare/+/alerts/+', 'telecare/+/devices/+/events'], { qos: 1 });
    await away.endAsync();

    // While it is away: a motion event and a pendant press, whose alert the hub publishes.
    await sensor.publishAsync(pirTopic, JSON.stringify({ type: 'motion', value: false }), { qos: 1 });
    await sensor.publishAsync(pendantTopic, JSON.stringify({ type: 'pendant', value: true }), { qos: 1 });
    await vi.waitFor(() => expect(liveSeen).toHaveLength(3), { timeout: 15_000, interval: 20 });

    // Back with the same session: everything published while it was away arrives, the alert included.
    const back = mqtt.connect(`mqtt://127.0.0.1:${hub.ports.mqtt}`, {
      clientId: 'responder-console',
      clean: false,
      reconnectPeriod: 0,
    });
    clients.push(back);
    const backSeen = received(back);
    await vi.waitFor(
      () => {
        const topics = backSeen.map((m) => m.topic);
        expect(topics).toEqual(expect.arrayContaining([pirTopic, pendantTopic]));
        expect(topics.some((t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t))).toBe(true);
      },
      { timeout: 15_000, interval: 20 },
    );
    const pir = backSeen.find((m) => m.topic === pirTopic);
    expect(JSON.parse(pir?.payload ?? '{}')).toEqual({ type: 'motion', value: false });
  });
});
