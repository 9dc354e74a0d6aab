// An external mosquitto restarted without persistence: the hub restates open alerts and warns that its session is gone.
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { createLogger } from '../../hub/logger.js';
import { waitFor } from '../alerts/helpers.js';
import { ONE_HOME_CONFIG, freePort, mqttClient, nextMessage, tempDir } from './helpers.js';

let dir: string;
let mosquitto: Mosquitto | undefined;
let brokerPort: number;
let hub: RunningHub | undefined;

// Mosquitto's default: no persistence, so a restart loses retained messages and sessions.
const startBroker = async (): Promise<void> => {
  mosquitto = await startMosquitto(dir, { port: brokerPort, extraConfig: ['set_tcp_nodelay true'] });
};

beforeEach(async () => {
  dir = tempDir('brokerrestart');
  brokerPort = await freePort();
  await startBroker();
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  await mosquitto?.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('an external broker that restarts', () => {
  it('gets the open alert retained again after each restart, and the hub warns that its session was lost', async () => {
    const logLines = new PassThrough();
    let log = '';
    logLines.on('data', (d: Buffer) => (log += d.toString()));
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
      mqttUrl: `mqtt://127.0.0.1:${brokerPort}`,
      logger: createLogger({ level: 'info', destination: logLines }),
    });
    const sensor = await mqttClient(brokerPort);
    const responder = await mqttClient(brokerPort);
    const raised = nextMessage(responder, (t) => t.startsWith('telecare/h1/alerts/'));
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    const alertTopic = (await raised).topic;
    await Promise.all([sensor.endAsync(), responder.endAsync()]);

    for (let restart = 1; restart <= 2; restart++) {
      await mosquitto?.kill();
      await startBroker();
      // A console connecting after the restart finds the open alert retained.
      await waitFor(
        () => (log.match(/connected to external mqtt broker/g) ?? []).length > restart,
        'the hub to reconnect',
        20_000,
      );
      const console = await mqttClient(brokerPort);
      const retained = nextMessage(console, (t) => t === alertTopic);
      await console.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
      const { payload } = await retained;
      expect(JSON.parse(payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised' });
      await console.endAsync();
    }
    expect(log.match(/external broker lost the hub session/g)).toHaveLength(2);
  }, 90_000);
});
