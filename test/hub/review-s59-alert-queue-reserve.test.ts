// Review, session 59: a local program with a persistent session (clean = false) subscribed to `telecare/#` (Node-RED
// on the hub forwarding alerts to a carer's phone, which may read everything) lost the alert raised while it was
// away: sensor events filled its session's bound (10,000 by default, minutes of a busy scheme), and the alert that
// came next was dropped as over the bound. Back, its session kept, it was not subscribed again, so not sent the
// alert's retained copy either. Now an alert's topic has a reserve of its own past the bound
// (OFFLINE_QUEUE_ALERT_RESERVE); sensor events are still dropped at the bound and counted. A real aedes
// (EmbeddedBroker) on an ephemeral port, real mqtt clients.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedBroker } from '../../hub/broker.js';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import { createLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { MqttAccess, MqttCredentials } from '../../hub/mqtt-auth.js';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let db: Database.Database;
let broker: EmbeddedBroker | undefined;
let metrics: Registry;
const clients: MqttClient[] = [];
/** A small bound, as `offlineQueueMax` allows: the default's 10,000 events take longer to publish, nothing else. */
const MAX = 5;

beforeEach(() => {
  dir = tempDir('alert-reserve');
  db = new Database(path.join(dir, 'hub.db'));
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await broker?.stop();
  broker = undefined;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startBroker(): Promise<EmbeddedBroker> {
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
  });
  await broker.start();
  return broker;
}

async function dropped(): Promise<number> {
  const metric = await metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'offline-queue-full')?.value ?? 0;
}

/** The local program's persistent session, connected (anonymous, from loopback); `topics` collects what it gets. */
async function localProgram(topics: string[]): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${broker!.port}`, {
    clientId: 'node-red',
    clean: false,
    reconnectPeriod: 0,
  });
  clients.push(client);
  client.on('message', (topic, payload) => {
    if (payload.length > 0) topics.push(topic);
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

describe('a local persistent session on telecare/# while its program is away', () => {
  it('still gets the alert raised after sensor events filled its queue; the events past the bound are dropped', async () => {
    await startBroker();
    const sensor = await mqttClient(broker!.port, { clientId: 'sensor' });
    clients.push(sensor);
    const topics: string[] = [];
    const program = await localProgram(topics);
    await program.subscribeAsync('telecare/#', { qos: 1 });
    await program.endAsync();

    // Away: the home's sensors report past the bound, then the hub raises a pendant alert.
    for (let n = 0; n < MAX + 5; n++)
      await sensor.publishAsync(
        'telecare/h1/devices/hall-pir/events',
        JSON.stringify({ type: 'motion', value: true }),
        {
          qos: 1,
        },
      );
    await vi.waitFor(async () => expect(await dropped()).toBe(5), { timeout: 15_000, interval: 20 });
    const alertTopic = 'telecare/h1/alerts/0mwt3jnpc-4fac851615';
    await broker!.publish(alertTopic, JSON.stringify({ id: '0mwt3jnpc-4fac851615', kind: 'pendant' }), {
      qos: 1,
      retain: true,
    });
    // The alert is queued past the bound (before the fix: dropped as the sixth over it).
    await vi.waitFor(() => expect(broker!.describe().persistentSessionQueued).toBe(MAX + 1), {
      timeout: 5_000,
      interval: 20,
    });
    expect(await dropped()).toBe(5);

    // Back (the session kept, so no retained copy is sent): the queued events, then the alert.
    await localProgram(topics);
    await vi.waitFor(() => expect(topics).toContain(alertTopic), { timeout: 15_000, interval: 20 });
    expect(topics.filter((t) => t.includes('/devices/'))).toHaveLength(MAX);
  });
});
