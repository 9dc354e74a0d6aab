// A pendant press's alert goes on the wire before the hub does the press's acknowledgement bookkeeping (the promises
// that wait for its batch's fsync): the hub in-process, real aedes, real MQTT clients, a real SQLite file (session 66).
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;
const restore: (() => void)[] = [];

beforeEach(() => {
  dir = tempDir('s66-presspath');
});

afterEach(async () => {
  for (const undo of restore.splice(0)) undo();
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the press path (session 66)', () => {
  it("writes a press's alert to the subscriber before anything waits for the press's batch, and still acknowledges the press once it is stored", async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const running = hub;
    const mqttPort = running.ports.mqtt ?? 0;
    const steps: string[] = [];
    let recording = false;

    // A PUBLISH (first byte 0x3_) leaving the hub's MQTT port: the alert on its way to the subscriber.
    const socketProto = net.Socket.prototype as unknown as { write: (...a: unknown[]) => boolean };
    const write = socketProto.write;
    socketProto.write = function (this: net.Socket, ...a: unknown[]): boolean {
      const chunk = a[0];
      if (recording && this.localPort === mqttPort && Buffer.isBuffer(chunk) && (chunk[0] ?? 0) >> 4 === 3)
        steps.push('alert written');
      return write.apply(this, a);
    };
    restore.push(() => (socketProto.write = write));

    // The press's batch: the first reaction anyone attaches to it is the acknowledgement's bookkeeping.
    const store = running.store as unknown as { appendToBatch: (...a: unknown[]) => Promise<number> };
    const append = store.appendToBatch.bind(store);
    store.appendToBatch = (...a: unknown[]): Promise<number> => {
      const batch = append(...a);
      if (!recording) return batch;
      const then = batch.then.bind(batch) as (...t: unknown[]) => Promise<unknown>;
      (batch as unknown as { then: (...t: unknown[]) => Promise<unknown> }).then = (...t: unknown[]) => {
        steps.push('batch awaited');
        return then(...t);
      };
      return batch;
    };

    const subscriber = await mqttClient(mqttPort);
    const pendant = await mqttClient(mqttPort);
    await subscriber.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const alert = nextMessage(subscriber, (topic) => topic.startsWith('telecare/h1/alerts/'));
    recording = true;
    // Resolves with the PUBACK: sent only once the press's batch is durable.
    await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    const told = JSON.parse((await alert).payload.toString()) as { kind: string; state: string };
    await Promise.all([subscriber.endAsync(), pendant.endAsync()]);

    expect(told).toMatchObject({ kind: 'pendant', state: 'raised' });
    // Before session 66 the bookkeeping came first: ['batch awaited', 'alert written', ...].
    expect(steps[0]).toBe('alert written');
    expect(steps).toContain('batch awaited');
    expect(running.store.eventsAfter(0).map((e) => e.type)).toEqual(['pendant']);
  });
});
