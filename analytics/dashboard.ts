// The analytics the dashboard serves (home activity, council report), bound to the hub's database, config and clock.
import type { Database } from 'better-sqlite3';
import type { Clock } from '../hub/clock.js';
import type { HubConfig } from '../rules/types.js';
import type { DashboardAnalytics } from '../dashboard/deps.js';
import { homeActivity } from './activity.js';
import { preventionReport, toCsv, type PreventionReport } from './report.js';

export function createDashboardAnalytics(db: Database, config: HubConfig, clock: Clock): DashboardAnalytics {
  return {
    homeActivity: (homeId, fromDate, toDate) => homeActivity(db, config, homeId, fromDate, toDate, clock.now()),
    preventionReport: (fromDate, toDate) => preventionReport({ db, config, from: fromDate, to: toDate, now: clock.now() }),
    preventionCsv: (report) => toCsv(report as PreventionReport),
  };
}
