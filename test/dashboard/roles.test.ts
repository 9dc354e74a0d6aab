// Least privilege: each role reaches its own routes and is refused the others with a clear 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../rules/vocabulary.js';
import {
  ADMIN_PASSWORD,
  cannedAnalytics,
  login,
  raiseAlert,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';

interface RouteCase {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  payload?: unknown;
  allowed: Role[];
  /** An endless stream: only its refusals can be checked with inject(); the allowed roles are tested over a real socket. */
  streams?: boolean;
}

const ROLES: Role[] = ['admin', 'installer', 'responder', 'analyst'];

let dashboard: Dashboard;
const cookies = {} as Record<Role, string>;
let alertId: string;

beforeAll(async () => {
  dashboard = await startDashboard({ analytics: cannedAnalytics() });
  cookies.admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
  for (const role of ['installer', 'responder', 'analyst'] as const)
    cookies[role] = await userWithRole(dashboard.app, role);
  alertId = raiseAlert(dashboard.alerts, dashboard.deps.clock!).id;
});
afterAll(async () => dashboard.close());

function routes(): RouteCase[] {
  return [
    { method: 'GET', url: '/api/alerts?state=open', allowed: ['admin', 'responder'] },
    { method: 'GET', url: `/api/alerts/${alertId}`, allowed: ['admin', 'responder'] },
    { method: 'GET', url: '/api/alerts/stream', allowed: ['admin', 'responder'], streams: true },
    { method: 'POST', url: `/api/alerts/${alertId}/ack`, allowed: ['admin', 'responder'] },
    {
      method: 'POST',
      url: `/api/alerts/${alertId}/resolve`,
      payload: { outcome: 'false-alarm', note: null },
      allowed: ['admin', 'responder'],
    },
    { method: 'GET', url: '/api/homes', allowed: ['admin', 'installer'] },
    { method: 'GET', url: '/api/homes/h1/activity?from=2026-11-01&to=2026-11-07', allowed: ['admin', 'installer'] },
    { method: 'GET', url: '/api/devices/unassigned', allowed: ['admin', 'installer'] },
    {
      method: 'POST',
      url: '/api/events',
      payload: { homeId: 'h1', deviceId: 'p1', type: 'heartbeat', value: true },
      allowed: ['admin', 'installer'],
    },
    { method: 'GET', url: '/api/reports/prevention?from=2026-08-01&to=2026-10-31', allowed: ['admin', 'analyst'] },
    { method: 'GET', url: '/api/reports/prevention?format=csv', allowed: ['admin', 'analyst'] },
    { method: 'GET', url: '/metrics', allowed: ['admin'] },
    { method: 'GET', url: '/api/users', allowed: ['admin'] },
    {
      method: 'POST',
      url: '/api/users',
      payload: { username: 'x', password: 'short', role: 'analyst' },
      allowed: ['admin'],
    },
    { method: 'DELETE', url: '/api/users/nobody', allowed: ['admin'] },
    { method: 'GET', url: '/api/tokens', allowed: ['admin'] },
    { method: 'DELETE', url: '/api/tokens/none', allowed: ['admin'] },
    { method: 'GET', url: '/docs/json', allowed: ['admin', 'installer', 'responder', 'analyst'] },
    { method: 'GET', url: '/api/me', allowed: ['admin', 'installer', 'responder', 'analyst'] },
  ];
}

describe.each(ROLES)('the %s role', (role) => {
  it('reaches its routes and is refused every other one with FORBIDDEN_ROLE', async () => {
    for (const route of routes()) {
      if (route.streams && route.allowed.includes(role)) continue;
      const res = await dashboard.app.inject({
        method: route.method,
        url: route.url,
        payload: route.payload as object,
        headers: { cookie: cookies[role] },
      });
      const label = `${role} ${route.method} ${route.url} → ${res.statusCode} ${res.body.slice(0, 120)}`;
      if (route.allowed.includes(role)) {
        expect([401, 403], label).not.toContain(res.statusCode);
        expect(res.statusCode, label).toBeLessThan(500);
      } else {
        expect(res.statusCode, label).toBe(403);
        expect(res.json().error, label).toBe('FORBIDDEN_ROLE');
        expect(res.json().message, label).toContain(`'${role}'`);
      }
    }
  });
});

describe('what an analyst sees', () => {
  it('gets the aggregated report but no alert, home, device or event data', async () => {
    const report = await dashboard.app.inject({ url: '/api/reports/prevention', headers: { cookie: cookies.analyst } });
    expect(report.statusCode).toBe(200);
    expect(report.json().residentsMonitored).toBe(40);
    for (const url of [
      '/api/alerts',
      `/api/alerts/${alertId}`,
      '/api/alerts/stream',
      '/api/homes',
      '/api/homes/h1/activity',
    ]) {
      expect((await dashboard.app.inject({ url, headers: { cookie: cookies.analyst } })).statusCode, url).toBe(403);
    }
  });
});

describe('pages by role', () => {
  it('each role lands on its own page and is sent home from pages it may not use', async () => {
    const landing = async (role: Role) =>
      (await dashboard.app.inject({ url: '/', headers: { cookie: cookies[role] } })).headers.location;
    expect(await landing('responder')).toBe('/console');
    expect(await landing('analyst')).toBe('/council');
    expect(await landing('installer')).toBe('/devices');
    expect(await landing('admin')).toBe('/console');
    const console = await dashboard.app.inject({ url: '/console', headers: { cookie: cookies.responder } });
    expect(console.statusCode).toBe(200);
    expect(console.headers['content-security-policy']).toContain("script-src 'self'");
    const refused = await dashboard.app.inject({ url: '/console', headers: { cookie: cookies.analyst } });
    expect(refused.statusCode).toBe(302);
    expect(refused.headers.location).toBe('/');
  });
});

describe('metrics', () => {
  async function tokenFor(role: Role): Promise<string> {
    const created = await dashboard.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie: cookies.admin },
      payload: { name: `scraper-${role}`, role },
    });
    expect(created.statusCode).toBe(201);
    return created.json<{ token: string }>().token;
  }

  it('are open to an API token of a role that sees alerts or sensor data, for a Prometheus scraper', async () => {
    for (const role of ['admin', 'installer', 'responder'] as const) {
      const res = await dashboard.app.inject({
        url: '/metrics',
        headers: { authorization: `Bearer ${await tokenFor(role)}` },
      });
      expect(res.statusCode, role).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.body).toContain('telecare_dashboard_sse_clients');
    }
  });

  it("are refused to an analyst's token: the counters say when each alert was raised, and of which kind", async () => {
    // What a scrape shows: the pendant alert raised in beforeAll, counted by kind the moment it is raised. Scraped
    // every 15 s on a one-flat hub, that is the minute the resident pressed or fell; an analyst sees whole ended
    // months only (report-periods.test.ts).
    const admin = await dashboard.app.inject({ url: '/metrics', headers: { cookie: cookies.admin } });
    expect(admin.body).toMatch(/telecare_alerts_raised_total\{kind="pendant",severity="critical"\} 1/);
    const res = await dashboard.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${await tokenFor('analyst')}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'FORBIDDEN_ROLE' });
    expect(res.body).not.toContain('telecare_alerts_raised_total');
  });
});
