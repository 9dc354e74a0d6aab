// Review, session 61: the home view's dates are the home's local dates, but its default period (the four weeks ending
// today), in the page and in `GET /api/homes/:id/activity` without dates, ended on today's UTC date. In a home east of
// UTC+6 that is yesterday there all morning: at 09:00 in Sydney the day under way (from 06:00) was neither asked for nor
// shown, and a care worker looking in on the morning saw nothing of it. Both now take today in the home's time zone.
// Debian's chromium (its clock set to the dashboard's), the real dashboard in-process on a fake clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { cannedAnalytics, ADMIN_PASSWORD, testConfig } from './support.js';
import { testHome } from '../alerts/helpers.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the home view of a home in Sydney in the morning');

// 09:00 on 6 December in Sydney (UTC+11): still 5 December in UTC.
const NOW = Date.UTC(2026, 11, 5, 22, 0, 0);
const analytics = cannedAnalytics();
const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(NOW),
  analytics,
  config: { ...testConfig(), homes: [{ ...testHome('syd', 'r9'), timezone: 'Australia/Sydney' }] },
});

describe.skipIf(!haveChromium)('the home view of a home far east of UTC', () => {
  it("ends its default period on the home's today, the day under way shown", async () => {
    const page = await loggedInPage(screen.browser, screen.base, 1024, 'admin', ADMIN_PASSWORD);
    await page.context().clock.setFixedTime(NOW);
    const answered = await page.evaluate<{ date: string; inProgress?: boolean }[]>(
      `fetch('/api/homes/syd/activity').then((r) => r.json())`,
    );
    expect(answered.length).toBe(28);
    expect(answered.at(-1)).toMatchObject({ date: '2026-12-06', inProgress: true });

    await page.goto(`${screen.base}/home`);
    await page.getByRole('heading', { name: 'Active minutes' }).waitFor();
    expect([
      await page.locator('#pick [name=from]').inputValue(),
      await page.locator('#pick [name=to]').inputValue(),
    ]).toEqual(['2026-11-09', '2026-12-06']);
    expect(analytics.calls.at(-1)).toBe('activity syd 2026-11-09 2026-12-06');
    await page.context().close();
  }, 60_000);
});
