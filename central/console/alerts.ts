// Every hub's alerts as the console shows them (PostgreSQL reads), and acting on the centre's own alerts (hub-offline).
import type pg from 'pg';
import { HUB_QUARANTINED, liftedUsage } from '../quarantine.js';
import { ALERT_CHANNEL } from '../schema.js';

/** One alert card: the newest version the centre holds, the hub's status, and the last command sent for it. */
export interface ConsoleAlert {
  hubId: string;
  alertId: string;
  origin: 'hub' | 'centre';
  version: number;
  type: string;
  severity: string;
  state: string;
  raisedAt: string;
  updatedAt: string;
  /** The alert as the hub sent it (SPEC 5, with `detail`), or the centre's own. */
  alert: Record<string, unknown>;
  /**
   * The IANA time zone of the alert's home, as its hub sent it with the alert's newest version (session 75): the page
   * shows the card's times in it. Null from a hub before session 75, for the centre's own alerts, or for a zone the
   * centre does not know: the times are then the operator's own.
   */
  homeTimezone: string | null;
  /**
   * `quarantined` (session 59): cut off by the centre until its hub-quarantined alert is resolved; never `offline`
   * meanwhile (central/offline.ts), and no command reaches it either.
   */
  hub: {
    status: string;
    offlineSince: string | null;
    lastSeenAt: string | null;
    quarantined: boolean;
    /**
     * How far the hub's clock reads ahead of the centre's (negative: behind), by its newest heartbeat (its `at` against
     * when the centre's gateway took it), or null before any heartbeat (session 60). A card's times are the hub's.
     */
    clockAheadMs: number | null;
  };
  command: CommandView | null;
}

/**
 * The hub's clock against the centre's, from its newest heartbeat: the hub's `at` less the NATS time the gateway
 * stored it at (a few milliseconds of transit aside). Null without a heartbeat or with an `at` that is not a time.
 */
export function clockAheadMs(heartbeat: unknown, heartbeatAt: Date | null): number | null {
  if (heartbeatAt === null || typeof heartbeat !== 'object' || heartbeat === null) return null;
  const at = (heartbeat as Record<string, unknown>).at;
  const ms = typeof at === 'string' ? Date.parse(at) : NaN;
  return Number.isFinite(ms) ? ms - heartbeatAt.getTime() : null;
}

/** A command sent down to a hub and where it stands: `sent` (resending until answered), `done`, `failed`, `timeout`. */
export interface CommandView {
  commandId: string;
  hubId: string;
  alertId: string;
  action: 'acknowledge' | 'resolve';
  operator: string;
  state: 'sent' | 'done' | 'failed' | 'timeout';
  sends: number;
  createdAt: string;
  finishedAt: string | null;
  result: Record<string, unknown> | null;
}

export const OPEN_STATES = ['raised', 'acknowledged'] as const;
const SEVERITY_ORDER = `CASE a.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END`;
/**
 * Cards listed at most (the oldest least severe go first): a bound against a runaway, never reached by a centre's own
 * alerts. SPEC 10's 2,000 hubs can each have a hub-offline card at once (a regional outage, the gateways' certificate
 * expired), beside their hubs' own alerts; at 2,000 (before session 62) such an outage pushed every older high, medium
 * and low call off every operator's list. Five cards per hub of 2,000.
 */
const MAX_OPEN = 10_000;

interface CommandRow {
  command_id: string;
  hub_id: string;
  alert_id: string;
  action: 'acknowledge' | 'resolve';
  operator: string;
  state: CommandView['state'];
  sends: number;
  created_at: Date;
  finished_at: Date | null;
  result: Record<string, unknown> | null;
}

export function commandView(row: CommandRow): CommandView {
  return {
    commandId: row.command_id,
    hubId: row.hub_id,
    alertId: row.alert_id,
    action: row.action,
    operator: row.operator,
    state: row.state,
    sends: row.sends,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    result: row.result,
  };
}

