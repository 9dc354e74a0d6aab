// Storage faults under sensors' QoS 1 events on a running hub process (session 28): the write lock held by another
// process, a disk that refuses writes, the database file deleted. The hub keeps answering, tells alerts, acknowledges
// nothing it could not store, reports the fault (health, metrics, one log line) and recovers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  adminCookie,
  killHub,
  mqttClient,
  nextMessage,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('storage-faults');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const dataDir = (): string => path.join(dir, 'data');
const dbFile = (): string => path.join(dataDir(), 'hub.db');
const start = async (env: Record<string, string> = {}): Promise<HubProcess> =>
  spawnHub({ HUB_DATA_DIR: dataDir(), HUB_CONFIG: writeConfig(dir), ...env });

interface Health {
  status: string;
  storage: {
    state: string;
    lastError: string | null;
    eventWrites?: string;
    alertsHeldInMemory: number;
    databaseFile?: { lost: string; restoredTo: string | null } | null;
  };
}

async function health(port: number, cookie: string): Promise<Health> {
  return (await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { cookie } })).json() as never;
}

async function pollHealth(port: number, cookie: string, ok: (h: Health) => boolean, what: string): Promise<Health> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const h = await health(port, cookie);
    if (ok(h)) return h;
    if (Date.now() > deadline) throw new Error(`health never showed ${what}: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function client(port: number, options: Parameters<typeof mqttClient>[1] = {}): Promise<MqttClient> {
  const c = await mqttClient(port, options);
  clients.push(c);
  return c;
}

/** A motion sensor that keeps its session and sends again what was not acknowledged (as a real one does). */
const sensorOptions = { clientId: 'hall-pir-sensor', clean: false, reconnectPeriod: 200 };

const motion = (sensor: MqttClient, n: number): Promise<unknown> =>
  sensor.publishAsync('telecare/h1/devices/hall-pir/events', JSON.stringify({ type: 'motion', value: n % 2 === 0 }), {
    qos: 1,
  });

/** Settles to 'acked' on the PUBACK; 'waiting' while there is none. */
function track(p: Promise<unknown>): () => 'acked' | 'waiting' {
  let state: 'acked' | 'waiting' = 'waiting';
  void p.then(() => (state = 'acked')).catch(() => undefined);
  return () => state;
}

function storedMotion(file = dbFile()): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM events WHERE device_id = 'hall-pir'`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function storedAlertKinds(file = dbFile()): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT kind FROM alerts ORDER BY raised_at').all() as { kind: string }[]).map((a) => a.kind);
  } finally {
    db.close();
  }
}

