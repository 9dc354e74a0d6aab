// How a worker stores one message a hub sent up (SPEC 10): in one PostgreSQL transaction, idempotently, with the
// NOTIFYs that PostgreSQL delivers only once it has committed; and the hub list's online/offline transitions.
import type pg from 'pg';
import { ALERT_CHANNEL, COMMAND_RESULT_CHANNEL, HUB_CHANNEL } from './schema.js';
import { UP_PREFIX } from './nats-config.js';

/** One message from the stream: its subject, payload, the time NATS stored it and its stream sequence. */
export interface Incoming {
  subject: string;
  data: Uint8Array;
  /** When the centre's NATS received it (JetStream's timestamp): the hub's last contact, whatever the backlog. */
  receivedAt: Date;
  streamSeq: number;
}

export type MessageKind = 'alert' | 'heartbeat' | 'status' | 'features' | 'command-result';
export type DropReason = 'bad-subject' | 'bad-json' | 'bad-payload' | 'wrong-hub' | 'too-large';

export type IngestResult =
  | { kind: MessageKind; hubId: string; stored: boolean }
  | { kind: 'dropped'; reason: DropReason; hubId: string | undefined };

/** Larger payloads are dropped (a hub's largest, a day's features, is a few KiB). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The centre's own alert type for a silent hub, and its origin in `central_alerts`. */
export const HUB_OFFLINE = 'hub-offline';
export const CENTRE_ORIGIN = 'centre';

type Parsed =
  | { kind: 'alert'; alertId: string }
  | { kind: 'command-result'; alertId: string }
  | { kind: 'heartbeat' }
  | { kind: 'status' }
  | { kind: 'features'; home: string; day: string };

/** Reads `telecare-up.<hubId>.<...>`; `undefined` for any other shape. */
export function parseSubject(subject: string): { hubId: string; parsed: Parsed } | undefined {
  const [prefix, hubId, ...rest] = subject.split('.');
  if (prefix !== UP_PREFIX || hubId === undefined || hubId === '') return undefined;
  const [a, b, c, d, e] = rest;
  if (rest.length === 1 && a === 'heartbeat') return { hubId, parsed: { kind: 'heartbeat' } };
  if (rest.length === 1 && a === 'status') return { hubId, parsed: { kind: 'status' } };
  if (a === 'alerts' && b !== undefined && b !== '') {
    if (rest.length === 2) return { hubId, parsed: { kind: 'alert', alertId: b } };
    if (rest.length === 4 && c === 'ack' && d === 'result')
      return { hubId, parsed: { kind: 'command-result', alertId: b } };
  }
  if (a === 'features' && rest.length === 3 && b && c && /^\d{4}-\d{2}-\d{2}$/.test(c) && e === undefined) {
    return { hubId, parsed: { kind: 'features', home: b, day: c } };
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const validDate = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

async function notify(client: pg.ClientBase, channel: string, payload: object): Promise<void> {
  // Inside the transaction: PostgreSQL delivers it when (and only if) the transaction commits.
  await client.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(payload)]);
}

interface HubRow {
  status: string;
  offline_since: Date | null;
  inserted: boolean;
}

/** Records contact from `hubId` at `at` (never moving last contact back); the hub's row as it was. */
async function touchHub(client: pg.ClientBase, hubId: string, at: Date): Promise<HubRow> {
  const result = await client.query<HubRow>(
    `INSERT INTO central_hubs AS h (hub_id, first_seen_at, last_seen_at, status) VALUES ($1, $2, $2, 'online')
     ON CONFLICT (hub_id) DO UPDATE SET last_seen_at = GREATEST(h.last_seen_at, EXCLUDED.last_seen_at)
     RETURNING h.status, h.offline_since, (xmax = 0) AS inserted`,
    [hubId, at],
  );
  const row = result.rows[0];
  if (!row) throw new Error('central_hubs upsert returned no row');
  if (row.inserted) await notify(client, HUB_CHANNEL, { hubId, status: 'online' });
  return row;
}

/** The SPEC 5 shape of the centre's hub-offline alert. */
function hubOfflineAlert(alertId: string, at: Date, reason: 'silent' | 'last-will', lastSeenAt: Date): object {
  const raisedAt = at.toISOString();
  return {
    id: alertId,
    homeId: null,
    residentId: null,
    kind: HUB_OFFLINE,
    severity: 'high',
    state: 'raised',
    raisedAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    outcome: null,
    note: null,
    escalationLevel: 0,
    room: null,
    detail: { reason, lastSeenAt: lastSeenAt.toISOString() },
    version: 1,
    count: 1,
    lastSeenAt: raisedAt,
  };
}

/**
 * Marks `hubId` offline since `at` and raises its hub-offline alert, unless one is open already (the unique partial
 * index `central_alerts_one_hub_offline` keeps it to one, whichever worker gets there first).
 */
