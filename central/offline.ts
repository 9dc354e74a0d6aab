// The hub list's silence check (SPEC 10): a hub that sent nothing for the threshold is flagged offline and a
// hub-offline alert raised. Run by every worker on a timer; rows are claimed with SKIP LOCKED so workers share it.
import type pg from 'pg';
import { markHubOffline } from './ingest.js';

/** SPEC 10: a hub silent for 3 minutes raises hub-offline. */
export const DEFAULT_SILENCE_MS = 180_000;
/** How often each worker looks; a silent hub is flagged within threshold + this (3 min 5 s < SPEC 11's 3.5 min). */
export const DEFAULT_SWEEP_MS = 5_000;

/**
 * Flags the hubs last heard from before `now - silenceMs` (at most `limit` in one transaction); returns their ids.
 * `now` is the caller's clock.
 */
export async function sweepSilentHubs(
  client: pg.ClientBase,
  now: Date,
  silenceMs: number,
  limit = 500,
): Promise<string[]> {
  await client.query('BEGIN');
  try {
    const silent = await client.query<{ hub_id: string; last_seen_at: Date }>(
      `SELECT hub_id, last_seen_at FROM central_hubs WHERE status = 'online' AND last_seen_at < $1
       ORDER BY last_seen_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [new Date(now.getTime() - silenceMs), limit],
    );
    for (const row of silent.rows) await markHubOffline(client, row.hub_id, now, 'silent', row.last_seen_at);
    await client.query('COMMIT');
    return silent.rows.map((r) => r.hub_id);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
