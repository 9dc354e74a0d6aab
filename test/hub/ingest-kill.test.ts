// Ingest under kill -9 mid-burst: a real hub process, four real QoS 1 senders, every acknowledged event is on disk.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { killHub, mqttClient, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;
const senders: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('ingest-kill');
});

afterEach(async () => {
  for (const sender of senders.splice(0)) sender.end(true);
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const SENDERS = 4;
const PER_SENDER = 1_500;
/** Killed once this many PUBACKs have arrived, all senders together: well inside the burst. */
const KILL_AFTER_ACKS = 1_200;
const DEVICES = ['front', 'hall-pir', 'kitchen-pir'] as const;
const BASE_TS = 1_790_000_000_000;
/** A hub's start (a fresh database, then one after a kill) on a 2-core machine that runs other suites meanwhile. */
const START_TIMEOUT_MS = 90_000;

function storedKeys(): Set<string> {
  const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT device_id, ts FROM events').all() as { device_id: string; ts: number }[];
    return new Set(rows.map((r) => `${r.device_id}@${r.ts}`));
  } finally {
    db.close();
  }
}

it('killed with SIGKILL in the middle of a burst from four senders: every acknowledged event is stored', async () => {
  const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) };
  hub = await spawnHub(env, START_TIMEOUT_MS);
  const running = hub;
  for (let s = 0; s < SENDERS; s++) senders.push(await mqttClient(running.mqttPort, { clientId: `burst-${s}` }));
  const acknowledged: string[] = [];
  let killed = false;
  const sent: Promise<unknown>[] = [];
  senders.forEach((sender, s) => {
    for (let i = 0; i < PER_SENDER; i++) {
      const device = DEVICES[i % DEVICES.length] ?? 'front';
      // One ts per event across all senders: the key that finds it in the table.
      const ts = BASE_TS + s * PER_SENDER + i;
      const payload =
        device === 'front' ? { type: 'contact', value: i % 2 === 0, ts } : { type: 'motion', value: i % 2 === 0, ts };
      sent.push(
        sender
          .publishAsync(`telecare/h1/devices/${device}/events`, JSON.stringify(payload), { qos: 1 })
          .then(() => {
            // The moment a PUBACK is in, it counts: recorded before the kill can be sent.
            acknowledged.push(`${device}@${ts}`);
            if (!killed && acknowledged.length >= KILL_AFTER_ACKS) {
              killed = true;
              running.child.kill('SIGKILL');
            }
          })
          .catch(() => undefined),
      );
    }
  });
  await running.exited;
  for (const sender of senders.splice(0)) sender.end(true);
  await Promise.all(sent);
  expect(killed).toBe(true);
  // Mid-burst: some events were still waiting for their PUBACK when the hub died.
  expect(acknowledged.length).toBeLessThan(SENDERS * PER_SENDER);

  // Restarted on the same folder (SQLite recovers the WAL), then stopped: the file alone is read.
  hub = await spawnHub(env, START_TIMEOUT_MS);
  await killHub(hub);
  hub = undefined;
  const stored = storedKeys();
  const lost = acknowledged.filter((key) => !stored.has(key));
  expect(lost).toEqual([]);
  // Two hub starts and 6,000 messages from one test process: a minute or more on a loaded 2-core machine.
}, 300_000);
