// Review, session 76: an analyst's report of an ended month still changed, and never said whether it would. Its
// figures read what the hub knew at the start of the month under way (session 49), with no end: November's outcomes,
// asked in January, counted what was answered in December, and asked in February, what was answered in January too.
// Ten calls of November left open and closed with a carer visit on 10 January read "open 10" in January's report and
// "carer-visit 10" in February's (telling when they were closed), and neither the JSON, the CSV nor the page said the
// figures could still change (the centre's report has said `knownBy` and `final` since sessions 49 and 68). Now an
// analyst's report knows nothing after the end of the period's 14 days of follow-up either, and says what it knew by
// and whether it is final: `knownBy`, `final`, CSV rows `report,known-by,instant` and `report,status,final`, and on the
// council page "Status": "Provisional: ..." or "Final: ...". Anyone else's report is the record as it is (`knownBy`
// null). The real dashboard by `inject`, the real alert service and report over a real SQLite file in a temp dir.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
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

describe("an analyst's report of an ended month, once its follow-up has ended", () => {
  it('no longer changes with answers given since, and says whether it is final', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 20, 9, 0, 0));
    hub = await startDashboard({ analytics: undefined, clock });
    // 20 November: twenty calls, ten closed as false alarms that day, ten left open.
    const open: string[] = [];
    for (let i = 0; i < 20; i++) {
      const call = raiseAlert(hub.alerts, clock, { homeId: `x${String(i)}` });
      if (i < 10) expect(hub.alerts.resolve(call.id, 'false-alarm', null, 'responder1').ok).toBe(true);
      else open.push(call.id);
    }
    await userWithRole(hub.app, 'analyst');
    const ask = async (format: 'json' | 'csv', role: 'analyst' | 'admin' = 'analyst') => {
      const cookie =
        role === 'analyst'
          ? await login(hub!.app, 'analyst1', USER_PASSWORD)
          : await login(hub!.app, 'admin', ADMIN_PASSWORD);
      const res = await hub!.app.inject({
        url: `/api/reports/prevention?from=2026-11-01&to=2026-11-30&format=${format}`,
        headers: { cookie },
      });
      expect(res.statusCode).toBe(200);
      return res;
    };
    const november = async () => (await ask('json')).json<Record<string, unknown>>();

    // 2 December: provisional, known by the start of December.
    clock.advanceTo(Date.UTC(2026, 11, 2, 9, 0, 0));
    expect(await november()).toMatchObject({ knownBy: '2026-12-01T00:00:00.000Z', final: false });
    expect((await ask('csv')).body.split('\r\n')).toEqual(
      expect.arrayContaining(['report,known-by,instant,2026-12-01T00:00:00.000Z', 'report,status,final,provisional']),
    );

    // 5 January: final, known by 15 December, the end of the follow-up.
    clock.advanceTo(Date.UTC(2027, 0, 5, 9, 0, 0));
    const january = await november();
    expect(january).toMatchObject({
      knownBy: '2026-12-15T00:00:00.000Z',
      final: true,
      outcomes: { 'false-alarm': 10, open: 10, 'carer-visit': 0 },
    });
    expect((await ask('csv')).body.split('\r\n')).toContain('report,status,final,final');

    // 10 January: the ten calls are closed with a carer visit. 2 February: November reads as it did in January.
    clock.advanceTo(Date.UTC(2027, 0, 10, 9, 0, 0));
    for (const id of open) expect(hub.alerts.resolve(id, 'carer-visit', null, 'responder1').ok).toBe(true);
    clock.advanceTo(Date.UTC(2027, 1, 2, 9, 0, 0));
    const february = await november();
    expect({ ...february, generatedAt: undefined }).toEqual({ ...january, generatedAt: undefined });

    // An admin's report is the hub's record as it is now: the visits count, and it says it is not held back.
    const admin = (await ask('json', 'admin')).json<Record<string, unknown>>();
    expect(admin).toMatchObject({ knownBy: null, final: false, outcomes: { 'carer-visit': 10, open: 0 } });
  });
});

const haveChromium = chromiumAvailable("the council page's status");
const pageClock = new FakeClock(Date.UTC(2026, 11, 2, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock: pageClock });

describe.skipIf(!haveChromium)("the council page's status, in Debian's chromium", () => {
  it('says "Provisional" in December and "Final" once the follow-up has ended, in words', async () => {
    await userWithRole(stage.dashboard.app, 'analyst', 'ana');
    const status = async (): Promise<string | null | undefined> => {
      const page = await loggedInPage(stage.browser, stage.base, 1024, 'ana', USER_PASSWORD);
      try {
        await page.goto(`${stage.base}/council?from=2026-11-01&to=2026-11-30`);
        await page.getByRole('heading', { name: 'Alerts by kind' }).waitFor();
        return await page.$$eval(
          'dl.summary dt',
          (dts) => dts.find((dt) => dt.textContent === 'Status')?.nextElementSibling?.textContent,
        );
      } finally {
        await page.context().close();
      }
    };
    expect(await status()).toMatch(/^Provisional: what was known by 1 Dec 2026, 00:00 GMT; final once/);
    pageClock.advanceTo(Date.UTC(2027, 0, 5, 9, 0, 0));
    expect(await status()).toMatch(/^Final: known by 15 Dec 2026, 00:00 GMT, the end of the 14 days of follow-up/);
  }, 120_000);
});
