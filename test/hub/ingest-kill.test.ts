// Ingest under kill -9 mid-burst: a real hub process, four real QoS 1 senders, every acknowledged event is on disk: a
// row, or (a chattering device's repeats past its bound a minute, hub/chatter.ts) counted in a row of event_repeats.
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

interface Acknowledged {
  device: string;
  ts: number;
  value: boolean;
}

interface Stored {
  /** Events stored as rows. */
  rows: number;
  /** Repeats stored as counts. */
  counted: number;
  /** Acknowledged events neither a row nor counted. */
  lost: Acknowledged[];
}

/**
 * What the database file holds of the acknowledged events. One not stored as a row must be counted: within the times
 * of a count row of its device and value, and no more of them than those rows count.
 */
function stored(acknowledged: readonly Acknowledged[]): Stored {
  const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT device_id, ts FROM events').all() as { device_id: string; ts: number }[];
    // A database of a hub before session 36 has no counts.
    const hasCounts = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'event_repeats'").get() !== undefined;
    const repeats = (
      hasCounts ? db.prepare('SELECT device_id, value, first_ts, last_ts, count FROM event_repeats').all() : []
    ) as {
      device_id: string;
      value: string;
      first_ts: number;
      last_ts: number;
      count: number;
    }[];
    const keys = new Set(rows.map((r) => `${r.device_id}@${r.ts}`));
    const lost: Acknowledged[] = [];
    const missing = new Map<string, Acknowledged[]>();
    for (const a of acknowledged) {
      if (keys.has(`${a.device}@${a.ts}`)) continue;
      const counts = repeats.filter((r) => r.device_id === a.device && r.value === String(a.value));
      if (!counts.some((r) => r.first_ts <= a.ts && a.ts <= r.last_ts)) lost.push(a);
      else {
        const key = `${a.device}=${a.value}`;
        const list = missing.get(key) ?? [];
        list.push(a);
        missing.set(key, list);
      }
    }
    for (const [key, list] of missing) {
      const counted = repeats.filter((r) => `${r.device_id}=${r.value}` === key).reduce((n, r) => n + r.count, 0);
      if (list.length > counted) lost.push(...list.slice(counted));
    }
    return { rows: rows.length, counted: repeats.reduce((n, r) => n + r.count, 0), lost };
  } finally {
    db.close();
  }
}

/**
 * Four senders publish `PER_SENDER` QoS 1 events each at once (`payloadOf` says which); the hub is killed with SIGKILL
 * once `KILL_AFTER_ACKS` PUBACKs are in, then started again on the same folder and stopped. What was acknowledged.
 */
async function burstAndKill(
  env: Record<string, string>,
  payloadOf: (s: number, i: number) => Acknowledged,
  { perSender = PER_SENDER, killAfterAcks = KILL_AFTER_ACKS } = {},
): Promise<Acknowledged[]> {
  hub = await spawnHub(env, START_TIMEOUT_MS);
  const running = hub;
  for (let s = 0; s < SENDERS; s++) senders.push(await mqttClient(running.mqttPort, { clientId: `burst-${s}` }));
  const acknowledged: Acknowledged[] = [];
  let killed = false;
  const sent: Promise<unknown>[] = [];
  senders.forEach((sender, s) => {
    for (let i = 0; i < perSender; i++) {
      const event = payloadOf(s, i);
      const type = event.device === 'front' ? 'contact' : 'motion';
      sent.push(
        sender
          .publishAsync(
            `telecare/h1/devices/${event.device}/events`,
            JSON.stringify({ type, value: event.value, ts: event.ts }),
            { qos: 1 },
          )
          .then(() => {
            // The moment a PUBACK is in, it counts: recorded before the kill can be sent.
            acknowledged.push(event);
            if (!killed && acknowledged.length >= killAfterAcks) {
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
  expect(acknowledged.length).toBeLessThan(SENDERS * perSender);

  // Restarted on the same folder (SQLite recovers the WAL), then stopped: the file alone is read.
  hub = await spawnHub(env, START_TIMEOUT_MS);
  await killHub(hub);
  hub = undefined;
  return acknowledged;
}

it('killed with SIGKILL in the middle of a burst from four senders: every acknowledged event is stored', async () => {
  const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) };
  const acknowledged = await burstAndKill(env, (s, i) => ({
    device: DEVICES[i % DEVICES.length] ?? 'front',
    // One ts per event across all senders: the key that finds it in the table.
    ts: BASE_TS + s * PER_SENDER + i,
    value: i % 2 === 0,
  }));
  expect(stored(acknowledged).lost).toEqual([]);
  // Two hub starts and 6,000 messages from one test process: a minute or more on a loaded 2-core machine.
}, 300_000);

it('a chattering device killed with SIGKILL mid-burst: its acknowledged repeats past the bound are all counted', async () => {
  // The bound at its lowest: past 30 reports a minute, the PIR's repeats of `true` are counts, not rows.
  const env = {
    HUB_DATA_DIR: path.join(dir, 'data'),
    HUB_CONFIG: writeConfig(dir),
    HUB_CHATTER_MAX_PER_MINUTE: '30',
  };
  // Counted repeats cost the hub a fraction of rows: it acknowledges a burst of rows' size before the kill lands, so
  // the burst is longer and the kill earlier.
  const perSender = 4 * PER_SENDER;
  const acknowledged = await burstAndKill(
    env,
    (s, i) => ({ device: 'hall-pir', ts: BASE_TS + s * perSender + i, value: true }),
    { perSender, killAfterAcks: KILL_AFTER_ACKS / 4 },
  );
  const { rows, counted, lost } = stored(acknowledged);
  expect(lost).toEqual([]);
  // Most acknowledged repeats are counts (a row each for the first 30 of each minute), none counted twice.
  expect(counted).toBeGreaterThanOrEqual(acknowledged.length - rows);
  expect(rows + counted).toBeLessThanOrEqual(SENDERS * perSender);
  expect(rows).toBeLessThan(acknowledged.length / 2);
}, 300_000);
