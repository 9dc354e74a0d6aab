// Review, session 67: a hub stopped (SIGTERM: a restart, an update, the installer's Ctrl-C) while its external broker
// (HUB_MQTT_URL) is away. An alert raised meanwhile (a pendant press over HTTP) has its MQTT publish waiting in the MQTT
// client for the reconnection; the graceful stop ended the client and then waited for that publish, for good: in a
// process the stop never finished (the database never closed, no "hub stopped"; the process ended only once nothing
// else was left to run), in-process (`RunningHub.stop`) it never resolved. Now the publishes are ended with the client
// (their outbox rows stay pending) and the alert reaches the broker from the next start. A real `telecare hub` process, a real Mosquitto killed
// and started again, real HTTP and MQTT, SQLite in a temp folder.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import {
  adminCookie,
  freePort,
  killHub,
  mqttClient,
  nextMessage,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

let dir: string;
let brokerPort: number;
let mosquitto: Mosquitto | undefined;
let hub: HubProcess | undefined;
let subscriber: MqttClient | undefined;

beforeEach(async () => {
  dir = tempDir('review-s67-stop-broker-away');
  brokerPort = await freePort();
  mosquitto = await startMosquitto(dir, { port: brokerPort });
});

afterEach(async () => {
  await subscriber?.endAsync(true);
  subscriber = undefined;
  await killHub(hub);
  hub = undefined;
  await mosquitto?.kill();
  mosquitto = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Resolves with how the process ended, or 'still running' if it has not within `ms`. */
function endedWithin(process: HubProcess, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    process.exited.finally(() => clearTimeout(timer)),
    new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms))),
  ]);
}

describe('SIGTERM while the external broker is away, an alert raised meanwhile', () => {
  it('the hub stops; the alert reaches the broker from the next start', async () => {
    const env = {
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir),
      HUB_MQTT_URL: `mqtt://127.0.0.1:${brokerPort}`,
    };
    hub = await spawnHub(env);
    const cookie = await adminCookie(hub.httpPort);
    const base = `http://127.0.0.1:${hub.httpPort}`;
    await mosquitto!.kill();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const health = (await (await fetch(`${base}/api/health`, { headers: { cookie } })).json()) as {
        mqtt: { connected: boolean };
      };
      if (!health.mqtt.connected) break;
      if (Date.now() > deadline) throw new Error('the hub never saw the broker go');
      await new Promise((r) => setTimeout(r, 100));
    }
    const pressed = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true }),
    });
    expect(pressed.status).toBe(202);

    hub.child.kill('SIGTERM');
    expect(await endedWithin(hub, 20_000)).toBe(0);
    // Before the fix: the stop never finished (no "hub stopped", the database never closed): it waited for the publish,
    // and the process ended only because nothing else was left to run.
    const lines = hub
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg?: string }).msg);
    expect(lines).toContain('hub stopped');
    expect(fs.existsSync(path.join(dir, 'data', 'hub.db-wal'))).toBe(false);

    mosquitto = await startMosquitto(dir, { port: brokerPort });
    subscriber = await mqttClient(brokerPort);
    const told = nextMessage(subscriber, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t), 30_000);
    await subscriber.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    hub = await spawnHub(env);
    expect(JSON.parse((await told).payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised' });
  }, 120_000);
});
