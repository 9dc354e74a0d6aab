// The alert service: state machine, escalation ladders and delivery through the outbox (SPEC 5).
import type { Database, Statement } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Publisher } from '../publisher.js';
import type { HubConfig, RuleDecision } from '../../rules/types.js';
import { OUTCOMES, type Outcome } from '../../rules/vocabulary.js';
import type { Alert, AlertActionError, AlertActionResult, AlertFilter, AlertServiceApi } from './api.js';
import { alertTopic, parseAlertAckTopic, prealertTopic } from '../topics.js';
import { ackResultTopic, parseAckPayload } from './ack-topic.js';
import { newAlertId } from './ids.js';
import { ladderFor, levelDueAt } from './ladder.js';
import { alertMetrics, type AlertMetrics } from './metrics.js';
import { DEFAULT_OUTBOX_OPTIONS, Outbox, type OutboxOptions, type OutboxRow } from './outbox.js';
import { queryAlerts, type AuditAction } from './query.js';
import { rowLadder, rowToAlert, type AlertRow } from './rows.js';
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
}

/** Longest note kept on a resolution; longer notes are cut. */
export const MAX_NOTE_CHARS = 2000;

/** MQTT roles that may never act on alerts even though they can log in. */
const MQTT_ROLES_WITHOUT_ALERT_RIGHTS = new Set(['device', 'bridge']);

const HUB_ACTOR = 'hub';

type Via = 'api' | 'mqtt';

interface Change {
  row: AlertRow;
  outbox: OutboxRow[];
}

export class AlertService implements AlertServiceApi {
  private readonly log: Logger;
  private readonly metrics: AlertMetrics;
  private readonly listeners = new Set<(alert: Alert) => void>();
  private readonly escalationTimers = new Map<string, TimerHandle>();
  private outbox: Outbox | undefined;
  private sql: Record<string, Statement> | undefined;
  private started = false;

  constructor(private readonly deps: AlertServiceDeps) {
    this.log = deps.logger.child({ ns: 'alerts' });
    this.metrics = alertMetrics(deps.metrics);
  }

