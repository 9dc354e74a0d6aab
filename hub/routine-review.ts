// Once an hour, each home's last completed day is compared with its baseline; routine changes become alerts.
import type { Database, Statement } from 'better-sqlite3';
import type { ActivityWorker, ReviewAnswer } from '../analytics/offloop.js';
import type { CachedDayRow } from '../analytics/store.js';
import {
  dailyReview,
  hubOffDates,
  markReviewedDays,
  noteAway,
  reviewDecisionsOf,
  reviewWindow,
  withSensorsOffline,
} from '../analytics/review.js';
import { awayDates, cacheDayRows, noteHubRunning } from '../analytics/store.js';
import type { HomeConfig, RuleDecision } from '../rules/types.js';
import type { HubConfig } from './config-types.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';

/** How often the hub notes that it runs (`hub_runs`): a day it was off for part of is not the resident's. */
export const HUB_ALIVE_EVERY_MS = 5 * 60_000;

export interface RoutineReviewOptions {
  db: Database;
  config: HubConfig;
  clock: Clock;
  logger: Logger;
  decide: (decisions: RuleDecision[]) => void;
  /** Delay of the first round after start (the hub has other work first). */
  firstAfterMs?: number;
  everyMs?: number;
  /** Pause between two homes, so a scheme's first review (features of weeks of events) never holds up alerts. */
  perHomePauseMs?: number;
  /**
   * Compute the features in the analytics worker thread (the hub does), and the comparison with the baseline: the
   * loop then caches the new days (rows made in the thread) in one turn, and marks the day reviewed and tells the
   * decisions in the next (a fraction of a millisecond each). When every day is cached, the loop compares them.
   */
  worker?: ActivityWorker;
}

export class RoutineReview {
  private timer: TimerHandle | undefined;
  private aliveTimer: TimerHandle | undefined;
  private startedAt: number | undefined;
  private stopStepWatch: (() => void) | undefined;
  private stopped = false;
  private readonly log: Logger;
  private reviewedStatement: Statement<[string, string]> | undefined;

  constructor(private readonly options: RoutineReviewOptions) {
    this.log = options.logger.child({ ns: 'routine-review' });
  }

  /** Whether (home, date) was reviewed already (its row in routine_reviews: the table exists once the worker does). */
  private reviewed(homeId: string, date: string): boolean {
    this.reviewedStatement ??= this.options.db.prepare('SELECT 1 FROM routine_reviews WHERE home_id = ? AND date = ?');
    return this.reviewedStatement.get(homeId, date) !== undefined;
  }

