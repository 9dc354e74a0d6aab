// How a worker stores what hubs send up (SPEC 10): a batch of messages in one PostgreSQL transaction (multi-row
// statements; one message alone when the batch fails), idempotently, with the NOTIFYs that PostgreSQL delivers only
// once it has committed; and the hub list's online/offline transitions.
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
export type DropReason =
  | 'bad-subject'
  | 'bad-json'
  | 'bad-payload'
  | 'wrong-hub'
  | 'too-large'
  /** PostgreSQL refused the message's own data (e.g. a version past its integer, a date it cannot read). */
  | 'refused-by-database'
  /**
   * Its hub was retired (`telecare central hub remove`, session 61): a heartbeat, status or command result of it no
   * longer counts (its alert versions and features still do, session 64: `storeFromRetiredHub`).
   */
  | 'retired-hub';

/** `central_hubs.status` of a hub taken out of service for good (`central/retire.ts`). */
export const RETIRED = 'retired';

export type IngestResult =
  | { kind: MessageKind; hubId: string; stored: boolean }
  | { kind: 'dropped'; reason: DropReason; hubId: string | undefined };

/** Larger payloads are dropped (a hub's largest, a day's features, is a few KiB). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The centre's own alert type for a silent hub, and its origin in `central_alerts`. */
export const HUB_OFFLINE = 'hub-offline';
export const CENTRE_ORIGIN = 'centre';
/** How the ids of the centre's own alerts begin (`centre-hub-offline-<ms>`); never a hub's alert id. */
export const CENTRE_ALERT_ID_PREFIX = `${CENTRE_ORIGIN}-`;

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

/** A NUL in a string, which PostgreSQL's jsonb refuses, as U+FFFD (the replacement character). */
const withoutNul = (_key: string, value: unknown): unknown =>
  typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value;

