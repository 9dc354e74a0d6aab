// The hub's side of the analytics worker thread: home activity features computed off the event loop, cached here.
import { Worker } from 'node:worker_threads';
import type { Database, Statement } from 'better-sqlite3';
import { dayToIsoDate } from '../rules/local-time.js';
import { workerScript } from '../hub/worker-url.js';
import type { HubConfig } from '../hub/config-types.js';
import {
  DateRangeError,
  DAY_SETTLE_MS,
  featureDayStart,
  homeCalendar,
  lastCompleteDay,
  parseDateRange,
  type ActivityPlan,
} from './activity.js';
import { cacheDays, cachedDays, migrateAnalytics, type CachedDayRow } from './store.js';
import type { DailyFeatures } from './types.js';
import type { RuleDecision } from '../rules/types.js';
import type { PreventionReport } from './report.js';

export interface ActivityWorkerData {
  dbFile: string;
  config: HubConfig;
}

export type ActivityRequest =
  | { op: 'activity'; id: number; homeId: string; fromDate: string; toDate: string; now: number }
  /** The routine review of `firstDate..toDate`: the days computed, compared with the baseline, in the thread. */
  | { op: 'review'; id: number; homeId: string; fromDate: string; firstDate: string; toDate: string; now: number }
  /**
   * The council report of `fromDate..toDate` (`preventionReport`), computed in the thread (review, session 72: a year
   * of a 200-flat scheme held the hub's loop, and every alert, for over a second).
   */
  | { op: 'report'; id: number; fromDate: string; toDate: string; now: number; knownBy?: number }
  | { op: 'config'; config: HubConfig }
  | { op: 'stop' };

export type ActivityReply =
  | ({ id: number; ok: true } & ActivityPlan)
  | ({ id: number; ok: true } & ReviewPlan)
  | { id: number; ok: true; report: PreventionReport }
  | { id: number; ok: false; name: string; message: string };

/**
 * A routine review's answer from the thread: the rows of the days it computed afresh (their JSON made there), to
 * cache, and the review's decisions (the comparison with the baseline, `reviewDecisions`), made there too.
 */
export interface ReviewPlan {
  rows: CachedDayRow[];
  decisions: RuleDecision[];
}

/** What the routine review gets for one home: the thread's `ReviewPlan`, or the cached days to compare on the loop. */
export type ReviewAnswer = ({ cached?: undefined } & ReviewPlan) | { cached: DailyFeatures[] };

/** A request the thread answers, before its id is given. */
type Sent =
  | Omit<Extract<ActivityRequest, { op: 'activity' }>, 'id'>
  | Omit<Extract<ActivityRequest, { op: 'review' }>, 'id'>
  | Omit<Extract<ActivityRequest, { op: 'report' }>, 'id'>;

/** What the thread answers a request with: days, a review's plan, or a council report. */
type Answer = ActivityPlan | ReviewPlan | { report: PreventionReport };

/**
 * An idle worker thread is ended after this long (its memory, 10–15 MB resident, returns); the next request starts
 * another. Long enough to bridge the routine review's pause between homes and a dashboard user's next page; short
 * enough that a small hub carries the thread for seconds an hour, not two minutes (issue 13, memory).
 */
const IDLE_END_MS = 10_000;

/**
 * The longest range of days answered from the cache on the loop (a review's window is 31 days): longer ones go to
 * the thread, whose parse of many cached rows stays off the loop.
 */
const ON_LOOP_MAX_DAYS = 62;

/**
 * Daily features off the loop: the worker reads (its own read-only connection) and computes; the days it computed
 * afresh are cached here, on the hub's connection, a few rows in one short transaction. The thread runs only while
 * there is work (the hourly review, a dashboard request): an idle hub does not carry its memory.
 */
/** How long a thread told to end may take before it is terminated (it ends once its current computation is done). */
const STOP_TERMINATE_MS = 5_000;

export class ActivityWorker {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private stopped = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Threads told to end (`endThread`) that have not exited yet: each still holds its connection to the database. */
  private readonly exiting = new Set<Promise<void>>();
  /** Whether a home has any event in a time range (one step of the events_home_ts index); prepared on first use. */
  private anyEvent: Statement<[string, number, number]> | undefined;

