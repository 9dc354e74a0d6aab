// What a raise and its resolution store (SPEC 5): the alert's row, its audit entries and its outbox rows, column by
// column, as read back from a real SQLite file at once (before anything is delivered). Session 33 made the commit's
// rows without their intermediate objects (the outbox's named parameters, a copy of the new row, the audit entry):
// the stored rows are what they were.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { FakeClock } from '../../hub/clock.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { ladderConfig, pendantPress, startStage, type AlertStage } from './helpers.js';

describe('the rows an alert change stores', () => {
  let stage: AlertStage;
  let db: Database.Database;
  let alerts: AlertService;
  const clock = new FakeClock();

  beforeEach(async () => {
    stage = await startStage();
    const firstLine = await stage.webhook();
    const supervisors = await stage.webhook();
    ({ alerts, db } = await stage.alertService(ladderConfig(firstLine, supervisors), clock));
  });
  afterEach(async () => {
    await stage.close();
  });

  const rows = (table: string, id: string): unknown[] =>
    db.prepare(`SELECT * FROM ${table} WHERE ${table === 'alerts' ? 'id' : 'alert_id'} = ? ORDER BY rowid`).all(id);

  it('a raise: the alert row, its audit entry, its MQTT and first-group webhook rows', () => {
    const now = clock.now();
    const press = pendantPress(now - 1500);
    const alert = alerts.apply(press)!;
    const id = alert.id;
    const at = new Date(press.at).toISOString();
    const raisedAt = new Date(now).toISOString();
    const detail = `{"eventType":"pendant","source":"mqtt","deviceId":"p1","eventAt":"${at}"}`;
    const ladder = '[{"group":"first","timeoutSeconds":60},{"group":"supervisors","timeoutSeconds":120}]';
    expect(rows('alerts', id)).toEqual([
      {
        id,
        home_id: 'h1',
        resident_id: 'r1',
        kind: 'pendant',
        severity: 'critical',
        state: 'raised',
        raised_at: now,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        outcome: null,
        note: null,
        escalation_level: 0,
        room: 'living',
        detail,
        count: 1,
        last_seen_at: now,
        version: 1,
        ladder,
        escalation_due_at: now + 60_000,
      },
    ]);
    expect(rows('alert_audit', id)).toEqual([
      { id: 1, alert_id: id, at: now, actor: 'hub', action: 'raise', version: 1, detail: '{"group":"first"}' },
    ]);
    const payload =
      `{"id":"${id}","homeId":"h1","residentId":"r1","kind":"pendant","severity":"critical","state":"raised",` +
      `"raisedAt":"${raisedAt}","acknowledgedAt":null,"acknowledgedBy":null,"resolvedAt":null,"outcome":null,` +
      `"note":null,"escalationLevel":0,"notifiedGroups":["first"],"room":"living","detail":${detail},"count":1,` +
      `"lastSeenAt":"${raisedAt}",` +
      `"version":1}`;
    const pending = { attempts: 0, next_attempt_at: now, delivered_at: null, status: 'pending', last_error: null };
    expect(rows('alert_outbox', id)).toEqual([
      {
        id: 1,
        channel: 'mqtt',
        alert_id: id,
        version: 1,
        responder_id: null,
        topic: `telecare/h1/alerts/${id}`,
        payload,
        retain: 1,
        clear_retained: 0,
        created_at: now,
        ...pending,
      },
      {
        id: 2,
        channel: 'webhook',
        alert_id: id,
        version: 1,
        responder_id: 'cc-first',
        topic: null,
        payload: `{"alert":${payload},"responderId":"cc-first","group":"first"}`,
        retain: 0,
        clear_retained: 0,
        created_at: now,
        ...pending,
      },
    ]);
    expect(JSON.stringify(alert)).toBe(payload);
  });

  it('a resolution: the row closed, its audit entry, its MQTT row clearing the retained message, its webhook', () => {
    const raisedAt = clock.now();
    const { id } = alerts.apply(pendantPress(raisedAt))!;
    clock.advanceBy(30_000);
    const now = clock.now();
    const result = alerts.resolve(id, 'false-alarm', 'pressed by mistake', 'ann');
    if (!result.ok) throw new Error(result.message);
    const stored = rows('alerts', id) as Record<string, unknown>[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      state: 'resolved',
      raised_at: raisedAt,
      acknowledged_at: now,
      acknowledged_by: 'ann',
      resolved_at: now,
      outcome: 'false-alarm',
      note: 'pressed by mistake',
      escalation_level: 0,
      version: 2,
      escalation_due_at: null,
    });
    expect((rows('alert_audit', id) as { detail: string }[]).map(({ detail }) => detail)).toEqual([
      '{"group":"first"}',
      '{"outcome":"false-alarm","fromState":"raised"}',
    ]);
    const payload = JSON.stringify(result.alert);
    const outbox = (rows('alert_outbox', id) as Record<string, unknown>[]).filter((row) => row.version === 2);
    expect(outbox).toEqual([
      expect.objectContaining({
        channel: 'mqtt',
        responder_id: null,
        topic: `telecare/h1/alerts/${id}`,
        payload,
        retain: 0,
        clear_retained: 1,
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        status: 'pending',
      }),
      expect.objectContaining({
        channel: 'webhook',
        responder_id: 'cc-first',
        topic: null,
        payload: `{"alert":${payload},"responderId":"cc-first","group":"first"}`,
        retain: 0,
        clear_retained: 0,
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        status: 'pending',
      }),
    ]);
  });
});
