// Disk off the alert path: the event store's fsync and checkpoints run in a worker thread; a lock held elsewhere never freezes the loop.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;
let holder: WriteLock | undefined;

beforeEach(() => {
  dir = tempDir('offloop');
});

afterEach(async () => {
  // Gone (and its lock with it) before the hub stops and the folder is removed.
  await holder?.kill();
  holder = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

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
    const lock = (holder = await holdWriteLock(path.join(dir, 'data', 'hub.db'), { writeRow: true }));
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

  it('the store connection never checkpoints; a checkpoint thread does, from its own connection', async () => {
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
    // The checkpoint copied WAL pages into the database file. Not necessarily all 8,000 rows (about 1 MB): a passive
    // checkpoint copies what the log held when it began (once in CI only 150 KB had been, against 200 KB expected).
    expect(fs.statSync(path.join(dir, 'hub.db')).size).toBeGreaterThan(dbSizeBefore);
    expect(store.eventsAfter(0, 10_000)).toHaveLength(8_000);
    store.close();
    db.close();
  });
});
