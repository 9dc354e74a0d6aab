// Nothing moves under an operator's finger on the centre's console (review, session 70; the hub's console:
// test/dashboard/review-s70-nothing-moves.test.ts). Acknowledging the last critical call took the critical banner
// away and moved every card under it up by its height, while the acknowledged card grew above its buttons (the
// command's line, "Acknowledged by …") and lost its Acknowledge: the next card's button was no longer under the
// finger. The new-call notice appeared over the button at the top of the screen. Debian's chromium, the real console
// and PostgreSQL, alert versions stored and NOTIFYed as the workers do, the stand-in hub answering the commands.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hubAlert, logInAt, storeAlert, storeHub } from './console-env.js';
import { boxOnScreen, cardTops, pressableUnder } from '../support/screen.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the centre's console, nothing moves under the finger");
const WAIT = { timeout: 15_000 };

describe.skipIf(!runnable)("review s70: the centre's console, nothing moves under the finger", () => {
  const stage = centreConsoleInChromium();
  /** The alerts each test stored, closed by the next. */
  const stored: Record<string, unknown>[] = [];

  /** Closes the earlier tests' alerts, then stores `alerts` (hub-a's), now. */
  async function only(alerts: Record<string, unknown>[]): Promise<void> {
    for (const alert of stored.splice(0)) {
      await storeAlert(stage.env.pool, 'hub-a', { ...alert, state: 'resolved', version: 9, outcome: 'false-alarm' });
    }
    await storeHub(stage.env.pool, 'hub-a', { status: 'online', lastSeenAt: new Date() });
    for (const alert of alerts) {
      await storeAlert(stage.env.pool, 'hub-a', alert);
      stored.push(alert);
    }
  }

  /** `n` inactivity alerts `<prefix>-1`… in flats, a minute apart (the last the newest). */
  function silences(prefix: string, n: number): Record<string, unknown>[] {
    return Array.from({ length: n }, (_, i) => {
      const at = new Date(Date.now() - (20 - i) * 60_000).toISOString();
      return hubAlert(`${prefix}-${i + 1}`, { homeId: `flat-${i + 1}`, raisedAt: at, lastSeenAt: at });
    });
  }

  async function openConsole(width: number, scheme: 'light' | 'dark', cards: number): Promise<Page> {
    const context = await stage.newContext({ viewport: { width, height: 844 }, colorScheme: scheme, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env);
    await page.getByText('Live: connected').waitFor(WAIT);
    await page
      .locator('#alerts > li')
      .nth(cards - 1)
      .waitFor(WAIT);
    return page;
  }

  it.each([
    [390, 'light'],
    [195, 'dark'],
  ] as const)(
    'acknowledging the last critical call leaves the next card where it was (%i px, %s)',
    async (width, scheme) => {
      const at = new Date().toISOString();
      const prefix = `k${width}`;
      await only([
        ...silences(prefix, 2),
        hubAlert(`${prefix}-press`, {
          homeId: 'flat-9',
          kind: 'pendant',
          severity: 'critical',
          raisedAt: at,
          lastSeenAt: at,
        }),
      ]);
      const page = await openConsole(width, scheme, 3);
      try {
        await page.locator('#critical-banner.on').waitFor(WAIT);
        const card = page.locator(`#alerts > li[data-alert="${prefix}-press"]`);
        const acknowledge = card.getByRole('button', { name: /^Acknowledge/ });
        await acknowledge.evaluate((b) => b.scrollIntoView({ block: 'nearest' }));
        // The card under it (the newer silence's).
        const next = page
          .locator(`#alerts > li[data-alert="${prefix}-2"]`)
          .getByRole('button', { name: /^Acknowledge/ });
        const before = await boxOnScreen(page, next);
        await acknowledge.click();
        await page.locator(`#alerts > li[data-alert="${prefix}-press"][data-state="acknowledged"]`).waitFor(WAIT);
        await card.getByText(/applied by the hub/).waitFor(WAIT);
        await page.locator('#critical-banner.on').waitFor({ state: 'detached', ...WAIT });
        const after = await boxOnScreen(page, next);
        expect(Math.abs(after.top - before.top), `${after.top} px, was ${before.top} px`).toBeLessThanOrEqual(1);
        expect(await page.getByText('No critical alert waiting').isVisible()).toBe(true);
      } finally {
        await page.context().close();
      }
    },
    120_000,
  );

  it('says a new call above over no control, the cards kept in place', async () => {
    await only(silences('n', 6));
    const page = await openConsole(390, 'light', 6);
    try {
      // Scrolled down the list, the fourth card's (flat-3's) Acknowledge at the top of the screen.
      const acknowledge = page.locator('#alerts > li[data-alert="n-3"]').getByRole('button', { name: /^Acknowledge/ });
      await acknowledge.evaluate((b) => b.scrollIntoView({ block: 'start' }));
      await page.evaluate('window.scrollBy(0, -10)');
      expect((await boxOnScreen(page, acknowledge)).top).toBeCloseTo(10, 0);
      const before = await cardTops(page);
      const at = new Date().toISOString();
      const press = hubAlert('n-press', {
        homeId: 'flat-9',
        kind: 'pendant',
        severity: 'critical',
        raisedAt: at,
        lastSeenAt: at,
      });
      await storeAlert(stage.env.pool, 'hub-a', press);
      stored.push(press);
      const notice = page.getByRole('button', { name: /^↑ New alert above: Pendant/ });
      await notice.waitFor(WAIT);
      const after = await cardTops(page);
      for (const [key, top] of Object.entries(before)) {
        expect(Math.abs(after[key]! - top), `${key}: ${after[key]} px, was ${top} px`).toBeLessThanOrEqual(1);
      }
      const box = await boxOnScreen(page, notice);
      // Before: over flat-3's Acknowledge.
      expect(await pressableUnder(page, box)).toEqual([]);
      expect(box.bottom).toBeLessThanOrEqual(844);
      await notice.click();
      await expect
        .poll(() => page.evaluate('document.activeElement.getAttribute("aria-label")'))
        .toBe('Acknowledge Pendant at flat-9, hub hub-a');
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
