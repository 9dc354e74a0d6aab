// Disk off the alert path: the event store's fsync and checkpoints run in a worker thread; a lock held elsewhere never freezes the loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { ONE_HOME_CONFIG, mqttClient, projectRoot, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;
let holder: ChildProcess | undefined;

beforeEach(() => {
  dir = tempDir('offloop');
});

afterEach(async () => {
  if (holder && holder.exitCode === null) {
    // Gone (and its lock with it) before the hub stops and the folder is removed.
    const exited = once(holder, 'exit');
    holder.kill('SIGKILL');
    await exited;
  }
  holder = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Another process that takes the database's write lock and keeps it until told 'release' on stdin. */
async function holdWriteLock(dbFile: string): Promise<{ release: () => Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO rule_state (key, json, updated_at, last_event_id) VALUES ('other-process', '{}', 0, 0)").run();
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script, dbFile], {
    cwd: projectRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  holder = child;
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    release: async () => {
      child.stdin.write('release\n');
      await exited;
    },
  };
}

function motion(ts: number): SensorEvent {
  return {
    homeId: 'h1',
    deviceId: 'pir',
    type: 'motion',
    value: true,
    ts,
    source: 'mqtt',
    room: 'hall',
    kind: 'motion',
    assigned: true,
  };
}

describe('event store off the loop', () => {
  it('while another process holds the write lock the hub keeps answering; the PUBACK waits and the event is stored once the lock goes', async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const running = hub;
    const lock = await holdWriteLock(path.join(dir, 'data', 'hub.db'));
    const sensor = await mqttClient(hub.ports.mqtt!);
    let closes = 0;
    sensor.on('close', () => closes++);
    let acked = false;
    const puback = sensor
      .publishAsync('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 })
      .then(() => {
        acked = true;
      });
    // The batch met the lock (and waits on a timer for its next try): the loop turns meanwhile, the HTTP server answers.
    const busyRetries = async (): Promise<number> => {
      const text = await running.metrics.getSingleMetricAsString('telecare_store_busy_total');
      return Number(/telecare_store_busy_total (\d+)/.exec(text)?.[1] ?? 0);
    };
    await vi.waitFor(async () => expect(await busyRetries()).toBeGreaterThan(0), { timeout: 15_000, interval: 20 });
    const health = await fetch(`http://127.0.0.1:${hub.ports.http}/api/health`);
    expect(health.status).toBe(200);
    expect(acked).toBe(false);
    expect(hub.store.eventsAfter(0)).toEqual([]);
    expect(closes).toBe(0);

    await lock.release();
    await puback;
    expect(closes).toBe(0);
    expect(hub.store.eventsAfter(0).map((e) => [e.deviceId, e.type])).toEqual([['hall-pir', 'motion']]);
    await sensor.endAsync();
  });

  it('an alert is published before its press is acknowledged, and the press is durable once it is', async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const sensor = await mqttClient(hub.ports.mqtt!);
    const order: string[] = [];
    hub.alerts.subscribe((a) => order.push(`alert ${a.state}`));
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    order.push('puback');
    expect(order).toEqual(['alert raised', 'puback']);
    // Read back through another connection: what was acknowledged is in the file.
    const reader = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
    expect((reader.prepare("SELECT count(*) AS n FROM events WHERE type = 'pendant'").get() as { n: number }).n).toBe(
      1,
    );
    reader.close();
    await sensor.endAsync();
  });

  it('the store connection never checkpoints; a short-lived worker thread does, from its own connection', async () => {
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const metrics = createMetricsRegistry();
    const store = new EventStore(db, new FakeClock(), metrics, { checkpointBytes: 64 * 1024 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const dbSizeBefore = fs.statSync(path.join(dir, 'hub.db')).size;
    let ts = 0;
    for (let round = 0; round < 40; round++) {
      await store.append(Array.from({ length: 200 }, () => motion(++ts)));
    }
    const checkpoints = async (): Promise<number> => {
      const text = await metrics.getSingleMetricAsString('telecare_store_checkpoints_total');
      return Number(/result="done"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    await vi.waitFor(async () => expect(await checkpoints()).toBeGreaterThan(0), { timeout: 15_000, interval: 20 });
    // The checkpoint copied the WAL's pages into the database file: 8,000 rows are about 1 MB.
    expect(fs.statSync(path.join(dir, 'hub.db')).size).toBeGreaterThan(dbSizeBefore + 200 * 1024);
    expect(store.eventsAfter(0, 10_000)).toHaveLength(8_000);
    store.close();
    db.close();
  });
});
