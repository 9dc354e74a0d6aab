// What the alert service does on the path of a press: the open alert read once per raise, no outbox scan after each
// delivery once nothing waits, ids from a pooled random source, the home's ladder without a search of every home, no
// row read back that the raise just wrote, a ladder parsed once, the alert serialised once for MQTT and webhooks;
// counted on a real store and broker, not timed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { FakeClock } from '../../hub/clock.js';
import { newAlertId } from '../../hub/alerts/ids.js';
import { ladderFor } from '../../hub/alerts/ladder.js';
import { webhookPayload } from '../../hub/alerts/changes.js';
import { Outbox, type OutboxRow } from '../../hub/alerts/outbox.js';
import type { HomeConfig } from '../../rules/types.js';
import { ALERT_BUSY_TIMEOUT_MS, type AlertService } from '../../hub/alerts/service.js';
import { homeConfig, nth, pendantPress, startStage, testHome, waitFor, type AlertStage } from './helpers.js';

/** Counts the calls of better-sqlite3 statements whose SQL contains `fragment`, until `restore()`. */
function countStatements(
  db: Database.Database,
  method: 'get' | 'all' | 'run',
  fragment: string,
): { calls: () => number; restore: () => void } {
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, unknown>;
  const original = proto[method] as (this: Database.Statement, ...a: unknown[]) => unknown;
  let calls = 0;
  proto[method] = function (this: Database.Statement, ...a: unknown[]): unknown {
    if (this.source.includes(fragment)) calls++;
    return original.apply(this, a);
  };
  return {
    calls: () => calls,
    restore: () => {
      proto[method] = original;
    },
  };
}

const OPEN_BY_KIND = 'home_id = ? AND kind = ?';
const OUTBOX_SCAN = 'ORDER BY next_attempt_at, id';

