// The steps every alert change shares: recorded with its audit entry and notifications, then told (MQTT, the
// dashboard, webhooks); or, while storage fails, told from memory and held. Also the newest version of an alert.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { StorageHealth } from '../storage-health.js';
import { alertTopic } from '../topics.js';
import type { HubConfig } from '../config-types.js';
import type { Alert } from './api.js';
import type { AlertStore, HeldAlerts } from './held.js';
import type { AlertMetrics } from './metrics.js';
import type { NewOutboxRow, OutboxRow } from './outbox.js';
import type { AuditAction } from './query.js';
import { isOpenState, rowLadder, rowToAlert, rowToAlertWithDetail, type AlertRow } from './rows.js';
import { writeAudit } from './statements.js';

/** A change stored in one transaction: the new row and the notifications recorded with it. */
export interface Change {
  row: AlertRow;
  outbox: OutboxRow[];
}

export interface AlertChangesDeps {
  clock: Clock;
  log: Logger;
  metrics: AlertMetrics;
  storage: StorageHealth;
  config(): HubConfig;
  stored(): AlertStore;
  held: HeldAlerts;
  listeners: ReadonlySet<(alert: Alert) => void>;
  /** After every change told: (re)arm or clear the alert's escalation timer. */
  rearm(row: AlertRow): void;
  /** A version told from memory while storage fails, for the centre (the uplink); see AlertServiceDeps. */
  onAlertVersionFromMemory?: ((message: NewOutboxRow) => void) | undefined;
}

export class AlertChanges {
  /**
   * The Alert last made from a row: a change builds it for its notifications inside the transaction and tells it
   * after the commit; made once (it parses the row's JSON and formats its times), not once per step.
   */
  private made: { row: AlertRow; alert: Alert } | undefined;

  constructor(private readonly d: AlertChangesDeps) {}

  /** The Alert of `row` (the same object for the same row object). */
  private alertOf(row: AlertRow): Alert {
    if (this.made?.row !== row) this.made = { row, alert: rowToAlert(row) };
    return this.made.alert;
  }

  /** The Alert of a row just made, with its detail object (a raise): `alertOf` then need not parse the row's JSON. */
  madeFrom(row: AlertRow, detail: Record<string, unknown>): void {
    this.made = { row, alert: rowToAlertWithDetail(row, detail) };
  }

  audit(alertId: string, version: number, actor: string, action: AuditAction, detail: object, atMs?: number): void {
    writeAudit(this.d.stored().sql, atMs ?? this.d.clock.now(), alertId, version, actor, action, detail);
  }

  /** Record the notifications of a change. In the transaction. */
  enqueue(row: AlertRow, groups: (string | undefined)[]): OutboxRow[] {
    const { outbox } = this.d.stored();
    // Indexed, into an array of the messages' length (cut when one was already recorded): this runs cold, once per
    // alert change, so a for-of's iterator objects and a pushed array's 16 spare slots were made and thrown away.
    const messages = this.notifications(row, groups);
    const rows = new Array<OutboxRow>(messages.length);
    let kept = 0;
    for (let i = 0; i < messages.length; i++) {
      const stored = outbox.enqueue(messages[i]!);
      if (stored !== undefined) rows[kept++] = stored;
    }
    if (kept < rows.length) rows.length = kept;
    return rows;
  }

  /** A retained MQTT message with no alert id (no audit entry): a restated alert or pre-alert. In the transaction. */
  restate(topic: string, payload: string): void {
    this.d.stored().outbox.enqueue({ channel: 'mqtt', alertId: null, version: null, topic, payload, retain: true });
  }

  /** After the commit: MQTT first (the latency that matters), then the dashboard, then webhooks; re-arm the timer. */
  publish(change: Change): Alert {
    const { outbox } = this.d.stored();
    const alert = this.alertOf(change.row);
    for (const row of change.outbox) if (row.channel === 'mqtt') outbox.deliver(row);
    this.tellListeners(alert);
    for (const row of change.outbox) if (row.channel !== 'mqtt') outbox.deliver(row);
    this.d.rearm(change.row);
    return alert;
  }

