// Pre-alerts: the warning to the resident before an inactivity-type alert, retained on telecare/<homeId>/prealert (SPEC 5).
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { prealertTopic } from '../topics.js';
import type { AlertChanges } from './changes.js';
import { HELD, type AlertStore, type HeldAlerts } from './held.js';
import type { NewOutboxRow, OutboxRow } from './outbox.js';

export interface PrealertsDeps {
  clock: Clock;
  log: Logger;
  stored(): AlertStore;
  held: HeldAlerts;
  changes: AlertChanges;
  /** False before start() and after stop(): no window is started then. */
  running(): boolean;
}

/**
 * How long the pre-alert changes of the hub's clock are gathered before they are stored, in one transaction (see
 * `Prealerts.storeNow`).
 */
export const PREALERT_WINDOW_MS = 100;

/** A pre-alert's change waiting for its window's end: started (to be raised at `raiseAtMs`) or cancelled. */
interface PendingChange {
  homeId: string;
  kind: string;
  started: { raiseAtMs: number; atMs: number } | undefined;
}

export class Prealerts {
  /**
   * Pre-alerts told from memory while storage failed, by home and kind (`prealertKey`): `started` (the resident was
   * warned, its row not stored) or `cancelled` (the warning cleared, its row not deleted). Without this a pre-alert
   * started from memory was never cleared (the cancel found no row to delete, so published nothing), and one cancelled
   * from memory came back with every restatement (review, session 49).
   */
  private readonly toldFromMemory = new Map<string, { homeId: string; kind: string; told: 'started' | 'cancelled' }>();
  /** The changes of the window under way, the newest of each pre-alert (`prealertKey`), in the order first made. */
  private readonly pending = new Map<string, PendingChange>();
  private windowTimer: TimerHandle | undefined;

  constructor(private readonly d: PrealertsDeps) {}

  /** Tell the resident that `kind` will be raised at `raiseAtMs` unless there is activity first. */
  start(homeId: string, kind: string, raiseAtMs: number, atMs: number): void {
    this.change({ homeId, kind, started: { raiseAtMs, atMs } });
  }

  /** The pre-alert of `kind` is over: the home's retained pre-alert is cleared, or shows another kind still running. */
  cancel(homeId: string, kind: string): void {
    this.change({ homeId, kind, started: undefined });
  }

  /**
   * A change is kept until its window ends (PREALERT_WINDOW_MS on the hub's clock), with the others of the window, the
   * newest of each pre-alert only. Each change used to be a transaction of its own, a WAL commit (an fsync on the
   * disk of the alert path) with pages of `alert_prealerts`, of `alert_outbox` and of its index: every late-stamped
   * exit-door event (a spool flushed, a broker sending again what it queued while the hub was away) cancels the
   * warning and its timer starts it again, two commits an event, 1,342 of a killed hub's 1,375 (review, session 66).
   * Nothing is lost to a `kill -9` in the window: the rules' snapshot is written after `storeNow` (the hub's
   * `beforeSnapshot`), so a restart re-feeds the events and re-fires the timers that made these changes.
   */
  private change(change: PendingChange): void {
    const key = prealertKey(change.homeId, change.kind);
    this.pending.delete(key);
    this.pending.set(key, change);
    if (this.windowTimer || !this.d.running()) return;
    const { clock } = this.d;
    // On the hub's clock (unref'd live), stored in its callback: a fake clock's advance stores them on the way, as the
    // rules' timers fire, and the transaction (one a window at most) is no longer in the turn of each event.
    this.windowTimer = clock.setTimer(clock.now() + PREALERT_WINDOW_MS, () => {
      this.windowTimer = undefined;
      try {
        this.storeNow();
      } catch (err) {
        // Not a storage failure (those are told from memory): thrown from a timer it would end the process.
        this.d.log.error({ err }, 'could not store the pre-alert changes');
      }
    });
  }

  /**
   * Store the changes waiting for their window now, in one transaction, and publish each home's retained pre-alert
   * once (the newest running, or empty). Told from memory when storage fails. Called at the window's end, before a
   * restatement or a cancellation of unconfigured homes, before the rules' snapshot, when the service settles and stops.
   */
  storeNow(): void {
    if (this.windowTimer) this.d.clock.clearTimer(this.windowTimer);
    this.windowTimer = undefined;
    if (this.pending.size === 0) return;
    const changes = [...this.pending.values()];
    this.pending.clear();
    const rows = this.d.held.storeOrHold('prealert', () => this.write(changes));
    // A pre-alert is for the resident, not an alert to keep: told from memory, not held.
    if (rows === HELD) {
      this.tellFromMemory(changes);
      return;
    }
    for (const { homeId, kind } of changes) this.toldFromMemory.delete(prealertKey(homeId, kind));
    const { outbox } = this.d.stored();
    for (const row of rows) outbox.deliver(row);
  }

