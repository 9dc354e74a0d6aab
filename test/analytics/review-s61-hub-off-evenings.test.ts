// Review, session 61: a day the hub was off for part of (a power cut, the hub unplugged to free the socket) was a day
// of the resident's: the hours nothing listened read as hours the resident did nothing. Three evenings of power cuts
// (17:00 to 23:00, the sensors on their batteries but no hub to hear them) made three days of fewer room transitions,
// and the routine review flagged 'room transitions down' about a resident going on as before. The hub now notes when
// it runs (table `hub_runs`), and a day it was off for part of is left out of the baselines and breaks a run, as a day
// away does, in the loop and in the analytics thread.
// Real hub database, real alert service, the hub's hourly routine review on a fake clock, stopped while the hub is off.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActivityWorker } from '../../analytics/offloop.js';
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import { utc } from './factories.js';
import { CUTS, routineChanges, routineWithCuts, startReview } from './hub-off-cuts.js';
import { FLAT_7, FLAT_7_CONFIG, openTestHubDb, type TestHubDb } from './hub-db.js';

let hub: TestHubDb | undefined;
let worker: ActivityWorker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await hub?.close();
  hub = undefined;
});

/** The hub's hourly review in the loop, from the clock's time to `until`, then stopped (the power cut). */
function hubRunsUntil(h: TestHubDb, until: number): void {
  const review = startReview(h);
  h.clock.advanceTo(until);
  review.stop();
}

/** The hub, running through the power cuts' days and stopped in each. */
function hubThroughTheCuts(h: TestHubDb, until: number): void {
  h.clock.advanceTo(utc('2026-11-29T12:00'));
  for (const [off, on] of CUTS) {
    hubRunsUntil(h, off);
    h.clock.advanceTo(on);
  }
  hubRunsUntil(h, until);
}

describe('days the hub was off for part of', () => {
  it('do not read as a routine change: three evenings of power cuts raise no flag', async () => {
    hub = await openTestHubDb(FLAT_7_CONFIG);
    await hub.append(routineWithCuts());
    hubThroughTheCuts(hub, utc('2026-12-05T09:00'));

    expect(routineChanges(hub)).toEqual([]);
  });

  it('do not read as a routine change through the analytics thread either', async () => {
    hub = await openTestHubDb(FLAT_7_CONFIG);
    await hub.append(routineWithCuts());
    // The hub through the cuts up to 3 December's review (at 08:00 on the 4th), then that review in the thread.
    hubThroughTheCuts(hub, utc('2026-12-04T07:30'));
    worker = new ActivityWorker(hub.db, FLAT_7_CONFIG);
    const alerts = hub.alerts;
    const review = new RoutineReview({
      db: hub.db,
      config: FLAT_7_CONFIG,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
      worker,
      firstAfterMs: 0,
    });
    hub.clock.advanceTo(utc('2026-12-04T08:30'));
    review.start();
    const reviewed = hub.db.prepare("SELECT 1 FROM routine_reviews WHERE home_id = ? AND date = '2026-12-03'");
    try {
      await vi.waitFor(
        () => {
          hub!.clock.advanceBy(100);
          expect(reviewed.get(FLAT_7)).toBeDefined();
        },
        { timeout: 30_000, interval: 20 },
      );
    } finally {
      review.stop();
    }
    expect(routineChanges(hub)).toEqual([]);
  });
});
