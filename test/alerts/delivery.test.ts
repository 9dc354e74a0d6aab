// A pendant alert reaches every channel at once, and a failing call-centre webhook gets it by retrying.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { FakeClock } from '../../hub/clock.js';
import type { Alert } from '../../hub/alerts/api.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { queryAlertAudit } from '../../hub/alerts/query.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../hub/alerts/webhook.js';
import {
  nth,
  homeConfig,
  pendantPress,
  startStage,
  waitFor,
  type AlertStage,
  type WebhookReceiver,
  type WebhookRequest,
} from './helpers.js';

/** As a receiver checks a request: signature over timestamp and body, timestamp against its own clock. */
function verifySigned(post: WebhookRequest, secret: string): boolean {
  const header = (name: string) => post.headers[name] as string | undefined;
  return verifyWebhook({
    body: post.body,
    signature: header(SIGNATURE_HEADER),
    timestamp: header(TIMESTAMP_HEADER),
    secret,
    nowMs: Date.now(),
  }).ok;
}

describe('alert delivery', () => {
  let stage: AlertStage;
  let db: Database.Database;
  let callCentre: WebhookReceiver;
  let flakyCallCentre: WebhookReceiver;
  let alerts: AlertService;
  const clock = new FakeClock();

  beforeEach(async () => {
    stage = await startStage();
    callCentre = await stage.webhook();
    flakyCallCentre = await stage.webhook(3);
    const config = homeConfig([
      {
        id: 'cc-north',
        group: 'first',
        webhook: { url: callCentre.url, secret: 'north-secret', allowPrivateNetwork: true },
      },
      {
        id: 'cc-flaky',
        group: 'first',
        webhook: { url: flakyCallCentre.url, secret: 'flaky-secret', allowPrivateNetwork: true },
      },
    ]);
    ({ alerts, db } = await stage.alertService(config, clock));
  });

  afterEach(() => stage.close());

  it('a pendant alert is stored and reaches MQTT, the dashboard stream and the call centre', async () => {
    const console = await stage.subscriber(['telecare/h1/alerts/+']);
    const streamed: Alert[] = [];
    alerts.subscribe((a) => streamed.push(a));

    const alert = alerts.apply(pendantPress(clock.now()))!;

    // Stored and streamed before apply returns.
    expect(alerts.get(alert.id)).toMatchObject({ state: 'raised', kind: 'pendant', version: 1, escalationLevel: 0 });
    expect(streamed.map((a) => [a.id, a.version])).toEqual([[alert.id, 1]]);

    await waitFor(() => console.messages.length === 1, 'the MQTT subscriber');
    const onMqtt = nth(console.messages, 0);
    expect(onMqtt.topic).toBe(`telecare/h1/alerts/${alert.id}`);
    expect(JSON.parse(onMqtt.payload)).toMatchObject({
      id: alert.id,
      version: 1,
      severity: 'critical',
      residentId: 'r1',
    });

    await waitFor(() => callCentre.requests.length === 1, 'the call-centre webhook');
    const post = nth(callCentre.requests, 0);
    expect(verifySigned(post, 'north-secret')).toBe(true);
    expect(verifySigned(post, 'flaky-secret')).toBe(false);
    expect(JSON.parse(post.body)).toMatchObject({ alert: { id: alert.id, version: 1 }, group: 'first' });
    expect(post.headers['x-telecare-alert-id']).toBe(alert.id);

    // A fresh subscriber (a console that connects later) gets the open alert as a retained message.
    const late = await stage.subscriber(['telecare/h1/alerts/+']);
    await waitFor(() => late.messages.length === 1, 'the retained alert');
    expect(nth(late.messages, 0).retain).toBe(true);
  });

  it('a webhook receiver that fails three times gets the alert on the fourth try, once, signed', async () => {
    const alert = alerts.apply(pendantPress(clock.now()))!;
    await waitFor(() => flakyCallCentre.requests.length === 1, 'the first attempt');
    await alerts.settled();

    // Capped exponential backoff on the hub's clock, 1 s, 2 s, 4 s, with jitter: each retry between half and all of it.
    for (const [delayMs, attempts] of [
      [1000, 2],
      [2000, 3],
      [4000, 4],
    ] as const) {
      clock.advanceBy(delayMs / 2 - 1);
      await alerts.settled();
      expect(flakyCallCentre.requests).toHaveLength(attempts - 1);
      clock.advanceBy(delayMs / 2 + 1);
      await waitFor(() => flakyCallCentre.requests.length === attempts, `attempt ${attempts}`);
      await alerts.settled();
    }
    clock.advanceBy(30_000);
    await alerts.settled();

    expect(flakyCallCentre.requests.map((r) => r.status)).toEqual([500, 500, 500, 204]);
    const accepted = flakyCallCentre.accepted();
    expect(accepted).toHaveLength(1);
    expect(verifySigned(nth(accepted, 0), 'flaky-secret')).toBe(true);
    expect(JSON.parse(nth(accepted, 0).body).alert).toMatchObject({ id: alert.id, version: 1 });
    // The healthy receiver was not bothered by the other's retries.
    expect(callCentre.requests).toHaveLength(1);

    const deliveries = queryAlertAudit(db, { alertId: alert.id, actions: ['delivered'] }).map((e) => e.detail);
    expect(deliveries).toEqual(
      expect.arrayContaining([
        { channel: 'mqtt', attempt: 1 },
        { channel: 'webhook', responderId: 'cc-north', attempt: 1 },
        { channel: 'webhook', responderId: 'cc-flaky', attempt: 4 },
      ]),
    );
    expect(deliveries).toHaveLength(3);
  });
});
