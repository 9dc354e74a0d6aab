// Embedded broker: what a stored publication waits on (aedes's callback, or the message too for a hub subscription).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmbeddedBroker, SensorIntake } from '../../hub/broker.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { mqttClient } from './helpers.js';
import { brokerPerTest, heldBatch } from '../support/embedded-broker.js';

const t = brokerPerTest('broker-awaiting');
const clients = t.clients;
let metrics: ReturnType<typeof createMetricsRegistry>;

beforeEach(() => {
  metrics = createMetricsRegistry();
});

function startBroker(intake: SensorIntake): Promise<EmbeddedBroker> {
  return t.start({ intake, metrics });
}

describe('a stored publication', () => {
  it('reaches a hub subscription on its topic only once stored, and is acknowledged only then', async () => {
    const batch = heldBatch();
    const taken: string[] = [];
    const running = await startBroker((topic) => {
      taken.push(topic);
      return batch.promise;
    });
    const seen: { topic: string; payload: string; clientId: string | undefined }[] = [];
    running.subscribe('telecare/+/devices/+/events', (topic, payload, context) =>
      seen.push({ topic, payload: payload.toString(), clientId: context.clientId }),
    );
    const sensor = await mqttClient(running.port, { clientId: 'sensor-a' });
    clients.push(sensor);
    let acked = false;
    const sent = sensor
      .publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 })
      .then(() => {
        acked = true;
      });
    await vi.waitFor(() => expect(taken).toEqual(['telecare/h1/devices/p1/events']), { timeout: 15_000, interval: 20 });
    // Taken in, not stored yet: neither the subscription nor the sender has heard anything.
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    expect(acked).toBe(false);
    batch.resolve();
    await sent;
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 15_000, interval: 20 });
    expect(seen[0]).toEqual({
      topic: 'telecare/h1/devices/p1/events',
      payload: '{"type":"pendant","value":true}',
      clientId: 'sensor-a',
    });
  });

  it('with no hub subscription on its topic: acknowledged once stored, in the order sent with a refused one', async () => {
    const batch = heldBatch();
    const taken: string[] = [];
    const running = await startBroker((topic) => {
      taken.push(topic);
      return batch.promise;
    });
    const alerts: string[] = [];
    // The hub's one subscription in production: not on sensor topics.
    running.subscribe('telecare/+/alerts/+/ack', (topic) => alerts.push(topic));
    const sensor = await mqttClient(running.port, { clientId: 'sensor-b' });
    clients.push(sensor);
    const acks: string[] = [];
    const first = sensor
      .publishAsync('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 })
      .then(() => acks.push('stored'));
    // A topic reserved for the hub: refused, acknowledged and discarded, its PUBACK behind the stored one's (MQTT 4.6).
    const second = sensor.publishAsync('telecare/h1/reserved', 'x', { qos: 1 }).then(() => acks.push('refused'));
    await vi.waitFor(
      async () =>
        expect(await metrics.metrics()).toMatch(/^telecare_mqtt_refused_total\{reason="publish-denied"\} 1$/m),
      { timeout: 15_000, interval: 20 },
    );
    expect(taken).toEqual(['telecare/h1/devices/hall-pir/events']);
    expect(acks).toEqual([]);
    batch.resolve();
    await Promise.all([first, second]);
    expect(acks).toEqual(['stored', 'refused']);
    expect(alerts).toEqual([]);
  });

  it('whose storage fails is never acknowledged: the connection drops and nothing reaches a hub subscription', async () => {
    const batch = heldBatch();
    const taken: string[] = [];
    const running = await startBroker((topic) => {
      taken.push(topic);
      return batch.promise;
    });
    const seen: string[] = [];
    running.subscribe('telecare/+/devices/+/events', (topic) => seen.push(topic));
    const sensor = await mqttClient(running.port, { clientId: 'sensor-c' });
    clients.push(sensor);
    let acked = false;
    void sensor
      .publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 })
      .then(() => {
        acked = true;
      })
      .catch(() => undefined);
    const closed = new Promise<void>((resolve) => sensor.once('close', () => resolve()));
    await vi.waitFor(() => expect(taken).toHaveLength(1), { timeout: 15_000, interval: 20 });
    batch.reject(new Error('disk full'));
    await closed;
    expect(acked).toBe(false);
    expect(seen).toEqual([]);
  });
});
