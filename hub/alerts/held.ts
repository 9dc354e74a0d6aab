// Alert changes told from memory while storage fails (disk full, locked, damaged), stored once storage returns.
import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { sqliteCode, type StorageHealth } from '../storage-health.js';
import type { AlertMetrics } from './metrics.js';
import type { NewOutboxRow, Outbox, OutboxRow } from './outbox.js';
import type { AuditAction } from './query.js';
import type { AlertRow } from './rows.js';
import { HUB_ACTOR, writeAudit, type AlertStatements } from './statements.js';

/**
 * How long an alert change waits for another writer's lock before it is delivered from memory instead: an
 * emergency must not wait for the lock's owner (the connection's own busy timeout is for background writes).
 */
export const ALERT_BUSY_TIMEOUT_MS = 50;

export const DEFAULT_STORAGE_RETRY_MS = 2_000;

/** What a change returns when storage failed and it must be told from memory. */
export const HELD = Symbol('held in memory');

/** What the alert service stores through; exists from start() on. */
export interface AlertStore {
  sql: AlertStatements;
  outbox: Outbox;
}

interface HeldAudit {
  at: number;
  actor: string;
  action: AuditAction;
  version: number;
  detail: object;
}

export interface HeldDelivery {
  row: NewOutboxRow;
  delivered: boolean;
}

/** An alert whose newest versions were delivered from memory because storage failed; stored when it returns. */
interface HeldAlert {
  row: AlertRow;
  audits: HeldAudit[];
  deliveries: HeldDelivery[];
}

export interface HeldAlertsDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  metrics: AlertMetrics;
  storage: StorageHealth;
  /** How often held changes are offered to storage again. */
  retryMs: number;
  /** The statements and outbox (throws before start()). */
  stored(): AlertStore;
  /** False before start() and after stop(): no retry is scheduled then. */
  running(): boolean;
}

export class HeldAlerts {
  private readonly held = new Map<string, HeldAlert>();
  /** Webhook deliveries from memory, chained per alert and receiver so that versions never overtake each other. */
  private readonly webhookChains = new Map<string, Promise<void>>();
  private retry: TimerHandle | undefined;
  private writer: AlertWriter | undefined;

  constructor(private readonly d: HeldAlertsDeps) {}

  get size(): number {
    return this.held.size;
  }

  has(id: string): boolean {
    return this.held.has(id);
  }

  /** The newest held version of an alert. */
  row(id: string): AlertRow | undefined {
    return this.held.get(id)?.row;
  }

  /** The audit entries held for an alert, oldest first (none when none is held). */
  audits(id: string): readonly HeldAudit[] {
    return this.held.get(id)?.audits ?? [];
  }

  /** The newest held version of every held alert. */
  rows(): AlertRow[] {
    return [...this.held.values()].map((h) => h.row);
  }

  /**
   * Run `change` as one immediate transaction that waits at most ALERT_BUSY_TIMEOUT_MS for another writer. HELD when
   * storage fails (or alerts are still held and cannot be stored yet): the caller then tells from memory.
   */
  storeOrHold<T>(where: string, change: () => T): T | typeof HELD {
    if (this.held.size > 0 && !this.store()) return HELD;
    try {
      return this.write(change);
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      this.d.storage.failed(where, err);
      return HELD;
    }
  }

  /** Keep a version told from memory, with its audit entry, until storage takes it. */
  keep(row: AlertRow, actor: string, action: AuditAction, detail: object): void {
    const held = this.held.get(row.id) ?? { row, audits: [], deliveries: [] };
    held.row = row;
    held.audits.push({ at: this.d.clock.now(), actor, action, version: row.version, detail });
    this.held.set(row.id, held);
    this.d.storage.holding(this.held.size);
    this.scheduleRetry();
  }

  /** The deliveries of a kept version, owed until they went out (recorded as delivered or pending once stored). */
  owe(row: AlertRow, messages: NewOutboxRow[]): HeldDelivery[] {
    const deliveries = messages.map((message) => ({ row: message, delivered: false }));
    this.held.get(row.id)?.deliveries.push(...deliveries);
    return deliveries;
  }

  deliver(delivery: HeldDelivery): void {
    const { row } = delivery;
    const send = (): Promise<void> =>
      this.send(row).then((ok) => {
        delivery.delivered = ok;
      });
    if (row.channel === 'mqtt') {
      void send();
      return;
    }
    // Per alert and receiver, one after the other: a later version never overtakes an earlier one.
    const key = `${row.alertId}\u0000${row.responderId}`;
    const chained = (this.webhookChains.get(key) ?? Promise.resolve()).then(send);
    this.webhookChains.set(key, chained);
    void chained.finally(() => {
      if (this.webhookChains.get(key) === chained) this.webhookChains.delete(key);
    });
  }

  /** One attempt, no storage involved; true when it went out. */
  async send(message: NewOutboxRow): Promise<boolean> {
    const { outbox } = this.d.stored();
    try {
      if (message.channel === 'mqtt') await outbox.publishMessage(message);
      else await outbox.postMessage(message);
      this.d.metrics.deliveries.inc({ channel: message.channel });
      return true;
    } catch (err) {
      this.d.metrics.deliveryFailures.inc({ channel: message.channel });
      this.d.log.warn(
        { alertId: message.alertId, channel: message.channel, err: String(err) },
        'delivery from memory failed; retried once stored',
      );
      return false;
    }
  }

