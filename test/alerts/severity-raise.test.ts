// A more serious raise of an open alert's kind raises its severity (SPEC 5 merge), through the real hub and a restart;
// a repeat (count + 1) is not news to responders; webhook retries are spread with jitter.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { startAlertService } from '../support/clocked-hub.js';
import { FakeClock } from '../../hub/clock.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { retryDelayMs } from '../../hub/alerts/outbox.js';
import { queryAlertAudit } from '../../hub/alerts/query.js';
import { moreSerious } from '../../hub/alerts/lifecycle.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from '../hub/helpers.js';
import {
  homeConfig,
  pendantPress,
  startStage,
  waitFor,
  webhookReceiver,
  type AlertStage,
  type WebhookReceiver,
} from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);
const SECOND = 1000;

/** The more serious kind a future rule (or the rule registry) may raise below critical: a `fall` at `high`. */
function highFall(at: number) {
  return {
    type: 'raise' as const,
    homeId: 'h1',
    residentId: 'r1',
    kind: 'fall' as const,
    severity: 'high' as const,
    at,
    room: 'living',
    detail: { source: 'test-rule' },
  };
}

const bodies = (receiver: WebhookReceiver) =>
  receiver.requests.map((r) => JSON.parse(r.body) as { alert: { version: number; severity: string } });

describe('a more serious raise of an open alert, through the real hub', () => {
  let dir: string;
  let hub: RunningHub | undefined;
  let firstLine: WebhookReceiver;
  let supervisors: WebhookReceiver;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    dir = tempDir('severity');
    firstLine = await webhookReceiver();
    supervisors = await webhookReceiver();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync();
    await hub?.stop();
    hub = undefined;
    await firstLine.close();
    await supervisors.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(clock: FakeClock): Promise<RunningHub> {
    const config = parseHubConfig({
      ...ONE_HOME_CONFIG,
      mqttUsers: [
        { username: 'resp1', passwordHash: lowCostHash('responder-secret-1'), role: 'responder' },
        { username: 'sensor1', passwordHash: lowCostHash('sensor-secret-1'), role: 'device', homes: ['h1'] },
      ],
      // No ladder configured: the default timeouts of each severity (critical 60 s, high 120 s) over these groups.
      responders: [
        {
          id: 'cc-first',
          group: 'first',
          webhook: { url: firstLine.url, secret: 'first-line-secret-1', allowPrivateNetwork: true },
        },
        {
          id: 'cc-super',
          group: 'supervisors',
          webhook: { url: supervisors.url, secret: 'supervisors-secret-2', allowPrivateNetwork: true },
        },
      ],
    });
    hub = await startTestHub(config, dir, { clock });
    return hub;
  }

  /** The retained alert a console connecting now gets from the hub's broker. */
  async function retainedAlert(
    port: number,
  ): Promise<{ id: string; severity: string; version: number; count: number }> {
    const client = await mqttClient(port, { username: 'resp1', password: 'responder-secret-1' });
    clients.push(client);
    const got: string[] = [];
    client.on('message', (_topic, payload, packet) => {
      if (packet.retain && payload.length > 0) got.push(payload.toString());
    });
    await client.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    await waitFor(() => got.length > 0, 'the retained alert');
    return JSON.parse(got.at(-1)!) as { id: string; severity: string; version: number; count: number };
  }

  it('a high fall then a critical fall from a device over MQTT: critical at once, on the critical ladder, after a restart too', async () => {
    const clock = new FakeClock(T0);
    const first = await start(clock);
    const high = first.alerts.apply(highFall(clock.now()))!;
    expect(high).toMatchObject({ severity: 'high', version: 1 });
    await waitFor(() => firstLine.requests.length === 1, 'first line told of the high alert');

    clock.advanceBy(30 * SECOND);
    const device = await mqttClient(first.ports.mqtt!, { username: 'sensor1', password: 'sensor-secret-1' });
    clients.push(device);
    await device.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'fall', value: true }), {
      qos: 1,
    });
    await waitFor(() => first.alerts.get(high.id)?.severity === 'critical', 'the alert raised to critical');
    expect(first.alerts.list({ state: 'open' })).toHaveLength(1);
    expect(first.alerts.get(high.id)).toMatchObject({ severity: 'critical', count: 2, version: 2, state: 'raised' });
    expect(await retainedAlert(first.ports.mqtt!)).toMatchObject({ id: high.id, severity: 'critical', version: 2 });

    // Told once, to the group of its level; the audit trail says what changed.
    await waitFor(() => firstLine.requests.length === 2, 'first line told of the new severity');
    expect(bodies(firstLine).map((b) => [b.alert.version, b.alert.severity])).toEqual([
      [1, 'high'],
      [2, 'critical'],
    ]);
    expect(queryAlertAudit(first.db, { alertId: high.id, actions: ['severity-raised'] })).toEqual([
      expect.objectContaining({
        version: 2,
        actor: 'hub',
        detail: expect.objectContaining({ from: 'high', to: 'critical', count: 2, level: 0, group: 'first' }),
      }),
    ]);

    // A restart: the store holds the new severity and its escalation (critical: 60 s from the raise, not high's 120 s).
    await first.stop();
    hub = undefined;
    const second = await start(clock);
    expect(await retainedAlert(second.ports.mqtt!)).toMatchObject({ id: high.id, severity: 'critical', version: 2 });
    clock.advanceTo(T0 + 89 * SECOND);
    expect(second.alerts.get(high.id)?.escalationLevel).toBe(0);
    clock.advanceTo(T0 + 90 * SECOND);
    expect(second.alerts.get(high.id)).toMatchObject({ escalationLevel: 1, version: 3, severity: 'critical' });
    await waitFor(() => supervisors.requests.length === 1, 'supervisors told');
    expect(bodies(supervisors)[0]?.alert).toMatchObject({ version: 3, severity: 'critical' });
    // Two hub starts, scrypt-hashed MQTT logins and webhooks: over a minute on a loaded machine.
  }, 120_000);
});

