// The delivery outbox: notifications recorded with the alert change, then delivered at least once, retried with backoff.
import { randomInt } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Publisher } from '../publisher.js';
import type { StorageHealth } from '../storage-health.js';
import type { HubConfig } from '../config-types.js';
import type { AlertMetrics } from './metrics.js';
import { postWebhook } from './webhook.js';

export interface OutboxRow {
  id: number;
  channel: 'mqtt' | 'webhook';
  alert_id: string | null;
  version: number | null;
  responder_id: string | null;
  topic: string | null;
  payload: string;
  retain: number;
  clear_retained: number;
  attempts: number;
  next_attempt_at: number;
}

export interface NewOutboxRow {
  channel: 'mqtt' | 'webhook';
  alertId: string | null;
  version: number | null;
  responderId?: string;
  topic?: string;
  payload: string;
  /** The alert's home (an alert's MQTT message): the uplink sends the home's time zone with it (session 75). */
  homeId?: string;
  retain?: boolean;
  /** After the payload, publish an empty retained message on the same topic (an alert that closed). */
  clearRetained?: boolean;
}

export interface OutboxOptions {
  webhookTimeoutMs: number;
  retryBaseMs: number;
  mqttRetryCapMs: number;
  webhookRetryCapMs: number;
  /**
   * A number in [0, 1) that spreads webhook retries (many hubs retrying one alarm centre after its outage must not
   * all come back in the same second): each retry waits between half and all of its exponential delay.
   */
  random(): number;
  /**
   * How long the marks of deliveries made stay in memory to be stored together (one transaction per window, not one
   * per delivery). A crash inside it only means those deliveries are made again (at least once).
   */
  deliveryMarksWindowMs: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  webhookTimeoutMs: 5000,
  retryBaseMs: 1000,
  mqttRetryCapMs: 30_000,
  webhookRetryCapMs: 300_000,
  random: Math.random,
  deliveryMarksWindowMs: 25,
};

/**
 * The next delivery id of a webhook posted from memory (storage failing: it has no row, so no row id). Each is new, and
 * none is a stored delivery's (rows count from 1; these from 2^48 on, from a random point so that the next process's do
 * not repeat this one's): a receiver drops a delivery id it saw in the last 5 minutes as a replay (docs/alerts.md), and
 * the one id 0 they all had before made it drop every delivery from memory after the first (review, session 58).
 */
let nextMemoryDeliveryId = 2 ** 48 + randomInt(2 ** 47);

/** Marks held this many are stored at once, whatever the window: a drain after an outage delivers hundreds. */
const MARKS_AT_ONCE = 256;

/**
 * A drain puts at most this many rows in flight (a new alert version's own delivery, on the press's path, is never
 * held by it). Rows in flight or delivered but not yet marked are still `pending`: the drain reads past them (review,
 * session 65: it read the same 200 and found nothing to send while the next look found row 201 due, and the two ran in
 * turn on the loop until the marks' window ended).
 */
const DRAIN_AT_ONCE = 200;

class AbandonDelivery extends Error {}

interface Deps {
  db: Database;
  publisher: Publisher;
  config: HubConfig;
  clock: Clock;
  logger: Logger;
  metrics: AlertMetrics;
  options: OutboxOptions;
  /** Called inside the transaction that marks a row delivered or abandoned; `atMs` (default now) is when it happened. */
  audit(
    alertId: string,
    version: number,
    action: 'delivered' | 'delivery-abandoned',
    detail: object,
    atMs?: number,
  ): void;
  /** Where bookkeeping failures are counted; the outbox then pauses instead of failing. */
  storage: StorageHealth;
  /** Each alert version's MQTT message as it is recorded, in the same transaction (the uplink's queue). */
  onAlertVersion?: ((message: NewOutboxRow) => void) | undefined;
}

/**
 * How long to wait before retry `attempts` + 1: exponential from `retryBaseMs`, capped; for a webhook, "equal
 * jitter" (half the delay fixed, half random) so that hubs retrying one receiver spread out. MQTT goes to the hub's
 * own broker: no jitter needed.
 */
export function retryDelayMs(
  channel: 'mqtt' | 'webhook',
  attempts: number,
  options: Pick<OutboxOptions, 'retryBaseMs' | 'random'>,
  capMs: number,
): number {
  const exponentialMs = Math.min(capMs, options.retryBaseMs * 2 ** (attempts - 1));
  if (channel === 'mqtt') return exponentialMs;
  const share = Math.min(Math.max(options.random(), 0), 1);
  return Math.round(exponentialMs / 2 + (exponentialMs / 2) * share);
}

