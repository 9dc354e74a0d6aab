// The responder console's tab title (review, session 65): it read "Alerts · Telecare hub" whatever happened, so a
// console in a background tab or behind another window (the care records open at 3 a.m.), its sound off as it is at
// every opening, showed a new critical call nowhere but on the page itself; and a console whose live stream was down
// looked, from the tab, as quiet as one with nothing open. The real dashboard (real SQLite file, real alert service)
// behind a proxy that cuts the stream, the console in Debian's chromium.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { consoleBehindProxy, contextWithCookie, dashboardInChromium } from './in-chromium.js';
import { raiseAlert } from './support.js';

const haveChromium = chromiumAvailable('the console, its tab title');
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });

const behind = consoleBehindProxy(haveChromium, stage);

async function titleBecomes(page: Page, title: string): Promise<void> {
  await expect.poll(() => page.title(), { timeout: 20_000 }).toBe(title);
}

describe.skipIf(!haveChromium)("the console's tab title", () => {
  it('says how many alerts wait for acknowledgement, how many critical, and when the connection is lost', async () => {
    const { base, proxy } = behind;
    const context = await contextWithCookie(stage.browser, base, behind.cookie, {
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = await context.newPage();
      await page.goto(`${base}/console`);
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      expect(await page.title()).toBe('Alerts · Telecare hub');

      raiseAlert(stage.dashboard.alerts, clock, {
        kind: 'low-battery',
        severity: 'low',
        homeId: 'h1',
        detail: { deviceId: 'hall-pir' },
      });
      await titleBecomes(page, '1 waiting · Alerts · Telecare hub');
      const press = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h2', detail: { deviceId: 'p2' } });
      await titleBecomes(page, '2 waiting (1 critical) · Alerts · Telecare hub');
      expect(stage.dashboard.alerts.acknowledge(press.id, 'nina').ok).toBe(true);
      await titleBecomes(page, '1 waiting · Alerts · Telecare hub');

      // The stream cut and kept out (the hub restarting, the Wi-Fi gone): the tab says so until it is back.
      proxy.hold();
      await titleBecomes(page, 'No connection · 1 waiting · Alerts · Telecare hub');
      proxy.admit();
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor({ timeout: 30_000 });
      await titleBecomes(page, '1 waiting · Alerts · Telecare hub');
    } finally {
      await context.close();
    }
  }, 120_000);
});
