// The embedded broker and the HTTP intake under kill -9: what the hub acknowledged on the Zigbee2MQTT topic (PUBACK)
// or over HTTP (202) is on disk however soon after it dies (SPEC 11). The native topic has its own tests
// (hub-process, ingest-kill).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { adminCookie, killHub, mqttClient, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('acked-kill');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function rows(deviceId: string): { ts: number }[] {
  const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
  try {
    return db.prepare('SELECT ts FROM events WHERE device_id = ? ORDER BY id').all(deviceId) as { ts: number }[];
  } finally {
    db.close();
  }
}

it('keeps every Zigbee2MQTT message it acknowledged and every HTTP batch it answered 202 when killed with SIGKILL at once', async () => {
  const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) };
  hub = await spawnHub(env, 90_000);
  const running = hub;
  const base = `http://127.0.0.1:${running.httpPort}`;
  const cookie = await adminCookie(running.httpPort);
  const zigbee = await mqttClient(running.mqttPort, { clientId: 'z2m' });
  const firstTs = Date.now() - 60_000;

  const acknowledged: Promise<unknown>[] = [];
  for (let i = 0; i < 300; i++) {
    // Zigbee2MQTT's own state payload (no time: the hub's receive time is used).
    acknowledged.push(
      zigbee.publishAsync('zigbee2mqtt/hall_pir', JSON.stringify({ occupancy: i % 2 === 0 }), { qos: 1 }),
    );
  }
  for (let b = 0; b < 3; b++) {
    const batch = Array.from({ length: 100 }, (_, i) => ({
      homeId: 'h1',
      deviceId: 'front',
      type: 'contact',
      value: i % 2 === 0,
      ts: firstTs + b * 100 + i,
    }));
    acknowledged.push(
      fetch(`${base}/api/events`, {
        method: 'POST',
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      }).then(async (r) =>
        expect({ status: r.status, body: await r.json() }).toEqual({ status: 202, body: { accepted: 100 } }),
      ),
    );
  }
  await Promise.all(acknowledged);
  running.child.kill('SIGKILL');
  await running.exited;
  zigbee.end(true);

  // Started again on the same folder: SQLite recovers its WAL.
  hub = await spawnHub(env, 90_000);
  expect(rows('hall-pir')).toHaveLength(300);
  expect(new Set(rows('front').map((r) => r.ts))).toEqual(new Set(Array.from({ length: 300 }, (_, i) => firstTs + i)));
}, 240_000);
