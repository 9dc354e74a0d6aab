// The uplink to an alarm receiving centre (SPEC 10): alert versions and daily features forwarded from a queue in
// SQLite over MQTT (QoS 1, persistent session), a heartbeat with a last will, and the centre's commands applied.
import type { Socket } from 'node:net';
import type { Database } from 'better-sqlite3';
import type { ActivityWorker } from '../analytics/offloop.js';
import { awayDatesBetween } from '../analytics/store.js';
import type { HomeConfig } from '../rules/types.js';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Alert, AlertServiceApi } from './alerts/api.js';
import { queryAlertAudit } from './alerts/query.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';
import { centreActor, downFilter, parseDownMessage, type DownRejection } from './uplink-down.js';
import { UplinkFeatures } from './uplink-features.js';
import { TRIM_STEP_ROWS, UplinkQueue, alertVersionBody, type QueuedItem } from './uplink-queue.js';
import { redactUplinkUrl, type UplinkSettings, uplinkUserAdvice } from './uplink-settings.js';

export const UPLINK_HEARTBEAT_MS = 30_000;
/** Items published and not yet acknowledged by the centre's broker: its default in-flight window is 20. */
const SEND_WINDOW = 16;
/** The queue depth above which a warning is logged (again at each tenfold). */
const QUEUE_WARN_AT = 1_000;
/** How long a graceful stop waits for acknowledgements of items in flight before it disconnects. */
const STOP_WAIT_MS = 3_000;
/** After a publish the broker refused (or lost), the queue waits this long before it sends again. */
const RETRY_AFTER_ERROR_MS = 5_000;
/**
 * After the centre refused a publish (an MQTT 5 PUBACK reason code of 0x80 or more) or this hub's own command topic
 * (a SUBACK 0x80 under MQTT 3.1.1), what it refused is held back and tried again after this long, doubled at each
 * refusal in a row up to REFUSED_RETRY_MAX_MS: a misconfigured hub does not send its whole queue to the centre every
 * few seconds (session 75).
 */
const REFUSED_RETRY_FIRST_MS = 5_000;
const REFUSED_RETRY_MAX_MS = 300_000;
/**
 * How long the centre must be out of reach, with something queued, before the responder's console says alerts are not
 * reaching it (`centreLink`): a reconnect after a blip of the router is not news to a warden (session 75).
 */
export const CENTRE_UNREACHABLE_SAID_AFTER_MS = 120_000;
/** An MQTT 5 session that outlives the connection, as MQTT 3.1.1's `clean: false` (the largest value: never ends). */
const SESSION_EXPIRY_NEVER = 0xffffffff;

export interface UplinkOptions extends UplinkSettings {
  /** The centre's CA certificate(s), PEM, for mqtts (HUB_UPLINK_CA, read by the caller). */
  ca?: Buffer;
  /** Tests only: heartbeat period, MQTT keepalive, reconnect delay, delay of the first daily-features round. */
  heartbeatMs?: number;
  featuresFirstRunMs?: number;
  featuresEveryMs?: number;
  keepaliveS?: number;
  reconnectMs?: number;
}

export interface UplinkDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  options: UplinkOptions;
  /** Where daily features come from (with HUB_COUNCIL_KEY): the analytics worker and the homes in force. */
  features?: { worker: ActivityWorker; homes(): readonly HomeConfig[] };
  /**
   * The time zone of a home in force (its configuration's `timezone`), sent with each of its alert versions: the centre
   * shows the card's times as the home's (session 75). Undefined for a home no longer configured: sent without.
   */
  homeZone?: (homeId: string) => string | undefined;
}

interface UplinkMetrics {
  queue: Gauge;
  connected: Gauge;
  sent: Counter<'kind'>;
  refused: Counter<'reason'>;
  publishRefused: Counter<'kind' | 'reason'>;
  dropped: Counter<'kind'>;
  down: Counter<'result'>;
  downRejected: Counter<'reason'>;
}

/** What the uplink tells /api/health. */
export interface UplinkHealth {
  hubId: string;
  url: string;
  connected: boolean;
  queue: number;
  lastConnectedAt: string | null;
  lastSentAt: string | null;
  lastError: string | null;
  /** Why the uplink does not connect at all (`UplinkSettings.refused`: mqtt:// to another machine); absent otherwise. */
  refused?: string;
  /** Items queued under another HUB_ID, held and never sent as this one, by that id (session 75); absent if none. */
  heldForOtherHubIds?: Record<string, number>;
  /** The MQTT version of the connection: `5`, or `3.1.1` with a broker that refuses 5 (NATS's gateway). */
  mqttVersion: '5' | '3.1.1';
  /**
   * Publishes the centre refused since the start (an MQTT 5 PUBACK reason code of 0x80 or more, e.g. 0x87 Not
   * authorized by its ACL): each kept queued, never counted as sent (session 75).
   */
  publishesRefused: number;
  /**
   * What the centre refuses now, held back and kept queued until it takes it (absent when nothing is refused): the
   * kinds of items (`alert`, `features`; `all` when the centre refused this hub's own command topic under MQTT 3.1.1,
   * where a refused publish cannot be told from one taken), the last refusal, and when it is tried again.
   */
  refusing?: { kinds: string[]; topic: string; reason: string; at: string; retryAt: string | null };
}

/** Why alerts are not reaching the centre, as the console says it (`Uplink.centreLink`). */
export type CentreLinkProblem = 'settings-refused' | 'centre-refuses' | 'unreachable' | 'held';