  /** Store every held change (rows, audit trail, deliveries made or still owed); false when storage still fails. */
  store(): boolean {
    if (this.held.size === 0) return true;
    const held = [...this.held.values()];
    const { sql, outbox } = this.d.stored();
    let owed: OutboxRow[];
    try {
      owed = this.write(() => {
        const rows: OutboxRow[] = [];
        for (const h of held) {
          sql.upsertHeld.run(h.row);
          for (const a of h.audits) writeAudit(sql, a.at, h.row.id, a.version, a.actor, a.action, a.detail);
          for (const delivery of h.deliveries) {
            const stored = outbox.record(delivery.row, delivery.delivered);
            if (stored && !delivery.delivered) rows.push(stored);
            if (delivery.delivered) {
              const detail = {
                channel: delivery.row.channel,
                ...(delivery.row.responderId ? { responderId: delivery.row.responderId } : {}),
                fromMemory: true,
              };
              const version = delivery.row.version ?? h.row.version;
              writeAudit(sql, this.d.clock.now(), h.row.id, version, HUB_ACTOR, 'delivered', detail);
            }
          }
        }
        return rows;
      });
    } catch (err) {
      if (sqliteCode(err) === undefined) throw err;
      this.d.storage.failed('alert-store-held', err);
      this.scheduleRetry();
      return false;
    }
    this.held.clear();
    this.d.storage.holding(0);
    this.d.log.warn({ alerts: held.length, owed: owed.length }, 'alerts told from memory are stored');
    for (const row of owed) outbox.deliver(row);
    return true;
  }

  /** Stop retrying and wait for the deliveries from memory still under way (the caller offers storage one last time). */
  async stop(): Promise<void> {
    if (this.retry) this.d.clock.clearTimer(this.retry);
    this.retry = undefined;
    await Promise.allSettled([...this.webhookChains.values()]);
  }

  /**
   * Run `change` as an immediate transaction that waits at most ALERT_BUSY_TIMEOUT_MS for another writer's lock.
   *
   * The running hub's connection has a busy timeout of 0 (hub.ts, once started): then the transaction is tried as it
   * is, and only when its BEGIN finds the lock taken is it tried again with the short timeout (and the connection's
   * 0 put back). Each alert change used to read, set and restore the timeout around every transaction: three pragma
   * statements, which SQLite prepares again at each run, about 5 % of a press's turn in its CPU profile
   * (docs/performance.md, session 25). A connection with another timeout (5 s before the hub has started) is set to the
   * short one around the transaction, as before.
   */
  private write<T>(change: () => T): T {
    // Prepared once per connection: a pragma call prepares a new statement each time, and so does a new transaction
    // wrapper.
    const { db } = this.d;
    if (this.writer?.db !== db) this.writer = alertWriter(db);
    const w = this.writer;
    if (w.busyMs === 0) {
      let began = false;
      try {
        return w.transaction.immediate(() => {
          began = true;
          return change();
        }) as T;
      } catch (err) {
        // Failed inside the transaction (rolled back): the caller's to handle, as before. Only a BEGIN that found
        // the lock taken (nothing of `change` has run) is tried again, below, waiting for the lock.
        if (began || !isBusy(err)) throw err;
      }
    }
    return this.writeWithShortBusy(w, change);
  }

  /** The transaction with the connection's busy timeout set to ALERT_BUSY_TIMEOUT_MS, and put back after. */
  private writeWithShortBusy<T>(w: AlertWriter, change: () => T): T {
    const busyMs = w.readBusy.get() as number;
    // Kept for the next change: only the hub changes it, once, from 5 s to 0 when it has started.
    w.busyMs = busyMs;
    w.setShortBusy.run();
    try {
      return w.transaction.immediate(change) as T;
    } finally {
      w.setBusy(busyMs);
    }
  }

  private scheduleRetry(): void {
    if (this.retry || !this.d.running() || this.held.size === 0) return;
    this.retry = this.d.clock.setTimer(this.d.clock.now() + this.d.retryMs, () => {
      this.retry = undefined;
      if (this.d.running()) this.d.storage.guard('alert-store-held', () => this.store());
    });
  }
}

/** The statements and transaction wrapper of alert writes, made once per database connection. */
interface AlertWriter {
  db: Database;
  /** The connection's own busy timeout when last read (undefined: not read yet). */
  busyMs: number | undefined;
  readBusy: Statement;
  setShortBusy: Statement;
  /** Puts the connection's own busy timeout back (a statement per value seen: 0 once started, 5000 before). */
  setBusy(ms: number): void;
  transaction: Transaction<(change: () => unknown) => unknown>;
}

/** SQLITE_BUSY and its extended codes: another connection holds the lock. */
function isBusy(err: unknown): boolean {
  return sqliteCode(err)?.startsWith('SQLITE_BUSY') === true;
}

function alertWriter(db: Database): AlertWriter {
  const setters = new Map<number, Statement>();
  return {
    db,
    busyMs: undefined,
    readBusy: db.prepare('PRAGMA busy_timeout').pluck(),
    setShortBusy: db.prepare(`PRAGMA busy_timeout = ${ALERT_BUSY_TIMEOUT_MS}`),
    setBusy(ms: number): void {
      let set = setters.get(ms);
      if (!set) {
        set = db.prepare(`PRAGMA busy_timeout = ${Math.trunc(ms)}`);
        setters.set(ms, set);
      }
      set.run();
    },
    transaction: db.transaction((change: () => unknown) => change()),
  };
}
