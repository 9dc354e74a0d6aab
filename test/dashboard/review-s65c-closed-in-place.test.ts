// The console's "Recently closed" list (review, session 65, round 3): round 2 moved the open cards' ages and times on in
// place (`movingTimes`), but the ten closed lines were still drawn anew at every 30 s tick, only for the date a time
// gets once it is no longer today: a responder's or a screen reader's place in the list (reading what the night shift
// closed) was taken away twice a minute. Now they move on in place too. The real dashboard in-process (real SQLite
// file, real alert service), the console in Debian's chromium at 390 px; the page's clock moved on instead of waiting,
// and what is counted is how often the closed list's lines are replaced, recorded from before the page's scripts run.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable("the console's recently closed list moving on");
// 23:58 UTC: the page's day ends two minutes after it opens (the page and h1 in London time, UTC in November).
const clock = new FakeClock(Date.UTC(2026, 10, 22, 23, 58, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** Counts, from before the page's scripts run, each time the closed list `#closed` has its lines replaced. */
const COUNT_DRAWS = `(() => {
  window.__closedDraws = 0;
  document.addEventListener('DOMContentLoaded', () => {
    new MutationObserver((records) => {
      window.__closedDraws += records.filter((r) => r.type === 'childList' && r.target.id === 'closed').length;
    }).observe(document.getElementById('closed'), { childList: true });
  });
})()`;

function draws(page: Page): Promise<number> {
  return page.evaluate<number>('window.__closedDraws');
}

describe.skipIf(!haveChromium)("the console's recently closed list", () => {
  it('moves its times on in place: no line drawn anew at the ticks, the date added once the day is over', async () => {
    for (let i = 0; i < 3; i++) {
      const alert = raiseAlert(stage.dashboard.alerts, clock, { homeId: `flat-${i}` });
      stage.dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'sam');
    }
    const page = await loggedInPage(stage.browser, stage.base, 390, 'sam', USER_PASSWORD);
    try {
      await page.addInitScript(COUNT_DRAWS);
      await page.clock.install({ time: clock.now() });
      await page.reload();
      await page.locator('#connection').getByText('Live: connected', { exact: true }).waitFor();
      const lines = page.locator('#closed > li');
      await expect.poll(() => lines.count()).toBe(3);
      expect(await lines.first().innerText()).toMatch(/ · 23:58:00$/);
      await page.evaluate(`window.__first = document.querySelector('#closed > li')`);
      const before = await draws(page);

      // Four ticks, the day over after the second: the time now says its date, written in place.
      await page.clock.fastForward(121_000);
      await expect.poll(() => lines.first().innerText()).toMatch(/ · 22\/11\/2026, 23:58:00$/);
      expect(await page.locator('#closed > li', { hasText: '22/11/2026' }).count()).toBe(3);
      expect(await draws(page)).toBe(before);
      expect(await page.evaluate<boolean>(`window.__first === document.querySelector('#closed > li')`)).toBe(true);

      // A call closed meanwhile still draws the list, newest first.
      clock.advanceBy(121_000);
      const next = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'flat-new' });
      stage.dashboard.alerts.resolve(next.id, 'false-alarm', null, 'sam');
      await page.locator(`#closed-${next.id}`).waitFor();
      expect(await draws(page)).toBeGreaterThan(before);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
