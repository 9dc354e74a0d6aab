// The alert service (SPEC 5): the façade the hub, the dashboard and the tests use over the alert module's parts —
// the state machine (lifecycle.ts), escalation (escalation.ts), pre-alerts (prealerts.ts), the MQTT acknowledgement
// protocol (ack-protocol.ts), changes held while storage fails (held.ts) and delivery through the outbox (outbox.ts).
import type { Database } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Publisher } from '../publisher.js';
import { sqliteCode, StorageHealth } from '../storage-health.js';
import { alertTopic } from '../topics.js';
import type { RuleDecision } from '../../rules/types.js';
import type { HubConfig } from '../config-types.js';
import { handleAckCommand, type AckProtocolDeps } from './ack-protocol.js';
import type { Alert, AlertActionResult, AlertFilter, AlertServiceApi } from './api.js';
import { AlertChanges } from './changes.js';
import { ClockCorrection } from './clock-correction.js';
import { Escalation } from './escalation.js';
import { DEFAULT_STORAGE_RETRY_MS, HeldAlerts, type AlertStore } from './held.js';
import { AlertLifecycle } from './lifecycle.js';
import { alertMetrics, type AlertMetrics } from './metrics.js';
import { DEFAULT_OUTBOX_OPTIONS, Outbox, type NewOutboxRow, type OutboxOptions } from './outbox.js';
import { Prealerts } from './prealerts.js';
import { matchesFilter, queryAlerts } from './query.js';
import { isOpenState, rowToAlert, type AlertRow } from './rows.js';
import { migrateAlerts } from './schema.js';
import { HUB_ACTOR, prepareAlertStatements } from './statements.js';

export { ALERT_BUSY_TIMEOUT_MS } from './held.js';
export { MAX_NOTE_CHARS } from './lifecycle.js';

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
  /** Called with each alert version's MQTT message inside the transaction that stores it (the uplink). */
  onAlertVersion?: (message: NewOutboxRow) => void;
  /**
   * Called with the MQTT message of each alert version told from memory while storage fails (the uplink sends it to
   * the centre at once; it is queued through `onAlertVersion` once stored).
   */
  onAlertVersionFromMemory?: (message: NewOutboxRow) => void;
}

export class AlertService implements AlertServiceApi {
  private readonly log: Logger;
  private readonly metrics: AlertMetrics;
  private readonly listeners = new Set<(alert: Alert) => void>();
  /** The statements and the outbox, made by start() once the tables exist. */
  private store: AlertStore | undefined;
  private started = false;
  private readonly held: HeldAlerts;
  private readonly changes: AlertChanges;
  private readonly escalation: Escalation;
  private readonly prealerts: Prealerts;
  private readonly lifecycle: AlertLifecycle;
  private readonly clockCorrection: ClockCorrection;
  private readonly ackProtocol: AckProtocolDeps;
  readonly storage: StorageHealth;

  constructor(private readonly deps: AlertServiceDeps) {
    this.log = deps.logger.child({ ns: 'alerts' });
    this.metrics = alertMetrics(deps.metrics);
    this.storage = deps.storage ?? new StorageHealth(deps.metrics, deps.logger, () => deps.clock.now());
    const shared = {
      clock: deps.clock,
      log: this.log,
      metrics: this.metrics,
      storage: this.storage,
      config: () => this.deps.config,
      stored: () => this.stored(),
      running: () => this.started,
    };
    this.held = new HeldAlerts({
      ...shared,
      db: deps.db,
      retryMs: deps.storageRetryMs ?? DEFAULT_STORAGE_RETRY_MS,
    });
    this.changes = new AlertChanges({
      ...shared,
      held: this.held,
      listeners: this.listeners,
      rearm: (row) => this.escalation.arm(row),
      onAlertVersionFromMemory: deps.onAlertVersionFromMemory,
    });
    const parts = { ...shared, held: this.held, changes: this.changes };
    this.escalation = new Escalation(parts);
    this.prealerts = new Prealerts(parts);
    this.lifecycle = new AlertLifecycle(parts);
    this.clockCorrection = new ClockCorrection({ ...parts, subscribe: (listener) => this.subscribe(listener) });
    this.ackProtocol = { ...parts, publisher: deps.publisher, lifecycle: this.lifecycle };
  }

