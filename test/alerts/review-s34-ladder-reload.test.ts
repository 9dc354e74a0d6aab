// An open alert keeps the ladder it was raised with; a reload (or a restart with a new file) that renames or removes a
// group on it must not leave its next escalation with nobody: the step goes to the home's ladder as configured now.
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../hub/alerts/api.js';
import { queryAlertAudit, queryEscalationSteps } from '../../hub/alerts/query.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { FakeClock } from '../../hub/clock.js';
import type { HubConfig } from '../../hub/config-types.js';
import { startAlertService } from '../support/clocked-hub.js';
import {
  homeConfig,
  ladderConfig,
  pendantPress,
  startBroker,
  tempDb,
  waitFor,
  webhookReceiver,
  type TempDb,
  type TestBroker,
  type WebhookReceiver,
} from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

describe('an escalation after a reload renamed or removed its group (review, session 34)', () => {
  let broker: TestBroker;
  let store: TempDb;
  let firstLine: WebhookReceiver;
  let supervisors: WebhookReceiver;
  let nightDesk: WebhookReceiver;
  const running: { alerts: AlertService; db: Database.Database }[] = [];

  beforeEach(async () => {
    broker = await startBroker();
    store = tempDb();
    firstLine = await webhookReceiver();
    supervisors = await webhookReceiver();
    nightDesk = await webhookReceiver();
  });

  afterEach(async () => {
    for (const { alerts, db } of running.splice(0)) {
      await alerts.stop();
      db.close();
    }
    await firstLine.close();
    await supervisors.close();
    await nightDesk.close();
    await broker.close();
    store.remove();
  });

  async function startHub(config: HubConfig, nowMs: number) {
    const db = store.open();
    const clock = new FakeClock(nowMs);
    const alerts = await startAlertService({ db, publisher: broker.publisher, config, clock });
    const hub = { alerts, db, clock };
    running.push(hub);
    return hub;
  }

  /** The supervisors' group renamed: the same ladder, its second group now 'night-desk' (another call centre). */
  function renamed(): HubConfig {
    return homeConfig(
      [
        { id: 'cc-first', group: 'first', webhook: { url: firstLine.url, secret: 's1', allowPrivateNetwork: true } },
        {
          id: 'cc-night',
          group: 'night-desk',
          webhook: { url: nightDesk.url, secret: 's3', allowPrivateNetwork: true },
        },
      ],
      {
        default: [
          { group: 'first', timeoutSeconds: 60 },
          { group: 'night-desk', timeoutSeconds: 120 },
        ],
      },
    );
  }

  const webhookAlerts = (r: WebhookReceiver) =>
    r.requests.map((q) => JSON.parse(q.body) as { alert: Alert; group: string });

  it('a reload renamed the next group: the escalation is posted to the group configured now, audited and counted', async () => {
    const hub = await startHub(ladderConfig(firstLine, supervisors), T0);
    const alert = hub.alerts.apply(pendantPress(T0))!;
    await waitFor(() => firstLine.requests.length === 1, 'the raise to the first line');

    hub.alerts.setConfig(renamed());
    hub.clock.advanceBy(60_000);
    await waitFor(() => nightDesk.requests.length === 1, 'the escalation to the group configured now');
    await hub.alerts.settled();

    expect(webhookAlerts(nightDesk)).toMatchObject([
      { group: 'night-desk', alert: { id: alert.id, escalationLevel: 1, version: 2 } },
    ]);
    expect(supervisors.requests).toHaveLength(0);
    expect(queryEscalationSteps(hub.db, { alertId: alert.id })).toMatchObject([{ level: 1, group: 'night-desk' }]);
    expect(queryAlertAudit(hub.db, { alertId: alert.id, actions: ['escalate'] })).toMatchObject([
      { detail: { level: 1, group: 'night-desk', replacedGroup: 'supervisors' } },
    ]);
    expect(hub.alerts.describe()).toEqual({ escalationsRerouted: 1 });

    // The rest of the ladder is the one configured now: 120 s on it is exhausted, recorded, nobody told again.
    hub.clock.advanceBy(120_000);
    await hub.alerts.settled();
    expect(queryAlertAudit(hub.db, { alertId: alert.id, actions: ['ladder-exhausted'] })).toHaveLength(1);
    expect(nightDesk.requests).toHaveLength(1);
  });

  it('a restart with a file that removed the group: the overdue escalation goes to the default ladder now', async () => {
    const before = await startHub(ladderConfig(firstLine, supervisors), T0);
    const alert = before.alerts.apply(pendantPress(T0))!;
    await waitFor(() => firstLine.requests.length === 1, 'the raise to the first line');
    running.splice(0);
    await before.alerts.stop();
    before.db.close();

    // The supervisors are gone and no ladder is named: the default timeouts over the groups configured ('first').
    const removed = homeConfig([
      { id: 'cc-first', group: 'first', webhook: { url: firstLine.url, secret: 's1', allowPrivateNetwork: true } },
    ]);
    const hub = await startHub(removed, T0 + 90_000);
    await waitFor(() => firstLine.requests.length === 2, 'the escalation to the group configured now');
    await hub.alerts.settled();
    expect(webhookAlerts(firstLine)[1]).toMatchObject({
      group: 'first',
      alert: { id: alert.id, escalationLevel: 1, version: 2 },
    });
    expect(supervisors.requests).toHaveLength(0);
    expect(queryAlertAudit(hub.db, { alertId: alert.id, actions: ['escalate'] })).toMatchObject([
      { detail: { level: 1, group: 'first', replacedGroup: 'supervisors' } },
    ]);
  });

  it('a reload that keeps the groups changes nothing: the ladder the alert was raised with is followed', async () => {
    const hub = await startHub(ladderConfig(firstLine, supervisors), T0);
    const alert = hub.alerts.apply(pendantPress(T0))!;
    await waitFor(() => firstLine.requests.length === 1, 'the raise to the first line');
    // The default ladder now starts with the supervisors, but the alert keeps its own: its groups still exist.
    const reordered = ladderConfig(firstLine, supervisors);
    reordered.escalation = { default: [{ group: 'supervisors', timeoutSeconds: 30 }] };
    hub.alerts.setConfig(reordered);
    hub.clock.advanceBy(60_000);
    await waitFor(() => supervisors.requests.length === 1, 'the escalation');
    await hub.alerts.settled();
    const steps = queryAlertAudit(hub.db, { alertId: alert.id, actions: ['escalate'] });
    expect(steps.map((s) => s.detail)).toEqual([{ level: 1, group: 'supervisors' }]);
    expect(hub.alerts.describe()).toEqual({});
  });
});