describe('severity of a merged raise, and what responders are told', () => {
  let stage: AlertStage;
  let alerts: AlertService;
  let db: Database.Database;
  let clock: FakeClock;
  let firstLine: WebhookReceiver;
  let supervisors: WebhookReceiver;

  beforeEach(async () => {
    clock = new FakeClock(T0);
    stage = await startStage();
    firstLine = await stage.webhook();
    supervisors = await stage.webhook();
    const config = homeConfig([
      { id: 'cc-first', group: 'first', webhook: { url: firstLine.url, secret: 's1', allowPrivateNetwork: true } },
      {
        id: 'cc-super',
        group: 'supervisors',
        webhook: { url: supervisors.url, secret: 's2', allowPrivateNetwork: true },
      },
    ]);
    ({ alerts, db } = await stage.alertService(config, clock));
  });

  afterEach(() => stage.close());

  it('a repeat of an open alert (count + 1) goes to MQTT and the dashboard, not again to the webhooks', async () => {
    const streamed: number[] = [];
    alerts.subscribe((a) => streamed.push(a.version));
    const alert = alerts.apply(pendantPress(clock.now()))!;
    clock.advanceBy(5 * SECOND);
    alerts.apply(pendantPress(clock.now()));
    clock.advanceBy(5 * SECOND);
    const third = alerts.apply(pendantPress(clock.now()))!;
    expect(third).toMatchObject({ id: alert.id, count: 3, version: 3 });
    expect(streamed).toEqual([1, 2, 3]);
    // Nothing is owed to the webhooks for the repeats: only the raise was recorded for them, and delivered.
    // Every delivery made and marked (the marks' window runs on the fake clock: settled() stores them).
    await alerts.settled();
    expect(db.prepare("SELECT COUNT(*) AS n FROM alert_outbox WHERE status = 'pending'").get()).toEqual({ n: 0 });
    const webhookVersions = db
      .prepare("SELECT version FROM alert_outbox WHERE channel = 'webhook' AND alert_id = ? ORDER BY id")
      .all(alert.id);
    expect(webhookVersions).toEqual([{ version: 1 }]);
    expect(bodies(firstLine).map((b) => b.alert.version)).toEqual([1]);
    // The acknowledgement is news again.
    alerts.acknowledge(alert.id, 'ann');
    await waitFor(() => firstLine.requests.length === 2, 'the acknowledgement');
    expect(bodies(firstLine).map((b) => b.alert.version)).toEqual([1, 4]);
    const retained = await stage.broker.retained(`telecare/h1/alerts/${alert.id}`);
    expect(JSON.parse(retained.get(`telecare/h1/alerts/${alert.id}`)!)).toMatchObject({ count: 3, version: 4 });
  });

  it('an acknowledged alert stays acknowledged when a more serious raise comes; a less serious one never lowers it', async () => {
    const high = alerts.apply({ ...highFall(clock.now()), detail: {} })!;
    clock.advanceBy(200 * SECOND);
    // High's first level (120 s) timed out: the supervisors were told.
    await waitFor(() => supervisors.requests.length === 1, 'supervisors told of the escalation');
    expect(alerts.acknowledge(high.id, 'ann')).toMatchObject({ ok: true, alert: { version: 3 } });
    await waitFor(() => supervisors.requests.length === 2 && firstLine.requests.length === 2, 'both told of the ack');

    clock.advanceBy(10 * SECOND);
    const raised = alerts.apply({ ...highFall(clock.now()), severity: 'critical' })!;
    expect(raised).toMatchObject({
      id: high.id,
      severity: 'critical',
      state: 'acknowledged',
      acknowledgedBy: 'ann',
      escalationLevel: 1,
      count: 2,
      version: 4,
    });
    // Both groups told so far hear of it once; an acknowledged alert does not escalate any more.
    await waitFor(() => supervisors.requests.length === 3 && firstLine.requests.length === 3, 'both told');
    clock.advanceBy(3_600 * SECOND);
    await alerts.settled();
    expect(alerts.get(high.id)).toMatchObject({ version: 4, escalationLevel: 1, state: 'acknowledged' });
    expect(bodies(firstLine).map((b) => [b.alert.version, b.alert.severity])).toEqual([
      [1, 'high'],
      [3, 'high'],
      [4, 'critical'],
    ]);
    expect(bodies(supervisors).map((b) => b.alert.version)).toEqual([2, 3, 4]);

    const lower = alerts.apply({ ...highFall(clock.now()), severity: 'medium' })!;
    expect(lower).toMatchObject({ severity: 'critical', count: 3, version: 5 });
    expect(
      queryAlertAudit(db, { alertId: high.id })
        .filter((e) => e.action !== 'delivered')
        .map((e) => e.action),
    ).toEqual(['raise', 'escalate', 'acknowledge', 'severity-raised', 'merge']);
  });

  it('a raised alert switches to the new ladder from now, never later than the old one had it due', async () => {
    const alert = alerts.apply({ ...highFall(clock.now()), severity: 'low', detail: {} })!;
    // low: 60 min on the first level; critical from now: 60 s.
    clock.advanceBy(10 * SECOND);
    alerts.apply({ ...highFall(clock.now()), severity: 'critical' });
    clock.advanceBy(59 * SECOND);
    expect(alerts.get(alert.id)?.escalationLevel).toBe(0);
    clock.advanceBy(1 * SECOND);
    expect(alerts.get(alert.id)).toMatchObject({ escalationLevel: 1, severity: 'critical' });

    // The other way round: high due in 120 s, raised to medium's ladder (15 min) is not a raise at all; and a raise
    // from high to critical 100 s in keeps the sooner due time of the high ladder (120 s), not 100 + 60 s.
    const other = alerts.apply({ ...highFall(clock.now()), kind: 'night-exit', detail: {} })!;
    clock.advanceBy(100 * SECOND);
    alerts.apply({ ...highFall(clock.now()), kind: 'night-exit', severity: 'critical', detail: {} });
    clock.advanceBy(19 * SECOND);
    expect(alerts.get(other.id)?.escalationLevel).toBe(0);
    clock.advanceBy(1 * SECOND);
    expect(alerts.get(other.id)).toMatchObject({ escalationLevel: 1, severity: 'critical' });
  });

  it('while storage refuses writes, the raise is told from memory and stored with its severity and ladder later', async () => {
    const alert = alerts.apply({ ...highFall(clock.now()), detail: {} })!;
    await waitFor(() => firstLine.requests.length === 1, 'first line told');
    db.pragma('query_only = ON');
    clock.advanceBy(10 * SECOND);
    const raised = alerts.apply({ ...highFall(clock.now()), severity: 'critical' })!;
    expect(raised).toMatchObject({ id: alert.id, severity: 'critical', count: 2, version: 2 });
    await waitFor(() => firstLine.requests.length === 2, 'first line told from memory');
    expect(bodies(firstLine)[1]?.alert).toMatchObject({ version: 2, severity: 'critical' });

    db.pragma('query_only = OFF');
    clock.advanceBy(2 * SECOND);
    const stored = db.prepare('SELECT severity, version, ladder, escalation_due_at FROM alerts WHERE id = ?');
    await waitFor(() => (stored.get(alert.id) as { version: number }).version === 2, 'the held version stored');
    expect(stored.get(alert.id)).toEqual({
      severity: 'critical',
      version: 2,
      ladder: JSON.stringify([
        { group: 'first', timeoutSeconds: 60 },
        { group: 'supervisors', timeoutSeconds: 120 },
      ]),
      escalation_due_at: T0 + 70 * SECOND,
    });
    expect(queryAlertAudit(db, { alertId: alert.id, actions: ['severity-raised'] })).toHaveLength(1);
  });

  it('ranks severities: critical above high above medium above low above info', () => {
    expect(moreSerious('critical', 'high')).toBe(true);
    expect(moreSerious('high', 'critical')).toBe(false);
    expect(moreSerious('high', 'high')).toBe(false);
    expect(moreSerious('low', 'info')).toBe(true);
  });
});

