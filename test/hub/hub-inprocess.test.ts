// The hub started in-process with real parts (aedes on an ephemeral port, real mqtt clients, SQLite in a temp folder).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { TEST_ADMIN_PASSWORD, startTestHub } from '../support/in-process-hub.js';
import { FakeClock } from '../../hub/clock.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

let dir: string;
let hub: RunningHub | undefined;
let announced: string[];

const RESPONDER_PASSWORD = 'responder-secret-1';

/**
 * The two configured users' password hashes, made once for the file at a small cost (`lowCostHash`): the hub is started
 * thirteen times here and checks each login at the stored cost. What the tests exercise is the hub checking logins
 * against them, not the hashing.
 */
const [responderHash, sensorHash] = [lowCostHash(RESPONDER_PASSWORD), lowCostHash('sensor-secret')];

async function start(): Promise<RunningHub> {
  const config = parseHubConfig({
    ...ONE_HOME_CONFIG,
    mqttUsers: [
      { username: 'resp1', passwordHash: responderHash, role: 'responder' },
      { username: 'sensor1', passwordHash: sensorHash, role: 'device', homes: ['h1'] },
    ],
  });
  hub = await startTestHub(config, dir, { announce: (line) => announced.push(line) });
  return hub;
}

beforeEach(() => {
  dir = tempDir('hubin');
  announced = [];
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Publications the embedded broker refused so far (each acknowledged and discarded). */
async function publishRefusals(): Promise<number> {
  const metric = await hub!.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'publish-denied')?.value ?? 0;
}

describe('hub in-process', () => {
  it('a Zigbee2MQTT {"occupancy":true,"battery":87} on zigbee2mqtt/hall_pir is stored as motion and battery of home h1, hall', async () => {
    const { ports, store } = await start();
    const z2m = await mqttClient(ports.mqtt!);
    await z2m.publishAsync('zigbee2mqtt/hall_pir', '{"occupancy":true,"battery":87,"linkquality":96}', { qos: 1 });
    await z2m.endAsync();
    expect(store.eventsAfter(0).map((e) => [e.homeId, e.deviceId, e.room, e.type, e.value, e.assigned])).toEqual([
      ['h1', 'hall-pir', 'hall', 'motion', true, true],
      ['h1', 'hall-pir', 'hall', 'battery', 87, true],
    ]);
  });

  it('creates the installer MQTT credential once, shows it once, stores only its hash', async () => {
    const first = await start();
    expect(announced.filter((l) => l.includes('MQTT installer credential'))).toHaveLength(1);
    const password = /password "([^"]+)"/.exec(announced.find((l) => l.includes('MQTT installer'))!)![1];
    const row = first.db.prepare("SELECT password_hash FROM mqtt_credentials WHERE username = 'installer'").get() as {
      password_hash: string;
    };
    // A generated secret (144 random bits): a fast salted hash, never the clear password.
    expect(row.password_hash).toMatch(/^sha256\$/);
    expect(row.password_hash).not.toContain(password);

    const installer = await mqttClient(first.ports.mqtt!, { username: 'installer', password });
    expect(installer.connected).toBe(true);
    await installer.endAsync();

    await first.stop();
    announced = [];
    hub = await start();
    expect(announced.filter((l) => l.includes('MQTT installer credential'))).toEqual([]);
  });

  it('refuses a client with a wrong password, even on loopback', async () => {
    const { ports } = await start();
    await expect(mqttClient(ports.mqtt!, { username: 'resp1', password: 'guess' })).rejects.toThrow(
      /[Bb]ad username or password/,
    );
    await expect(mqttClient(ports.mqtt!, { username: 'nobody', password: 'guess' })).rejects.toThrow(
      /[Bb]ad username or password/,
    );
  });

  it('lets nobody but the hub publish alerts: a forged alert is acknowledged, counted as refused and discarded', async () => {
    const { ports, alerts } = await start();
    const watcher = await mqttClient(ports.mqtt!);
    await watcher.subscribeAsync('#', { qos: 1 });
    const received: string[] = [];
    watcher.on('message', (topic) => received.push(topic));
    const before = await publishRefusals();
    const forger = await mqttClient(ports.mqtt!);
    await forger.publishAsync('telecare/h1/alerts/fake', '{"kind":"pendant"}', { qos: 1, retain: true });
    expect(await publishRefusals()).toBe(before + 1);
    expect(forger.connected).toBe(true);
    // A legitimate message afterwards on the same connection arrives, the forged one never did.
    const marker = nextMessage(watcher, (t) => t === 'telecare/h1/devices/p1/events');
    await forger.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 });
    await marker;
    expect(received.filter((t) => t.includes('alerts') || t.startsWith('$'))).toEqual([]);
    expect(alerts.list({ state: 'open' })).toEqual([]);
    await Promise.all([watcher.endAsync(), forger.endAsync()]);
  });

  it('a device credential may publish events but not subscribe to alerts', async () => {
    const { ports, store } = await start();
    const device = await mqttClient(ports.mqtt!, { username: 'sensor1', password: 'sensor-secret' });
    await expect(device.subscribeAsync('telecare/+/alerts/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await device.publishAsync('telecare/h1/devices/front/events', '{"type":"contact","value":false}', { qos: 1 });
    expect(store.eventsAfter(0)).toHaveLength(1);
    await device.endAsync();
  });

  it('a responder acknowledges an alert on its ack topic; an anonymous client cannot', async () => {
    const { ports, alerts } = await start();
    const responder = await mqttClient(ports.mqtt!, { username: 'resp1', password: RESPONDER_PASSWORD });
    await responder.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
    const raised = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t));
    const local = await mqttClient(ports.mqtt!);
    await local.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    const alert = JSON.parse((await raised).payload.toString()) as { id: string };

    const before = await publishRefusals();
    await local.publishAsync(`telecare/h1/alerts/${alert.id}/ack`, '{}', { qos: 1 });
    expect(await publishRefusals()).toBe(before + 1);
    await local.endAsync();
    expect(alerts.get(alert.id)?.state).toBe('raised');

    const answered = nextMessage(responder, (t) => t.endsWith('/ack/result'));
    await responder.publishAsync(`telecare/h1/alerts/${alert.id}/ack`, '{}', { qos: 1 });
    expect(JSON.parse((await answered).payload.toString())).toMatchObject({ ok: true, state: 'acknowledged' });
    expect(alerts.get(alert.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'resp1' });
    await responder.endAsync();
  });

  it('drops a client announcing a 1 MB packet before buffering it, and carries on', async () => {
    const { ports, store } = await start();
    const greedy = await mqttClient(ports.mqtt!);
    const closed = new Promise<void>((resolve) => greedy.once('close', () => resolve()));
    greedy.publish('telecare/h1/devices/p1/events', Buffer.alloc(1024 * 1024, 0x20), { qos: 1 });
    await closed;
    greedy.end(true);
    const polite = await mqttClient(ports.mqtt!);
    await polite.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 });
    expect(store.eventsAfter(0)).toMatchObject([{ type: 'heartbeat' }]);
    await polite.endAsync();
    // The refused packet is counted as rejected input, like any other.
    const rejected = await hub!.metrics.getSingleMetric('telecare_ingest_rejected_total')!.get();
    expect(rejected.values.find((v) => v.labels.reason === 'too-large')?.value).toBe(1);
  });

  it('POST /api/events stores the event before answering, and a pendant press raises its alert', async () => {
    const { app, store, alerts } = await start();
    const login = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'admin', password: TEST_ADMIN_PASSWORD },
    });
    const cookie = login.headers['set-cookie'];
    const cookies = (Array.isArray(cookie) ? cookie : [cookie ?? '']).map((c) => c.split(';')[0]).join('; ');
    const posted = await app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: cookies },
      payload: { homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true },
    });
    expect(posted.statusCode).toBe(202);
    expect(store.eventsAfter(0)).toMatchObject([{ deviceId: 'p1', type: 'pendant', source: 'http' }]);
    expect(alerts.list({ state: 'open' })).toMatchObject([{ kind: 'pendant', homeId: 'h1' }]);
    const refused = await app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: cookies },
      payload: { homeId: 'h1', deviceId: 'p1', type: 'teleport', value: 1 },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'unknown-type' });
  });

  it('snapshots the rules engine with the id of the last event it saw, and restores it on restart', async () => {
    const first = await start();
    const sender = await mqttClient(first.ports.mqtt!);
    for (let i = 0; i < 5; i++)
      await sender.publishAsync('telecare/h1/devices/front/events', `{"type":"contact","value":${i % 2 === 0}}`, {
        qos: 1,
      });
    await sender.endAsync();
    await first.stop();
    const db = openHubDatabase(path.join(dir, 'data', 'hub.db'));
    const store = new EventStore(db, new FakeClock());
    expect(store.loadRuleState('rules-engine')?.lastEventId).toBe(5);
    // The store holds the WAL's descriptor (and a checkpoint thread) until closed, not until the database is.
    store.close();
    db.close();
  });

  it('a pendant press stored but not yet seen by the rules when the hub died raises its alert on restart', async () => {
    await (await start()).stop();
    // What a kill -9 between the commit and the rules leaves behind: a stored event after the snapshot.
    const db = openHubDatabase(path.join(dir, 'data', 'hub.db'));
    const store = new EventStore(db, new FakeClock());
    await store.append([
      {
        homeId: 'h1',
        deviceId: 'p1',
        type: 'pendant',
        value: true,
        ts: Date.now(),
        source: 'mqtt',
        room: 'living',
        kind: 'pendant',
        assigned: true,
      },
    ]);
    store.close();
    db.close();
    const again = await start();
    expect(again.alerts.list({ state: 'open' })).toMatchObject([{ homeId: 'h1', kind: 'pendant' }]);
    expect(again.store.loadRuleState('rules-engine')?.lastEventId).toBe(1);
  });
});
