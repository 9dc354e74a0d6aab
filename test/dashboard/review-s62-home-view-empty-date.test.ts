// Review, session 62: on the home view, a care worker who cleared a date (the From field emptied to pick another, or
// a date typed only in part) and pressed Show lost the charts to the API's schema words: `querystring/from must match
// pattern "^\d{4}-\d{2}-\d{2}$"`, which says neither which field nor what to do. Both dates are now required by the
// form: Show with one empty keeps the charts, and the browser points at the field and asks for the date. Debian's
// chromium, the real dashboard in-process on a fake clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { cannedAnalytics, ADMIN_PASSWORD, testConfig } from './support.js';
import { testHome } from '../alerts/helpers.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the home view with a date cleared');

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const analytics = cannedAnalytics();
const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(NOW),
  analytics,
  config: { ...testConfig(), homes: [testHome('h1', 'r1')] },
});

describe.skipIf(!haveChromium)('the home view with a date cleared', () => {
  for (const field of ['from', 'to'] as const) {
    it(`asks for the ${field === 'from' ? 'From' : 'To'} date instead of showing the API's schema error`, async () => {
      const page = await loggedInPage(screen.browser, screen.base, 1024, 'admin', ADMIN_PASSWORD);
      await page.context().clock.setFixedTime(NOW);
      await page.goto(`${screen.base}/home`);
      await page.getByRole('heading', { name: 'Active minutes' }).waitFor();
      const asked = analytics.calls.length;

      const input = page.locator(`#pick [name=${field}]`);
      await input.fill('');
      await page.getByRole('button', { name: 'Show' }).click();

      // The field says what is missing, where the keyboard is; the charts stay, no request is made with no date.
      const message = (await page.locator('#message').textContent()) ?? '';
      expect(message).not.toContain('must match pattern');
      expect(message).toMatch(/^\d+ days of h1/);
      const field$ = `document.querySelector('#pick [name=${field}]')`;
      expect(await page.evaluate<boolean>(`document.activeElement === ${field$}`)).toBe(true);
      expect(await page.evaluate<string>(`${field$}.validationMessage`)).not.toBe('');
      expect(await page.getByRole('heading', { name: 'Active minutes' }).count()).toBe(1);
      expect(analytics.calls.length).toBe(asked);
      await page.context().close();
    }, 60_000);
  }
});