/** Deliveries to one webhook receiver of one alert go one version at a time, in order. */
function webhookKey(alertId: string | null, responderId: string | null | undefined): string {
  return `${alertId}\u0000${responderId}`;
}

export class Outbox {
  private readonly inflight = new Map<number, Promise<void>>();
  /** Webhook deliveries in flight per alert and receiver (webhookKey). */
  private readonly inflightWebhooks = new Set<string>();
  /**
   * The MQTT topics with a message of no alert (a pre-alert, a restatement) in flight. The next such message on the
   * topic waits, pending, until that one's publish ends, so that a newer one still takes its place (`replacePending`):
   * with an external broker away, a publish waits in the MQTT client for the reconnection, and each pre-alert change
   * made a row (and a message queued in the client) of its own for as long as the outage lasted (review, session 67).
   */
  private readonly inflightTopics = new Set<string>();
  /** Delivered rows whose mark is not stored yet (its window, or storage failing): never sent again meanwhile. */
  private readonly unmarked = new Map<number, { row: OutboxRow; deliveredAtMs: number }>();
  /** While storage fails, background work waits until then instead of spinning. */
  private pausedUntil = 0;
  private timer: TimerHandle | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** The look for the next row after deliveries ended, once for all that end in one turn (see deliver). */
  private afterAttempts: NodeJS.Immediate | undefined;
  private stopped = false;
  /**
   * MQTT rows wait while this is set (`holdMqtt`, until `retryMqttNow`/`releaseMqtt`): at start the broker is not up
   * yet, and a row found pending (a crash between a delivery and its mark) would fail and wait for its retry.
   */
  private mqttHeld = false;
  /** Stores the marks of the deliveries in `unmarked` at the end of their window. */
  private marksTimer: TimerHandle | undefined;
  /** The window ended: the marks are stored from this immediate (see markDelivered). */
  private marksImmediate: NodeJS.Immediate | undefined;
  /**
   * Whether the table may hold a pending row this object does not know of (a failed attempt waiting for its retry,
   * rows found at start, made due again): then `schedule` must look. False once a look found no pending row at all.
   */
  private mayHaveWaiting = true;
  /** Rows recorded since then and not yet marked delivered (or finished): `schedule` looks while any is left. */
  private readonly recordedSinceIdle = new Set<number>();
  /**
   * The newest row this object recorded on each MQTT topic, when it was a message of no alert (a pre-alert or a
   * restatement): while it is still pending and not on its way, the next such message on the topic takes its place
   * (enqueue). Any other message on the topic (an alert version) takes the entry away.
   */
  private readonly newestWithoutAlert = new Map<string, number>();
  private readonly sql: {
    insert: Statement;
    replace: Statement;
    due: Statement;
    nextDue: Statement;
    dueWebhooks: Statement;
    nextDueWebhooks: Statement;
    newerMqtt: Statement;
    pendingMqttFor: Statement;
    delivered: Statement;
    failed: Statement;
    finish: Statement;
    supersedeWebhooks: Statement;
    newerWebhook: Statement;
    olderWebhook: Statement;
    retryMqttNow: Statement;
  };