/**
 * Whether this hub's alerts reach the alarm-receiving centre, for the responders' console (session 75): hub-wide, no
 * home named. `problems` in the order the console says them; `since` when the first of them (not `held`) began;
 * `alertsWaiting` (alerts with a version queued) and `held` (items queued under an earlier HUB_ID) are counts that move
 * with every home's alerts, for roles that see every home (/api/health leaves them out for a responder held to homes).
 */
export interface CentreLinkState {
  reaching: boolean;
  problems: CentreLinkProblem[];
  since?: string;
  alertsWaiting?: number;
  held?: number;
}

/** An alert version as the alert outbox hands it over (its MQTT message), with the alert's home. */
export interface AlertVersionMessage {
  alertId: string | null;
  version: number | null;
  payload: string;
  homeId?: string | undefined;
}

export function uplinkTopic(hubId: string, suffix: string): string {
  return `telecare-up/${hubId}/${suffix}`;
}

export class Uplink {
  readonly queue: UplinkQueue;
  private readonly log: Logger;
  private readonly metrics: UplinkMetrics;
  private client: MqttClient | undefined;
  private alerts: AlertServiceApi | undefined;
  /** The id of the last item handed to the MQTT client; the next sent is the first after it. */
  private cursor = 0;
  private readonly inflight = new Set<number>();
  /** Acknowledged items whose deletion is not stored yet: never sent again meanwhile. */
  private readonly acked = new Set<number>();
  private deleteSoon: NodeJS.Immediate | undefined;
  private pumpSoon: NodeJS.Immediate | undefined;
  /** A publish failed: once nothing is in flight, the queue is sent again from its head. */
  private rewind = false;
  private retryTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private features: UplinkFeatures | undefined;
  private stopped = false;
  private warnedAt = 0;
  /** Items held because they were queued under another HUB_ID, by that id (`claimQueue`). */
  private held: Record<string, number> = {};
  /** A trim's steps are under way (one per turn of the event loop). */
  private trimming = false;
  private startedAt = 0;
  private lastConnectedAt: number | null = null;
  /** Since when the link is down (the start, until the first connection; then each connection's loss); null while up. */
  private downSince: number | null = null;
  /** When the centre's current refusal episode began; null when it takes everything. */
  private refusingSince: number | null = null;
  private lastSentAt: number | null = null;
  /** Why the last connection attempt failed (a refusal reason or a network/TLS error); null once connected. */
  private lastError: string | null = null;
  /** The MQTT version in use: 5 first, 3.1.1 once the broker has refused 5 (session 75). */
  private protocolVersion: 4 | 5 = 5;
  /** Kinds of items the centre refused (`all`: its refusal of this hub's command topic under 3.1.1), held back. */
  private readonly refusedKinds = new Set<string>();
  /** The last refusal while some are held back, for health and the log (said once per episode). */
  private refusal: { topic: string; reason: string; at: number } | undefined;
  private refusedTimer: TimerHandle | undefined;
  private refusedRetryAt: number | null = null;
  /** Refusals in a row (the backoff's exponent); 0 once the centre takes what it refused. */
  private refusedRounds = 0;
  /** The kinds refused in this episode and not taken since: the episode is over (and said) once none is left. */
  private readonly refusedNotTaken = new Set<string>();
  private publishesRefused = 0;
  /** Under MQTT 3.1.1: the centre granted this hub's command topic on this connection (see `subscribeDown`). */
  private downGranted = false;

  constructor(private readonly deps: UplinkDeps) {
    this.log = deps.logger.child({ ns: 'uplink' });
    // Made (and migrated) before the alert service starts: it writes into this queue from its first change.
    this.queue = new UplinkQueue(deps.db);
    this.metrics = uplinkMetrics(deps.metrics, this);
    this.claimQueue();
  }

  /**
   * Items queued under another HUB_ID than this run's are held, kept as that hub's, and never sent as this one (the
   * centre would file one box's alert versions under another's name, and the old id's cards would never hear of
   * them); items held for this id come back. Said at every start while any are held, with what to do.
   */
  private claimQueue(): void {
    const hubId = this.hubId;
    try {
      const claimed = this.queue.claim(hubId);
      this.held = claimed.held;
      if (claimed.previousHubId !== undefined) {
        this.log.warn(
          { hubId, previousHubId: claimed.previousHubId, items: claimed.heldNow },
          `HUB_ID is now ${hubId}, was ${claimed.previousHubId}: the ${claimed.heldNow} items queued as ` +
            `${claimed.previousHubId} (alert versions, daily features) are kept as ${claimed.previousHubId}'s and ` +
            `not sent as ${hubId}; open alerts are told to the centre again as ${hubId}`,
        );
      }
      if (claimed.restored > 0) {
        this.log.info(
          { hubId, items: claimed.restored },
          `items queued earlier as ${hubId} are sent as ${hubId} again`,
        );
      }
      for (const [otherId, items] of Object.entries(claimed.held)) {
        this.log.warn(
          { hubId, heldFor: otherId, items },
          `${items} uplink items queued as ${otherId} are held, never sent as ${hubId}: to send them, run the hub ` +
            `once more with HUB_ID=${otherId} and its credential until its queue is empty`,
        );
      }
    } catch (err) {
      // A storage failure at start: the queue is sent as it is (as before session 75); the next start claims it.
      this.log.error({ err: String(err) }, 'could not check which HUB_ID the uplink queue was queued under');
    }
  }

  get hubId(): string {
    return this.deps.options.hubId;
  }

