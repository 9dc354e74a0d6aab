// Installers and analysts: homes, daily activity, unassigned devices, HTTP events, the council report, OpenAPI at /docs.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { EventStore } from '../../hub/store.js';
import { cannedAnalytics, raiseAlert, startDashboard, userWithRole, usersOnce, type Dashboard } from './support.js';

let users: Awaited<ReturnType<typeof usersOnce>>;
let dashboard: Dashboard;
let analytics: ReturnType<typeof cannedAnalytics>;

// The users and their logins once for the file (each a scrypt hash or check); each test's dashboard on a fresh copy.
beforeAll(async () => {
  users = await usersOnce([
    ['installer', 'installer1'],
    ['analyst', 'analyst1'],
  ]);
});
afterAll(() => users?.remove());

beforeEach(async () => {
  analytics = cannedAnalytics();
  dashboard = await startDashboard({ analytics, from: users.db });
});
afterEach(async () => dashboard.close());

describe('homes', () => {
  it('lists configured homes with their devices', async () => {
    const installer = users.cookies.installer1!;
    const res = await dashboard.app.inject({ url: '/api/homes', headers: { cookie: installer } });
    expect(res.statusCode).toBe(200);
    expect(res.json().map((h: { id: string }) => h.id)).toEqual(['h1', 'h2']);
    expect(res.json()[0].devices).toContainEqual({ id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion', room: 'hall' });
  });

  it('gives daily features for a date range, the last 28 days by default, and refuses bad ranges', async () => {
    const installer = users.cookies.installer1!;
    const get = (url: string) => dashboard.app.inject({ url, headers: { cookie: installer } });

    const week = await get('/api/homes/h1/activity?from=2026-11-01&to=2026-11-07');
    expect(week.statusCode).toBe(200);
    expect(week.json()).toHaveLength(7);
    expect(week.json()[0]).toMatchObject({ homeId: 'h1', date: '2026-11-01', risingTime: '07:10' });

    // The test clock says 2026-11-22.
    await get('/api/homes/h1/activity');
    expect(analytics.calls).toContain('activity h1 2026-10-26 2026-11-22');

    expect((await get('/api/homes/h9/activity')).json().error).toBe('HOME_NOT_FOUND');
    const backwards = await get('/api/homes/h1/activity?from=2026-11-07&to=2026-11-01');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error).toBe('BAD_DATE_RANGE');
    expect((await get('/api/homes/h1/activity?from=2026-02-30')).json().error).toBe('BAD_DATE_RANGE');
    expect((await get('/api/homes/h1/activity?from=yesterday')).statusCode).toBe(400);
  });

  it("lists the devices the event store recorded as unassigned, with the store's own fields", async () => {
    const installer = users.cookies.installer1!;
    const get = () => dashboard.app.inject({ url: '/api/devices/unassigned', headers: { cookie: installer } });
    // A database the event store never opened: nothing to list, no error.
    expect((await get()).json()).toEqual([]);
    const clock = new FakeClock(1_000);
    const store = new EventStore(dashboard.deps.db, clock, undefined, { syncOffLoop: false });
    const stranger = { homeId: 'h1', deviceId: 'kitchen_pir', type: 'motion', value: true, source: 'zigbee' } as const;
    await store.append([{ ...stranger, ts: 900, assigned: false }]);
    clock.advanceBy(1_000);
    await store.append([{ ...stranger, ts: 1_900, assigned: false }]);
    expect((await get()).json()).toEqual([
      { homeId: 'h1', deviceId: 'kitchen_pir', source: 'zigbee', firstSeenAt: 1_000, lastSeenAt: 2_000, count: 2 },
    ]);
  });
});

describe('HTTP events', () => {
  it('an installer posts events; ingest refusals come back as 400 with their reason', async () => {
    const installer = users.cookies.installer1!;
    const post = (payload: unknown) =>
      dashboard.app.inject({
        method: 'POST',
        url: '/api/events',
        headers: { cookie: installer },
        payload: payload as object,
      });
    const ok = await post([{ homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true }]);
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toEqual({ accepted: 1 });
    expect(dashboard.ingested).toHaveLength(1);
    const refused = await post({ deviceId: 'p1', type: 'pendant', value: true });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: 'missing-home', message: 'homeId is required' });
    const notJson = await dashboard.app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: installer, 'content-type': 'application/json' },
      payload: '{"homeId": ',
    });
    expect(notJson.statusCode).toBe(400);
  });
});

