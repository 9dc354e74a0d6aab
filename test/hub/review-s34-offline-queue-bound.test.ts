// Review, session 34: a persistent session (clean = false) whose client never comes back kept every QoS 1 message it
// had subscribed to in the hub's memory, for the life of the process (aedes's in-memory queue has no bound). Now it
// holds at most `offlineQueueMax` (as Mosquitto's max_queued_messages); the rest are dropped for it and counted.
import type { MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import type { EmbeddedBroker } from '../../hub/broker.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { mqttClient, persistentSession } from './helpers.js';
import { brokerPerTest } from '../support/embedded-broker.js';

const t = brokerPerTest('offline-bound');
let metrics: Registry;
const MAX = 5;
const TOPIC = 'telecare/h1/devices/hall-pir/events';

function startBroker(totalMax?: number): Promise<EmbeddedBroker> {
  metrics = createMetricsRegistry();
  return t.start({
    metrics,
    offlineQueueMax: MAX,
    ...(totalMax === undefined ? {} : { offlineQueueTotalMax: totalMax }),
  });
}

async function dropped(): Promise<number> {
  const metric = await metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'offline-queue-full')?.value ?? 0;
}

/** The persistent session `clientId`, connected; `seen` collects the `n` of each event it receives. */
function session(seen: number[], clientId = 'away'): Promise<MqttClient> {
  return persistentSession(t.broker!.port, {
    clientId,
    clients: t.clients,
    onMessage: (_topic, payload) => seen.push((JSON.parse(payload.toString()) as { n: number }).n),
  });
}

async function publish(sensor: MqttClient, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++)
    await sensor.publishAsync(TOPIC, JSON.stringify({ type: 'motion', value: true, n }), { qos: 1 });
}

describe('the queue of a persistent session whose client is away', () => {
  it('holds at most offlineQueueMax messages, counts the rest, and has room again once they are delivered', async () => {
    await startBroker();
    const sensor = await mqttClient(t.broker!.port, { clientId: 'sensor' });
    t.clients.push(sensor);

    const first: number[] = [];
    const away = await session(first);
    await away.subscribeAsync(TOPIC, { qos: 1 });
    await away.endAsync();

    // Away: MAX + 3 events; the first MAX are kept for it, the 3 beyond are dropped for it and counted.
    await publish(sensor, 0, MAX + 3);
    await vi.waitFor(async () => expect(await dropped()).toBe(3), { timeout: 15_000, interval: 20 });
    expect(t.broker!.describe().persistentSessionQueued).toBe(MAX);

    // Back: the kept ones arrive, and a live one published meanwhile (aedes may send it before the queue's end).
    const back = await session(first);
    await publish(sensor, 100, 1);
    await vi.waitFor(() => expect(first).toHaveLength(MAX + 1), { timeout: 15_000, interval: 20 });
    expect(first.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 100]);
    await back.endAsync();
    // Acknowledged, they leave the queue.
    await vi.waitFor(() => expect(t.broker!.describe().persistentSessionQueued).toBe(0), {
      timeout: 15_000,
      interval: 20,
    });

    // Away again: MAX more are all kept.
    await publish(sensor, 200, MAX);
    const second: number[] = [];
    await session(second);
    await vi.waitFor(() => expect(second).toHaveLength(MAX), { timeout: 15_000, interval: 20 });
    expect(second).toEqual([200, 201, 202, 203, 204]);
    expect(await dropped()).toBe(3);
  });
});

describe('the queues of all persistent sessions together', () => {
  it('hold at most offlineQueueTotalMax messages: sessions made under new client ids cannot multiply the bound', async () => {
    await startBroker(MAX + 2);
    const sensor = await mqttClient(t.broker!.port, { clientId: 'sensor' });
    t.clients.push(sensor);
    for (const id of ['first', 'second']) {
      const client = await session([], id);
      await client.subscribeAsync(TOPIC, { qos: 1 });
      await client.endAsync();
    }
    // Each event is queued for both while there is room: 7 copies in all, then none.
    await publish(sensor, 0, MAX);
    await vi.waitFor(async () => expect(await dropped()).toBe(2 * MAX - (MAX + 2)), { timeout: 15_000, interval: 20 });
    expect(t.broker!.describe().persistentSessionQueued).toBe(MAX + 2);
  });
});
