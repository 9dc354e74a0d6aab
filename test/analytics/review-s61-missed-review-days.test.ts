// Review, session 61: the hourly routine review looked at each home's latest completed day only. A day whose review
// round never came while the hub ran (the hub unplugged on the morning the day completed, 08:00, and back more than a
// day later) was never reviewed: the routine change it completed (a run of three days beyond the baseline, flagged on
// its third day only) was never raised, nor counted in the council report. The review now looks at every completed
// day since the home's last reviewed one, in the loop and through the analytics thread.
// Real hub database, real alert service, the hub's hourly routine review on a fake clock, stopped and started again as
// the hub is when it is unplugged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActivityWorker } from '../../analytics/offloop.js';
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import { monthThenDrift } from './daily.js';
import { utc } from './factories.js';
import { FLAT_7, FLAT_7_CONFIG, openTestHubDb, type TestHubDb } from './hub-db.js';

let hub: TestHubDb | undefined;
let worker: ActivityWorker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await hub?.close();
  hub = undefined;
});

/** The hub's hourly review in the loop, from the clock's time to `until`, then stopped (the hub unplugged). */
function hubRunsUntil(h: TestHubDb, until: string): void {
  const alerts = h.alerts;
  const review = new RoutineReview({
    db: h.db,
    config: FLAT_7_CONFIG,
    clock: h.clock,
    logger: silentLogger,
    decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
  });
  review.start();
  h.clock.advanceTo(utc(until));
  review.stop();
}

/** The hub started again: its first review round, through the analytics thread as the hub does it, until `date` is reviewed. */
async function hubStartsWithThread(h: TestHubDb, date: string): Promise<void> {
  const alerts = h.alerts;
  worker = new ActivityWorker(h.db, FLAT_7_CONFIG);
  const review = new RoutineReview({
    db: h.db,
    config: FLAT_7_CONFIG,
    clock: h.clock,
    logger: silentLogger,
    decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    worker,
    firstAfterMs: 0,
  });
  review.start();
  const reviewed = h.db.prepare('SELECT 1 FROM routine_reviews WHERE home_id = ? AND date = ?');
  try {
    await vi.waitFor(
      () => {
        h.clock.advanceBy(100);
        expect(reviewed.get(FLAT_7, date)).toBeDefined();
      },
      { timeout: 30_000, interval: 20 },
    );
  } finally {
    review.stop();
  }
}

describe.each([false, true])('a day completed while the hub was off (analytics thread: %s)', (withWorker) => {
  it('is reviewed when the hub is back: the run of three nights it completed is flagged', async () => {
    hub = await openTestHubDb(FLAT_7_CONFIG);
    // November as usual, three bathroom trips a night from 1 December. The hub runs until 07:00 on 4 December (the
    // third such night, 3 December's, complete at 08:00) and is unplugged then; nothing is stored until it is back at
    // 10:00 on the 5th.
    await hub.append(monthThenDrift(FLAT_7, '2026-12-04T07:00'));
    hub.clock.advanceTo(utc('2026-12-02T12:00'));
    hubRunsUntil(hub, '2026-12-04T07:00');
    hub.clock.advanceTo(utc('2026-12-05T10:00'));
    if (withWorker) await hubStartsWithThread(hub, '2026-12-04');
    else hubRunsUntil(hub, '2026-12-05T14:00');

    const flags = hub.alerts.list({}).filter((a) => a.kind === 'routine-change');
    expect(flags.map((a) => [a.detail.feature, a.detail.fromDate, a.detail.date])).toEqual([
      ['bathroomVisitsNight', '2026-12-01', '2026-12-03'],
    ]);
    const reviewed = hub.db
      .prepare('SELECT date FROM routine_reviews WHERE home_id = ? ORDER BY date')
      .all(FLAT_7)
      .map((r) => (r as { date: string }).date);
    expect(reviewed).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
  });
});