  /**
   * One alert version, queued inside the transaction that stores it (the alert outbox's hook): a kill at any point
   * leaves both or neither. Only an insert: sending happens later, off the alert path.
   */
  queueAlertVersion(message: AlertVersionMessage): void {
    if (message.alertId === null || message.version === null) return;
    const now = this.deps.clock.now();
    this.queue.addAlertVersion(
      {
        alertId: message.alertId,
        version: message.version,
        alertJson: message.payload,
        homeTimezone: this.zoneOf(message.homeId),
      },
      now,
    );
    this.pumpLater();
  }

  /** The home's time zone, sent with its alert versions; undefined when not known (never stops a version). */
  private zoneOf(homeId: string | undefined): string | undefined {
    return homeId === undefined ? undefined : this.deps.homeZone?.(homeId);
  }

  /**
   * One alert version told from memory while the hub's storage fails (a full card, a write lock held): it cannot be
   * queued, so it is published to the centre at once when the link is up (QoS 1, kept by the MQTT client across a
   * reconnect, not across a restart). Once stored it is queued through `queueAlertVersion` and sent again, with
   * another `queuedAt`: the centre compares the alert and takes it as the repeat it is. With the link down it waits,
   * held, for storage. Before session 73 the centre learned of it only once stored.
   */
  sendFromMemory(message: AlertVersionMessage): void {
    const client = this.client;
    if (message.alertId === null || message.version === null || this.stopped || !client?.connected) return;
    if (this.refusedKinds.has('all') || this.refusedKinds.has('alert')) return;
    if (this.protocolVersion === 4 && !this.downGranted) return;
    const item = alertVersionBody({
      alertId: message.alertId,
      version: message.version,
      alertJson: message.payload,
      homeTimezone: this.zoneOf(message.homeId),
    });
    const body =
      `{"hubId":${JSON.stringify(this.hubId)},"queuedAt":"${new Date(this.deps.clock.now()).toISOString()}",` +
      item.slice(1);
    client.publish(uplinkTopic(this.hubId, `alerts/${message.alertId}`), body, { qos: 1, retain: false }, (err) => {
      if (err) this.log.warn({ err: err.message, alertId: message.alertId }, 'could not tell the centre from memory');
      else this.lastSentAt = this.deps.clock.now();
    });
  }

  /** Send what was queued once the current work (the alert's own publication) is done. */
  private pumpLater(): void {
    this.pumpSoon ??= setImmediate(() => {
      this.pumpSoon = undefined;
      this.pump();
    });
  }

  /** Connect in the background (a centre out of reach never delays the hub's start) and start the heartbeat. */
  start(alerts: AlertServiceApi): void {
    this.alerts = alerts;
    this.startedAt = this.deps.clock.now();
    this.downSince = this.startedAt;
    const { options } = this.deps;
    // Open alerts are restated at start, as on the local broker: a centre that lost its copy gets it back (it
    // stores by hub, alert and version, so a copy it has changes nothing).
    try {
      for (const alert of alerts.list({ state: 'open' })) {
        this.queue.addAlertVersion(
          {
            alertId: alert.id,
            version: alert.version,
            alertJson: JSON.stringify(alert),
            homeTimezone: this.zoneOf(alert.homeId),
          },
          this.startedAt,
        );
      }
    } catch (err) {
      // A full disk at start must not stop the hub: the next change of each alert is queued as usual.
      this.log.warn({ err: String(err) }, 'could not restate open alerts to the centre');
    }
    if (options.refused) {
      // Never in clear to another machine: queued (bounded, as while the centre is out of reach), never sent. The
      // heartbeat's tick is what applies the limit: before session 73 a refused uplink returned before scheduling it,
      // and its queue grew by every alert version for as long as the hub ran.
      this.lastError = options.refused;
      this.log.error(options.refused);
      this.scheduleHeartbeat();
      return;
    }
    const userAdvice = uplinkUserAdvice(options);
    if (userAdvice !== undefined) this.log.warn({ hubId: options.hubId, user: options.username }, userAdvice);
    const statusTopic = uplinkTopic(options.hubId, 'status');
    const clientOptions: IClientOptions = {
      // Stable, and distinct from the hub's client id on its own broker (HUB_MQTT_URL), which may be the same broker.
      clientId: `telecare-uplink-${options.hubId}`,
      clean: false,
      // MQTT 5 first: a publish the centre refuses (its ACL) is answered with a reason code, where MQTT 3.1.1 has only
      // a PUBACK, so it would be deleted as sent (mosquitto 2.0.11 PUBACKs it). A broker that speaks only 3.1.1 (NATS's
      // MQTT gateway) refuses 5 at the CONNACK and the client goes on with 3.1.1 (see the error handler; session 75).
      protocolVersion: 5,
      // clean: false under 5 keeps the session only as long as this says; as long as 3.1.1's persistent session.
      properties: { sessionExpiryInterval: SESSION_EXPIRY_NEVER },
      keepalive: options.keepaliveS ?? 30,
      reconnectPeriod: options.reconnectMs ?? 5_000,
      connectTimeout: 10_000,
      // A wrong password or a refused id is retried too: the centre may fix its side while the hub queues.
      reconnectOnConnackError: true,
      will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      rejectUnauthorized: true,
    };
    const client = connect(options.url, clientOptions);
    this.client = client;
    client.on('connect', (connack) => {
      (client.stream as Socket).setNoDelay?.(true);
      this.metrics.connected.set(1);
      this.lastConnectedAt = this.deps.clock.now();
      this.downSince = null;
      this.lastError = null;
      this.log.info(
        {
          url: redactUplinkUrl(options.url),
          hubId: options.hubId,
          sessionPresent: connack.sessionPresent,
          mqtt: this.protocolVersion === 5 ? '5' : '3.1.1',
        },
        'uplink connected',
      );
      this.downGranted = false;
      // What the centre refused is tried again at once on a new connection (the centre may have been restarted with
      // its ACL corrected); refused again, it waits the next, longer backoff.
      if (this.refusedKinds.size > 0) this.retryRefused();
      this.subscribeDown(client);
      client.publish(statusTopic, 'online', { qos: 1, retain: true });
      // Items mqtt.js still holds from the last connection are sent again by it; the rest from the queue's head.
      if (this.inflight.size === 0) this.cursor = 0;
      this.pump();
    });
    client.on('close', () => {
      this.metrics.connected.set(0);
      this.downSince ??= this.deps.clock.now();
    });
    client.on('offline', () => this.log.warn({ queue: this.depth() }, 'uplink unreachable; queueing'));
    client.on('error', (err: Error & { code?: number | string }) => {
      if (this.protocolVersion === 5 && (err.code === 1 || err.code === 0x84)) {
        // The broker speaks MQTT 3.1.1 only (NATS's gateway answers a CONNECT of 5 with 3.1.1's return code 1): go on
        // with 3.1.1, at once; its refusals are then seen only through the command topic's SUBACK (`subscribeDown`).
        this.protocolVersion = 4;
        client.options.protocolVersion = 4;
        delete client.options.properties;
        const period = client.options.reconnectPeriod;
        client.options.reconnectPeriod = 1;
        client.once('reconnect', () => {
          client.options.reconnectPeriod = period;
        });
        this.log.info(
          { url: redactUplinkUrl(options.url) },
          "the centre's broker does not speak MQTT 5: the uplink uses MQTT 3.1.1, whose PUBACK cannot say a publish " +
            'was refused',
        );
        return;
      }
      const reason = refusalReason(err);
      if (reason !== undefined) this.metrics.refused.inc({ reason });
      // Once per outage and cause, not once per attempt; a TLS failure (a wrong HUB_UPLINK_CA) shows here too.
      const cause = reason ?? err.message;
      if (this.lastError !== cause) {
        // The cause only: neither the user's password nor the URL's secrets are logged.
        this.log.error(
          { cause, url: redactUplinkUrl(options.url) },
          reason ? 'uplink connection refused by the centre' : 'uplink connection failed',
        );
      }
      this.lastError = cause;
    });
    client.on('message', (topic: string, payload: Buffer) => this.applyCommand(topic, payload));
    this.scheduleHeartbeat();
    this.startFeatures();
  }