export async function markHubOffline(
  client: pg.ClientBase,
  hubId: string,
  at: Date,
  reason: 'silent' | 'last-will',
  lastSeenAt: Date,
): Promise<boolean> {
  await client.query(`UPDATE central_hubs SET status = 'offline', offline_since = $2 WHERE hub_id = $1`, [hubId, at]);
  await notify(client, HUB_CHANNEL, { hubId, status: 'offline' });
  const alertId = `centre-${HUB_OFFLINE}-${String(at.getTime())}`;
  const alert = hubOfflineAlert(alertId, at, reason, lastSeenAt);
  const inserted = await client.query(
    `INSERT INTO central_alerts (hub_id, alert_id, origin, version, type, severity, state, home_id, raised_at, updated_at, alert)
     VALUES ($1, $2, $3, 1, $4, 'high', 'raised', NULL, $5, $5, $6) ON CONFLICT DO NOTHING`,
    [hubId, alertId, CENTRE_ORIGIN, HUB_OFFLINE, at, JSON.stringify(alert)],
  );
  if (inserted.rowCount !== 1) return false;
  await client.query(
    `INSERT INTO central_alert_versions (hub_id, alert_id, version, received_at, payload) VALUES ($1, $2, 1, $3, $4)`,
    [hubId, alertId, at, JSON.stringify({ hubId, alertId, version: 1, alert })],
  );
  await notify(client, ALERT_CHANNEL, { hubId, alertId, version: 1 });
  return true;
}