describe('failures', () => {
  it('an oversized body is refused with 413; an internal fault is a 500 that says nothing of its cause', async () => {
    const installer = users.cookies.installer1!;
    const big = await dashboard.app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: installer },
      payload: { homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true, pad: 'x'.repeat(70 * 1024) },
    });
    expect(big.statusCode).toBe(413);

    const broken = await startDashboard({
      from: users.db,
      analytics: {
        ...cannedAnalytics(),
        homeActivity: () => {
          throw new Error('disk I/O error at /var/lib/secret.db');
        },
      },
    });
    try {
      const res = await broken.app.inject({
        url: '/api/homes/h1/activity',
        headers: { cookie: users.cookies.installer1! },
      });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: 'INTERNAL', message: 'Internal error; see the hub log' });
    } finally {
      await broken.close();
    }
  });
});

describe('the council report', () => {
  it('comes as JSON or as a CSV download', async () => {
    const analyst = users.cookies.analyst1!;
    const json = await dashboard.app.inject({
      url: '/api/reports/prevention?from=2026-08-01&to=2026-10-31',
      headers: { cookie: analyst },
    });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ from: '2026-08-01', to: '2026-10-31', residentsMonitored: 40 });
    const csv = await dashboard.app.inject({
      url: '/api/reports/prevention?from=2026-08-01&to=2026-10-31&format=csv',
      headers: { cookie: analyst },
    });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="prevention-2026-08-01-2026-10-31.csv"');
    expect(csv.body).toContain('period,from,2026-08-01');
  });

  it("from the hub's own analytics names no home and no resident, and shows small counts as *", async () => {
    const hub = await startDashboard({ analytics: undefined });
    try {
      const alert = raiseAlert(hub.alerts, hub.deps.clock!, { kind: 'pendant' });
      hub.alerts.resolve(alert.id, 'ambulance', 'taken to A&E', 'sam');
      // An analyst's report covers whole months that have ended (report-periods.test.ts): ask once November has.
      (hub.deps.clock as FakeClock).advanceTo(Date.UTC(2026, 11, 1, 9, 0, 0));
      const analyst = await userWithRole(hub.app, 'analyst');
      const res = await hub.app.inject({
        url: '/api/reports/prevention?from=2026-11-01&to=2026-11-30',
        headers: { cookie: analyst },
      });
      expect(res.statusCode).toBe(200);
      const report = res.json();
      expect(report).toMatchObject({ report: 'prevention', period: { from: '2026-11-01', to: '2026-11-30' } });
      expect(report.alerts.total).toBe('*');
      expect(res.body).not.toMatch(/"(h1|h2|r1|r2|sam)"/);
      const csv = await hub.app.inject({
        url: '/api/reports/prevention?from=2026-11-01&to=2026-11-30&format=csv',
        headers: { cookie: analyst },
      });
      expect(csv.statusCode).toBe(200);
      expect(csv.body).not.toMatch(/\b(h1|r1)\b/);

      const installer = await userWithRole(hub.app, 'installer');
      const activity = await hub.app.inject({
        url: '/api/homes/h1/activity?from=2026-11-01&to=2026-11-07',
        headers: { cookie: installer },
      });
      expect(activity.statusCode).toBe(200);
      expect(Array.isArray(activity.json())).toBe(true);
    } finally {
      await hub.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents every API route at /docs/json and serves Swagger UI from the hub itself at /docs', async () => {
    const analyst = users.cookies.analyst1!;
    const spec = await dashboard.app.inject({ url: '/docs/json', headers: { cookie: analyst } });
    expect(spec.statusCode).toBe(200);
    const paths = Object.keys(spec.json().paths);
    for (const p of [
      '/api/health',
      '/api/login',
      '/api/alerts',
      '/api/alerts/{id}/ack',
      '/api/alerts/{id}/resolve',
      '/api/alerts/stream',
      '/api/homes',
      '/api/homes/{id}/activity',
      '/api/reports/prevention',
      '/api/events',
      '/metrics',
      '/api/tokens',
      '/api/users',
    ]) {
      expect(paths, p).toContain(p);
    }
    expect(paths).not.toContain('/console');
    const ui = await dashboard.app.inject({ url: '/docs', headers: { cookie: analyst } });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger-ui');
    expect(ui.body).not.toMatch(/https?:\/\/(?!localhost)/);
  });
});
