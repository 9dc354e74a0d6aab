// Review, session 60: the days a resident spent away from home (three weeks in hospital, out through the front door and
// not a movement inside until the return) stayed in the 28-day baseline of the routine-change flags: days of 1,440
// minutes out of home and no visit to the bathroom. Back home and going on as before, the resident was flagged on the
// third day as 'going out less' (0 minutes out against a median of 1,440) and 'more bathroom visits by day' (against a
// median of 0). Such a day (out of home, no activity in it) is now left out of the baselines and breaks a run, as a day
// with no data does. Real hub database, real alert service, the hub's hourly routine review on a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { homeActivity } from '../../analytics/activity.js';
import { routineChanges } from '../../analytics/baseline.js';
import { reviewDecisions } from '../../analytics/review.js';
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import type { SensorEvent } from '../../rules/types.js';
import { isoDate, ordinaryFeatures, routineDay } from './daily.js';
import { ev, home, utc } from './factories.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const HOME = 'flat-7';
const config = testConfig([{ id: HOME, timezone: 'Europe/London', residents: [{ id: 'mary' }], devices: [] }]);

let hub: TestHubDb | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/**
 * Her routine from 15 October to 9 November; taken to hospital on the morning of 10 November (out through the front
 * door), home at noon on 30 November; her routine again from 1 December.
 */
function hospitalStay(): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i < 26; i++) events.push(...routineDay(HOME, isoDate('2026-10-15', i), i, 0));
  events.push(
    ev(HOME, '2026-11-10T07:12', 'bed-mat', false),
    ev(HOME, '2026-11-10T07:20', 'hall-pir'),
    ev(HOME, '2026-11-10T09:05', 'front', true),
    ev(HOME, '2026-11-10T09:06', 'front', false),
    ev(HOME, '2026-11-30T12:00', 'front', true),
    ev(HOME, '2026-11-30T12:01', 'front', false),
    ev(HOME, '2026-11-30T12:02', 'hall-pir'),
    ev(HOME, '2026-11-30T12:30', 'living-pir'),
    ev(HOME, '2026-11-30T22:40', 'bedroom-pir'),
    ev(HOME, '2026-11-30T22:41', 'bed-mat', true),
  );
  for (let i = 0; i < 4; i++) events.push(...routineDay(HOME, isoDate('2026-12-01', i), i, 0));
  return events;
}

describe('days away from home', () => {
  it("raise no routine-change alert in the hub's hourly review once the resident is back as before", async () => {
    hub = await openTestHubDb(config);
    await hub.append(hospitalStay());
    const days = homeActivity(hub.db, config, HOME, '2026-11-10', '2026-12-03', utc('2026-12-05T09:00'));
    // The days in hospital: out of home all day, nothing inside.
    expect(days.find((d) => d.date === '2026-11-20')).toMatchObject({ minutesOut: 1440, activeMinutes: 0 });

    const alerts = hub.alerts;
    hub.clock.advanceTo(utc('2026-12-01T07:00'));
    const review = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    });
    review.start();
    hub.clock.advanceTo(utc('2026-12-05T14:00'));
    review.stop();

    expect(alerts.list({}).map((a) => a.detail)).toEqual([]);
  });

  it('are left out of the baseline and break a run, while a change measured against the days at home still flags', () => {
    // Four weeks as usual, a week away, then three days with night bathroom visits up: flagged against the days at home.
    const days = [];
    for (let i = 0; i < 28; i++) days.push(ordinaryFeatures(HOME, isoDate('2026-11-01', i), i));
    for (let i = 28; i < 35; i++)
      days.push(
        ordinaryFeatures(HOME, isoDate('2026-11-01', i), i, {
          risingTime: null,
          bedtime: null,
          activeMinutes: 0,
          roomTransitions: 0,
          bathroomVisitsDay: 0,
          bathroomVisitsNight: 0,
          nightActivityMinutes: 0,
          minutesOut: 1440,
          kitchenUses: 0,
        }),
      );
    for (let i = 35; i < 38; i++)
      days.push(ordinaryFeatures(HOME, isoDate('2026-11-01', i), i, { bathroomVisitsNight: 4 }));
    const flags = routineChanges(days);
    expect(flags.map((f) => [f.feature, f.fromDate, f.date, f.baseline.days])).toEqual([
      ['bathroomVisitsNight', '2026-12-06', '2026-12-08', 21],
    ]);
    // The review's flag says how many days of its usual's four weeks were left out as away.
    const [flag] = reviewDecisions(home(HOME), days, '2026-12-08', utc('2026-12-09T09:00'));
    expect(flag?.type === 'raise' && flag.detail.daysAwayLeftOut).toBe(7);
  });
});
