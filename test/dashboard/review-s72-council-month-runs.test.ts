// Review, session 72 (round 3): an analyst may ask `GET /api/reports/prevention` for any run of whole ended months, and
// each run was rounded on its own, so comparing runs told a month's hidden count by difference (13, 13 and 1 pendant
// presses: January 15, February 15, March `*`, the quarter 25, which leaves March exactly 1). A run is now its months as
// published added up. Dates that are not whole months: an analyst's are widened to the whole ended months that cover
// them (as before), so the same months added up; an admin's are kept, the first and last month clipped to them. The
// real dashboard and alert service on a real SQLite file, a fake clock, by `inject`.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { HubConfig } from '../../hub/config-types.js';
import {
  login,
  ADMIN_PASSWORD,
  raiseAlert,
  startDashboard,
  testConfig,
  userWithRole,
  type Dashboard,
} from './support.js';

let hub: Dashboard | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** Fourteen flats in London (UTC in winter). */
function scheme(): HubConfig {
  const base = testConfig();
  const h1 = base.homes[0]!;
  return { ...base, homes: Array.from({ length: 14 }, (_, i) => ({ ...h1, id: `h${i + 1}` })) };
}

interface ReportJson {
  period: { from: string; to: string };
  alerts: { total: number | string; byKind: Record<string, number | string> };
  disclosure: string;
}

describe("the council report of a run of months, through the dashboard's route", () => {
  it('adds up its months as published, for an analyst and an admin, in JSON and CSV', async () => {
    const clock = new FakeClock(Date.UTC(2027, 0, 10, 9, 0, 0));
    hub = await startDashboard({ clock, config: scheme() });
    // 13 presses in January, 13 in February, 1 in March, each answered and closed.
    for (const [month, count] of [
      [0, 13],
      [1, 13],
      [2, 1],
    ] as const) {
      for (let i = 0; i < count; i++) {
        clock.advanceTo(Date.UTC(2027, month, 10 + (i % 10), 9, i));
        const alert = raiseAlert(hub.alerts, clock, { homeId: `h${i + 1}`, kind: 'pendant' });
        clock.advanceBy(40_000);
        expect(hub.alerts.acknowledge(alert.id, 'responder-1').ok).toBe(true);
        clock.advanceBy(60_000);
        expect(hub.alerts.resolve(alert.id, 'no-action-needed', null, 'responder-1').ok).toBe(true);
      }
    }
    clock.advanceTo(Date.UTC(2027, 4, 5, 9, 0, 0));
    const analyst = await userWithRole(hub.app, 'analyst');
    const admin = await login(hub.app, 'admin', ADMIN_PASSWORD);
    const ask = async (cookie: string, from: string, to: string, format = 'json') => {
      const res = await hub!.app.inject({
        url: `/api/reports/prevention?from=${from}&to=${to}&format=${format}`,
        headers: { cookie },
      });
      expect(res.statusCode).toBe(200);
      return res;
    };
    const pendant = async (from: string, to: string): Promise<number | string> =>
      (await ask(analyst, from, to)).json<ReportJson>().alerts.byKind.pendant!;

    expect(await pendant('2027-01-01', '2027-01-31')).toBe(15);
    expect(await pendant('2027-02-01', '2027-02-28')).toBe(15);
    expect(await pendant('2027-03-01', '2027-03-31')).toBe('*');
    // Before: 25 (27 rounded), which with 15 and 15 (13 at least each) leaves March 1. Now 15 + 15 + `*`.
    const quarter = (await ask(analyst, '2027-01-01', '2027-03-31')).json<ReportJson>();
    expect(quarter.alerts.byKind.pendant).toBe(30);
    expect(quarter.alerts.total).toBe(30);
    expect(quarter.disclosure).toMatch(/sum of its months/);
    expect(await pendant('2027-02-01', '2027-03-31')).toBe(15);
    const csv = (await ask(analyst, '2027-01-01', '2027-03-31', 'csv')).body.split('\r\n');
    expect(csv).toContain('alerts,pendant,count,30');

    // An analyst's dates within months: widened to the whole ended months (10 January to 20 February is January and
    // February), the same figures as asked for those months.
    const widened = (await ask(analyst, '2027-01-10', '2027-02-20')).json<ReportJson>();
    const janFeb = (await ask(analyst, '2027-01-01', '2027-02-28')).json<ReportJson>();
    expect(widened.period).toEqual(janFeb.period);
    expect({ ...widened, generatedAt: null }).toEqual({ ...janFeb, generatedAt: null });
    expect(janFeb.alerts.byKind.pendant).toBe(30);
    // An admin's dates are kept: 10 January to 20 February is 10 to 31 January and 1 to 20 February, each piece rounded
    // on its own (13 and 13: 15 and 15) and added up.
    const adminRun = (await ask(admin, '2027-01-10', '2027-02-20')).json<ReportJson>();
    expect(adminRun.period).toMatchObject({ from: '2027-01-10', to: '2027-02-20' });
    expect(adminRun.alerts.byKind.pendant).toBe(30);
    const adminPiece = (await ask(admin, '2027-01-10', '2027-01-15')).json<ReportJson>();
    expect(adminPiece.alerts.byKind.pendant).toBe('*'); // 6 presses, a period of its own within one month
  });
});
