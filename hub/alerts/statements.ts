// The alert service's prepared statements over its tables, typed: what each takes and the rows it returns.
import type { Database, Statement } from 'better-sqlite3';
import type { AuditAction } from './query.js';
import type { AlertRow } from './rows.js';

/** The columns of a new alert that depend on the rule decision; the others start at their defaults. */
export interface NewAlertRow {
  id: string;
  home_id: string;
  resident_id: string | null;
  kind: string;
  severity: string;
  raised_at: number;
  room: string | null;
  detail: string;
  last_seen_at: number;
  ladder: string;
  escalation_due_at: number | null;
}

export interface ResolveParams {
  id: string;
  now: number;
  by: string;
  outcome: string;
  note: string | null;
}

/** A repeat more serious than the open alert: its new severity, ladder and escalation. */
export interface RaiseSeverityParams {
  id: string;
  now: number;
  severity: string;
  ladder: string;
  escalation_level: number;
  escalation_due_at: number | null;
}

/** A pre-alert running for a home (table `alert_prealerts`). */
export interface PrealertRow {
  home_id: string;
  kind: string;
  raise_at: number;
  at: number;
}

export interface CorrectTimesParams {
  id: string;
  raised_at: number;
  acknowledged_at: number | null;
  resolved_at: number | null;
  last_seen_at: number;
  escalation_due_at: number | null;
  detail: string;
}

/** Repeats held by the pace not told yet (table `alert_paced_repeats`). */
export interface PacedRepeatsRow {
  alert_id: string;
  /** The alert's count once they are told. */
  count: number;
  last_seen_at: number;
  /** Each device's latest repeat (RuleDecision raises), as JSON. */
  decisions: string;
}

export interface AlertStatements {
  byId: Statement<[id: string], AlertRow>;
  openByKind: Statement<[homeId: string, kind: string], AlertRow>;
  open: Statement<[], AlertRow>;
  insert: Statement<[row: NewAlertRow]>;
  merge: Statement<[lastSeenAt: number, id: string], AlertRow>;
  /**
   * A repeat that also changes the room and detail (a routine-change alert's later flags, a cold alert kept open by
   * another room, another device's alarm: `repeatChange` in lifecycle.ts).
   */
  mergeDetail: Statement<[lastSeenAt: number, room: string | null, detail: string, id: string], AlertRow>;
  /** Repeats held back by the pace (pacing.ts), told in one version: `count` of them, the last at `lastSeenAt`. */
  mergePaced: Statement<[count: number, lastSeenAt: number, room: string | null, detail: string, id: string], AlertRow>;
  raiseSeverity: Statement<[params: RaiseSeverityParams], AlertRow>;
  /** Only the detail of an open alert changes (a silence told on a fall ended: lifecycle.ts `withSilenceEnded`). */
  setDetail: Statement<[detail: string, id: string], AlertRow>;
  acknowledge: Statement<[at: number, by: string, note: string | null, id: string], AlertRow>;
  resolve: Statement<[params: ResolveParams], AlertRow>;
  cancel: Statement<[at: number, detail: string, id: string], AlertRow>;
  escalate: Statement<[level: number, dueAt: number | null, ladder: string, id: string], AlertRow>;
  upsertHeld: Statement<[row: AlertRow]>;
  exhaust: Statement<[id: string]>;
  /** The times of an alert stamped while the clock read behind, corrected (clock-correction.ts). */
  correctTimes: Statement<[params: CorrectTimesParams], AlertRow>;
  /** Its audit entries after `version` stamped before `readBefore`, moved by `stepMs`. */
  shiftAudit: Statement<[stepMs: number, alertId: string, version: number, readBefore: number]>;
  audit: Statement<[alertId: string, at: number, actor: string, action: AuditAction, version: number, detail: string]>;
  /** Its merges and raised severities after `version` (a resolve of a version since changed: changed-since.ts). */
  auditSince: Statement<
    [alertId: string, version: number],
    { version: number; at: number; action: string; detail: string }
  >;
  prealertUpsert: Statement<[homeId: string, kind: string, raiseAt: number, at: number]>;
  prealertDelete: Statement<[homeId: string, kind: string]>;
  prealertLatest: Statement<[homeId: string], PrealertRow>;
  prealertHomes: Statement<[], Pick<PrealertRow, 'home_id'>>;
  prealertsOldestFirst: Statement<[], PrealertRow>;
  pacedUpsert: Statement<[alertId: string, count: number, lastSeenAt: number, decisions: string]>;
  pacedDelete: Statement<[alertId: string]>;
  pacedAll: Statement<[], PacedRepeatsRow>;
}

