// The home view (a flat's weeks, for care staff and installers) opened while the hub could not be reached (review,
// session 65, round 2): session 50 made the page ask for the configured homes again, but its very first question (who
// is logged in) failing as the hub restarted left the form empty and nothing said, for good. The real dashboard
// in-process, the page in Debian's chromium at 390 px; its first reads fail as a dropped network does (`page.route`),
// and its clock is moved on instead of waiting in real time.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { clockOnUntilShown, loggedInPage, refuseFirst } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD, cannedAnalytics } from './support.js';

const haveChromium = chromiumAvailable('the home view, who is logged in not answered');
const stage = dashboardInChromium(haveChromium, {
  clock: new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0)),
  analytics: cannedAnalytics(),
});

describe.skipIf(!haveChromium)('the home view opened while the hub cannot be reached', () => {
  it('says so and that it tries again, then shows the home once the hub answers who is logged in', async () => {
    const page = await loggedInPage(stage.browser, stage.base, 390, 'admin', ADMIN_PASSWORD);
    try {
      const refused = await refuseFirst(page, '**/api/me');
      await page.clock.install();
      await page.goto(`${stage.base}/home?home=h1&from=2026-11-20&to=2026-11-20`);
      await page
        .locator('#message')
        .getByText(/^Cannot reach the hub: .* Trying again in 10 s\.$/)
        .waitFor({ timeout: 15_000 });
      await clockOnUntilShown(page, page.getByText('1 day of h1', { exact: true }), 10_000);
      expect(refused()).toBe(2);
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
