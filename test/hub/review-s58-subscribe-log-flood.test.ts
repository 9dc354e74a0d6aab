// Review, session 58: a client refused a subscription again and again cannot flood the hub's log (a Pi's SD card).
import fs from 'node:fs';
import { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { createLogger } from '../../hub/logger.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const DEVICE = { username: 'dev-h1', password: 'device-h1-secret' };
/** 200 distinct filters a device credential may not subscribe to: alerts, `$SYS`, other devices' data. */
const FORBIDDEN = Array.from({ length: 50 }, (_, i) => [
  `telecare/h1/alerts/a${i}`,
  `$SYS/x${i}`,
  `telecare/h1/devices/d${i}/events`,
  `other/t${i}`,
]).flat();

let dir: string;
let hub: RunningHub | undefined;
let logLines: string[];
const clients: MqttClient[] = [];

beforeEach(async () => {
  dir = tempDir('subscribe-flood');
  logLines = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const config = parseHubConfig({
    ...ONE_HOME_CONFIG,
    mqttUsers: [
      { username: DEVICE.username, passwordHash: lowCostHash(DEVICE.password), role: 'device', homes: ['h1'] },
    ],
  });
  hub = await startTestHub(config, dir, { logger: createLogger({ level: 'warn', destination }) });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function subscribeDeniedCount(): Promise<number> {
  const metric = await hub!.metrics.getSingleMetric('telecare_mqtt_refused_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'subscribe-denied')?.value ?? 0;
}

/** The SUBACK's return codes (mqtt.js reports any refusal as an error, with the packet). */
function subscribeCodes(client: MqttClient, filters: string[], qos: 0 | 1 = 0): Promise<number[]> {
  return new Promise((resolve) => {
    client.subscribe(filters, { qos }, (_err, _granted, packet) => {
      resolve(((packet as { granted?: number[] } | undefined)?.granted ?? []).map(Number));
    });
  });
}

const refusalLines = (): string[] => logLines.filter((line) => line.includes('mqtt subscribe refused'));

describe('embedded broker: refused subscriptions', () => {
  it('logs the first refusal of a connection and only counts the rest (a looping client cannot fill the disk)', async () => {
    const device = await mqttClient(hub!.ports.mqtt!, { ...DEVICE, clientId: 'flooding-device' });
    clients.push(device);
    // One SUBSCRIBE of 200 forbidden filters, sent 5 times: what a client in a loop sends within a millisecond.
    for (let round = 0; round < 5; round++) {
      // Every filter refused (SUBACK failure, 128), the connection kept.
      expect(await subscribeCodes(device, FORBIDDEN)).toEqual(FORBIDDEN.map(() => 128));
    }
    expect(await subscribeDeniedCount()).toBe(1000);
    // Said once for this connection, with who and what (as refused publications are).
    expect(refusalLines()).toHaveLength(1);
    expect(refusalLines()[0]).toContain('flooding-device');

    // Another connection's first refusal is said again.
    const again = await mqttClient(hub!.ports.mqtt!, { ...DEVICE, clientId: 'second-device' });
    clients.push(again);
    expect(await subscribeCodes(again, ['#'])).toEqual([128]);
    expect(refusalLines()).toHaveLength(2);
    expect(refusalLines()[1]).toContain('second-device');
    // A subscription the device may make is still granted.
    expect(await subscribeCodes(again, ['telecare/h1/prealert'], 1)).toEqual([1]);
  });
});
