// One hub must not be able to stop every other hub's alerts reaching the centre (docs/security.md, "Review, session
// 38"). Every hub's QoS 1 messages are stored in one JetStream stream (`$MQTT_msgs`, limits retention, three days),
// whose store is shared: a hub in a loop, or a stolen hub credential, could fill it, and JetStream would then refuse
// every hub's messages (the gateway withholds their PUBACKs) until the flood aged out. So each hub has a byte budget
// per window: the workers count what each hub had stored (`central_hub_usage`, shared by every worker); a hub over it
// is quarantined: the centre raises its own alert `hub-quarantined` (the operators see it on the console), the
// hub's NATS user is left out of the nodes' configuration and the nodes reloaded (its connection is closed and it
// cannot connect again, so it keeps what it has to send queued on the hub: nothing it sent is PUBACKed and lost), and
// its messages the workers have stored already are purged from the stream (room for the others at once; nothing
// unstored is purged). Resolving the alert on the console lifts the quarantine and gives the hub a fresh budget
// (`liftedUsage`): what it sent before counts no more.
import fs from 'node:fs';
import type { JetStreamManager } from 'nats';
import type pg from 'pg';
import type { Logger } from '../hub/logger.js';
import { CENTRE_ALERT_ID_PREFIX, CENTRE_ORIGIN, centreAlert, parseSubject } from './ingest.js';
import { changeLayout } from './nats-cluster.js';
import { nodePidPath, type ClusterLayout } from './nats-config.js';
import { ALERT_CHANNEL } from './schema.js';
import { STORED_PREFIX, STREAM } from './stream.js';

/** The centre's own alert type for a hub over its budget (origin `centre`, like `hub-offline`). */
export const HUB_QUARANTINED = 'hub-quarantined';
/** The window a hub's budget is counted over (fixed windows, by JetStream's timestamps of its messages). */
export const HUB_BUDGET_WINDOW_MS = 3_600_000;
/**
 * A hub's budget per window (`--hub-budget-mib`, CENTRAL_HUB_BUDGET_BYTES for a worker): 256 MiB an hour. A
 * well-behaved hub sends a few KiB an hour (a heartbeat of about 300 bytes every 30 s, alert versions of 1-2 KiB,
 * a day's features once a day); the most it can send at once is its whole uplink queue after a long outage
 * (`HUB_UPLINK_MAX_QUEUE`, 100,000 items of about 1 KiB: about 100 MiB). Ten hubs flooding at once hold at most 2.5 GiB
 * of the 8 GB store (and that only until their stored messages are purged).
 */
export const DEFAULT_HUB_BUDGET_BYTES = 256 * 1024 * 1024;
/** Bounds of the budget: 64 KiB (tests) to the whole store. */
export const MIN_HUB_BUDGET_BYTES = 64 * 1024;
export const MAX_HUB_BUDGET_BYTES = 8 * 1024 * 1024 * 1024;

/** A message's share of the store: its payload and subject (JetStream adds the gateway's header and a few bytes). */
export function storedBytes(subject: string, data: Uint8Array): number {
  return data.byteLength + subject.length;
}

/** What one worker has stored per hub since its last flush: bytes and the newest JetStream timestamp. */
export class HubUsage {
  private readonly pending = new Map<string, { bytes: number; atMs: number }>();

  /** A message of `subject` (`telecare-up.<hubId>...`) stored (or dropped) and acknowledged. */
  add(subject: string, data: Uint8Array, atMs: number): void {
    const hubId = parseSubject(subject)?.hubId ?? subject.split('.')[1];
    if (hubId === undefined || hubId === '') return;
    const known = this.pending.get(hubId);
    const bytes = storedBytes(subject, data);
    if (known) {
      known.bytes += bytes;
      known.atMs = Math.max(known.atMs, atMs);
    } else this.pending.set(hubId, { bytes, atMs });
  }

  get size(): number {
    return this.pending.size;
  }

  /** Takes what is pending (sorted by hub id: every worker locks rows in one order). */
  take(): { hubId: string; bytes: number; atMs: number }[] {
    const rows = [...this.pending].map(([hubId, u]) => ({ hubId, ...u }));
    this.pending.clear();
    return rows.sort((a, b) => (a.hubId < b.hubId ? -1 : a.hubId > b.hubId ? 1 : 0));
  }

  /** Puts back rows a failed flush took (counted at the next one). */
  restore(rows: readonly { hubId: string; bytes: number; atMs: number }[]): void {
    for (const row of rows) {
      const known = this.pending.get(row.hubId);
      if (known) {
        known.bytes += row.bytes;
        known.atMs = Math.max(known.atMs, row.atMs);
      } else this.pending.set(row.hubId, { bytes: row.bytes, atMs: row.atMs });
    }
  }
}

