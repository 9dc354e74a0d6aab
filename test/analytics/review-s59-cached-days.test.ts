// Review, session 59: the days the cache lacked were computed from the events of the day before's 06:00, so that the
// first of them had its morning seen; but that day before was answered and cached again as computed, its own morning
// unseen: no rising time, fewer active minutes and room transitions. The hub's hourly review asks for a home's days
// each morning, so every day lost its rising time the next day, in the cache for good: the home view's rising-time
// chart was a line of gaps, and a resident rising two hours later three mornings running was never flagged (the day
// before the one reviewed always had no rising time, breaking the run). A day already cached and complete is now kept.
// Real hub database, real alert service, the hub's routine review on a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { homeActivity } from '../../analytics/activity.js';
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import type { SensorEvent } from '../../rules/types.js';
import { isoDate, routineDay } from './daily.js';
import { ev, utc } from './factories.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const HOME = 'flat-7';
const config = testConfig([{ id: HOME, timezone: 'Europe/London', residents: [{ id: 'mary' }], devices: [] }]);

let hub: TestHubDb | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** November as usual, up at 07:20; from 1 December up at 09:30 (out of bed at 09:25), to the morning of the 4th. */
function novemberThenLateMornings(): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i < 30; i++) events.push(...routineDay(HOME, isoDate('2026-11-01', i), i, 0));
  for (let i = 30; i < 34; i++) {
    const date = isoDate('2026-11-01', i);
    const up = utc(`${date}T09:30`);
    events.push(ev(HOME, `${date}T09:25`, 'bed-mat', false), ...routineDay(HOME, date, i, 0).filter((e) => e.ts >= up));
  }
  return events.sort((a, b) => a.ts - b.ts);
}

describe('cached days', () => {
  it('are the same however often they are asked for: the day before today keeps its rising time', async () => {
    hub = await openTestHubDb(config);
    const events: SensorEvent[] = [];
    for (let i = 0; i < 34; i++) events.push(...routineDay(HOME, isoDate('2026-11-01', i), i, 0));
    await hub.append(events);

    const first = homeActivity(hub.db, config, HOME, '2026-12-01', '2026-12-04', utc('2026-12-04T09:00'));
    expect(first.map((d) => [d.date, d.risingTime, d.activeMinutes])).toEqual([
      ['2026-12-01', '07:20', 93],
      ['2026-12-02', '07:20', 94],
      ['2026-12-03', '07:20', 94],
      ['2026-12-04', '07:20', 11], // today, so far
    ]);
    // The care worker opens the home view again later that morning, and the next day.
    expect(homeActivity(hub.db, config, HOME, '2026-12-01', '2026-12-04', utc('2026-12-04T09:00'))).toEqual(first);
    const nextDay = homeActivity(hub.db, config, HOME, '2026-12-01', '2026-12-04', utc('2026-12-05T12:00'));
    expect(nextDay.map((d) => [d.date, d.risingTime, d.activeMinutes])).toEqual([
      ['2026-12-01', '07:20', 93],
      ['2026-12-02', '07:20', 94],
      ['2026-12-03', '07:20', 94],
      ['2026-12-04', '07:20', 94],
    ]);
  });

  it("let the hub's hourly review flag a resident rising two hours later three mornings running", async () => {
    hub = await openTestHubDb(config);
    await hub.append(novemberThenLateMornings());
    const alerts = hub.alerts;
    hub.clock.advanceTo(utc('2026-11-29T07:00'));
    const review = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    });
    review.start();
    hub.clock.advanceTo(utc('2026-12-04T14:00'));
    review.stop();

    expect(alerts.list({}).map((a) => a.detail)).toEqual([
      expect.objectContaining({
        feature: 'risingTime',
        change: 'later',
        fromDate: '2026-12-01',
        date: '2026-12-03',
        values: [570, 570, 570],
      }),
    ]);
    // And the days the review cached keep their mornings.
    const days = homeActivity(hub.db, config, HOME, '2026-11-29', '2026-12-03', hub.clock.now());
    expect(days.map((d) => d.risingTime)).toEqual(['07:20', '07:20', '09:30', '09:30', '09:30']);
  });
});
