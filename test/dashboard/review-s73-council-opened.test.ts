// The council page as an analyst opens it (review, session 73). With no dates in its address the page filled its form
// with the last 90 days and asked for them; an analyst's report covers whole months that have ended, so the first
// thing a council officer read, having asked for nothing, was "Report for 1 Sep 2026 to 30 Nov 2026: whole months that
// have ended, not 9 Sep 2026 to 7 Dec 2026 as asked", under a form still saying 9 Sep to 7 Dec (and a CSV link for
// those days). The real dashboard, its report route, an analyst in Debian's chromium at 390 px.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { USER_PASSWORD, cannedAnalytics, userWithRole } from './support.js';

const haveChromium = chromiumAvailable("the council page's first report");
// The hub's clock is the page's (the page picks its dates from the browser's): today.
const clock = new FakeClock(Date.now());
const canned = cannedAnalytics();
const stage = dashboardInChromium(haveChromium, {
  clock,
  // The period as the hub's report gives it back (analytics/report.ts): the one it covers.
  analytics: {
    ...canned,
    preventionReport(fromDate: string, toDate: string) {
      return { report: 'prevention', period: { from: fromDate, to: toDate, timezone: 'Europe/London' } };
    },
  },
});

describe.skipIf(!haveChromium)("the council page's first report", () => {
  it('opens on the whole months it reports, not on days the page chose and then says were not given', async () => {
    await userWithRole(stage.dashboard.app, 'analyst', 'ann');
    const page = await loggedInPage(stage.browser, stage.base, 390, 'ann', USER_PASSWORD);
    try {
      const status = page.locator('#message');
      await expect.poll(() => status.textContent()).toMatch(/^Report for /);
      const said = (await status.textContent()) ?? '';
      // Before: "Report for 1 Sep 2026 to 30 Nov 2026: whole months that have ended, not 9 Sep 2026 to 7 Dec 2026 as
      // asked (…)".
      expect(said).not.toMatch(/as asked/);
      expect(said).toMatch(/^Report for 1 \w{3} \d{4} to \d{2} \w{3} \d{4} \(whole months that have ended/);
      // The form, the address and the CSV link say the months reported.
      const from = await page.getByLabel('From').inputValue();
      const to = await page.getByLabel('To').inputValue();
      expect(from).toMatch(/^\d{4}-\d{2}-01$/);
      const end = new Date(`${to}T12:00:00Z`);
      end.setUTCDate(end.getUTCDate() + 1);
      expect(end.getUTCDate(), `${to} is a month's last day`).toBe(1);
      expect(new URL(page.url()).search).toBe(`?from=${from}&to=${to}`);
      expect(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe(
        `/api/reports/prevention?from=${from}&to=${to}&format=csv`,
      );

      // Days the analyst types are still said as asked, with why the report covers others.
      await page.getByLabel('From').fill(from.replace(/01$/, '04'));
      await page.getByRole('button', { name: 'Show' }).click();
      await expect.poll(() => status.textContent()).toMatch(/as asked/);
      expect(await page.getByLabel('From').inputValue()).toBe(from.replace(/01$/, '04'));
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
