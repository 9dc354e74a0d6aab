// HUB_MQTT_URL: an external broker that refuses the hub's connection (its user not yet set up) is tried again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { createLogger } from '../../hub/logger.js';
import { startTestHub } from '../support/in-process-hub.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

let dir: string;
let mosquitto: Mosquitto | undefined;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('extbroker-refusal');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  await mosquitto?.kill();
  mosquitto = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('hub with an existing broker that refuses it at first', () => {
  it('connects once the broker accepts it (CONNACK refusal is not the end), and says why it was refused meanwhile', async () => {
    // Mosquitto knows no user "hub" yet: the hub's CONNECT is refused (bad username or password).
    const passwords = path.join(dir, 'passwords');
    fs.writeFileSync(passwords, '');
    fs.chmodSync(passwords, 0o600);
    mosquitto = await startMosquitto(dir, {
      extraConfig: [
        `password_file ${passwords}`,
        // Started as root, mosquitto drops to the user mosquitto, who cannot read the test's private folder.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
      ],
    });
    const watcher = await mqttClient(mosquitto.port);
    const statuses: string[] = [];
    const alerts: string[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === 'telecare/hub/status') statuses.push(payload.toString());
      else alerts.push(payload.toString());
    });
    await watcher.subscribeAsync(['telecare/hub/status', 'telecare/+/alerts/+'], { qos: 1 });

    let log = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
      mqttUrl: `mqtt://hub:hub-broker-password@127.0.0.1:${mosquitto.port}`,
      logger,
    });
    await vi.waitFor(() => expect(log).toMatch(/external broker refused the hub's connection/), {
      timeout: 15_000,
      interval: 20,
    });
    expect(log).not.toContain('hub-broker-password');

    // The installer adds the hub's user and reloads mosquitto.
    execFileSync('mosquitto_passwd', ['-b', passwords, 'hub', 'hub-broker-password']);
    mosquitto.process.kill('SIGHUP');
    await vi.waitFor(() => expect(statuses).toContain('online'), { timeout: 30_000, interval: 20 });

    const sensor = await mqttClient(mosquitto.port);
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    await vi.waitFor(
      () => expect(alerts.map((a) => JSON.parse(a) as { kind: string })).toMatchObject([{ kind: 'pendant' }]),
      {
        timeout: 15_000,
        interval: 20,
      },
    );
    await Promise.all([sensor.endAsync(), watcher.endAsync()]);
  });
});
