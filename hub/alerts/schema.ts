// The alert module's tables: alerts, their audit trail, the delivery outbox, active pre-alerts and paced repeats.
import type { Database } from 'better-sqlite3';
import { migrate, type MigrationStep } from '../migrations.js';

export const ALERT_MIGRATIONS: readonly MigrationStep[] = [
  `CREATE TABLE alerts (
     id TEXT PRIMARY KEY,
     home_id TEXT NOT NULL,
     resident_id TEXT,
     kind TEXT NOT NULL,
     severity TEXT NOT NULL,
     state TEXT NOT NULL,
     raised_at INTEGER NOT NULL,
     acknowledged_at INTEGER,
     acknowledged_by TEXT,
     resolved_at INTEGER,
     outcome TEXT,
     note TEXT,
     escalation_level INTEGER NOT NULL DEFAULT 0,
     room TEXT,
     detail TEXT NOT NULL DEFAULT '{}',
     count INTEGER NOT NULL DEFAULT 1,
     last_seen_at INTEGER NOT NULL,
     version INTEGER NOT NULL DEFAULT 1,
     -- The ladder is fixed when the alert is raised, so a config change or restart cannot reshuffle it.
     ladder TEXT NOT NULL,
     escalation_due_at INTEGER
   );
   -- One open alert per home and kind: a second raise is merged into it (SPEC 5).
   CREATE UNIQUE INDEX alerts_one_open ON alerts (home_id, kind) WHERE state IN ('raised', 'acknowledged');
   CREATE INDEX alerts_raised_at ON alerts (raised_at);
   CREATE INDEX alerts_home ON alerts (home_id, raised_at);

   CREATE TABLE alert_audit (
     id INTEGER PRIMARY KEY,
     alert_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     version INTEGER NOT NULL,
     detail TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX alert_audit_alert ON alert_audit (alert_id, id);
   CREATE INDEX alert_audit_at ON alert_audit (at);

   CREATE TABLE alert_outbox (
     id INTEGER PRIMARY KEY,
     channel TEXT NOT NULL,          -- 'mqtt' | 'webhook'
     alert_id TEXT,                  -- null for pre-alerts
     version INTEGER,
     responder_id TEXT,              -- webhook rows only; URL and secret are read from the config at delivery
     topic TEXT,                     -- mqtt rows only
     payload TEXT NOT NULL,
     retain INTEGER NOT NULL DEFAULT 0,
     clear_retained INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     delivered_at INTEGER,
     status TEXT NOT NULL DEFAULT 'pending',   -- pending | delivered | superseded | abandoned
     last_error TEXT
   );
   -- At most one notification per alert version, channel and receiver.
   CREATE UNIQUE INDEX alert_outbox_once ON alert_outbox (alert_id, version, channel, COALESCE(responder_id, ''))
     WHERE alert_id IS NOT NULL;
   CREATE INDEX alert_outbox_pending ON alert_outbox (next_attempt_at) WHERE status = 'pending';

   CREATE TABLE alert_prealerts (
     home_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     raise_at INTEGER NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (home_id, kind)
   );`,
  // Repeats held by the pace (pacing.ts) not told yet: a hub killed within the pace's second tells them at its next
  // start (review, session 65). `count` is the alert's count once they are told; `decisions` each device's latest.
  `CREATE TABLE alert_paced_repeats (
     alert_id TEXT PRIMARY KEY,
     count INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     decisions TEXT NOT NULL
   );`,
];

export function migrateAlerts(db: Database): void {
  migrate(db, 'alerts', ALERT_MIGRATIONS);
}

/** True when the alert tables exist (a read-only reader may open a db the hub never started on). */
export function hasAlertTables(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alerts'").get() !== undefined;
}