const SELECT_CARDS = `
  SELECT a.hub_id, a.alert_id, a.origin, a.version, a.type, a.severity, a.state, a.raised_at, a.updated_at, a.alert,
         a.home_timezone,
         h.status AS hub_status, h.offline_since, h.last_seen_at, h.last_heartbeat, h.last_heartbeat_at,
         EXISTS (SELECT 1 FROM central_alerts q WHERE q.hub_id = a.hub_id AND q.origin = 'centre'
           AND q.type = '${HUB_QUARANTINED}' AND q.state NOT IN ('resolved', 'cancelled')) AS hub_quarantined,
         c.command_id, c.action, c.operator, c.state AS command_state, c.sends, c.created_at, c.finished_at, c.result
  FROM central_alerts a
  LEFT JOIN central_hubs h ON h.hub_id = a.hub_id
  LEFT JOIN LATERAL (
    SELECT * FROM console_commands c WHERE c.hub_id = a.hub_id AND c.alert_id = a.alert_id
    ORDER BY c.created_at DESC LIMIT 1
  ) c ON true`;

interface CardRow {
  hub_id: string;
  alert_id: string;
  origin: 'hub' | 'centre';
  version: number;
  type: string;
  severity: string;
  state: string;
  raised_at: Date;
  updated_at: Date;
  alert: Record<string, unknown>;
  home_timezone: string | null;
  hub_status: string | null;
  offline_since: Date | null;
  last_seen_at: Date | null;
  last_heartbeat: unknown;
  last_heartbeat_at: Date | null;
  hub_quarantined: boolean;
  command_id: string | null;
  action: 'acknowledge' | 'resolve' | null;
  operator: string | null;
  command_state: CommandView['state'] | null;
  sends: number | null;
  created_at: Date | null;
  finished_at: Date | null;
  result: Record<string, unknown> | null;
}

function card(row: CardRow): ConsoleAlert {
  return {
    hubId: row.hub_id,
    alertId: row.alert_id,
    origin: row.origin,
    version: row.version,
    type: row.type,
    severity: row.severity,
    state: row.state,
    raisedAt: row.raised_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    alert: row.alert,
    homeTimezone: row.home_timezone,
    hub: {
      status: row.hub_status ?? 'unknown',
      offlineSince: row.offline_since?.toISOString() ?? null,
      lastSeenAt: row.last_seen_at?.toISOString() ?? null,
      quarantined: row.hub_quarantined,
      clockAheadMs: clockAheadMs(row.last_heartbeat, row.last_heartbeat_at),
    },
    command:
      row.command_id === null
        ? null
        : commandView({
            command_id: row.command_id,
            hub_id: row.hub_id,
            alert_id: row.alert_id,
            action: row.action ?? 'acknowledge',
            operator: row.operator ?? '',
            state: row.command_state ?? 'sent',
            sends: row.sends ?? 0,
            created_at: row.created_at ?? new Date(0),
            finished_at: row.finished_at,
            result: row.result,
          }),
  };
}

/** Every hub's open alerts, most severe first, then newest first. */
export async function openAlerts(pool: pg.Pool | pg.ClientBase): Promise<ConsoleAlert[]> {
  const rows = await pool.query<CardRow>(
    `${SELECT_CARDS} WHERE a.state IN ('raised', 'acknowledged')
     ORDER BY ${SEVERITY_ORDER}, a.raised_at DESC LIMIT ${MAX_OPEN}`,
  );
  return rows.rows.map(card);
}

/** Closed alerts shown at most under "Recently closed" (the page asks for 10). */
export const MAX_CLOSED = 50;

/**
 * The last `limit` alerts closed (resolved or cancelled) at any hub, newest change first: what the page lists under
 * "Recently closed" when it opens, so the morning shift sees how the night's alerts were closed (before session 35 the
 * list held only what closed while that page was open). Served by `console_alerts_closed` (console schema).
 */