  private startFeatures(): void {
    const { councilKey, featuresFirstRunMs, featuresEveryMs } = this.deps.options;
    const source = this.deps.features;
    if (councilKey === undefined || source === undefined) {
      this.log.info('HUB_COUNCIL_KEY not set: daily features are not sent to the centre');
      return;
    }
    this.features = new UplinkFeatures({
      queue: this.queue,
      councilKey,
      worker: source.worker,
      homes: () => source.homes(),
      awayDates: (homeId, fromDate, toDate) => awayDatesBetween(this.deps.db, homeId, fromDate, toDate),
      clock: this.deps.clock,
      logger: this.log,
      queued: () => this.pumpLater(),
      ...(featuresFirstRunMs !== undefined ? { firstRunAfterMs: featuresFirstRunMs } : {}),
      ...(featuresEveryMs !== undefined ? { everyMs: featuresEveryMs } : {}),
    });
    this.features.start();
  }

  /** Graceful stop: wait briefly for acknowledgements, say offline, disconnect. What is queued stays queued. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeatTimer) this.deps.clock.clearTimer(this.heartbeatTimer);
    this.features?.stop();
    if (this.retryTimer) this.deps.clock.clearTimer(this.retryTimer);
    if (this.refusedTimer) this.deps.clock.clearTimer(this.refusedTimer);
    if (this.pumpSoon) clearImmediate(this.pumpSoon);
    const client = this.client;
    if (!client) return;
    let saidOffline = false;
    if (client.connected) {
      await waitUntil(() => this.inflight.size === 0, STOP_WAIT_MS);
      saidOffline = await Promise.race([
        client.publishAsync(uplinkTopic(this.hubId, 'status'), 'offline', { qos: 1, retain: true }).then(() => true),
        sleep(STOP_WAIT_MS).then(() => false),
      ]).catch((err: unknown) => {
        this.log.warn({ err: String(err) }, 'could not publish offline status');
        return false;
      });
    }
    if (saidOffline) {
      // An MQTT DISCONNECT: the broker discards the last will, so the centre hears `offline` once. Before session 75
      // the connection was cut without one and the broker published the will as well: `offline` twice. A link that
      // does not let the DISCONNECT through in time is cut (the will then says it, as for a hub killed).
      const ended = await Promise.race([
        client.endAsync(false).then(() => true),
        sleep(STOP_WAIT_MS).then(() => false),
      ]).catch(() => false);
      if (!ended) client.stream.destroy();
    } else {
      // Not connected, or `offline` not acknowledged: the will tells the centre.
      await client.endAsync(true);
    }
    this.storeDeletions();
    this.metrics.connected.set(0);
    this.client = undefined;
  }

  describe(): UplinkHealth {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    return {
      hubId: this.hubId,
      url: redactUplinkUrl(this.deps.options.url),
      connected: this.client?.connected ?? false,
      queue: this.depth(),
      lastConnectedAt: iso(this.lastConnectedAt),
      lastSentAt: iso(this.lastSentAt),
      lastError: this.lastError,
      ...(this.deps.options.refused ? { refused: this.deps.options.refused } : {}),
      ...(Object.keys(this.held).length > 0 ? { heldForOtherHubIds: this.held } : {}),
      mqttVersion: this.protocolVersion === 5 ? '5' : '3.1.1',
      publishesRefused: this.publishesRefused,
      ...(this.refusal && this.refusedNotTaken.size > 0
        ? {
            refusing: {
              kinds: [...this.refusedNotTaken],
              topic: this.refusal.topic,
              reason: this.refusal.reason,
              at: new Date(this.refusal.at).toISOString(),
              retryAt: iso(this.refusedRetryAt),
            },
          }
        : {}),
    };
  }

  /**
   * Whether alerts reach the centre, and if not why, since when and how many wait (the console's banner, session 75).
   * Not reaching: the uplink refused by its own settings (mqtt:// to another machine), the centre refusing what it is
   * sent, the centre out of reach for CENTRE_UNREACHABLE_SAID_AFTER_MS or more with something queued (a blip is not
   * said), or items held for an earlier HUB_ID. The queue is counted only then.
   */
  centreLink(): CentreLinkState {
    const now = this.deps.clock.now();
    const problems: CentreLinkProblem[] = [];
    let since: number | null = null;
    if (this.deps.options.refused) {
      problems.push('settings-refused');
      since = this.startedAt;
    } else if (this.refusedNotTaken.has('alert') || this.refusedNotTaken.has('all')) {
      // The daily features alone refused: alerts still go (health's `refusing` says the rest).
      problems.push('centre-refuses');
      since = this.refusingSince ?? this.refusal?.at ?? null;
    } else if (
      this.downSince !== null &&
      !(this.client?.connected ?? false) &&
      now - this.downSince >= CENTRE_UNREACHABLE_SAID_AFTER_MS &&
      this.depth() > 0
    ) {
      problems.push('unreachable');
      since = this.downSince;
    }
    const held = Object.values(this.held).reduce((sum, n) => sum + n, 0);
    if (held > 0) problems.push('held');
    if (problems.length === 0) return { reaching: true, problems };
    let alertsWaiting = 0;
    try {
      alertsWaiting = this.queue.alertsWaiting();
    } catch {
      // The database cannot be read: health must answer (the storage banner says why).
    }
    return {
      reaching: false,
      problems,
      ...(since !== null ? { since: new Date(since).toISOString() } : {}),
      alertsWaiting,
      ...(held > 0 ? { held } : {}),
    };
  }