  start(): void {
    const { clock } = this.options;
    this.startedAt = clock.now();
    this.noteRunning();
    // A Raspberry Pi has no battery-backed clock: after a power cut it boots with the time saved before it, and network
    // time steps it forward minutes later. The run noted on the behind clock ends at the step and a new one begins, so
    // the hours the step jumped over read as hours the hub was off (review, session 62). A step back is no outage: the
    // run goes on (`hubOffSpans` reads the runs in order of their start).
    this.stopStepWatch = clock.onStep((stepMs) => {
      if (stepMs <= 0 || this.stopped || this.startedAt === undefined) return;
      // The run on the behind clock lasted until the step: a hub that ran through a correction was off for the step.
      this.noteAt(this.startedAt, clock.now() - stepMs);
      this.startedAt = clock.now();
      this.noteAt(this.startedAt, this.startedAt);
    });
    this.schedule(clock.now() + (this.options.firstAfterMs ?? 60_000), () => this.reviewHome(0));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.aliveTimer) this.options.clock.clearTimer(this.aliveTimer);
    this.aliveTimer = undefined;
    this.stopStepWatch?.();
    this.stopStepWatch = undefined;
    // Noted as a stop (session 65): a report read from this database later counts the days after as days the hub was
    // off, which it cannot say of a copy taken while the hub ran.
    if (this.startedAt !== undefined) this.noteAt(this.startedAt, this.options.clock.now(), true);
  }

  /**
   * Notes that the hub runs (`hub_runs`), now and every `HUB_ALIVE_EVERY_MS`: the hours between two runs are hours
   * nothing listened, and a day with such hours is left out of the baselines (review, session 61).
   */
  private noteRunning(): void {
    const { clock } = this.options;
    if (this.startedAt !== undefined) this.noteAt(this.startedAt, clock.now());
    if (this.stopped) return;
    this.aliveTimer = clock.setTimer(clock.now() + HUB_ALIVE_EVERY_MS, () => {
      this.aliveTimer = undefined;
      this.noteRunning();
    });
  }

  private noteAt(startedAt: number, at: number, stopped = false): void {
    const { db } = this.options;
    try {
      if (db.open) noteHubRunning(db, startedAt, at, stopped);
    } catch (err) {
      this.log.error({ err }, 'could not note that the hub runs');
    }
  }

  private reviewHome(index: number): void {
    const { config, clock, db, decide, worker } = this.options;
    const home = config.homes[index];
    if (!home) {
      this.schedule(clock.now() + (this.options.everyMs ?? 3_600_000), () => this.reviewHome(0));
      return;
    }
    if (worker) {
      void this.reviewInWorker(worker, home, index);
      return;
    }
    try {
      // dailyReview remembers which days it has reviewed: calling it every hour raises a change once.
      decide(dailyReview(db, config, clock.now(), [home.id]));
    } catch (err) {
      this.log.error({ err, homeId: home.id }, 'routine review failed for a home');
    }
    this.schedule(clock.now() + (this.options.perHomePauseMs ?? 50), () => this.reviewHome(index + 1));
  }

  private async reviewInWorker(worker: ActivityWorker, home: HomeConfig, index: number): Promise<void> {
    const { clock } = this.options;
    try {
      if (home.away) noteAway(this.options.db, home, clock.now());
      else {
        const now = clock.now();
        const { first, date, from } = reviewWindow(this.options.db, home, now);
        // Reviewed already (23 rounds a day): markReviewed would refuse it, whatever the days; nothing to compute.
        if (!this.reviewed(home.id, date)) {
          const answer = await worker.review(home.id, from, date, now, first);
          if (this.stopped) return;
          if (answer.cached === undefined) this.cacheAnswer(answer.rows, now);
          // The day's verdict in a turn of its own: a press that arrived meanwhile is handled first.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.stopped) return;
          this.finishHome(home, first, date, now, answer);
        }
      }
    } catch (err) {
      if (this.stopped) return;
      this.log.error({ err, homeId: home.id }, 'routine review failed for a home');
    }
    this.schedule(clock.now() + (this.options.perHomePauseMs ?? 50), () => this.reviewHome(index + 1));
  }

  /** The days the thread computed afresh, cached (their rows made there) before the day is marked reviewed. */
  private cacheAnswer(rows: CachedDayRow[], now: number): void {
    if (this.options.db.open) cacheDayRows(this.options.db, rows, now);
  }

  /** Marks the days reviewed and, the first time, tells their decisions (the thread's, or compared here from cache). */
  private finishHome(home: HomeConfig, first: string, date: string, now: number, answer: ReviewAnswer): void {
    const { db, decide } = this.options;
    const flags =
      answer.cached === undefined
        ? answer.decisions
        : reviewDecisionsOf(
            home,
            answer.cached,
            first,
            date,
            now,
            undefined,
            awayDates(db, home.id, answer.cached),
            hubOffDates(db, home, answer.cached),
          );
    // The sensors offline in the flags' days (session 60) looked up first: each day is marked reviewed once.
    const decisions = withSensorsOffline(db, home, flags);
    const fresh = markReviewedDays(db, home.id, first, date, now, decisions);
    if (fresh.length > 0) decide(fresh);
  }

  private schedule(at: number, fn: () => void): void {
    this.timer = this.options.clock.setTimer(at, () => {
      this.timer = undefined;
      fn();
    });
  }
}
