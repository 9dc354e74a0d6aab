// Damage noticed at start, on real files: a corrupted database, one from a newer hub, a WAL that lost acknowledged events.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { adminGet, killHub, mqttClient, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('startcheck');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) });
const dbFile = (): string => path.join(dir, 'data', 'hub.db');

/** Start the hub once, store `events` acknowledged motion events, and stop it (gracefully or with SIGKILL). */
async function runOnce(events: number, stop: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  hub = await spawnHub(env());
  const sensor = await mqttClient(hub.mqttPort);
  for (let i = 0; i < events; i++)
    await sensor.publishAsync('telecare/h1/devices/front/events', `{"type":"contact","value":${i % 2 === 0}}`, {
      qos: 1,
    });
  await sensor.endAsync();
  hub.child.kill(stop);
  await hub.exited;
  hub = undefined;
}

/**
 * Data folders as `runOnce` leaves them, made once for the file and copied into each test's folder: two damage tests
 * start from a hub stopped gracefully, two from one killed, and each hub start costs about 2 s of CPU (docs/testing.md,
 * session 34). No process has a folder's files open when it is copied (the WAL and its index included).
 */
const made = new Map<string, string>();
afterAll(() => {
  for (const folder of made.values()) fs.rmSync(folder, { recursive: true, force: true });
});

/** This test's data folder as `runOnce(events, stop)` leaves it, copied from the file's one such run. */
async function dataAfter(events: number, stop: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const key = `${events} ${stop}`;
  let source = made.get(key);
  if (source === undefined) {
    const own = dir;
    source = dir = tempDir('startcheck-made');
    try {
      await runOnce(events, stop);
      made.set(key, source);
    } catch (err) {
      fs.rmSync(source, { recursive: true, force: true });
      throw err;
    } finally {
      dir = own;
    }
  }
  fs.cpSync(path.join(source, 'data'), path.join(dir, 'data'), { recursive: true });
}

/** Start the hub and expect it to refuse: its exit code and what it said. */
async function refusedStart(): Promise<{ code: number | null; message: string }> {
  try {
    hub = await spawnHub(env());
  } catch (err) {
    const message = (err as Error).message;
    return { code: Number(/hub exited with (\d+)/.exec(message)?.[1]), message };
  }
  throw new Error('the hub started on a database it should have refused');
}

describe('damage noticed at start', () => {
  it('a damaged database file: a clear message and exit code 3', async () => {
    await dataAfter(20, 'SIGTERM');
    const fd = fs.openSync(dbFile(), 'r+');
    const pageBytes = 4096;
    const size = fs.fstatSync(fd).size;
    expect(size).toBeGreaterThan(3 * pageBytes);
    // Garbage over every page after the first (the header stays valid, so only a check can tell).
    for (let offset = pageBytes; offset < size; offset += pageBytes)
      fs.writeSync(fd, Buffer.alloc(pageBytes, 0xa5), 0, pageBytes, offset);
    fs.closeSync(fd);

    const { code, message } = await refusedStart();
    expect(code).toBe(3);
    expect(message).toMatch(/database .*hub\.db is damaged/);
    expect(message).toContain('Restore it from a backup');
  }, 60_000);

  it('a database written by a newer hub (format or a module schema beyond this one): refused with exit code 4', async () => {
    await dataAfter(20, 'SIGTERM');
    const db = new Database(dbFile());
    db.pragma('user_version = 99');
    db.close();
    let refused = await refusedStart();
    expect(refused.code).toBe(4);
    expect(refused.message).toContain('written by a newer version of the hub (format 99; this hub knows up to 1)');

    const again = new Database(dbFile());
    again.pragma('user_version = 1');
    again.prepare("INSERT INTO schema_migrations (module, version, applied_at) VALUES ('store', 99, 0)").run();
    again.close();
    refused = await refusedStart();
    expect(refused.code).toBe(4);
    expect(refused.message).toContain('store schema version 99, but this hub knows only 1');
  }, 60_000);

  it('a truncated WAL that lost acknowledged events is reported at start (log and health), and the hub carries on', async () => {
    await dataAfter(30, 'SIGKILL');
    const wal = `${dbFile()}-wal`;
    expect(fs.statSync(wal).size).toBeGreaterThan(0);
    fs.truncateSync(wal, 0);

    hub = await spawnHub(env());
    expect(hub.stdout()).toContain('the database lost events it had acknowledged');
    const health = (await (await adminGet(hub.httpPort, '/api/health')).json()) as {
      storage: { lostAcknowledgedEvents?: { acknowledgedUpTo: number; storedUpTo: number } };
    };
    expect(health.storage.lostAcknowledgedEvents).toEqual({ acknowledgedUpTo: 30, storedUpTo: 0 });
  }, 60_000);

  it('a clean restart after kill -9 reports nothing lost', async () => {
    await dataAfter(30, 'SIGKILL');
    hub = await spawnHub(env());
    expect(hub.stdout()).not.toContain('lost events');
    const health = (await (await adminGet(hub.httpPort, '/api/health')).json()) as { storage: Record<string, unknown> };
    expect(health.storage.lostAcknowledgedEvents).toBeUndefined();
  }, 60_000);
});

