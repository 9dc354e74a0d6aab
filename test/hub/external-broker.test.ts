// HUB_MQTT_URL: the hub as a client of a real mosquitto started by the test, acknowledging only what it has stored.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import { startHub, type RunningHub } from '../../hub/hub.js';
import { silentLogger } from '../../hub/logger.js';
import { ONE_HOME_CONFIG, freePort, mqttClient, nextMessage, tempDir } from './helpers.js';

let dir: string;
let mosquitto: ChildProcess | undefined;
let brokerPort: number;
let hub: RunningHub | undefined;

async function startMosquitto(): Promise<void> {
  brokerPort = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${brokerPort} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  mosquitto = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const probe = await mqttClient(brokerPort);
      await probe.endAsync();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('mosquitto did not start');
}

async function start(): Promise<RunningHub> {
  hub = await startHub({
    config: parseHubConfig(ONE_HOME_CONFIG),
    dataDir: path.join(dir, 'data'),
    httpPort: 0,
    host: '127.0.0.1',
    mqttUrl: `mqtt://127.0.0.1:${brokerPort}`,
    adminPassword: 'admin-password-for-tests',
    logger: silentLogger,
    announce: () => undefined,
  });
  return hub;
}

beforeEach(async () => {
  dir = tempDir('extbroker');
  await startMosquitto();
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  if (mosquitto?.pid) {
    mosquitto.kill('SIGKILL');
    await new Promise((resolve) => mosquitto!.once('exit', resolve));
  }
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
    expect(store.eventsAfter(0).filter((e) => e.deviceId === 'hall-pir')).toHaveLength(50);

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
    for (let attempt = 0; attempt < 100 && store.eventsAfter(0).length < 20; attempt++)
      await new Promise((r) => setTimeout(r, 50));
    expect(store.eventsAfter(0)).toHaveLength(20);
  });

  it('takes a retained pendant press once: restarts do not store it again or raise a new alert (issue 12 item 4)', async () => {
    const first = await start();
    const sensor = await mqttClient(brokerPort);
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', {
      qos: 1,
      retain: true,
    });
    await sensor.endAsync();
    expect(first.store.eventsAfter(0).filter((e) => e.type === 'pendant')).toHaveLength(1);
    const alertId = first.alerts.list({ state: 'open' })[0].id;
    expect(first.alerts.resolve(alertId, 'false-alarm', null, 'test').ok).toBe(true);
    await first.stop();
    hub = undefined;

    for (let restart = 0; restart < 2; restart++) {
      const again = await start();
      // A marker sent after the hub subscribed: once it is stored, any retained delivery came before it.
      const marker = await mqttClient(brokerPort);
      await marker.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 });
      await marker.endAsync();
      for (
        let attempt = 0;
        attempt < 100 && again.store.eventsAfter(0).filter((e) => e.type === 'heartbeat').length <= restart;
        attempt++
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(again.store.eventsAfter(0).filter((e) => e.type === 'heartbeat')).toHaveLength(restart + 1);
      expect(again.store.eventsAfter(0).filter((e) => e.type === 'pendant')).toHaveLength(1);
      expect(again.alerts.list({}).filter((a) => a.kind === 'pendant')).toHaveLength(1);
      await again.stop();
      hub = undefined;
    }
  });
});
