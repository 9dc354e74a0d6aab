// Read-only queries over the alert tables, usable without a running AlertService (council report, CLI).
import type { Database } from 'better-sqlite3';
import type { Alert, AlertFilter } from './api.js';
import { hasAlertTables } from './schema.js';
import { isOpenState, rowToAlert, type AlertRow } from './rows.js';

export interface AuditEntry {
  alertId: string;
  at: string;
  /** Username of a person, or `hub` for the hub's own steps (raise, escalate, deliver). */
  actor: string;
  action: AuditAction;
  version: number;
  detail: Record<string, unknown>;
}

export type AuditAction =
  | 'raise'
  | 'merge'
  | 'silence-ended'
  | 'severity-raised'
  | 'acknowledge'
  | 'resolve'
  | 'cancel'
  | 'escalate'
  | 'ladder-exhausted'
  | 'delivered'
  | 'delivery-abandoned'
  | 'clock-corrected';

export interface EscalationStep {
  alertId: string;
  at: string;
  /** Level reached by this step (1 = the second group on the ladder). */
  level: number;
  group: string;
}

export interface AuditFilter {
  alertId?: string;
  homeId?: string;
  from?: number;
  to?: number;
  actions?: AuditAction[];
}

export interface AckShares {
  /** Alerts raised in the period that needed a response (everything but those cancelled before an acknowledgement). */
  alerts: number;
  acknowledgedWithin60s: number;
  acknowledgedWithin180s: number;
  /** Shares in [0, 1]; null when there were no alerts. */
  shareWithin60s: number | null;
  shareWithin180s: number | null;
}

/** Alerts matching `filter`, newest first. */
export function queryAlerts(db: Database, filter: AlertFilter = {}): Alert[] {
  if (!hasAlertTables(db)) return [];
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.state === 'open') where.push("state IN ('raised', 'acknowledged')");
  else if (filter.state) {
    where.push('state = ?');
    args.push(filter.state);
  }
  if (filter.homeId) {
    where.push('home_id = ?');
    args.push(filter.homeId);
  }
  if (filter.homeIds !== undefined) {
    // An empty list matches nothing (`IN ()` is no SQL).
    where.push(filter.homeIds.length ? `home_id IN (${filter.homeIds.map(() => '?').join(', ')})` : '0');
    args.push(...filter.homeIds);
  }
  if (filter.from !== undefined) {
    where.push('raised_at >= ?');
    args.push(filter.from);
  }
  if (filter.to !== undefined) {
    where.push('raised_at < ?');
    args.push(filter.to);
  }
  if (filter.seenFrom !== undefined) {
    where.push('(raised_at >= ? OR last_seen_at >= ?)');
    args.push(filter.seenFrom, filter.seenFrom);
  }
  let sql = 'SELECT * FROM alerts';
  if (where.length) sql += ` WHERE ${where.join(' AND ')}`;
  sql += ' ORDER BY raised_at DESC, id DESC';
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    args.push(Math.max(0, Math.floor(filter.limit)));
  }
  return (db.prepare(sql).all(...args) as AlertRow[]).map(rowToAlert);
}

/**
 * The latest time the hub raised or repeated an alert (`last_seen_at`, never before `raised_at`), epoch ms; undefined
 * when there is none. What the rules decided before a restart reached at least that far (`RulesRunner`'s `reachedAt`).
 */
export function newestAlertSeenAt(db: Database): number | undefined {
  if (!hasAlertTables(db)) return undefined;
  return (db.prepare('SELECT max(last_seen_at) AS at FROM alerts').get() as { at: number | null }).at ?? undefined;
}

/**
 * The routine-change alerts raised before `ms` and last seen at or after it: those open into a period from before it,
 * which may hold flags merged into them in the period (`detail.laterFlags`, the council report).
 */
export function routineChangesSeenSince(db: Database, ms: number): Alert[] {
  if (!hasAlertTables(db)) return [];
  const rows = db
    .prepare(
      "SELECT * FROM alerts WHERE kind = 'routine-change' AND raised_at < ? AND last_seen_at >= ? ORDER BY raised_at, id",
    )
    .all(ms, ms) as AlertRow[];
  return rows.map(rowToAlert);
}

