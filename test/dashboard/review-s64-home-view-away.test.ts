// Review, session 64: a care worker reading one resident's routine in the home view saw the days the home was in away
// mode (the resident in hospital, set away in the configuration) drawn as whole days at home: the thermometer's
// readings and no activity at all, a resident who did nothing for a fortnight, with nothing on the page to say that
// nobody was there. The hub notes the days it found a home in away mode (`away_days`, session 60) and leaves them out of
// the baselines; the API now marks them (`"away": true`) and the page draws them paler, names them "(away)" in the
// numbers' table and says so under the form.
// Debian's chromium, the real dashboard in-process on a fake clock, its real database holding the away days.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { markAwayDay } from '../../analytics/store.js';
import { cannedAnalytics, ADMIN_PASSWORD } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the home view of days away');

// 10:00 in London on 17 November.
const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(Date.UTC(2026, 10, 17, 10, 0, 0)),
  analytics: cannedAnalytics(),
});

describe.skipIf(!haveChromium)('the home view of days the home was in away mode', () => {
  it('marks the days in the API and draws them apart, named "away"', async () => {
    // The routine review found the home in away mode on 14 and 15 November (the resident in hospital).
    const db = screen.dashboard.deps.db;
    markAwayDay(db, 'h1', '2026-11-14');
    markAwayDay(db, 'h1', '2026-11-15');

    const page = await loggedInPage(screen.browser, screen.base, 1024, 'admin', ADMIN_PASSWORD);
    const answered = await page.evaluate<{ date: string; away?: boolean }[]>(
      `fetch('/api/homes/h1/activity?from=2026-11-13&to=2026-11-15').then((r) => r.json())`,
    );
    expect(answered.map((d) => [d.date, d.away])).toEqual([
      ['2026-11-13', undefined],
      ['2026-11-14', true],
      ['2026-11-15', true],
    ]);

    await page.goto(`${screen.base}/home?home=h1&from=2026-11-13&to=2026-11-15`);
    await page.getByRole('heading', { name: 'Active minutes' }).waitFor();
    const active = await page.evaluate<{ rows: string[][]; marks: string[]; heard: string }>(`(() => {
      const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === 'Active minutes');
      return {
        heard: fig.querySelector('[aria-label]').getAttribute('aria-label'),
        rows: [...fig.querySelectorAll('tbody tr')].map((r) => [...r.cells].map((c) => c.textContent)),
        marks: [...fig.querySelectorAll('svg .bar')].map((m) => m.getAttribute('class')),
      };
    })()`);
    expect(active.rows).toEqual([
      ['2026-11-13', '300'],
      ['2026-11-14 (away)', '303'],
      ['2026-11-15 (away)', '306'],
    ]);
    expect(active.marks).toEqual(['bar', 'bar so-far', 'bar so-far']);
    // What a screen reader hears of the chart says it too (not "partial: the hub was off").
    expect(active.heard).toContain('latest 15 Nov (away)');
    expect(await page.locator('#message').textContent()).toBe(
      '3 days of h1; the home was set away on 2 days: not the routine of a resident at home (paler)',
    );
    await page.context().close();
  }, 60_000);
});
