// What a 1,000-home hub's peak is kept from holding (issue 13, memory): mqtt-packet's packet-id cache.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';

// The module aedes and mqtt.js write packets with keeps its cache here: one 2-byte Buffer per packet id once built.
const numbers = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('memorypeak');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("mqtt-packet's packet-id cache", () => {
  it('is never built: a press and its alert go both ways at QoS 1 with their packet ids, and no id is cached', async () => {
    // Each test file runs in a process of its own: nothing has written an MQTT packet in it yet.
    expect(Object.keys(numbers.cache)).toHaveLength(0);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const port = hub.ports.mqtt ?? 0;
    const subscriber = await mqttClient(port);
    const pendant = await mqttClient(port);
    try {
      await subscriber.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
      const alert = nextMessage(subscriber, (topic) => topic.startsWith('telecare/h1/alerts/'));
      // Resolves on the hub's PUBACK carrying this publish's packet id; the alert comes back as a QoS 1 PUBLISH.
      const sent = await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', {
        qos: 1,
      });
      expect(sent?.messageId).toBeGreaterThan(0);
      const { payload } = await alert;
      expect(JSON.parse(payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised' });
    } finally {
      await Promise.all([subscriber.endAsync(), pendant.endAsync()]);
    }
    // Built on the first packet written, the cache would hold all 65,536 ids (6.7 MB of old space) from then on.
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  });
});
