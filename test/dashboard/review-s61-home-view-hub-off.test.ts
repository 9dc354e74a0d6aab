// Review, session 61: a day the hub was off for part of (a power cut from 17:00 to 23:00, the sensors on their batteries
// but no hub to hear them) was drawn in the home view as a whole day: its few active minutes a resident who had done
// little that day, with nothing on the page to say that nobody listened for six hours. The API now marks such a day
// with the minutes the hub was off (`hubOffMinutes`, from the hub's record of its runs, `hub_runs`), and the page draws
// it paler, names it "partial: hub off 6 h" in the numbers' table and says so under the form.
// Debian's chromium, the real dashboard in-process on a fake clock, its real database holding the hub's runs.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { noteHubRunning } from '../../analytics/store.js';
import { cannedAnalytics, ADMIN_PASSWORD } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the home view of days the hub was off for part of');

// 10:00 in London on 17 November.
const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(Date.UTC(2026, 10, 17, 10, 0, 0)),
  analytics: cannedAnalytics(),
});

describe.skipIf(!haveChromium)('the home view of a day the hub was off for part of', () => {
  it('marks the day in the API and draws it apart, named "partial"', async () => {
    // The hub ran from 1 November until a power cut at 17:00 on the 14th, and again from 23:00.
    const db = screen.dashboard.deps.db;
    noteHubRunning(db, Date.UTC(2026, 10, 1, 9, 0), Date.UTC(2026, 10, 14, 17, 0));
    noteHubRunning(db, Date.UTC(2026, 10, 14, 23, 0), Date.UTC(2026, 10, 17, 10, 0));

    const page = await loggedInPage(screen.browser, screen.base, 1024, 'admin', ADMIN_PASSWORD);
    const answered = await page.evaluate<{ date: string; hubOffMinutes?: number }[]>(
      `fetch('/api/homes/h1/activity?from=2026-11-13&to=2026-11-15').then((r) => r.json())`,
    );
    expect(answered.map((d) => [d.date, d.hubOffMinutes])).toEqual([
      ['2026-11-13', undefined],
      ['2026-11-14', 360],
      ['2026-11-15', undefined],
    ]);

    await page.goto(`${screen.base}/home?home=h1&from=2026-11-13&to=2026-11-15`);
    await page.getByRole('heading', { name: 'Active minutes' }).waitFor();
    const active = await page.evaluate<{ rows: string[][]; marks: string[] }>(`(() => {
      const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === 'Active minutes');
      return {
        rows: [...fig.querySelectorAll('tbody tr')].map((r) => [...r.cells].map((c) => c.textContent)),
        marks: [...fig.querySelectorAll('svg .bar')].map((m) => m.getAttribute('class')),
      };
    })()`);
    expect(active.rows).toEqual([
      ['2026-11-13', '300'],
      ['2026-11-14 (partial: hub off 6 h)', '303'],
      ['2026-11-15', '306'],
    ]);
    expect(active.marks).toEqual(['bar', 'bar so-far', 'bar']);
    expect(await page.locator('#message').textContent()).toBe(
      '3 days of h1; the hub was off for part of 1 day: its figures are partial (paler)',
    );
    await page.context().close();
  }, 60_000);
});
