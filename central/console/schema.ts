// The console's own PostgreSQL tables (operators, sessions, audit, commands sent down to hubs). Idempotent: run at every start.
import type pg from 'pg';

/**
 * Who may do what at the centre: `operator`, `supervisor` and `admin` each have every right of the one before it;
 * `analyst` is the council's reader (SPEC 9's analyst: aggregated data only), who sees the council report of whole
 * weeks that have ended and nothing else: no alert, hub or operator (review, session 67).
 */
export const OPERATOR_ROLES = ['analyst', 'operator', 'supervisor', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

const ROLE_CHECK = `CHECK (role IN (${OPERATOR_ROLES.map((r) => `'${r}'`).join(', ')}))`;

const STATEMENTS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS console_operators (
     username      text        PRIMARY KEY,
     role          text        NOT NULL ${ROLE_CHECK},
     password_hash text        NOT NULL,
     created_at    timestamptz NOT NULL DEFAULT now(),
     created_by    text
   )`,
  // Only a hash of the session id is stored: a copy of the database opens no session.
  `CREATE TABLE IF NOT EXISTS console_sessions (
     id_hash    text        PRIMARY KEY,
     username   text        NOT NULL REFERENCES console_operators(username) ON DELETE CASCADE,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL
   )`,
  // A generated password nobody has logged in with yet: replaced and shown again at the next start, so an operator
  // who missed the first start's output (or whose first start failed after making it) is never locked out.
  `ALTER TABLE console_operators ADD COLUMN IF NOT EXISTS password_unclaimed boolean NOT NULL DEFAULT false`,
  `CREATE INDEX IF NOT EXISTS console_sessions_expiry ON console_sessions (expires_at)`,
  // Session 67: a table made before `analyst` refused it. One statement (under the advisory lock): never without a check.
  `ALTER TABLE console_operators DROP CONSTRAINT IF EXISTS console_operators_role_check,
     ADD CONSTRAINT console_operators_role_check ${ROLE_CHECK}`,
  // Session 68: the council an analyst reads the report of (its hubs' `central_hubs.council`); null: none yet, and an
  // analyst with none reads nothing. Set by an admin; other roles have none (they read every hub).
  `ALTER TABLE console_operators ADD COLUMN IF NOT EXISTS council text`,
  // Who did what, when: alert ids and hub ids only, never a resident's data (the note stays with the alert).
  `CREATE TABLE IF NOT EXISTS console_audit (
     id         bigserial   PRIMARY KEY,
     at         timestamptz NOT NULL DEFAULT now(),
     operator   text        NOT NULL,
     action     text        NOT NULL,
     hub_id     text,
     alert_id   text,
     command_id text,
     detail     jsonb
   )`,
  `CREATE INDEX IF NOT EXISTS console_audit_at ON console_audit (at)`,
  // Commands sent down to hubs, resent until the hub's result arrives (central_command_results) or they time out.
  `CREATE TABLE IF NOT EXISTS console_commands (
     command_id   text        PRIMARY KEY,
     hub_id       text        NOT NULL,
     alert_id     text        NOT NULL,
     action       text        NOT NULL,
     body         jsonb       NOT NULL,
     operator     text        NOT NULL,
     created_at   timestamptz NOT NULL DEFAULT now(),
     sends        integer     NOT NULL DEFAULT 0,
     last_sent_at timestamptz,
     state        text        NOT NULL DEFAULT 'sent',
     result       jsonb,
     finished_at  timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS console_commands_pending ON console_commands (created_at) WHERE state = 'sent'`,
  `CREATE INDEX IF NOT EXISTS console_commands_alert ON console_commands (hub_id, alert_id)`,
  // Commands timed out lately, whose hub's answer may still come (`LATE_ANSWER_MS`, session 62).
  `CREATE INDEX IF NOT EXISTS console_commands_timed_out ON console_commands (finished_at) WHERE state = 'timeout'`,
  // "Recently closed" on the alerts page (`closedAlerts`): the newest closed alerts without reading every alert ever
  // stored. On the workers' table, made here since only the console reads it so (IF NOT EXISTS: safe at every start).
  `CREATE INDEX IF NOT EXISTS console_alerts_closed ON central_alerts (updated_at DESC)
     WHERE state IN ('resolved', 'cancelled')`,
];

/** Creates the console's tables when missing; safe from several consoles at once (an advisory lock serialises it). */
export async function migrateConsole(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock(7426002)');
  try {
    for (const sql of STATEMENTS) await client.query(sql);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7426002)');
  }
}