  /** The centre refuses some of what this hub sends (kept queued): /api/health says `degraded`. */
  refusing(): boolean {
    return this.refusedNotTaken.size > 0;
  }

  /** Items waiting (0 when the database cannot be read: health must answer). */
  depth(): number {
    try {
      return this.deps.db.open ? this.queue.size() : 0;
    } catch {
      return 0;
    }
  }

  /** Hand the next items to the MQTT client, keeping at most SEND_WINDOW unacknowledged. */
  private pump(): void {
    const client = this.client;
    if (this.stopped || !client?.connected || this.retryTimer || !this.deps.db.open) return;
    // Under 3.1.1 nothing goes before the centre has granted this hub's command topic: a centre that refuses it (the
    // credential is not this HUB_ID's) would PUBACK every publish it refuses too, and the hub delete them as sent.
    if (this.refusedKinds.has('all') || (this.protocolVersion === 4 && !this.downGranted)) return;
    if (this.rewind) {
      if (this.inflight.size > 0) return;
      this.rewind = false;
      this.cursor = 0;
    }
    try {
      while (this.inflight.size < SEND_WINDOW) {
        const items = this.queue.after(this.cursor, SEND_WINDOW - this.inflight.size);
        if (items.length === 0) break;
        for (const item of items) {
          this.cursor = item.id;
          // A kind the centre refused waits, kept, for its retry (which starts again from the head); the rest go on.
          if (this.refusedKinds.has(item.kind)) continue;
          if (!this.acked.has(item.id) && !this.inflight.has(item.id)) this.send(client, item);
        }
      }
    } catch (err) {
      this.log.error({ err }, 'could not read the uplink queue');
    }
  }

  private send(client: MqttClient, item: QueuedItem): void {
    this.inflight.add(item.id);
    const payload = `{"hubId":${JSON.stringify(this.hubId)},"queuedAt":"${new Date(item.created_at).toISOString()}",${item.body.slice(1)}`;
    const topic = uplinkTopic(this.hubId, item.topic);
    client.publish(topic, payload, { qos: 1, retain: false }, (err) => {
      this.inflight.delete(item.id);
      const code: unknown = (err as { code?: unknown } | undefined)?.code;
      if (typeof code === 'number' && code >= 0x80) {
        // The centre answered, and refused it (MQTT 5 PUBACK reason code; 0x87 Not authorized by its ACL): kept in the
        // queue, never counted as sent. Before session 75 (MQTT 3.1.1) mosquitto PUBACKed it and the hub deleted it.
        this.refused(item.kind, topic, code);
        this.pump();
        return;
      }
      if (err) {
        // Kept in the queue; sent again (in order, from the head) once nothing else is in flight.
        this.rewind = true;
        if (!this.stopped) {
          this.log.warn({ err: err.message, itemId: item.id }, 'uplink publish failed; will send again');
          if (client.connected && !this.retryTimer) {
            this.metrics.refused.inc({ reason: 'publish' });
            this.retryTimer = this.deps.clock.setTimer(this.deps.clock.now() + RETRY_AFTER_ERROR_MS, () => {
              this.retryTimer = undefined;
              this.pump();
            });
          }
        }
        return;
      }
      this.metrics.sent.inc({ kind: item.kind });
      this.lastSentAt = this.deps.clock.now();
      if (this.refusedNotTaken.has(item.kind)) this.refusalOver(item.kind);
      this.acked.add(item.id);
      this.deleteSoon ??= setImmediate(() => {
        this.deleteSoon = undefined;
        this.storeDeletions();
      });
      this.pump();
    });
  }

