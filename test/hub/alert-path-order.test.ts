// The alert path never waits for the disk: a press's alert is written to the subscriber's socket before the event
// batch's group commit runs and before the store hands an fsync to the thread pool (the hub in-process, real aedes).
import fs from 'node:fs';
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import { createLogger } from '../../hub/logger.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;
const restore: (() => void)[] = [];

beforeEach(() => {
  dir = tempDir('alertorder');
});

afterEach(async () => {
  for (const undo of restore.splice(0)) undo();
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Records, in order, what happens on the hub's side from the moment `recording` is set. */
function recorder(mqttPort: () => number): { steps: string[]; start(): void } {
  const steps: string[] = [];
  let recording = false;
  const socketProto = net.Socket.prototype as unknown as { write: (...a: unknown[]) => boolean };
  const write = socketProto.write;
  socketProto.write = function (this: net.Socket, ...a: unknown[]): boolean {
    const chunk = a[0];
    // A PUBLISH (first byte 0x3_) leaving the hub's MQTT port: an alert on its way to the subscriber.
    if (recording && this.localPort === mqttPort() && Buffer.isBuffer(chunk) && (chunk[0] ?? 0) >> 4 === 3) {
      steps.push('alert written');
    }
    return write.apply(this, a);
  };
  restore.push(() => (socketProto.write = write));
  const fsync = fs.fsync;
  (fs as { fsync: typeof fs.fsync }).fsync = ((...a: Parameters<typeof fs.fsync>) => {
    if (recording) steps.push('fsync');
    fsync(...a);
  }) as typeof fs.fsync;
  restore.push(() => ((fs as { fsync: typeof fs.fsync }).fsync = fsync));
  return {
    steps,
    start: () => {
      recording = true;
    },
  };
}

describe('alert path order', () => {
  it("a pendant press's alert is written to the subscriber before the event's group commit and before any fsync", async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const running = hub;
    const record = recorder(() => running.ports.mqtt ?? 0);
    const store = running.store as unknown as { flush: () => void };
    const flush = store.flush.bind(store);
    store.flush = () => {
      record.steps.push('group commit');
      flush();
    };
    const subscriber = await mqttClient(running.ports.mqtt!);
    const pendant = await mqttClient(running.ports.mqtt!);
    await subscriber.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const alert = nextMessage(subscriber, (topic) => topic.startsWith('telecare/h1/alerts/'));
    record.start();
    await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    await alert;
    await Promise.all([subscriber.endAsync(), pendant.endAsync()]);

    // The press is acknowledged only once it is on disk: both happened, after the alert left.
    expect(record.steps.indexOf('alert written')).toBe(0);
    expect(record.steps).toContain('group commit');
    expect(record.steps).toContain('fsync');
    expect(running.store.eventsAfter(0).map((e) => e.type)).toEqual(['pendant']);
  });

  it("the alert's log line is made only once the alert is written to the subscriber", async () => {
    let port = 0;
    const record = recorder(() => port);
    // pino serialises a line when it is logged and hands it to the destination at once (sync: false only defers
    // the file write): the destination's write is the moment the line was made.
    const lines = new Writable({
      write(chunk: Buffer, _enc, cb) {
        const { msg } = JSON.parse(chunk.toString()) as { msg?: string };
        if (msg === 'alert raised') record.steps.push('logged');
        cb();
      },
    });
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { logger: createLogger({ destination: lines }) });
    port = hub.ports.mqtt ?? 0;
    const subscriber = await mqttClient(port);
    const pendant = await mqttClient(port);
    await subscriber.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const alert = nextMessage(subscriber, (topic) => topic.startsWith('telecare/h1/alerts/'));
    record.start();
    await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    await alert;
    await vi.waitFor(() => expect(record.steps).toContain('logged'), { timeout: 15_000, interval: 20 });
    await Promise.all([subscriber.endAsync(), pendant.endAsync()]);

    // mqtt-packet writes a packet in several chunks: a packet id from 0x3000 to 0x3fff starts with a PUBLISH's
    // nibble too, so the order that matters is the first PUBLISH chunk's against the log line.
    const written = record.steps.indexOf('alert written');
    expect(written).toBeGreaterThanOrEqual(0);
    expect(record.steps.indexOf('logged')).toBeGreaterThan(written);
  });
});