/** Marks `hubId` online again and resolves its open hub-offline alert with a new version. */
async function markHubOnline(client: pg.ClientBase, hubId: string, at: Date): Promise<void> {
  await client.query(`UPDATE central_hubs SET status = 'online', offline_since = NULL WHERE hub_id = $1`, [hubId]);
  await notify(client, HUB_CHANNEL, { hubId, status: 'online' });
  const open = await client.query<{ alert_id: string; version: number; alert: Record<string, unknown> }>(
    `SELECT alert_id, version, alert FROM central_alerts
     WHERE hub_id = $1 AND origin = $2 AND type = $3 AND state NOT IN ('resolved', 'cancelled') FOR UPDATE`,
    [hubId, CENTRE_ORIGIN, HUB_OFFLINE],
  );
  for (const row of open.rows) {
    const version = row.version + 1;
    const alert = {
      ...row.alert,
      state: 'resolved',
      resolvedAt: at.toISOString(),
      outcome: 'no-action-needed',
      note: 'the hub is back in contact',
      version,
      lastSeenAt: at.toISOString(),
    };
    await client.query(
      `UPDATE central_alerts SET version = $3, state = 'resolved', updated_at = $4, alert = $5 WHERE hub_id = $1 AND alert_id = $2`,
      [hubId, row.alert_id, version, at, JSON.stringify(alert)],
    );
    await client.query(
      `INSERT INTO central_alert_versions (hub_id, alert_id, version, received_at, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [hubId, row.alert_id, version, at, JSON.stringify({ hubId, alertId: row.alert_id, version, alert })],
    );
    await notify(client, ALERT_CHANNEL, { hubId, alertId: row.alert_id, version });
  }
}

/** Stores a hub's alert version; `true` when this version was new. */
async function storeAlert(
  client: pg.ClientBase,
  hubId: string,
  alertId: string,
  body: Record<string, unknown>,
  msg: Incoming,
): Promise<boolean | DropReason> {
  const { version, alert } = body;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || body.alertId !== alertId) {
    return 'bad-payload';
  }
  if (!isObject(alert) || typeof alert.kind !== 'string' || typeof alert.severity !== 'string') return 'bad-payload';
  if (typeof alert.state !== 'string' || !validDate(alert.raisedAt)) return 'bad-payload';
  const homeId = typeof alert.homeId === 'string' ? alert.homeId : null;
  const inserted = await client.query(
    `INSERT INTO central_alert_versions (hub_id, alert_id, version, received_at, payload) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [hubId, alertId, version, msg.receivedAt, JSON.stringify(body)],
  );
  if (inserted.rowCount !== 1) return false;
  // The newest version only: an older or repeated one never overwrites it (versions can arrive out of order when
  // several workers take one hub's messages at once).
  await client.query(
    `INSERT INTO central_alerts AS a (hub_id, alert_id, origin, version, type, severity, state, home_id, raised_at, updated_at, alert)
     VALUES ($1, $2, 'hub', $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (hub_id, alert_id) DO UPDATE SET version = EXCLUDED.version, type = EXCLUDED.type,
       severity = EXCLUDED.severity, state = EXCLUDED.state, home_id = EXCLUDED.home_id,
       raised_at = EXCLUDED.raised_at, updated_at = EXCLUDED.updated_at, alert = EXCLUDED.alert
     WHERE a.version < EXCLUDED.version`,
    [
      hubId,
      alertId,
      version,
      alert.kind,
      alert.severity,
      alert.state,
      homeId,
      alert.raisedAt,
      msg.receivedAt,
      JSON.stringify(alert),
    ],
  );
  await notify(client, ALERT_CHANNEL, { hubId, alertId, version });
  return true;
}

async function storeInTransaction(
  client: pg.ClientBase,
  hubId: string,
  parsed: Parsed,
  msg: Incoming,
): Promise<IngestResult> {
  const hub = await touchHub(client, hubId, msg.receivedAt);
  const comesBack = hub.status === 'offline' && (hub.offline_since === null || msg.receivedAt > hub.offline_since);
  if (parsed.kind === 'status') {
    const text = Buffer.from(msg.data).toString('utf8');
    if (text !== 'online' && text !== 'offline') return { kind: 'dropped', reason: 'bad-payload', hubId };
    const applied = await client.query(
      `UPDATE central_hubs SET reported_status = $2, reported_status_at = $3
       WHERE hub_id = $1 AND (reported_status_at IS NULL OR reported_status_at < $3)`,
      [hubId, text, msg.receivedAt],
    );
    if (applied.rowCount === 1 && text === 'offline' && hub.status === 'online') {
      // The hub's last will (or its graceful stop): flagged at once, not after the silence threshold.
      await markHubOffline(client, hubId, msg.receivedAt, 'last-will', msg.receivedAt);
    } else if (applied.rowCount === 1 && text === 'online' && comesBack) {
      await markHubOnline(client, hubId, msg.receivedAt);
    }
    return { kind: 'status', hubId, stored: applied.rowCount === 1 };
  }
  if (comesBack) await markHubOnline(client, hubId, msg.receivedAt);
  if (parsed.kind === 'heartbeat') {
    const body = parseJson(msg.data);
    if (!isObject(body)) return { kind: 'dropped', reason: 'bad-json', hubId };
    if (body.hubId !== hubId) return { kind: 'dropped', reason: 'wrong-hub', hubId };
    const applied = await client.query(
      `UPDATE central_hubs SET last_heartbeat = $2, last_heartbeat_at = $3
       WHERE hub_id = $1 AND (last_heartbeat_at IS NULL OR last_heartbeat_at < $3)`,
      [hubId, JSON.stringify(body), msg.receivedAt],
    );
    return { kind: 'heartbeat', hubId, stored: applied.rowCount === 1 };
  }
  const body = parseJson(msg.data);
  if (!isObject(body)) return { kind: 'dropped', reason: 'bad-json', hubId };
  // The subject is what NATS authorised for this hub's user; a payload naming another hub is refused.
  if (body.hubId !== hubId) return { kind: 'dropped', reason: 'wrong-hub', hubId };
  if (parsed.kind === 'alert') {
    const stored = await storeAlert(client, hubId, parsed.alertId, body, msg);
    return typeof stored === 'string' ? { kind: 'dropped', reason: stored, hubId } : { kind: 'alert', hubId, stored };
  }
  if (parsed.kind === 'command-result') {
    const commandId = typeof body.commandId === 'string' ? body.commandId : `stream-${String(msg.streamSeq)}`;
    const inserted = await client.query(
      `INSERT INTO central_command_results (hub_id, alert_id, command_id, payload, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [hubId, parsed.alertId, commandId, JSON.stringify(body), msg.receivedAt],
    );
    if (inserted.rowCount === 1) {
      await notify(client, COMMAND_RESULT_CHANNEL, { hubId, alertId: parsed.alertId, commandId });
    }
    return { kind: 'command-result', hubId, stored: inserted.rowCount === 1 };
  }
  if (!isObject(body.features) || body.home !== parsed.home || body.date !== parsed.day) {
    return { kind: 'dropped', reason: 'bad-payload', hubId };
  }
  const inserted = await client.query(
    `INSERT INTO central_features (hub_id, home, day, features, received_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [hubId, parsed.home, parsed.day, JSON.stringify(body.features), msg.receivedAt],
  );
  return { kind: 'features', hubId, stored: inserted.rowCount === 1 };
}

/**
 * Stores one message in its own transaction. A message the centre cannot use is dropped (the result says why) and
 * its hub's contact still counts when the subject names one; a database failure throws, and the caller leaves the
 * message unacknowledged so JetStream delivers it again.
 */
export async function ingest(client: pg.ClientBase, msg: Incoming): Promise<IngestResult> {
  const target = parseSubject(msg.subject);
  if (!target) return { kind: 'dropped', reason: 'bad-subject', hubId: undefined };
  if (msg.data.byteLength > MAX_PAYLOAD_BYTES) return { kind: 'dropped', reason: 'too-large', hubId: target.hubId };
  await client.query('BEGIN');
  try {
    const result = await storeInTransaction(client, target.hubId, target.parsed, msg);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
