// Session 35, the people at the screen, round 3 (Debian chromium; docs/consoles.md): the small things a careful user
// trips on in the hub's own pages: "1 days", and a device table's blank values on a phone.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  cannedAnalytics,
  listenLocally,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable('the people-at-the-screen round 3 tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const clock = new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0));

beforeAll(async () => {
  if (!haveChromium) return;
  const canned = cannedAnalytics();
  // The period as the hub's report gives it back (analytics/report.ts): the one it covers.
  const analytics = {
    ...canned,
    preventionReport(fromDate: string, toDate: string) {
      return { report: 'prevention', period: { from: fromDate, to: toDate, timezone: 'Europe/London' } };
    },
  };
  dashboard = await startDashboard({ clock, analytics });
  await userWithRole(dashboard.app, 'analyst', 'ann');
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

async function loggedIn(width: number, username = 'admin', password = ADMIN_PASSWORD): Promise<Page> {
  return loggedInPage(browser, base, width, username, password);
}

describe.skipIf(!haveChromium)('the hub pages, round 3', () => {
  it('says "1 day", not "1 days", and "0 / 1" on the axis of a count with nothing counted', async () => {
    const page = await loggedIn(390);
    await page.goto(`${base}/home?home=h1&from=2026-11-20&to=2026-11-20`);
    await page.getByRole('heading', { name: 'Bathroom visits at night' }).waitFor();
    // Before: "1 days of h1".
    await page.getByText('1 day of h1', { exact: true }).waitFor();
    // The canned first day has no bathroom visit at night: before, its axis read "0 / 1 / 1".
    const axis = await page.evaluate<string[]>(`(() => {
      const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === 'Bathroom visits at night');
      return [...fig.querySelectorAll('svg > text[text-anchor="end"]')].map((t) => t.textContent);
    })()`);
    expect(axis).toEqual(['0', '1']);
    await page.goto(`${base}/home?home=h1&from=2026-11-20&to=2026-11-21`);
    await page.getByText('2 days of h1', { exact: true }).waitFor();
    await page.context().close();
  });

  it('shows a dash, not a blank, for what a device has not reported or was not given, on a phone', async () => {
    const page = await loggedIn(390);
    await page.goto(`${base}/devices`);
    // p1: no Zigbee name, no battery reported yet (hall-pir has a Zigbee name, no resident).
    const row = page.locator('tr', { has: page.locator('td', { hasText: /^p1$/ }) }).first();
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    // Before: "" under "Battery" and "Zigbee name": a careful installer cannot tell an empty value from a page that
    // has not finished.
    expect(cells.filter((text) => text.trim() === '')).toEqual([]);
    expect(cells).toContain('—');
    await page.context().close();
  });

  it('tells an analyst why the report covers other days than those asked for', async () => {
    const page = await loggedIn(390, 'ann', USER_PASSWORD);
    // The hub's clock is 23 Nov 2026: October is the last month that has ended.
    await page.goto(`${base}/council?from=2026-09-04&to=2026-11-20`);
    // Before: "Report for 2026-09-01 to 2026-10-31" under a form still saying 4 Sep to 20 Nov, and no word why.
    await page
      .getByText(
        'Report for 1 Sep 2026 to 31 Oct 2026: whole months that have ended, not 4 Sep 2026 to 20 Nov 2026 as asked (so that no single day can be told apart)',
        { exact: true },
      )
      .waitFor();
    // A period of whole ended months is said as before.
    await page.getByLabel('From').fill('2026-10-01');
    await page.getByLabel('To').fill('2026-10-31');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('Report for 1 Oct 2026 to 31 Oct 2026', { exact: true }).waitFor();
    await page.context().close();
  });
});
