// Review, session 34: a persistent session (clean = false) whose client never comes back kept every QoS 1 message it
// had subscribed to in the hub's memory, for the life of the process (aedes's in-memory queue has no bound). Now it
// holds at most `offlineQueueMax` (as Mosquitto's max_queued_messages); the rest are dropped for it and counted.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedBroker } from '../../hub/broker.js';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import { createLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { MqttAccess, MqttCredentials } from '../../hub/mqtt-auth.js';
import type { Registry } from 'prom-client';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let db: Database.Database;
let broker: EmbeddedBroker | undefined;
let metrics: Registry;
const clients: MqttClient[] = [];
const MAX = 5;
const TOPIC = 'telecare/h1/devices/hall-pir/events';

beforeEach(() => {
  dir = tempDir('offline-bound');
  db = new Database(path.join(dir, 'hub.db'));
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await broker?.stop();
  broker = undefined;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startBroker(totalMax?: number): Promise<EmbeddedBroker> {
  const config = parseHubConfig(ONE_HOME_CONFIG);
  metrics = createMetricsRegistry();
  broker = new EmbeddedBroker({
    port: 0,
    host: '127.0.0.1',
    credentials: new MqttCredentials(db, config),
    access: new MqttAccess(new DeviceIndex(config), config.hub.zigbeeBaseTopic),
    intake: () => undefined,
    logger: createLogger({ level: 'error', destination: new Writable({ write: (_c, _e, done) => done() }) }),
    metrics,
    offlineQueueMax: MAX,
    ...(totalMax === undefined ? {} : { offlineQueueTotalMax: totalMax }),
  });
  await broker.start();
  return broker;
}

async function dropped(): Promise<number> {
  const metric = await metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'offline-queue-full')?.value ?? 0;
}

/** The persistent session `clientId`, connected; `seen` collects the `n` of each event it receives. */
async function session(seen: number[], clientId = 'away'): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${broker!.port}`, {
    clientId,
    clean: false,
    reconnectPeriod: 0,
  });
  clients.push(client);
  client.on('message', (_topic, payload) => seen.push((JSON.parse(payload.toString()) as { n: number }).n));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

async function publish(sensor: MqttClient, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++)
    await sensor.publishAsync(TOPIC, JSON.stringify({ type: 'motion', value: true, n }), { qos: 1 });
}

describe('the queue of a persistent session whose client is away', () => {
  it('holds at most offlineQueueMax messages, counts the rest, and has room again once they are delivered', async () => {
    await startBroker();
    const sensor = await mqttClient(broker!.port, { clientId: 'sensor' });
    clients.push(sensor);

    const first: number[] = [];
    const away = await session(first);
    await away.subscribeAsync(TOPIC, { qos: 1 });
    await away.endAsync();

    // Away: MAX + 3 events; the first MAX are kept for it, the 3 beyond are dropped for it and counted.
    await publish(sensor, 0, MAX + 3);
    await vi.waitFor(async () => expect(await dropped()).toBe(3), { timeout: 15_000, interval: 20 });
    expect(broker!.describe().persistentSessionQueued).toBe(MAX);

    // Back: the kept ones arrive, and a live one published meanwhile (aedes may send it before the queue's end).
    const back = await session(first);
    await publish(sensor, 100, 1);
    await vi.waitFor(() => expect(first).toHaveLength(MAX + 1), { timeout: 15_000, interval: 20 });
    expect(first.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 100]);
    await back.endAsync();
    // Acknowledged, they leave the queue.
    await vi.waitFor(() => expect(broker!.describe().persistentSessionQueued).toBe(0), {
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
    const sensor = await mqttClient(broker!.port, { clientId: 'sensor' });
    clients.push(sensor);
    for (const id of ['first', 'second']) {
      const client = await session([], id);
      await client.subscribeAsync(TOPIC, { qos: 1 });
      await client.endAsync();
    }
    // Each event is queued for both while there is room: 7 copies in all, then none.
    await publish(sensor, 0, MAX);
    await vi.waitFor(async () => expect(await dropped()).toBe(2 * MAX - (MAX + 2)), { timeout: 15_000, interval: 20 });
    expect(broker!.describe().persistentSessionQueued).toBe(MAX + 2);
  });
});