const logLines = (h: HubProcess, msg: string): number =>
  h
    .stdout()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}`)).length;

async function pendantAlert(h: HubProcess, responder: MqttClient): Promise<{ kind: string; state: string }> {
  const arrives = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t), 20_000);
  const pendant = await client(h.mqttPort);
  await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 0 });
  return JSON.parse((await arrives).payload.toString()) as never;
}

describe('storage faults under sensor events (session 28)', () => {
  it('another process holds the database (BEGIN EXCLUSIVE): events wait unacknowledged, health says so, MQTT and alerts go on; all stored after', async () => {
    hub = await start();
    const cookie = await adminCookie(hub.httpPort);
    const responder = await client(hub.mqttPort);
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const sensor = await client(hub.mqttPort, sensorOptions);
    await motion(sensor, 0);

    const locker = new Database(dbFile());
    let acked: () => 'acked' | 'waiting';
    try {
      locker.exec('BEGIN EXCLUSIVE');
      locker.prepare('UPDATE events SET room = room WHERE id = 1').run();
      acked = track(motion(sensor, 1));
      // Degraded once the event has waited a while for the lock (a moment's lock is not a fault).
      const during = await pollHealth(hub.httpPort, cookie, (h) => h.status === 'degraded', 'degraded');
      expect(during.storage).toMatchObject({ state: 'degraded', eventWrites: 'failing', alertsHeldInMemory: 0 });
      expect(during.storage.lastError).toMatch(/^SQLITE_BUSY/);
      expect(acked()).toBe('waiting');
      // The broker still answers a new client's subscription, and the pendant press is told.
      const other = await client(hub.mqttPort);
      await other.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
      expect(await pendantAlert(hub, responder)).toMatchObject({ kind: 'pendant', state: 'raised' });
      expect(acked()).toBe('waiting');
      const metrics = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`, { headers: { cookie } })).text();
      expect(metrics).toMatch(/telecare_storage_errors_total\{code="SQLITE_BUSY[A-Z_]*",where="events"\} [1-9]/);
      locker.exec('COMMIT');
    } finally {
      locker.close();
    }
    await waitFor(() => acked() === 'acked', 'the PUBACK once the lock went', 20_000);
    await pollHealth(hub.httpPort, cookie, (h) => h.storage.state === 'ok', 'ok');
    expect(storedMotion()).toBe(2);
    expect(storedAlertKinds()).toEqual(['pendant']);
    const running = hub;
    await waitFor(() => logLines(running, 'storage back') === 1, 'the log line of the end');
    expect(logLines(hub, 'storage degraded')).toBe(1);
  }, 90_000);

  it('a disk that refuses writes (file-size limit: EFBIG, SQLite I/O error): refused events are counted, health says so once, one log line; stored when it clears', async () => {
    hub = await start();
    const cookie = await adminCookie(hub.httpPort);
    const sensor = await client(hub.mqttPort, sensorOptions);
    await motion(sensor, 0);
    let reconnects = 0;
    sensor.on('reconnect', () => reconnects++);

    execFileSync('prlimit', ['--pid', String(hub.child.pid), '--fsize=1:unlimited']);
    const acked = track(motion(sensor, 1));
    const during = await pollHealth(hub.httpPort, cookie, (h) => h.status === 'degraded', 'degraded');
    expect(during.storage).toMatchObject({ state: 'degraded', eventWrites: 'failing', alertsHeldInMemory: 0 });
    // The hub drops the connection without a PUBACK; the sensor comes back and sends it again, refused again.
    await waitFor(() => reconnects >= 3, 'the sensor to send its event again three times', 30_000);
    expect(acked()).toBe('waiting');
    const metrics = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`, { headers: { cookie } })).text();
    const refused = /telecare_storage_errors_total\{code="(SQLITE_[A-Z_]+)",where="events"\} (\d+)/.exec(metrics);
    expect(refused?.[1]).toMatch(/^SQLITE_(IOERR|FULL)/);
    expect(Number(refused?.[2])).toBeGreaterThanOrEqual(3);
    // One line for the episode, not one per refused batch.
    expect(logLines(hub, 'storing sensor events failed')).toBe(0);
    expect(
      hub
        .stdout()
        .split('\n')
        .filter((l) => l.includes('"msg":"storage operation failed"') && l.includes('"where":"events"')),
    ).toHaveLength(1);
    expect(logLines(hub, 'storage degraded')).toBe(1);

    execFileSync('prlimit', ['--pid', String(hub.child.pid), '--fsize=unlimited:unlimited']);
    await waitFor(() => acked() === 'acked', 'the PUBACK once the disk takes writes', 30_000);
    await pollHealth(hub.httpPort, cookie, (h) => h.storage.state === 'ok', 'ok');
    expect(storedMotion()).toBe(2);
    expect(hub.child.exitCode).toBeNull();
  }, 90_000);

  it('the database file deleted under the running hub: nothing more is acknowledged, alerts still go out, the file is written back, and a restart loses nothing acknowledged', async () => {
    hub = await start();
    const cookie = await adminCookie(hub.httpPort);
    const responder = await client(hub.mqttPort);
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const sensor = await client(hub.mqttPort, sensorOptions);
    await motion(sensor, 0);
    expect(await pendantAlert(hub, responder)).toMatchObject({ kind: 'pendant', state: 'raised' });

    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${dbFile()}${suffix}`, { force: true });
    const during = await pollHealth(hub.httpPort, cookie, (h) => h.storage.databaseFile?.restoredTo != null, 'lost');
    expect(during.status).toBe('degraded');
    expect(during.storage.databaseFile).toEqual({ lost: 'hub.db deleted', restoredTo: dbFile() });
    // Everything acknowledged so far is back in the file at its path.
    expect(storedMotion()).toBe(1);
    expect(storedAlertKinds()).toEqual(['pendant']);

    // From now on nothing is acknowledged; a repeated press is still told (from memory).
    const acked = track(motion(sensor, 1));
    const repeat = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t), 20_000);
    const pendant = await client(hub.mqttPort);
    await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 0 });
    expect(JSON.parse((await repeat).payload.toString())).toMatchObject({ kind: 'pendant', count: 2 });
    await pollHealth(hub.httpPort, cookie, (h) => h.storage.eventWrites === 'failing', 'events refused');
    expect(acked()).toBe('waiting');
    // A device that speaks HTTP is told to send again (was: 500 and an error line per request).
    const base = `http://127.0.0.1:${hub.httpPort}`;
    const posted = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ homeId: 'h1', deviceId: 'front', type: 'contact', value: true }),
    });
    expect(posted.status).toBe(503);
    expect(posted.headers.get('retry-after')).toBe('5');
    expect(await posted.json()).toMatchObject({ error: 'STORAGE_UNAVAILABLE' });
    expect(logLines(hub, 'dashboard request failed')).toBe(0);
    const running = hub;
    await waitFor(() => logLines(running, 'the database was written back') === 1, 'the log line');

    // Restarted (gracefully) on the same folder: the written-back database opens, and the sensor's event comes again.
    // Same MQTT port: the sensor comes back to it by itself.
    const mqttPort = String(hub.mqttPort);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    hub = await start({ HUB_MQTT_PORT: mqttPort });
    await waitFor(() => acked() === 'acked', 'the PUBACK after the restart', 30_000);
    expect(storedMotion()).toBe(2);
    expect(storedAlertKinds()).toEqual(['pendant']);
    const after = await health(hub.httpPort, await adminCookie(hub.httpPort));
    expect(after.storage).toMatchObject({ state: 'ok', databaseFile: null });
  }, 120_000);
});
