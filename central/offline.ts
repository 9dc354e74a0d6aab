// The hub list's silence check (SPEC 10): a hub that sent nothing for the threshold is flagged offline and a
// hub-offline alert raised. Run by every worker on a timer; rows are claimed with SKIP LOCKED so workers share it.
import type { ConsumerInfo, JetStreamManager } from 'nats';
import type pg from 'pg';
import { markHubsOffline } from './ingest.js';
import { HUB_QUARANTINED } from './quarantine.js';
import { STREAM } from './stream.js';

/** SPEC 10: a hub silent for 3 minutes raises hub-offline. */
export const DEFAULT_SILENCE_MS = 180_000;
/** How often each worker looks; a silent hub is flagged within threshold + this (3 min 5 s < SPEC 11's 3.5 min). */
export const DEFAULT_SWEEP_MS = 5_000;

/**
 * A hub's last will flags it after this long without a newer word from it (more than the hubs' 30 s heartbeat, so a
 * will published late by a restarted NATS node, after the hub reconnected elsewhere, is outlived by a heartbeat).
 */
export const DEFAULT_WILL_GRACE_MS = 35_000;

/**
 * JetStream's clock as a worker sees it. Hubs' last contact is JetStream's timestamp of their messages; judging it
 * by the worker's own clock would flag every hub when the worker's clock runs ahead of the NATS nodes' by more than
 * the threshold less the heartbeat period (and flag them late when it runs behind). Each message gives
 * `local - stamped` (the clocks' difference plus its transit and any wait); the smallest over the last minute is the
 * difference. Before any message, or when none came for a minute, the last difference known (at first none).
 * The worker leaves out messages delivered again: their wait is at least `ack_wait` (session 63).
 */
export class StreamClock {
  /** Smallest `local - stamped` per bucket of `bucketMs` (local time). */
  private readonly buckets = new Map<number, number>();
  private offsetMs = 0;

  constructor(
    private readonly windowMs = 60_000,
    private readonly bucketMs = 10_000,
  ) {}

  /** A message JetStream stamped at `stampedMs` reached this worker at `localMs` (its own clock). */
  saw(stampedMs: number, localMs: number): void {
    const bucket = Math.floor(localMs / this.bucketMs);
    const offset = localMs - stampedMs;
    const known = this.buckets.get(bucket);
    if (known === undefined || offset < known) this.buckets.set(bucket, offset);
  }

  /** The local time `local` on JetStream's clock. */
  toStream(local: Date): Date {
    const oldest = Math.floor((local.getTime() - this.windowMs) / this.bucketMs);
    let smallest: number | undefined;
    for (const [bucket, offset] of this.buckets) {
      if (bucket < oldest) this.buckets.delete(bucket);
      else if (smallest === undefined || offset < smallest) smallest = offset;
    }
    if (smallest !== undefined) this.offsetMs = smallest;
    return new Date(local.getTime() - this.offsetMs);
  }
}

/**
 * The most the workers may be behind for the check to run: the oldest message delivered to a worker and not yet
 * stored (acknowledged), by JetStream's clock. A hub's newer contact may be that message.
 */
export const SWEEP_MAX_LAG_MS = 5_000;

/**
 * Why the stored contact cannot be judged now (messages wait that may be a hub's newer contact), or undefined.
 * Undelivered messages beyond `maxBacklog`, or a message delivered but unacknowledged for longer than `maxLagMs`
 * (workers whose PostgreSQL was down or restarting hold, or were refused, every message of that time: they are
 * delivered again and stored once it answers, and judging before that flags hubs that kept talking).
 */
export async function contactIncomplete(
  jsm: JetStreamManager,
  info: ConsumerInfo,
  now: Date,
  options: { maxBacklog: number; maxLagMs: number },
): Promise<string | undefined> {
  if (info.num_pending > options.maxBacklog) return `${String(info.num_pending)} messages not yet delivered`;
  // Every message up to the ack floor is stored; the one after it is the oldest that may not be (or older, when it
  // is outside the workers' filter: never younger, so the check errs on waiting).
  if (info.ack_floor.stream_seq >= info.delivered.stream_seq) return undefined;
  const oldest = await jsm.streams.getMessage(STREAM, { seq: info.ack_floor.stream_seq + 1 });
  const lagMs = now.getTime() - oldest.time.getTime();
  return lagMs > options.maxLagMs ? `a message of ${String(lagMs)} ms ago not yet stored` : undefined;
}

/**
 * Flags the hubs last heard from before `now - silenceMs` (at most `limit` in one transaction); returns their ids.
 * `now` is the caller's clock. `hearingSince`: when the caller could hear hubs again (its start, or the end of an
 * outage of JetStream): no hub could be heard before, so silence counts from then at the earliest (session 59).
 */
export async function sweepSilentHubs(
  client: pg.ClientBase,
  now: Date,
  silenceMs: number,
  limit = 500,
  willGraceMs = DEFAULT_WILL_GRACE_MS,
  hearingSince?: Date,
): Promise<string[]> {
  await client.query('BEGIN');
  try {
    // A will counts while nothing came from the hub after it (last contact is the will's own stamp at most).
    // Not a quarantined hub (session 39): the centre shut it out (central/quarantine.ts), so its silence and its last
    // will (published when the reload closed its connection) are the quarantine's doing, and the operators have its
    // open hub-quarantined alert; a second high alert for the same cause would only be noise. Once the quarantine is
    // lifted the silence counts from the lift: a hub that never comes back is called offline `silenceMs` later.
    const silent = await client.query<{ hub_id: string; last_seen_at: Date; will: boolean }>(
      `SELECT hub_id, last_seen_at, (reported_status = 'offline' AND reported_status_at >= last_seen_at) AS will
       FROM central_hubs h WHERE status = 'online' AND ((last_seen_at < $1 AND $4::timestamptz < $1)
         OR (reported_status = 'offline' AND reported_status_at >= last_seen_at AND reported_status_at < $3))
         AND NOT EXISTS (SELECT 1 FROM central_alerts q WHERE q.hub_id = h.hub_id AND q.origin = 'centre'
           AND q.type = '${HUB_QUARANTINED}'
           AND (q.state NOT IN ('resolved', 'cancelled') OR (q.alert->>'resolvedAt')::timestamptz > $1))
       ORDER BY last_seen_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [new Date(now.getTime() - silenceMs), limit, new Date(now.getTime() - willGraceMs), hearingSince ?? new Date(0)],
    );
    // In a few statements whatever their number: the workers' batches for these hubs wait on their rows until COMMIT.
    await markHubsOffline(
      client,
      silent.rows.map((row) => ({
        hubId: row.hub_id,
        reason: row.will ? 'last-will' : 'silent',
        lastSeenAt: row.last_seen_at,
      })),
      now,
    );
    await client.query('COMMIT');
    return silent.rows.map((r) => r.hub_id);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