  constructor(private readonly d: Deps) {
    const db = d.db;
    this.sql = {
      insert: db
        .prepare(
          `INSERT INTO alert_outbox
        (channel, alert_id, version, responder_id, topic, payload, retain, clear_retained, created_at, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING RETURNING id`,
        )
        .pluck(),
      replace: db
        .prepare(
          `UPDATE alert_outbox SET payload = ?, retain = ?, clear_retained = ?, created_at = ?, next_attempt_at = ?,
        last_error = NULL WHERE id = ? AND status = 'pending' RETURNING attempts`,
        )
        .pluck(),
      due: db.prepare(
        "SELECT * FROM alert_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
      ),
      nextDue: db.prepare(`SELECT id, next_attempt_at, channel, alert_id, responder_id, topic FROM alert_outbox
        WHERE status = 'pending' ORDER BY next_attempt_at, id LIMIT ?`),
      // The same two while MQTT rows are held: webhooks only (held MQTT rows must neither hide them nor spin a drain).
      dueWebhooks: db.prepare(
        "SELECT * FROM alert_outbox WHERE status = 'pending' AND channel = 'webhook' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
      ),
      nextDueWebhooks: db.prepare(`SELECT id, next_attempt_at, channel, alert_id, responder_id, topic FROM alert_outbox
        WHERE status = 'pending' AND channel = 'webhook' ORDER BY next_attempt_at, id LIMIT ?`),
      newerMqtt: db.prepare(
        "SELECT 1 FROM alert_outbox WHERE channel = 'mqtt' AND topic = ? AND id > ? AND status IN ('pending', 'delivered') LIMIT 1",
      ),
      pendingMqttFor: db.prepare(
        "SELECT 1 FROM alert_outbox WHERE channel = 'mqtt' AND alert_id = ? AND status = 'pending' LIMIT 1",
      ),
      delivered: db.prepare(
        "UPDATE alert_outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
      ),
      failed: db.prepare(
        'UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
      ),
      finish: db.prepare('UPDATE alert_outbox SET status = ?, delivered_at = ?, last_error = ? WHERE id = ?'),
      supersedeWebhooks: db.prepare(`UPDATE alert_outbox SET status = 'superseded', delivered_at = ?
        WHERE channel = 'webhook' AND alert_id = ? AND responder_id = ? AND status = 'pending' AND id < ?`),
      newerWebhook:
        db.prepare(`SELECT 1 FROM alert_outbox WHERE channel = 'webhook' AND alert_id = ? AND responder_id = ?
        AND status = 'pending' AND id > ? LIMIT 1`),
      olderWebhook:
        db.prepare(`SELECT 1 FROM alert_outbox WHERE channel = 'webhook' AND alert_id = ? AND responder_id = ?
        AND status = 'pending' AND id < ? LIMIT 1`),
      retryMqttNow: db.prepare(
        "UPDATE alert_outbox SET next_attempt_at = ? WHERE channel = 'mqtt' AND status = 'pending' AND next_attempt_at > ?",
      ),
    };
  }

  setConfig(config: HubConfig): void {
    this.d.config = config;
  }

  /**
   * Record a notification; call inside the transaction of the alert change. Undefined if already recorded. A retained
   * message of no alert (a pre-alert, a restatement) takes the place of the one before it on its topic while that one is
   * still pending and not on its way (the same row, updated): a newer retained message makes the older one stale, and
   * a door opened and closed while the broker was away (or a spool of late events flushed) left a row per change, each
   * read and superseded by the drain one commit at a time (review, session 66).
   */
  enqueue(row: NewOutboxRow): OutboxRow | undefined {
    // The row's values bound by position, from the stored row made first: no named-parameter object made and thrown
    // away, and no name looked up per parameter, on every alert change (on the press's path).
    const stored: OutboxRow = {
      id: 0,
      channel: row.channel,
      alert_id: row.alertId,
      version: row.version,
      responder_id: row.responderId ?? null,
      topic: row.topic ?? null,
      payload: row.payload,
      retain: row.retain ? 1 : 0,
      clear_retained: row.clearRetained ? 1 : 0,
      attempts: 0,
      next_attempt_at: this.d.clock.now(),
    };
    if (row.channel === 'mqtt' && stored.topic !== null) {
      if (row.alertId === null) {
        if (this.replacePending(stored)) return stored;
      } else if (this.newestWithoutAlert.size > 0) this.newestWithoutAlert.delete(stored.topic);
    }
    // Only the id comes back: the rest of the row is what was just written (one row made into a JS object and its
    // payload copied back on every alert change, on the press's path, was for nothing).
    const id = this.sql.insert.get(
      stored.channel,
      stored.alert_id,
      stored.version,
      stored.responder_id,
      stored.topic,
      stored.payload,
      stored.retain,
      stored.clear_retained,
      stored.next_attempt_at,
      stored.next_attempt_at,
    ) as number | undefined;
    if (id === undefined) return undefined;
    stored.id = id;
    this.recordedSinceIdle.add(id);
    if (row.channel === 'mqtt' && row.alertId === null && stored.topic !== null)
      this.newestWithoutAlert.set(stored.topic, id);
    if (row.channel === 'mqtt' && row.alertId !== null) this.d.onAlertVersion?.(row);
    return stored;
  }

