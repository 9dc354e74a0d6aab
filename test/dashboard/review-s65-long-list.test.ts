// A long list of open alerts on the responder console (review, session 65): after a storm (a scheme's power cut: a
// pendant call or an offline sensor in every flat) the console drew every card anew for each alert the stream listed,
// and again for each alert that came after, so that 100 open alerts took about 14 s of a frozen page before "Live:
// connected" on this class of machine and 300 more than 30 s, nothing on it answering the keyboard meanwhile. The real
// dashboard on a real SQLite file with the real alert service, the console in Debian's chromium at 390 px; what is
// counted is how often the page drew its list (not how long it took), recorded from before the page's scripts run.
import type { Page } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console, a long list of open alerts');
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** Open calls already there when the console opens, one per flat. */
const LISTED = 150;
/** Calls that come one after another once the console is live. */
const LIVE = 100;

/** Counts, from before the page's scripts run, each time the open list `#alerts` is drawn (its cards replaced). */
const COUNT_DRAWS = `(() => {
  window.__draws = 0;
  document.addEventListener('DOMContentLoaded', () => {
    new MutationObserver((records) => {
      window.__draws += records.filter((r) => r.type === 'childList').length;
    }).observe(document.getElementById('alerts'), { childList: true });
  });
})()`;

function draws(page: Page): Promise<number> {
  return page.evaluate<number>('window.__draws');
}

function cards(page: Page): Promise<number> {
  return page.locator('#alerts > li').count();
}

describe.skipIf(!haveChromium)('the console with a long list of open alerts', () => {
  it('draws the list once when the stream has listed it, and not once per alert as they come', async () => {
    for (let i = 0; i < LISTED; i++) {
      raiseAlert(stage.dashboard.alerts, clock, { homeId: `flat-${i}` });
      clock.advanceBy(1000);
    }
    const context = await stage.browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const page = await context.newPage();
      await page.addInitScript(COUNT_DRAWS);
      await openThroughLogin(page, stage.base, '/console', 'sam', USER_PASSWORD);
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor({ timeout: 120_000 });
      expect(await cards(page)).toBe(LISTED);
      expect(await page.locator('#open-count').innerText()).toBe(`(${LISTED})`);
      // Drawn when listed (and perhaps by the page's start or the closed alerts' arrival), not 150 times.
      const listedDraws = await draws(page);
      expect(listedDraws).toBeLessThanOrEqual(3);

      // Calls that keep coming once live: the cards of those that came together are drawn together.
      for (let i = 0; i < LIVE; i++) {
        raiseAlert(stage.dashboard.alerts, clock, { homeId: `flat-${LISTED + i}` });
        clock.advanceBy(1000);
      }
      await vi.waitFor(async () => expect(await cards(page)).toBe(LISTED + LIVE), { timeout: 120_000, interval: 200 });
      expect((await draws(page)) - listedDraws).toBeLessThan(LIVE / 4);
      // Still the most urgent and newest first, every one of them on the list.
      expect(await page.locator('#alerts > li').first().innerText()).toContain(`flat-${LISTED + LIVE - 1}`);
    } finally {
      await context.close();
    }
  }, 240_000);
});
