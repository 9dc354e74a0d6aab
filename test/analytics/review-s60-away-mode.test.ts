// Review, session 60: the days a home spent in away mode (set in the configuration for a fortnight with family, the
// house empty, no exit-door contact to show the resident leaving) stayed in the 28-day baseline of the routine-change
// flags once the home was back: days of no activity at all, made of the climate sensor's readings. The review skipped
// the home while away, but the weeks after were measured against the empty house, and the resident back as before was
// flagged ('bathroom visits by day up': against a median of 0). The hub had no record of when a home was away (only
// the configuration's present value); the hourly review now notes each feature day it finds a home away
// (`away_days`), and those days are left out of the baselines, in the loop and in the analytics thread.
// Real hub database, real alert service, the hub's hourly routine review on a fake clock, a reload as the hub does one
// (a new review with the new configuration).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActivityWorker } from '../../analytics/offloop.js';
import { RoutineReview } from '../../hub/routine-review.js';
import { silentLogger } from '../../hub/logger.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { SensorEvent } from '../../rules/types.js';
import { isoDate, routineDay } from './daily.js';
import { ev, utc } from './factories.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const HOME = 'flat-7';
const configWith = (away: boolean): HubConfig =>
  testConfig([{ id: HOME, timezone: 'Europe/London', away, residents: [{ id: 'mary' }], devices: [] }]);

let hub: TestHubDb | undefined;
let worker: ActivityWorker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await hub?.close();
  hub = undefined;
});

/**
 * Her routine from 15 October to 9 November; away from the morning of 10 November to 29 November (the living-room
 * thermometer alone heard, every two hours); her routine again from 30 November.
 */
function fortnightAway(): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i < 26; i++) events.push(...routineDay(HOME, isoDate('2026-10-15', i), i, 0));
  for (let day = 0; day < 20; day++)
    for (let hour = 0; hour < 24; hour += 2)
      events.push(
        ev(
          HOME,
          `${isoDate('2026-11-10', day)}T${String(hour).padStart(2, '0')}:30`,
          'living-climate',
          16 + (hour % 3),
        ),
      );
  for (let i = 0; i < 6; i++) events.push(...routineDay(HOME, isoDate('2026-11-30', i), i, 0));
  return events;
}

/** The hub's hourly review with `config`, from the clock's time to `until`, its alerts applied. */
function reviewUntil(h: TestHubDb, config: HubConfig, until: string, withWorker = false): void {
  const alerts = h.alerts;
  const review = new RoutineReview({
    db: h.db,
    config,
    clock: h.clock,
    logger: silentLogger,
    decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    ...(withWorker ? { worker: (worker = new ActivityWorker(h.db, config)) } : {}),
  });
  review.start();
  h.clock.advanceTo(utc(until));
  review.stop();
}

describe('days in away mode', () => {
  it('are left out of the baselines once the home is back: no routine-change alert for a resident back as before', async () => {
    hub = await openTestHubDb(configWith(false));
    await hub.append(fortnightAway());
    // Set away on the morning she leaves (a reload), back the evening she returns.
    hub.clock.advanceTo(utc('2026-11-10T09:00'));
    reviewUntil(hub, configWith(true), '2026-11-29T19:00');
    reviewUntil(hub, configWith(false), '2026-12-05T14:00');

    expect(hub.alerts.list({}).map((a) => [a.kind, a.detail.feature, a.detail.date])).toEqual([]);
  });

  it('are left out by the analytics thread too (the hub reviews there)', async () => {
    hub = await openTestHubDb(configWith(false));
    await hub.append(fortnightAway());
    hub.clock.advanceTo(utc('2026-11-10T09:00'));
    reviewUntil(hub, configWith(true), '2026-11-29T19:00', true);
    await worker?.stop();
    // Back: the review of 2 December (complete at 08:00 on the 3rd) through the thread, as the hub does it.
    hub.clock.advanceTo(utc('2026-12-03T08:30'));
    const config = configWith(false);
    worker = new ActivityWorker(hub.db, config);
    const alerts = hub.alerts;
    const review = new RoutineReview({
      db: hub.db,
      config,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
      worker,
      firstAfterMs: 0,
    });
    review.start();
    const reviewed = hub.db.prepare("SELECT 1 FROM routine_reviews WHERE home_id = ? AND date = '2026-12-02'");
    try {
      await vi.waitFor(
        () => {
          hub!.clock.advanceBy(100);
          expect(reviewed.get(HOME)).toBeDefined();
        },
        { timeout: 15_000, interval: 20 },
      );
    } finally {
      review.stop();
    }
    expect(hub.alerts.list({}).map((a) => [a.kind, a.detail.feature, a.detail.date])).toEqual([]);
  });

  it('a change after the return is measured against the days at home, and the flag says how many days away it left out', async () => {
    hub = await openTestHubDb(configWith(false));
    // Her routine from 25 October to 19 November; away from 20 to 26 November (the thermometer alone heard); her
    // routine from 27 November, and from 1 December three bathroom trips a night.
    const events: SensorEvent[] = [];
    for (let i = 0; i < 26; i++) events.push(...routineDay(HOME, isoDate('2026-10-25', i), i, 0));
    for (let day = 0; day < 7; day++)
      for (let hour = 0; hour < 24; hour += 2)
        events.push(
          ev(HOME, `${isoDate('2026-11-20', day)}T${String(hour).padStart(2, '0')}:30`, 'living-climate', 17),
        );
    for (let i = 0; i < 4; i++) events.push(...routineDay(HOME, isoDate('2026-11-27', i), i, 0));
    for (let i = 0; i < 4; i++) events.push(...routineDay(HOME, isoDate('2026-12-01', i), i, 3));
    await hub.append(events);
    hub.clock.advanceTo(utc('2026-11-20T09:00'));
    reviewUntil(hub, configWith(true), '2026-11-26T19:00');
    reviewUntil(hub, configWith(false), '2026-12-04T14:00');

    const flags = hub.alerts.list({}).filter((a) => a.kind === 'routine-change');
    expect(flags.map((a) => [a.detail.feature, a.detail.date, a.detail.daysAwayLeftOut])).toEqual([
      ['bathroomVisitsNight', '2026-12-03', 7],
    ]);
    expect(flags[0]!.detail.baseline).toMatchObject({ median: 0, days: 21 });
  });
});