  /** Migrate, fire escalations that fell due while the hub was down, republish open alerts, resume deliveries. */
  async start(): Promise<void> {
    const { db } = this.deps;
    migrateAlerts(db);
    this.sql = {
      byId: db.prepare('SELECT * FROM alerts WHERE id = ?'),
      openByKind: db.prepare("SELECT * FROM alerts WHERE home_id = ? AND kind = ? AND state IN ('raised', 'acknowledged')"),
      open: db.prepare("SELECT * FROM alerts WHERE state IN ('raised', 'acknowledged') ORDER BY raised_at"),
      insert: db.prepare(`INSERT INTO alerts (id, home_id, resident_id, kind, severity, state, raised_at, escalation_level,
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
    });
    this.started = true;

    const now = this.deps.clock.now();
    const open = this.sql.open!.all() as AlertRow[];
    for (const row of open) {
      if (row.state === 'raised' && row.escalation_due_at !== null && row.escalation_due_at <= now) this.escalate(row.id);
    }
    // The store is the truth: an embedded broker restarted with the hub has lost its retained messages. Restated
    // through the outbox (no alert id, so no audit entry) so they are retried if the broker is not up yet.
    this.deps.db.transaction(() => {
      for (const row of this.sql!.open!.all() as AlertRow[]) {
        this.armEscalation(row);
        // A pending message (an escalation just fired, or one the crash left undelivered) carries the newest version.
        if (this.outbox!.hasPendingMqtt(row.id)) continue;
        this.restate(alertTopic(row.home_id, row.id), JSON.stringify(rowToAlert(row)));
      }
      for (const { home_id } of this.sql!.prealertHomes!.all() as { home_id: string }[]) {
        const latest = this.sql!.prealertLatest!.get(home_id) as { kind: string; raise_at: number };
        this.restate(prealertTopic(home_id), prealertPayload(latest.kind, latest.raise_at));
      }
    })();
    this.outbox.resume();
    this.log.info({ open: open.length }, 'alert service started');
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const handle of this.escalationTimers.values()) this.deps.clock.clearTimer(handle);
    this.escalationTimers.clear();
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

  list(filter: AlertFilter = {}): Alert[] {
    return queryAlerts(this.deps.db, filter);
  }

  get(id: string): Alert | undefined {
    const row = this.sql?.byId!.get(id) as AlertRow | undefined;
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
        .publish(ackResultTopic(target), JSON.stringify({ alertId: target.alertId, ...body }), { qos: 1, retain: false })
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
      const row = this.sql!.byId!.get(target.alertId) as AlertRow | undefined;
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

  private raise(d: Extract<RuleDecision, { type: 'raise' }>): Alert {
    const now = this.deps.clock.now();
    let merged = false;
    const change = this.deps.db.transaction((): Change => {
      const open = this.sql!.openByKind!.get(d.homeId, d.kind) as AlertRow | undefined;
      if (open) {
        merged = true;
        const row = this.sql!.merge!.get(now, open.id) as AlertRow;
        this.audit(row.id, row.version, HUB_ACTOR, 'merge', { count: row.count });
        return { row, outbox: this.enqueue(row, [rowLadder(row)[row.escalation_level]?.group]) };
      }
      const ladder = ladderFor(this.deps.config, d.homeId, d.severity);
      const detail = { ...d.detail, ...(d.deviceId ? { deviceId: d.deviceId } : {}), eventAt: new Date(d.at).toISOString() };
      const row = this.sql!.insert!.get({
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
      }) as AlertRow;
      this.audit(row.id, row.version, HUB_ACTOR, 'raise', { group: ladder[0]?.group });
      return { row, outbox: this.enqueue(row, [ladder[0]?.group]) };
    })();
    if (merged) this.metrics.merged.inc({ kind: d.kind });
    else this.metrics.raised.inc({ kind: d.kind, severity: d.severity });
    this.log.info({ alertId: change.row.id, homeId: d.homeId, kind: d.kind, merged }, merged ? 'alert repeated' : 'alert raised');
    return this.publishChange(change);
  }

  private cancel(d: Extract<RuleDecision, { type: 'clear' }>): Alert | undefined {
    const now = this.deps.clock.now();
    const change = this.deps.db.transaction((): Change | undefined => {
      const open = this.sql!.openByKind!.get(d.homeId, d.kind) as AlertRow | undefined;
      // Once someone has acknowledged, the responder decides how it ends.
      if (!open || open.state !== 'raised') return undefined;
      const detail = { ...JSON.parse(open.detail), cancelReason: d.reason };
      const row = this.sql!.cancel!.get(now, JSON.stringify(detail), open.id) as AlertRow;
      this.audit(row.id, row.version, HUB_ACTOR, 'cancel', { reason: d.reason });
      return { row, outbox: this.enqueue(row, this.groupsToldSoFar(row)) };
    })();
    if (!change) return undefined;
    this.metrics.closed.inc({ state: 'cancelled' });
    this.log.info({ alertId: change.row.id, kind: d.kind }, 'alert cancelled');
    return this.publishChange(change);
  }

  private doAcknowledge(id: string, by: string): AlertActionResult {
    const now = this.deps.clock.now();
    const change = this.deps.db.transaction((): Change | AlertActionResult => {
      const current = this.sql!.byId!.get(id) as AlertRow | undefined;
      if (!current) return refuse('not-found', `no alert ${id}`);
      if (current.state !== 'raised') return refuse('wrong-state', describeState(current, 'acknowledge'));
      const row = this.sql!.acknowledge!.get(now, by, id) as AlertRow;
      this.audit(id, row.version, by, 'acknowledge', {});
      return { row, outbox: this.enqueue(row, this.groupsToldSoFar(row)) };
    })();
    if ('ok' in change) return change;
    this.observeTimeToAck(change.row);
    return { ok: true, alert: this.publishChange(change) };
  }

  private doResolve(id: string, outcome: string, note: string | null, by: string): AlertActionResult {
    const now = this.deps.clock.now();
    const change = this.deps.db.transaction((): Change | AlertActionResult => {
      const current = this.sql!.byId!.get(id) as AlertRow | undefined;
      if (!current) return refuse('not-found', `no alert ${id}`);
      if (!(OUTCOMES as readonly string[]).includes(outcome)) {
        return refuse('bad-outcome', `unknown outcome ${JSON.stringify(outcome)}: use one of ${OUTCOMES.join(', ')}`);
      }
      if (current.state !== 'raised' && current.state !== 'acknowledged') {
        return refuse('wrong-state', describeState(current, 'resolve'));
      }
      const row = this.sql!.resolve!.get({
        id,
        now,
        by,
        outcome: outcome as Outcome,
        note: note === null ? null : note.slice(0, MAX_NOTE_CHARS),
      }) as AlertRow;
      this.audit(id, row.version, by, 'resolve', { outcome, fromState: current.state });
      const firstResponse = current.state === 'raised';
      return { row, outbox: this.enqueue(row, this.groupsToldSoFar(row)), ...(firstResponse ? { firstResponse } : {}) };
    })();
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
      typeof by !== 'string' || by.trim() === ''
        ? refuse('forbidden', `${action} needs an authenticated user`)
        : run();
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
        if (this.started) this.escalate(row.id, dueAt);
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
    const change = this.deps.db.transaction((): Change | undefined => {
      const current = this.sql!.byId!.get(id) as AlertRow | undefined;
      if (!current || current.state !== 'raised' || current.escalation_due_at === null) return undefined;
      if (timerDueAt === undefined ? current.escalation_due_at > now : current.escalation_due_at !== timerDueAt) return undefined;
      const ladder = rowLadder(current);
      const level = current.escalation_level + 1;
      if (level >= ladder.length) {
        this.sql!.exhaust!.run(id);
        this.audit(id, current.version, HUB_ACTOR, 'ladder-exhausted', { level: current.escalation_level });
        this.log.warn({ alertId: id, level: current.escalation_level }, 'alert still unacknowledged at the last level');
        return undefined;
      }
      const group = ladder[level]!.group;
      const row = this.sql!.escalate!.get(level, levelDueAt(ladder, level, now), id) as AlertRow;
      this.audit(id, row.version, HUB_ACTOR, 'escalate', { level, group });
      return { row, outbox: this.enqueue(row, [group]) };
    })();
    if (!change) return;
    this.metrics.escalations.inc({ level: String(change.row.escalation_level) });
    this.log.info({ alertId: id, level: change.row.escalation_level }, 'alert escalated');
    this.publishChange(change);
  }

  // --- pre-alerts ----------------------------------------------------------------------------------------------

  private prealert(homeId: string, kind: string, raiseAt: number, at: number): void {
    const row = this.deps.db.transaction(() => {
      this.sql!.prealertUpsert!.run(homeId, kind, raiseAt, at);
      return this.outbox!.enqueue({
        channel: 'mqtt',
        alertId: null,
        version: null,
        topic: prealertTopic(homeId),
        payload: prealertPayload(kind, raiseAt),
        retain: true,
      });
    })();
    if (row) this.outbox!.deliver(row);
  }

  private prealertCancel(homeId: string, kind: string): void {
    const row = this.deps.db.transaction(() => {
      if (this.sql!.prealertDelete!.run(homeId, kind).changes === 0) return undefined;
      // Another kind's pre-alert may still be running for this home: it becomes the retained one again.
      const other = this.sql!.prealertLatest!.get(homeId) as { kind: string; raise_at: number } | undefined;
      return this.outbox!.enqueue({
        channel: 'mqtt',
        alertId: null,
        version: null,
        topic: prealertTopic(homeId),
        payload: other ? prealertPayload(other.kind, other.raise_at) : '',
        retain: true,
      });
    })();
    if (row) this.outbox!.deliver(row);
  }

  // --- notifications -------------------------------------------------------------------------------------------

  /** Record the MQTT message and the webhooks to every responder (with a webhook) of `groups`. In the transaction. */
  private enqueue(row: AlertRow, groups: (string | undefined)[]): OutboxRow[] {
    const alert = rowToAlert(row);
    const open = row.state === 'raised' || row.state === 'acknowledged';
    const rows: (OutboxRow | undefined)[] = [
      this.outbox!.enqueue({
        channel: 'mqtt',
        alertId: row.id,
        version: row.version,
        topic: alertTopic(row.home_id, row.id),
        payload: JSON.stringify(alert),
        retain: open,
        clearRetained: !open,
      }),
    ];
    const wanted = new Set(groups.filter((g): g is string => g !== undefined));
    for (const responder of this.deps.config.responders ?? []) {
      if (!responder.webhook || !wanted.has(responder.group)) continue;
      rows.push(
        this.outbox!.enqueue({
          channel: 'webhook',
          alertId: row.id,
          version: row.version,
          responderId: responder.id,
          payload: JSON.stringify({ alert, responderId: responder.id, group: responder.group }),
        }),
      );
    }
    return rows.filter((r): r is OutboxRow => r !== undefined);
  }

  /** After the commit: MQTT first (the latency that matters), then the dashboard, then webhooks; re-arm the timer. */
  private publishChange(change: Change): Alert {
    const alert = rowToAlert(change.row);
    for (const row of change.outbox) if (row.channel === 'mqtt') this.outbox!.deliver(row);
    for (const listener of this.listeners) {
      try {
        listener(alert);
        this.metrics.deliveries.inc({ channel: 'sse' });
      } catch (err) {
        this.metrics.deliveryFailures.inc({ channel: 'sse' });
        this.log.warn({ err: String(err) }, 'alert listener failed');
      }
    }
    for (const row of change.outbox) if (row.channel !== 'mqtt') this.outbox!.deliver(row);
    this.armEscalation(change.row);
    return alert;
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
    this.sql!.audit!.run(alertId, this.deps.clock.now(), actor, action, version, JSON.stringify(detail));
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

function prealertPayload(kind: string, raiseAtMs: number): string {
  return JSON.stringify({ kind, raiseAt: new Date(raiseAtMs).toISOString() });
}
