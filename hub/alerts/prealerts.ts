// Pre-alerts: the warning to the resident before an inactivity-type alert, retained on telecare/<homeId>/prealert (SPEC 5).
import { prealertTopic } from '../topics.js';
import type { AlertChanges } from './changes.js';
import { HELD, type AlertStore, type HeldAlerts } from './held.js';
import type { NewOutboxRow } from './outbox.js';

export interface PrealertsDeps {
  stored(): AlertStore;
  held: HeldAlerts;
  changes: AlertChanges;
}

export class Prealerts {
  /**
   * Pre-alerts told from memory while storage failed, by home and kind (`prealertKey`): `started` (the resident was
   * warned, its row not stored) or `cancelled` (the warning cleared, its row not deleted). Without this a pre-alert
   * started from memory was never cleared (the cancel found no row to delete, so published nothing), and one cancelled
   * from memory came back with every restatement (review, session 49).
   */
  private readonly toldFromMemory = new Map<string, { homeId: string; kind: string; told: 'started' | 'cancelled' }>();

  constructor(private readonly d: PrealertsDeps) {}

  /** Tell the resident that `kind` will be raised at `raiseAtMs` unless there is activity first. */
  start(homeId: string, kind: string, raiseAtMs: number, atMs: number): void {
    const message = retained(homeId, prealertPayload(kind, raiseAtMs));
    const row = this.d.held.storeOrHold('prealert', () => {
      const { sql, outbox } = this.d.stored();
      sql.prealertUpsert.run(homeId, kind, raiseAtMs, atMs);
      return outbox.enqueue(message);
    });
    // A pre-alert is for the resident, not an alert to keep: told from memory, not held.
    if (row === HELD) {
      this.toldFromMemory.set(prealertKey(homeId, kind), { homeId, kind, told: 'started' });
      void this.d.held.send(message);
      return;
    }
    this.toldFromMemory.delete(prealertKey(homeId, kind));
    if (row) this.d.stored().outbox.deliver(row);
  }

  /** The pre-alert of `kind` is over: the home's retained pre-alert is cleared, or shows another kind still running. */
  cancel(homeId: string, kind: string): void {
    const key = prealertKey(homeId, kind);
    const startedFromMemory = this.toldFromMemory.get(key)?.told === 'started';
    const row = this.d.held.storeOrHold('prealert-cancel', () => {
      const { sql, outbox } = this.d.stored();
      if (sql.prealertDelete.run(homeId, kind).changes === 0 && !startedFromMemory) return undefined;
      // Another kind's pre-alert may still be running for this home: it becomes the retained one again.
      const other = sql.prealertLatest.get(homeId);
      return outbox.enqueue(retained(homeId, other ? prealertPayload(other.kind, other.raise_at) : ''));
    });
    if (row === HELD) {
      this.toldFromMemory.set(key, { homeId, kind, told: 'cancelled' });
      void this.d.held.send(retained(homeId, ''));
      return;
    }
    this.toldFromMemory.delete(key);
    if (row) this.d.stored().outbox.deliver(row);
  }

  /**
   * The pre-alerts of homes `configured` no longer lists (taken out of the configuration while one ran) are cancelled:
   * no rule runs for such a home any more, so nothing else would clear its retained warning, which every start
   * restated (review, session 49). Oldest first: until the last one goes, the home's retained pre-alert stays the
   * newest, as it was; the last one's cancel clears it.
   */
  cancelUnconfigured(configured: (homeId: string) => boolean): void {
    const { sql } = this.d.stored();
    const running = sql.prealertsOldestFirst.all().map((row) => ({ homeId: row.home_id, kind: row.kind }));
    const stored = new Set(running.map((p) => prealertKey(p.homeId, p.kind)));
    // Started from memory while storage failed: no row, but the resident was warned all the same.
    for (const [key, { homeId, kind, told }] of this.toldFromMemory) {
      if (told === 'started' && !stored.has(key)) running.push({ homeId, kind });
    }
    for (const { homeId, kind } of running) if (!configured(homeId)) this.cancel(homeId, kind);
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