export async function closedAlerts(pool: pg.Pool | pg.ClientBase, limit: number): Promise<ConsoleAlert[]> {
  const rows = await pool.query<CardRow>(
    `${SELECT_CARDS} WHERE a.state IN ('resolved', 'cancelled') ORDER BY a.updated_at DESC LIMIT $1`,
    [Math.max(1, Math.min(MAX_CLOSED, Math.floor(limit)))],
  );
  return rows.rows.map(card);
}

/** The named alerts' current cards (any state), for live updates. */
export async function alertsByKey(
  pool: pg.Pool | pg.ClientBase,
  keys: readonly { hubId: string; alertId: string }[],
): Promise<ConsoleAlert[]> {
  if (keys.length === 0) return [];
  const rows = await pool.query<CardRow>(
    `${SELECT_CARDS} JOIN unnest($1::text[], $2::text[]) AS k(hub_id, alert_id)
       ON k.hub_id = a.hub_id AND k.alert_id = a.alert_id`,
    [keys.map((k) => k.hubId), keys.map((k) => k.alertId)],
  );
  return rows.rows.map(card);
}

/** These hubs' open alerts (their cards show the hub's status, which just changed), in one query however many. */
export async function openAlertsOfHubs(
  pool: pg.Pool | pg.ClientBase,
  hubIds: readonly string[],
): Promise<ConsoleAlert[]> {
  if (hubIds.length === 0) return [];
  const rows = await pool.query<CardRow>(
    `${SELECT_CARDS} WHERE a.hub_id = ANY($1::text[]) AND a.state IN ('raised', 'acknowledged')`,
    [hubIds],
  );
  return rows.rows.map(card);
}

export async function findAlert(
  pool: pg.Pool | pg.ClientBase,
  hubId: string,
  alertId: string,
): Promise<ConsoleAlert | undefined> {
  return (await alertsByKey(pool, [{ hubId, alertId }]))[0];
}

export type CentreAction =
  | { action: 'acknowledge'; operator: string }
  | { action: 'resolve'; operator: string; outcome: string; note: string | null };

export type CentreActionResult =
  | { ok: true; alreadyDone: boolean; version: number; state: string }
  | { ok: false; code: 'not-found' | 'wrong-state' | 'handled'; message: string };

/**
 * Acknowledges or resolves one of the centre's own alerts (origin `centre`): a new version in `central_alerts` and
 * `central_alert_versions` and the NOTIFY, in one transaction (the caller audits the action).
 */
