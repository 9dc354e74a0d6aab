// At the screen on a phone (Debian chromium, 375 px wide): nothing cut off, every table readable without scrolling
// sideways, and times of an alert in its home's time zone, with the date only when it is not today there.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  cannedAnalytics,
  listenLocally,
  raiseAlert,
  startDashboard,
  type Dashboard,
} from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

const haveChromium = chromiumAvailable('the small-screen tests');

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

/**
 * The admin's session from the first login (by keyboard), its cookie given to every later page's context: each login
 * is a scrypt check and two pages more, and no test here is about the login (test/dashboard/auth.test.ts is).
 * A fixed browser clock (`browserNow`) moves the page's own clock only: the cookie store keeps real time.
 */
let session: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;

async function phonePage(options: { timezoneId?: string; browserNow?: number } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 375, height: 740 },
    locale: 'en-GB',
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
    ...(session ? { storageState: session } : {}),
  });
  if (options.browserNow !== undefined) await context.clock.setFixedTime(options.browserNow);
  const page = await context.newPage();
  if (session) {
    await page.goto(`${base}/console`);
    await page.getByText('Live: connected').waitFor();
    return page;
  }
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/console`);
  session = await context.storageState();
  return page;
}

/** Cells or scroll boxes of `main` that reach past the screen's right edge or hide part of their content. */
const CUT_OFF = `(() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const node of document.querySelectorAll('main td, main th, main .table-wrap')) {
    const style = getComputedStyle(node);
    // Hidden from the eye on purpose (for screen readers only): clipped to nothing.
    if (style.display === 'none' || style.clip !== 'auto' || node.closest('.visually-hidden, details:not([open])')) continue;
    const box = node.getBoundingClientRect();
    if (box.right > width + 0.5) found.push(node.tagName + ' "' + node.textContent + '" ends at ' + box.right);
    if (node.scrollWidth > node.clientWidth + 1) found.push(node.tagName + ' scrolls ' + node.scrollWidth + '/' + node.clientWidth);
  }
  return found;
})()`;

function cutOff(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(CUT_OFF);
}

describe.skipIf(!haveChromium)('the dashboard on a phone', () => {
  it('shows the device tables whole at 375 px: each row stacked, each value with its column name', async () => {
    const page = await phonePage();
    await page.goto(`${base}/devices`);
    await page.getByRole('cell', { name: 'hall_pir' }).waitFor();
    expect(await cutOff(page)).toEqual([]);
    // A screen reader still hears a table, with its column headers.
    expect(await page.getByRole('columnheader', { name: 'Zigbee name' }).count()).toBeGreaterThan(0);
    const shownBefore = await page.evaluate<string>(
      `getComputedStyle([...document.querySelectorAll('main td')].find((td) => td.textContent === 'hall_pir'), '::before').content`,
    );
    expect(shownBefore).toBe('"Zigbee name"');
    await page.context().close();
  });

  it('shows the council report tables whole at 375 px', async () => {
    const page = await phonePage();
    await page.goto(`${base}/council`);
    await page.getByRole('heading', { name: 'Routine changes' }).waitFor();
    expect(await cutOff(page)).toEqual([]);
    await page.context().close();
  });
});

describe.skipIf(!haveChromium)('times on the console', () => {
  // Raised at 03:00 UTC on 23 November: 03:00 in the home (Europe/London), 22:00 the evening before in New York.
  let alertId: string;
  beforeAll(() => {
    if (!haveChromium) return;
    alertId = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h1' }).id;
  });
  afterAll(() => {
    if (haveChromium) dashboard.alerts.resolve(alertId, 'false-alarm', null, 'admin');
  });

  async function raisedLine(timezoneId: string, browserNow: number): Promise<string> {
    const page = await phonePage({ timezoneId, browserNow });
    const meta = page.locator(`#alert-${alertId} .meta`);
    await meta.waitFor();
    const text = await meta.innerText();
    expect(await meta.locator('time').first().getAttribute('datetime')).toBe(new Date(clock.now()).toISOString());
    await page.context().close();
    return text;
  }

  it("are the home's own time, named when the viewer's zone differs, and without the date on the home's today", async () => {
    const sameMorning = Date.UTC(2026, 10, 23, 9, 0, 0);
    expect(await raisedLine('America/New_York', sameMorning)).toMatch(/Raised 03:00:00 GMT \(6 h 00 min ago\)/);
    expect(await raisedLine('Europe/London', sameMorning)).toMatch(/Raised 03:00:00 \(6 h 00 min ago\)/);
  });

  it("carry the date when the alert was raised before the home's today", async () => {
    const nextDay = Date.UTC(2026, 10, 24, 12, 0, 0);
    expect(await raisedLine('America/New_York', nextDay)).toMatch(
      /Raised 23\/11\/2026, 03:00:00 GMT \(33 h 00 min ago\)/,
    );
  });
});