/** The centre's hub-quarantined alert. */
function quarantineAlert(alertId: string, at: Date, bytes: number, budget: number, windowMs: number): object {
  return centreAlert(alertId, HUB_QUARANTINED, at, {
    bytes,
    budgetBytes: budget,
    windowMinutes: Math.round(windowMs / 60_000),
  });
}

/**
 * Adds `rows` to each hub's count of the current window (a window older than `windowMs` before the row's newest
 * message starts again; a row whose messages are all older than the window's start, i.e. sent before a quarantine
 * was lifted, counts nothing), and raises `hub-quarantined` for each hub over `budget` that has none open (the unique
 * partial index `central_alerts_one_hub_quarantined` keeps it to one whichever worker gets there). A hub over budget
 * starts a new window, so that one still sending while quarantined (its messages in the stream before its connection
 * was closed) is not counted twice. The count in one transaction, then one per hub over budget; returns the hubs
 * newly quarantined.
 */
export async function recordUsage(
  client: pg.ClientBase,
  rows: readonly UsageRow[],
  budget: number,
  windowMs = HUB_BUDGET_WINDOW_MS,
): Promise<string[]> {
  return quarantineOver(client, await countUsage(client, rows, budget, windowMs), budget, windowMs);
}

/** What one worker flushes for one hub: bytes acknowledged, and the newest JetStream timestamp among them. */
export interface UsageRow {
  hubId: string;
  bytes: number;
  atMs: number;
}

/** A hub over its budget after a count: its count and the newest timestamp counted. */
export type OverBudget = UsageRow;

/**
 * The count of `recordUsage`, in one transaction (once it has committed the rows are counted: a caller that failed
 * after it must not count them again). Returns the hubs over `budget`.
 */