  /**
   * `stored` (a message of no alert) written over the newest row of its topic, if that one is still pending and not on
   * its way; its id and attempts then are that row's (a failed one keeps its backoff). False: record a new row.
   */
  private replacePending(stored: OutboxRow): boolean {
    const topic = stored.topic!;
    const id = this.newestWithoutAlert.get(topic);
    if (id === undefined || this.inflight.has(id) || this.unmarked.has(id)) return false;
    const attempts = this.sql.replace.get(
      stored.payload,
      stored.retain,
      stored.clear_retained,
      stored.next_attempt_at,
      stored.next_attempt_at,
      id,
    ) as number | undefined;
    if (attempts === undefined) {
      // Delivered, superseded or pruned since: the entry is stale.
      this.newestWithoutAlert.delete(topic);
      return false;
    }
    stored.id = id;
    stored.attempts = attempts;
    this.recordedSinceIdle.add(id);
    return true;
  }

  /**
   * Record a notification that was (or was not) already delivered from memory while storage failed. Still owed
   * ones come back pending. In a transaction.
   */
  record(row: NewOutboxRow, delivered: boolean): OutboxRow | undefined {
    const stored = this.enqueue(row);
    if (stored && delivered) {
      this.sql.finish.run('delivered', this.d.clock.now(), null, stored.id);
      this.recordedSinceIdle.delete(stored.id);
    }
    return delivered ? undefined : stored;
  }

  /** Publish a message now, without storage (alerts told from memory). */
  publishMessage(row: NewOutboxRow): Promise<void> {
    return this.publishMqtt({
      topic: row.topic ?? null,
      payload: row.payload,
      retain: row.retain ? 1 : 0,
      clear_retained: row.clearRetained ? 1 : 0,
    });
  }

  /** POST a webhook now, without storage (alerts told from memory), with a delivery id no other delivery has. */
  postMessage(row: NewOutboxRow): Promise<void> {
    return this.postWebhook({
      responder_id: row.responderId ?? null,
      payload: row.payload,
      alert_id: row.alertId,
      version: row.version,
      id: nextMemoryDeliveryId++,
    });
  }

  /** The broker is back (or up for the first time): MQTT messages held or waiting for a retry go now. */
  retryMqttNow(): void {
    const now = this.d.clock.now();
    this.sql.retryMqttNow.run(now, now);
    this.mqttHeld = false;
    this.mayHaveWaiting = true;
    this.pausedUntil = 0;
    this.schedule();
  }

  /**
   * Hold MQTT deliveries (rows stay pending, nothing is attempted) until `retryMqttNow` or `releaseMqtt`: for a hub
   * whose broker starts after the alert service. Webhooks go meanwhile.
   */
  holdMqtt(): void {
    this.mqttHeld = true;
  }

  /** End a hold without touching the table (storage failed when the broker came up): held rows go when due. */
  releaseMqtt(): void {
    if (!this.mqttHeld) return;
    this.mqttHeld = false;
    this.mayHaveWaiting = true;
    this.schedule();
  }

  hasPendingMqtt(alertId: string): boolean {
    return this.sql.pendingMqttFor.get(alertId) !== undefined;
  }

  /**
   * Start delivering `row` now; the MQTT publish call itself happens before this returns. A webhook waits while an
   * earlier version to the same receiver is in flight, and supersedes earlier versions still waiting.
   */
  deliver(row: OutboxRow): void {
    if (this.stopped || this.inflight.has(row.id) || this.unmarked.has(row.id)) return;
    if (row.channel === 'mqtt' && this.mqttHeld) {
      // Stays pending: the release's drain finds it.
      this.mayHaveWaiting = true;
      return;
    }
    // A retained message of no alert behind one on its way on its topic: stays pending (written over by a newer one),
    // and goes once that one's publish ends (its attempt's end looks again).
    const topic = row.channel === 'mqtt' && row.alert_id === null ? row.topic : null;
    if (topic !== null) {
      if (this.inflightTopics.has(topic)) {
        this.mayHaveWaiting = true;
        return;
      }
      this.inflightTopics.add(topic);
    }
    const key = row.channel === 'webhook' ? webhookKey(row.alert_id, row.responder_id) : undefined;
    if (key !== undefined) {
      if (this.inflightWebhooks.has(key)) return;
      // Only a read on the alert path; the write (and a storage failure) only when older versions are waiting.
      this.guard('outbox-supersede', () => {
        if (this.sql.olderWebhook.get(row.alert_id, row.responder_id, row.id) === undefined) return;
        this.sql.supersedeWebhooks.run(this.d.clock.now(), row.alert_id, row.responder_id, row.id);
      });
      this.inflightWebhooks.add(key);
    }
    const attempt = this.attempt(row).finally(() => {
      this.inflight.delete(row.id);
      if (key !== undefined) this.inflightWebhooks.delete(key);
      if (topic !== null) this.inflightTopics.delete(topic);
      // Once per turn, not once per delivery: the look reads every row in flight or not yet marked, and the PUBACKs of
      // a drain's 200 MQTT rows end their attempts together. After a restart with thousands of pending pre-alert rows,
      // a look per delivery read millions of rows and held the loop for minutes (review, session 65).
      this.afterAttempts ??= setImmediate(() => {
        this.afterAttempts = undefined;
        this.schedule();
      });
    });
    this.inflight.set(row.id, attempt);
  }

