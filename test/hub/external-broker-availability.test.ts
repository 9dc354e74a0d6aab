// HUB_MQTT_URL: Zigbee2MQTT's retained availability is taken at every (re)subscription; retained events are not.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import { startTestHub } from '../support/in-process-hub.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

let dir: string;
let mosquitto: Mosquitto | undefined;
let brokerPort: number;
let hub: RunningHub | undefined;

/** The broker acknowledges the sender before the hub stores and acts: wait for it (never a timed assertion). */
const eventually = (check: () => void | Promise<void>): Promise<void> =>
  vi.waitFor(check, { timeout: 15_000, interval: 20 });

async function start(): Promise<RunningHub> {
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { mqttUrl: `mqtt://127.0.0.1:${brokerPort}` });
  return hub;
}

async function stopHub(): Promise<void> {
  await hub?.stop();
  hub = undefined;
}

/**
 * Publish as Zigbee2MQTT does: retained, at QoS 0 (its default). The broker keeps no QoS 0 message for the hub's
 * session while it is away (nor anything, once restarted without persistence): the retained copy is all that is left.
 */
async function publishRetained(topic: string, payload: string): Promise<void> {
  const z2m = await mqttClient(brokerPort);
  await z2m.publishAsync(topic, payload, { qos: 0, retain: true });
  await z2m.endAsync();
}

const openOffline = (h: RunningHub) => h.alerts.list({ state: 'open' }).filter((a) => a.kind === 'sensor-offline');

async function rejectedRetained(h: RunningHub): Promise<number> {
  const metric = await h.metrics.getSingleMetric('telecare_ingest_rejected_total')!.get();
  return metric.values.find((v) => v.labels.reason === 'retained')?.value ?? 0;
}

/** A marker sent after the hub subscribed: once it is stored, every retained delivery of that subscription came. */
async function marker(h: RunningHub, n: number): Promise<void> {
  const client = await mqttClient(brokerPort);
  await client.publishAsync('telecare/h1/devices/p1/events', '{"type":"heartbeat","value":true}', { qos: 1 });
  await client.endAsync();
  await eventually(() => expect(h.store.eventsAfter(0).filter((e) => e.type === 'heartbeat')).toHaveLength(n));
}

/** The devices the rules' saved state (written at the hub's stop) says Zigbee2MQTT called offline. */
function savedUnavailable(): string[] {
  const db = openHubDatabase(path.join(dir, 'data', 'hub.db'));
  const store = new EventStore(db, systemClock);
  try {
    const saved = store.loadRuleState('rules-engine')?.state as {
      homes: Record<string, { devices: Record<string, { alive?: { unavailable?: true } }> }>;
    };
    const devices = Object.entries(saved.homes['h1']?.devices ?? {});
    return devices.filter(([, d]) => d.alive?.unavailable === true).map(([id]) => id);
  } finally {
    store.close();
    db.close();
  }
}

beforeEach(async () => {
  dir = tempDir('extavail');
  mosquitto = await startMosquitto(dir);
  brokerPort = mosquitto.port;
});

afterEach(async () => {
  await stopHub();
  await mosquitto?.kill();
  mosquitto = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("Zigbee2MQTT's availability on an external broker, across the hub's absence", () => {
  it('a device that went offline and came back while the hub was down is not held dead; a retained event is dropped', async () => {
    // Both devices go offline while the hub listens (Zigbee2MQTT retains its availability): the rules hold them dead.
    const first = await start();
    await publishRetained('zigbee2mqtt/hall_pir/availability', 'offline');
    await publishRetained('zigbee2mqtt/kitchen/pir/availability', '{"state":"offline"}');
    await eventually(() => expect(openOffline(first)).toHaveLength(1));
    await eventually(() =>
      expect(first.store.eventsAfter(0).filter((e) => e.type === 'availability' && e.value === false)).toHaveLength(2),
    );
    await stopHub();
    expect(savedUnavailable().sort()).toEqual(['hall-pir', 'kitchen-pir']);

    // Both come back while the hub is down (the text and the JSON form), and a sensor's state is retained too.
    await publishRetained('zigbee2mqtt/hall_pir/availability', 'online');
    await publishRetained('zigbee2mqtt/kitchen/pir/availability', '{"state":"online"}');
    await publishRetained('zigbee2mqtt/hall_pir', '{"occupancy":true}');

    const second = await start();
    await marker(second, 1);
    // The rules take both back: Zigbee2MQTT's offline report of them is over (the alert cleared, "heard again").
    await eventually(() => expect(openOffline(second)).toHaveLength(0));
    const online = second.store.eventsAfter(0).filter((e) => e.type === 'availability' && e.value === true);
    expect([...new Set(online.map((e) => e.deviceId))].sort()).toEqual(['hall-pir', 'kitchen-pir']);
    // The retained occupancy is an old event: not stored, counted as rejected input.
    expect(second.store.eventsAfter(0).filter((e) => e.type === 'occupancy' || e.type === 'motion')).toHaveLength(0);
    expect(await rejectedRetained(second)).toBe(1);
    // Not held dead by the rules any more (`HomeState.deviceDead`: room checks no longer paused for them).
    await stopHub();
    expect(savedUnavailable()).toEqual([]);
  });

  it('a device still offline at a restart stays so, with its one alert: the retained offline again is no new alert', async () => {
    const first = await start();
    await publishRetained('zigbee2mqtt/hall_pir/availability', 'offline');
    await eventually(() => expect(openOffline(first)).toHaveLength(1));
    await stopHub();

    for (let restart = 1; restart <= 2; restart++) {
      const again = await start();
      await marker(again, restart);
      await eventually(() =>
        expect(again.store.eventsAfter(0).filter((e) => e.type === 'availability')).toHaveLength(restart + 1),
      );
      expect(again.alerts.list({}).filter((a) => a.kind === 'sensor-offline')).toHaveLength(1);
      expect(openOffline(again)).toHaveLength(1);
      await stopHub();
      expect(savedUnavailable()).toEqual(['hall-pir']);
    }
  });
});
