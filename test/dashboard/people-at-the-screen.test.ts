// Session 34, the people at the screen (Debian chromium): what the next shift reads of the alerts closed in the night
// (why the hub withdrew one, the outcome a responder chose in words), and the council report's summary on a phone.
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

const haveChromium = chromiumAvailable('the people-at-the-screen tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const clock = new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0));

/** The report as the hub writes it (analytics/report.ts): long names, a long disclosure, an ISO time. */
function realisticAnalytics() {
  const canned = cannedAnalytics();
  return {
    ...canned,
    preventionReport(fromDate: string, toDate: string) {
      return {
        report: 'prevention',
        period: { from: fromDate, to: toDate, timezone: 'Europe/London' },
        generatedAt: '2026-11-23T03:00:00.000Z',
        disclosure:
          'Counts of 1 to 7 are shown as *, all others rounded to the nearest 5 (0 stays 0); shares are worked out ' +
          'from the published counts (* when either is *). No resident, home or person appears.',
        residentsMonitored: 40,
        acknowledgement: { alerts: 25, within60s: 20, shareWithin180s: 0.8, medianSeconds: 41 },
        routineChanges: { flags: 10, followUpDays: 14, followedByIntervention: '*' },
        alertsByKind: { pendant: 15, fall: '*', inactivity: 10 },
      };
    },
  };
}

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock, analytics: realisticAnalytics() });
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

/**
 * The admin's session from the first login through the login page, its cookie given to every later page's context:
 * each login is a scrypt check and a page more, and these tests are about what the pages say, not the login
 * (test/dashboard/auth.test.ts has that).
 */
let session: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;

async function loggedIn(width: number, height: number): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height },
    locale: 'en-GB',
    timezoneId: 'Europe/London',
    ...(session ? { storageState: session } : {}),
  });
  const page = await context.newPage();
  if (session) {
    await page.goto(`${base}/console`);
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

describe.skipIf(!haveChromium)('the morning shift reads the night', () => {
  it('says why the hub withdrew an alert, and the outcome and note a responder gave in words, not ids', async () => {
    // A possible fall the hub withdrew when the resident moved again, and a pendant press a responder dealt with.
    const fall = raiseAlert(dashboard.alerts, clock, { kind: 'possible-fall', severity: 'high', room: 'hall' });
    dashboard.alerts.apply({
      type: 'clear',
      homeId: 'h1',
      kind: 'possible-fall',
      at: clock.now(),
      reason: 'activity in kitchen',
    });
    const press = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', homeId: 'h2' });
    dashboard.alerts.resolve(press.id, 'carer-visit', 'Carer found her well', 'admin');

    const page = await loggedIn(390, 844);
    const withdrawn = page.locator(`#closed-${fall.id}`);
    await withdrawn.waitFor();
    // Before: "Possible fall · h1 · cancelled · 03:00:00", read by the next shift as a fall nobody dealt with.
    expect(await withdrawn.innerText()).toMatch(
      /^Possible fall · h1 · hall · cancelled by the hub: activity in kitchen · /,
    );
    // Before: "resolved (carer-visit)" and no note.
    expect(await page.locator(`#closed-${press.id}`).innerText()).toMatch(
      /^Pendant · h2 · living · resolved: Carer visit \("Carer found her well"\) · /,
    );
    await page.context().close();
  });
});

describe.skipIf(!haveChromium)("the council report's summary on a phone", () => {
  it('puts each value under its name at 390 px, none squeezed into a column a few letters wide, and says when it was made as a date', async () => {
    const page = await loggedIn(390, 844);
    await page.goto(`${base}/council`);
    await page.locator('dl.summary dd').first().waitFor();
    const widths = await page.$$eval('dl.summary dd', (nodes) => {
      const list = nodes[0]!.closest('dl')!.getBoundingClientRect().width;
      return nodes.map((n) => ({ text: n.textContent, share: n.getBoundingClientRect().width / list }));
    });
    // Before: the longest name (max-content) took the width and "prevention" went down the screen a letter a line.
    for (const w of widths) expect(w.share, JSON.stringify(w)).toBeGreaterThan(0.8);
    // The time it was generated as a date and time in the report's zone, not an ISO string in UTC.
    const generated = page
      .locator('dl.summary dt', { hasText: 'Generated at' })
      .locator('xpath=following-sibling::dd[1]');
    expect(await generated.innerText()).toBe('23 Nov 2026, 03:00 GMT');
    const box = (await generated.boundingBox())!;
    const lineHeight = await generated.evaluate((n) => {
      const style = n.ownerDocument.defaultView!.getComputedStyle(n);
      return parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
    });
    expect(box.height).toBeLessThan(2 * lineHeight);
    await page.context().close();
  });

  it('keeps names and values side by side on a desktop', async () => {
    const page = await loggedIn(1280, 900);
    await page.goto(`${base}/council`);
    await page.locator('dl.summary dd').first().waitFor();
    const [dt, dd] = await Promise.all([
      page.locator('dl.summary dt').first().boundingBox(),
      page.locator('dl.summary dd').first().boundingBox(),
    ]);
    expect(Math.abs(dt!.y - dd!.y)).toBeLessThan(4);
    expect(dd!.x).toBeGreaterThan(dt!.x + dt!.width);
    await page.context().close();
  });
});
