// Review, session 77: the council page showed the report's disclosure, about 450 words in bold, as the value of its
// "Disclosure" line, between the period and the first figure of every report: a council officer scrolled past a wall
// of text to reach "Homes monitored". The paragraph above the form says the gist; the full text is now folded under
// "How each figure is protected, in full", opened by a click or the keyboard, and read as prose (not bold).
// Debian's chromium, the real dashboard and the real report over the hub's real SQLite file.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage, tabTo } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable("the council page's folded disclosure");
const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });

describe.skipIf(!haveChromium)("the council page's disclosure", () => {
  it('is folded under one line, and opens by keyboard to the full text, not in bold', async () => {
    const page = await loggedInPage(stage.browser, stage.base, 1024, 'admin', ADMIN_PASSWORD);
    try {
      await page.goto(`${stage.base}/council?from=2026-11-01&to=2026-11-22`);
      await page.getByRole('heading', { name: 'Alerts by kind' }).waitFor();
      const text = page.locator('#disclosure');
      // Folded: one line between the period and the figures, the text hidden.
      expect(await text.isVisible()).toBe(false);
      const line = page.locator('dl.summary details.disclosure > summary');
      expect(await line.innerText()).toBe('How each figure is protected, in full');
      const box = (await page.locator('dl.summary details.disclosure').boundingBox())!;
      expect(box.height).toBeLessThan(3 * 24);

      // By keyboard: Tab to the line, Enter opens it.
      await tabTo(page, (f) => f.tag === 'summary' && f.text === 'How each figure is protected, in full');
      await page.keyboard.press('Enter');
      await text.waitFor({ state: 'visible' });
      expect(await text.innerText()).toMatch(/^Counts of 1 to 7 are shown as \*/);
      const weight = (selector: string) => page.evaluate<string>(`getComputedStyle(${selector}).fontWeight`);
      expect(await weight("document.getElementById('disclosure')")).toBe('400');
      // The figures' values are still in bold.
      const homes = `[...document.querySelectorAll('dl.summary dt')].find((dt) => dt.textContent === 'Homes monitored').nextElementSibling`;
      expect(await weight(homes)).toBe('600');

      // Closed again, then printed: it opens, so that the paper carries it whole.
      await page.locator('dl.summary details.disclosure > summary').click();
      await text.waitFor({ state: 'hidden' });
      await page.evaluate("window.dispatchEvent(new Event('beforeprint'))");
      await text.waitFor({ state: 'visible' });
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