  /** Tell a change from memory on every channel at once, and keep it until storage takes it. */
  hold(
    row: AlertRow,
    actor: string,
    action: AuditAction,
    detail: object,
    groups: (string | undefined)[],
    notify = true,
  ): Alert {
    const { held } = this.d;
    held.keep(row, actor, action, detail);
    const alert = this.alertOf(row);
    if (!notify) return alert;
    this.d.log.warn(
      { alertId: row.id, homeId: row.home_id, kind: row.kind, action, version: row.version },
      'alert told from memory: storage failed',
    );
    const deliveries = held.owe(row, this.notifications(row, groups));
    for (const delivery of deliveries) if (delivery.row.channel === 'mqtt') held.deliver(delivery);
    // The alarm receiving centre too: the uplink's queue is in the storage that fails, so the version would reach the
    // centre only once stored, hours later on a full card (review, session 73). Sent at once if the link is up.
    const centre = this.d.onAlertVersionFromMemory;
    if (centre) {
      for (const delivery of deliveries) {
        if (delivery.row.channel !== 'mqtt' || delivery.row.alertId === null) continue;
        try {
          centre(delivery.row);
        } catch (err) {
          this.d.log.warn({ err: String(err), alertId: row.id }, 'could not tell the centre from memory');
        }
      }
    }
    this.tellListeners(alert);
    for (const delivery of deliveries) if (delivery.row.channel !== 'mqtt') held.deliver(delivery);
    this.d.rearm(row);
    return alert;
  }

  /** The MQTT message and the webhooks to every responder (with a webhook) of `groups`. */
  notifications(row: AlertRow, groups: (string | undefined)[]): NewOutboxRow[] {
    const alert = this.alertOf(row);
    const open = isOpenState(row.state);
    const alertJson = JSON.stringify(alert);
    const messages: NewOutboxRow[] = [
      {
        channel: 'mqtt',
        alertId: row.id,
        version: row.version,
        topic: alertTopic(row.home_id, row.id),
        payload: alertJson,
        homeId: row.home_id,
        retain: open,
        clearRetained: !open,
      },
    ];
    // The groups told are one or two: looked up in place, no set made for them at each change.
    const responders = this.d.config().responders;
    for (let i = 0; responders !== undefined && i < responders.length; i++) {
      const responder = responders[i]!;
      if (!responder.webhook || !groups.includes(responder.group)) continue;
      messages.push({
        channel: 'webhook',
        alertId: row.id,
        version: row.version,
        responderId: responder.id,
        payload: webhookPayload(alertJson, responder.id, responder.group),
      });
    }
    return messages;
  }

  tellListeners(alert: Alert): void {
    for (const listener of this.d.listeners) {
      try {
        listener(alert);
        this.d.metrics.deliveries.inc({ channel: 'sse' });
      } catch (err) {
        this.d.metrics.deliveryFailures.inc({ channel: 'sse' });
        this.d.log.warn({ err: String(err) }, 'alert listener failed');
      }
    }
  }

  /** The newest version of an alert: held in memory, else stored (undefined when storage cannot even be read). */
  current(id: string): AlertRow | undefined {
    const held = this.d.held.row(id);
    if (held) return held;
    try {
      return this.d.stored().sql.byId.get(id);
    } catch (err) {
      this.d.storage.failed('alert-read', err);
      return undefined;
    }
  }

  /** The open alert of a kind in a home, newest version (held or stored). */
  openByKind(homeId: string, kind: string): AlertRow | undefined {
    for (const row of this.d.held.rows()) {
      if (row.home_id === homeId && row.kind === kind && isOpenState(row.state)) return row;
    }
    try {
      const stored = this.d.stored().sql.openByKind.get(homeId, kind);
      // A held newer version of it may have closed it.
      return stored && !this.d.held.has(stored.id) ? stored : undefined;
    } catch (err) {
      this.d.storage.failed('alert-read', err);
      return undefined;
    }
  }

  /** Stored open alerts, oldest first (none when storage cannot be read). */
  readOpen(): AlertRow[] {
    try {
      return this.d.stored().sql.open.all();
    } catch (err) {
      this.d.storage.failed('alert-read', err);
      return [];
    }
  }
}

/**
 * Runs `work` once an alert published in this turn is on the wire. The embedded broker writes it inside the publish
 * call (hub/broker.ts, publishOwn), or, once a persistent session subscribes, from a setImmediate queued at the end of
 * this turn (aedes's delivery); the external client during the publish call (sendNow): the first immediate here runs
 * before aedes's, the second after it.
 */
export function afterDelivery(work: () => void): void {
  setImmediate(() => setImmediate(work));
}

/**
 * A webhook's body, `JSON.stringify({ alert, responderId, group })` byte for byte, around the alert's JSON already made
 * for MQTT: the alert is serialised once per change, not once more per responder.
 */
export function webhookPayload(alertJson: string, responderId: string, group: string): string {
  return `{"alert":${alertJson},"responderId":${JSON.stringify(responderId)},"group":${JSON.stringify(group)}}`;
}

/** The groups an alert has been sent to so far: its ladder up to its level. */
export function groupsToldSoFar(row: AlertRow): string[] {
  return rowLadder(row)
    .slice(0, row.escalation_level + 1)
    .map((l) => l.group);
}
