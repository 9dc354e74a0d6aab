// Review, session 72 (report cost): the hub's council report (`GET /api/reports/prevention`, the council page) was
// computed on the hub's loop, from its own connection, synchronously: a year of a 200-flat scheme held the loop, and
// every pendant press's alert, for over a second (bench/reportPresses.ts, docs/performance.md). With the analytics
// worker, the dashboard's report is now computed in the thread, from its read-only connection: counted, not timed, the
// statements the hub's connection prepares for one report (none), and the report is the same as computed on the loop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardAnalytics } from '../../analytics/dashboard.js';
import { ActivityWorker } from '../../analytics/offloop.js';
import { preventionReport } from '../../analytics/report.js';
import { openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

const FLATS = ['flat-1', 'flat-2', 'flat-3', 'flat-4'];
const config = testConfig(
  FLATS.map((id) => ({ id, timezone: 'Europe/London', residents: [{ id: `${id}-r` }], devices: [] })),
);

describe('review s72: the council report is computed off the hub loop', () => {
  let hub: TestHubDb;
  let worker: ActivityWorker;
  beforeAll(async () => {
    hub = await openTestHubDb(config);
    // Twelve pendant presses a month from January to March, acknowledged in 40 s and closed as needing nothing.
    for (let month = 0; month < 3; month++) {
      for (let i = 0; i < 12; i++) {
        hub.raise(
          {
            type: 'raise',
            homeId: FLATS[i % FLATS.length]!,
            kind: 'pendant',
            severity: 'critical',
            at: Date.UTC(2027, month, 2 + i, 10),
            detail: {},
          },
          40,
          'no-action-needed',
        );
      }
    }
    hub.clock.advanceTo(Date.UTC(2027, 4, 1));
    worker = new ActivityWorker(hub.db, config);
  });
  afterAll(async () => {
    await worker?.stop();
    await hub?.close();
  });

  it('prepares no statement on the hub connection, and answers the report the loop would', async () => {
    const analytics = createDashboardAnalytics(hub.db, config, hub.clock, worker);
    let prepared = 0;
    const prepare = hub.db.prepare.bind(hub.db);
    (hub.db as { prepare: unknown }).prepare = (sql: string) => {
      prepared++;
      return prepare(sql);
    };
    let report: unknown;
    try {
      report = await analytics.preventionReport('2027-01-01', '2027-03-31');
    } finally {
      (hub.db as { prepare: unknown }).prepare = prepare;
    }
    // On the loop: the alerts, each home's events and away days, the hub's runs (the run's own and each month's).
    expect(prepared).toBe(0);
    const onLoop = preventionReport({
      db: hub.db,
      config,
      from: '2027-01-01',
      to: '2027-03-31',
      now: hub.clock.now(),
    });
    expect(report).toEqual(onLoop);
    expect(onLoop.alerts.byKind.pendant).toBe(30);
  });
});
