// The hub's side of the analytics worker thread: home activity features computed off the event loop, cached here.
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { workerScript } from '../hub/worker-url.js';
import type { HubConfig } from '../rules/types.js';
import { DateRangeError, parseDateRange, type ActivityPlan } from './activity.js';
import { cacheDays, migrateAnalytics } from './store.js';
import type { DailyFeatures } from './types.js';

export interface ActivityWorkerData {
  dbFile: string;
  config: HubConfig;
}

export type ActivityRequest =
  | { op: 'activity'; id: number; homeId: string; fromDate: string; toDate: string; now: number }
  | { op: 'stop' };

export type ActivityReply =
  | ({ id: number; ok: true } & ActivityPlan)
  | { id: number; ok: false; name: string; message: string };

/**
 * Daily features off the loop: the worker reads (its own read-only connection) and computes; the days it computed
 * afresh are cached here, on the hub's connection, a few rows in one short transaction.
 */
export class ActivityWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (plan: ActivityPlan) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private stopped = false;

  constructor(private readonly db: Database, config: HubConfig) {
    // The worker's connection is read-only: the tables it reads must exist before it starts.
    migrateAnalytics(db);
    const data: ActivityWorkerData = { dbFile: db.name, config };
    this.worker = new Worker(workerScript(import.meta.url, 'activity-worker'), { workerData: data });
    this.worker.unref();
    this.worker.on('message', (reply: ActivityReply) => this.settle(reply));
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', () => this.failAll(new Error('analytics worker stopped')));
  }

  /** What `homeActivity` answers, computed in the worker; complete days it computed are cached before this resolves. */
  async homeActivity(homeId: string, fromDate: string, toDate: string, now: number): Promise<DailyFeatures[]> {
    parseDateRange(fromDate, toDate); // a bad range is refused here, as a DateRangeError
    const plan = await this.plan(homeId, fromDate, toDate, now);
    if (this.db.open) cacheDays(this.db, plan.fresh, now);
    return plan.days;
  }

  plan(homeId: string, fromDate: string, toDate: string, now: number): Promise<ActivityPlan> {
    if (this.stopped) return Promise.reject(new Error('analytics worker stopped'));
    const id = this.nextId++;
    return new Promise<ActivityPlan>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ op: 'activity', id, homeId, fromDate, toDate, now } satisfies ActivityRequest);
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.postMessage({ op: 'stop' } satisfies ActivityRequest);
    this.failAll(new Error('analytics worker stopped'));
  }

  private settle(reply: ActivityReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (reply.ok) waiter.resolve({ days: reply.days, fresh: reply.fresh });
    else waiter.reject(reply.name === 'DateRangeError' ? new DateRangeError(reply.message) : new Error(reply.message));
  }

  private failAll(err: Error): void {
    this.stopped = true;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