function parseJson(data: Uint8Array): unknown {
  try {
    const text = Buffer.from(data).toString('utf8');
    // JSON can carry a NUL only as the escape `\u0000`: the reviver (slower) only when the text has one. A hub older
    // than session 37 kept a resolve note with a NUL, and its resolution was dropped here as refused-by-database: the
    // centre showed the alert open for ever. Now it is stored, the NUL replaced.
    return (text.includes('\\u0000') ? JSON.parse(text, withoutNul) : JSON.parse(text)) as unknown;
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
  retired_at: Date | null;
  retired_by: string | null;
  inserted: boolean;
}

/** Records contact from `hubId` at `at` (never moving last contact back); the hub's row as it was. */
async function touchHub(client: pg.ClientBase, hubId: string, at: Date): Promise<HubRow> {
  const result = await client.query<HubRow>(
    `INSERT INTO central_hubs AS h (hub_id, first_seen_at, last_seen_at, status) VALUES ($1, $2, $2, 'online')
     ON CONFLICT (hub_id) DO UPDATE SET last_seen_at = GREATEST(h.last_seen_at, EXCLUDED.last_seen_at)
     RETURNING h.status, h.offline_since, h.retired_at, h.retired_by, (xmax = 0) AS inserted`,
    [hubId, at],
  );
  const row = result.rows[0];
  if (!row) throw new Error('central_hubs upsert returned no row');
  if (row.inserted) await notify(client, HUB_CHANNEL, { hubId, status: 'online' });
  return row;
}

/** The SPEC 5 shape of an alert the centre raises about a hub itself (hub-offline, hub-quarantined): high, no home. */
export function centreAlert(alertId: string, kind: string, at: Date, detail: object): object {
  const raisedAt = at.toISOString();
  return {
    id: alertId,
    homeId: null,
    residentId: null,
    kind,
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
    detail,
    version: 1,
    count: 1,
    lastSeenAt: raisedAt,
  };
}

/** The centre's hub-offline alert. */
function hubOfflineAlert(alertId: string, at: Date, reason: 'silent' | 'last-will', lastSeenAt: Date): object {
  return centreAlert(alertId, HUB_OFFLINE, at, { reason, lastSeenAt: lastSeenAt.toISOString() });
}

/** A hub the silence check flags: why, and when it was last heard from. */
export interface SilentHub {
  hubId: string;
  reason: 'silent' | 'last-will';
  lastSeenAt: Date;
}

/**
 * Raises the centre's own alert `type` (high, version 1, `alertId`) of each hub of `alerts` (hub → its alert), unless one
 * of that type is open already (each type's unique partial index keeps it to one per hub, whichever worker gets there
 * first): the alert, its version and the NOTIFY, in multi-row statements in hub order. Returns the hubs raised for.
 */
async function raiseCentreAlerts(
  client: pg.ClientBase,
  type: string,
  alertId: string,
  at: Date,
  alerts: ReadonlyMap<string, object>,
): Promise<string[]> {
  const ids = [...alerts.keys()].sort(compareKeys);
  const inserted = await client.query<{ hub_id: string }>(
    `INSERT INTO central_alerts (hub_id, alert_id, origin, version, type, severity, state, home_id, raised_at, updated_at, alert)
     SELECT h, $2, $3, 1, $4, 'high', 'raised', NULL, $5, $5, a::jsonb
     FROM unnest($1::text[], $6::text[]) AS t(h, a) ORDER BY h
     ON CONFLICT DO NOTHING RETURNING hub_id`,
    [ids, alertId, CENTRE_ORIGIN, type, at, ids.map((id) => JSON.stringify(alerts.get(id)))],
  );
  const raised = new Set(inserted.rows.map((r) => r.hub_id));
  const fresh = ids.filter((id) => raised.has(id));
  if (fresh.length === 0) return fresh;
  await client.query(
    `INSERT INTO central_alert_versions (hub_id, alert_id, version, received_at, payload)
     SELECT h, $2, 1, $3, p::jsonb FROM unnest($1::text[], $4::text[]) AS t(h, p) ORDER BY h
     ON CONFLICT DO NOTHING`,
    [
      fresh,
      alertId,
      at,
      fresh.map((hubId) => JSON.stringify({ hubId, alertId, version: 1, alert: alerts.get(hubId) })),
    ],
  );
  await notifyMany(
    client,
    ALERT_CHANNEL,
    fresh.map((hubId) => ({ hubId, alertId, version: 1 })),
  );
  return fresh;
}

/**
 * Marks `hubs` offline since `at` and raises each one's hub-offline alert, unless one is open already (the unique
 * partial index `central_alerts_one_hub_offline` keeps it to one, whichever worker gets there first); returns how many
 * alerts were raised. Multi-row statements: the caller holds these hubs' rows locked (the silence check's
 * `FOR UPDATE`) until it commits, and the workers' batches for them wait that long, so the number of round trips must
 * not grow with the number of hubs (a regional outage flags hundreds at once).
 */
export async function markHubsOffline(client: pg.ClientBase, hubs: readonly SilentHub[], at: Date): Promise<number> {
  if (hubs.length === 0) return 0;
  const sorted = [...hubs].sort((a, b) => compareKeys(a.hubId, b.hubId));
  const ids = sorted.map((h) => h.hubId);
  await client.query(`UPDATE central_hubs SET status = 'offline', offline_since = $2 WHERE hub_id = ANY($1::text[])`, [
    ids,
    at,
  ]);
  await notifyMany(
    client,
    HUB_CHANNEL,
    ids.map((hubId) => ({ hubId, status: 'offline' })),
  );
  const alertId = `${CENTRE_ALERT_ID_PREFIX}${HUB_OFFLINE}-${String(at.getTime())}`;
  const alerts = new Map(sorted.map((h) => [h.hubId, hubOfflineAlert(alertId, at, h.reason, h.lastSeenAt)]));
  const fresh = await raiseCentreAlerts(client, HUB_OFFLINE, alertId, at, alerts);
  return fresh.length;
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

/** Zones asked about so far (a centre hears a few dozen): whether Intl, as the operators' browsers, knows each. */
const zonesSeen = new Map<string, boolean>();
const MAX_ZONES_SEEN = 1_000;

/**
 * The home's IANA time zone a hub sends beside an alert version (`homeTimezone`, session 75), when it is one: the
 * console shows the card's times in it. Anything else (absent, from a hub before session 75; not a string; a zone Intl
 * does not know) is null, and the card's times are the operator's own, as before: never a reason to drop the alert.
 */
export function homeTimeZone(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return null;
  let known = zonesSeen.get(value);
  if (known === undefined) {
    try {
      known = new Intl.DateTimeFormat('en-GB', { timeZone: value }).resolvedOptions().timeZone !== undefined;
    } catch {
      known = false;
    }
    if (zonesSeen.size >= MAX_ZONES_SEEN) zonesSeen.clear();
    zonesSeen.set(value, known);
  }
  return known ? value : null;
}

/** A message's content once checked (no database needed), or why it is dropped. */
type Decoded =
  | { kind: 'heartbeat'; body: Record<string, unknown> }
  | {
      kind: 'alert';
      alertId: string;
      version: number;
      body: Record<string, unknown>;
      alert: Record<string, unknown>;
      type: string;
      severity: string;
      state: string;
      raisedAt: string;
      homeId: string | null;
      /** The home's time zone (`homeTimezone` beside the alert, checked: `homeTimeZone`), or null. */
      homeTimezone: string | null;
    }
  | { kind: 'command-result'; alertId: string; commandId: string; body: Record<string, unknown> }
  | { kind: 'features'; home: string; day: string; features: Record<string, unknown> }
  | { kind: 'dropped'; reason: DropReason };

/** Checks the payload of every kind but `status` (whose text is read where it is applied). */
function decode(hubId: string, parsed: Exclude<Parsed, { kind: 'status' }>, msg: Incoming): Decoded {
  const body = parseJson(msg.data);
  if (!isObject(body)) return { kind: 'dropped', reason: 'bad-json' };
  // The subject is what NATS authorised for this hub's user; a payload naming another hub is refused.
  if (body.hubId !== hubId) return { kind: 'dropped', reason: 'wrong-hub' };
  if (parsed.kind === 'heartbeat') return { kind: 'heartbeat', body };
  if (parsed.kind === 'alert') {
    const { version, alert } = body;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || body.alertId !== parsed.alertId) {
      return { kind: 'dropped', reason: 'bad-payload' };
    }
    // The centre's own alerts about a hub (hub-offline, hub-quarantined) sit under the hub's id with ids of their own
    // prefix; a hub's ids never have it (hub/alerts/ids.ts). Before session 59 a hub sending a version under such an id
    // closed the centre's alert: a shut-out hub could lift its own quarantine.
    if (parsed.alertId.startsWith(CENTRE_ALERT_ID_PREFIX)) return { kind: 'dropped', reason: 'bad-payload' };
    if (!isObject(alert)) return { kind: 'dropped', reason: 'bad-payload' };
    const { kind, severity, state, raisedAt } = alert;
    if (typeof kind !== 'string' || typeof severity !== 'string' || typeof state !== 'string' || !validDate(raisedAt)) {
      return { kind: 'dropped', reason: 'bad-payload' };
    }
    const homeId = typeof alert.homeId === 'string' ? alert.homeId : null;
    return {
      kind: 'alert',
      alertId: parsed.alertId,
      version,
      body,
      alert,
      type: kind,
      severity,
      state,
      raisedAt,
      homeId,
      homeTimezone: homeTimeZone(body.homeTimezone),
    };
  }
  if (parsed.kind === 'command-result') {
    const commandId = typeof body.commandId === 'string' ? body.commandId : `stream-${String(msg.streamSeq)}`;
    return { kind: 'command-result', alertId: parsed.alertId, commandId, body };
  }
  if (!isObject(body.features) || body.home !== parsed.home || body.date !== parsed.day) {
    return { kind: 'dropped', reason: 'bad-payload' };
  }
  return { kind: 'features', home: parsed.home, day: parsed.day, features: body.features };
}

/**
 * A version of an alert stored already with another content, this one received later (JetStream's time): the hub
 * was restored from a backup and carries on from the backup's version, so the centre's later versions of the alert are
 * a branch the hub no longer has (review, session 69: they were kept, and the restored hub's new versions up to them
 * dropped as repeats; a call the restored hub had open and escalated again stayed resolved at the centre). The stored
 * version takes this content, the lost branch's later versions (received before this one) are dropped, and the alert's
 * row takes this version unless a version of the new branch received later holds it. `true` when it was such a fork.
 * A repeat (same content) or an older branch's message arriving late changes nothing. The content is the alert: the
 * hub's restatement of an open alert at its start sends the same version again with its start as `queuedAt`, and with
 * the whole message compared every restart of a hub was such a fork (review, session 73).
 */
async function applyFork(
  client: pg.ClientBase,
  hubId: string,
  decoded: Extract<Decoded, { kind: 'alert' }>,
  msg: Incoming,
): Promise<boolean> {
  const { alertId, version, alert, body, homeId } = decoded;
  const replaced = await client.query(
    `UPDATE central_alert_versions SET payload = $5::jsonb, received_at = $4
     WHERE hub_id = $1 AND alert_id = $2 AND version = $3 AND payload->'alert' IS DISTINCT FROM ($5::jsonb)->'alert'
       AND received_at < $4`,
    [hubId, alertId, version, msg.receivedAt, JSON.stringify(body)],
  );
  if (replaced.rowCount !== 1) return false;
  await client.query(
    `DELETE FROM central_alert_versions WHERE hub_id = $1 AND alert_id = $2 AND version > $3 AND received_at < $4`,
    [hubId, alertId, version, msg.receivedAt],
  );
  await client.query(
    `UPDATE central_alerts SET version = $3, type = $5, severity = $6, state = $7, home_id = $8, raised_at = $9,
       updated_at = $4, alert = $10, home_timezone = $11
     WHERE hub_id = $1 AND alert_id = $2 AND origin = 'hub' AND (version <= $3 OR updated_at < $4)`,
    [
      hubId,
      alertId,
      version,
      msg.receivedAt,
      decoded.type,
      decoded.severity,
      decoded.state,
      homeId,
      decoded.raisedAt,
      JSON.stringify(alert),
      decoded.homeTimezone,
    ],
  );
  // `fork`: the consoles list afresh (each keeps an alert's highest version, and this one may be lower).
  await notify(client, ALERT_CHANNEL, { hubId, alertId, version, fork: true });
  return true;
}

/** Stores a hub's alert version; `true` when this version was new (or a restored hub's new branch: `applyFork`). */
async function storeAlert(
  client: pg.ClientBase,
  hubId: string,
  decoded: Extract<Decoded, { kind: 'alert' }>,
  msg: Incoming,
): Promise<boolean> {
  const { alertId, version, alert, body, homeId } = decoded;
  const inserted = await client.query(
    `INSERT INTO central_alert_versions (hub_id, alert_id, version, received_at, payload) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [hubId, alertId, version, msg.receivedAt, JSON.stringify(body)],
  );
  if (inserted.rowCount !== 1) return applyFork(client, hubId, decoded, msg);
  // The newest version only: an older or repeated one never overwrites it (versions can arrive out of order when
  // several workers take one hub's messages at once).
  await client.query(
    `INSERT INTO central_alerts AS a (hub_id, alert_id, origin, version, type, severity, state, home_id, raised_at, updated_at, alert, home_timezone)
     VALUES ($1, $2, 'hub', $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (hub_id, alert_id) DO UPDATE SET version = EXCLUDED.version, type = EXCLUDED.type,
       severity = EXCLUDED.severity, state = EXCLUDED.state, home_id = EXCLUDED.home_id,
       raised_at = EXCLUDED.raised_at, updated_at = EXCLUDED.updated_at, alert = EXCLUDED.alert,
       home_timezone = EXCLUDED.home_timezone
     WHERE a.version < EXCLUDED.version`,
    [
      hubId,
      alertId,
      version,
      decoded.type,
      decoded.severity,
      decoded.state,
      homeId,
      decoded.raisedAt,
      msg.receivedAt,
      JSON.stringify(alert),
      decoded.homeTimezone,
    ],
  );
  await notify(client, ALERT_CHANNEL, { hubId, alertId, version });
  return true;
}

/** One message, statement by statement, inside the caller's transaction (status messages and offline hubs). */
async function storeInTransaction(
  client: pg.ClientBase,
  hubId: string,
  parsed: Parsed,
  msg: Incoming,
): Promise<IngestResult> {
  const hub = await touchHub(client, hubId, msg.receivedAt);
  if (hub.status === RETIRED) return storeFromRetiredHub(client, hubId, parsed, msg, hub);
  const comesBack = hub.status === 'offline' && (hub.offline_since === null || msg.receivedAt > hub.offline_since);
  if (parsed.kind === 'status') {
    const text = Buffer.from(msg.data).toString('utf8');
    if (text !== 'online' && text !== 'offline') return { kind: 'dropped', reason: 'bad-payload', hubId };
    const applied = await client.query(
      `UPDATE central_hubs SET reported_status = $2, reported_status_at = $3
       WHERE hub_id = $1 AND (reported_status_at IS NULL OR reported_status_at < $3)`,
      [hubId, text, msg.receivedAt],
    );
    // The hub's last will (or its graceful stop) is recorded here and flagged by the silence check after a short
    // grace (`DEFAULT_WILL_GRACE_MS`), unless the hub speaks again meanwhile: a NATS node that dies publishes the
    // wills of hubs that are up and reconnecting to another node.
    if (applied.rowCount === 1 && text === 'online' && comesBack) {
      await markHubOnline(client, hubId, msg.receivedAt);
    }
    return { kind: 'status', hubId, stored: applied.rowCount === 1 };
  }
  if (comesBack) await markHubOnline(client, hubId, msg.receivedAt);
  const decoded = decode(hubId, parsed, msg);
  if (decoded.kind === 'dropped') return { kind: 'dropped', reason: decoded.reason, hubId };
  if (decoded.kind === 'heartbeat') {
    const applied = await applyHeartbeats(client, [{ hubId, body: decoded.body, at: msg.receivedAt }]);
    return { kind: 'heartbeat', hubId, stored: applied.has(hubId) };
  }
  if (decoded.kind === 'alert') {
    return { kind: 'alert', hubId, stored: await storeAlert(client, hubId, decoded, msg) };
  }
  if (decoded.kind === 'command-result') {
    const inserted = await client.query(
      `INSERT INTO central_command_results (hub_id, alert_id, command_id, payload, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [hubId, decoded.alertId, decoded.commandId, JSON.stringify(decoded.body), msg.receivedAt],
    );
    if (inserted.rowCount === 1) {
      await notify(client, COMMAND_RESULT_CHANNEL, { hubId, alertId: decoded.alertId, commandId: decoded.commandId });
    }
    return { kind: 'command-result', hubId, stored: inserted.rowCount === 1 };
  }
  return { kind: 'features', hubId, stored: await storeFeatures(client, hubId, decoded, msg) };
}

/** Stores a day of a home's features (the first copy is kept); `true` when it was new. */
async function storeFeatures(
  client: pg.ClientBase,
  hubId: string,
  decoded: Extract<Decoded, { kind: 'features' }>,
  msg: Incoming,
): Promise<boolean> {
  const inserted = await client.query(
    `INSERT INTO central_features (hub_id, home, day, features, received_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [hubId, decoded.home, decoded.day, JSON.stringify(decoded.features), msg.receivedAt],
  );
  return inserted.rowCount === 1;
}

/** The reason `central/retire.ts` writes into `closedAtCentre` of the alerts it closes. */
export const HUB_RETIRED_REASON = 'hub-retired';

/**
 * A message of a hub retired since it was sent (session 64). Everything in the stream under a hub's id was sent while
 * its credential was valid (the gateway's will aside): what it sent before the retirement still counts. Its days of
 * features are stored; its alert versions too (`storeRetiredHubAlert`), without reopening a card. Its heartbeats and
 * statuses (the will the reload makes the gateway publish) would change a retired hub's state, and its command
 * results answer commands the retirement gave up: those are dropped (`retired-hub`). Before, every message was
 * dropped: a responder's resolution of an alert raised before the retirement (its outcome, when it was acknowledged)
 * and the last days of features were lost if the workers had not stored them when the installer ran `hub remove`.
 */
async function storeFromRetiredHub(
  client: pg.ClientBase,
  hubId: string,
  parsed: Parsed,
  msg: Incoming,
  hub: HubRow,
): Promise<IngestResult> {
  if (parsed.kind !== 'alert' && parsed.kind !== 'features') return { kind: 'dropped', reason: 'retired-hub', hubId };
  const decoded = decode(hubId, parsed, msg);
  if (decoded.kind === 'dropped') return { kind: 'dropped', reason: decoded.reason, hubId };
  if (decoded.kind === 'features') {
    return { kind: 'features', hubId, stored: await storeFeatures(client, hubId, decoded, msg) };
  }
  if (decoded.kind !== 'alert') return { kind: 'dropped', reason: 'retired-hub', hubId };
  return { kind: 'alert', hubId, stored: await storeRetiredHubAlert(client, hubId, decoded, msg, hub) };
}

/**
 * A retired hub's alert version, applied as if it had been stored before the retirement, and the retirement after it:
 * kept in `central_alert_versions` under its own key (a repeat stores nothing); when it is the hub's newest version of
 * the alert, the alert takes its content, and stays closed: a version that closes the alert (a responder's resolution
 * and its outcome) replaces the retirement's `cancelled`; one that leaves it open is cancelled at the centre as the
 * retirement does (`closedAtCentre`, at the retirement or when it came, if later), keeping what it says (who
 * acknowledged it, when). The retirement wrote its cancellation as the alert's next version, which may be the very
 * number of the hub's version that was still in the stream: that version takes the number back (the alert's row keeps
 * the retirement's mark while it applies). The row's version only grows, so the consoles take it as newer.
 */
async function storeRetiredHubAlert(
  client: pg.ClientBase,
  hubId: string,
  decoded: Extract<Decoded, { kind: 'alert' }>,
  msg: Incoming,
  hub: HubRow,
): Promise<boolean> {
  const { alertId, version, alert, body, homeId } = decoded;
  // The hub's row is locked (touchHub): this hub's messages are applied one at a time.
  const row = (
    await client.query<{ version: number }>(
      `SELECT version FROM central_alerts WHERE hub_id = $1 AND alert_id = $2 FOR UPDATE`,
      [hubId, alertId],
    )
  ).rows[0];
  const inserted = await client.query(
    `INSERT INTO central_alert_versions AS v (hub_id, alert_id, version, received_at, payload)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (hub_id, alert_id, version) DO UPDATE SET received_at = EXCLUDED.received_at, payload = EXCLUDED.payload
     WHERE v.payload #>> '{alert,closedAtCentre,reason}' = $6`,
    [hubId, alertId, version, msg.receivedAt, JSON.stringify(body), HUB_RETIRED_REASON],
  );
  if (inserted.rowCount !== 1) return false;
  const newest = (
    await client.query<{ top: number | null }>(
      `SELECT max(version) AS top FROM central_alert_versions
       WHERE hub_id = $1 AND alert_id = $2 AND (payload #>> '{alert,closedAtCentre,reason}') IS DISTINCT FROM $3`,
      [hubId, alertId, HUB_RETIRED_REASON],
    )
  ).rows[0]?.top;
  // An older version arriving after a newer one: kept, the alert already has the newer one's content.
  if (newest !== undefined && newest !== null && newest > version) return true;
  const rowVersion = row === undefined ? version : Math.max(row.version + 1, version);
  const closed = decoded.state === 'resolved' || decoded.state === 'cancelled';
  const retiredAt = hub.retired_at ?? msg.receivedAt;
  const at = (msg.receivedAt > retiredAt ? msg.receivedAt : retiredAt).toISOString();
  const state = closed ? decoded.state : 'cancelled';
  const stored = closed
    ? { ...alert, version: rowVersion }
    : {
        ...alert,
        version: rowVersion,
        state,
        resolvedAt: at,
        closedAtCentre: { by: `centre:${hub.retired_by ?? ''}`, at, reason: HUB_RETIRED_REASON },
      };
  await client.query(
    `INSERT INTO central_alerts AS a (hub_id, alert_id, origin, version, type, severity, state, home_id, raised_at, updated_at, alert, home_timezone)
     VALUES ($1, $2, 'hub', $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (hub_id, alert_id) DO UPDATE SET version = EXCLUDED.version, type = EXCLUDED.type,
       severity = EXCLUDED.severity, state = EXCLUDED.state, home_id = EXCLUDED.home_id,
       raised_at = EXCLUDED.raised_at, updated_at = EXCLUDED.updated_at, alert = EXCLUDED.alert,
       home_timezone = EXCLUDED.home_timezone`,
    [
      hubId,
      alertId,
      rowVersion,
      decoded.type,
      decoded.severity,
      state,
      homeId,
      decoded.raisedAt,
      msg.receivedAt,
      JSON.stringify(stored),
      decoded.homeTimezone,
    ],
  );
  await notify(client, ALERT_CHANNEL, { hubId, alertId, version: rowVersion });
  return true;
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

/**
 * `true` when PostgreSQL refused the data of the statement itself (SQLSTATE class 22, data exception: a version past
 * its integer, a date it cannot read; a NUL in a string is replaced before, in `parseJson`): sending the same message
 * again can never succeed.
 */
export function isRefusedData(err: unknown): boolean {
  const code = isObject(err) ? err.code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}

/** Every message of a batch is given its result; this is the type's guard. */
function complete(results: readonly (IngestResult | undefined)[]): IngestResult[] {
  return results.map((r) => {
    if (!r) throw new Error('a message of the batch was left without a result');
    return r;
  });
}

/** The centre's alert about two boxes sending under one HUB_ID (session 61; origin `centre`, like `hub-offline`). */
export const HUB_DUPLICATE_ID = 'hub-duplicate-id';
/**
 * Two starts of a hub closer than this are one (a heartbeat's `uptimeS` is rounded to the second, so `at - uptimeS`
 * wanders by up to half a second).
 */
const SAME_START_S = 2;

/** When the hub that sent this heartbeat started: its `at` less its `uptimeS`; null when either is missing or bad. */
export function heartbeatStart(body: Record<string, unknown>): Date | null {
  const { at, uptimeS } = body;
  if (!validDate(at) || typeof uptimeS !== 'number' || !Number.isFinite(uptimeS) || uptimeS < 0) return null;
  const ms = Date.parse(at) - uptimeS * 1000;
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms) : null;
}

/**
 * Stores each hub's heartbeat when it is newer than the stored one (hubs in key order); returns the hubs whose
 * heartbeat was stored. Session 61: two boxes with one HUB_ID (a cloned SD card, a replaced box left plugged in) take
 * turns on the gateway (one client id: each connection closes the other's) and their messages interleave under one
 * hub. A hub's start (`heartbeatStart`) only ever moves on, to a new start; so a heartbeat whose start is the one
 * before the current start is a second box: the centre raises `hub-duplicate-id` (high, one open per hub: unique
 * partial index `central_alerts_one_hub_duplicate_id`; raised again if the two go on after it is resolved).
 */
async function applyHeartbeats(
  client: pg.ClientBase,
  beats: readonly { hubId: string; body: Record<string, unknown>; at: Date }[],
): Promise<Set<string>> {
  if (beats.length === 0) return new Set();
  const sorted = [...beats].sort((a, b) => compareKeys(a.hubId, b.hubId));
  // `o` is the row as it was (SET and RETURNING of `h` see the new one): the start before the current one.
  const applied = await client.query<{ hub_id: string; twice: boolean; started: Date | null; other: Date | null }>(
    `UPDATE central_hubs AS h SET last_heartbeat = t.body::jsonb, last_heartbeat_at = t.at,
       started_at = COALESCE(t.started, h.started_at),
       previous_started_at = CASE WHEN abs(extract(epoch FROM t.started - h.started_at)) > $5
         THEN h.started_at ELSE h.previous_started_at END
     FROM central_hubs AS o, unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS t(id, body, at, started)
     WHERE h.hub_id = t.id AND o.hub_id = t.id AND (h.last_heartbeat_at IS NULL OR h.last_heartbeat_at < t.at)
     RETURNING h.hub_id, t.started, o.started_at AS other,
       COALESCE(abs(extract(epoch FROM t.started - o.started_at)) > $5
         AND abs(extract(epoch FROM t.started - o.previous_started_at)) <= $5, false) AS twice`,
    [
      sorted.map((b) => b.hubId),
      sorted.map((b) => JSON.stringify(b.body)),
      sorted.map((b) => b.at),
      sorted.map((b) => heartbeatStart(b.body)),
      SAME_START_S,
    ],
  );
  const twice = applied.rows.filter((r) => r.twice);
  if (twice.length > 0) {
    const at = sorted.find((b) => b.hubId === twice[0]?.hub_id)?.at ?? new Date();
    const alertId = `${CENTRE_ALERT_ID_PREFIX}${HUB_DUPLICATE_ID}-${String(at.getTime())}`;
    const alerts = new Map(
      twice.map((r) => [
        r.hub_id,
        centreAlert(alertId, HUB_DUPLICATE_ID, at, {
          reason: 'two-starts',
          starts: [r.other?.toISOString() ?? null, r.started?.toISOString() ?? null],
        }),
      ]),
    );
    await raiseCentreAlerts(client, HUB_DUPLICATE_ID, alertId, at, alerts);
  }
  return new Set(applied.rows.map((r) => r.hub_id));
}

const bySeq = <T extends { index: number }>(a: T, b: T): number => a.index - b.index;

/** Keys in one order for every worker, so that two batches lock the same rows in the same order (no deadlock). */
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function notifyMany(client: pg.ClientBase, channel: string, payloads: readonly object[]): Promise<void> {
  if (payloads.length === 0) return;
  // Inside the transaction, one NOTIFY per payload, delivered when (and only if) it commits.
  await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n', [
    channel,
    payloads.map((p) => JSON.stringify(p)),
  ]);
}

