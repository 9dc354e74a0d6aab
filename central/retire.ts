// Retiring a hub at the centre (session 61): a box taken out of a home for good, or replaced by a new one with another
// HUB_ID. Without it, the old hub's open alerts stayed on every operator's console for ever (acknowledge and resolve
// are commands down to a hub that will never answer), its hub-offline alert with them, and its NATS credential stayed
// valid. `telecare central hub remove` (central/command.ts) does the database part here, then takes the hub's user out
// of the NATS nodes' configuration.
import type pg from 'pg';
import { audit } from './console/alerts.js';
import { HUB_RETIRED_REASON, RETIRED } from './ingest.js';
import { ALERT_CHANNEL, HUB_CHANNEL } from './schema.js';

export interface RetiredAtCentre {
  /** False when the hub was retired already (nothing changed). */
  retired: boolean;
  /** The open alerts (the hub's and the centre's about it) closed at the centre. */
  closedAlerts: number;
  /** Commands to it still being resent, given up. */
  cancelledCommands: number;
}

/**
 * Marks `hubId` retired (`central_hubs.status`, so the silence check never flags it and the workers drop its
 * heartbeats, statuses and command results still in the stream, `retired-hub`, and apply its alert versions without
 * reopening a card, session 64), cancels each of its open alerts with a new version saying so
 * (`closedAtCentre: { by, at, reason: 'hub-retired' }`; cancelled, not resolved: nobody gave it an outcome, and the
 * council report counts it as cancelled), gives up the commands still being resent to it, and audits it, in one
 * transaction with the NOTIFYs that update every console. What it stored stays (the council report reads it).
 * `replacedBy`: the hub that took its place in the same homes (also recorded on a hub retired already); the council
 * report counts their homes once.
 * The console's tables must exist (`migrateConsole`).
 */
export async function retireHubAtCentre(
  pool: pg.Pool,
  hubId: string,
  by: string,
  now: Date,
  replacedBy?: string,
): Promise<RetiredAtCentre> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // The hub's row first, then its alerts: the order the workers lock them in.
    const before = (
      await client.query<{ status: string }>(`SELECT status FROM central_hubs WHERE hub_id = $1 FOR UPDATE`, [hubId])
    ).rows[0];
    if (before?.status === RETIRED) {
      // Retired before the new box was known: its replacement is recorded now.
      if (replacedBy !== undefined) {
        await client.query(`UPDATE central_hubs SET replaced_by = $2 WHERE hub_id = $1`, [hubId, replacedBy]);
      }
      await client.query('COMMIT');
      return { retired: false, closedAlerts: 0, cancelledCommands: 0 };
    }
    await client.query(
      `INSERT INTO central_hubs AS h (hub_id, first_seen_at, last_seen_at, status, retired_at, retired_by, replaced_by)
       VALUES ($1, $2, $2, $3, $2, $4, $5)
       ON CONFLICT (hub_id) DO UPDATE SET status = $3, offline_since = NULL, retired_at = $2, retired_by = $4,
         replaced_by = $5`,
      [hubId, now, RETIRED, by, replacedBy ?? null],
    );
    const open = await client.query<{ alert_id: string; version: number; alert: Record<string, unknown> }>(
      `SELECT alert_id, version, alert FROM central_alerts
       WHERE hub_id = $1 AND state IN ('raised', 'acknowledged') ORDER BY alert_id FOR UPDATE`,
      [hubId],
    );
    const at = now.toISOString();
    for (const row of open.rows) {
      const version = row.version + 1;
      const alert = {
        ...row.alert,
        version,
        state: 'cancelled',
        resolvedAt: at,
        closedAtCentre: { by: `centre:${by}`, at, reason: HUB_RETIRED_REASON },
      };
      await client.query(
        `UPDATE central_alerts SET version = $3, state = 'cancelled', alert = $4, updated_at = $5
         WHERE hub_id = $1 AND alert_id = $2`,
        [hubId, row.alert_id, version, alert, now],
      );
      await client.query(
        `INSERT INTO central_alert_versions (hub_id, alert_id, version, received_at, payload)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [hubId, row.alert_id, version, now, { hubId, alertId: row.alert_id, version, alert }],
      );
      await client.query('SELECT pg_notify($1, $2)', [
        ALERT_CHANNEL,
        JSON.stringify({ hubId, alertId: row.alert_id, version }),
      ]);
    }
    const commands = await client.query(
      `UPDATE console_commands SET state = 'failed', result = $2, finished_at = $3 WHERE hub_id = $1 AND state = 'sent'`,
      [hubId, { ok: false, code: 'hub-retired', message: 'the hub was retired' }, now],
    );
    await client.query('SELECT pg_notify($1, $2)', [HUB_CHANNEL, JSON.stringify({ hubId, status: RETIRED })]);
    const result = { retired: true, closedAlerts: open.rows.length, cancelledCommands: commands.rowCount ?? 0 };
    await audit(client, {
      operator: by,
      action: 'hub-retire',
      hubId,
      detail: { closedAlerts: result.closedAlerts, cancelledCommands: result.cancelledCommands },
    });
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
