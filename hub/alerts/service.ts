// The alert service: state machine, escalation ladders and delivery through the outbox (SPEC 5).
import type { Database, Statement } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Publisher } from '../publisher.js';
import type { RuleDecision } from '../../rules/types.js';
import type { HubConfig } from '../config-types.js';
import { OUTCOMES, type Outcome } from '../../rules/vocabulary.js';
import type { Alert, AlertActionError, AlertActionResult, AlertFilter, AlertServiceApi } from './api.js';
import { sqliteCode, StorageHealth } from '../storage-health.js';
import { alertTopic, parseAlertAckTopic, prealertTopic } from '../topics.js';
import { ackResultTopic, parseAckPayload } from './ack-topic.js';
import { newAlertId } from './ids.js';
import { ladderFor, levelDueAt } from './ladder.js';
import { alertMetrics, type AlertMetrics } from './metrics.js';
import { DEFAULT_OUTBOX_OPTIONS, Outbox, type NewOutboxRow, type OutboxOptions, type OutboxRow } from './outbox.js';
import { queryAlerts, type AuditAction } from './query.js';
import { isOpenState, rowLadder, rowToAlert, type AlertRow } from './rows.js';
import { migrateAlerts } from './schema.js';

export interface AlertServiceDeps {
  db: Database;
  publisher: Publisher;
  config: HubConfig;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  /** Delivery timings; the defaults suit production. */
  outbox?: Partial<OutboxOptions>;
  /** Shared with the rest of the hub for /api/health; made here when absent. */
  storage?: StorageHealth;
  /** How often alert changes held in memory are offered to storage again. */
  storageRetryMs?: number;
}

/**
 * How long an alert change waits for another writer's lock before it is delivered from memory instead: an
 * emergency must not wait for the lock's owner (the connection's own busy timeout is for background writes).
 */
export const ALERT_BUSY_TIMEOUT_MS = 50;

const DEFAULT_STORAGE_RETRY_MS = 2_000;

/** Longest note kept on a resolution; longer notes are cut. */
export const MAX_NOTE_CHARS = 2000;

/** MQTT roles that may never act on alerts even though they can log in. */
const MQTT_ROLES_WITHOUT_ALERT_RIGHTS = new Set(['device', 'bridge']);

const HUB_ACTOR = 'hub';

/** What a change returns when storage failed and it must be told from memory. */
const HELD = Symbol('held in memory');

type Via = 'api' | 'mqtt';

interface Change {
  row: AlertRow;
  outbox: OutboxRow[];
}

interface HeldAudit {
  at: number;
  actor: string;
  action: AuditAction;
  version: number;
  detail: object;
}

interface HeldDelivery {
  row: NewOutboxRow;
  delivered: boolean;
}

/** An alert whose newest versions were delivered from memory because storage failed; stored when it returns. */
interface HeldAlert {
  row: AlertRow;
  audits: HeldAudit[];
  deliveries: HeldDelivery[];
}

export class AlertService implements AlertServiceApi {
  private readonly log: Logger;
  private readonly metrics: AlertMetrics;
  private readonly listeners = new Set<(alert: Alert) => void>();
  private readonly escalationTimers = new Map<string, TimerHandle>();
  private outbox: Outbox | undefined;
  private sql: Record<string, Statement> | undefined;
  private started = false;
  private readonly held = new Map<string, HeldAlert>();
  /** Webhook deliveries from memory, chained per alert and receiver so that versions never overtake each other. */
  private readonly heldWebhookChains = new Map<string, Promise<void>>();
  private storeRetry: TimerHandle | undefined;
  readonly storage: StorageHealth;

  constructor(private readonly deps: AlertServiceDeps) {
    this.log = deps.logger.child({ ns: 'alerts' });
    this.metrics = alertMetrics(deps.metrics);
    this.storage = deps.storage ?? new StorageHealth(deps.metrics, deps.logger, () => deps.clock.now());
  }

  /** Responders and ladders for changes from now on (SIGHUP); alerts already raised keep the ladder they had. */
  setConfig(config: HubConfig): void {
    this.deps.config = config;
    this.outbox?.setConfig(config);
  }

