// A sensor whose clock was reset (ts 1970): the event is stored at the hub's receive time, and the sensor's own
// ts is kept with it, so an installer can see what the device sent and a bridge's flushed buffer can be re-timed.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('sensor-clock');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a sensor clock before 2026', () => {
  it("stores the event at the receive time and keeps the sensor's ts with it, across a restart; a plausible ts keeps none", async () => {
    const config = parseHubConfig(ONE_HOME_CONFIG);
    hub = await startTestHub(config, dir);
    const sensor = await mqttClient(hub.ports.mqtt!);
    const plausibleTs = Date.now() - 60_000;
    // QoS 1: acknowledged once stored on disk.
    await sensor.publishAsync(
      'telecare/h1/devices/p1/events',
      JSON.stringify([
        { type: 'pendant', value: true, ts: 5_000 },
        { type: 'heartbeat', value: true, ts: plausibleTs },
      ]),
      { qos: 1 },
    );
    await sensor.endAsync();
    const [reset, plausible] = hub.store.eventsAfter(0);
    expect(reset).toMatchObject({ type: 'pendant' });
    expect(reset!.ts).toBeGreaterThan(Date.UTC(2026, 0, 1));
    expect(hub.store.sensorTsOf(reset!.id)).toBe(5_000);
    expect(plausible).toMatchObject({ type: 'heartbeat', ts: plausibleTs });
    expect(hub.store.sensorTsOf(plausible!.id)).toBeUndefined();

    await hub.stop();
    hub = await startTestHub(config, dir);
    expect(hub.store.sensorTsOf(reset!.id)).toBe(5_000);
  });
});
