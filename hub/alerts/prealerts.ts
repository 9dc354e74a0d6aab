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
    if (row === HELD) void this.d.held.send(message);
    else if (row) this.d.stored().outbox.deliver(row);
  }

  /** The pre-alert of `kind` is over: the home's retained pre-alert is cleared, or shows another kind still running. */
  cancel(homeId: string, kind: string): void {
    const row = this.d.held.storeOrHold('prealert-cancel', () => {
      const { sql, outbox } = this.d.stored();
      if (sql.prealertDelete.run(homeId, kind).changes === 0) return undefined;
      // Another kind's pre-alert may still be running for this home: it becomes the retained one again.
      const other = sql.prealertLatest.get(homeId);
      return outbox.enqueue(retained(homeId, other ? prealertPayload(other.kind, other.raise_at) : ''));
    });
    if (row === HELD) void this.d.held.send(retained(homeId, ''));
    else if (row) this.d.stored().outbox.deliver(row);
  }

  /** Restate the retained pre-alert of every home that has one running. In the transaction of restateOpen. */
  restate(): void {
    const { sql } = this.d.stored();
    for (const { home_id } of sql.prealertHomes.all()) {
      const latest = sql.prealertLatest.get(home_id);
      if (latest) this.d.changes.restate(prealertTopic(home_id), prealertPayload(latest.kind, latest.raise_at));
    }
  }
}

function retained(homeId: string, payload: string): NewOutboxRow {
  return { channel: 'mqtt', alertId: null, version: null, topic: prealertTopic(homeId), payload, retain: true };
}

export function prealertPayload(kind: string, raiseAtMs: number): string {
  return JSON.stringify({ kind, raiseAt: new Date(raiseAtMs).toISOString() });
}
