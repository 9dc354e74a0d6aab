// Analytics off the alert path: home activity and the hourly review computed in a worker thread with a read-only connection.
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { homeActivity } from '../../analytics/activity.js';
import { ActivityWorker } from '../../analytics/offloop.js';
import { dailyReview } from '../../analytics/review.js';
import type { Clock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { RoutineReview } from '../../hub/routine-review.js';
import type { RuleDecision } from '../../rules/types.js';
import { monthThenDrift } from './daily.js';
import { utc } from './factories.js';
import { FLAT_7, FLAT_7_CONFIG, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const HOME = FLAT_7;
const config = FLAT_7_CONFIG;

/** Worker threads this process starts from now on (Node's own 'worker' event: each one a V8 isolate). */
function countThreads(): () => number {
  let started = 0;
  onWorker = () => started++;
  process.on('worker', onWorker);
  return () => started;
}

/**
 * The hourly review's rounds through `reviewWorker`, on the test clock: resolves once a round has reviewed every home
 * (the review then sets its timer an hour ahead).
 */
async function reviewRound(
  db: TestHubDb,
  reviewWorker: ActivityWorker,
  decided: RuleDecision[][],
  onDecide?: () => void,
): Promise<void> {
  const scheduled: number[] = [];
  const clock: Clock = {
    now: () => db.clock.now(),
    monotonicNow: () => db.clock.monotonicNow(),
    setTimer: (at, fn) => {
      scheduled.push(at);
      return db.clock.setTimer(at, fn);
    },
    clearTimer: (handle) => db.clock.clearTimer(handle),
    onStep: (listener) => db.clock.onStep(listener),
  };
  const startedAt = db.clock.now();
  const review = new RoutineReview({
    db: db.db,
    config,
    clock,
    logger: silentLogger,
    decide: (d) => {
      onDecide?.();
      decided.push(d);
    },
    worker: reviewWorker,
    firstAfterMs: 0,
    everyMs: 3_600_000,
  });
  review.start();
  try {
    await vi.waitFor(
      () => {
        db.clock.advanceBy(100);
        expect(scheduled.some((at) => at >= startedAt + 3_600_000)).toBe(true);
      },
      { timeout: 15_000, interval: 20 },
    );
  } finally {
    review.stop();
  }
}

let hub: TestHubDb | undefined;
let worker: ActivityWorker | undefined;
let onWorker: ((w: Worker) => void) | undefined;
afterEach(async () => {
  if (onWorker) process.off('worker', onWorker);
  onWorker = undefined;
  await worker?.stop();
  worker = undefined;
  await hub?.close();
  hub = undefined;
});

describe('analytics worker', () => {
  it('serves the same days as the in-loop computation, caching the completed ones on the hub connection', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    const now = utc('2026-12-04T12:00');
    worker = new ActivityWorker(hub.db, config);
    const days = await worker.homeActivity(HOME, '2026-11-01', '2026-12-10', now);
    expect(days).toHaveLength(34);
    const cached = hub.db.prepare('SELECT COUNT(*) AS n FROM daily_features WHERE home_id = ?').get(HOME) as {
      n: number;
    };
    expect(cached.n).toBe(33);
    hub.db.prepare('DELETE FROM daily_features').run();
    expect(homeActivity(hub.db, config, HOME, '2026-11-01', '2026-12-10', now)).toEqual(days);
    await expect(worker.homeActivity(HOME, '2026-12-02', '2026-12-01', now)).rejects.toThrow(
      expect.objectContaining({ name: 'DateRangeError' }),
    );
  });

  it('computes with a reloaded configuration (SIGHUP) from then on, in a thread that was already running', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    const now = utc('2026-12-04T12:00');
    worker = new ActivityWorker(hub.db, config);
    const before = await worker.homeActivity(HOME, '2026-11-01', '2026-12-10', now);
    // The home's days now run on a clock 14 hours ahead of London's: other events fall in each day.
    const reloaded = testConfig([{ ...config.homes[0]!, timezone: 'Pacific/Kiritimati' }]);
    worker.setConfig(reloaded);
    hub.db.prepare('DELETE FROM daily_features').run();
    const after = await worker.homeActivity(HOME, '2026-11-01', '2026-12-10', now);
    hub.db.prepare('DELETE FROM daily_features').run();
    expect(after).toEqual(homeActivity(hub.db, reloaded, HOME, '2026-11-01', '2026-12-10', now));
    expect(after).not.toEqual(before);
  });

  it('computes while the event loop goes on turning', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    worker = new ActivityWorker(hub.db, config);
    let done = false;
    const result = worker.homeActivity(HOME, '2026-11-01', '2026-12-10', utc('2026-12-04T12:00')).finally(() => {
      done = true;
    });
    let turns = 0;
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    expect((await result).length).toBe(34);
    // Computed on the loop, the promise would have been settled before the first turn.
    expect(turns).toBeGreaterThan(3);
  });

  it('the hourly review through the worker raises what dailyReview raises, once', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    hub.clock.advanceTo(utc('2026-12-04T08:30'));
    worker = new ActivityWorker(hub.db, config);
    const decided: RuleDecision[][] = [];
    let roundDone!: () => void;
    const round = new Promise<void>((resolve) => (roundDone = resolve));
    const review = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (d) => decided.push(d),
      worker,
      firstAfterMs: 0,
      everyMs: 3_600_000,
    });
    review.start();
    hub.clock.advanceBy(0);
    // The first home's review ends by scheduling the next (there is none): the round is over at the next timer.
    const poll = setInterval(() => {
      hub!.clock.advanceBy(100);
      if (decided.length > 0) roundDone();
    }, 5);
    await round;
    clearInterval(poll);
    review.stop();
    expect(decided).toEqual([
      [
        expect.objectContaining({
          homeId: HOME,
          kind: 'routine-change',
          severity: 'low',
          detail: expect.objectContaining({ feature: 'bathroomVisitsNight', date: '2026-12-03' }),
        }),
      ],
    ]);
    // Reviewed: the same day is not raised again.
    expect(dailyReview(hub.db, config, utc('2026-12-04T09:30'))).toEqual([]);
  });

  it('the review caches the rows made in the thread in one turn, and marks the day and decides in a later one', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    hub.clock.advanceTo(utc('2026-12-04T08:30'));
    worker = new ActivityWorker(hub.db, config); // makes the analytics tables
    // What the review's writes do on the hub's connection, seen by triggers: the first cached day queues an immediate
    // (as a press arriving then would be), which runs before the day is marked reviewed only if the review yields.
    const order: string[] = [];
    hub.db.function('note_cached', () => {
      if (!order.includes('cached')) {
        order.push('cached');
        setImmediate(() => order.push('next turn'));
      }
      return 0;
    });
    hub.db.function('note_marked', () => {
      order.push('marked');
      return 0;
    });
    hub.db.exec(`CREATE TEMP TRIGGER t_cached AFTER INSERT ON daily_features BEGIN SELECT note_cached(); END;
      CREATE TEMP TRIGGER t_marked AFTER INSERT ON routine_reviews BEGIN SELECT note_marked(); END;`);
    // The days' JSON on the loop: every JSON.stringify of a home's day in this (the hub's) thread.
    const stringify = vi.spyOn(JSON, 'stringify');
    const daysStringified = (): number =>
      stringify.mock.calls.filter(([value]) => {
        const day = value as { homeId?: unknown; date?: unknown; activeMinutes?: unknown } | null;
        return typeof day === 'object' && day !== null && day.homeId === HOME && day.activeMinutes !== undefined;
      }).length;
    const decided: RuleDecision[][] = [];
    try {
      await reviewRound(hub, worker, decided, () => order.push('decided'));
      expect(daysStringified()).toBe(0);
    } finally {
      stringify.mockRestore();
    }
    expect(order).toEqual(['cached', 'next turn', 'marked', 'decided']);
    expect(decided.flat()).toEqual([expect.objectContaining({ homeId: HOME, kind: 'routine-change' })]);
    // The days the thread computed are cached (33 complete days of the window and before), as homeActivity caches them.
    hub.db.exec('DROP TRIGGER t_cached; DROP TRIGGER t_marked;');
    const cached = hub.db.prepare('SELECT count(*) AS n FROM daily_features WHERE home_id = ?').get(HOME) as {
      n: number;
    };
    expect(cached.n).toBeGreaterThan(30);
  });

  it('starts no thread for a home whose cached days are complete, and answers what the thread answered', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    const now = utc('2026-12-04T12:00');
    const threads = countThreads();
    worker = new ActivityWorker(hub.db, config);
    const computed = await worker.homeActivity(HOME, '2026-11-01', '2026-12-03', now);
    expect(computed).toHaveLength(33);
    expect(threads()).toBe(1);
    // A new hub process (no thread running): the same days again, all cached and complete, come from two reads.
    await worker.stop();
    worker = new ActivityWorker(hub.db, config);
    expect(await worker.homeActivity(HOME, '2026-11-01', '2026-12-03', now)).toEqual(computed);
    expect(threads()).toBe(1);
    // Today's day is not complete: it is computed, in a thread, as before.
    const withToday = await worker.homeActivity(HOME, '2026-11-01', '2026-12-04', now);
    expect(threads()).toBe(2);
    expect(withToday).toEqual(homeActivity(hub.db, config, HOME, '2026-11-01', '2026-12-04', now));
  });

  it('starts no thread for a home with no event to compute from, and answers what the computation answers', async () => {
    hub = await openTestHubDb(config);
    // Only events after the window's last day has settled: nothing for the days asked.
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00').filter((e) => e.ts >= utc('2026-12-04T11:00')));
    const now = utc('2026-12-04T14:00');
    const threads = countThreads();
    worker = new ActivityWorker(hub.db, config);
    const days = await worker.homeActivity(HOME, '2026-11-01', '2026-12-02', now);
    expect(threads()).toBe(0);
    expect(days).toEqual(homeActivity(hub.db, config, HOME, '2026-11-01', '2026-12-02', now));
    // An unknown home, or one that has never sent anything: no days, no thread.
    expect(await worker.homeActivity('flat-99', '2026-11-01', '2026-12-03', now)).toEqual([]);
    expect(threads()).toBe(0);
    // The day whose morning has those events is computed (in a thread), as the loop computes it.
    const withEvents = await worker.homeActivity(HOME, '2026-11-01', '2026-12-03', now);
    expect(threads()).toBe(1);
    hub.db.prepare('DELETE FROM daily_features').run();
    expect(withEvents).toEqual(homeActivity(hub.db, config, HOME, '2026-11-01', '2026-12-03', now));
  });

  it('the hourly rounds after the home was reviewed that day start no thread, even with nothing cached', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    hub.clock.advanceTo(utc('2026-12-04T08:30'));
    const threads = countThreads();
    const decided: RuleDecision[][] = [];
    worker = new ActivityWorker(hub.db, config);
    await reviewRound(hub, worker, decided);
    expect(threads()).toBe(1);
    expect(decided.flat()).toEqual([expect.objectContaining({ homeId: HOME, kind: 'routine-change' })]);
    // The next round, an hour later, in a hub restarted meanwhile (no thread running, no cached days): the day is
    // reviewed, markReviewed would refuse it whatever the days, so nothing is computed.
    await worker.stop();
    hub.db.prepare('DELETE FROM daily_features').run();
    hub.clock.advanceBy(3_600_000);
    worker = new ActivityWorker(hub.db, config);
    await reviewRound(hub, worker, decided);
    expect(threads()).toBe(1);
    expect(decided.flat()).toHaveLength(1);
  });
});
