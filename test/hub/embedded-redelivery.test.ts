// A sensor on the embedded broker whose PUBACKs never came (the hub killed with SIGKILL after storing its messages and
// before the PUBACKs reached it) sends them again, DUP set, to the restarted hub: each event is stored once, the
// pendant press acted on once, and the resends counted as duplicates (docs/resilience.md, session 29).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { adminCookie, killHub, mqttClient, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { packets, packetType } from '../support/mqtt-packets.js';

let dir: string;
let hub: HubProcess | undefined;
let sensor: MqttClient | undefined;
let relay: Relay | undefined;

beforeEach(() => {
  dir = tempDir('embedded-redelivery');
});

afterEach(async () => {
  await sensor?.endAsync(true).catch(() => undefined);
  sensor = undefined;
  await relay?.close();
  relay = undefined;
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Relay {
  port: number;
  /** The hub's MQTT port the relay connects to (changes when the hub starts again). */
  target: number;
  /** While true, the PUBACKs the hub sends the sensor are dropped (counted in swallowedPubacks). */
  swallow: boolean;
  swallowedPubacks: number;
  /**
   * While true, the DUP flag is set on each PUBLISH the sensor sends: mqtt.js (5.16) sends its unacknowledged messages
   * again on reconnection but leaves DUP clear, where MQTT 3.1.1 (3.3.1.1) asks a client to set it.
   */
  markDup: boolean;
  close(): Promise<void>;
}

/** A TCP relay on an ephemeral port of 127.0.0.1 from the sensor to the hub's embedded broker. */
async function startRelay(target: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(r.target, '127.0.0.1');
    sockets.add(down).add(up);
    down.on(
      'data',
      packets((packet) => {
        if (r.markDup && packetType(packet) === 3) packet[0]! |= 0x08;
        up.write(packet);
      }),
    );
    up.on(
      'data',
      packets((packet) => {
        if (r.swallow && packetType(packet) === 4) r.swallowedPubacks += 1;
        else down.write(packet);
      }),
    );
    const close = (): void => {
      down.destroy();
      up.destroy();
      sockets.delete(down);
      sockets.delete(up);
    };
    for (const s of [down, up]) s.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const r: Relay = {
    port: (server.address() as net.AddressInfo).port,
    target,
    swallow: false,
    swallowedPubacks: 0,
    markDup: false,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return r;
}

/** The stored events of h1 in the order stored, as `device@ts`: one event stored twice appears twice. */
function storedEvents(): string[] {
  const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
  try {
    const rows = db.prepare(`SELECT device_id, ts FROM events WHERE home_id = 'h1' ORDER BY id`).all() as {
      device_id: string;
      ts: number;
    }[];
    return rows.map((r) => `${r.device_id}@${r.ts}`);
  } finally {
    db.close();
  }
}

async function openAlerts(httpPort: number): Promise<{ id: string; kind: string; count: number }[]> {
  const cookie = await adminCookie(httpPort);
  const response = await fetch(`http://127.0.0.1:${httpPort}/api/alerts?state=open`, { headers: { cookie } });
  return (await response.json()) as { id: string; kind: string; count: number }[];
}

async function duplicatesCounted(httpPort: number): Promise<number> {
  const cookie = await adminCookie(httpPort);
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`, { headers: { cookie } })).text();
  const line = text.split('\n').find((l) => l.startsWith('telecare_mqtt_redelivered_duplicates_total'));
  return Number(line?.split(' ')[1]);
}

it('stores and acts on a QoS 1 message sent again with DUP after the hub was killed before its PUBACK once', async () => {
  const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) };
  hub = await spawnHub(env, 90_000);
  relay = await startRelay(hub.mqttPort);
  // A sensor that keeps its unacknowledged messages and sends them again when it reconnects.
  sensor = await mqttClient(relay.port, { clientId: 'h1-sensors', clean: false, reconnectPeriod: 200 });
  const base = Date.now();
  const topic = (device: string): string => `telecare/h1/devices/${device}/events`;
  const event = (type: string, i: number, value: boolean): string => JSON.stringify({ type, value, ts: base + i });

  // The hub stores these and sends their PUBACKs once they are on disk; none reaches the sensor.
  relay.swallow = true;
  const sent = [
    sensor.publishAsync(topic('hall-pir'), event('motion', 0, true), { qos: 1 }),
    sensor.publishAsync(topic('hall-pir'), event('motion', 1, false), { qos: 1 }),
    sensor.publishAsync(topic('p1'), event('pendant', 2, true), { qos: 1 }),
  ];
  await waitFor(() => relay!.swallowedPubacks === 3, "the hub's three PUBACKs", 30_000);
  const first = [`hall-pir@${base}`, `hall-pir@${base + 1}`, `p1@${base + 2}`];
  expect(storedEvents()).toEqual(first);
  const [pendant] = await openAlerts(hub.httpPort);
  expect(pendant).toMatchObject({ kind: 'pendant', count: 1 });

  // Killed; started again on the same folder. The sensor reconnects and sends the three again, DUP set.
  hub.child.kill('SIGKILL');
  await hub.exited;
  // Set before the hub is back (it may take its old port again): every PUBLISH from now to the new event is a resend.
  relay.swallow = false;
  relay.markDup = true;
  hub = await spawnHub(env, 90_000);
  relay.target = hub.mqttPort;
  await Promise.all(sent);
  relay.markDup = false;
  await sensor.publishAsync(topic('hall-pir'), event('motion', 3, true), { qos: 1 });

  // Each event once; the pendant press neither stored nor acted on again; the three counted as duplicates.
  expect(storedEvents()).toEqual([...first, `hall-pir@${base + 3}`]);
  expect(await openAlerts(hub.httpPort)).toMatchObject([{ id: pendant!.id, kind: 'pendant', count: 1 }]);
  expect(await duplicatesCounted(hub.httpPort)).toBe(3);
}, 300_000);
