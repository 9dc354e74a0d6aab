// The home view's week at a glance (review, session 65, round 3): on a phone the home view is eight charts, about
// 2,500 px long at 375 px, and nothing said how the last week went: a care worker visiting a resident scrolled through
// every chart (and read each one's paler days) to learn whether there had been alerts, how the nights were, whether the
// home was away or the hub off. A short summary now comes first, from what the page already fetches: the last seven
// days' alerts, nights (bedtime and rising time), days away, days the hub was off for part of, days nothing was heard;
// a heading and a list, as a screen reader reads them. Debian's chromium at 375 px, the real dashboard in-process on a
// fake clock, its real database holding an away day and the hub's runs; the days' features from a stand-in analytics.
import { describe, expect, it } from 'vitest';
import type { DailyFeatures } from '../../analytics/types.js';
import { markAwayDay, noteHubRunning } from '../../analytics/store.js';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD, cannedAnalytics } from './support.js';

const haveChromium = chromiumAvailable("the home view's week at a glance");

/** h1's days: 3 alerts in the last week, nothing heard on 13 Nov, a late night on 14 Nov and a late morning on 15 Nov. */
function aWeek(): ReturnType<typeof cannedAnalytics> {
  const canned = cannedAnalytics();
  const alerts: Record<string, number> = { '2026-11-12': 1, '2026-11-15': 2, '2026-11-02': 4 };
  return {
    ...canned,
    async homeActivity(homeId, fromDate, toDate) {
      const days = await canned.homeActivity(homeId, fromDate, toDate);
      return days
        .filter((d) => d.date !== '2026-11-13')
        .map((d): DailyFeatures => ({
          ...d,
          alerts: alerts[d.date] ?? 0,
          bedtime: d.date === '2026-11-17' ? null : d.date === '2026-11-14' ? '23:50' : '22:30',
          risingTime: d.date === '2026-11-15' ? '08:30' : '07:00',
        }));
    },
  };
}

// 10:00 in London on 17 November: the day is not over.
const clock = new FakeClock(Date.UTC(2026, 10, 17, 10, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock, analytics: aWeek() });

describe.skipIf(!haveChromium)("the home view's week at a glance", () => {
  it('says the last seven days first, on the first screen of a phone, as a heading and a list', async () => {
    const db = stage.dashboard.deps.db;
    markAwayDay(db, 'h1', '2026-11-16');
    // The hub off from 13:00 to 17:00 on 14 November.
    noteHubRunning(db, Date.UTC(2026, 9, 1, 9, 0), Date.UTC(2026, 10, 14, 13, 0));
    noteHubRunning(db, Date.UTC(2026, 10, 14, 17, 0), clock.now());

    const page = await loggedInPage(stage.browser, stage.base, 375, 'admin', ADMIN_PASSWORD);
    try {
      // The page's clock from the hub's: its default period is the four weeks ending today.
      await page.clock.install({ time: clock.now() });
      await page.goto(`${stage.base}/home?home=h1`);
      await page.getByRole('heading', { name: 'Active minutes' }).waitFor();
      const summary = page.getByRole('region', { name: 'Last 7 days: 11 Nov to 17 Nov (so far)' });
      await summary.waitFor({ timeout: 5_000 });
      expect(await summary.getByRole('listitem').allTextContents()).toEqual([
        '3 alerts',
        'Nights: to bed around 22:30 (latest 23:50 on 14 Nov), up around 07:00 (latest 08:30 on 15 Nov)',
        'Away 1 day: 16 Nov',
        'Hub off for part of 1 day: 14 Nov',
        'Nothing heard on 1 day: 13 Nov',
      ]);
      // Seen without scrolling: the whole summary on the phone's first screen, the charts after it.
      const box = await summary.boundingBox();
      const height = page.viewportSize()!.height;
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThanOrEqual(height);
      expect(await page.evaluate<number>('window.scrollY')).toBe(0);
      const firstChart = await page.locator('figure.chart').first().boundingBox();
      expect(firstChart!.y).toBeGreaterThan(box!.y + box!.height);

      // A quiet week says so, line by line, not by leaving lines out.
      await page.goto(`${stage.base}/home?home=h1&from=2026-10-20&to=2026-10-26`);
      const quiet = page.getByRole('region', { name: 'Last 7 days: 20 Oct to 26 Oct' });
      await quiet.waitFor({ timeout: 5_000 });
      expect(await quiet.getByRole('listitem').allTextContents()).toEqual([
        'No alerts',
        'Nights: to bed around 22:30, up around 07:00',
        'Away: no day',
        'Hub off: no day',
      ]);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
