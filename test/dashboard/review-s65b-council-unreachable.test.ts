// The council page opened while the hub could not be reached (review, session 65, round 2): an analyst opening it as
// the hub restarted, or just before the Wi-Fi came back, saw the period's form and nothing else for good: the page's
// first question to the hub (who is logged in) failed, the error was thrown from its start and shown nowhere, and
// nothing asked again. The report's own question failing the same way said so once and never asked again either. The
// real dashboard in-process (real SQLite file, real alert service, the real report), the page in Debian's chromium at
// 390 px; its reads fail as a dropped network does (`page.route`), and its clock is moved on instead of waiting.
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { clockOnUntilShown, loggedInPage, refuseFirst } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD, userWithRole } from './support.js';

const haveChromium = chromiumAvailable('the council page opened while the hub cannot be reached');
const clock = new FakeClock(Date.UTC(2026, 9, 15, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });

beforeAll(async () => {
  if (!haveChromium) return;
  await userWithRole(stage.dashboard.app, 'analyst', 'ana');
  raiseAlert(stage.dashboard.alerts, clock, { kind: 'possible-fall', severity: 'high', room: 'bathroom' });
  // Eight more homes with a call each (session 76): an analyst's month of 1 to 7 homes shows no count and no chart, only
  // why, and this test waits for the report's chart.
  for (let i = 0; i < 8; i++) raiseAlert(stage.dashboard.alerts, clock, { homeId: `p${String(i)}` });
  // An analyst's report covers whole months that have ended: October's, read in November.
  clock.advanceBy(38 * 86_400_000);
});

describe.skipIf(!haveChromium)('the council page opened while the hub cannot be reached', () => {
  for (const [what, url] of [
    ['who is logged in', '**/api/me'],
    ['the report', '**/api/reports/prevention?*'],
  ] as const) {
    it(`says so and that it tries again, then shows the report once the hub answers (${what} not answered)`, async () => {
      const page = await loggedInPage(stage.browser, stage.base, 390, 'ana', USER_PASSWORD);
      try {
        const refused = await refuseFirst(page, url);
        await page.clock.install();
        await page.goto(`${stage.base}/council?from=2026-10-01&to=2026-10-31`);

        const status = page.getByRole('status');
        await status.getByText(/^Cannot reach the hub: .* Trying again in 10 s\.$/).waitFor({ timeout: 15_000 });
        expect(await status.getAttribute('class')).toContain('error');

        // Asked again by itself: the report, with its chart.
        await clockOnUntilShown(page, page.getByRole('heading', { name: 'Alerts by kind' }), 10_000);
        expect(refused()).toBe(2);
        expect(await status.innerText()).toBe('Report for 1 Oct 2026 to 31 Oct 2026');
        expect(await status.getAttribute('class')).not.toContain('error');
      } finally {
        await page.context().close();
      }
    }, 120_000);
  }
});
