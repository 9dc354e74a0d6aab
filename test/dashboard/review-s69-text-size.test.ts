// The reader's own text size (review, session 69). A care worker or responder who finds small text hard sets the
// browser's text size larger (chromium's Settings, Appearance, Font size "Very large": 24 px for the usual 16 px).
// Every page set its text in pixels (17 px at the root), so that setting changed nothing on any page of either console.
// The root is now 106.25 % of the reader's own size: 17 px at 16 px as before, 25.5 px at 24 px. The real dashboard on
// a fake clock, Debian's chromium at 390 × 844, the reader's size set as chromium's settings set it
// (`Page.setFontSizes` over the DevTools protocol).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable("the console at the reader's text size");
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** The computed font size, in px, of the first node `selector` finds. */
function fontSize(page: Page, selector: string): Promise<number> {
  return page.evaluate<number>(
    `parseFloat(getComputedStyle(document.querySelector(${JSON.stringify(selector)})).fontSize)`,
  );
}

describe.skipIf(!haveChromium)("the console at the reader's own text size", () => {
  it.each([
    [16, 17],
    [24, 25.5],
  ])(
    'sets its text from the browser text size of %s px (%s px)',
    async (standard, body) => {
      if (stage.dashboard.alerts.list({ state: 'open' }).length === 0) {
        raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h1', detail: { deviceId: 'p1' } });
      }
      const context = await stage.browser.newContext({ viewport: { width: 390, height: 844 } });
      try {
        const page = await context.newPage();
        const devtools = await context.newCDPSession(page);
        await devtools.send('Page.setFontSizes', { fontSizes: { standard, fixed: 13 } });
        await openThroughLogin(page, stage.base, '/console', 'sam', USER_PASSWORD);
        await page.locator('#alerts > li').first().waitFor();
        // Before: 17 px whatever the reader's size.
        expect(await fontSize(page, 'body')).toBeCloseTo(body, 1);
        expect(await fontSize(page, '#alerts .meta')).toBeCloseTo(body, 1);
        expect(await fontSize(page, '#alerts h3')).toBeCloseTo(body * 1.1, 1);
        // And still nothing to scroll sideways to at 390 px.
        expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
      } finally {
        await context.close();
      }
    },
    120_000,
  );
});
