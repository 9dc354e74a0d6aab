// The responder console opened while the hub could not be reached (review, session 65): the hub restarting at 3 a.m.,
// the Wi-Fi back a moment after the page was opened. The page's first question to the hub (who is logged in) failed,
// the error was thrown from its start and shown nowhere, and the console stayed on "Connecting…" for good: no alert
// could reach it, nothing said so, and nothing tried again until someone reloaded it. The real dashboard in-process
// (real SQLite file, real alert service), the console in Debian's chromium at 390 px; the page's first reads fail as a
// dropped network does (`page.route`), and its clock is moved on instead of waiting in real time.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { clockOnUntilShown, loggedInPage, refuseFirst } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console opened while the hub cannot be reached');
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

describe.skipIf(!haveChromium)('the console opened while the hub cannot be reached', () => {
  it('says there is no connection, in the live line and the tab, and goes live by itself once the hub answers', async () => {
    const press = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h2', detail: { deviceId: 'p2' } });
    const page = await loggedInPage(stage.browser, stage.base, 390, 'sam', USER_PASSWORD);
    try {
      // The page's first two questions to the hub fail as a dropped network does; the next ones go through.
      const refused = await refuseFirst(page, '**/api/me');
      await page.clock.install();
      await page.goto(`${stage.base}/console`);

      const line = page.locator('#connection');
      await line
        .getByText(/^No connection to the hub since .*: reconnecting… New alerts cannot reach this screen/)
        .waitFor({
          timeout: 15_000,
        });
      await expect.poll(() => page.title()).toBe('No connection · Alerts · Telecare hub');

      // Asked again by itself: live, with the call that was open all along.
      await clockOnUntilShown(page, line.getByText('Live: connected', { exact: true }), 5_000);
      expect(refused()).toBe(2);
      await page.locator(`#alert-${press.id}`).waitFor();
      await expect.poll(() => page.title()).toBe('1 waiting (1 critical) · Alerts · Telecare hub');
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