/** Whether `alert` is one `queryAlerts(db, filter)` returns (for versions not stored yet); `limit` aside. */
export function matchesFilter(alert: Alert, filter: AlertFilter): boolean {
  const raisedAt = Date.parse(alert.raisedAt);
  if (filter.homeId !== undefined && alert.homeId !== filter.homeId) return false;
  if (filter.homeIds !== undefined && !filter.homeIds.includes(alert.homeId)) return false;
  if (filter.state === 'open' && !isOpenState(alert.state)) return false;
  if (filter.state !== undefined && filter.state !== 'open' && alert.state !== filter.state) return false;
  if (filter.from !== undefined && raisedAt < filter.from) return false;
  if (filter.to !== undefined && raisedAt >= filter.to) return false;
  if (filter.seenFrom !== undefined && raisedAt < filter.seenFrom && Date.parse(alert.lastSeenAt) < filter.seenFrom)
    return false;
  return true;
}

/** The audit trail in the order it happened. `from`/`to` bound the time of the entry. */
export function queryAlertAudit(db: Database, filter: AuditFilter = {}): AuditEntry[] {
  if (!hasAlertTables(db)) return [];
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.alertId) {
    where.push('u.alert_id = ?');
    args.push(filter.alertId);
  }
  if (filter.homeId) {
    where.push('a.home_id = ?');
    args.push(filter.homeId);
  }
  if (filter.from !== undefined) {
    where.push('u.at >= ?');
    args.push(filter.from);
  }
  if (filter.to !== undefined) {
    where.push('u.at < ?');
    args.push(filter.to);
  }
  if (filter.actions?.length) {
    where.push(`u.action IN (${filter.actions.map(() => '?').join(', ')})`);
    args.push(...filter.actions);
  }
  const sql = `SELECT u.alert_id, u.at, u.actor, u.action, u.version, u.detail
    FROM alert_audit u JOIN alerts a ON a.id = u.alert_id
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY u.id`;
  const rows = db.prepare(sql).all(...args) as {
    alert_id: string;
    at: number;
    actor: string;
    action: AuditAction;
    version: number;
    detail: string;
  }[];
  return rows.map((r) => ({
    alertId: r.alert_id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    version: r.version,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }));
}

/** Every escalation step (level reached, group told, when) of the matching alerts. */
export function queryEscalationSteps(db: Database, filter: Omit<AuditFilter, 'actions'> = {}): EscalationStep[] {
  return queryAlertAudit(db, { ...filter, actions: ['escalate'] }).map((e) => ({
    alertId: e.alertId,
    at: e.at,
    level: Number(e.detail.level),
    group: String(e.detail.group),
  }));
}

/** Whether an alert called for a response: all but those cancelled before anyone acknowledged them. */
export function neededAnswer(alert: Alert): boolean {
  return !(alert.state === 'cancelled' && alert.acknowledgedAt === null);
}

/** Share of alerts raised in the period acknowledged within 60 s and 180 s (Telecare Services Association targets). */
export function ackShares(db: Database, filter: Omit<AlertFilter, 'state' | 'limit'> = {}): AckShares {
  const alerts = queryAlerts(db, filter).filter(neededAnswer);
  const secondsToAck = alerts
    .filter((a) => a.acknowledgedAt !== null)
    .map((a) => (Date.parse(a.acknowledgedAt!) - Date.parse(a.raisedAt)) / 1000);
  const within60 = secondsToAck.filter((s) => s <= 60).length;
  const within180 = secondsToAck.filter((s) => s <= 180).length;
  return {
    alerts: alerts.length,
    acknowledgedWithin60s: within60,
    acknowledgedWithin180s: within180,
    shareWithin60s: alerts.length ? within60 / alerts.length : null,
    shareWithin180s: alerts.length ? within180 / alerts.length : null,
  };
}
