// Review, session 62: the home view opened for a home the configuration does not have (a bookmark or a link kept from
// before the home was renamed or removed, `/home?home=flat-9`) showed a form with no home chosen and nothing else: no
// chart, no word, as if the page had not loaded. It now says that no such home is configured and to choose one, and
// shows no other home's charts in its place (a care worker would take them for the resident she asked for). Debian's
// chromium, the real dashboard in-process on a fake clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { cannedAnalytics, ADMIN_PASSWORD, testConfig } from './support.js';
import { testHome } from '../alerts/helpers.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the home view opened for a home not configured');

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const analytics = cannedAnalytics();
const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(NOW),
  analytics,
  config: { ...testConfig(), homes: [testHome('h1', 'r1'), testHome('h2', 'r2')] },
});

describe.skipIf(!haveChromium)('the home view opened for a home not configured', () => {
  it('says so and asks for a home, without showing another home', async () => {
    const page = await loggedInPage(screen.browser, screen.base, 1024, 'admin', ADMIN_PASSWORD);
    await page.context().clock.setFixedTime(NOW);
    await page.goto(`${screen.base}/home?home=flat-9`);
    // The homes are listed once the page has read them: then its word on the home asked for.
    await page.locator('#home option[value="h2"]').waitFor({ state: 'attached' });
    await expect
      .poll(() => page.locator('#message').textContent())
      .toBe('No home "flat-9" is configured (renamed or removed?): choose a home and press Show.');
    expect(await page.getByRole('heading', { name: 'Active minutes' }).count()).toBe(0);
    expect(analytics.calls).toEqual([]);

    // Choosing one shows it.
    await page.getByLabel('Home').selectOption('h2');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('heading', { name: 'Active minutes' }).waitFor();
    expect(analytics.calls.at(-1)).toMatch(/^activity h2 /);
    await page.context().close();
  }, 60_000);
});
