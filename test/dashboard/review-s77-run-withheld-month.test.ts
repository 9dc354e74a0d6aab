// Review, session 77: an analyst's run of months holding a month of 1 to 7 homes counted that month as 0 in every
// total and gave `*` for the residents with and the median, but neither the JSON, the CSV nor the page said which
// month was left out, or why: a council officer read November to December's totals as both months'. Now the run names
// its withheld months (`withheldMonths`, CSV `summary,month withheld,month`), and the page says it in words. The real
// dashboard by `inject` and in Debian's chromium, the real alert service and report over a real SQLite file.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  askReport,
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

/** November: one flat's fall; December: ten flats' pendant presses. */
function november1December10(alerts: Dashboard['alerts'], clock: FakeClock): void {
  const fall = raiseAlert(alerts, clock, { homeId: 'h1', kind: 'fall', severity: 'critical' });
  expect(alerts.resolve(fall.id, 'carer-visit', null, 'responder1').ok).toBe(true);
  clock.advanceTo(Date.UTC(2026, 11, 10, 9, 0, 0));
  for (let i = 0; i < 10; i++) raiseAlert(alerts, clock, { homeId: `d${String(i)}` });
  clock.advanceTo(Date.UTC(2027, 1, 2, 9, 0, 0));
}

describe("an analyst's run of months holding a month of few homes", () => {
  it('names the month left out, in the JSON and the CSV; a run with none withheld, and an admin’s, name none', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 20, 9, 0, 0));
    hub = await startDashboard({ analytics: undefined, clock });
    november1December10(hub.alerts, clock);
    await userWithRole(hub.app, 'analyst');
    const ask = async (from: string, to: string, format: 'json' | 'csv', role: 'analyst' | 'admin' = 'analyst') =>
      askReport(
        hub!.app,
        role === 'analyst'
          ? await login(hub!.app, 'analyst1', USER_PASSWORD)
          : await login(hub!.app, 'admin', ADMIN_PASSWORD),
        from,
        to,
        format,
      );

    const run = (await ask('2026-11-01', '2026-12-31', 'json')).json<Record<string, unknown>>();
    expect(run).toMatchObject({ homesMonitored: 10, residentsWith: { falls: '*' } });
    expect(run.withheldMonths).toEqual(['2026-11']);
    const csv = (await ask('2026-11-01', '2026-12-31', 'csv')).body.trim().split('\r\n');
    expect(csv).toContain('summary,month withheld,month,2026-11');

    // December alone (10 homes), and the admin's run (nothing withheld): no month named.
    const december = (await ask('2026-12-01', '2026-12-31', 'json')).json<Record<string, unknown>>();
    expect(december).not.toHaveProperty('withheldMonths');
    const admin = (await ask('2026-11-01', '2026-12-31', 'json', 'admin')).json<Record<string, unknown>>();
    expect(admin).not.toHaveProperty('withheldMonths');
    expect((await ask('2026-11-01', '2026-12-31', 'csv', 'admin')).body).not.toMatch(/month withheld/);
  });
});

const haveChromium = chromiumAvailable('the council page of a run of months holding one of few homes');
const pageClock = new FakeClock(Date.UTC(2026, 10, 20, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock: pageClock });

describe.skipIf(!haveChromium)("the council page of such a run, in Debian's chromium", () => {
  it('says which month is not shown and what that does to the totals', async () => {
    november1December10(stage.dashboard.alerts, pageClock);
    await userWithRole(stage.dashboard.app, 'analyst', 'ana');
    const page = await loggedInPage(stage.browser, stage.base, 1024, 'ana', USER_PASSWORD);
    try {
      await page.goto(`${stage.base}/council?from=2026-11-01&to=2026-12-31`);
      await page.locator('#months-withheld').waitFor();
      expect(await page.locator('#months-withheld').textContent()).toBe(
        'Fewer than 8 homes were monitored in November 2026: its counts are not shown, and count as 0 in every total ' +
          'below (each could be up to 7 higher for that month); residents with an alert, a fall or a flag and the ' +
          'median time to acknowledge are not shown for the period, so that nobody can be recognised.',
      );
      // The run's own figures are shown (10 homes in December), not the page of a period of few homes.
      expect(await page.locator('#few-homes').count()).toBe(0);
      // December alone names no month.
      await page.goto(`${stage.base}/council?from=2026-12-01&to=2026-12-31`);
      await page.getByRole('heading', { name: 'Alerts by kind' }).waitFor();
      expect(await page.locator('#months-withheld').count()).toBe(0);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
