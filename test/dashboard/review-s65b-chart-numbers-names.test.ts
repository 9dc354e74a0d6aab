// A flat's weeks read by a screen reader or by voice (review, session 65, round 2): the home view's eight charts each
// had a "Show the numbers" toggle, so a screen reader's list of controls, and the keyboard's stops, said "Show the
// numbers" eight times with nothing to tell which chart each opened; voice control could not pick one. Each is now
// named with its chart ("Show the numbers: Bedtime"), its visible words first, and its table with the chart's title.
// The real dashboard in-process with a week of days, the page in Debian's chromium at 375 px; the names read from
// chromium's own accessibility tree (the DevTools protocol), and a chart's numbers opened by keyboard.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { focused, loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD, cannedAnalytics } from './support.js';

const haveChromium = chromiumAvailable("the home view's charts, their numbers by name");
const stage = dashboardInChromium(haveChromium, {
  clock: new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0)),
  analytics: cannedAnalytics(),
});

/** The names chromium gives the nodes of `role` in the page's accessibility tree. */
async function accessibleNames(page: Page, role: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { ignored?: boolean; role?: { value?: string }; name?: { value?: string } }[];
    };
    return nodes.filter((n) => !n.ignored && n.role?.value === role).map((n) => n.name?.value ?? '');
  } finally {
    await cdp.detach();
  }
}

describe.skipIf(!haveChromium)("the home view's charts", () => {
  it("name each chart's numbers with the chart, and open them by keyboard", async () => {
    const page = await loggedInPage(stage.browser, stage.base, 375, 'admin', ADMIN_PASSWORD);
    try {
      await page.goto(`${stage.base}/home?home=h1&from=2026-11-17&to=2026-11-23`);
      await page.getByText(/^7 days of h1/).waitFor();
      const titles = await page.locator('#charts figure h3').allInnerTexts();
      expect(titles).toHaveLength(8);
      const toggles = await accessibleNames(page, 'DisclosureTriangle');
      expect(toggles).toEqual(titles.map((title) => `Show the numbers: ${title}`));

      // By keyboard: Tab to the bedtime's numbers, known by their name, and open them.
      const name = () => page.evaluate<string | null>("document.activeElement.getAttribute('aria-label')");
      for (let i = 0; i < 40 && (await name()) !== 'Show the numbers: Bedtime'; i++) await page.keyboard.press('Tab');
      expect(await name()).toBe('Show the numbers: Bedtime');
      expect((await focused(page)).text).toBe('Show the numbers');
      await page.keyboard.press('Enter');
      const bedtime = page.getByRole('table', { name: 'Bedtime' });
      await bedtime.waitFor();
      expect(await bedtime.locator('tbody tr').count()).toBe(7);
      // Open, its table is in the tree under the chart's title; the closed ones' are not.
      expect(await accessibleNames(page, 'table')).toEqual(['Bedtime']);
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
