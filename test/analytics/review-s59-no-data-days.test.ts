// Review, session 59: a day in which the hub stored no event of a home at all (the hub switched off, its Zigbee stick
// pulled out, the home's sensors silent) came out of the daily features as a day of no activity: 0 active minutes, 0
// room transitions. Three such days and the routine review raised 'activity down' and 'room transitions down' about a
// resident nobody had heard from, and the home view drew them as days at home doing nothing. Such a day is now left
// out (docs/analytics.md: "days with no data at all are left out"); a day the resident spent out of home, though no
// event came in it, is still a day (its minutes out are known). Real hub database, real alert service, the hub's
// routine review on a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { homeActivity } from '../../analytics/activity.js';
import { FeatureAccumulator } from '../../analytics/features.js';
import { dailyReview } from '../../analytics/review.js';
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import type { SensorEvent } from '../../rules/types.js';
import { isoDate, routineDay } from './daily.js';
import { ev, home, utc } from './factories.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const HOME = 'flat-7';
const config = testConfig([{ id: HOME, timezone: 'Europe/London', residents: [{ id: 'mary' }], devices: [] }]);

let hub: TestHubDb | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** November as usual (1st to 30th, the last event at 22:4x on the 30th), then nothing: 1 to 3 December unheard. */
function novemberThenSilence(): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i < 30; i++) events.push(...routineDay(HOME, isoDate('2026-11-01', i), i, 0));
  return events;
}

describe('days with no data at all', () => {
  it('are left out of the home activity, and three of them raise no routine-change flag', async () => {
    hub = await openTestHubDb(config);
    await hub.append(novemberThenSilence());

    const now = utc('2026-12-04T09:00');
    const days = homeActivity(hub.db, config, HOME, '2026-11-28', '2026-12-04', now);
    expect(days.map((d) => d.date)).toEqual(['2026-11-28', '2026-11-29', '2026-11-30']);
    // Asked again (the days of November now cached): the same answer.
    expect(homeActivity(hub.db, config, HOME, '2026-11-28', '2026-12-04', now)).toEqual(days);

    // The review of 3 December: nothing known of the 1st to the 3rd, so no run of three days beyond the baseline.
    expect(dailyReview(hub.db, config, now)).toEqual([]);
  });

  it("raise no routine-change alert in the hub's hourly review, and the days after the silence are reviewed as before", async () => {
    hub = await openTestHubDb(config);
    // The sensors are heard again from 4 December, as usual.
    const events = novemberThenSilence();
    for (let i = 33; i < 36; i++) events.push(...routineDay(HOME, isoDate('2026-11-01', i), i, 0));
    await hub.append(events);
    const alerts = hub.alerts;
    hub.clock.advanceTo(utc('2026-12-04T07:00'));
    const review = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    });
    review.start();
    hub.clock.advanceTo(utc('2026-12-07T14:00'));
    review.stop();

    expect(alerts.list({})).toEqual([]);
    const days = homeActivity(hub.db, config, HOME, '2026-11-30', '2026-12-06', hub.clock.now());
    expect(days.map((d) => [d.date, d.activeMinutes])).toEqual([
      ['2026-11-30', 94],
      ['2026-12-04', 94],
      ['2026-12-05', 94],
      ['2026-12-06', 93], // its bedroom PIR and bed mat at 22:40, one minute
    ]);
  });

  it("are left out by the accumulator (replay's features too), but a day spent out of home is still a day", () => {
    const acc = new FeatureAccumulator([home(HOME)]);
    // Out through the front door on the morning of 1 December, back on the evening of the 3rd: the 2nd is a day out.
    for (const e of [
      ev(HOME, '2026-12-01T09:00', 'hall-pir'),
      ev(HOME, '2026-12-01T09:05', 'front', true),
      ev(HOME, '2026-12-01T09:06', 'front', false),
      ev(HOME, '2026-12-03T18:00', 'front', true),
      ev(HOME, '2026-12-03T18:01', 'front', false),
      ev(HOME, '2026-12-03T18:02', 'hall-pir'),
      // Then nothing from the 4th to the 6th (the hub off), and the resident heard again on the 7th.
      ev(HOME, '2026-12-07T09:00', 'hall-pir'),
    ])
      acc.add(e);
    const days = acc.finish();
    expect(days.map((d) => [d.date, d.minutesOut])).toEqual([
      ['2026-12-01', 1255],
      ['2026-12-02', 1440],
      ['2026-12-03', 721],
      ['2026-12-07', 0],
    ]);
  });
});
