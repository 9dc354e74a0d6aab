// The analytics the dashboard serves (home activity, council report), bound to the hub's database, config and clock.
import type { Database } from 'better-sqlite3';
import type { Clock } from '../hub/clock.js';
import type { HubConfig } from '../hub/config-types.js';
import type { DashboardAnalytics } from '../dashboard/deps.js';
import { homeActivity } from './activity.js';
import type { ActivityWorker } from './offloop.js';
import { preventionReport, toCsv, type PreventionReport } from './report.js';

/**
 * With `worker`, home activity and the council report are computed in the analytics worker thread, off the loop that
 * alerts (the report since session 72's review: a year of 200 flats held the loop for over a second). `config` as a
 * function is read at each request: the configuration in force, after any reload (SIGHUP).
 */
export function createDashboardAnalytics(
  db: Database,
  config: HubConfig | (() => HubConfig),
  clock: Clock,
  worker?: ActivityWorker,
): DashboardAnalytics {
  const inForce = typeof config === 'function' ? config : () => config;
  return {
    homeActivity: (homeId, fromDate, toDate) =>
      worker
        ? worker.homeActivity(homeId, fromDate, toDate, clock.now())
        : homeActivity(db, inForce(), homeId, fromDate, toDate, clock.now()),
    preventionReport: (fromDate, toDate, knownBy) =>
      worker
        ? worker.preventionReport(fromDate, toDate, clock.now(), knownBy)
        : preventionReport({ db, config: inForce(), from: fromDate, to: toDate, now: clock.now(), knownBy }),
    preventionCsv: (report) => toCsv(report as PreventionReport),
  };
}