export async function countUsage(
  client: pg.ClientBase,
  rows: readonly UsageRow[],
  budget: number,
  windowMs = HUB_BUDGET_WINDOW_MS,
): Promise<OverBudget[]> {
  if (rows.length === 0) return [];
  let over: { hub_id: string; bytes: string }[];
  await client.query('BEGIN');
  try {
    const counted = await client.query<{ hub_id: string; bytes: string }>(
      `INSERT INTO central_hub_usage AS u (hub_id, window_start, bytes)
       SELECT h, to_timestamp(t / 1000.0), b FROM unnest($1::text[], $2::bigint[], $3::float8[]) AS x(h, b, t) ORDER BY h
       ON CONFLICT (hub_id) DO UPDATE SET
         bytes = CASE WHEN u.window_start <= EXCLUDED.window_start - make_interval(secs => $4::float8 / 1000)
                      THEN EXCLUDED.bytes ELSE u.bytes + EXCLUDED.bytes END,
         window_start = CASE WHEN u.window_start <= EXCLUDED.window_start - make_interval(secs => $4::float8 / 1000)
                      THEN EXCLUDED.window_start ELSE u.window_start END
       WHERE EXCLUDED.window_start >= u.window_start
       RETURNING hub_id, bytes`,
      [rows.map((r) => r.hubId), rows.map((r) => r.bytes), rows.map((r) => r.atMs), windowMs],
    );
    await client.query('COMMIT');
    over = counted.rows.filter((r) => Number(r.bytes) > budget).sort((x, y) => (x.hub_id < y.hub_id ? -1 : 1));
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  const newest = new Map(rows.map((r) => [r.hubId, r.atMs]));
  return over.map((r) => ({ hubId: r.hub_id, bytes: Number(r.bytes), atMs: newest.get(r.hub_id) ?? 0 }));
}

/**
 * The quarantine of `recordUsage`: each hub over budget in its own transaction, which takes the alert first and the
 * count second, as the console's lift does (the other order deadlocked with it: found by this session's test).
 * Returns the hubs newly quarantined.
 */
export async function quarantineOver(
  client: pg.ClientBase,
  over: readonly OverBudget[],
  budget: number,
  windowMs = HUB_BUDGET_WINDOW_MS,
): Promise<string[]> {
  const raised: string[] = [];
  for (const { hubId, bytes, atMs } of over) {
    const at = new Date(atMs);
    const alertId = `${CENTRE_ALERT_ID_PREFIX}${HUB_QUARANTINED}-${String(at.getTime())}`;
    const alert = quarantineAlert(alertId, at, bytes, budget, windowMs);
    await client.query('BEGIN');
    try {
      const inserted = await client.query(
        `INSERT INTO central_alerts (hub_id, alert_id, origin, version, type, severity, state, home_id, raised_at, updated_at, alert)
         VALUES ($1, $2, $3, 1, $4, 'high', 'raised', NULL, $5, $5, $6) ON CONFLICT DO NOTHING RETURNING hub_id`,
        [hubId, alertId, CENTRE_ORIGIN, HUB_QUARANTINED, at, alert],
      );
      // Still over (not lifted on the console, nor counted afresh by another worker, meanwhile): a new window starts.
      const reset = await client.query(
        `UPDATE central_hub_usage SET bytes = 0, window_start = GREATEST(window_start, $2)
         WHERE hub_id = $1 AND bytes > $3 RETURNING hub_id`,
        [hubId, at, budget],
      );
      if (reset.rowCount === 0) {
        await client.query('ROLLBACK');
        continue;
      }
      if ((inserted.rowCount ?? 0) > 0) {
        await client.query(
          `INSERT INTO central_alert_versions (hub_id, alert_id, version, received_at, payload) VALUES ($1, $2, 1, $3, $4)
           ON CONFLICT DO NOTHING`,
          [hubId, alertId, at, { hubId, alertId, version: 1, alert }],
        );
        await client.query('SELECT pg_notify($1, $2)', [ALERT_CHANNEL, JSON.stringify({ hubId, alertId, version: 1 })]);
        raised.push(hubId);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
  return raised;
}

/**
 * A lifted quarantine (its alert resolved on the console): the hub's count starts again at `at`, and messages it sent
 * before (still being stored by the workers) count nothing.
 */
export async function liftedUsage(client: pg.ClientBase, hubId: string, at: Date): Promise<void> {
  await client.query(
    `INSERT INTO central_hub_usage (hub_id, window_start, bytes) VALUES ($1, $2, 0)
     ON CONFLICT (hub_id) DO UPDATE SET window_start = EXCLUDED.window_start, bytes = 0`,
    [hubId, at],
  );
}

/** The hubs under quarantine: those with an open `hub-quarantined` alert. */
export async function quarantinedHubs(client: pg.ClientBase | pg.Pool): Promise<string[]> {
  const result = await client.query<{ hub_id: string }>(
    // Literals, so that the planner uses the partial index central_alerts_one_hub_quarantined.
    `SELECT hub_id FROM central_alerts WHERE origin = 'centre' AND type = 'hub-quarantined'
       AND state NOT IN ('resolved', 'cancelled') ORDER BY hub_id`,
  );
  return result.rows.map((r) => r.hub_id);
}

/** SIGHUP (nats-server's reload) to every node of `layout` running on this machine; returns how many were signalled. */
export function reloadNodes(layout: ClusterLayout): number {
  let reloaded = 0;
  layout.nodes.forEach((_, index) => {
    const pidFile = nodePidPath(layout, index);
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return;
    try {
      process.kill(pid, 'SIGHUP');
      reloaded += 1;
    } catch {
      // A node not running reads the new config when it starts.
    }
  });
  return reloaded;
}

/**
 * Brings the cluster's configuration (`<clusterDir>/cluster.json` and each node's config) to the quarantined hubs
 * in PostgreSQL, reloading the nodes when it changed; several workers may do it at once (each writes the same list
 * from the database; one that wrote an older list is corrected at the next call). Returns the list, and whether
 * the configuration was changed.
 */
export async function applyQuarantine(
  client: pg.ClientBase | pg.Pool,
  clusterDir: string,
  log: Logger,
): Promise<{ hubs: string[]; changed: boolean }> {
  const hubs = await quarantinedHubs(client);
  let current: string[] = [];
  let changed = false;
  const layout = await changeLayout(clusterDir, (latest) => {
    current = [...(latest.quarantined ?? [])].sort();
    if (current.length === hubs.length && current.every((h, i) => h === hubs[i])) return undefined;
    changed = true;
    return { ...latest, quarantined: hubs };
  });
  if (!changed) return { hubs, changed: false };
  const reloaded = reloadNodes(layout);
  log.warn(
    { quarantined: hubs.length, added: hubs.filter((h) => !current.includes(h)), reloaded },
    'hub quarantine applied to the NATS nodes',
  );
  return { hubs, changed: true };
}

/**
 * Purges from the stream the messages of `hubId` up to `floor`, the workers' consumer's ack floor (every message up
 * to it is stored in PostgreSQL); nothing unstored. Returns the number purged.
 */
export async function purgeStored(jsm: JetStreamManager, hubId: string, floor: number): Promise<number> {
  if (floor <= 0) return 0;
  const result = await jsm.streams.purge(STREAM, { filter: `${STORED_PREFIX}.${hubId}.>`, seq: floor + 1 });
  return result.purged;
}