  /**
   * The centre refused a publish of `kind` (`all`: this hub's command topic under 3.1.1): that kind is held back, kept
   * queued, and tried again after a backoff; counted; said once in the log until the centre takes it again.
   */
  private refused(kind: string, topic: string, code: number): void {
    const reason = `${REFUSAL_NAMES[code] ?? 'refused'} (0x${code.toString(16)})`;
    if (kind !== 'all') {
      this.publishesRefused += 1;
      this.metrics.publishRefused.inc({ kind, reason: REFUSAL_NAMES[code] ?? `0x${code.toString(16)}` });
    }
    const firstOfEpisode = this.refusedNotTaken.size === 0;
    if (firstOfEpisode) this.refusingSince = this.deps.clock.now();
    this.refusedKinds.add(kind);
    this.refusedNotTaken.add(kind);
    this.refusal = { topic, reason, at: this.deps.clock.now() };
    this.lastError =
      kind === 'all'
        ? `the centre refuses ${topic} to this credential (${reason}): nothing is sent, everything kept queued`
        : `the centre refused ${topic} (${reason}): kept queued, not sent`;
    if (this.refusedTimer) return;
    const waitMs = Math.min(REFUSED_RETRY_FIRST_MS * 2 ** this.refusedRounds, REFUSED_RETRY_MAX_MS);
    this.refusedRounds += 1;
    if (firstOfEpisode) {
      this.log.error(
        { topic, reason, kind, queue: this.depth(), retryInS: waitMs / 1000 },
        kind === 'all'
          ? `the centre refuses this hub's command topic ${topic} to HUB_UPLINK_USER: under MQTT 3.1.1 it would also ` +
              'acknowledge the publishes it refuses, so nothing is sent and everything stays queued until it grants ' +
              "it; check HUB_ID and HUB_UPLINK_USER against the centre's settings"
          : `the centre refused a publish on ${topic}: kept queued, not counted as sent; its kind is held back and ` +
              "tried again, less and less often; check HUB_ID and HUB_UPLINK_USER against the centre's ACL",
      );
    }
    this.refusedRetryAt = this.deps.clock.now() + waitMs;
    this.refusedTimer = this.deps.clock.setTimer(this.refusedRetryAt, () => {
      this.refusedTimer = undefined;
      const all = this.refusedKinds.has('all');
      this.retryRefused();
      const client = this.client;
      if (all && client?.connected) this.subscribeDown(client);
      else this.pump();
    });
  }

  /** What the centre refused is no longer held back: sent again from the queue's head, in order. */
  private retryRefused(): void {
    if (this.refusedTimer) this.deps.clock.clearTimer(this.refusedTimer);
    this.refusedTimer = undefined;
    this.refusedRetryAt = null;
    this.refusedKinds.clear();
    // Held items are sent again from the head, in queue order, once nothing is in flight.
    this.rewind = true;
  }

  /** The centre takes again a kind it refused; once it takes all of them, said once, the backoff starts afresh. */
  private refusalOver(kind: string): void {
    this.refusedNotTaken.delete(kind);
    if (this.refusedNotTaken.size > 0) return;
    this.log.info(
      { publishesRefused: this.publishesRefused, queue: this.depth() },
      'the centre takes what this hub sends again; items held back meanwhile are being sent',
    );
    this.refusedRounds = 0;
    this.refusal = undefined;
    this.refusingSince = null;
    if (this.lastError?.startsWith('the centre refuse')) this.lastError = null;
  }

  /**
   * Subscribe to this hub's commands. Under MQTT 3.1.1 the centre's SUBACK is also the only refusal the hub can see:
   * NATS's gateway (2.9.10, checked) PUBACKs a publish outside the credential's permissions, but answers 0x80 to a
   * subscription outside them; a credential refused `telecare-down/<hubId>/#` is not this hub id's, and nothing is
   * sent until it is granted (session 75).
   */
  private subscribeDown(client: MqttClient): void {
    const filter = downFilter(this.hubId);
    client.subscribe(filter, { qos: 1 }, (err, granted) => {
      if (client !== this.client || this.stopped) return;
      const refused = granted?.some((g) => g.qos >= 0x80) ?? false;
      if (err || refused) {
        if (this.protocolVersion === 4 && client.connected) {
          this.refused('all', filter, 0x80);
          return;
        }
        this.log.error({ err: err?.message ?? 'refused' }, 'could not subscribe to the centre commands');
        return;
      }
      if (this.protocolVersion === 4) {
        this.downGranted = true;
        if (this.refusedKinds.has('all')) this.retryRefused();
        if (this.refusedNotTaken.has('all')) this.refusalOver('all');
        this.pump();
      }
    });
  }

  /** Delete acknowledged items, many per transaction; on a storage failure they stay marked and are tried again. */
  private storeDeletions(): void {
    if (this.acked.size === 0 || !this.deps.db.open) return;
    const ids = [...this.acked];
    try {
      this.queue.remove(ids);
      for (const id of ids) this.acked.delete(id);
    } catch (err) {
      this.log.warn({ err: String(err), items: ids.length }, 'could not delete sent uplink items; retried later');
    }
  }

