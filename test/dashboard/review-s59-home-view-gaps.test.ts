// Review, session 59: the home view's charts put one point per day the hub answered, side by side. A day in which
// the hub heard nothing from the home is left out of its daily features (test/analytics/review-s59-no-data-days.test.ts),
// so the days either side of three silent days were drawn next to each other: a week read as four days in a row, the
// rising-time line joined across the silence, and the numbers' table listed no missing day. Each date from the first
// day to the last is now a place on the charts, empty ('—' in the table) when there is no day. Debian's chromium, the
// real dashboard in-process.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { cannedAnalytics, ADMIN_PASSWORD } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the home view of a week with days unheard');

const canned = cannedAnalytics();
const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0)),
  analytics: {
    ...canned,
    // 10 to 16 November, nothing heard from the home on the 12th, 13th and 14th.
    async homeActivity(homeId, fromDate, toDate) {
      const days = await canned.homeActivity(homeId, fromDate, toDate);
      return days.filter((d) => !['2026-11-12', '2026-11-13', '2026-11-14'].includes(d.date));
    },
  },
});

/** The rows of the numbers' table under the chart titled `title`: [day, value]. */
function numbers(page: import('playwright-core').Page, title: string): Promise<string[][]> {
  return page.evaluate<string[][]>(`(() => {
    const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === ${JSON.stringify(title)});
    return [...fig.querySelectorAll('tbody tr')].map((r) => [...r.cells].map((c) => c.textContent));
  })()`);
}

describe.skipIf(!haveChromium)('the home view of a week with days nothing was heard', () => {
  it('leaves a place for each day unheard, and says how many there were', async () => {
    const page = await loggedInPage(screen.browser, screen.base, 390, 'admin', ADMIN_PASSWORD);
    await page.goto(`${screen.base}/home?home=h1&from=2026-11-10&to=2026-11-16`);
    await page.getByRole('heading', { name: 'Active minutes' }).waitFor();
    expect(await numbers(page, 'Active minutes')).toEqual([
      ['2026-11-10', '300'],
      ['2026-11-11', '303'],
      ['2026-11-12', '—'],
      ['2026-11-13', '—'],
      ['2026-11-14', '—'],
      ['2026-11-15', '315'],
      ['2026-11-16', '318'],
    ]);
    // The rising-time line is not drawn across the days unheard: two pieces.
    const pieces = await page.evaluate<number>(`(() => {
      const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === 'Rising time');
      return (fig.querySelector('path').getAttribute('d').match(/M/g) || []).length;
    })()`);
    expect(pieces).toBe(2);
    expect(await page.locator('#message').textContent()).toBe('4 days of h1; nothing heard from the home on 3 days');
    await page.context().close();
  }, 60_000);
});
