// Analytics off the alert path: home activity and the hourly review computed in a worker thread with a read-only connection.
import { afterEach, describe, expect, it } from 'vitest';
import { homeActivity } from '../../analytics/activity.js';
import { ActivityWorker } from '../../analytics/offloop.js';
import { dailyReview } from '../../analytics/review.js';
import { silentLogger } from '../../hub/logger.js';
import { RoutineReview } from '../../hub/routine-review.js';
import type { RuleDecision } from '../../rules/types.js';
import { monthThenDrift } from './daily.js';
import { utc } from './factories.js';
import { FLAT_7, FLAT_7_CONFIG, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const HOME = FLAT_7;
const config = FLAT_7_CONFIG;

let hub: TestHubDb | undefined;
let worker: ActivityWorker | undefined;
afterEach(async () => {
  worker?.stop();
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
});
