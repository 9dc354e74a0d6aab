// Review, session 77 (a newcomer's install, followed again): the README's `mosquitto_sub -t 'telecare/#'`, run from
// another machine with the installer credential the first start printed (as the README said to), was answered "All
// subscription requests were denied", and the hub's log said `mqtt subscribe refused` with the filter and the role,
// not why nor what to subscribe to. The installer's credential reads sensor data and the hub's status, never alerts
// (docs/security.md), and a wildcard that could match alerts is refused whole. Now the log line says so and names the
// filters that work; the test subscribes as it says and sees the pendant's event.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../bridge/helpers.js';
import {
  killHub,
  mqttClient,
  nextMessage,
  spawnHub,
  stderrLine,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s77-installer-subscribe');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the installer credential's subscription to telecare/#", () => {
  it('is refused with what to subscribe to instead, and that works', async () => {
    hub = await spawnHub({ HUB_CONFIG: writeConfig(dir), HUB_DATA_DIR: dir });
    const printed = await stderrLine(hub, 'MQTT installer credential created');
    const password = /password "([^"]+)"/.exec(printed)![1]!;
    const installer = await mqttClient(hub.mqttPort, { username: 'installer', password });
    try {
      // mosquitto_sub's "All subscription requests were denied": mqtt.js rejects a SUBACK of 128.
      await expect(installer.subscribeAsync('telecare/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
      const line = await waitFor('the refusal logged', () =>
        hub!
          .stdout()
          .split('\n')
          .find((l) => l.includes('mqtt subscribe refused')),
      );
      const msg = (JSON.parse(line) as { msg: string }).msg;
      expect(msg).toContain(
        "an installer credential may not read alerts, and 'telecare/#' could match them: subscribe to " +
          "telecare/+/devices/+/events for sensor data and telecare/hub/status for the hub's; alerts are read with a " +
          "responder credential (mqttUsers, role responder) or on the dashboard's Alerts page",
      );

      // As the line says: granted, and a sensor's event arrives.
      const granted = await installer.subscribeAsync(['telecare/+/devices/+/events', 'telecare/hub/status'], {
        qos: 1,
      });
      expect(granted.map((g) => g.qos)).toEqual([1, 1]);
      const heard = nextMessage(installer, (t) => t === 'telecare/h1/devices/p1/events');
      await installer.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
      expect((await heard).payload.toString()).toBe('{"type":"pendant","value":true}');
    } finally {
      await installer.endAsync();
    }
  }, 60_000);
});
