// The centre's PostgreSQL tables for what hubs send up (SPEC 10): every alert version, each alert's newest
// version, the hubs and their heartbeats, and the pseudonymised daily features. Idempotent: run at every start.
import type pg from 'pg';

/** Channels the workers NOTIFY after a commit, so consoles update live: payload `{"hubId","alertId","version"}`. */
export const ALERT_CHANNEL = 'central_alert';
/** Payload `{"hubId","status"}` when a hub goes online or offline. */
export const HUB_CHANNEL = 'central_hub';
/** Payload `{"hubId","alertId","commandId"}` when a hub answers a centre's command. */
export const COMMAND_RESULT_CHANNEL = 'central_command_result';

const STATEMENTS: readonly string[] = [
  // Every version of every alert, as received: the key is SPEC 10's idempotency key.
  `CREATE TABLE IF NOT EXISTS central_alert_versions (
     hub_id      text        NOT NULL,
     alert_id    text        NOT NULL,
     version     integer     NOT NULL,
     received_at timestamptz NOT NULL DEFAULT now(),
     payload     jsonb       NOT NULL,
     PRIMARY KEY (hub_id, alert_id, version)
   )`,
  // Each alert's newest version (an older or repeated version never overwrites a newer one). origin 'hub' is a
  // hub's alert (acknowledged and resolved through a command down to the hub); 'centre' is the centre's own
  // (hub-offline), acknowledged and resolved here.
  `CREATE TABLE IF NOT EXISTS central_alerts (
     hub_id     text        NOT NULL,
     alert_id   text        NOT NULL,
     origin     text        NOT NULL DEFAULT 'hub',
     version    integer     NOT NULL,
     type       text        NOT NULL,
     severity   text        NOT NULL,
     state      text        NOT NULL,
     home_id    text,
     raised_at  timestamptz NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     alert      jsonb       NOT NULL,
     PRIMARY KEY (hub_id, alert_id)
   )`,
  `CREATE INDEX IF NOT EXISTS central_alerts_open ON central_alerts (raised_at) WHERE state <> 'resolved'`,
  // One row per hub: last contact (any message), last heartbeat, online/offline as the centre judges it.
  `CREATE TABLE IF NOT EXISTS central_hubs (
     hub_id         text        PRIMARY KEY,
     first_seen_at  timestamptz NOT NULL DEFAULT now(),
     last_seen_at   timestamptz NOT NULL DEFAULT now(),
     last_heartbeat jsonb,
     status         text        NOT NULL DEFAULT 'online',
     offline_since  timestamptz
   )`,
  // Hubs' answers to the centre's commands (telecare-up/<hubId>/alerts/<alertId>/ack/result).
  `CREATE TABLE IF NOT EXISTS central_command_results (
     hub_id      text        NOT NULL,
     alert_id    text        NOT NULL,
     command_id  text        NOT NULL,
     payload     jsonb       NOT NULL,
     received_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (hub_id, alert_id, command_id)
   )`,
  // Completed days' features under the council pseudonym (no home id ever reaches the centre).
  `CREATE TABLE IF NOT EXISTS central_features (
     hub_id      text        NOT NULL,
     home        text        NOT NULL,
     day         date        NOT NULL,
     features    jsonb       NOT NULL,
     received_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (hub_id, home, day)
   )`,
  // Added by the workers (SPEC 10 hub list): the hub's own retained status (`online`, or `offline` as its last will)
  // and the NATS time of the newest status and message applied, so a late or redelivered message never undoes a newer
  // one when several workers run.
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS reported_status text`,
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS reported_status_at timestamptz`,
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS last_heartbeat_at timestamptz`,
  // One open hub-offline alert per hub, whichever worker raises it.
  `CREATE UNIQUE INDEX IF NOT EXISTS central_alerts_one_hub_offline ON central_alerts (hub_id)
     WHERE origin = 'centre' AND type = 'hub-offline' AND state NOT IN ('resolved', 'cancelled')`,
  `CREATE INDEX IF NOT EXISTS central_hubs_online_seen ON central_hubs (last_seen_at) WHERE status = 'online'`,
  // Session 38 (central/quarantine.ts): what each hub had stored in the current window of its byte budget, counted by
  // every worker; one open hub-quarantined alert per hub, whichever worker raises it.
  `CREATE TABLE IF NOT EXISTS central_hub_usage (
     hub_id       text        PRIMARY KEY,
     window_start timestamptz NOT NULL,
     bytes        bigint      NOT NULL
   )`,
  // Session 61 (central/retire.ts): a hub taken out of service for good (status 'retired'), when and by whom.
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS retired_at timestamptz`,
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS retired_by text`,
  // Session 63: the hub that took a retired one's place in the same homes (`hub remove --replaced-by`): the council
  // report counts their homes as one.
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS replaced_by text`,
  // Session 68: the council whose homes the hub serves (set by a supervisor on the console): a council's analyst reads
  // the report over its hubs only.
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS council text`,
  // Session 69: each council a hub has had and from when (`since`; the epoch for a hub's first, which counts for all
  // its past): what a hub sent before it moved to another council stays its old council's. A hub with no row has had
  // only `central_hubs.council`. Written with it by the console (`PUT /api/hubs/:hubId/council`).
  `CREATE TABLE IF NOT EXISTS central_hub_councils (
     hub_id  text        NOT NULL,
     since   timestamptz NOT NULL,
     council text,
     PRIMARY KEY (hub_id, since)
   )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS central_alerts_one_hub_quarantined ON central_alerts (hub_id)
     WHERE origin = 'centre' AND type = 'hub-quarantined' AND state NOT IN ('resolved', 'cancelled')`,
  // Session 61 (central/ingest.ts, applyHeartbeats): when the hub that sent the newest heartbeat started, and the
  // start before it (a heartbeat from that one again is a second box with the same HUB_ID); one open
  // hub-duplicate-id alert per hub, whichever worker raises it.
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS started_at timestamptz`,
  `ALTER TABLE central_hubs ADD COLUMN IF NOT EXISTS previous_started_at timestamptz`,
  `CREATE UNIQUE INDEX IF NOT EXISTS central_alerts_one_hub_duplicate_id ON central_alerts (hub_id)
     WHERE origin = 'centre' AND type = 'hub-duplicate-id' AND state NOT IN ('resolved', 'cancelled')`,
  // How far the workers' consumer had acknowledged (every message up to `ack_floor` stored), noted by every worker's
  // silence check, and which stream that was (its creation time): a consumer made again starts after it, not at the
  // stream's first message three days back (session 65).
  `CREATE TABLE IF NOT EXISTS central_consumer_floor (
     consumer       text        PRIMARY KEY,
     stream_created text        NOT NULL,
     ack_floor      bigint      NOT NULL,
     noted_at       timestamptz NOT NULL DEFAULT now()
   )`,
  // Session 75: the IANA time zone of the alert's home, sent by the hub beside each alert version (`homeTimezone`,
  // checked by the workers): the console shows the card's times as the home's. Null for a hub before session 75 (or a
  // zone no browser knows): the times are then the operator's own, as before.
  `ALTER TABLE central_alerts ADD COLUMN IF NOT EXISTS home_timezone text`,
];

/** Creates the tables when missing; safe to run from several workers at once (an advisory lock serialises it). */
export async function migrateCentral(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock(7426001)');
  try {
    for (const sql of STATEMENTS) await client.query(sql);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7426001)');
  }
}
