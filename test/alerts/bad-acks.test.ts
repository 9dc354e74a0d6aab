// Acknowledgements that are wrong in any way get a clear answer and change nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import type { Registry } from 'prom-client';
import { FakeClock } from '../../hub/clock.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import type { Alert } from '../../hub/alerts/api.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { queryAlertAudit } from '../../hub/alerts/query.js';
import { homeConfig, nth, pendantPress, startStage, waitFor, type AlertStage, type TestSubscriber } from './helpers.js';

describe('bad acknowledgements', () => {
  let stage: AlertStage;
  let db: Database.Database;
  let metrics: Registry;
  let alerts: AlertService;
  let results: TestSubscriber;
  let alert: Alert;
  const clock = new FakeClock();

  beforeEach(async () => {
    stage = await startStage();
    metrics = createMetricsRegistry();
    ({ alerts, db } = await stage.alertService(homeConfig([]), clock, metrics));
    alert = alerts.apply(pendantPress(clock.now()))!;
    await alerts.settled();
    results = await stage.subscriber(['telecare/+/alerts/+/ack/result']);
  });

  afterEach(() => stage.close());

  /** Everything a refused action must leave as it was. */
  const snapshot = () => ({ alert: alerts.get(alert.id), audit: queryAlertAudit(db, { alertId: alert.id }).length });

  async function rejectedCount(): Promise<number> {
    const metric = await metrics.getSingleMetric('telecare_alert_actions_rejected_total')!.get();
    return metric.values.reduce((sum, v) => sum + v.value, 0);
  }

  async function ackOverMqtt(alertId: string, payload: string, username: string | undefined) {
    const before = results.messages.length;
    alerts.handleAckMessage(`telecare/h1/alerts/${alertId}/ack`, Buffer.from(payload), username);
    await waitFor(() => results.messages.length === before + 1, 'the ack result');
    const answer = nth(results.messages, before);
    expect(answer.topic).toBe(`telecare/h1/alerts/${alertId}/ack/result`);
    return JSON.parse(answer.payload) as Record<string, unknown>;
  }

  it('through the API: unknown alert, wrong state, unknown outcome, no user', async () => {
    const before = snapshot();
    expect(alerts.acknowledge('no-such-alert', 'ann')).toMatchObject({ ok: false, code: 'not-found' });
    expect(alerts.resolve(alert.id, 'sorted', null, 'ann')).toMatchObject({
      ok: false,
      code: 'bad-outcome',
      message: expect.stringContaining('false-alarm'),
    });
    expect(alerts.acknowledge(alert.id, '')).toMatchObject({ ok: false, code: 'forbidden' });
    expect(snapshot()).toEqual(before);
    expect(await rejectedCount()).toBe(3);

    alerts.resolve(alert.id, 'false-alarm', null, 'ann');
    const closed = snapshot();
    expect(alerts.acknowledge(alert.id, 'ann')).toMatchObject({
      ok: false,
      code: 'wrong-state',
      message: expect.stringContaining('resolved'),
    });
    expect(alerts.resolve(alert.id, 'ambulance', null, 'bob')).toMatchObject({ ok: false, code: 'wrong-state' });
    expect(snapshot()).toEqual(closed);
    expect(await rejectedCount()).toBe(5);
  });

  it('over MQTT: each refusal is answered on the result topic and the alert stays as it was', async () => {
    const before = snapshot();
    expect(await ackOverMqtt('no-such-alert', '', 'responder-ann')).toMatchObject({ ok: false, code: 'not-found' });
    expect(await ackOverMqtt(alert.id, '', undefined)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await ackOverMqtt(alert.id, '', 'kitchen-pir')).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await ackOverMqtt(alert.id, '{"action":"resolve","outcome":"fixed"}', 'responder-ann')).toMatchObject({
      ok: false,
      code: 'bad-outcome',
    });
    expect(await ackOverMqtt(alert.id, 'not json', 'responder-ann')).toMatchObject({ ok: false, code: 'bad-request' });
    expect(snapshot()).toEqual(before);
    expect(await rejectedCount()).toBe(5);

    expect(await ackOverMqtt(alert.id, '{"action":"ack"}', 'responder-ann')).toMatchObject({
      ok: true,
      state: 'acknowledged',
      version: 2,
    });
    expect(alerts.get(alert.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'responder-ann' });
    // The acknowledged version's delivery is audited once the broker took it, which the result message does not
    // promise: settled first, so that the snapshot is not changed by it later.
    await alerts.settled();
    const acked = snapshot();
    expect(await ackOverMqtt(alert.id, '', 'responder-bob')).toMatchObject({ ok: false, code: 'wrong-state' });
    expect(snapshot()).toEqual(acked);

    expect(
      await ackOverMqtt(
        alert.id,
        '{"action":"resolve","outcome":"carer-visit","note":"daughter went round"}',
        'responder-ann',
      ),
    ).toMatchObject({ ok: true, state: 'resolved' });
    expect(alerts.get(alert.id)).toMatchObject({ outcome: 'carer-visit', note: 'daughter went round' });
  });

  it('an ack for an alert of another home is treated as unknown', async () => {
    const before = results.messages.length;
    alerts.handleAckMessage(`telecare/h2/alerts/${alert.id}/ack`, Buffer.alloc(0), 'responder-ann');
    await waitFor(() => results.messages.length === before + 1, 'the ack result');
    expect(nth(results.messages, before).topic).toBe(`telecare/h2/alerts/${alert.id}/ack/result`);
    expect(JSON.parse(nth(results.messages, before).payload)).toMatchObject({ ok: false, code: 'not-found' });
    expect(alerts.get(alert.id)!.state).toBe('raised');
  });
});
