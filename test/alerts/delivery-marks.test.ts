// Delivery marks: the deliveries of many alert changes, made in many turns, are marked delivered in one transaction
// per window, not one each (each was a write transaction on the loop a moment after its publish, in front of the next
// press in a quarter of presses); every delivery is marked once the service has settled, and when it stops, with the
// time of the delivery. And a service whose broker starts after it holds its MQTT rows (not its webhooks) until then.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type Database from 'better-sqlite3';
import { AlertService } from '../../hub/alerts/service.js';
import { FakeClock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { homeConfig, ladderConfig, pendantPress, startStage, waitFor, type AlertStage } from './helpers.js';

const MARK_DELIVERED = "SET status = 'delivered'";

/** Counts the transactions of `db` that marked at least one outbox row delivered, until `restore()`. */
function countMarkTransactions(db: Database.Database): { count: () => number; restore: () => void } {
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as { run: (...a: unknown[]) => unknown };
  const run = proto.run;
  const transaction = db.transaction.bind(db);
  let inTransaction = false;
  let marked = false;
  let count = 0;
  proto.run = function (this: Database.Statement, ...a: unknown[]): unknown {
    if (inTransaction && this.source.includes(MARK_DELIVERED)) marked = true;
    return run.apply(this, a);
  };
  db.transaction = ((fn: (...a: unknown[]) => unknown) =>
    transaction((...a: unknown[]) => {
      inTransaction = true;
      marked = false;
      try {
        return fn(...a);
      } finally {
        inTransaction = false;
        if (marked) count++;
      }
    })) as typeof db.transaction;
  return {
    count: () => count,
    restore: () => {
      proto.run = run;
      db.transaction = transaction;
    },
  };
}

describe('delivery marks', () => {
  let stage: AlertStage;
  const clock = new FakeClock();
  const restores: (() => void)[] = [];

  beforeEach(async () => {
    stage = await startStage();
  });

  afterEach(async () => {
    for (const restore of restores.splice(0)) restore();
    await stage.close();
  });

  it('marks the deliveries of ten alerts raised and resolved in ten turns in one transaction', async () => {
    const { alerts, db } = await stage.alertService(homeConfig([]), clock, undefined, undefined, {
      deliveryMarksWindowMs: 600_000,
    });
    const console = await stage.subscriber(['telecare/h1/alerts/+']);
    const marks = countMarkTransactions(db);
    restores.push(marks.restore);
    for (let i = 0; i < 10; i++) {
      const alert = alerts.apply(pendantPress(clock.now()))!;
      // Delivered (the subscriber has it) before the next change: each delivery completes in a turn of its own.
      await waitFor(() => console.messages.some((m) => m.payload.includes(alert.id)), `alert ${i} delivered`);
      alerts.resolve(alert.id, 'false-alarm', null, 'ann');
    }
    // Each alert: raised, resolved, then the empty message clearing its retained copy.
    await waitFor(() => console.messages.length >= 30, 'raised, resolved and cleared, ten times');
    // Delivered, not marked yet: not one mark transaction so far.
    expect(marks.count()).toBe(0);
    await alerts.settled();
    expect(marks.count()).toBe(1);
    const statuses = db.prepare('SELECT status, count(*) AS n FROM alert_outbox GROUP BY status').all();
    expect(statuses).toEqual([{ status: 'delivered', n: 20 }]);
    const audited = db.prepare("SELECT count(*) AS n FROM alert_audit WHERE action = 'delivered'").get();
    expect(audited).toEqual({ n: 20 });
    // Nothing was sent twice while its mark waited.
    const states = console.messages.map((m) =>
      m.payload === '' ? 'cleared' : (JSON.parse(m.payload) as { state: string }).state,
    );
    expect(states.filter((s) => s === 'raised')).toHaveLength(10);
    expect(states.filter((s) => s === 'resolved')).toHaveLength(10);
    expect(states.filter((s) => s === 'cleared')).toHaveLength(10);
  });

  it("stores the marks at the window's end without being asked, from an immediate after those queued before", async () => {
    const windowClock = new FakeClock();
    const metrics = createMetricsRegistry();
    const { alerts, db } = await stage.alertService(homeConfig([]), windowClock, metrics, undefined, {
      deliveryMarksWindowMs: 30_000,
    });
    const console = await stage.subscriber(['telecare/h1/alerts/+']);
    const alert = alerts.apply(pendantPress(windowClock.now()))!;
    await waitFor(() => console.messages.some((m) => m.payload.includes(alert.id)), 'the alert delivered');
    // The delivery counted: its mark is held, its window running on the hub's clock.
    const deliveries = async (): Promise<string> => metrics.getSingleMetricAsString('telecare_alert_deliveries_total');
    await vi.waitFor(async () => expect(await deliveries()).toContain('{channel="mqtt"} 1'), {
      timeout: 15_000,
      interval: 20,
    });
    const status = db.prepare('SELECT status FROM alert_outbox WHERE alert_id = ?').pluck();
    const seen: unknown[] = [];
    // Queued before the window ends, as aedes queues an alert's delivery in the turn that reads a press.
    setImmediate(() => seen.push(status.get(alert.id)));
    windowClock.advanceTo(windowClock.now() + 30_000);
    seen.push(status.get(alert.id));
    await vi.waitFor(() => expect(status.get(alert.id)).toBe('delivered'), { timeout: 15_000, interval: 20 });
    expect(seen).toEqual(['pending', 'pending']);
  });

  it('stores the marks it holds when it stops', async () => {
    const { alerts } = await stage.alertService(homeConfig([]), clock, undefined, undefined, {
      deliveryMarksWindowMs: 600_000,
    });
    const console = await stage.subscriber(['telecare/h1/alerts/+']);
    const alert = alerts.apply(pendantPress(clock.now()))!;
    await waitFor(() => console.messages.some((m) => m.payload.includes(alert.id)), 'the alert delivered');
    await alerts.stop();
    const reopened = stage.store.open();
    try {
      const row = reopened.prepare('SELECT status FROM alert_outbox WHERE alert_id = ?').pluck().get(alert.id);
      expect(row).toBe('delivered');
    } finally {
      reopened.close();
    }
  });

  it('a mark and its audit entry keep the time of the delivery, not of the window end', async () => {
    const marksClock = new FakeClock();
    const { alerts, db } = await stage.alertService(homeConfig([]), marksClock, undefined, undefined, {
      deliveryMarksWindowMs: 600_000,
    });
    const console = await stage.subscriber(['telecare/h1/alerts/+']);
    const deliveredAtMs = marksClock.now();
    const alert = alerts.apply(pendantPress(deliveredAtMs))!;
    await waitFor(() => console.messages.some((m) => m.payload.includes(alert.id)), 'the alert delivered');
    marksClock.advanceTo(deliveredAtMs + 5_000);
    await alerts.settled();
    expect(db.prepare('SELECT status, delivered_at FROM alert_outbox WHERE alert_id = ?').get(alert.id)).toEqual({
      status: 'delivered',
      delivered_at: deliveredAtMs,
    });
    const audit = db.prepare("SELECT at FROM alert_audit WHERE action = 'delivered' AND alert_id = ?").pluck();
    expect(audit.all(alert.id)).toEqual([deliveredAtMs]);
  });
});

describe('a service whose broker starts after it (start with restate: false)', () => {
  let stage: AlertStage;

  beforeEach(async () => {
    stage = await startStage();
  });

  afterEach(async () => {
    await stage.close();
  });

  it('holds MQTT deliveries until restateOpen(), then makes each once; webhooks go meanwhile', async () => {
    const clock = new FakeClock();
    const callCentre = await stage.webhook();
    const supervisors = await stage.webhook();
    const db = stage.store.open();
    const alerts = new AlertService({
      db,
      publisher: stage.broker.publisher,
      config: ladderConfig(callCentre, supervisors),
      clock,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
      outbox: { webhookTimeoutMs: 15_000 },
    });
    try {
      await alerts.start({ restate: false });
      const console = await stage.subscriber(['telecare/h1/alerts/+']);
      const alert = alerts.apply(pendantPress(clock.now()))!;
      await waitFor(() => callCentre.accepted().length === 1, 'the webhook delivered while MQTT is held');
      const mqttRow = db.prepare("SELECT status, attempts FROM alert_outbox WHERE channel = 'mqtt' AND alert_id = ?");
      expect(mqttRow.get(alert.id)).toEqual({ status: 'pending', attempts: 0 });
      expect(console.messages).toEqual([]);

      alerts.restateOpen();
      await waitFor(() => console.messages.length > 0, 'the alert published once the broker is up');
      await alerts.settled();
      expect(mqttRow.get(alert.id)).toEqual({ status: 'delivered', attempts: 1 });
      // Not restated besides: the pending row carried the newest version.
      expect(console.messages.map((m) => (JSON.parse(m.payload) as { id: string }).id)).toEqual([alert.id]);
    } finally {
      await alerts.stop();
      db.close();
    }
  });
});
