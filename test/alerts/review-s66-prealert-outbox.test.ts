// Review, session 66: a retained message of no alert (a home's pre-alert) waiting in the outbox while the broker cannot
// take it (a hub on its own Mosquitto started before the broker is up; MQTT rows held until it connects) was joined by
// a row of its own for every later change of the same topic, each read and superseded at the reconnection by the drain
// in a commit of its own. The newer message now takes the waiting row's place. The real alert service and outbox on a
// SQLite file in a temp folder, a real aedes broker, a fake clock; commits counted at better-sqlite3's calls.
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PREALERT_WINDOW_MS } from '../../hub/alerts/prealerts.js';
import { migrateAlerts } from '../../hub/alerts/schema.js';
import { AlertService } from '../../hub/alerts/service.js';
import { FakeClock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { MINUTE_MS } from '../../rules/time.js';
import { countCommits, type CommitCount } from '../support/commit-count.js';
import { homeConfig, startBroker, tempDb, type TempDb, type TestBroker } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const TOPIC = 'telecare/h1/prealert';

describe('pre-alert changes while the broker is not up', () => {
  let store: TempDb | undefined;
  let broker: TestBroker | undefined;
  let alerts: AlertService | undefined;
  let db: Database.Database | undefined;
  let counter: CommitCount | undefined;

  afterEach(async () => {
    counter?.restore();
    await alerts?.stop();
    db?.close();
    await broker?.close();
    store?.remove();
    counter = alerts = db = store = broker = undefined;
  });

  it('leave one row for the home, the newest, sent once the broker is up: no row superseded, no commit each', async () => {
    store = tempDb();
    broker = await startBroker();
    db = store.open();
    const clock = new FakeClock(T0);
    alerts = new AlertService({
      db,
      publisher: broker.publisher,
      config: homeConfig([]),
      clock,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
    });
    // As a hub on an external broker starts: MQTT rows held until it has connected (restateOpen).
    await alerts.start({ restate: false });
    const windows = 50;
    for (let i = 0; i < windows; i++) {
      // A warning started, cancelled by activity, started again: each window ends with a new one running.
      const at = clock.now();
      if (i > 0) alerts.apply({ type: 'prealert-cancel', homeId: 'h1', kind: 'inactivity', at });
      alerts.apply({ type: 'prealert', homeId: 'h1', kind: 'inactivity', raiseAt: at + 10 * MINUTE_MS, at });
      clock.advanceBy(PREALERT_WINDOW_MS);
    }
    const lastRaiseAt = new Date(T0 + (windows - 1) * PREALERT_WINDOW_MS + 10 * MINUTE_MS).toISOString();
    const rows = () =>
      db!.prepare('SELECT status, payload FROM alert_outbox WHERE topic = ? ORDER BY id').all(TOPIC) as {
        status: string;
        payload: string;
      }[];
    // Before: 50 rows waiting, one a window.
    expect(rows()).toEqual([
      { status: 'pending', payload: JSON.stringify({ kind: 'inactivity', raiseAt: lastRaiseAt }) },
    ]);

    // The broker is up: what the store holds is sent.
    counter = countCommits(['alert_outbox']);
    alerts.restateOpen();
    const newest = JSON.stringify({ kind: 'inactivity', raiseAt: lastRaiseAt });
    await vi.waitFor(async () => expect((await broker!.retained(TOPIC)).get(TOPIC)).toBe(newest), {
      timeout: 15_000,
      interval: 20,
    });
    await alerts.settled();
    // Restated from the store at the connection too (a broker may have lost it): into the same row, sent once.
    expect(rows()).toEqual([{ status: 'delivered', payload: newest }]);
    // The restatement, the retry of held rows, the delivery's mark. Before: 50 rows superseded by the drain (the
    // restatement's among them), a commit each.
    expect(counter.writing('alert_outbox').length).toBeLessThanOrEqual(3);
  }, 60_000);

  it('left pending by a killed hub are superseded in one commit at the next start, not one each', async () => {
    store = tempDb();
    broker = await startBroker();
    db = store.open();
    migrateAlerts(db);
    // What a hub killed while a door's pre-alert kept changing leaves (before this session's window: a row a change).
    const owed = 100;
    const insert = db.prepare(`INSERT INTO alert_outbox (channel, alert_id, version, topic, payload, retain,
      created_at, next_attempt_at) VALUES ('mqtt', NULL, NULL, ?, ?, 1, ?, ?)`);
    for (let i = 0; i < owed; i++) {
      const payload =
        i % 2 === 0 ? JSON.stringify({ kind: 'inactivity', raiseAt: new Date(T0 + i).toISOString() }) : '';
      insert.run(TOPIC, payload, T0 + i, T0 + i);
    }
    const clock = new FakeClock(T0 + owed);
    counter = countCommits(['alert_outbox']);
    alerts = new AlertService({
      db,
      publisher: broker.publisher,
      config: homeConfig([]),
      clock,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
    });
    await alerts.start();
    await vi.waitFor(
      () =>
        expect(db!.prepare("SELECT COUNT(*) AS n FROM alert_outbox WHERE status = 'pending'").get()).toEqual({ n: 1 }),
      { timeout: 15_000, interval: 20 },
    );
    await alerts.settled();
    const statuses = db.prepare('SELECT status, COUNT(*) AS n FROM alert_outbox GROUP BY status ORDER BY status').all();
    expect(statuses).toEqual([
      { status: 'delivered', n: 1 },
      { status: 'superseded', n: owed - 1 },
    ]);
    // The newest (an empty message: the warning was cleared last) is what the broker holds: nothing.
    expect((await broker.retained(TOPIC)).get(TOPIC)).toBeUndefined();
    // The drain's one commit of the 99 superseded, the start's retry of waiting rows, the delivery's mark. Before: a
    // commit each superseded row (101).
    expect(counter.writing('alert_outbox').length).toBeLessThanOrEqual(3);
  }, 60_000);
});
