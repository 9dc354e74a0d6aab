// HUB_MQTT_URL: the hub as a client of a real mosquitto started by the test, acknowledging only what it has stored.
import fs from 'node:fs';
import { afterEach, assert, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';

let dir: string;
let mosquitto: Mosquitto | undefined;
let brokerPort: number;
let hub: RunningHub | undefined;

/** The broker acknowledges the sender, and the hub raises alerts, before the hub's group commit: wait for it. */
const stored = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 15_000, interval: 20 });

async function start(): Promise<RunningHub> {
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { mqttUrl: `mqtt://127.0.0.1:${brokerPort}` });
  return hub;
}

beforeEach(async () => {
  dir = tempDir('extbroker');
  mosquitto = await startMosquitto(dir);
  brokerPort = mosquitto.port;
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  await mosquitto?.kill();
  mosquitto = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('hub with an existing broker (HUB_MQTT_URL)', () => {
  it('says it is online, stores what sensors publish there, and publishes the pendant alert there', async () => {
    const { store, ports } = await start();
    expect(ports.mqtt).toBeNull();
    const responder = await mqttClient(brokerPort);
    const status = nextMessage(responder, (t) => t === 'telecare/hub/status');
    await responder.subscribeAsync(['telecare/hub/status', 'telecare/+/alerts/#'], { qos: 1 });
    expect((await status).payload.toString()).toBe('online');

    const sensor = await mqttClient(brokerPort);
    const acks = [];
    for (let i = 0; i < 50; i++)
      acks.push(sensor.publishAsync('zigbee2mqtt/hall_pir', `{"occupancy":${i % 2 === 0}}`, { qos: 1 }));
    await Promise.all(acks);
    const alert = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t));
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({ kind: 'pendant', homeId: 'h1' });
    await stored(() => expect(store.eventsAfter(0).filter((e) => e.deviceId === 'hall-pir')).toHaveLength(50));

    const offline = nextMessage(responder, (t) => t === 'telecare/hub/status');
    await hub!.stop();
    hub = undefined;
    expect((await offline).payload.toString()).toBe('offline');
    await Promise.all([responder.endAsync(), sensor.endAsync()]);
  });

  it('keeps its session: QoS 1 events sent while the hub was down are stored when it comes back', async () => {
    await (await start()).stop();
    hub = undefined;
    const sensor = await mqttClient(brokerPort);
    for (let i = 0; i < 20; i++)
      await sensor.publishAsync('telecare/h1/devices/front/events', `{"type":"contact","value":${i % 2 === 0}}`, {
        qos: 1,
      });
    await sensor.endAsync();

    const { store } = await start();
    await stored(() => expect(store.eventsAfter(0)).toHaveLength(20));
  });

  it('takes a retained pendant press once: restarts do not store it again or raise a new alert (issue 12 item 4)', async () => {
    const first = await start();
    const sensor = await mqttClient(brokerPort);
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', {
      qos: 1,
      retain: true,
    });
    await sensor.endAsync();
    await stored(() => expect(first.store.eventsAfter(0).filter((e) => e.type === 'pendant')).toHaveLength(1));
    await stored(() => expect(first.alerts.list({ state: 'open' })).toHaveLength(1));
    const [alert] = first.alerts.list({ state: 'open' });
    assert.isDefined(alert);
    expect(first.alerts.resolve(alert.id, 'false-alarm', null, 'test').ok).toBe(true);
    await first.stop();
    hub = undefined;

    for (let restart = 0; restart < 2; restart++) {
      const again = await start();
      // A marker sent after the hub subscribed: once it is stored, any retained delivery came before it.
      const marker = await mqttClient(brokerPort);
      await marker.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 });
      await marker.endAsync();
      await stored(() =>
        expect(again.store.eventsAfter(0).filter((e) => e.type === 'heartbeat')).toHaveLength(restart + 1),
      );
      expect(again.store.eventsAfter(0).filter((e) => e.type === 'pendant')).toHaveLength(1);
      expect(again.alerts.list({}).filter((a) => a.kind === 'pendant')).toHaveLength(1);
      await again.stop();
      hub = undefined;
    }
  });
});