  private scheduleHeartbeat(): void {
    if (this.stopped) return;
    const periodMs = this.deps.options.heartbeatMs ?? UPLINK_HEARTBEAT_MS;
    this.heartbeatTimer = this.deps.clock.setTimer(this.deps.clock.now() + periodMs, () => {
      this.heartbeatTimer = undefined;
      this.heartbeat();
      this.scheduleHeartbeat();
    });
  }

  /** Live only: never queued (a heartbeat delivered late would say the hub was fine when it was not). */
  private heartbeat(): void {
    const now = this.deps.clock.now();
    const depth = this.depth();
    this.checkDepth(depth);
    const client = this.client;
    if (!client?.connected) return;
    let openAlerts: number | null;
    try {
      openAlerts = this.alerts?.list({ state: 'open' }).length ?? null;
    } catch {
      openAlerts = null;
    }
    const body = {
      hubId: this.hubId,
      at: new Date(now).toISOString(),
      uptimeS: Math.round((now - this.startedAt) / 1000),
      queue: depth,
      openAlerts,
    };
    client.publish(uplinkTopic(this.hubId, 'heartbeat'), JSON.stringify(body), { qos: 1, retain: false });
  }

  /** Warn as the queue grows past each tenfold of QUEUE_WARN_AT; over the limit, drop superseded items. */
  private checkDepth(depth: number): void {
    const { maxQueue } = this.deps.options;
    if (depth > maxQueue && !this.trimming) this.trim(depth, maxQueue);
    if (depth < this.warnedAt / 2) this.warnedAt = 0;
    const threshold = this.warnedAt === 0 ? QUEUE_WARN_AT : this.warnedAt * 10;
    if (depth >= threshold) {
      this.warnedAt = threshold;
      this.log.warn({ queue: depth, maxQueue }, 'uplink queue growing: the centre has not acknowledged these items');
    }
  }

  /**
   * Bring the queue back to `maxQueue` in bounded steps (`UplinkQueue.trimStep`), one per turn of the event loop:
   * alerts and sensor events go between two steps. Before session 75 one statement looked through the whole queue
   * (101-173 ms at 100,000 different alerts) and dropped all it could at once.
   */
  private trim(depth: number, maxQueue: number): void {
    this.trimming = true;
    const dropped = { features: 0, alert: 0 };
    let first = true;
    const step = (): void => {
      let more = false;
      try {
        if (!this.stopped && this.deps.db.open) {
          // The heartbeat has just counted the queue for the first step; the next ones count it again.
          const trimmed = first ? this.queue.trimStep(maxQueue, TRIM_STEP_ROWS, depth) : this.queue.trimStep(maxQueue);
          first = false;
          this.metrics.dropped.inc({ kind: 'features' }, trimmed.features);
          this.metrics.dropped.inc({ kind: 'alert' }, trimmed.alert);
          dropped.features += trimmed.features;
          dropped.alert += trimmed.alert;
          more = trimmed.more;
        }
      } catch (err) {
        this.log.error({ err }, 'could not trim the uplink queue');
      }
      if (more) {
        setImmediate(step);
        return;
      }
      this.trimming = false;
      this.log.warn(
        { queue: depth, maxQueue, droppedFeatures: dropped.features, droppedAlertVersions: dropped.alert },
        'uplink queue over its limit: oldest daily features and superseded alert versions dropped',
      );
    };
    step();
  }

  /** A command from the centre, applied through the alert service; answered on telecare-up/.../ack/result. */
  private applyCommand(topic: string, payload: Buffer): void {
    try {
      const parsed = parseDownMessage(this.hubId, topic, payload);
      if (!parsed.ok) {
        this.rejectCommand(parsed.reason, topic, parsed.message);
        if (parsed.answerTo) {
          const { alertId, commandId } = parsed.answerTo;
          this.answerCommand(alertId, { commandId, ok: false, code: 'bad-command', message: parsed.message });
        }
        return;
      }
      const alerts = this.alerts;
      if (!alerts) return;
      const { alertId, command } = parsed;
      const by = centreActor(command);
      const result =
        command.action === 'acknowledge'
          ? alerts.acknowledge(alertId, by)
          : alerts.resolve(alertId, command.outcome, command.note, by, command.version ?? undefined);
      let answer: Record<string, unknown>;
      if (result.ok) {
        this.metrics.down.inc({ result: 'applied' });
        answer = { ok: true, state: result.alert.state, version: result.alert.version };
      } else {
        // The same command again (a centre retrying) finds the alert already where it asked: done, nothing changed.
        // A resolution with another outcome (a warden closed the call at the hub meanwhile) is not the same command:
        // before session 60 it was answered done too, and the centre's outcome and note were recorded nowhere.
        const current = result.code === 'wrong-state' ? alerts.get(alertId) : undefined;
        const already =
          current !== undefined &&
          (command.action === 'acknowledge'
            ? current.state !== 'raised'
            : current.state === 'resolved' && current.outcome === command.outcome);
        this.metrics.down.inc({ result: already ? 'already-done' : result.code });
        const otherwise =
          command.action === 'resolve' && current?.state === 'resolved' ? this.resolvedOtherwise(current) : undefined;
        answer = already
          ? { ok: true, alreadyDone: true, state: current.state, version: current.version }
          : { ok: false, code: result.code, message: otherwise ?? result.message };
      }
      this.answerCommand(alertId, { action: command.action, commandId: command.commandId, ...answer });
    } catch (err) {
      // Never a crash on the centre's input: counted and logged.
      this.rejectCommand('bad-command', topic, String(err));
    }
  }

