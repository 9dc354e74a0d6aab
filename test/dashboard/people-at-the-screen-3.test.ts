// Session 35, the people at the screen, round 3 (Debian chromium; docs/consoles.md): the small things a careful user
// trips on in the hub's own pages: "1 days", and a device table's blank values on a phone.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { ADMIN_PASSWORD, cannedAnalytics, listenLocally, startDashboard, type Dashboard } from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

const haveChromium = chromiumAvailable('the people-at-the-screen round 3 tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const clock = new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0));

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock, analytics: cannedAnalytics() });
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

async function loggedIn(width: number): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: 844 },
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/console`);
  return page;
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
});