  /**
   * For /api/health: escalation steps sent to the home's ladder as configured now because the alert's own ladder named
   * a group a reload (or a restart with a new file) took away. Absent when there were none.
   */
  describe(): { escalationsRerouted?: number } {
    const rerouted = this.escalation.rerouted;
    return rerouted > 0 ? { escalationsRerouted: rerouted } : {};
  }

  /**
   * Responders and ladders for changes from now on (SIGHUP); alerts already raised keep the ladder they had, except
   * that an escalation step to a group no longer configured goes to the home's ladder as configured now (escalation.ts).
   */
  setConfig(config: HubConfig): void {
    this.deps.config = config;
    this.store?.outbox.setConfig(config);
    if (this.started) this.cancelUnconfiguredPrealerts();
  }

  /**
   * A home taken out of the configuration (a reload, or a restart with another file) has no rule running any more:
   * its pre-alerts are cancelled, or their retained warning would stay on its topic, restated at every start.
   */
  private cancelUnconfiguredPrealerts(): void {
    const homes = new Set(this.deps.config.homes.map((h) => h.id));
    this.storage.guard('prealert-cancel', () => this.prealerts.cancelUnconfigured((homeId) => homes.has(homeId)));
  }

  /**
   * Migrate, fire escalations that fell due while the hub was down, resume deliveries and (unless `restate` is false,
   * for a hub that calls `restateOpen()` once its broker is up) republish open alerts.
   */
  async start(options: { restate?: boolean } = {}): Promise<void> {
    const { db } = this.deps;
    migrateAlerts(db);
    const sql = prepareAlertStatements(db);
    const outbox = new Outbox({
      db,
      publisher: this.deps.publisher,
      config: this.deps.config,
      clock: this.deps.clock,
      logger: this.log,
      metrics: this.metrics,
      options: { ...DEFAULT_OUTBOX_OPTIONS, ...this.deps.outbox },
      audit: (alertId, version, action, detail, atMs) =>
        this.changes.audit(alertId, version, HUB_ACTOR, action, detail, atMs),
      storage: this.storage,
      onAlertVersion: this.deps.onAlertVersion,
    });
    this.store = { sql, outbox };
    this.started = true;
    // The broker is not up yet: MQTT rows found pending (a crash between a delivery and its mark) and those of changes
    // made meanwhile wait for restateOpen() instead of failing and waiting a retry period. Webhooks go.
    if (options.restate === false) outbox.holdMqtt();

    // Before the restatement: a pre-alert of a home no longer configured is cleared, never restated.
    this.cancelUnconfiguredPrealerts();
    // Repeats held by the pace that a hub killed within its second never told: told first, as they came first.
    this.lifecycle.tellPacedAfterRestart();
    const open = sql.open.all();
    this.escalation.fireOverdue(open, this.deps.clock.now());
    this.escalation.armStored(sql.open.all());
    if (options.restate !== false) this.restateOpen();
    outbox.resume();
    this.log.info({ open: open.length }, 'alert service started');
  }