  /** How the hub resolved an alert, for a centre whose resolution came after: who (from the audit) and the outcome. */
  private resolvedOtherwise(current: Alert): string {
    const audit = queryAlertAudit(this.deps.db, { alertId: current.id, actions: ['resolve'] });
    const actor = audit.at(-1)?.actor;
    return (
      `already resolved at the hub${actor ? ` by ${actor}` : ''} as ${current.outcome ?? 'unknown'}: ` +
      'this resolution was not recorded'
    );
  }

  /** A command's answer to the centre, on telecare-up/<hub>/alerts/<id>/ack/result. */
  private answerCommand(alertId: string, answer: Record<string, unknown>): void {
    this.client?.publish(
      uplinkTopic(this.hubId, `alerts/${alertId}/ack/result`),
      JSON.stringify({ hubId: this.hubId, alertId, ...answer }),
      { qos: 1, retain: false },
    );
  }

  private rejectCommand(reason: DownRejection, topic: string, message: string): void {
    this.metrics.downRejected.inc({ reason });
    this.log.warn({ reason, topic: topic.slice(0, 200), message }, 'centre command dropped');
  }
}

/** The reason a connection was refused (CONNACK return code of MQTT 3.1.1 or reason code of 5), or undefined. */
function refusalReason(err: { code?: number | string }): string | undefined {
  switch (err.code) {
    case 1:
    case 0x84:
      return 'protocol-version';
    case 2:
    case 0x85:
      return 'client-id-rejected';
    case 3:
    case 0x88:
    case 0x89:
      return 'server-unavailable';
    case 4:
    case 0x86:
      return 'bad-credentials';
    case 5:
    case 0x87:
    case 0x8a:
      return 'not-authorised';
    default:
      return typeof err.code === 'number' && err.code >= 0x80 ? `refused-0x${err.code.toString(16)}` : undefined;
  }
}

/** Names of the MQTT 5 reason codes a centre's broker may refuse a publish with (the metric's `reason` label). */
const REFUSAL_NAMES: Record<number, string> = {
  0x80: 'unspecified',
  0x83: 'implementation-specific',
  0x87: 'not-authorized',
  0x90: 'topic-name-invalid',
  0x91: 'packet-id-in-use',
  0x95: 'packet-too-large',
  0x97: 'quota-exceeded',
  0x99: 'payload-format-invalid',
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!done() && performance.now() < until) await sleep(20);
}

/** The uplink whose queue a registry's gauge reads (a hub restarted on the same registry in tests makes a new one). */
const queueSources = new WeakMap<Registry, Uplink>();

function uplinkMetrics(registry: Registry, uplink: Uplink): UplinkMetrics {
  queueSources.set(registry, uplink);
  // Reused when a hub restarts on the same registry (tests): each name is only ever registered as this series.
  const existing = (name: string): unknown => registry.getSingleMetric(name);
  return {
    queue:
      (existing('telecare_uplink_queue') as Gauge | undefined) ??
      new Gauge({
        name: 'telecare_uplink_queue',
        help: 'Items (alert versions, daily features) queued for the alarm receiving centre, not yet acknowledged',
        registers: [registry],
        collect() {
          this.set(queueSources.get(registry)?.depth() ?? 0);
        },
      }),
    connected:
      (existing('telecare_uplink_connected') as Gauge | undefined) ??
      new Gauge({
        name: 'telecare_uplink_connected',
        help: '1 while the uplink to the centre is connected',
        registers: [registry],
      }),
    sent:
      (existing('telecare_uplink_sent_total') as Counter<'kind'> | undefined) ??
      new Counter({
        name: 'telecare_uplink_sent_total',
        help: 'Items the centre broker acknowledged',
        labelNames: ['kind'],
        registers: [registry],
      }),
    refused:
      (existing('telecare_uplink_refused_total') as Counter<'reason'> | undefined) ??
      new Counter({
        name: 'telecare_uplink_refused_total',
        help: 'Connections the centre refused (by reason) and publishes that failed',
        labelNames: ['reason'],
        registers: [registry],
      }),
    publishRefused:
      (existing('telecare_uplink_publish_refused_total') as Counter<'kind' | 'reason'> | undefined) ??
      new Counter({
        name: 'telecare_uplink_publish_refused_total',
        help: 'Publishes the centre refused (MQTT 5 reason code >= 0x80): kept queued, never counted as sent',
        labelNames: ['kind', 'reason'],
        registers: [registry],
      }),
    dropped:
      (existing('telecare_uplink_dropped_total') as Counter<'kind'> | undefined) ??
      new Counter({
        name: 'telecare_uplink_dropped_total',
        help: 'Queued items dropped because the queue was over its limit',
        labelNames: ['kind'],
        registers: [registry],
      }),
    down:
      (existing('telecare_uplink_commands_total') as Counter<'result'> | undefined) ??
      new Counter({
        name: 'telecare_uplink_commands_total',
        help: 'Centre commands carried out or refused by the alert service',
        labelNames: ['result'],
        registers: [registry],
      }),
    downRejected:
      (existing('telecare_uplink_down_rejected_total') as Counter<'reason'> | undefined) ??
      new Counter({
        name: 'telecare_uplink_down_rejected_total',
        help: 'Messages from the centre dropped as invalid',
        labelNames: ['reason'],
        registers: [registry],
      }),
  };
}