/** Prepare the statements; the alert tables must exist (migrateAlerts). */
export function prepareAlertStatements(db: Database): AlertStatements {
  // Parameter and row types come from AlertStatements above: one place to read them, checked where they are used.
  const prepare = <P extends unknown[], R>(sql: string): Statement<P, R> => db.prepare<P, R>(sql);
  return {
    byId: prepare('SELECT * FROM alerts WHERE id = ?'),
    openByKind: prepare("SELECT * FROM alerts WHERE home_id = ? AND kind = ? AND state IN ('raised', 'acknowledged')"),
    open: prepare("SELECT * FROM alerts WHERE state IN ('raised', 'acknowledged') ORDER BY raised_at"),
    insert: prepare(`INSERT INTO alerts (id, home_id, resident_id, kind, severity, state, raised_at, escalation_level,
          room, detail, count, last_seen_at, version, ladder, escalation_due_at)
        VALUES (@id, @home_id, @resident_id, @kind, @severity, 'raised', @raised_at, 0, @room, @detail, 1, @last_seen_at, 1,
          @ladder, @escalation_due_at)`),
    merge: prepare(
      'UPDATE alerts SET count = count + 1, last_seen_at = ?, version = version + 1 WHERE id = ? RETURNING *',
    ),
    mergeDetail: prepare(
      'UPDATE alerts SET count = count + 1, last_seen_at = ?, room = ?, detail = ?, version = version + 1 WHERE id = ? RETURNING *',
    ),
    mergePaced: prepare(
      'UPDATE alerts SET count = count + ?, last_seen_at = ?, room = ?, detail = ?, version = version + 1 WHERE id = ? RETURNING *',
    ),
    raiseSeverity: prepare(`UPDATE alerts SET count = count + 1, last_seen_at = @now, severity = @severity,
          ladder = @ladder, escalation_level = @escalation_level, escalation_due_at = @escalation_due_at,
          version = version + 1 WHERE id = @id RETURNING *`),
    setDetail: prepare(
      "UPDATE alerts SET detail = ?, version = version + 1 WHERE id = ? AND state IN ('raised', 'acknowledged') RETURNING *",
    ),
    acknowledge: prepare(`UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?,
          note = COALESCE(?, note), escalation_due_at = NULL, version = version + 1
        WHERE id = ? AND state = 'raised' RETURNING *`),
    resolve: prepare(`UPDATE alerts SET state = 'resolved', resolved_at = @now, outcome = @outcome, note = @note,
          acknowledged_at = COALESCE(acknowledged_at, @now), acknowledged_by = COALESCE(acknowledged_by, @by),
          escalation_due_at = NULL, version = version + 1
        WHERE id = @id AND state IN ('raised', 'acknowledged') RETURNING *`),
    cancel: prepare(`UPDATE alerts SET state = 'cancelled', resolved_at = ?, detail = ?, escalation_due_at = NULL,
          version = version + 1 WHERE id = ? AND state = 'raised' RETURNING *`),
    escalate: prepare(
      'UPDATE alerts SET escalation_level = ?, escalation_due_at = ?, ladder = ?, version = version + 1 WHERE id = ? RETURNING *',
    ),
    // A version delivered from memory, stored when storage returns; an older version never overwrites a newer one.
    upsertHeld:
      prepare(`INSERT INTO alerts (id, home_id, resident_id, kind, severity, state, raised_at, acknowledged_at,
          acknowledged_by, resolved_at, outcome, note, escalation_level, room, detail, count, last_seen_at, version, ladder,
          escalation_due_at)
        VALUES (@id, @home_id, @resident_id, @kind, @severity, @state, @raised_at, @acknowledged_at, @acknowledged_by,
          @resolved_at, @outcome, @note, @escalation_level, @room, @detail, @count, @last_seen_at, @version, @ladder,
          @escalation_due_at)
        ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, ladder = excluded.ladder, state = excluded.state,
          acknowledged_at = excluded.acknowledged_at,
          acknowledged_by = excluded.acknowledged_by, resolved_at = excluded.resolved_at, outcome = excluded.outcome,
          note = excluded.note, escalation_level = excluded.escalation_level, detail = excluded.detail, count = excluded.count,
          last_seen_at = excluded.last_seen_at, version = excluded.version, escalation_due_at = excluded.escalation_due_at
        WHERE excluded.version > alerts.version`),
    exhaust: prepare('UPDATE alerts SET escalation_due_at = NULL WHERE id = ?'),
    correctTimes: prepare(`UPDATE alerts SET raised_at = @raised_at, acknowledged_at = @acknowledged_at,
          resolved_at = @resolved_at, last_seen_at = @last_seen_at, escalation_due_at = @escalation_due_at,
          detail = @detail, version = version + 1 WHERE id = @id RETURNING *`),
    shiftAudit: prepare('UPDATE alert_audit SET at = at + ? WHERE alert_id = ? AND version > ? AND at < ?'),
    audit: prepare('INSERT INTO alert_audit (alert_id, at, actor, action, version, detail) VALUES (?, ?, ?, ?, ?, ?)'),
    auditSince: prepare(`SELECT version, at, action, detail FROM alert_audit
        WHERE alert_id = ? AND version > ? AND action IN ('merge', 'severity-raised') ORDER BY id`),
    prealertUpsert: prepare(`INSERT INTO alert_prealerts (home_id, kind, raise_at, at) VALUES (?, ?, ?, ?)
        ON CONFLICT (home_id, kind) DO UPDATE SET raise_at = excluded.raise_at, at = excluded.at`),
    prealertDelete: prepare('DELETE FROM alert_prealerts WHERE home_id = ? AND kind = ?'),
    prealertLatest: prepare('SELECT * FROM alert_prealerts WHERE home_id = ? ORDER BY at DESC LIMIT 1'),
    prealertHomes: prepare('SELECT DISTINCT home_id FROM alert_prealerts'),
    prealertsOldestFirst: prepare('SELECT * FROM alert_prealerts ORDER BY at, kind'),
    pacedUpsert: prepare(`INSERT INTO alert_paced_repeats (alert_id, count, last_seen_at, decisions) VALUES (?, ?, ?, ?)
        ON CONFLICT (alert_id) DO UPDATE SET count = excluded.count, last_seen_at = excluded.last_seen_at,
          decisions = excluded.decisions`),
    pacedDelete: prepare('DELETE FROM alert_paced_repeats WHERE alert_id = ?'),
    pacedAll: prepare('SELECT * FROM alert_paced_repeats ORDER BY alert_id'),
  };
}

/** The actor of the hub's own steps in the audit trail (raise, escalate, deliver...). */
export const HUB_ACTOR = 'hub';

/** One entry of an alert's audit trail, at `atMs`. In the transaction of the change it records. */
export function writeAudit(
  sql: AlertStatements,
  atMs: number,
  alertId: string,
  version: number,
  actor: string,
  action: AuditAction,
  detail: object,
): void {
  // By position, no entry object: it runs on every alert change, on the press's path (session 33).
  sql.audit.run(alertId, atMs, actor, action, version, JSON.stringify(detail));
}

/**
 * The row an UPDATE or INSERT ... RETURNING gave back. Each caller has just read the row in the same transaction, so
 * none is a broken invariant: thrown (the transaction rolls back) rather than told as an alert with no row.
 */
export function returned(row: AlertRow | undefined, what: string): AlertRow {
  if (row === undefined) throw new Error(`alert ${what} changed no row`);
  return row;
}