  constructor(
    private readonly db: Database,
    private config: HubConfig,
  ) {
    // The worker's connection is read-only: the tables it reads must exist before it starts.
    migrateAnalytics(db);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const data: ActivityWorkerData = { dbFile: this.db.name, config: this.config };
    const worker = new Worker(workerScript(import.meta.url, 'activity-worker'), { workerData: data });
    worker.unref();
    worker.on('message', (reply: ActivityReply) => this.settle(reply));
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new Error('analytics worker stopped'));
    });
    this.worker = worker;
    return worker;
  }

  /** What `homeActivity` answers, computed in the worker; complete days it computed are cached before this resolves. */
  async homeActivity(homeId: string, fromDate: string, toDate: string, now: number): Promise<DailyFeatures[]> {
    const range = parseDateRange(fromDate, toDate); // a bad range is refused here, as a DateRangeError
    const onLoop = this.cachedOnly(homeId, range, now);
    if (onLoop) return onLoop;
    const plan = await this.plan(homeId, fromDate, toDate, now);
    if (this.db.open) cacheDays(this.db, plan.fresh, now);
    return plan.days;
  }

  /**
   * The days `planHomeActivity` would answer, when it would compute none: every wanted day is cached and complete, or
   * the home has no event from the first missing day's morning on (its computation would find nothing). Two indexed
   * reads on the loop instead of a thread (an isolate's start and 10–15 MB): after the first review of the day, and
   * for homes without new events, the hourly review starts no thread. Undefined: there are days to compute.
   */
  private cachedOnly(homeId: string, range: { from: number; to: number }, now: number): DailyFeatures[] | undefined {
    // A long range (the dashboard's, up to two years) is read and parsed in the thread, as before: not on the loop.
    if (range.to - range.from >= ON_LOOP_MAX_DAYS) return undefined;
    const cal = homeCalendar(this.config.homes.find((h) => h.id === homeId));
    const cached = cachedDays(this.db, homeId, dayToIsoDate(range.from), dayToIsoDate(range.to));
    const dates = new Set(cached.map((d) => d.date));
    const completeUntil = lastCompleteDay(cal, now);
    const lastWanted = Math.min(range.to, cal.zone.dayNumber(now));
    let firstMissing: number | undefined;
    for (let day = range.from; day <= lastWanted; day++) {
      if (!dates.has(dayToIsoDate(day)) || day > completeUntil) {
        firstMissing = day;
        break;
      }
    }
    if (firstMissing === undefined) return cached;
    // The window planHomeActivity's computation reads events from (computeDays): nothing there, nothing computed.
    const fromMs = featureDayStart(cal, firstMissing - 1);
    const untilMs = Math.min(now, featureDayStart(cal, lastWanted + 1) + 6 * DAY_SETTLE_MS);
    this.anyEvent ??= this.db.prepare('SELECT 1 FROM events WHERE home_id = ? AND ts >= ? AND ts < ? LIMIT 1');
    return this.anyEvent.get(homeId, fromMs, untilMs) === undefined ? cached : undefined;
  }

  /**
   * The routine review of `homeId`'s days `first..date` (its window from `fromDate`): when every day it needs is
   * cached (or nothing new can be computed), the cached days, to compare on the loop, as `homeActivity` answers them;
   * else the thread computes the days and the comparison, and answers the fresh days' rows (not yet cached: the caller
   * caches them, `cacheDayRows`) and the decisions. The loop then does no JSON and no baseline of its own.
   */
  async review(homeId: string, fromDate: string, date: string, now: number, first = date): Promise<ReviewAnswer> {
    const range = parseDateRange(fromDate, date);
    const onLoop = this.cachedOnly(homeId, range, now);
    if (onLoop) return { cached: onLoop };
    return this.request<ReviewPlan>({ op: 'review', homeId, fromDate, firstDate: first, toDate: date, now });
  }

  plan(homeId: string, fromDate: string, toDate: string, now: number): Promise<ActivityPlan> {
    return this.request<ActivityPlan>({ op: 'activity', homeId, fromDate, toDate, now });
  }

  /**
   * The council report (`preventionReport`) with the configuration in force, computed in the thread from its own
   * read-only connection: the loop only passes the request and the answer (review, session 72: on the loop, a year of
   * 200 flats delayed a pendant's alert by 1.3 s at the median).
   */
  preventionReport(fromDate: string, toDate: string, now: number, knownBy?: number): Promise<PreventionReport> {
    return this.request<{ report: PreventionReport }>({
      op: 'report',
      fromDate,
      toDate,
      now,
      ...(knownBy !== undefined ? { knownBy } : {}),
    }).then((answer) => answer.report);
  }

  private request<T extends Answer>(req: Sent): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('analytics worker stopped'));
    const id = this.nextId++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (answer: Answer) => void, reject });
      this.thread().postMessage({ ...req, id } satisfies ActivityRequest);
    });
  }

  /**
   * A reloaded configuration (SIGHUP): every request from now on is computed with it (homes added, time zones and
   * rooms changed). A running thread gets it as a message, so the requests already sent keep their order.
   */
  setConfig(config: HubConfig): void {
    this.config = config;
    this.worker?.postMessage({ op: 'config', config } satisfies ActivityRequest);
  }

  /**
   * Ends the thread; resolves once every thread this made has exited, its connection to the database closed (review,
   * session 77: a stopping hub closed the database and resolved while the thread still held its own connection open,
   * and SQLite's files were made again in a data folder being removed). A thread still busy after
   * STOP_TERMINATE_MS (a long report) is terminated: a read-only connection has nothing to finish.
   */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.endThread();
      this.failAll(new Error('analytics worker stopped'));
    }
    return Promise.all([...this.exiting]).then(() => undefined);
  }

  private endThread(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => {
      const stuck = setTimeout(() => void worker.terminate(), STOP_TERMINATE_MS);
      stuck.unref();
      worker.once('exit', () => {
        clearTimeout(stuck);
        this.exiting.delete(exited);
        resolve();
      });
    });
    this.exiting.add(exited);
    worker.postMessage({ op: 'stop' } satisfies ActivityRequest);
  }

  private settle(reply: ActivityReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0 && !this.stopped) {
      this.idleTimer = setTimeout(() => this.endThread(), IDLE_END_MS);
      this.idleTimer.unref();
    }
    if (reply.ok)
      waiter.resolve(
        'report' in reply
          ? { report: reply.report }
          : 'rows' in reply
            ? { rows: reply.rows, decisions: reply.decisions }
            : { days: reply.days, fresh: reply.fresh },
      );
    else waiter.reject(reply.name === 'DateRangeError' ? new DateRangeError(reply.message) : new Error(reply.message));
  }

  /** The thread failed or ended: what waits for it fails (a review logs it and goes on; the next request starts a new one). */
  private failAll(err: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
