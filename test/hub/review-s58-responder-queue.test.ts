// Review, session 58: a responder's app with a persistent session (clean = false) subscribed to `telecare/#` (allowed:
// a responder may subscribe to any filter, and each delivery is checked) never got an alert raised while it was away.
// The embedded broker queued for its session every sensor event on the filter, events a responder may not read and
// that were never sent to it (the check is made at delivery): they filled the session's bound (10,000 by default,
// eight minutes of a 200-flat scheme), and the alert that came next was dropped as over the bound. Back, the app got
// nothing: not the events (not for it), not the alert, and not its retained copy (a session kept is not subscribed
// again, so retained messages are not sent again). Now a message the away session's user may not read is not queued
// for it. A real aedes (EmbeddedBroker) on an ephemeral port, real mqtt clients, a responder's credential.
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
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

let dir: string;
let db: Database.Database;
let broker: EmbeddedBroker | undefined;
const clients: MqttClient[] = [];
/** A small bound, as `offlineQueueMax` allows: the default's 10,000 events take longer to publish, nothing else. */
const MAX = 5;
const PASSWORD = 'responder-app-password';

beforeEach(() => {
  dir = tempDir('responder-queue');
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
  const config = parseHubConfig({
    ...ONE_HOME_CONFIG,
    mqttUsers: [{ username: 'resp1', passwordHash: lowCostHash(PASSWORD), role: 'responder' }],
  });
  broker = new EmbeddedBroker({
    port: 0,
    host: '127.0.0.1',
    credentials: new MqttCredentials(db, config),
    access: new MqttAccess(new DeviceIndex(config), config.hub.zigbeeBaseTopic),
    intake: () => undefined,
    logger: createLogger({ level: 'error', destination: new Writable({ write: (_c, _e, done) => done() }) }),
    metrics: createMetricsRegistry(),
    offlineQueueMax: MAX,
  });
  await broker.start();
  return broker;
}

/** The responder's app, its persistent session connected; `topics` collects the topic of each message it gets. */
async function responderApp(topics: string[]): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${broker!.port}`, {
    clientId: 'responder-phone',
    clean: false,
    reconnectPeriod: 0,
    username: 'resp1',
    password: PASSWORD,
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

describe("a responder's persistent session while its app is away", () => {
  it('still gets the alert raised meanwhile, however many sensor events came', async () => {
    await startBroker();
    const sensor = await mqttClient(broker!.port, { clientId: 'sensor' });
    clients.push(sensor);
    const topics: string[] = [];
    const app = await responderApp(topics);
    await app.subscribeAsync('telecare/#', { qos: 1 });
    await app.endAsync();

    // Away: the home's sensors report (more than the bound), then a pendant alert is published by the hub.
    for (let n = 0; n < MAX + 5; n++)
      await sensor.publishAsync(
        'telecare/h1/devices/hall-pir/events',
        JSON.stringify({ type: 'motion', value: true }),
        {
          qos: 1,
        },
      );
    const alertTopic = 'telecare/h1/alerts/0mwt3jnpc-4fac851615';
    await broker!.publish(alertTopic, JSON.stringify({ id: '0mwt3jnpc-4fac851615', kind: 'pendant' }), {
      qos: 1,
      retain: true,
    });
    // Only what the responder may read waits for it (before the fix: the bound, full of sensor events).
    await vi.waitFor(() => expect(broker!.describe().persistentSessionQueued).toBe(1), {
      timeout: 5_000,
      interval: 20,
    });

    // Back (the session kept): the alert arrives.
    await responderApp(topics);
    await vi.waitFor(() => expect(topics).toContain(alertTopic), { timeout: 15_000, interval: 20 });
    expect(topics.filter((t) => t.includes('/devices/'))).toEqual([]);
  });
});
