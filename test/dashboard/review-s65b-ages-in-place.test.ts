// The ages on the console's cards (review, session 65, round 2): every 30 s the console drew every card anew to move
// their ages on ("5 min ago"), building a long list's cards and their dates again (a pause on a scheme's 100 calls),
// and a responder on a card's button or a screen reader in a card's text had their place taken away with the card.
// The ages and times now move on in place. The real dashboard in-process (real SQLite file, real alert service), the
// console in Debian's chromium at 390 px; the page's clock moved on instead of waiting, and what is counted is how
// often the open list's cards are replaced (not how long it took), recorded from before the page's scripts run.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable("the console's ages moving on");
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** Open calls on the console, one per flat. */
const OPEN = 60;

/** Counts, from before the page's scripts run, each time the open list `#alerts` has its cards replaced. */
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

describe.skipIf(!haveChromium)("the console's ages", () => {
  it('move on in place: no card is drawn anew, and the keyboard stays on the button it was on', async () => {
    for (let i = 0; i < OPEN; i++) raiseAlert(stage.dashboard.alerts, clock, { homeId: `flat-${i}` });
    const page = await loggedInPage(stage.browser, stage.base, 390, 'sam', USER_PASSWORD);
    try {
      await page.addInitScript(COUNT_DRAWS);
      // The page's clock from the hub's, moved on by the test.
      await page.clock.install({ time: clock.now() });
      await page.reload();
      await page.locator('#connection').getByText('Live: connected', { exact: true }).waitFor();
      const cards = page.locator('#alerts > li');
      expect(await cards.count()).toBe(OPEN);
      const fifth = cards.nth(4);
      expect(await fifth.locator('.meta').innerText()).toContain('(just now)');
      await fifth.getByRole('button', { name: /^Acknowledge/ }).focus();
      await page.evaluate(`window.__fifth = document.querySelectorAll('#alerts > li')[4]`);
      const before = await draws(page);

      // Two ticks of the ages: 30 s (still "just now") and a minute.
      await page.clock.fastForward(61_000);
      await expect.poll(() => fifth.locator('.meta').innerText()).toContain('(1 min ago)');
      expect(await page.locator('#alerts .meta', { hasText: '(1 min ago)' }).count()).toBe(OPEN);
      expect(await draws(page)).toBe(before);
      expect(await page.evaluate<boolean>(`window.__fifth === document.querySelectorAll('#alerts > li')[4]`)).toBe(
        true,
      );
      expect(
        await page.evaluate<boolean>(
          `window.__fifth.contains(document.activeElement) && document.activeElement.dataset.action === 'acknowledge'`,
        ),
      ).toBe(true);

      // A new call still draws the list, with its age as the others'.
      clock.advanceBy(61_000);
      const next = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'flat-new' });
      await page.locator(`#alert-${next.id}`).getByText('(just now)').waitFor();
      expect(await draws(page)).toBeGreaterThan(before);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