describe('the alert path', () => {
  let stage: AlertStage;
  let db: Database.Database;
  let alerts: AlertService;
  const clock = new FakeClock();
  const restores: (() => void)[] = [];

  beforeEach(async () => {
    stage = await startStage();
    ({ alerts, db } = await stage.alertService(homeConfig([]), clock));
  });

  afterEach(async () => {
    for (const restore of restores.splice(0)) restore();
    await stage.close();
  });

  it('reads the open alert of the kind once per raise, and still closes an info record a real raise finds', async () => {
    const reads = countStatements(db, 'get', OPEN_BY_KIND);
    restores.push(reads.restore);
    const first = alerts.apply(pendantPress(clock.now()))!;
    expect(reads.calls()).toBe(1);
    alerts.resolve(first.id, 'false-alarm', null, 'ann');

    // An impact the wearer got up from: an info record. A real fall after it gets an alert of its own.
    const fall = { ...pendantPress(clock.now()), kind: 'fall' as const };
    const record = alerts.apply({ ...fall, severity: 'info' as const })!;
    const before = reads.calls();
    const real = alerts.apply(fall)!;
    expect(real.id).not.toBe(record.id);
    expect(real).toMatchObject({ state: 'raised', severity: 'critical', count: 1 });
    expect(alerts.get(record.id)).toMatchObject({ state: 'resolved', outcome: 'no-action-needed' });
    // Read, found the record (resolved), read again: the raise proper.
    expect(reads.calls() - before).toBe(2);
    // A repeat merges into the real alert; the record stays closed.
    expect(alerts.apply(fall)).toMatchObject({ id: real.id, count: 2 });
    expect(alerts.apply({ ...fall, severity: 'info' as const })).toMatchObject({ id: real.id, count: 3 });
  });

  it('does not scan the outbox after each delivery once nothing waits', async () => {
    const console = await stage.subscriber(['telecare/h1/alerts/+']);
    const scans = countStatements(db, 'all', OUTBOX_SCAN);
    restores.push(scans.restore);
    for (let i = 0; i < 10; i++) {
      const alert = alerts.apply(pendantPress(clock.now()))!;
      alerts.resolve(alert.id, 'false-alarm', null, 'ann');
      await alerts.settled();
    }
    // The broker hands the subscriber the raised alert and the empty message clearing it (the resolved version in
    // between is replaced by the clear before delivery).
    await waitFor(() => console.messages.length >= 20, 'raised and cleared, ten times');
    const statuses = db.prepare('SELECT status, count(*) AS n FROM alert_outbox GROUP BY status').all();
    expect(statuses).toEqual([{ status: 'delivered', n: 20 }]);
    // One look (after start) finds nothing waiting; from then on a delivered row leaves nothing to look for.
    expect(scans.calls()).toBeLessThanOrEqual(2);
    // A failed delivery still makes the outbox look again (test/alerts/delivery.test.ts: retried until it goes).
  });

  it('reads back no row a raise wrote, and tells and delivers exactly what it stored', async () => {
    const readBacks = countStatements(db, 'get', 'RETURNING *');
    restores.push(readBacks.restore);
    // The outbox rows a change hands to delivery, to compare with the table.
    const recorded: OutboxRow[] = [];
    const enqueue = Outbox.prototype.enqueue;
    Outbox.prototype.enqueue = function (this: Outbox, ...a: Parameters<Outbox['enqueue']>): OutboxRow | undefined {
      const row = enqueue.apply(this, a);
      if (row) recorded.push(row);
      return row;
    };
    restores.push(() => {
      Outbox.prototype.enqueue = enqueue;
    });
    const console = await stage.subscriber(['telecare/h1/alerts/+']);
    const alert = alerts.apply(pendantPress(clock.now()))!;
    expect(readBacks.calls()).toBe(0);
    // The alert told is the stored row, read afresh.
    expect(alerts.get(alert.id)).toEqual(alert);
    const row = nth(recorded, 0);
    const stored = db
      .prepare(
        `SELECT id, channel, alert_id, version, responder_id, topic, payload, retain, clear_retained, attempts,
           next_attempt_at FROM alert_outbox WHERE id = ?`,
      )
      .get(row.id);
    expect(row).toEqual(stored);
    await waitFor(() => console.messages.length >= 1, 'the raised alert');
    expect(JSON.parse(nth(console.messages, 0).payload)).toEqual(alert);
    // A repeat of an open alert is not new: it is read back as before (count and version from the row).
    expect(alerts.apply(pendantPress(clock.now()))).toMatchObject({ id: alert.id, count: 2, version: 2 });
  });

  it('parses an escalation ladder once, not on every change of every alert', () => {
    const ladderParses = { n: 0 };
    const parse = JSON.parse;
    JSON.parse = function (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown {
      if (typeof text === 'string' && text.startsWith('[{"group"')) ladderParses.n++;
      return parse(text, reviver) as unknown;
    };
    restores.push(() => {
      JSON.parse = parse;
    });
    for (let i = 0; i < 10; i++) {
      const alert = alerts.apply(pendantPress(clock.now()))!;
      alerts.acknowledge(alert.id, 'ann');
      alerts.resolve(alert.id, 'false-alarm', null, 'ann');
    }
    // Thirty changes of ten alerts with one ladder: parsed once (at most once more if a test before left it cached).
    expect(ladderParses.n).toBeLessThanOrEqual(1);
  });

  it("builds a webhook's body around the alert's MQTT JSON, byte for byte as serialising it again would", async () => {
    const tricky = { id: 'a"1\\', note: 'line\nbreak \u2028 é 🚨', nested: { list: [1, null, true] } };
    const alertJson = JSON.stringify(tricky);
    for (const [responderId, group] of [
      ['cc-1', 'first'],
      ['quote"d', 'back\\slash\u0001'],
    ] as const)
      expect(webhookPayload(alertJson, responderId, group)).toBe(JSON.stringify({ alert: tricky, responderId, group }));
    // And a receiver gets that body with the alert as stored.
    const receiver = await stage.webhook();
    const config = homeConfig([
      { id: 'cc-first', group: 'responders', webhook: { url: receiver.url, secret: 's1', allowPrivateNetwork: true } },
    ]);
    const withWebhook = await stage.alertService(config, clock);
    const alert = withWebhook.alerts.apply({ ...pendantPress(clock.now()), homeId: 'h1' })!;
    await waitFor(() => receiver.accepted().length >= 1, 'the webhook');
    expect(JSON.parse(nth(receiver.accepted(), 0).body)).toEqual({
      alert,
      responderId: 'cc-first',
      group: 'responders',
    });
  });

  it('makes unique ids, in time order, across many refills of the random pool', () => {
    const ids = new Set<string>();
    const at = Date.UTC(2026, 10, 30, 7, 0, 0);
    for (let i = 0; i < 10_000; i++) {
      const id = newAlertId(at);
      expect(id).toMatch(/^[0-9a-z]{9}-[0-9a-f]{10}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(10_000);
    expect(newAlertId(at) < newAlertId(at + 1)).toBe(true);
  });

  it("finds a home's ladder among a thousand homes without looking at each of them", () => {
    const homes: HomeConfig[] = Array.from({ length: 1000 }, (_, i) => ({
      ...testHome(),
      id: `h${i + 1}`,
      ...(i === 999 ? { escalation: 'night' } : {}),
    }));
    let reads = 0;
    // Counts the reads of the homes' elements (a search reads one per home it passes).
    const counted = new Proxy(homes, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const config = {
      ...homeConfig([]),
      homes: counted,
      escalation: { night: [{ group: 'night', timeoutSeconds: 5 }] },
    };
    expect(ladderFor(config, 'h1000', 'critical')).toEqual([{ group: 'night', timeoutSeconds: 5 }]);
    const afterFirst = reads;
    for (let i = 0; i < 100; i++) ladderFor(config, 'h1000', 'critical');
    expect(ladderFor(config, 'h2', 'high')).toEqual([
      { group: 'responders', timeoutSeconds: 120 },
      { group: 'responders', timeoutSeconds: 300 },
    ]);
    expect(reads - afterFirst).toBe(0);
    // A home added in place is found too.
    homes.push({ ...testHome(), id: 'h1001', escalation: 'night' });
    expect(ladderFor(config, 'h1001', 'critical')).toEqual([{ group: 'night', timeoutSeconds: 5 }]);
  });
  it("runs no pragma around an alert change on the running hub's connection, and still waits for another writer's lock with the short timeout", async () => {
    // As the hub runs once started: a write never sleeps on the loop for another process's lock.
    db.pragma('busy_timeout = 0');
    const first = alerts.apply(pendantPress(clock.now()))!;
    alerts.resolve(first.id, 'false-alarm', null, 'ann');
    const pragmaGets = countStatements(db, 'get', 'PRAGMA');
    const pragmaRuns = countStatements(db, 'run', 'PRAGMA');
    restores.push(pragmaGets.restore, pragmaRuns.restore);
    const second = alerts.apply(pendantPress(clock.now()))!;
    expect(alerts.resolve(second.id, 'false-alarm', null, 'ann')).toMatchObject({ ok: true });
    // Before: read the timeout, set the short one, put it back, around each of the two changes.
    expect(pragmaGets.calls() + pragmaRuns.calls()).toBe(0);

    // Another connection holds the write lock: the BEGIN that finds it is made again with the short timeout (it waits
    // that long, then the change is told from memory), and the connection gets its own timeout back.
    const locker = new Database(stage.store.file);
    try {
      locker.exec('BEGIN IMMEDIATE');
      const shortRuns = countStatements(db, 'run', `busy_timeout = ${ALERT_BUSY_TIMEOUT_MS}`);
      restores.push(shortRuns.restore);
      const third = alerts.apply(pendantPress(clock.now()))!;
      expect(third).toMatchObject({ state: 'raised', kind: 'pendant' });
      expect(shortRuns.calls()).toBe(1);
      expect(alerts.storage.status()).toMatchObject({ state: 'degraded', alertsHeldInMemory: 1 });
      expect(alerts.get(third.id)).toMatchObject({ state: 'raised' });
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect(db.pragma('busy_timeout', { simple: true })).toBe(0);
    // The lock gone, the next change stores the held one first, then itself.
    const fourth = alerts.apply({ ...pendantPress(clock.now()), kind: 'fall' as const })!;
    expect(alerts.storage.status()).toMatchObject({ alertsHeldInMemory: 0 });
    const stored = db.prepare('SELECT id FROM alerts ORDER BY raised_at, id').pluck().all();
    expect(stored).toHaveLength(4);
    expect(stored).toContain(fourth.id);
  });
  it("makes a new alert's ladder once per configuration and severity, takes a reloaded one's, parses back no detail it wrote and formats its millisecond once", () => {
    const config = homeConfig([], { default: [{ group: 'day', timeoutSeconds: 60 }] });
    const escalation = config.escalation;
    let ladderReads = 0;
    Object.defineProperty(config, 'escalation', {
      enumerable: true,
      get: () => {
        ladderReads++;
        return escalation;
      },
    });
    alerts.setConfig(config);
    const parse = JSON.parse;
    const toISOString = Date.prototype.toISOString;
    let detailParses = 0;
    let dateFormats = 0;
    const raise = (): ReturnType<AlertService['apply']> => {
      JSON.parse = (text: string, reviver?: Parameters<typeof parse>[1]): unknown => {
        if (text.includes('"eventAt"')) detailParses++;
        return parse(text, reviver) as unknown;
      };
      Date.prototype.toISOString = function (this: Date): string {
        dateFormats++;
        return toISOString.call(this);
      };
      try {
        // The press's event at the time of the raise, as live: one millisecond, formatted once.
        return alerts.apply(pendantPress(clock.now()));
      } finally {
        JSON.parse = parse;
        Date.prototype.toISOString = toISOString;
      }
    };
    for (let i = 0; i < 5; i++) {
      clock.advanceBy(1000);
      const alert = raise()!;
      const at = new Date(clock.now()).toISOString();
      expect(alert).toMatchObject({ raisedAt: at, lastSeenAt: at });
      expect(alert.detail).toEqual({ eventType: 'pendant', source: 'mqtt', deviceId: 'p1', eventAt: at });
      expect(alert.escalationLevel).toBe(0);
      alerts.resolve(alert.id, 'false-alarm', null, 'ann');
    }
    // Before: the ladder built and serialised for every raise (5 reads), the detail parsed back from its JSON.
    expect(ladderReads).toBe(1);
    expect(detailParses).toBe(0);
    // Its event's time, raised at and last seen: the same millisecond, formatted once per raise (before: three times).
    expect(dateFormats).toBe(5);
    const ladderOf = db.prepare('SELECT ladder, escalation_due_at AS due, raised_at AS at FROM alerts WHERE id = ?');
    const first = db.prepare('SELECT id FROM alerts ORDER BY raised_at, id LIMIT 1').pluck().get() as string;
    expect(ladderOf.get(first)).toMatchObject({ ladder: '[{"group":"day","timeoutSeconds":60}]' });

    // A reload is a new configuration: the next alert has its ladder.
    alerts.setConfig(homeConfig([], { default: [{ group: 'night', timeoutSeconds: 30 }] }));
    const next = raise()!;
    const stored = ladderOf.get(next.id) as { ladder: string; due: number; at: number };
    expect(stored.ladder).toBe('[{"group":"night","timeoutSeconds":30}]');
    expect(stored.due - stored.at).toBe(30_000);
  });
});
