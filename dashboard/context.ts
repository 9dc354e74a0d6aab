// What every group of routes shares: the hub's deps, the auth store, the login slow-down, the clock and the dashboard's metrics.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../hub/clock.js';
import type { AuthStore } from './auth.js';
import type { DashboardAnalytics, DashboardDeps } from './deps.js';
import type { LoginThrottle } from './login-throttle.js';

export interface DashboardMetrics {
  loginFailures: Counter<'reason'>;
  sseClients: Gauge;
  connectionsRefused: Counter;
}

export interface DashboardContext {
  deps: DashboardDeps;
  auth: AuthStore;
  throttle: LoginThrottle;
  clock: Clock;
  metrics: DashboardMetrics;
  analytics: DashboardAnalytics;
}

// The hub builds one app per registry, tests may build several on one: reuse a series already there.
export function dashboardMetrics(registry: Registry): DashboardMetrics {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- prom-client returns a bare Metric; T names the series' real class
  const existing = <T>(name: string): T | undefined => registry.getSingleMetric(name) as T | undefined;
  return {
    loginFailures:
      existing<Counter<'reason'>>('telecare_dashboard_login_failures_total') ??
      new Counter({
        name: 'telecare_dashboard_login_failures_total',
        help: 'Dashboard logins refused, by reason (bad-credentials, throttled)',
        labelNames: ['reason'],
        registers: [registry],
      }),
    sseClients:
      existing<Gauge>('telecare_dashboard_sse_clients') ??
      new Gauge({
        name: 'telecare_dashboard_sse_clients',
        help: 'Dashboards connected to the live alert stream',
        registers: [registry],
      }),
    connectionsRefused:
      existing<Counter>('telecare_dashboard_connections_refused_total') ??
      new Counter({
        name: 'telecare_dashboard_connections_refused_total',
        help: 'Connections closed at once because their address held too many open (dashboard/connection-cap.ts)',
        registers: [registry],
      }),
  };
}