export async function actOnCentreAlert(
  pool: pg.Pool,
  hubId: string,
  alertId: string,
  command: CentreAction,
  now: Date,
): Promise<CentreActionResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const current = (
      await client.query<{ version: number; state: string; type: string; alert: Record<string, unknown> }>(
        `SELECT version, state, type, alert FROM central_alerts WHERE hub_id = $1 AND alert_id = $2 AND origin = 'centre'
         FOR UPDATE`,
        [hubId, alertId],
      )
    ).rows[0];
    const done = async (result: CentreActionResult): Promise<CentreActionResult> => {
      await client.query('COMMIT');
      return result;
    };
    if (!current) return await done({ ok: false, code: 'not-found', message: 'No centre alert with this id' });
    const closed = current.state === 'resolved' || current.state === 'cancelled';
    if (command.action === 'acknowledge' && current.state === 'acknowledged') {
      // Another operator handles it: say who, rather than a silent "done" that lets both think it is theirs.
      const acknowledgedBy = current.alert.acknowledgedBy;
      if (acknowledgedBy !== `centre:${command.operator}`) {
        const who = typeof acknowledgedBy === 'string' ? acknowledgedBy : 'someone';
        return await done({ ok: false, code: 'handled', message: `Already acknowledged by ${who}` });
      }
      return await done({ ok: true, alreadyDone: true, version: current.version, state: current.state });
    }
    if (command.action === 'resolve' && current.state === 'resolved') {
      return await done({ ok: true, alreadyDone: true, version: current.version, state: current.state });
    }
    if (closed) {
      return await done({ ok: false, code: 'wrong-state', message: `The alert is ${current.state} already` });
    }
    const version = current.version + 1;
    const at = now.toISOString();
    const by = `centre:${command.operator}`;
    const alert: Record<string, unknown> = { ...current.alert, version };
    if (command.action === 'acknowledge') {
      Object.assign(alert, { state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by });
    } else {
      Object.assign(alert, { state: 'resolved', resolvedAt: at, outcome: command.outcome, note: command.note });
    }
    const state = alert.state as string;
    await client.query(
      `UPDATE central_alerts SET version = $3, state = $4, alert = $5, updated_at = now()
       WHERE hub_id = $1 AND alert_id = $2`,
      [hubId, alertId, version, state, alert],
    );
    await client.query(
      `INSERT INTO central_alert_versions (hub_id, alert_id, version, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [hubId, alertId, version, { hubId, alertId, version, alert }],
    );
    if (state === 'resolved' && current.type === HUB_QUARANTINED) {
      // Lifting a quarantine (the workers let the hub connect again): the hub starts a fresh budget.
      await liftedUsage(client, hubId, now);
    }
    await client.query('SELECT pg_notify($1, $2)', [ALERT_CHANNEL, JSON.stringify({ hubId, alertId, version })]);
    await client.query('COMMIT');
    return { ok: true, alreadyDone: false, version, state };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Closes at the centre a hub's alert that its hub has no record of: the hub answered an operator's resolve `not-found`
 * (re-installed with the same HUB_ID, its database new or restored from before the alert). Nothing the hub sends can
 * close it any more, so the centre writes the resolution the operator asked for as the alert's next version (marked
 * `closedAtCentre`), in one transaction with its NOTIFY. Only an open alert of origin `hub`; `false` when there was
 * none (closed already, e.g. by another console taking the same answer).
 */
export async function closeLostHubAlert(
  pool: pg.Pool,
  hubId: string,
  alertId: string,
  resolution: { operator: string; outcome: string; note: string | null; hubAnswer: string },
  now: Date,
): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const current = (
      await client.query<{ version: number; alert: Record<string, unknown> }>(
        `SELECT version, alert FROM central_alerts WHERE hub_id = $1 AND alert_id = $2 AND origin = 'hub'
           AND state IN ('raised', 'acknowledged') FOR UPDATE`,
        [hubId, alertId],
      )
    ).rows[0];
    if (!current) {
      await client.query('COMMIT');
      return false;
    }
    const version = current.version + 1;
    const at = now.toISOString();
    const by = `centre:${resolution.operator}`;
    const alert: Record<string, unknown> = {
      ...current.alert,
      version,
      state: 'resolved',
      resolvedAt: at,
      outcome: resolution.outcome,
      note: resolution.note,
      closedAtCentre: { by, at, hubAnswer: resolution.hubAnswer },
    };
    await client.query(
      `UPDATE central_alerts SET version = $3, state = 'resolved', alert = $4, updated_at = now()
       WHERE hub_id = $1 AND alert_id = $2`,
      [hubId, alertId, version, alert],
    );
    await client.query(
      `INSERT INTO central_alert_versions (hub_id, alert_id, version, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [hubId, alertId, version, { hubId, alertId, version, alert }],
    );
    await client.query('SELECT pg_notify($1, $2)', [ALERT_CHANNEL, JSON.stringify({ hubId, alertId, version })]);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** One line of the console's audit: who did what to which alert (never a resident's data, nor the note). */
export async function audit(
  pool: pg.Pool | pg.ClientBase,
  entry: {
    operator: string;
    action: string;
    hubId?: string;
    alertId?: string;
    commandId?: string;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO console_audit (operator, action, hub_id, alert_id, command_id, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      entry.operator,
      entry.action,
      entry.hubId ?? null,
      entry.alertId ?? null,
      entry.commandId ?? null,
      entry.detail ?? null,
    ],
  );
}
