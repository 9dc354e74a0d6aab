// Retention: raw events and finished notifications older than the retention go in small batches; alerts and audit stay.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateAlerts } from '../../hub/alerts/schema.js';
import { FakeClock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { Retention } from '../../hub/retention.js';
import { StorageHealth } from '../../hub/storage-health.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { tempDir } from './helpers.js';
import { DAY_MS } from '../../rules/time.js';

let dir: string;
let db: Database;
let store: EventStore;
const clock = new FakeClock(Date.UTC(2025, 0, 1));

function motion(n: number): SensorEvent[] {
  return Array.from({ length: n }, () => ({
    homeId: 'h1',
    deviceId: 'hall-pir',
    type: 'motion',
    value: true,
    ts: clock.now(),
    source: 'mqtt',
    assigned: true,
    room: 'hall',
    kind: 'motion',
  }));
}

function outboxRow(status: string, createdAt: number): void {
  db.prepare(
    `INSERT INTO alert_outbox (channel, alert_id, version, topic, payload, created_at, next_attempt_at, status)
     VALUES ('mqtt', NULL, NULL, 'telecare/h1/prealert', '', ?, ?, ?)`,
  ).run(createdAt, createdAt, status);
}

const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;

function retention(): Retention {
  const metrics = createMetricsRegistry();
  return new Retention({
    db,
    clock,
    logger: silentLogger,
    storage: new StorageHealth(metrics, silentLogger, () => clock.now()),
    retentionDays: 400,
    batchRows: 100,
  });
}

beforeEach(() => {
  dir = tempDir('retention');
  db = openHubDatabase(path.join(dir, 'hub.db'));
  store = new EventStore(db, clock);
  migrateAlerts(db);
});

afterEach(() => {
  store.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('retention', () => {
  it('prunes raw events and finished notifications older than 400 days, batch by batch, and keeps alerts, audit and recent data', async () => {
    const oldAt = clock.now();
    await store.append(motion(1_050));
    outboxRow('delivered', oldAt);
    outboxRow('superseded', oldAt);
    outboxRow('pending', oldAt);
    db.prepare(
      `INSERT INTO alerts (id, home_id, kind, severity, state, raised_at, last_seen_at, ladder) VALUES ('a1', 'h1', 'pendant', 'critical', 'resolved', ?, ?, '[]')`,
    ).run(oldAt, oldAt);
    db.prepare(
      `INSERT INTO alert_audit (alert_id, at, actor, action, version) VALUES ('a1', ?, 'hub', 'raise', 1)`,
    ).run(oldAt);

    clock.advanceBy(401 * DAY_MS);
    await store.append(motion(7));
    outboxRow('delivered', clock.now());

    // Count turns of the event loop while the pruning runs: it must yield between its batches.
    let turns = 0;
    let counting = true;
    const tick = (): void => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await retention().runOnce();
    counting = false;

    expect(result).toEqual({ events: 1_050, outbox: 2, repeats: 0 });
    expect(turns).toBeGreaterThanOrEqual(10);
    expect(count('SELECT COUNT(*) AS n FROM events')).toBe(7);
    expect(count("SELECT COUNT(*) AS n FROM alert_outbox WHERE status = 'pending'")).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM alert_outbox')).toBe(2);
    expect(count('SELECT COUNT(*) AS n FROM alerts')).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM alert_audit')).toBe(1);
  });

  it('keeps the newest event even when every event is old, so event ids never start again', async () => {
    await store.append(motion(250));
    clock.advanceBy(500 * DAY_MS);
    expect(await retention().runOnce()).toEqual({ events: 249, outbox: 0, repeats: 0 });
    expect(db.prepare('SELECT id FROM events').all()).toEqual([{ id: 250 }]);
  });

  it("prunes a chattering device's repeat counts (hub/chatter.ts) by their window, as the events they stand for", async () => {
    const row = (windowStart: number) => ({
      homeId: 'h1',
      deviceId: 'hall-pir',
      type: 'motion' as const,
      value: true,
      windowStart,
      firstTs: windowStart,
      lastTs: windowStart + 1_000,
      count: 500,
      batch: store.repeatBatch,
    });
    store.queueRepeat(row(clock.now()));
    store.queueRepeat(row(clock.now() + 60_000));
    await store.batchDurable();
    clock.advanceBy(401 * DAY_MS);
    store.queueRepeat(row(clock.now()));
    await store.batchDurable();
    expect(await retention().runOnce()).toEqual({ events: 0, outbox: 0, repeats: 2 });
    expect(db.prepare('SELECT window_start, count FROM event_repeats').all()).toEqual([
      { window_start: clock.now(), count: 500 },
    ]);
  });
});