describe('restating open alerts at start', () => {
  it('waits for the broker: after kill -9 the open alert is republished retained with no failed delivery attempt', async () => {
    hub = await spawnHub(env());
    const sensor = await mqttClient(hub.mqttPort);
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    await sensor.endAsync();
    hub.child.kill('SIGKILL');
    await hub.exited;

    hub = await spawnHub(env());
    const console = await mqttClient(hub.mqttPort);
    const retained = new Promise<string>((resolve) =>
      console.on('message', (topic, payload) => topic.startsWith('telecare/h1/alerts/') && resolve(payload.toString())),
    );
    await console.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    expect(JSON.parse(await retained)).toMatchObject({ kind: 'pendant', state: 'raised' });
    expect(hub.stdout()).not.toContain('alert delivery failed');
    await console.endAsync();
  }, 60_000);

  it('a pending alert row found at start (kill -9 between delivery and mark) is delivered once, after the broker listens, and marked', async () => {
    hub = await spawnHub(env());
    const sensor = await mqttClient(hub.mqttPort);
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    await sensor.endAsync();
    const reader = new Database(dbFile(), { readonly: true });
    const raise =
      "SELECT id, alert_id, version, status, attempts, last_error FROM alert_outbox WHERE channel = 'mqtt' AND alert_id IS NOT NULL";
    try {
      await vi.waitFor(() => expect(reader.prepare(raise).get()).toMatchObject({ status: 'delivered' }), {
        timeout: 15_000,
        interval: 20,
      });
    } finally {
      reader.close();
    }
    hub.child.kill('SIGKILL');
    await hub.exited;
    // The crash came after the alert went out and before its mark was stored: the row is pending, no 'delivered' audit.
    const db = new Database(dbFile());
    const row = db.prepare(raise).get() as { id: number; alert_id: string; version: number };
    db.prepare("UPDATE alert_outbox SET status = 'pending', attempts = 0, delivered_at = NULL WHERE id = ?").run(
      row.id,
    );
    db.prepare("DELETE FROM alert_audit WHERE action = 'delivered' AND alert_id = ?").run(row.alert_id);
    db.close();

    hub = await spawnHub(env());
    const console = await mqttClient(hub.mqttPort);
    const retained = new Promise<string>((resolve) =>
      console.on('message', (topic, payload) => topic.startsWith('telecare/h1/alerts/') && resolve(payload.toString())),
    );
    await console.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    expect(JSON.parse(await retained)).toMatchObject({ id: row.alert_id, state: 'raised' });
    const check = new Database(dbFile(), { readonly: true });
    try {
      // One attempt, the one that went: none tried (and failed) before the broker listened.
      await vi.waitFor(
        () => expect(check.prepare(raise).get()).toMatchObject({ status: 'delivered', attempts: 1, last_error: null }),
        { timeout: 15_000, interval: 20 },
      );
      const marks = check
        .prepare("SELECT count(*) FROM alert_audit WHERE action = 'delivered' AND alert_id = ? AND version = ?")
        .pluck()
        .get(row.alert_id, row.version);
      expect(marks).toBe(1);
    } finally {
      check.close();
    }
    expect(hub.stdout()).not.toContain('alert delivery failed');
    await console.endAsync();
  }, 60_000);
});
