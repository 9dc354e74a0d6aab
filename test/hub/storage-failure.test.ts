// Storage faults on a running hub process: a full disk (file-size limit) and another process holding the write lock.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  adminCookie,
  killHub,
  ONE_HOME_CONFIG,
  mqttClient,
  nextMessage,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('storage');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const dbFile = (): string => path.join(dir, 'data', 'hub.db');

function storedAlerts(): { kind: string; state: string; version: number }[] {
  const db = new Database(dbFile(), { readonly: true });
  try {
    return db.prepare('SELECT kind, state, version FROM alerts ORDER BY raised_at').all() as never;
  } finally {
    db.close();
  }
}

/** Health with its details: those need a login (taken before the failure: a login stores its session). */
async function health(
  port: number,
  cookie: string,
): Promise<{ status: string; storage: { state: string; alertsHeldInMemory: number; lastError: string | null } }> {
  return (await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { cookie } })).json() as never;
}

/** A pendant press over MQTT (QoS 0: the hub cannot acknowledge a QoS 1 event it cannot store). */
async function pressPendant(mqttPort: number): Promise<void> {
  const pendant = await mqttClient(mqttPort);
  await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 0 });
  await pendant.endAsync();
}

async function pollHealth(port: number, cookie: string, state: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await health(port, cookie)).storage.state !== state) {
    if (Date.now() > deadline) throw new Error(`storage never became ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a storage failure never silences an emergency', () => {
  it('disk full (file-size limit on the hub process): the pendant alert reaches MQTT, health says degraded, it is stored once space returns', async () => {
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) });
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });

    const cookie = await adminCookie(hub.httpPort);
    // From now on every write to a regular file fails with EFBIG, as on a full disk.
    execFileSync('prlimit', ['--pid', String(hub.child.pid), '--fsize=1:unlimited']);
    const arrives = nextMessage(responder, (t) => t.startsWith('telecare/h1/alerts/'), 20_000);
    await pressPendant(hub.mqttPort);
    const alert = JSON.parse((await arrives).payload.toString()) as { kind: string; state: string };
    expect(alert).toMatchObject({ kind: 'pendant', state: 'raised' });

    const degraded = await health(hub.httpPort, cookie);
    expect(degraded.status).toBe('degraded');
    expect(degraded.storage).toMatchObject({ state: 'degraded', alertsHeldInMemory: 1 });
    expect(storedAlerts()).toEqual([]);
    const metrics = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`, { headers: { cookie } })).text();
    expect(metrics).toMatch(/telecare_storage_errors_total\{code="SQLITE_[A-Z_]+",where="alert-raise"\} [1-9]/);
    expect(metrics).toMatch(/telecare_alerts_held_in_memory 1/);

    execFileSync('prlimit', ['--pid', String(hub.child.pid), '--fsize=unlimited:unlimited']);
    await pollHealth(hub.httpPort, cookie, 'ok');
    expect(storedAlerts()).toEqual([{ kind: 'pendant', state: 'raised', version: 1 }]);
    // The log comes through a pipe of its own: it may arrive a little after the MQTT message and the health answer.
    const running = hub;
    await waitFor(() => running.stdout().includes('alert told from memory: storage failed'), 'the failure log line');
    await waitFor(() => running.stdout().includes('alerts told from memory are stored'), 'the log line');
    expect(hub.child.exitCode).toBeNull();
    await responder.endAsync();
  }, 60_000);

  it('another process holds the write lock: the pendant alert still reaches MQTT, is acknowledged from memory, and both are stored after the lock goes', async () => {
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) });
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });

    // Logged in before the lock: a login stores its session.
    const cookie = await adminCookie(hub.httpPort);
    const locker = new Database(dbFile());
    try {
      locker.exec('BEGIN IMMEDIATE');
      const arrives = nextMessage(responder, (t) => t.startsWith('telecare/h1/alerts/'), 20_000);
      await pressPendant(hub.mqttPort);
      const { topic, payload } = await arrives;
      expect(JSON.parse(payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised', version: 1 });
      expect((await health(hub.httpPort, cookie)).storage).toMatchObject({
        state: 'degraded',
        lastError: 'SQLITE_BUSY',
      });

      // A responder acknowledges while the lock is still held: answered, and published as version 2.
      const acked = nextMessage(responder, (t) => t === topic, 20_000);
      const ack = await acknowledge(hub.httpPort, cookie, topic.split('/').pop()!);
      expect(ack).toMatchObject({ state: 'acknowledged', version: 2 });
      expect(JSON.parse((await acked).payload.toString())).toMatchObject({ state: 'acknowledged', version: 2 });
      locker.exec('COMMIT');
    } finally {
      locker.close();
    }
    await pollHealth(hub.httpPort, cookie, 'ok');
    expect(storedAlerts()).toEqual([{ kind: 'pendant', state: 'acknowledged', version: 2 }]);
    await waitFor(() => auditActions().includes('acknowledge'), 'the audit trail');
    expect(auditActions()).toEqual(expect.arrayContaining(['raise', 'acknowledge']));
    await responder.endAsync();
  }, 60_000);
});

describe('no storage error ends the process or stops its timers', () => {
  it('with the disk full, the escalation timer still fires (from memory), the hub stays up, and the escalation is stored once space returns', async () => {
    const config = {
      ...ONE_HOME_CONFIG,
      responders: [
        { id: 'ann', group: 'first' },
        { id: 'bob', group: 'second' },
      ],
      escalation: {
        default: [
          { group: 'first', timeoutSeconds: 1 },
          { group: 'second', timeoutSeconds: 600 },
        ],
      },
    };
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, config) });
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const cookie = await adminCookie(hub.httpPort);
    execFileSync('prlimit', ['--pid', String(hub.child.pid), '--fsize=1:unlimited']);

    const versions: { version: number; escalationLevel: number }[] = [];
    responder.on('message', (_t, payload) => {
      if (payload.length > 0)
        versions.push(JSON.parse(payload.toString()) as { version: number; escalationLevel: number });
    });
    await pressPendant(hub.mqttPort);
    await waitFor(() => versions.some((v) => v.escalationLevel === 1), 'the escalation', 20_000);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(hub.child.exitCode).toBeNull();

    execFileSync('prlimit', ['--pid', String(hub.child.pid), '--fsize=unlimited:unlimited']);
    await pollHealth(hub.httpPort, cookie, 'ok');
    const db = new Database(dbFile(), { readonly: true });
    try {
      expect(db.prepare('SELECT escalation_level, version FROM alerts').all()).toEqual([
        { escalation_level: 1, version: 2 },
      ]);
    } finally {
      db.close();
    }
    // Both versions went out from memory; the audit trail says so once stored.
    expect(auditActions()).toEqual(['raise', 'escalate', 'delivered', 'delivered']);
    await responder.endAsync();
  }, 60_000);
});

function auditActions(): string[] {
  const db = new Database(dbFile(), { readonly: true });
  try {
    return (db.prepare('SELECT action FROM alert_audit ORDER BY id').all() as { action: string }[]).map(
      (r) => r.action,
    );
  } finally {
    db.close();
  }
}

async function acknowledge(httpPort: number, cookie: string, alertId: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/alerts/${alertId}/ack`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: '{}',
  });
  return res.json();
}