/**
 * Stores a batch of messages in ONE transaction (one commit, one disk flush, for all of them) with multi-row
 * statements; the results are in the order of `msgs`. Same outcome as `ingest` on each in turn: the same keys
 * (hub, alert, version) make it idempotent, an alert's row only moves to a higher version, one NOTIFY per new version.
 * Messages of a hub that is offline take the statement-by-statement path (in stream order) because they change the
 * hub's state (it comes back); an online hub's statuses are one statement for the batch (each hub's newest). Throws on any database failure, having rolled everything back:
 * the caller then stores the messages one by one (`ingest`), so that one bad message cannot hold the others.
 */
export async function ingestBatch(
  client: pg.ClientBase,
  msgs: readonly Incoming[],
  /** Measuring only: told when COMMIT was sent (the rest of the transaction's time is the commit). */
  timing?: { commitSentMs?: number },
): Promise<IngestResult[]> {
  const results: (IngestResult | undefined)[] = new Array<IngestResult | undefined>(msgs.length).fill(undefined);
  const targets: { index: number; hubId: string; parsed: Parsed; msg: Incoming }[] = [];
  msgs.forEach((msg, index) => {
    const target = parseSubject(msg.subject);
    if (!target) results[index] = { kind: 'dropped', reason: 'bad-subject', hubId: undefined };
    else if (msg.data.byteLength > MAX_PAYLOAD_BYTES) {
      results[index] = { kind: 'dropped', reason: 'too-large', hubId: target.hubId };
    } else targets.push({ index, hubId: target.hubId, parsed: target.parsed, msg });
  });
  if (targets.length === 0) return complete(results);

  // Each hub's first and last contact in this batch.
  const contact = new Map<string, { first: Date; last: Date }>();
  for (const t of targets) {
    const seen = contact.get(t.hubId);
    const at = t.msg.receivedAt;
    if (!seen) contact.set(t.hubId, { first: at, last: at });
    else {
      if (at < seen.first) seen.first = at;
      if (at > seen.last) seen.last = at;
    }
  }
  const hubIds = [...contact.keys()].sort(compareKeys);

  await client.query('BEGIN');
  try {
    const touched = await client.query<{ hub_id: string; status: string; inserted: boolean }>(
      `INSERT INTO central_hubs AS h (hub_id, first_seen_at, last_seen_at, status)
       SELECT id, first_at, last_at, 'online' FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[])
         AS t(id, first_at, last_at) ORDER BY id
       ON CONFLICT (hub_id) DO UPDATE SET last_seen_at = GREATEST(h.last_seen_at, EXCLUDED.last_seen_at)
       RETURNING h.hub_id, h.status, (xmax = 0) AS inserted`,
      [hubIds, hubIds.map((id) => contact.get(id)?.first), hubIds.map((id) => contact.get(id)?.last)],
    );
    const hubStatus = new Map(touched.rows.map((r) => [r.hub_id, r.status]));
    await notifyMany(
      client,
      HUB_CHANNEL,
      touched.rows.filter((r) => r.inserted).map((r) => ({ hubId: r.hub_id, status: 'online' })),
    );

    // A hub that is offline now may come back (its hub-offline alert resolved): message by message, in stream order
    // (and a retired hub's messages are kept or dropped there, `storeFromRetiredHub`).
    // An online hub's messages change no state that order matters for: its status only records what the hub (or its
    // will) said last, and the silence check reads it later; so a reconnect burst's statuses go in one statement too.
    const stateful = (hubId: string): boolean => hubStatus.get(hubId) !== 'online';
    for (const t of targets.filter((x) => stateful(x.hubId)).sort(bySeq)) {
      results[t.index] = await storeInTransaction(client, t.hubId, t.parsed, t.msg);
    }

    // Each online hub's newest status of the batch (the first in stream order when two have one stamp, as one by one).
    const statuses = new Map<string, { index: number; text: string; at: Date }[]>();
    for (const t of targets) {
      if (stateful(t.hubId) || t.parsed.kind !== 'status') continue;
      const text = Buffer.from(t.msg.data).toString('utf8');
      if (text !== 'online' && text !== 'offline') {
        results[t.index] = { kind: 'dropped', reason: 'bad-payload', hubId: t.hubId };
        continue;
      }
      const list = statuses.get(t.hubId) ?? [];
      list.push({ index: t.index, text, at: t.msg.receivedAt });
      statuses.set(t.hubId, list);
    }
    if (statuses.size > 0) {
      const newest = [...statuses.entries()]
        .map(([hubId, list]) => ({ hubId, status: list.reduce((a, b) => (b.at > a.at ? b : a)) }))
        .sort((a, b) => compareKeys(a.hubId, b.hubId));
      const applied = await client.query<{ hub_id: string }>(
        `UPDATE central_hubs AS h SET reported_status = t.status, reported_status_at = t.at
         FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS t(id, status, at)
         WHERE h.hub_id = t.id AND (h.reported_status_at IS NULL OR h.reported_status_at < t.at) RETURNING h.hub_id`,
        [newest.map((n) => n.hubId), newest.map((n) => n.status.text), newest.map((n) => n.status.at)],
      );
      const appliedHubs = new Set(applied.rows.map((r) => r.hub_id));
      // Like heartbeats: an older status of the batch counts as stored (superseded within it, not lost).
      for (const [hubId, list] of statuses) {
        for (const s of list) results[s.index] = { kind: 'status', hubId, stored: appliedHubs.has(hubId) };
      }
    }

    const heartbeats = new Map<string, { index: number; body: Record<string, unknown>; at: Date }[]>();
    const alerts: { index: number; hubId: string; msg: Incoming; d: Extract<Decoded, { kind: 'alert' }> }[] = [];
    const commands: { index: number; hubId: string; msg: Incoming; d: Extract<Decoded, { kind: 'command-result' }> }[] =
      [];
    const features: { index: number; hubId: string; msg: Incoming; d: Extract<Decoded, { kind: 'features' }> }[] = [];
    for (const t of targets) {
      if (stateful(t.hubId) || t.parsed.kind === 'status') continue;
      const d = decode(t.hubId, t.parsed, t.msg);
      if (d.kind === 'dropped') results[t.index] = { kind: 'dropped', reason: d.reason, hubId: t.hubId };
      else if (d.kind === 'heartbeat') {
        const list = heartbeats.get(t.hubId) ?? [];
        list.push({ index: t.index, body: d.body, at: t.msg.receivedAt });
        heartbeats.set(t.hubId, list);
      } else if (d.kind === 'alert') alerts.push({ index: t.index, hubId: t.hubId, msg: t.msg, d });
      else if (d.kind === 'command-result') commands.push({ index: t.index, hubId: t.hubId, msg: t.msg, d });
      else features.push({ index: t.index, hubId: t.hubId, msg: t.msg, d });
    }

    if (heartbeats.size > 0) {
      // Each hub's newest heartbeat of the batch; the older ones of the batch count as stored (superseded, not lost).
      const newest = [...heartbeats.entries()]
        .map(([hubId, list]) => ({ hubId, beat: list.reduce((a, b) => (b.at > a.at ? b : a)) }))
        .sort((a, b) => compareKeys(a.hubId, b.hubId));
      const appliedHubs = await applyHeartbeats(
        client,
        newest.map((n) => ({ hubId: n.hubId, body: n.beat.body, at: n.beat.at })),
      );
      for (const [hubId, list] of heartbeats) {
        for (const beat of list) results[beat.index] = { kind: 'heartbeat', hubId, stored: appliedHubs.has(hubId) };
      }
    }

    if (alerts.length > 0) {
      const versionKey = (hubId: string, alertId: string, version: number): string =>
        JSON.stringify([hubId, alertId, version]);
      // One statement, one round trip (under load each round trip waits for both processes to be scheduled): every
      // version inserted (a repeat inserts nothing), each alert's row moved to its highest new version (never down),
      // one NOTIFY per new version in stream order (pg_notify, volatile, runs after the sort). Rows are locked in one
      // order (hub, alert) by every worker, so that batches do not deadlock.
      const inserted = await client.query<{ hub_id: string; alert_id: string; version: number }>(
        `WITH t AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::text[],
             $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $14::text[])
             WITH ORDINALITY AS t(h, a, v, r, p, ty, sev, st, home, raised, body, note, zone, n)
         ), ins AS (
           INSERT INTO central_alert_versions (hub_id, alert_id, version, received_at, payload)
           SELECT h, a, v, r, p::jsonb FROM t ORDER BY h, a, v
           ON CONFLICT DO NOTHING RETURNING hub_id, alert_id, version
         ), fresh AS (
           -- A key twice in one batch (a hub's resend): the first in stream order is the new one.
           SELECT DISTINCT ON (t.h, t.a, t.v) t.* FROM t
           JOIN ins ON ins.hub_id = t.h AND ins.alert_id = t.a AND ins.version = t.v
           ORDER BY t.h, t.a, t.v, t.n
         ), newest AS (
           SELECT DISTINCT ON (h, a) * FROM fresh ORDER BY h, a, v DESC
         ), up AS (
           INSERT INTO central_alerts AS x (hub_id, alert_id, origin, version, type, severity, state, home_id, raised_at, updated_at, alert, home_timezone)
           SELECT h, a, 'hub', v, ty, sev, st, home, raised::timestamptz, r, body::jsonb, zone FROM newest ORDER BY h, a
           ON CONFLICT (hub_id, alert_id) DO UPDATE SET version = EXCLUDED.version, type = EXCLUDED.type,
             severity = EXCLUDED.severity, state = EXCLUDED.state, home_id = EXCLUDED.home_id,
             raised_at = EXCLUDED.raised_at, updated_at = EXCLUDED.updated_at, alert = EXCLUDED.alert,
             home_timezone = EXCLUDED.home_timezone
           WHERE x.version < EXCLUDED.version
         )
         SELECT h AS hub_id, a AS alert_id, v AS version, pg_notify($13, note) FROM fresh ORDER BY n`,
        [
          alerts.map((x) => x.hubId),
          alerts.map((x) => x.d.alertId),
          alerts.map((x) => x.d.version),
          alerts.map((x) => x.msg.receivedAt),
          alerts.map((x) => JSON.stringify(x.d.body)),
          alerts.map((x) => x.d.type),
          alerts.map((x) => x.d.severity),
          alerts.map((x) => x.d.state),
          alerts.map((x) => x.d.homeId),
          alerts.map((x) => x.d.raisedAt),
          alerts.map((x) => JSON.stringify(x.d.alert)),
          alerts.map((x) => JSON.stringify({ hubId: x.hubId, alertId: x.d.alertId, version: x.d.version })),
          ALERT_CHANNEL,
          alerts.map((x) => x.d.homeTimezone),
        ],
      );
      const fresh = new Set(inserted.rows.map((r) => versionKey(r.hub_id, r.alert_id, r.version)));
      const repeats: typeof alerts = [];
      for (const x of alerts.sort(bySeq)) {
        // A key twice in one batch: the first is the new one, the next a repeat.
        const isNew = fresh.delete(versionKey(x.hubId, x.d.alertId, x.d.version));
        results[x.index] = { kind: 'alert', hubId: x.hubId, stored: isNew };
        if (!isNew) repeats.push(x);
      }
      // A repeat with another alert in it: a hub restored from a backup (`applyFork`, session 69). Looked for in one
      // statement; the rare forks then one by one, in the (hub, alert) order rows are locked in.
      if (repeats.length > 0) {
        const changed = await client.query<{ hub_id: string; alert_id: string; version: number }>(
          `SELECT x.hub_id, x.alert_id, x.version FROM central_alert_versions x
           JOIN unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[]) AS t(h, a, v, r, p)
             ON x.hub_id = t.h AND x.alert_id = t.a AND x.version = t.v
           WHERE x.payload->'alert' IS DISTINCT FROM (t.p::jsonb)->'alert' AND x.received_at < t.r`,
          [
            repeats.map((x) => x.hubId),
            repeats.map((x) => x.d.alertId),
            repeats.map((x) => x.d.version),
            repeats.map((x) => x.msg.receivedAt),
            repeats.map((x) => JSON.stringify(x.d.body)),
          ],
        );
        const forked = new Set(changed.rows.map((r) => versionKey(r.hub_id, r.alert_id, r.version)));
        const forks = repeats
          .filter((x) => forked.has(versionKey(x.hubId, x.d.alertId, x.d.version)))
          .sort((a, b) => compareKeys(a.hubId, b.hubId) || compareKeys(a.d.alertId, b.d.alertId) || bySeq(a, b));
        for (const x of forks) {
          if (await applyFork(client, x.hubId, x.d, x.msg))
            results[x.index] = { kind: 'alert', hubId: x.hubId, stored: true };
        }
      }
    }

    if (commands.length > 0) {
      const inserted = await client.query<{ hub_id: string; alert_id: string; command_id: string }>(
        `INSERT INTO central_command_results (hub_id, alert_id, command_id, payload, received_at)
         SELECT h, a, c, p::jsonb, r FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
           AS t(h, a, c, p, r) ORDER BY h, a, c
         ON CONFLICT DO NOTHING RETURNING hub_id, alert_id, command_id`,
        [
          commands.map((x) => x.hubId),
          commands.map((x) => x.d.alertId),
          commands.map((x) => x.d.commandId),
          commands.map((x) => JSON.stringify(x.d.body)),
          commands.map((x) => x.msg.receivedAt),
        ],
      );
      const fresh = new Set(inserted.rows.map((r) => JSON.stringify([r.hub_id, r.alert_id, r.command_id])));
      const stored: typeof commands = [];
      for (const x of commands.sort(bySeq)) {
        const isNew = fresh.delete(JSON.stringify([x.hubId, x.d.alertId, x.d.commandId]));
        if (isNew) stored.push(x);
        results[x.index] = { kind: 'command-result', hubId: x.hubId, stored: isNew };
      }
      await notifyMany(
        client,
        COMMAND_RESULT_CHANNEL,
        stored.map((x) => ({ hubId: x.hubId, alertId: x.d.alertId, commandId: x.d.commandId })),
      );
    }

    if (features.length > 0) {
      const inserted = await client.query<{ hub_id: string; home: string; day: string }>(
        `INSERT INTO central_features (hub_id, home, day, features, received_at)
         SELECT h, home, d::date, f::jsonb, r FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
           AS t(h, home, d, f, r) ORDER BY h, home, d
         ON CONFLICT DO NOTHING RETURNING hub_id, home, to_char(day, 'YYYY-MM-DD') AS day`,
        [
          features.map((x) => x.hubId),
          features.map((x) => x.d.home),
          features.map((x) => x.d.day),
          features.map((x) => JSON.stringify(x.d.features)),
          features.map((x) => x.msg.receivedAt),
        ],
      );
      const fresh = new Set(inserted.rows.map((r) => JSON.stringify([r.hub_id, r.home, r.day])));
      for (const x of features.sort(bySeq)) {
        const isNew = fresh.delete(JSON.stringify([x.hubId, x.d.home, x.d.day]));
        results[x.index] = { kind: 'features', hubId: x.hubId, stored: isNew };
      }
    }
    if (timing) timing.commitSentMs = Date.now();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return complete(results);
}
