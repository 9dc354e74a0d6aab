// The life of an alert: escalation up the ladder, acknowledgement, resolution, merging repeats, cancelling, pre-alerts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { Writable } from 'node:stream';
import { FakeClock } from '../../hub/clock.js';
import { createLogger } from '../../hub/logger.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { ackShares, queryAlertAudit, queryAlerts, queryEscalationSteps } from '../../hub/alerts/query.js';
import {
  nth,
  ladderConfig,
  pendantPress,
  startStage,
  waitFor,
  type AlertStage,
  type TestBroker,
  type TestSubscriber,
  type WebhookReceiver,
} from './helpers.js';

describe('alert lifecycle', () => {
  let stage: AlertStage;
  let broker: TestBroker;
  let db: Database.Database;
  let firstLine: WebhookReceiver;
  let supervisors: WebhookReceiver;
  let alerts: AlertService;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    stage = await startStage();
    broker = stage.broker;
    firstLine = await stage.webhook();
    supervisors = await stage.webhook();
    ({ alerts, db } = await stage.alertService(ladderConfig(firstLine, supervisors), clock));
  });

  afterEach(() => stage.close());

  const freshSubscriber = (topic: string): Promise<TestSubscriber> => stage.subscriber([topic]);

  /** Retained messages a console connecting now would get, read from the broker itself. */
  const retainedFor = async (alertId: string) =>
    (await broker.retained(`telecare/h1/alerts/${alertId}`)).get(`telecare/h1/alerts/${alertId}`);

  it('unacknowledged for 60 s goes to the second group; acknowledged stops the ladder; false-alarm clears the retained alert', async () => {
    const alert = alerts.apply(pendantPress(clock.now()))!;
    await waitFor(() => firstLine.requests.length === 1, 'first line told');

    clock.advanceBy(59_000);
    expect(alerts.get(alert.id)!.escalationLevel).toBe(0);
    clock.advanceBy(1_000);
    expect(alerts.get(alert.id)).toMatchObject({ escalationLevel: 1, version: 2, state: 'raised' });
    await waitFor(() => supervisors.requests.length === 1, 'supervisors told');
    expect(JSON.parse(nth(supervisors.requests, 0).body)).toMatchObject({
      alert: { id: alert.id, version: 2, escalationLevel: 1 },
      group: 'supervisors',
    });
    expect(queryEscalationSteps(db, { alertId: alert.id })).toEqual([
      { alertId: alert.id, level: 1, group: 'supervisors', at: new Date(clock.now()).toISOString() },
    ]);

    clock.advanceBy(30_000);
    const acked = alerts.acknowledge(alert.id, 'ann');
    expect(acked).toMatchObject({ ok: true, alert: { state: 'acknowledged', acknowledgedBy: 'ann', version: 3 } });
    clock.advanceBy(3_600_000);
    expect(alerts.get(alert.id)).toMatchObject({ escalationLevel: 1, state: 'acknowledged' });
    expect(queryEscalationSteps(db, { alertId: alert.id })).toHaveLength(1);
    // Published through the outbox: in the broker's retained store once the delivery has settled.
    await alerts.settled();
    expect(await retainedFor(alert.id)).toContain('"state":"acknowledged"');

    const watching = await freshSubscriber(`telecare/h1/alerts/${alert.id}`);
    await waitFor(() => watching.messages.length === 1, 'retained acknowledged alert');
    const resolved = alerts.resolve(alert.id, 'false-alarm', 'pressed by mistake', 'ann');
    expect(resolved).toMatchObject({
      ok: true,
      alert: { state: 'resolved', outcome: 'false-alarm', note: 'pressed by mistake' },
    });
    await alerts.settled();

    // Those watching see the resolution, then the empty retained message that clears it.
    await waitFor(() => watching.messages.length === 3, 'resolution and clearing');
    expect(JSON.parse(nth(watching.messages, 1).payload)).toMatchObject({ state: 'resolved', version: 4 });
    expect(nth(watching.messages, 2).payload).toBe('');
    expect(await retainedFor(alert.id)).toBeUndefined();
    // A console connecting afterwards gets nothing for it: a retained message on a sentinel topic arrives, the alert does not.
    await broker.publisher.publish('telecare/h1/alerts/zz-sentinel', 'marker', { qos: 1, retain: true });
    const late = await stage.subscriber([`telecare/h1/alerts/${alert.id}`, 'telecare/h1/alerts/zz-sentinel']);
    await waitFor(() => late.messages.some((m) => m.payload === 'marker'), 'the sentinel');
    expect(late.messages.filter((m) => m.topic.endsWith(alert.id))).toEqual([]);

    // Both groups told of every step after they joined; the audit trail tells the story.
    await waitFor(() => supervisors.requests.length === 3, 'supervisors told of ack and resolution');
    expect(firstLine.requests.map((r) => JSON.parse(r.body).alert.version)).toEqual([1, 3, 4]);
    expect(
      queryAlertAudit(db, { alertId: alert.id })
        .filter((e) => e.action !== 'delivered')
        .map((e) => [e.action, e.actor]),
    ).toEqual([
      ['raise', 'hub'],
      ['escalate', 'hub'],
      ['acknowledge', 'ann'],
      ['resolve', 'ann'],
    ]);
    expect(ackShares(db)).toMatchObject({ alerts: 1, acknowledgedWithin60s: 0, acknowledgedWithin180s: 1 });
  });

  it('a second press while the alert is open adds to it instead of raising another', async () => {
    const first = alerts.apply(pendantPress(clock.now()))!;
    clock.advanceBy(10_000);
    const again = alerts.apply(pendantPress(clock.now()))!;
    expect(again).toMatchObject({
      id: first.id,
      count: 2,
      version: 2,
      lastSeenAt: new Date(clock.now()).toISOString(),
    });
    expect(queryAlerts(db, { state: 'open' })).toHaveLength(1);
    await alerts.settled();
    expect(JSON.parse((await retainedFor(first.id))!)).toMatchObject({ count: 2, version: 2 });

    alerts.resolve(first.id, 'assisted-at-home', null, 'ann');
    const next = alerts.apply(pendantPress(clock.now()))!;
    expect(next.id).not.toBe(first.id);
    expect(next.id > first.id).toBe(true);
  });

  it('an inactivity alert is cancelled, with the reason, when the resident moves before anyone acknowledged', async () => {
    const raise = { ...pendantPress(clock.now()), kind: 'inactivity' as const, severity: 'high' as const, detail: {} };
    const alert = alerts.apply(raise)!;
    await alerts.settled();
    const cancelled = alerts.apply({
      type: 'clear',
      homeId: 'h1',
      kind: 'inactivity',
      at: clock.now(),
      reason: 'resident moved again',
    });
    expect(cancelled).toMatchObject({
      id: alert.id,
      state: 'cancelled',
      detail: { cancelReason: 'resident moved again' },
    });
    await alerts.settled();
    expect(await retainedFor(alert.id)).toBeUndefined();
    // No escalation for a cancelled alert.
    clock.advanceBy(3_600_000);
    expect(queryEscalationSteps(db, { alertId: alert.id })).toEqual([]);
  });

  it('a clear does not cancel an alert someone has already acknowledged', () => {
    const raise = { ...pendantPress(clock.now()), kind: 'inactivity' as const, severity: 'high' as const, detail: {} };
    const alert = alerts.apply(raise)!;
    alerts.acknowledge(alert.id, 'ann');
    expect(
      alerts.apply({
        type: 'clear',
        homeId: 'h1',
        kind: 'inactivity',
        at: clock.now(),
        reason: 'resident moved again',
      }),
    ).toBeUndefined();
    expect(alerts.get(alert.id)!.state).toBe('acknowledged');
  });

  it('a pre-alert is retained on the home topic for the resident, cleared when cancelled, and never sent to responders', async () => {
    const raiseAt = clock.now() + 600_000;
    alerts.apply({ type: 'prealert', homeId: 'h1', kind: 'inactivity', raiseAt, at: clock.now() });
    await alerts.settled();
    const home = await freshSubscriber('telecare/h1/prealert');
    await waitFor(() => home.messages.length === 1, 'the retained pre-alert');
    expect(JSON.parse(nth(home.messages, 0).payload)).toEqual({
      kind: 'inactivity',
      raiseAt: new Date(raiseAt).toISOString(),
    });

    alerts.apply({ type: 'prealert-cancel', homeId: 'h1', kind: 'inactivity', at: clock.now() });
    // Stored and sent at the end of its window on the hub's clock (session 66), or once the service settles, as here.
    await alerts.settled();
    await waitFor(() => home.messages.length === 2, 'the clearing message');
    expect(nth(home.messages, 1).payload).toBe('');
    expect((await broker.retained('telecare/h1/prealert')).size).toBe(0);
    expect(firstLine.requests).toEqual([]);
    expect(queryAlerts(db)).toEqual([]);
  });
});

describe('escalation log lines', () => {
  it('keep the log level as the severity and give the escalation level its own field', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write: (chunk, _enc, done) => {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          done();
        },
      }),
    });
    const clock = new FakeClock();
    const stage = await startStage();
    try {
      const firstLine = await stage.webhook();
      const supervisors = await stage.webhook();
      const { alerts } = await stage.alertService(ladderConfig(firstLine, supervisors), clock, undefined, logger);
      const alert = alerts.apply(pendantPress(clock.now()))!;
      clock.advanceBy(60_000);
      await waitFor(() => lines.some((l) => l.includes('alert escalated')), 'the escalation log line');
      const escalated = JSON.parse(lines.find((l) => l.includes('alert escalated'))!) as Record<string, unknown>;
      // pino's numeric level (30 = info): a log tool reading `level` must not see the ladder's level 1.
      expect(escalated).toMatchObject({ level: 30, alertId: alert.id, escalationLevel: 1 });
    } finally {
      await stage.close();
    }
  });
});
