// Review, session 50: a repeat merged into an acknowledged alert (SPEC 5: one open alert per home and kind) told no
// responder's webhook. The ladder stops at the acknowledgement, so a resident who pressed the pendant again two days
// after a responder took the call and forgot to resolve it was heard by no call-centre platform: only MQTT and the
// dashboard showed the count. A repeat as serious as high, into an acknowledged alert, now goes to the groups told so
// far; one while the ladder still runs, or a less serious one, is still not news. Real webhook receivers over HTTP, a
// real aedes broker, SQLite in a temp folder, a fake clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { ladderConfig, pendantPress, startStage, waitFor, type AlertStage, type WebhookReceiver } from './helpers.js';

const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);
const SECOND = 1000;
const DAY = 86_400_000;

type Body = { alert: { id: string; version: number; count: number; state: string } };
const bodies = (r: WebhookReceiver): Body[] => r.requests.map((q) => JSON.parse(q.body) as Body);

describe('a repeat merged into an acknowledged alert', () => {
  let stage: AlertStage;
  let alerts: AlertService;
  let clock: FakeClock;
  let firstLine: WebhookReceiver;
  let supervisors: WebhookReceiver;

  beforeEach(async () => {
    clock = new FakeClock(T0);
    stage = await startStage();
    firstLine = await stage.webhook();
    supervisors = await stage.webhook();
    ({ alerts } = await stage.alertService(ladderConfig(firstLine, supervisors), clock));
  });

  afterEach(() => stage.close());

  it('a pendant pressed again after the acknowledgement goes to the groups told so far', async () => {
    const alert = alerts.apply(pendantPress(clock.now()))!;
    // The first line does not answer in time: the supervisors are told, then one of them takes the call.
    clock.advanceBy(61 * SECOND);
    await waitFor(() => supervisors.requests.length === 1, 'supervisors told of the escalation');
    expect(alerts.acknowledge(alert.id, 'ann')).toMatchObject({ ok: true, alert: { state: 'acknowledged' } });
    await waitFor(() => firstLine.requests.length === 2 && supervisors.requests.length === 2, 'the acknowledgement');

    // Two days on, never resolved: the resident presses again.
    clock.advanceBy(2 * DAY);
    const again = alerts.apply(pendantPress(clock.now()))!;
    expect(again).toMatchObject({ id: alert.id, count: 2, state: 'acknowledged' });
    await alerts.settled();
    await waitFor(() => firstLine.requests.length === 3 && supervisors.requests.length === 3, 'the repeat told');
    for (const told of [firstLine, supervisors])
      expect(bodies(told).at(-1)?.alert).toMatchObject({ id: alert.id, count: 2, version: again.version });
  });

  it('a repeat while the ladder still runs, or a less serious one, is not news', async () => {
    const alert = alerts.apply(pendantPress(clock.now()))!;
    await waitFor(() => firstLine.requests.length === 1, 'the raise');
    clock.advanceBy(5 * SECOND);
    expect(alerts.apply(pendantPress(clock.now()))).toMatchObject({ id: alert.id, count: 2, state: 'raised' });
    alerts.acknowledge(alert.id, 'ann');
    await waitFor(() => firstLine.requests.length === 2, 'the acknowledgement');

    // A sensor-offline alert (low), acknowledged, and a second silent device merged into it.
    const offline = {
      type: 'raise' as const,
      homeId: 'h1',
      kind: 'sensor-offline' as const,
      severity: 'low' as const,
      at: clock.now(),
      deviceId: 'p1',
      detail: {},
    };
    const low = alerts.apply(offline)!;
    alerts.acknowledge(low.id, 'ann');
    await alerts.settled();
    const told = firstLine.requests.length;
    clock.advanceBy(DAY);
    expect(alerts.apply({ ...offline, at: clock.now() })).toMatchObject({ id: low.id, count: 2 });
    await alerts.settled();
    expect(firstLine.requests.length).toBe(told);
    expect(bodies(firstLine).map((b) => [b.alert.id, b.alert.count])).not.toContainEqual([low.id, 2]);
  });
});
