// The pages zoomed in (review, session 69). WCAG 2.1's reflow (1.4.10) asks that nothing scroll sideways in a 320 px
// window (a desktop at 400 %, a small phone); a responder or care worker who zooms a 390 px phone to 200 % has a
// 195 px one (chromium's page zoom narrows the layout). At 320 px the home view's and the council report's charts ran
// 3 px past the screen (each chart at least 18rem), so every page of charts scrolled sideways; at 195 px they ran
// 128 px past it, the home view's date fields with them, and the console's critical banner pushed "acknowledgement"
// past the screen's edge. The real dashboard (real SQLite file, real alert service, canned analytics for the charts)
// on a fake clock, Debian's chromium at each width.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD, cannedAnalytics, raiseAlert } from './support.js';

const haveChromium = chromiumAvailable('the dashboard zoomed in');
const clock = new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock, analytics: cannedAnalytics() });

/** How far the page reaches past the window's right edge, in CSS px (0: nothing to scroll sideways to). */
function pastTheEdge(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
}

describe.skipIf(!haveChromium)('every page zoomed in', () => {
  it.each([
    [320, 'a 320 px window (WCAG reflow)'],
    [195, 'a 390 px phone at 200 %'],
  ])(
    'scrolls only down, not sideways, at %i px (%s)',
    async (width) => {
      if (stage.dashboard.alerts.list({ state: 'open' }).length === 0) {
        raiseAlert(stage.dashboard.alerts, clock, { kind: 'pendant', homeId: 'h1' });
      }
      const context = await stage.browser.newContext({ viewport: { width, height: 640 }, locale: 'en-GB' });
      try {
        const page = await context.newPage();
        await page.goto(`${stage.base}/login`);
        expect(await pastTheEdge(page), 'login').toBe(0);

        await openThroughLogin(page, stage.base, '/console', 'admin', ADMIN_PASSWORD);
        await page.getByText('Live: connected').waitFor();
        await page.getByText('1 critical alert waiting for acknowledgement').waitFor();
        await page.getByRole('button', { name: /^Resolve… Pendant/ }).click();
        await page.locator('.resolve-form').waitFor();
        expect(await pastTheEdge(page), 'console').toBe(0);

        await page.goto(`${stage.base}/devices`);
        await page.getByRole('cell', { name: 'hall_pir' }).waitFor();
        expect(await pastTheEdge(page), 'devices').toBe(0);

        await page.goto(`${stage.base}/home`);
        await page.locator('#charts svg').first().waitFor();
        expect(await pastTheEdge(page), 'home view').toBe(0);

        await page.goto(`${stage.base}/council`);
        await page.getByRole('heading', { name: 'Routine changes' }).waitFor();
        expect(await pastTheEdge(page), 'council report').toBe(0);
      } finally {
        await context.close();
      }
    },
    120_000,
  );
});
