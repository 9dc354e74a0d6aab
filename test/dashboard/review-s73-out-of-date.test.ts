// A responder scrolled down the list when the connection drops (review, session 73). The console said "No connection
// to the hub since …" in its live line at the top of the page and in the tab's title; on a phone (no tab title shown)
// scrolled to the fifth card, nothing on the screen changed: the cards' ages went on moving as if live, their states
// frozen at the moment of the cut, and a colleague's acknowledgement or a new call never came. The real dashboard (real
// SQLite file, real alert service) behind a proxy that cuts the stream and keeps it out, the console in Debian's
// chromium at 360 px.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { boxOnScreen, cardTops, pressableUnder } from '../support/screen.js';
import { consoleBehindProxy, contextWithCookie, dashboardInChromium } from './in-chromium.js';
import { raiseAlert } from './support.js';

const haveChromium = chromiumAvailable('the console scrolled down when the connection drops');
const clock = new FakeClock(Date.UTC(2026, 11, 7, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });
const behind = consoleBehindProxy(haveChromium, stage);

/** The words on the screen (in the window, shown, not read by a screen reader only) that say the connection is lost. */
function lostSaidOnScreen(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
    .filter((node) => node.children.length === 0 || node.classList.contains('out-of-date'))
    .filter((node) => /no connection/i.test(node.textContent || ''))
    .filter((node) => {
      const r = node.getBoundingClientRect();
      const style = getComputedStyle(node);
      return r.width > 1 && r.height > 1 && r.bottom > 0 && r.top < window.innerHeight &&
        style.visibility !== 'hidden' && node.checkVisibility();
    })
    .map((node) => (node.textContent || '').replace(/\\s+/g, ' ').trim())`);
}

describe.skipIf(!haveChromium)('the console scrolled down when the connection drops', () => {
  it('says on the screen that the list may be out of date, over no control, nothing moved, and stops once live', async () => {
    const { base, proxy } = behind;
    const raised = [
      raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h1', detail: { deviceId: 'p1' } }),
      raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h2', detail: { deviceId: 'p2' } }),
      raiseAlert(stage.dashboard.alerts, clock, { kind: 'smoke', homeId: 'h1', detail: { deviceId: 'smoke-hall' } }),
      raiseAlert(stage.dashboard.alerts, clock, { kind: 'flood', homeId: 'h2', detail: { deviceId: 'leak' } }),
      raiseAlert(stage.dashboard.alerts, clock, {
        kind: 'low-battery',
        severity: 'low',
        homeId: 'h1',
        detail: { deviceId: 'hall-pir' },
      }),
    ];
    expect(raised).toHaveLength(5);
    const context = await contextWithCookie(stage.browser, base, behind.cookie, {
      viewport: { width: 360, height: 640 },
      locale: 'en-GB',
      timezoneId: 'Europe/London',
    });
    try {
      const page = await context.newPage();
      await page.goto(`${base}/console`);
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      await expect.poll(() => page.locator('#alerts > li').count()).toBe(5);
      // Scrolled down to the last card, as a responder working down the list: the live line is off the screen.
      await page.locator('#alerts > li').last().scrollIntoViewIfNeeded();
      await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
      const connectionBox = await boxOnScreen(page, page.locator('#connection'));
      expect(connectionBox.bottom).toBeLessThan(0);
      expect(await lostSaidOnScreen(page)).toEqual([]);
      const tops = await cardTops(page);

      // The stream cut and kept out (the hub restarting, the Wi-Fi gone).
      proxy.hold();
      await expect.poll(() => page.title(), { timeout: 20_000 }).toMatch(/^No connection · /);
      await expect.poll(() => lostSaidOnScreen(page), { timeout: 10_000 }).not.toEqual([]);
      const said = (await lostSaidOnScreen(page)).join(' ');
      expect(said).toMatch(/No connection since \d\d:\d\d:\d\d \(just now\)/);
      expect(said).toMatch(/may be out of date/);
      // Not said twice to a screen reader: the live line (role="status") says it.
      const notice = page.locator('.out-of-date');
      expect(await notice.getAttribute('aria-hidden')).toBe('true');
      // Over no control, and nothing under the finger moved.
      expect(await pressableUnder(page, await boxOnScreen(page, notice))).toEqual([]);
      // (Within 1 px: the live line above grew by two lines, which chromium's scroll anchoring makes up for.)
      const after = await cardTops(page);
      for (const [key, top] of Object.entries(tops)) expect(Math.abs(after[key]! - top), key).toBeLessThan(1);
      // Scrolled back to the top, the live line says it: the notice goes.
      await page.evaluate('window.scrollTo(0, 0)');
      await expect.poll(() => notice.isVisible()).toBe(false);
      await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
      await expect.poll(() => notice.isVisible()).toBe(true);

      // Back: live again, the notice goes.
      proxy.admit();
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor({ timeout: 30_000 });
      await expect.poll(() => lostSaidOnScreen(page)).toEqual([]);
      expect(await notice.isVisible()).toBe(false);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('says, once the connection is back, that an acknowledgement pressed while it was down was not sent', async () => {
    const { base, proxy } = behind;
    const gas = raiseAlert(stage.dashboard.alerts, clock, { kind: 'gas', homeId: 'h2', detail: { deviceId: 'gas-k' } });
    const context = await contextWithCookie(stage.browser, base, behind.cookie, {
      viewport: { width: 360, height: 640 },
      locale: 'en-GB',
      timezoneId: 'Europe/London',
    });
    try {
      const page = await context.newPage();
      await page.goto(`${base}/console`);
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      const card = page.locator(`#alert-${gas.id}`);
      const line = card.locator('.error');
      proxy.hold();
      await page.locator('#connection', { hasText: 'No connection' }).waitFor({ timeout: 20_000 });
      await card.getByRole('button', { name: /^Acknowledge/ }).click();
      await expect
        .poll(() => line.textContent())
        .toBe('Cannot reach the hub: check the network connection, then try again. Nothing was changed.');
      proxy.admit();
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor({ timeout: 30_000 });
      // Before: "Cannot reach the hub: check the network connection …" under "Live: connected".
      await expect
        .poll(() => line.textContent())
        .toMatch(
          /^Not acknowledged: the hub could not be reached at \d\d:\d\d:\d\d\. The connection is back: press Acknowledge again\.$/,
        );
      expect(stage.dashboard.alerts.get(gas.id)?.state).toBe('raised');
      // Pressed again, it goes through and the line goes.
      await card.getByRole('button', { name: /^Acknowledge/ }).click();
      await expect.poll(() => stage.dashboard.alerts.get(gas.id)?.state).toBe('acknowledged');
      await expect.poll(() => line.textContent()).toBe('');
    } finally {
      await context.close();
    }
  }, 120_000);
});