  /**
   * The store is the truth: a broker that restarted without persistence has lost the retained messages of open
   * alerts and pre-alerts. Called at start and on every (re)connection to the broker. Restated through the outbox
   * (no alert id, so no audit entry) so they are retried; straight from memory when storage fails.
   */
  restateOpen(): void {
    if (!this.started) return;
    const { sql, outbox } = this.stored();
    // Pre-alert changes waiting for their window: the store is the truth restated below.
    this.storePrealertsNow();
    // Deliveries made and not yet marked would look pending below (and so not restated): marked first.
    outbox.storeMarksNow();
    try {
      this.deps.db.transaction(() => {
        for (const row of sql.open.all()) {
          // Held versions are newer than the stored row: they are published below.
          if (this.held.has(row.id)) continue;
          // A pending message (an escalation just fired, or one the crash left undelivered) carries the newest version.
          if (outbox.hasPendingMqtt(row.id)) continue;
          this.changes.restate(alertTopic(row.home_id, row.id), JSON.stringify(rowToAlert(row)));
        }
        this.prealerts.restate();
      })();
      outbox.retryMqttNow();
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      this.storage.failed('alert-restate', err);
      outbox.releaseMqtt();
      for (const row of this.changes.readOpen()) {
        if (!this.held.has(row.id)) this.restateFromMemory(row);
      }
    }
    for (const row of this.held.rows()) {
      if (isOpenState(row.state)) this.restateFromMemory(row);
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    // Repeats held by the pace (lifecycle.ts, pacing.ts) are told before the stop: the count stays exact.
    this.storage.guard('alert-raise', () => this.lifecycle.tellAllPaced());
    this.storePrealertsNow();
    this.storage.guard('alert-store-held', () => this.held.store());
    this.storage.guard('prealert-cancel', () => this.prealerts.deleteCancelledFromMemory());
    this.started = false;
    this.clockCorrection.forget();
    const held = this.held.stop();
    this.escalation.clearAll();
    await held;
    await this.store?.outbox.stop();
  }

  /**
   * The hub's clock reads behind, or may (`true`: the rules runner started on a clock before their last time, or
   * watches for network time's first step on a Pi with no real-time clock). The alerts changed from then on are
   * followed; when the clock steps forward by a minute or more (`Clock.onStep`), each gets a new version with the times
   * stamped meanwhile moved by the step. `false`: the clock is taken as right (the runner's watch ended without a
   * step), and following ends. `leadMs`: how far behind the rules' last time the clock started (ClockCorrection.behind).
   */
  clockInDoubt(inDoubt: boolean, leadMs = 0): void {
    if (!inDoubt) this.clockCorrection.forget();
    else if (this.started) this.clockCorrection.behind(leadMs);
  }

  /**
   * Pre-alert changes waiting for their window (prealerts.ts) stored now: called before the rules' snapshot is written,
   * so that a snapshot never says more than the store (a restart re-makes what came after it).
   */
  storePrealertsNow(): void {
    if (this.started) this.storage.guard('prealert', () => this.prealerts.storeNow());
  }

  /** Resolves once no delivery is in flight and pre-alert changes are stored (tests, graceful stop). */
  settled(): Promise<void> {
    this.storePrealertsNow();
    return this.store?.outbox.settled() ?? Promise.resolve();
  }

  /**
   * Carry out one rule decision: stored first, then published at once. A repeat of a device's report past a short burst
   * is counted and told with the others in one version a second (pacing.ts): undefined then, as for no change.
   */
  apply(decision: RuleDecision): Alert | undefined {
    this.requireStarted();
    switch (decision.type) {
      case 'raise':
        return this.lifecycle.raise(decision);
      case 'clear':
        return this.lifecycle.cancel(decision);
      case 'prealert':
        this.prealerts.start(decision.homeId, decision.kind, decision.raiseAt, decision.at);
        return undefined;
      case 'prealert-cancel':
        this.prealerts.cancel(decision.homeId, decision.kind);
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
    const held = this.held.rows().map(rowToAlert);
    const heldIds = new Set(held.map((a) => a.id));
    const matching = held.filter((a) => matchesFilter(a, filter));
    return [...matching, ...stored.filter((a) => !heldIds.has(a.id))];
  }

  get(id: string): Alert | undefined {
    if (!this.store) return undefined;
    const row = this.changes.current(id);
    return row ? rowToAlert(row) : undefined;
  }

  subscribe(listener: (alert: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  acknowledge(id: string, by: string, note: string | null = null): AlertActionResult {
    this.requireStarted();
    return this.lifecycle.act('acknowledge', id, by, 'api', (who) => this.lifecycle.acknowledge(id, who, note));
  }

  resolve(id: string, outcome: string, note: string | null, by: string, seenVersion?: number): AlertActionResult {
    this.requireStarted();
    return this.lifecycle.act('resolve', id, by, 'api', (who) =>
      this.lifecycle.resolve(id, outcome, note, who, seenVersion),
    );
  }

  /** An acknowledgement or resolution published on `telecare/<homeId>/alerts/<alertId>/ack`; answered on `.../ack/result`. */
  handleAckMessage(topic: string, payload: Buffer, username: string | undefined, externalBroker = false): void {
    if (!this.started) {
      this.log.warn('ack received while the alert service is stopped: dropped');
      return;
    }
    handleAckCommand(this.ackProtocol, topic, payload, username, externalBroker);
  }

  /** The MQTT message of an open alert's current version, straight from memory (storage failed). */
  private restateFromMemory(row: AlertRow): void {
    const [message] = this.changes.notifications(row, []);
    if (message) void this.held.send(message);
  }

  private stored(): AlertStore {
    if (!this.store) throw new Error('AlertService used before start()');
    return this.store;
  }

  private requireStarted(): void {
    if (!this.started) throw new Error('AlertService used before start() or after stop()');
  }
}
