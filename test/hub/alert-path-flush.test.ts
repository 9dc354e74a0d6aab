// The hub on an external broker hands a pendant alert's bytes to the kernel during its publish, not a tick later:
// before the press's turn goes on to the dashboard, the escalation timer and the rules' bookkeeping (real Mosquitto).
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';

let dir: string;
let mosquitto: Mosquitto | undefined;
let hub: RunningHub | undefined;
const restore: (() => void)[] = [];

beforeEach(async () => {
  dir = tempDir('alertflush');
  mosquitto = await startMosquitto(dir);
});

afterEach(async () => {
  for (const undo of restore.splice(0)) undo();
  await hub?.stop();
  hub = undefined;
  await mosquitto?.kill();
  mosquitto = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The bytes of one socket write as libuv gets them: one buffer, or the chunks of a writev. */
function bytesOf(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data);
  if (!Array.isArray(data)) return Buffer.alloc(0);
  return Buffer.concat(data.map((entry: unknown) => bytesOf((entry as { chunk?: unknown }).chunk ?? entry)));
}

describe('alert path flush (external broker)', () => {
  it("hands the alert's PUBLISH to the kernel before the turn tells the dashboard", async () => {
    const brokerPort = mosquitto!.port;
    const steps: string[] = [];
    // What leaves the hub's client socket for the broker, at the moment it goes to the kernel (libuv's write).
    const socketProto = net.Socket.prototype as unknown as { _writeGeneric: (...a: unknown[]) => unknown };
    const writeGeneric = socketProto._writeGeneric;
    socketProto._writeGeneric = function (this: net.Socket, ...a: unknown[]): unknown {
      const bytes = bytesOf(a[1]);
      if (this.remotePort === brokerPort && (bytes[0] ?? 0) >> 4 === 3 && bytes.includes('/alerts/')) {
        steps.push('alert to the kernel');
      }
      return writeGeneric.apply(this, a);
    };
    restore.push(() => (socketProto._writeGeneric = writeGeneric));

    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { mqttUrl: `mqtt://127.0.0.1:${brokerPort}` });
    // Told in the press's turn, right after the MQTT publish call (the dashboard's live stream listens here).
    hub.alerts.subscribe(() => steps.push('dashboard told'));
    const responder = await mqttClient(brokerPort);
    await responder.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
    const sensor = await mqttClient(brokerPort);
    const alert = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t));
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised' });

    expect(steps.slice(0, 2)).toEqual(['alert to the kernel', 'dashboard told']);
    await Promise.all([responder.endAsync(), sensor.endAsync()]);
  });
});
