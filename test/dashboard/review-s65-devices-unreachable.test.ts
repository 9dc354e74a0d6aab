// The devices page opened while the hub could not be reached (review, session 65): an installer who restarts the hub,
// as the page's own step 4 says, and opens or reloads the page before the hub is back. The page's first question to
// the hub failed, and it said "Loading…" under "Devices seen but not configured" and "Cannot reach the hub…" under
// "Configured homes" for good: nothing came once the hub answered again, until the installer thought to reload it. The
// real dashboard in-process, the page in Debian's chromium at 390 px; its first reads fail as a dropped network does
// (`page.route`), and its clock is moved on instead of waiting in real time.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { clockOnUntilShown, loggedInPage, refuseFirst } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the devices page opened while the hub cannot be reached');
const stage = dashboardInChromium(haveChromium, { clock: new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0)) });

describe.skipIf(!haveChromium)('the devices page opened while the hub cannot be reached', () => {
  for (const [what, url] of [
    ['who is logged in', '**/api/me'],
    ['the configured homes', '**/api/homes'],
  ] as const) {
    it(`says so and what it does, then shows the homes once the hub answers (${what} not answered)`, async () => {
      const page = await loggedInPage(stage.browser, stage.base, 390, 'admin', ADMIN_PASSWORD);
      try {
        const refused = await refuseFirst(page, url);
        await page.clock.install();
        await page.goto(`${stage.base}/devices`);

        const status = page.locator('#unassigned-status');
        await status
          .getByText(/^Could not check for new devices: Cannot reach the hub.*Trying again in 10 s\.$/)
          .waitFor({
            timeout: 15_000,
          });
        await page
          .locator('#homes')
          .getByText(/^Cannot reach the hub.*Trying again in 10 s\.$/)
          .waitFor();

        // Asked again by itself: the homes and their devices, and the unassigned list checked.
        await clockOnUntilShown(page, page.locator('#homes h3', { hasText: 'h1' }), 10_000);
        expect(refused()).toBe(2);
        await expect.poll(() => status.innerText()).toMatch(/^Checked at /);
        expect(await page.locator('#homes').innerText()).not.toContain('Cannot reach');
      } finally {
        await page.context().close();
      }
    }, 120_000);
  }
});