  /** Deliver every row that is due, then wait for the next one. */
  resume(): void {
    this.stopped = false;
    this.mayHaveWaiting = true;
    this.drain();
  }

  /** Resolves once no delivery is in flight and those made are marked delivered (unless storage fails). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
    this.storeMarksNow();
  }

  /** Store the marks of the deliveries made so far now, not at the end of their window (the table is then the truth). */
  storeMarksNow(): void {
    if (this.marksTimer) this.d.clock.clearTimer(this.marksTimer);
    if (this.marksImmediate) clearImmediate(this.marksImmediate);
    this.marksTimer = undefined;
    this.marksImmediate = undefined;
    this.storeDeliveredMarks();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimer(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    if (this.afterAttempts) clearImmediate(this.afterAttempts);
    this.timer = undefined;
    this.immediate = undefined;
    this.afterAttempts = undefined;
    await this.settled();
  }

  private async attempt(row: OutboxRow): Promise<void> {
    try {
      if (row.channel === 'mqtt') await this.publishMqtt(row);
      else await this.postWebhook(row);
    } catch (err) {
      if (this.d.db.open) this.guard('outbox-failure', () => this.recordFailure(row, err));
      return;
    }
    this.d.metrics.deliveries.inc({ channel: row.channel });
    this.markDelivered(row);
  }

  /**
   * Group commit of delivery marks: one transaction for every delivery made within a window (25 ms), not one per
   * turn with a delivery. Each was a write transaction (about five WAL frames, 200-300 µs on a loaded machine) on the
   * loop a moment after its publish: with presses a few ms apart it ran in front of the next press in 27-38 % of them
   * (docs/performance.md, sessions 22-23), and a press's raise and its resolution wrote two or three. The delivery
   * is done once it went: it is never sent again while its mark waits. A crash before the mark only means a repeat
   * (at least once). The mark and its audit entry keep the time of the delivery, not of the window's end.
   */
  private markDelivered(row: OutboxRow): void {
    this.unmarked.set(row.id, { row, deliveredAtMs: this.d.clock.now() });
    if (this.unmarked.size >= MARKS_AT_ONCE) {
      this.storeMarksNow();
      return;
    }
    if (this.marksTimer || this.marksImmediate) return;
    // The hub's clock (unref'd live: bookkeeping keeps no process alive; stop() and settled() store what is left).
    // The window's end stores them from an immediate, not in the timers phase: a press read in the poll phase that
    // follows queues its alert's delivery (aedes's immediate) first, and the transaction goes after it.
    this.marksTimer = this.d.clock.setTimer(this.d.clock.now() + this.d.options.deliveryMarksWindowMs, () => {
      this.marksTimer = undefined;
      this.marksImmediate ??= setImmediate(() => {
        this.marksImmediate = undefined;
        this.storeDeliveredMarks();
      });
    });
  }

  /** Mark delivered rows (and those whose mark failed before); kept in memory, never re-sent, while storage fails. */
  private storeDeliveredMarks(): void {
    if (this.unmarked.size === 0 || !this.d.db.open) return;
    const marks = [...this.unmarked.values()];
    const stored = this.guard('outbox-delivered', () =>
      this.d.db.transaction(() => {
        for (const { row: r, deliveredAtMs } of marks) {
          this.sql.delivered.run(deliveredAtMs, r.id);
          if (r.alert_id === null) continue;
          this.d.audit(
            r.alert_id,
            r.version!,
            'delivered',
            { channel: r.channel, ...(r.responder_id ? { responderId: r.responder_id } : {}), attempt: r.attempts + 1 },
            deliveredAtMs,
          );
        }
      })(),
    );
    // Kept (never re-sent) while storage fails: the pause timer tries again.
    if (!stored) return;
    for (const { row } of marks) {
      this.unmarked.delete(row.id);
      this.recordedSinceIdle.delete(row.id);
      if (row.alert_id === null && row.topic !== null && this.newestWithoutAlert.get(row.topic) === row.id)
        this.newestWithoutAlert.delete(row.topic);
    }
  }

  /**
   * Run bookkeeping that touches the database from a deferred callback: a failure (disk full, locked, damaged) is
   * counted and pauses background work for a retry period instead of ending the process. True when it ran.
   */
  private guard(where: string, fn: () => void): boolean {
    if (this.d.storage.guard(where, fn)) return true;
    this.pausedUntil = this.d.clock.now() + this.d.options.retryBaseMs;
    this.armPauseTimer();
    return false;
  }

  private armPauseTimer(): void {
    if (this.stopped || this.timer) return;
    this.timer = this.d.clock.setTimer(this.pausedUntil, () => {
      this.timer = undefined;
      this.pausedUntil = 0;
      this.storeDeliveredMarks();
      this.drain();
    });
  }

  private publishMqtt(row: Pick<OutboxRow, 'topic' | 'payload' | 'retain' | 'clear_retained'>): Promise<void> {
    const publisher = this.d.publisher;
    const first = publisher.publish(row.topic!, row.payload, { qos: 1, retain: row.retain === 1 });
    if (row.clear_retained !== 1) return first;
    // An empty retained message clears the broker's retained copy (MQTT 3.3.1.3).
    const clear = publisher.publish(row.topic!, '', { qos: 1, retain: true });
    return Promise.all([first, clear]).then(() => undefined);
  }

  private async postWebhook(
    row: Pick<OutboxRow, 'responder_id' | 'payload' | 'alert_id' | 'version' | 'id'>,
  ): Promise<void> {
    const responder = (this.d.config.responders ?? []).find((r) => r.id === row.responder_id);
    if (!responder?.webhook) throw new AbandonDelivery(`responder ${row.responder_id} has no webhook any more`);
    await postWebhook(
      {
        url: responder.webhook.url,
        secret: responder.webhook.secret,
        body: row.payload,
        alertId: row.alert_id!,
        version: row.version!,
        deliveryId: row.id,
        allowPrivateNetwork: responder.webhook.allowPrivateNetwork,
      },
      this.d.options.webhookTimeoutMs,
    );
  }

  private recordFailure(row: OutboxRow, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const now = this.d.clock.now();
    if (err instanceof AbandonDelivery) {
      this.d.db.transaction(() => {
        this.sql.finish.run('abandoned', now, message, row.id);
        if (row.alert_id !== null) {
          this.d.audit(row.alert_id, row.version!, 'delivery-abandoned', { channel: row.channel, reason: message });
        }
      })();
      this.d.logger.warn({ outboxId: row.id, alertId: row.alert_id, reason: message }, 'alert delivery abandoned');
      return;
    }
    const attempts = row.attempts + 1;
    this.mayHaveWaiting = true;
    const cap = row.channel === 'mqtt' ? this.d.options.mqttRetryCapMs : this.d.options.webhookRetryCapMs;
    const delayMs = retryDelayMs(row.channel, attempts, this.d.options, cap);
    this.sql.failed.run(now + delayMs, message, row.id);
    this.d.metrics.deliveryFailures.inc({ channel: row.channel });
    this.d.logger.warn(
      { outboxId: row.id, alertId: row.alert_id, channel: row.channel, attempts, retryInMs: delayMs, err: message },
      'alert delivery failed, will retry',
    );
  }

  /** Deliver every row due by `dueBy` (default now; a retry timer's own due time if the wall clock stepped back). */
  private drain(dueBy = this.d.clock.now()): void {
    this.immediate = undefined;
    if (this.stopped || !this.d.db.open || this.paused()) return;
    this.guard('outbox-drain', () => {
      const limit = DRAIN_AT_ONCE + this.inflight.size + this.unmarked.size;
      const rows = (this.mqttHeld ? this.sql.dueWebhooks : this.sql.due).all(dueBy, limit) as OutboxRow[];
      /** MQTT rows a newer message of their topic makes stale: marked in one transaction after the loop. */
      let stale: number[] | undefined;
      for (const row of rows) {
        if (this.inflight.has(row.id) || this.unmarked.has(row.id)) continue;
        if (this.inflight.size >= DRAIN_AT_ONCE) break;
        // A newer message on the same topic went (or goes) out: publishing this one would bring back a stale retained copy.
        if (row.channel === 'mqtt' && this.sql.newerMqtt.get(row.topic, row.id) !== undefined) {
          (stale ??= []).push(row.id);
          continue;
        }
        // A newer version waits for the same receiver: it carries this one's news and goes in its place.
        if (row.channel === 'webhook' && !this.inflightWebhooks.has(webhookKey(row.alert_id, row.responder_id))) {
          if (this.sql.newerWebhook.get(row.alert_id, row.responder_id, row.id) !== undefined) {
            this.sql.finish.run('superseded', this.d.clock.now(), null, row.id);
            continue;
          }
        }
        this.deliver(row);
      }
      // One commit for them all, not one each: a killed hub's backlog of a retained topic (a door's pre-alert changes)
      // was read and superseded a WAL commit per row at the next start (review, session 66).
      if (stale) this.markSuperseded(stale);
    });
    this.schedule();
  }

  private markSuperseded(ids: readonly number[]): void {
    const now = this.d.clock.now();
    this.d.db.transaction(() => {
      for (const id of ids) this.sql.finish.run('superseded', now, null, id);
    })();
  }

  private paused(): boolean {
    if (this.pausedUntil === 0) return false;
    if (this.d.clock.now() >= this.pausedUntil) {
      this.pausedUntil = 0;
      return false;
    }
    this.armPauseTimer();
    return true;
  }

  /** One timer (or immediate) for the earliest pending row that is not in flight. */
  private schedule(): void {
    if (this.stopped || !this.d.db.open || this.paused()) return;
    this.guard('outbox-schedule', () => this.scheduleNext());
  }

  private nothingWaiting(): boolean {
    if (this.mayHaveWaiting) return false;
    for (const id of this.recordedSinceIdle) if (!this.inflight.has(id) && !this.unmarked.has(id)) return false;
    return true;
  }

  private scheduleNext(): void {
    // After each delivery: nothing can be waiting when the last look found no pending row and every row recorded since
    // has been marked delivered or is on its way (the usual case); the query, a few percent of the loop's time per
    // alert, is skipped. A row in flight schedules again when its attempt ends.
    if (this.nothingWaiting()) return;
    // A drain's worth in flight: the next look comes as their attempts end.
    if (this.inflight.size >= DRAIN_AT_ONCE) return;
    // Rows that cannot go now: in flight, delivered but not yet marked, behind an earlier webhook in flight, or behind
    // a message of no alert in flight on their topic.
    const busy = this.inflight.size + this.unmarked.size + this.inflightWebhooks.size * 4 + this.inflightTopics.size;
    const candidates = (this.mqttHeld ? this.sql.nextDueWebhooks : this.sql.nextDue).all(busy + 16) as Pick<
      OutboxRow,
      'id' | 'next_attempt_at' | 'channel' | 'alert_id' | 'responder_id' | 'topic'
    >[];
    if (candidates.length === 0) {
      this.mayHaveWaiting = false;
      this.recordedSinceIdle.clear();
    }
    const next = candidates.find(
      (c) =>
        !this.inflight.has(c.id) &&
        !this.unmarked.has(c.id) &&
        !(c.channel === 'webhook' && this.inflightWebhooks.has(webhookKey(c.alert_id, c.responder_id))) &&
        !(c.channel === 'mqtt' && c.alert_id === null && c.topic !== null && this.inflightTopics.has(c.topic)),
    );
    if (this.timer && (!next || this.timer.at !== next.next_attempt_at)) {
      this.d.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
    if (!next || this.timer) return;
    if (next.next_attempt_at <= this.d.clock.now()) {
      this.immediate ??= setImmediate(() => this.drain());
    } else {
      const dueAt = next.next_attempt_at;
      // An instant, as the escalation's: a retry that fell due while the hub was down goes when network time
      // corrects a clock that started behind.
      this.timer = this.d.clock.setTimer(
        dueAt,
        () => {
          this.timer = undefined;
          this.drain(Math.max(this.d.clock.now(), dueAt));
        },
        { wallDueAt: dueAt },
      );
    }
  }
}
