// Review, session 60: the home view drew today (a feature day runs from the end of one night to the end of the next,
// so until tomorrow morning) as one more day, its figures so far beside whole days: at 10:00 a care worker saw the
// last bar of "Active minutes" at a few minutes, a resident who had suddenly stopped moving about, and the page's own
// empty note said charts appear only "after the first full day". The API now marks such a day `inProgress`, and the
// page draws it paler (an outlined bar, a hollow dot), names it "(so far)" in the numbers' table and in what a screen
// reader hears, and says so under the form. Debian's chromium, the real dashboard in-process on a fake clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { cannedAnalytics, ADMIN_PASSWORD } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the home view of a week ending today');

// 10:00 in London on 16 November: the 15th's night ended at 06:00 (complete), the 16th is under way.
const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(Date.UTC(2026, 10, 16, 10, 0, 0)),
  analytics: cannedAnalytics(),
});

/** Of the chart titled `title`: its numbers' table rows [day, value], its bars' classes and its aria label. */
function chart(
  page: import('playwright-core').Page,
  title: string,
): Promise<{ rows: string[][]; marks: string[]; label: string }> {
  return page.evaluate(`(() => {
    const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === ${JSON.stringify(title)});
    return {
      rows: [...fig.querySelectorAll('tbody tr')].map((r) => [...r.cells].map((c) => c.textContent)),
      marks: [...fig.querySelectorAll('svg .bar, svg .dot')].map((m) => m.getAttribute('class')),
      label: fig.querySelector('svg').getAttribute('aria-label'),
    };
  })()`);
}

describe.skipIf(!haveChromium)('the home view of a period ending today', () => {
  it('marks today as under way in the API and draws it apart, named "so far"', async () => {
    const page = await loggedInPage(screen.browser, screen.base, 1024, 'admin', ADMIN_PASSWORD);
    const answered = await page.evaluate<{ date: string; inProgress?: boolean }[]>(
      `fetch('/api/homes/h1/activity?from=2026-11-14&to=2026-11-16').then((r) => r.json())`,
    );
    expect(answered.map((d) => [d.date, d.inProgress])).toEqual([
      ['2026-11-14', undefined],
      ['2026-11-15', undefined],
      ['2026-11-16', true],
    ]);

    await page.goto(`${screen.base}/home?home=h1&from=2026-11-14&to=2026-11-16`);
    await page.getByRole('heading', { name: 'Active minutes' }).waitFor();
    const active = await chart(page, 'Active minutes');
    expect(active.rows).toEqual([
      ['2026-11-14', '300'],
      ['2026-11-15', '303'],
      ['2026-11-16 (so far)', '306'],
    ]);
    expect(active.marks).toEqual(['bar', 'bar', 'bar so-far']);
    expect(active.label).toBe('Active minutes: 3 days, latest 16 Nov (so far): 306');
    expect((await chart(page, 'Rising time')).marks).toEqual(['dot', 'dot', 'dot so-far']);
    // Paler than a whole day's bar, as the style sheet draws it.
    const opacity = await page.evaluate<string[]>(
      `[...document.querySelectorAll('figure.chart svg .bar')].slice(0, 3).map((b) => getComputedStyle(b).fillOpacity)`,
    );
    expect(opacity).toEqual(['1', '1', '0.3']);
    expect(await page.locator('#message').textContent()).toBe(
      '3 days of h1; 16 Nov is not over: its figures so far (paler)',
    );
    await page.context().close();
  }, 60_000);
});
