// The dashboard in the browser's dark scheme (review, session 69). A responder woken at 3 a.m. reaches for a phone set
// to dark, in a dark room: every page of the hub (and the centre's console, which uses the same style sheet) lit the
// whole screen white, cards, tables and fields included, whatever the phone asked. Each page now follows the dark
// scheme, and every text on it still reads at WCAG AA (axe-core's contrast rule, from chromium's computed styles),
// as the light pages do (accessibility.test.ts). The real dashboard (real SQLite file, real alert service, canned
// analytics for the charts) on a fake clock, Debian's chromium at 390 × 844 with `prefers-color-scheme: dark`.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { violations } from '../support/axe.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD, cannedAnalytics, raiseAlert } from './support.js';

const haveChromium = chromiumAvailable('the dashboard in the dark scheme');
const clock = new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock, analytics: cannedAnalytics() });

/**
 * The relative luminance (WCAG 2, 0 black to 1 white) of the computed background of each node `selector` finds, as
 * chromium computed it (`rgb(r, g, b)`); the page's own for `body`.
 */
function backgrounds(page: Page, selector: string): Promise<number[]> {
  return page.evaluate<number[]>(`(() => {
    const channel = (c) => {
      const v = c / 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return [...document.querySelectorAll(${JSON.stringify(selector)})].map((node) => {
      const [r, g, b] = getComputedStyle(node).backgroundColor.match(/[\\d.]+/g).map(Number);
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    });
  })()`);
}

/** Every background `selector` finds is dark (a luminance below black's contrast of 3:1 against white text), and there is one. */
async function dark(page: Page, selector: string): Promise<void> {
  const found = await backgrounds(page, selector);
  expect(found.length, selector).toBeGreaterThan(0);
  for (const luminance of found) expect(luminance, `${selector}: luminance ${luminance}`).toBeLessThan(0.05);
}

describe.skipIf(!haveChromium)('every page in the dark scheme', () => {
  it('is dark, cards, tables and fields too, and every text on it reads at WCAG AA', async () => {
    const closed = raiseAlert(stage.dashboard.alerts, clock, { kind: 'smoke', homeId: 'h1', room: 'kitchen' });
    stage.dashboard.alerts.resolve(closed.id, 'false-alarm', 'Toast', 'admin');
    raiseAlert(stage.dashboard.alerts, clock, { kind: 'pendant', homeId: 'h1' });
    raiseAlert(stage.dashboard.alerts, clock, {
      kind: 'inactivity',
      severity: 'high',
      homeId: 'h2',
      room: 'bedroom',
      detail: { silenceMinutes: 312, thresholdMinutes: 300, thresholdSource: 'learned', lastRoom: 'bedroom' },
    });
    const context = await stage.browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      locale: 'en-GB',
    });
    try {
      const page = await context.newPage();
      await page.goto(`${stage.base}/login`);
      await dark(page, 'body');
      await dark(page, 'input');
      expect(await violations(page)).toEqual([]);

      await openThroughLogin(page, stage.base, '/console', 'admin', ADMIN_PASSWORD);
      await page.getByText('Live: connected').waitFor();
      await page.locator('#alerts > li').nth(1).waitFor();
      await page.locator('#closed li').first().waitFor();
      await page.getByRole('button', { name: /^Resolve… Pendant/ }).click();
      await page.locator('.resolve-form').waitFor();
      // Before: the page #f4f5f7 (luminance 0.91), each card and the form's fields white.
      await dark(page, 'body');
      await dark(page, '#alerts > li.card');
      await dark(page, '.resolve-form select, .resolve-form textarea');
      await dark(page, 'button.secondary');
      expect(await violations(page)).toEqual([]);

      await page.goto(`${stage.base}/devices`);
      await page.getByRole('cell', { name: 'hall_pir' }).waitFor();
      await dark(page, 'body');
      await dark(page, 'table');
      expect(await violations(page)).toEqual([]);

      await page.goto(`${stage.base}/home`);
      await page.locator('#charts svg').first().waitFor();
      await dark(page, 'body');
      await dark(page, 'input');
      expect(await violations(page)).toEqual([]);

      await page.goto(`${stage.base}/council`);
      await page.getByRole('heading', { name: 'Routine changes' }).waitFor();
      await dark(page, 'body');
      expect(await violations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