  /**
   * Migrate, fire escalations that fell due while the hub was down, resume deliveries and (unless `restate` is false,
   * for a hub that calls `restateOpen()` once its broker is up) republish open alerts.
   */
  async start(options: { restate?: boolean } = {}): Promise<void> {
    const { db } = this.deps;
    migrateAlerts(db);
    this.sql = {
      byId: db.prepare('SELECT * FROM alerts WHERE id = ?'),
      openByKind: db.prepare(
        "SELECT * FROM alerts WHERE home_id = ? AND kind = ? AND state IN ('raised', 'acknowledged')",
      ),
      open: db.prepare("SELECT * FROM alerts WHERE state IN ('raised', 'acknowledged') ORDER BY raised_at"),
      insert:
        db.prepare(`INSERT INTO alerts (id, home_id, resident_id, kind, severity, state, raised_at, escalation_level,
          room, detail, count, last_seen_at, version, ladder, escalation_due_at)
        VALUES (@id, @home_id, @resident_id, @kind, @severity, 'raised', @raised_at, 0, @room, @detail, 1, @last_seen_at, 1,
          @ladder, @escalation_due_at) RETURNING *`),
      merge: db.prepare(
        'UPDATE alerts SET count = count + 1, last_seen_at = ?, version = version + 1 WHERE id = ? RETURNING *',
      ),
      acknowledge: db.prepare(`UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?,
          escalation_due_at = NULL, version = version + 1 WHERE id = ? AND state = 'raised' RETURNING *`),
      resolve: db.prepare(`UPDATE alerts SET state = 'resolved', resolved_at = @now, outcome = @outcome, note = @note,
          acknowledged_at = COALESCE(acknowledged_at, @now), acknowledged_by = COALESCE(acknowledged_by, @by),
          escalation_due_at = NULL, version = version + 1
        WHERE id = @id AND state IN ('raised', 'acknowledged') RETURNING *`),
      cancel: db.prepare(`UPDATE alerts SET state = 'cancelled', resolved_at = ?, detail = ?, escalation_due_at = NULL,
          version = version + 1 WHERE id = ? AND state = 'raised' RETURNING *`),
      escalate: db.prepare(
        'UPDATE alerts SET escalation_level = ?, escalation_due_at = ?, version = version + 1 WHERE id = ? RETURNING *',
      ),
      // A version delivered from memory, stored when storage returns; an older version never overwrites a newer one.
      upsertHeld:
        db.prepare(`INSERT INTO alerts (id, home_id, resident_id, kind, severity, state, raised_at, acknowledged_at,
          acknowledged_by, resolved_at, outcome, note, escalation_level, room, detail, count, last_seen_at, version, ladder,
          escalation_due_at)
        VALUES (@id, @home_id, @resident_id, @kind, @severity, @state, @raised_at, @acknowledged_at, @acknowledged_by,
          @resolved_at, @outcome, @note, @escalation_level, @room, @detail, @count, @last_seen_at, @version, @ladder,
          @escalation_due_at)
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, acknowledged_at = excluded.acknowledged_at,
          acknowledged_by = excluded.acknowledged_by, resolved_at = excluded.resolved_at, outcome = excluded.outcome,
          note = excluded.note, escalation_level = excluded.escalation_level, detail = excluded.detail, count = excluded.count,
          last_seen_at = excluded.last_seen_at, version = excluded.version, escalation_due_at = excluded.escalation_due_at
        WHERE excluded.version > alerts.version`),
      exhaust: db.prepare('UPDATE alerts SET escalation_due_at = NULL WHERE id = ?'),
      audit: db.prepare(
        'INSERT INTO alert_audit (alert_id, at, actor, action, version, detail) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      prealertUpsert: db.prepare(`INSERT INTO alert_prealerts (home_id, kind, raise_at, at) VALUES (?, ?, ?, ?)
        ON CONFLICT (home_id, kind) DO UPDATE SET raise_at = excluded.raise_at, at = excluded.at`),
      prealertDelete: db.prepare('DELETE FROM alert_prealerts WHERE home_id = ? AND kind = ?'),
      prealertLatest: db.prepare('SELECT * FROM alert_prealerts WHERE home_id = ? ORDER BY at DESC LIMIT 1'),
      prealertHomes: db.prepare('SELECT DISTINCT home_id FROM alert_prealerts'),
    };
    this.outbox = new Outbox({
      db,
      publisher: this.deps.publisher,
      config: this.deps.config,
      clock: this.deps.clock,
      logger: this.log,
      metrics: this.metrics,
      options: { ...DEFAULT_OUTBOX_OPTIONS, ...this.deps.outbox },
      audit: (alertId, version, action, detail) => this.audit(alertId, version, HUB_ACTOR, action, detail),
      storage: this.storage,
    });
    this.started = true;

    const now = this.deps.clock.now();
    const open = this.sql.open.all() as AlertRow[];
    for (const row of open) {
      if (row.state === 'raised' && row.escalation_due_at !== null && row.escalation_due_at <= now)
        this.escalate(row.id);
    }
    for (const row of this.sql.open.all() as AlertRow[]) this.armEscalation(row);
    if (options.restate !== false) this.restateOpen();
    this.outbox.resume();
    this.log.info({ open: open.length }, 'alert service started');
  }

  /**
   * The store is the truth: a broker that restarted without persistence has lost the retained messages of open
   * alerts and pre-alerts. Called at start and on every (re)connection to the broker. Restated through the outbox
   * (no alert id, so no audit entry) so they are retried; straight from memory when storage fails.
   */
  restateOpen(): void {
    if (!this.started) return;
    try {
      this.deps.db.transaction(() => {
        for (const row of this.sql!.open.all() as AlertRow[]) {
          // Held versions are newer than the stored row: they are published below.
          if (this.held.has(row.id)) continue;
          // A pending message (an escalation just fired, or one the crash left undelivered) carries the newest version.
          if (this.outbox!.hasPendingMqtt(row.id)) continue;
          this.restate(alertTopic(row.home_id, row.id), JSON.stringify(rowToAlert(row)));
        }
        for (const { home_id } of this.sql!.prealertHomes.all() as { home_id: string }[]) {
          const latest = this.sql!.prealertLatest.get(home_id) as { kind: string; raise_at: number };
          this.restate(prealertTopic(home_id), prealertPayload(latest.kind, latest.raise_at));
        }
      })();
      this.outbox!.retryMqttNow();
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      this.storage.failed('alert-restate', err);
      for (const row of this.readOpen()) {
        if (!this.held.has(row.id)) void this.sendFromMemory(this.notifications(row, [])[0]);
      }
    }
    for (const { row } of this.held.values()) {
      if (isOpenState(row.state)) void this.sendFromMemory(this.notifications(row, [])[0]);
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.storage.guard('alert-store-held', () => this.storeHeld());
    this.started = false;
    if (this.storeRetry) this.deps.clock.clearTimer(this.storeRetry);
    this.storeRetry = undefined;
    for (const handle of this.escalationTimers.values()) this.deps.clock.clearTimer(handle);
    this.escalationTimers.clear();
    await Promise.allSettled([...this.heldWebhookChains.values()]);
    await this.outbox?.stop();
  }

  /** Resolves once no delivery is in flight (tests, graceful stop). */
  settled(): Promise<void> {
    return this.outbox?.settled() ?? Promise.resolve();
  }

  /** Carry out one rule decision: stored first, then published at once. */
  apply(decision: RuleDecision): Alert | undefined {
    this.requireStarted();
    switch (decision.type) {
      case 'raise':
        return this.raise(decision);
      case 'clear':
        return this.cancel(decision);
      case 'prealert':
        this.prealert(decision.homeId, decision.kind, decision.raiseAt, decision.at);
        return undefined;
      case 'prealert-cancel':
        this.prealertCancel(decision.homeId, decision.kind);
        return undefined;
    }
  }

  /** Stored alerts, with the versions held in memory while storage fails in their place. */
  list(filter: AlertFilter = {}): Alert[] {
    let stored: Alert[];
    try {
      stored = queryAlerts(this.deps.db, filter);
    } catch (err) {
      if (sqliteCode(err) === undefined || this.held.size === 0) throw err;
      this.storage.failed('alert-read', err);
      stored = [];
    }
    if (this.held.size === 0) return stored;
    const held = [...this.held.values()].map((h) => rowToAlert(h.row));
    const heldIds = new Set(held.map((a) => a.id));
    const matching = held.filter((a) => matchesFilter(a, filter));
    return [...matching, ...stored.filter((a) => !heldIds.has(a.id))];
  }

  get(id: string): Alert | undefined {
    if (!this.sql) return undefined;
    const row = this.current(id);
    return row ? rowToAlert(row) : undefined;
  }

  subscribe(listener: (alert: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  acknowledge(id: string, by: string): AlertActionResult {
    return this.act('acknowledge', id, by, 'api', () => this.doAcknowledge(id, by));
  }

  resolve(id: string, outcome: string, note: string | null, by: string): AlertActionResult {
    return this.act('resolve', id, by, 'api', () => this.doResolve(id, outcome, note, by));
  }

  /** An acknowledgement or resolution published on `telecare/<homeId>/alerts/<alertId>/ack`; answered on `.../ack/result`. */
  handleAckMessage(topic: string, payload: Buffer, username: string | undefined): void {
    if (!this.started) {
      this.log.warn('ack received while the alert service is stopped: dropped');
      return;
    }
    const target = parseAlertAckTopic(topic);
    if (!target) {
      this.metrics.rejectedActions.inc({ code: 'bad-request', via: 'mqtt' });
      this.log.warn({ topic }, 'ack on a topic that is not an alert ack topic: dropped');
      return;
    }
    const answer = (body: Record<string, unknown>): void => {
      this.deps.publisher
        .publish(ackResultTopic(target), JSON.stringify({ alertId: target.alertId, ...body }), {
          qos: 1,
          retain: false,
        })
        .catch((err: unknown) => this.log.warn({ err: String(err) }, 'could not publish ack result'));
    };
    const parsed = parseAckPayload(payload);
    if (!parsed.ok) {
      this.metrics.rejectedActions.inc({ code: parsed.code, via: 'mqtt' });
      this.log.info({ alertId: target.alertId, code: parsed.code }, 'alert action refused');
      answer({ ok: false, code: parsed.code, message: parsed.message });
      return;
    }
    const command = parsed.command;
    const result = this.act(command.action, target.alertId, username, 'mqtt', () => {
      const role = this.deps.config.mqttUsers?.find((u) => u.username === username)?.role;
      if (role && MQTT_ROLES_WITHOUT_ALERT_RIGHTS.has(role)) {
        return refuse('forbidden', `MQTT users with role ${role} may not act on alerts`);
      }
      const row = this.current(target.alertId);
      if (!row || row.home_id !== target.homeId) {
        return refuse('not-found', `no alert ${target.alertId} in home ${target.homeId}`);
      }
      return command.action === 'acknowledge'
        ? this.doAcknowledge(target.alertId, username!)
        : this.doResolve(target.alertId, command.outcome, command.note, username!);
    });
    answer(
      result.ok
        ? { ok: true, action: command.action, state: result.alert.state, version: result.alert.version }
        : { ok: false, action: command.action, code: result.code, message: result.message },
    );
  }

  // --- state machine -------------------------------------------------------------------------------------------
  // Each change is stored first and then told (SPEC 5). When storage fails the change is told from memory all the
  // same, held, and stored once storage is back: "stored before told" must never become "not told".

  private raise(d: Extract<RuleDecision, { type: 'raise' }>): Alert {
    const now = this.deps.clock.now();
    let merged = false;
    const change = this.storeOrHold('alert-raise', (): Change => {
      const open = this.sql!.openByKind.get(d.homeId, d.kind) as AlertRow | undefined;
      if (open) {
        merged = true;
        const row = this.sql!.merge.get(now, open.id) as AlertRow;
        this.audit(row.id, row.version, HUB_ACTOR, 'merge', { count: row.count });
        return { row, outbox: this.enqueue(row, [rowLadder(row)[row.escalation_level]?.group]) };
      }
      const row = this.sql!.insert.get(this.newAlertRow(d, now)) as AlertRow;
      const ladder = rowLadder(row);
      this.audit(row.id, row.version, HUB_ACTOR, 'raise', { group: ladder[0]?.group });
      return { row, outbox: this.enqueue(row, [ladder[0]?.group]) };
    });
    if (change === HELD) return this.raiseFromMemory(d, now);
    if (merged) this.metrics.merged.inc({ kind: d.kind });
    else this.metrics.raised.inc({ kind: d.kind, severity: d.severity });
    this.log.info(
      { alertId: change.row.id, homeId: d.homeId, kind: d.kind, merged },
      merged ? 'alert repeated' : 'alert raised',
    );
    return this.publishChange(change);
  }

  private raiseFromMemory(d: Extract<RuleDecision, { type: 'raise' }>, now: number): Alert {
    const open = this.openByKind(d.homeId, d.kind);
    if (open) {
      const row: AlertRow = { ...open, count: open.count + 1, last_seen_at: now, version: open.version + 1 };
      this.metrics.merged.inc({ kind: d.kind });
      return this.holdChange(row, HUB_ACTOR, 'merge', { count: row.count }, [
        rowLadder(row)[row.escalation_level]?.group,
      ]);
    }
    const fresh = this.newAlertRow(d, now);
    const row: AlertRow = {
      ...fresh,
      state: 'raised',
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      outcome: null,
      note: null,
      escalation_level: 0,
      count: 1,
      version: 1,
    };
    const group = rowLadder(row)[0]?.group;
    this.metrics.raised.inc({ kind: d.kind, severity: d.severity });
    return this.holdChange(row, HUB_ACTOR, 'raise', { group }, [group]);
  }

  /** The columns of a new alert that depend on the decision. */
  private newAlertRow(d: Extract<RuleDecision, { type: 'raise' }>, now: number) {
    const ladder = ladderFor(this.deps.config, d.homeId, d.severity);
    const detail = {
      ...d.detail,
      ...(d.deviceId ? { deviceId: d.deviceId } : {}),
      eventAt: new Date(d.at).toISOString(),
    };
    return {
      id: newAlertId(now),
      home_id: d.homeId,
      resident_id: d.residentId ?? null,
      kind: d.kind,
      severity: d.severity,
      raised_at: now,
      room: d.room ?? null,
      detail: JSON.stringify(detail),
      last_seen_at: now,
      ladder: JSON.stringify(ladder),
      escalation_due_at: levelDueAt(ladder, 0, now),
    };
  }

  private cancel(d: Extract<RuleDecision, { type: 'clear' }>): Alert | undefined {
    const now = this.deps.clock.now();
    const change = this.storeOrHold('alert-cancel', (): Change | undefined => {
      const open = this.sql!.openByKind.get(d.homeId, d.kind) as AlertRow | undefined;
      // Once someone has acknowledged, the responder decides how it ends.
      if (!open || open.state !== 'raised') return undefined;
      const detail = { ...(JSON.parse(open.detail) as Record<string, unknown>), cancelReason: d.reason };
      const row = this.sql!.cancel.get(now, JSON.stringify(detail), open.id) as AlertRow;
      this.audit(row.id, row.version, HUB_ACTOR, 'cancel', { reason: d.reason });
      return { row, outbox: this.enqueue(row, this.groupsToldSoFar(row)) };
    });
    if (change === HELD) {
      const open = this.openByKind(d.homeId, d.kind);
      if (!open || open.state !== 'raised') return undefined;
      const detail = { ...(JSON.parse(open.detail) as Record<string, unknown>), cancelReason: d.reason };
      const row: AlertRow = {
        ...open,
        state: 'cancelled',
        resolved_at: now,
        detail: JSON.stringify(detail),
        escalation_due_at: null,
        version: open.version + 1,
      };
      this.metrics.closed.inc({ state: 'cancelled' });
      return this.holdChange(row, HUB_ACTOR, 'cancel', { reason: d.reason }, this.groupsToldSoFar(row));
    }
    if (!change) return undefined;
    this.metrics.closed.inc({ state: 'cancelled' });
    this.log.info({ alertId: change.row.id, kind: d.kind }, 'alert cancelled');
    return this.publishChange(change);
  }

  private doAcknowledge(id: string, by: string): AlertActionResult {
    const now = this.deps.clock.now();
    const change = this.storeOrHold('alert-acknowledge', (): Change | AlertActionResult => {
      const current = this.sql!.byId.get(id) as AlertRow | undefined;
      if (!current) return refuse('not-found', `no alert ${id}`);
      if (current.state !== 'raised') return refuse('wrong-state', describeState(current, 'acknowledge'));
      const row = this.sql!.acknowledge.get(now, by, id) as AlertRow;
      this.audit(id, row.version, by, 'acknowledge', {});
      return { row, outbox: this.enqueue(row, this.groupsToldSoFar(row)) };
    });
    if (change === HELD) {
      const current = this.current(id);
      if (!current) return refuse('not-found', `no alert ${id}`);
      if (current.state !== 'raised') return refuse('wrong-state', describeState(current, 'acknowledge'));
      const row: AlertRow = {
        ...current,
        state: 'acknowledged',
        acknowledged_at: now,
        acknowledged_by: by,
        escalation_due_at: null,
        version: current.version + 1,
      };
      this.observeTimeToAck(row);
      return { ok: true, alert: this.holdChange(row, by, 'acknowledge', {}, this.groupsToldSoFar(row)) };
    }
    if ('ok' in change) return change;
    this.observeTimeToAck(change.row);
    return { ok: true, alert: this.publishChange(change) };
  }

  private doResolve(id: string, outcome: string, note: string | null, by: string): AlertActionResult {
    const now = this.deps.clock.now();
    const refusal = (current: AlertRow | undefined): AlertActionResult | undefined => {
      if (!current) return refuse('not-found', `no alert ${id}`);
      if (!(OUTCOMES as readonly string[]).includes(outcome)) {
        return refuse('bad-outcome', `unknown outcome ${JSON.stringify(outcome)}: use one of ${OUTCOMES.join(', ')}`);
      }
      if (!isOpenState(current.state)) return refuse('wrong-state', describeState(current, 'resolve'));
      return undefined;
    };
    const keptNote = note === null ? null : note.slice(0, MAX_NOTE_CHARS);
    const change = this.storeOrHold('alert-resolve', (): (Change & { firstResponse?: true }) | AlertActionResult => {
      const current = this.sql!.byId.get(id) as AlertRow | undefined;
      const refused = refusal(current);
      if (refused) return refused;
      const row = this.sql!.resolve.get({ id, now, by, outcome: outcome as Outcome, note: keptNote }) as AlertRow;
      this.audit(id, row.version, by, 'resolve', { outcome, fromState: current!.state });
      const firstResponse = current!.state === 'raised';
      return { row, outbox: this.enqueue(row, this.groupsToldSoFar(row)), ...(firstResponse ? { firstResponse } : {}) };
    });
    if (change === HELD) {
      const current = this.current(id);
      const refused = refusal(current);
      if (refused) return refused;
      const row: AlertRow = {
        ...current!,
        state: 'resolved',
        resolved_at: now,
        outcome,
        note: keptNote,
        acknowledged_at: current!.acknowledged_at ?? now,
        acknowledged_by: current!.acknowledged_by ?? by,
        escalation_due_at: null,
        version: current!.version + 1,
      };
      if (current!.state === 'raised') this.observeTimeToAck(row);
      this.metrics.closed.inc({ state: 'resolved' });
      const alert = this.holdChange(
        row,
        by,
        'resolve',
        { outcome, fromState: current!.state },
        this.groupsToldSoFar(row),
      );
      return { ok: true, alert };
    }
    if ('ok' in change) return change;
    if ('firstResponse' in change) this.observeTimeToAck(change.row);
    this.metrics.closed.inc({ state: 'resolved' });
    return { ok: true, alert: this.publishChange(change) };
  }

  /** Runs a responder action; refusals change nothing and are counted and logged. */
  private act(
    action: 'acknowledge' | 'resolve',
    id: string,
    by: string | undefined,
    via: Via,
    run: () => AlertActionResult,
  ): AlertActionResult {
    this.requireStarted();
    const result =
      typeof by !== 'string' || by.trim() === '' ? refuse('forbidden', `${action} needs an authenticated user`) : run();
    if (!result.ok) {
      this.metrics.rejectedActions.inc({ code: result.code, via });
      this.log.info({ alertId: id, action, via, code: result.code }, 'alert action refused');
      this.log.debug({ alertId: id, by, message: result.message }, 'alert action refused (detail)');
    } else {
      this.log.info({ alertId: id, action, via, version: result.alert.version }, `alert ${action}d`);
    }
    return result;
  }

  // --- escalation ----------------------------------------------------------------------------------------------

  private armEscalation(row: AlertRow): void {
    const existing = this.escalationTimers.get(row.id);
    if (existing) this.deps.clock.clearTimer(existing);
    this.escalationTimers.delete(row.id);
    if (row.state !== 'raised' || row.escalation_due_at === null) return;
    const dueAt = row.escalation_due_at;
    this.escalationTimers.set(
      row.id,
      this.deps.clock.setTimer(dueAt, () => {
        this.escalationTimers.delete(row.id);
        // A timer callback that throws would end the process: whatever fails is counted and logged instead.
        if (this.started) this.storage.guard('escalation-timer', () => this.escalate(row.id, dueAt));
      }),
    );
  }

  /**
   * The current level timed out: go to the next group on the ladder, or record that the ladder is exhausted.
   * `timerDueAt`: the due time of the timer that fired; the timer measured the delay, so it holds even if the wall
   * clock was stepped back meanwhile (the level is still the one it was armed for when the due time is unchanged).
   */
  private escalate(id: string, timerDueAt?: number): void {
    const now = this.deps.clock.now();
    const change = this.storeOrHold('alert-escalate', (): Change | undefined => {
      const current = this.sql!.byId.get(id) as AlertRow | undefined;
      if (!current || current.state !== 'raised' || current.escalation_due_at === null) return undefined;
      if (timerDueAt === undefined ? current.escalation_due_at > now : current.escalation_due_at !== timerDueAt)
        return undefined;
      const ladder = rowLadder(current);
      const level = current.escalation_level + 1;
      if (level >= ladder.length) {
        this.sql!.exhaust.run(id);
        this.audit(id, current.version, HUB_ACTOR, 'ladder-exhausted', { level: current.escalation_level });
        this.log.warn(
          { alertId: id, escalationLevel: current.escalation_level },
          'alert still unacknowledged at the last level',
        );
        return undefined;
      }
      const group = ladder[level].group;
      const row = this.sql!.escalate.get(level, levelDueAt(ladder, level, now), id) as AlertRow;
      this.audit(id, row.version, HUB_ACTOR, 'escalate', { level, group });
      return { row, outbox: this.enqueue(row, [group]) };
    });
    if (change === HELD) {
      this.escalateFromMemory(id, now, timerDueAt);
      return;
    }
    if (!change) return;
    this.metrics.escalations.inc({ level: String(change.row.escalation_level) });
    this.log.info({ alertId: id, escalationLevel: change.row.escalation_level }, 'alert escalated');
    this.publishChange(change);
  }

  private escalateFromMemory(id: string, now: number, timerDueAt?: number): void {
    const current = this.current(id);
    if (!current || current.state !== 'raised' || current.escalation_due_at === null) return;
    // As in escalate(): a timer that fired is due even when now() still reads a little before its due time.
    if (timerDueAt === undefined ? current.escalation_due_at > now : current.escalation_due_at !== timerDueAt) return;
    const ladder = rowLadder(current);
    const level = current.escalation_level + 1;
    if (level >= ladder.length) {
      this.log.warn(
        { alertId: id, escalationLevel: current.escalation_level },
        'alert still unacknowledged at the last level',
      );
      this.holdChange(
        { ...current, escalation_due_at: null },
        HUB_ACTOR,
        'ladder-exhausted',
        { level: current.escalation_level },
        [],
        false,
      );
      return;
    }
    const group = ladder[level].group;
    const row: AlertRow = {
      ...current,
      escalation_level: level,
      escalation_due_at: levelDueAt(ladder, level, now),
      version: current.version + 1,
    };
    this.metrics.escalations.inc({ level: String(level) });
    this.holdChange(row, HUB_ACTOR, 'escalate', { level, group }, [group]);
  }

  // --- pre-alerts ----------------------------------------------------------------------------------------------

  private prealert(homeId: string, kind: string, raiseAt: number, at: number): void {
    const message: NewOutboxRow = {
      channel: 'mqtt',
      alertId: null,
      version: null,
      topic: prealertTopic(homeId),
      payload: prealertPayload(kind, raiseAt),
      retain: true,
    };
    const row = this.storeOrHold('prealert', () => {
      this.sql!.prealertUpsert.run(homeId, kind, raiseAt, at);
      return this.outbox!.enqueue(message);
    });
    // A pre-alert is for the resident, not an alert to keep: told from memory, not held.
    if (row === HELD) void this.sendFromMemory(message);
    else if (row) this.outbox!.deliver(row);
  }

  private prealertCancel(homeId: string, kind: string): void {
    const row = this.storeOrHold('prealert-cancel', () => {
      if (this.sql!.prealertDelete.run(homeId, kind).changes === 0) return undefined;
      // Another kind's pre-alert may still be running for this home: it becomes the retained one again.
      const other = this.sql!.prealertLatest.get(homeId) as { kind: string; raise_at: number } | undefined;
      return this.outbox!.enqueue({
        channel: 'mqtt',
        alertId: null,
        version: null,
        topic: prealertTopic(homeId),
        payload: other ? prealertPayload(other.kind, other.raise_at) : '',
        retain: true,
      });
    });
    if (row === HELD) {
      void this.sendFromMemory({
        channel: 'mqtt',
        alertId: null,
        version: null,
        topic: prealertTopic(homeId),
        payload: '',
        retain: true,
      });
    } else if (row) this.outbox!.deliver(row);
  }

  // --- storage failures ----------------------------------------------------------------------------------------

  /**
   * Run `change` as one immediate transaction that waits at most ALERT_BUSY_TIMEOUT_MS for another writer. HELD when
   * storage fails (or alerts are still held and cannot be stored yet): the caller then tells from memory.
   */
  private storeOrHold<T>(where: string, change: () => T): T | typeof HELD {
    if (this.held.size > 0 && !this.storeHeld()) return HELD;
    try {
      return this.write(change);
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      this.storage.failed(where, err);
      return HELD;
    }
  }

  private write<T>(change: () => T): T {
    const { db } = this.deps;
    const busyMs = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${ALERT_BUSY_TIMEOUT_MS}`);
    try {
      return db.transaction(change).immediate();
    } finally {
      db.pragma(`busy_timeout = ${busyMs}`);
    }
  }

  /** Tell a change from memory on every channel at once, and keep it until storage takes it. */
  private holdChange(
    row: AlertRow,
    actor: string,
    action: AuditAction,
    detail: object,
    groups: (string | undefined)[],
    notify = true,
  ): Alert {
    const held = this.held.get(row.id) ?? { row, audits: [], deliveries: [] };
    held.row = row;
    held.audits.push({ at: this.deps.clock.now(), actor, action, version: row.version, detail });
    this.held.set(row.id, held);
    this.storage.holding(this.held.size);
    this.scheduleStoreRetry();
    const alert = rowToAlert(row);
    if (!notify) return alert;
    this.log.warn(
      { alertId: row.id, homeId: row.home_id, kind: row.kind, action, version: row.version },
      'alert told from memory: storage failed',
    );
    const deliveries = this.notifications(row, groups).map((message) => ({ row: message, delivered: false }));
    held.deliveries.push(...deliveries);
    for (const delivery of deliveries) if (delivery.row.channel === 'mqtt') this.deliverHeld(delivery);
    this.tellListeners(alert);
    for (const delivery of deliveries) if (delivery.row.channel !== 'mqtt') this.deliverHeld(delivery);
    this.armEscalation(row);
    return alert;
  }

  private deliverHeld(delivery: HeldDelivery): void {
    const { row } = delivery;
    const send = (): Promise<void> =>
      this.sendFromMemory(row).then((ok) => {
        delivery.delivered = ok;
      });
    if (row.channel === 'mqtt') {
      void send();
      return;
    }
    // Per alert and receiver, one after the other: a later version never overtakes an earlier one.
    const key = `${row.alertId}\u0000${row.responderId}`;
    const chained = (this.heldWebhookChains.get(key) ?? Promise.resolve()).then(send);
    this.heldWebhookChains.set(key, chained);
    void chained.finally(() => {
      if (this.heldWebhookChains.get(key) === chained) this.heldWebhookChains.delete(key);
    });
  }

  /** One attempt, no storage involved; true when it went out. */
  private async sendFromMemory(message: NewOutboxRow): Promise<boolean> {
    try {
      if (message.channel === 'mqtt') await this.outbox!.publishMessage(message);
      else await this.outbox!.postMessage(message);
      this.metrics.deliveries.inc({ channel: message.channel });
      return true;
    } catch (err) {
      this.metrics.deliveryFailures.inc({ channel: message.channel });
      this.log.warn(
        { alertId: message.alertId, channel: message.channel, err: String(err) },
        'delivery from memory failed; retried once stored',
      );
      return false;
    }
  }

  /** Store every held change (rows, audit trail, deliveries made or still owed); false when storage still fails. */
  private storeHeld(): boolean {
    if (this.held.size === 0) return true;
    const held = [...this.held.values()];
    let owed: OutboxRow[];
    try {
      owed = this.write(() => {
        const rows: OutboxRow[] = [];
        for (const h of held) {
          this.sql!.upsertHeld.run(h.row);
          for (const a of h.audits)
            this.sql!.audit.run(h.row.id, a.at, a.actor, a.action, a.version, JSON.stringify(a.detail));
          for (const d of h.deliveries) {
            const stored = this.outbox!.record(d.row, d.delivered);
            if (stored && !d.delivered) rows.push(stored);
            if (d.delivered) {
              const detail = {
                channel: d.row.channel,
                ...(d.row.responderId ? { responderId: d.row.responderId } : {}),
                fromMemory: true,
              };
              this.audit(h.row.id, d.row.version!, HUB_ACTOR, 'delivered', detail);
            }
          }
        }
        return rows;
      });
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      this.storage.failed('alert-store-held', err);
      this.scheduleStoreRetry();
      return false;
    }
    this.held.clear();
    this.storage.holding(0);
    this.log.warn({ alerts: held.length, owed: owed.length }, 'alerts told from memory are stored');
    for (const row of owed) this.outbox!.deliver(row);
    return true;
  }

  private scheduleStoreRetry(): void {
    if (this.storeRetry || !this.started || this.held.size === 0) return;
    const retryMs = this.deps.storageRetryMs ?? DEFAULT_STORAGE_RETRY_MS;
    this.storeRetry = this.deps.clock.setTimer(this.deps.clock.now() + retryMs, () => {
      this.storeRetry = undefined;
      if (this.started) this.storage.guard('alert-store-held', () => this.storeHeld());
    });
  }

  /** The newest version of an alert: held in memory, else stored (undefined when storage cannot even be read). */
  private current(id: string): AlertRow | undefined {
    const held = this.held.get(id);
    if (held) return held.row;
    try {
      return this.sql!.byId.get(id) as AlertRow | undefined;
    } catch (err) {
      this.storage.failed('alert-read', err);
      return undefined;
    }
  }

  private openByKind(homeId: string, kind: string): AlertRow | undefined {
    for (const { row } of this.held.values()) {
      if (row.home_id === homeId && row.kind === kind && isOpenState(row.state)) return row;
    }
    try {
      const stored = this.sql!.openByKind.get(homeId, kind) as AlertRow | undefined;
      // A held newer version of it may have closed it.
      return stored && !this.held.has(stored.id) ? stored : undefined;
    } catch (err) {
      this.storage.failed('alert-read', err);
      return undefined;
    }
  }

  private readOpen(): AlertRow[] {
    try {
      return this.sql!.open.all() as AlertRow[];
    } catch (err) {
      this.storage.failed('alert-read', err);
      return [];
    }
  }

  // --- notifications -------------------------------------------------------------------------------------------

  /** The MQTT message and the webhooks to every responder (with a webhook) of `groups`. */
  private notifications(row: AlertRow, groups: (string | undefined)[]): NewOutboxRow[] {
    const alert = rowToAlert(row);
    const open = isOpenState(row.state);
    const messages: NewOutboxRow[] = [
      {
        channel: 'mqtt',
        alertId: row.id,
        version: row.version,
        topic: alertTopic(row.home_id, row.id),
        payload: JSON.stringify(alert),
        retain: open,
        clearRetained: !open,
      },
    ];
    const wanted = new Set(groups.filter((g): g is string => g !== undefined));
    for (const responder of this.deps.config.responders ?? []) {
      if (!responder.webhook || !wanted.has(responder.group)) continue;
      messages.push({
        channel: 'webhook',
        alertId: row.id,
        version: row.version,
        responderId: responder.id,
        payload: JSON.stringify({ alert, responderId: responder.id, group: responder.group }),
      });
    }
    return messages;
  }

  /** Record the notifications of a change. In the transaction. */
  private enqueue(row: AlertRow, groups: (string | undefined)[]): OutboxRow[] {
    return this.notifications(row, groups)
      .map((message) => this.outbox!.enqueue(message))
      .filter((r): r is OutboxRow => r !== undefined);
  }

  /** After the commit: MQTT first (the latency that matters), then the dashboard, then webhooks; re-arm the timer. */
  private publishChange(change: Change): Alert {
    const alert = rowToAlert(change.row);
    for (const row of change.outbox) if (row.channel === 'mqtt') this.outbox!.deliver(row);
    this.tellListeners(alert);
    for (const row of change.outbox) if (row.channel !== 'mqtt') this.outbox!.deliver(row);
    this.armEscalation(change.row);
    return alert;
  }

  private tellListeners(alert: Alert): void {
    for (const listener of this.listeners) {
      try {
        listener(alert);
        this.metrics.deliveries.inc({ channel: 'sse' });
      } catch (err) {
        this.metrics.deliveryFailures.inc({ channel: 'sse' });
        this.log.warn({ err: String(err) }, 'alert listener failed');
      }
    }
  }

  private restate(topic: string, payload: string): void {
    this.outbox!.enqueue({ channel: 'mqtt', alertId: null, version: null, topic, payload, retain: true });
  }

  private groupsToldSoFar(row: AlertRow): string[] {
    return rowLadder(row)
      .slice(0, row.escalation_level + 1)
      .map((l) => l.group);
  }

  private observeTimeToAck(row: AlertRow): void {
    if (row.acknowledged_at === null) return;
    this.metrics.timeToAckSeconds.observe({ severity: row.severity }, (row.acknowledged_at - row.raised_at) / 1000);
  }

  private audit(alertId: string, version: number, actor: string, action: AuditAction, detail: object): void {
    this.sql!.audit.run(alertId, this.deps.clock.now(), actor, action, version, JSON.stringify(detail));
  }

  private requireStarted(): void {
    if (!this.started) throw new Error('AlertService used before start() or after stop()');
  }
}

function refuse(code: AlertActionError, message: string): AlertActionResult {
  return { ok: false, code, message };
}

function describeState(row: AlertRow, action: string): string {
  const by = row.acknowledged_by ? ` by ${row.acknowledged_by}` : '';
  return `cannot ${action} alert ${row.id}: it is ${row.state}${row.state === 'acknowledged' ? by : ''}`;
}

function matchesFilter(alert: Alert, filter: AlertFilter): boolean {
  const raisedAt = Date.parse(alert.raisedAt);
  if (filter.homeId !== undefined && alert.homeId !== filter.homeId) return false;
  if (filter.state === 'open' && !isOpenState(alert.state)) return false;
  if (filter.state !== undefined && filter.state !== 'open' && alert.state !== filter.state) return false;
  if (filter.from !== undefined && raisedAt < filter.from) return false;
  if (filter.to !== undefined && raisedAt >= filter.to) return false;
  return true;
}

function prealertPayload(kind: string, raiseAtMs: number): string {
  return JSON.stringify({ kind, raiseAt: new Date(raiseAtMs).toISOString() });
}
