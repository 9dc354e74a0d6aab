// Retention: raw events and finished outbox rows older than the retention are pruned in small batches, off the alert path.
import type { Database, Statement } from 'better-sqlite3';
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';
import type { StorageHealth } from './storage-health.js';
import { DAY_MS } from '../rules/time.js';

/** Default retention of raw events (HUB_RETENTION_DAYS): over a year, so a year-on-year comparison still has its data. */
export const DEFAULT_RETENTION_DAYS = 400;

export interface RetentionOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  storage: StorageHealth;
  retentionDays: number;
  /** Rows deleted per transaction; the event loop runs between batches. */
  batchRows?: number;
  /** Time between runs. */
  intervalMs?: number;
}

export interface PruneResult {
  events: number;
  outbox: number;
  /** Rows of a chattering device's repeat counts (hub/chatter.ts), by their window's start. */
  repeats: number;
}

/**
 * Daily features, alerts, their audit trail and rule snapshots are kept; raw events and delivered (or superseded,
 * abandoned) notifications go once older than the retention.
 */
export class Retention {
  private timer: TimerHandle | undefined;
  private running: Promise<PruneResult> | undefined;
  private stopped = false;
  private readonly log: Logger;
  private sql:
    { oldestEvents: Statement; deleteEvents: Statement; deleteOutbox: Statement; deleteRepeats: Statement } | undefined;

  constructor(private readonly options: RetentionOptions) {
    this.log = options.logger.child({ ns: 'retention' });
  }

  /** Prepared at the first run: the tables are made by their modules' migrations during start. */
  private statements(): NonNullable<Retention['sql']> {
    const { db } = this.options;
    // Ids grow in storage order, so the oldest events come first: each batch looks at the next few rows only.
    this.sql ??= {
      oldestEvents: db.prepare('SELECT id, received_at FROM events ORDER BY id LIMIT ?'),
      // The newest event always stays: it carries the id sequence (and the mark of acknowledged events) over restarts.
      deleteEvents: db.prepare('DELETE FROM events WHERE id <= ? AND id < (SELECT MAX(id) FROM events)'),
      deleteOutbox: db.prepare(`DELETE FROM alert_outbox WHERE id IN (SELECT id FROM alert_outbox
        WHERE status IN ('delivered', 'superseded', 'abandoned') AND created_at < ? ORDER BY id LIMIT ?)`),
      // The primary key begins with the window's start: the oldest rows come first.
      deleteRepeats: db.prepare(`DELETE FROM event_repeats WHERE rowid IN (SELECT rowid FROM event_repeats
        WHERE window_start < ? ORDER BY window_start LIMIT ?)`),
    };
    return this.sql;
  }

  /** First run a minute after start (the start's own work done), then every interval. */
  start(firstRunMs = 60_000): void {
    this.stopped = false;
    this.arm(firstRunMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over both tables, batch by batch, yielding to the event loop between batches. */
  runOnce(): Promise<PruneResult> {
    this.running ??= this.prune().finally(() => (this.running = undefined));
    return this.running;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    const { clock } = this.options;
    this.timer = clock.setTimer(clock.now() + delayMs, () => {
      this.timer = undefined;
      void this.runOnce().finally(() => this.arm(this.options.intervalMs ?? 3_600_000));
    });
  }

  private async prune(): Promise<PruneResult> {
    const { db, clock, storage } = this.options;
    const batch = this.options.batchRows ?? 500;
    const cutoff = clock.now() - this.options.retentionDays * DAY_MS;
    const result: PruneResult = { events: 0, outbox: 0, repeats: 0 };
    try {
      const sql = this.statements();
      for (;;) {
        if (this.stopped || !db.open) break;
        const rows = sql.oldestEvents.all(batch) as { id: number; received_at: number }[];
        let upTo = 0;
        for (const r of rows) {
          if (r.received_at >= cutoff) break;
          upTo = r.id;
        }
        if (upTo > 0) result.events += sql.deleteEvents.run(upTo).changes;
        if (upTo === 0 || rows.length < batch || rows.at(-1)!.id !== upTo) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (;;) {
        if (this.stopped || !db.open) break;
        const deleted = sql.deleteOutbox.run(cutoff, batch).changes;
        result.outbox += deleted;
        if (deleted < batch) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (;;) {
        if (this.stopped || !db.open) break;
        const deleted = sql.deleteRepeats.run(cutoff, batch).changes;
        result.repeats += deleted;
        if (deleted < batch) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      storage.failed('retention', err);
    }
    if (result.events + result.outbox + result.repeats > 0)
      this.log.info({ ...result, retentionDays: this.options.retentionDays }, 'old data pruned');
    return result;
  }
}
