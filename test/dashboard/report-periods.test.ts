// The council report for analysts covers whole months that have ended: no day of one resident can be told apart.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  login,
  raiseAlert,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';

let hub: Dashboard | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

interface ReportJson {
  period: { from: string; to: string };
  alerts: { total: number | string };
}

describe("an analyst's prevention report", () => {
  it('cannot be asked for one day (on a one-flat hub it would say which day the resident pressed the pendant)', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
    hub = await startDashboard({ analytics: undefined, clock });
    raiseAlert(hub.alerts, clock, { kind: 'pendant' });
    let analyst = await userWithRole(hub.app, 'analyst');
    const ask = (from: string, to: string) =>
      hub!.app.inject({ url: `/api/reports/prevention?from=${from}&to=${to}`, headers: { cookie: analyst } });

    // November has not ended: nothing of it yet.
    const today = await ask('2026-11-22', '2026-11-22');
    expect(today.statusCode).toBe(400);
    expect(today.json()).toMatchObject({ error: 'BAD_DATE_RANGE' });
    expect(today.body).toMatch(/whole months that have ended/);

    // Once it has, any day of it gives the whole month: a day with the press and a day without read the same.
    clock.advanceTo(Date.UTC(2026, 11, 1, 9, 0, 0));
    analyst = await login(hub.app, 'analyst1', USER_PASSWORD);
    const pressDay = await ask('2026-11-22', '2026-11-22');
    const quietDay = await ask('2026-11-21', '2026-11-21');
    expect(pressDay.statusCode).toBe(200);
    const withPress = pressDay.json<ReportJson>();
    expect(withPress.period).toMatchObject({ from: '2026-11-01', to: '2026-11-30' });
    expect(withPress.alerts.total).toBe('*');
    expect(quietDay.json<ReportJson>()).toEqual({ ...withPress, generatedAt: expect.any(String) });

    // A range reaching into the month under way stops at the last month that has ended.
    const reaching = await ask('2026-10-15', '2026-12-01');
    expect(reaching.json<ReportJson>().period).toMatchObject({ from: '2026-10-01', to: '2026-11-30' });
  });

  it('is not narrowed for an admin, who sees every alert anyway', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
    hub = await startDashboard({ analytics: undefined, clock });
    const admin = await login(hub.app, 'admin', ADMIN_PASSWORD);
    const res = await hub.app.inject({
      url: '/api/reports/prevention?from=2026-11-22&to=2026-11-22',
      headers: { cookie: admin },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<ReportJson>().period).toMatchObject({ from: '2026-11-22', to: '2026-11-22' });
  });
});
