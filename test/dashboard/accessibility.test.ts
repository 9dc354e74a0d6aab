// Every page of the hub's dashboard checked by axe-core (WCAG 2 A and AA rules: labels, names, contrast, headings,
// landmarks, ARIA) in Debian's chromium, each with content on it: an open alert and a closed one, devices, charts.
import type { Browser, Page } from 'playwright-core';
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
import { violations } from '../support/axe.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

const haveChromium = chromiumAvailable('the accessibility tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const clock = new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0));

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock, analytics: cannedAnalytics() });
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
  const closed = raiseAlert(dashboard.alerts, clock, { kind: 'smoke', severity: 'critical', homeId: 'h1' });
  dashboard.alerts.resolve(closed.id, 'false-alarm', 'Toast', 'admin');
  raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h1' });
  raiseAlert(dashboard.alerts, clock, { kind: 'inactivity', severity: 'high', homeId: 'h1' });
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

async function loggedIn(): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  expect(await violations(page)).toEqual([]);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/console`);
  return page;
}

describe.skipIf(!haveChromium)('every page of the dashboard by axe-core', () => {
  it('has no WCAG 2 A or AA violation: login, console, devices, home charts, council report', async () => {
    const page = await loggedIn();
    await page.getByText('Live: connected').waitFor();
    await page.locator('#alerts li').nth(1).waitFor();
    await page.locator('#closed li').first().waitFor();
    await page.getByRole('button', { name: 'Resolve…' }).first().click();
    await page.locator('.resolve-form').waitFor();
    expect(await violations(page)).toEqual([]);

    await page.goto(`${base}/devices`);
    await page.getByRole('cell', { name: 'hall_pir' }).waitFor();
    expect(await violations(page)).toEqual([]);

    await page.goto(`${base}/home`);
    await page.locator('#charts svg').first().waitFor();
    expect(await violations(page)).toEqual([]);

    await page.goto(`${base}/council`);
    await page.getByRole('heading', { name: 'Routine changes' }).waitFor();
    expect(await violations(page)).toEqual([]);

    // The check itself sees a field without a label and a control without a name.
    await page.evaluate(
      `document.querySelector('main').append(Object.assign(document.createElement('input'), { id: 'bare' }), document.createElement('button'))`,
    );
    expect((await violations(page)).map((v) => v.split(':')[0]).sort()).toEqual(['button-name', 'label']);
    await page.context().close();
  });
});