  /** The changes' rows, and each changed home's retained message recorded. In the transaction. */
  private write(changes: readonly PendingChange[]): OutboxRow[] {
    const { sql, outbox } = this.d.stored();
    const homes = new Set<string>();
    for (const { homeId, kind, started } of changes) {
      if (started) {
        sql.prealertUpsert.run(homeId, kind, started.raiseAtMs, started.atMs);
        homes.add(homeId);
        continue;
      }
      // A cancel of a pre-alert never stored nor told (started and cancelled within the window) changes nothing.
      const startedFromMemory = this.toldFromMemory.get(prealertKey(homeId, kind))?.told === 'started';
      if (sql.prealertDelete.run(homeId, kind).changes > 0 || startedFromMemory) homes.add(homeId);
    }
    const rows: OutboxRow[] = [];
    for (const homeId of homes) {
      // The newest pre-alert still running for this home is the retained one (another kind's, once one is cancelled).
      const latest = sql.prealertLatest.get(homeId);
      const row = outbox.enqueue(retained(homeId, latest ? prealertPayload(latest.kind, latest.raise_at) : ''));
      if (row) rows.push(row);
    }
    return rows;
  }

  /** Storage failed: each home told its newest pre-alert started in the window, or an empty message. */
  private tellFromMemory(changes: readonly PendingChange[]): void {
    const messages = new Map<string, NewOutboxRow>();
    for (const { homeId, kind, started } of changes) {
      this.toldFromMemory.set(prealertKey(homeId, kind), { homeId, kind, told: started ? 'started' : 'cancelled' });
      if (started) messages.set(homeId, retained(homeId, prealertPayload(kind, started.raiseAtMs)));
      else if (!messages.has(homeId)) messages.set(homeId, retained(homeId, ''));
    }
    for (const message of messages.values()) void this.d.held.send(message);
  }

  /**
   * The pre-alerts of homes `configured` no longer lists (taken out of the configuration while one ran) are cancelled:
   * no rule runs for such a home any more, so nothing else would clear its retained warning, which every start
   * restated (review, session 49). Stored together, in one transaction: each such home's retained warning is cleared
   * once (session 66; before, one message a cancel, oldest first).
   */
  cancelUnconfigured(configured: (homeId: string) => boolean): void {
    this.storeNow();
    const { sql } = this.d.stored();
    const running = sql.prealertsOldestFirst.all().map((row) => ({ homeId: row.home_id, kind: row.kind }));
    const stored = new Set(running.map((p) => prealertKey(p.homeId, p.kind)));
    // Started from memory while storage failed: no row, but the resident was warned all the same.
    for (const [key, { homeId, kind, told }] of this.toldFromMemory) {
      if (told === 'started' && !stored.has(key)) running.push({ homeId, kind });
    }
    for (const { homeId, kind } of running) if (!configured(homeId)) this.cancel(homeId, kind);
    this.storeNow();
  }

  /** Restate the retained pre-alert of every home that has one running. In the transaction of restateOpen. */
  restate(): void {
    const { sql } = this.d.stored();
    this.deleteCancelledFromMemory();
    for (const { home_id } of sql.prealertHomes.all()) {
      const latest = sql.prealertLatest.get(home_id);
      if (latest) this.d.changes.restate(prealertTopic(home_id), prealertPayload(latest.kind, latest.raise_at));
    }
  }

  /**
   * The rows of pre-alerts cancelled from memory (storage failed then) are deleted, so that nothing restates them: at
   * each restatement (in its transaction: kept in mind until a later start or cancel of the same one is stored, in
   * case that transaction is rolled back) and at a graceful stop.
   */
  deleteCancelledFromMemory(): void {
    const { sql } = this.d.stored();
    for (const { homeId, kind, told } of this.toldFromMemory.values()) {
      if (told === 'cancelled') sql.prealertDelete.run(homeId, kind);
    }
  }
}

/** A pre-alert's key in `toldFromMemory`: home id NUL kind. */
function prealertKey(homeId: string, kind: string): string {
  return `${homeId}\u0000${kind}`;
}

function retained(homeId: string, payload: string): NewOutboxRow {
  return { channel: 'mqtt', alertId: null, version: null, topic: prealertTopic(homeId), payload, retain: true };
}

export function prealertPayload(kind: string, raiseAtMs: number): string {
  return JSON.stringify({ kind, raiseAt: new Date(raiseAtMs).toISOString() });
}
