// Live analytics on a real hub database: features from stored events (cached once complete) and the daily review.
import { afterEach, assert, describe, expect, it } from 'vitest';
import { homeActivity } from '../../analytics/activity.js';
import { createDashboardAnalytics } from '../../analytics/dashboard.js';
import { FeatureAccumulator } from '../../analytics/features.js';
import { dailyReview } from '../../analytics/review.js';
import { monthThenDrift } from './daily.js';
import { utc } from './factories.js';
import { FLAT_7, FLAT_7_CONFIG, openTestHubDb, type TestHubDb } from './hub-db.js';

const HOME = FLAT_7;
const config = FLAT_7_CONFIG;

let hub: TestHubDb | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('daily features from the stored events', () => {
  it('match the accumulator, cache completed days, and survive the events being pruned', async () => {
    hub = await openTestHubDb(config);
    const events = monthThenDrift(HOME, '2026-12-04T12:00');
    await hub.append(events);
    const now = utc('2026-12-04T12:00');

    const days = homeActivity(hub.db, config, HOME, '2026-11-01', '2026-12-10', now);
    expect(days[0]?.date).toBe('2026-11-01');
    expect(days.at(-1)!.date).toBe('2026-12-04'); // today, partial; nothing beyond now
    expect(days).toHaveLength(34);
    expect(days.find((d) => d.date === '2026-12-02')).toMatchObject({ bathroomVisitsNight: 3, bedtime: '22:41' });
    expect(days.find((d) => d.date === '2026-11-10')!.risingTime).toBe('07:20');

    const direct = new FeatureAccumulator(config.homes);
    for (const e of events) direct.add(e);
    expect(days.slice(0, 33)).toEqual(direct.finish().slice(0, 33));

    const cached = hub.db.prepare('SELECT COUNT(*) AS n FROM daily_features WHERE home_id = ?').get(HOME) as {
      n: number;
    };
    expect(cached.n).toBe(33); // 1 November to 3 December; the 4th is not over

    hub.db.prepare('DELETE FROM events WHERE ts < ?').run(utc('2026-12-01T00:00'));
    expect(homeActivity(hub.db, config, HOME, '2026-11-01', '2026-11-30', now)).toEqual(days.slice(0, 30));
  });

  it('are what the dashboard serves, next to the council report', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    hub.clock.advanceTo(utc('2026-12-04T12:00'));
    const analytics = createDashboardAnalytics(hub.db, config, hub.clock);
    const days = await analytics.homeActivity(HOME, '2026-11-20', '2026-11-22');
    expect(days.map((d) => d.date)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);
    const report = analytics.preventionReport('2026-11-01', '2026-11-30');
    expect(report).toMatchObject({ report: 'prevention', homesMonitored: '*', residentsMonitored: '*' });
    expect(analytics.preventionCsv(report)).toContain('summary,residents,monitored,*');
  });

  it('refuses a malformed or reversed date range', async () => {
    hub = await openTestHubDb(config);
    expect(() => homeActivity(hub!.db, config, HOME, '2026-11-31', '2026-12-01')).toThrow(
      /from: '2026-11-31' is not a date/,
    );
    expect(() => homeActivity(hub!.db, config, HOME, '2026-12-02', '2026-12-01')).toThrow(/after/);
  });
});

describe('the daily review', () => {
  it('raises one low routine-change alert once night bathroom trips have stayed up three days, and only once', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));

    expect(dailyReview(hub.db, config, utc('2026-12-02T08:30'))).toEqual([]); // one odd night
    expect(dailyReview(hub.db, config, utc('2026-12-03T08:30'))).toEqual([]); // two
    const decisions = dailyReview(hub.db, config, utc('2026-12-04T08:30'));
    expect(decisions).toEqual([
      expect.objectContaining({
        type: 'raise',
        homeId: HOME,
        residentId: 'mary',
        kind: 'routine-change',
        severity: 'low',
        detail: expect.objectContaining({
          feature: 'bathroomVisitsNight',
          change: 'up',
          days: 3,
          date: '2026-12-03',
          values: [3, 3, 3],
        }),
      }),
    ]);
    expect(dailyReview(hub.db, config, utc('2026-12-04T09:30'))).toEqual([]); // the same day is not reviewed twice

    hub.clock.advanceTo(utc('2026-12-04T08:30'));
    assert.isDefined(decisions[0]);
    const alert = hub.alerts.apply(decisions[0]);
    expect(alert).toMatchObject({ kind: 'routine-change', severity: 'low', state: 'raised' });
  });

  it('before the night is over and settled, the day is not reviewed', async () => {
    hub = await openTestHubDb(config);
    await hub.append(monthThenDrift(HOME, '2026-12-04T12:00'));
    dailyReview(hub.db, config, utc('2026-12-04T07:30')); // reviews the 2nd: the 3rd's bedtime is not settled yet
    expect(dailyReview(hub.db, config, utc('2026-12-04T08:00'))).toHaveLength(1);
  });
});