describe('webhook retries with jitter', () => {
  it('each retry waits between half and all of its exponential delay; MQTT retries to the own broker do not', () => {
    const draws = (channel: 'mqtt' | 'webhook', attempts: number) =>
      Array.from({ length: 500 }, () =>
        retryDelayMs(channel, attempts, { retryBaseMs: 1000, random: Math.random }, 300_000),
      );
    for (const [attempts, fullMs] of [
      [1, 1000],
      [3, 4000],
      [20, 300_000],
    ] as const) {
      const delays = draws('webhook', attempts);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(fullMs / 2);
      expect(Math.max(...delays)).toBeLessThanOrEqual(fullMs);
      // Spread over the range, not bunched: hubs retrying one alarm centre come back at different times.
      expect(Math.min(...delays)).toBeLessThan(fullMs * 0.6);
      expect(Math.max(...delays)).toBeGreaterThan(fullMs * 0.9);
      expect(new Set(delays).size).toBeGreaterThan(100);
      expect(new Set(draws('mqtt', attempts))).toEqual(new Set([fullMs]));
    }
  });

  it('the outbox schedules the next attempt with the service random draw', async () => {
    const stage = await startStage();
    try {
      const failing = await stage.webhook(10);
      const clock = new FakeClock(T0);
      const db = stage.store.open();
      const draws = [0, 0.5];
      const alerts = await startAlertService({
        db,
        publisher: stage.broker.publisher,
        config: homeConfig([
          { id: 'cc', group: 'first', webhook: { url: failing.url, secret: 'cc-secret', allowPrivateNetwork: true } },
        ]),
        clock,
        outbox: { random: () => draws.shift() ?? 1 },
      });
      try {
        const alert = alerts.apply(pendantPress(clock.now()))!;
        const row = db.prepare(
          "SELECT attempts, next_attempt_at FROM alert_outbox WHERE channel = 'webhook' AND alert_id = ?",
        );
        const state = () => row.get(alert.id) as { attempts: number; next_attempt_at: number };
        await waitFor(() => state().attempts === 1, 'the first failure');
        expect(state().next_attempt_at - T0).toBe(500);
        clock.advanceBy(500);
        await waitFor(() => state().attempts === 2, 'the second failure');
        // Second retry: 2 s exponential, half fixed and half of the rest drawn (0.5): 1.5 s.
        expect(state().next_attempt_at - (T0 + 500)).toBe(1500);
      } finally {
        await alerts.stop();
        db.close();
      }
    } finally {
      await stage.close();
    }
  });
});
