// Who an alert went to (session 35): each version names the ladder's groups told so far, for the hub's console, the
// webhooks and the centre (which holds no ladder) to say "sent to first, then supervisors", not only "level 1".
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { AlertService } from '../../hub/alerts/service.js';
import {
  ladderConfig,
  nth,
  pendantPress,
  startStage,
  waitFor,
  type AlertStage,
  type WebhookReceiver,
} from './helpers.js';

describe('the groups an alert went to', () => {
  let stage: AlertStage;
  let firstLine: WebhookReceiver;
  let supervisors: WebhookReceiver;
  let alerts: AlertService;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    stage = await startStage();
    firstLine = await stage.webhook();
    supervisors = await stage.webhook();
    ({ alerts } = await stage.alertService(ladderConfig(firstLine, supervisors), clock));
  });

  afterEach(() => stage.close());

  it('names the first group when raised, both in order once escalated, and keeps them when acknowledged', async () => {
    const watching = await stage.subscriber(['telecare/h1/alerts/+']);
    const alert = alerts.apply(pendantPress(clock.now()))!;
    expect(alert.notifiedGroups).toEqual(['first']);
    await waitFor(() => firstLine.requests.length === 1, 'first line told');
    expect(JSON.parse(nth(firstLine.requests, 0).body)).toMatchObject({ alert: { notifiedGroups: ['first'] } });

    clock.advanceBy(60_000);
    expect(alerts.get(alert.id)).toMatchObject({ escalationLevel: 1, notifiedGroups: ['first', 'supervisors'] });
    await waitFor(() => supervisors.requests.length === 1, 'supervisors told');
    expect(JSON.parse(nth(supervisors.requests, 0).body)).toMatchObject({
      alert: { escalationLevel: 1, notifiedGroups: ['first', 'supervisors'] },
    });

    expect(alerts.acknowledge(alert.id, 'ann')).toMatchObject({
      ok: true,
      alert: { state: 'acknowledged', notifiedGroups: ['first', 'supervisors'] },
    });
    // What MQTT subscribers (the uplink's copy is the same JSON) read, version by version.
    await alerts.settled();
    await waitFor(() => watching.messages.length >= 3, 'three versions on MQTT');
    const published = watching.messages.map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(published.map((a) => [a.version, a.notifiedGroups])).toEqual([
      [1, ['first']],
      [2, ['first', 'supervisors']],
      [3, ['first', 'supervisors']],
    ]);
  });
});
