// Nothing moves under a responder's finger (review, session 70; session 69 found both and left them). Acknowledging
// the last critical call took the critical banner away and moved every card under it up by the banner's height, while
// the acknowledged card grew above its buttons ("Acknowledged by sam") and, on a narrow screen, lost the line its
// Acknowledge stood on: a second tap where the next card's Acknowledge had been landed elsewhere. The new-call notice
// (session 69) appeared over whatever button was at the top of the screen. The real dashboard (real SQLite file, real
// alert service) on a fake clock, the console in Debian's chromium, as a responder, at 390 px, 320 px and 195 px (a
// 390 px phone at 200 %), light and dark.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { violations } from '../support/axe.js';
import { boxOnScreen, cardTops, openThroughLogin, pressableUnder } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console, nothing moves under the finger');
const clock = new FakeClock(Date.UTC(2026, 10, 24, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** Closes the open alerts the file's earlier tests left, so that each test's cards are its own. */
function closeAll(): void {
  for (const alert of stage.dashboard.alerts.list({ state: 'open' })) {
    stage.dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'admin');
  }
}

/** `n` possible falls in homes `<prefix>1`… (the last the newest); their ids. */
function falls(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    clock.advanceBy(60_000);
    return raiseAlert(stage.dashboard.alerts, clock, {
      kind: 'possible-fall',
      severity: 'high',
      homeId: `${prefix}${i + 1}`,
      room: 'bathroom',
      detail: { peakG: 3.4, stillSeconds: 45 },
    }).id;
  });
}

async function openConsole(width: number, scheme: 'light' | 'dark', cards: number): Promise<Page> {
  const context = await stage.browser.newContext({
    viewport: { width, height: 844 },
    colorScheme: scheme,
    locale: 'en-GB',
  });
  const page = await context.newPage();
  await openThroughLogin(page, stage.base, '/console', 'sam', USER_PASSWORD);
  await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
  await page
    .locator('#alerts > li')
    .nth(cards - 1)
    .waitFor();
  return page;
}

describe.skipIf(!haveChromium)('nothing moves under the finger', () => {
  it.each([
    [390, 'light'],
    [390, 'dark'],
    [320, 'light'],
    [195, 'dark'],
  ] as const)(
    'acknowledging the last critical call leaves the next card where it was (%i px, %s)',
    async (width, scheme) => {
      closeAll();
      const ids = falls(`k${width}${scheme}-`, 2);
      clock.advanceBy(60_000);
      const pendant = raiseAlert(stage.dashboard.alerts, clock, {
        homeId: `k${width}${scheme}-9`,
        detail: { deviceId: 'p9' },
      });
      const page = await openConsole(width, scheme, 3);
      try {
        await page.locator('#critical-banner.on').waitFor();
        const card = page.locator(`#alert-${pendant.id}`);
        const acknowledge = card.getByRole('button', { name: /^Acknowledge/ });
        // On the screen, as under a finger (at 195 px the page is scrolled down to it).
        await acknowledge.evaluate((b) => b.scrollIntoView({ block: 'nearest' }));
        const next = page.locator(`#alert-${ids[1]}`).getByRole('button', { name: /^Acknowledge/ });
        const nextBefore = await boxOnScreen(page, next);
        const resolveBefore = await boxOnScreen(page, card.getByRole('button', { name: /^Resolve…/ }));
        const tapped = await boxOnScreen(page, acknowledge);
        await acknowledge.click();
        await page.locator(`#alert-${pendant.id}[data-state="acknowledged"]`).waitFor();
        await page.locator('#critical-banner.on').waitFor({ state: 'detached' });

        // The next card's Acknowledge where it was: before, 45 px higher at 390 px (the banner's 73 px less the
        // line "Acknowledged by sam" added above the card's buttons), 18 px at 320 px, 430 px at 195 px.
        const nextAfter = await boxOnScreen(page, next);
        expect(
          Math.abs(nextAfter.top - nextBefore.top),
          `${nextAfter.top} px, was ${nextBefore.top} px`,
        ).toBeLessThanOrEqual(1);
        // The acknowledged card's Resolve… where it was, and nothing to press where its Acknowledge was (before,
        // Resolve… took its place).
        const resolveAfter = await boxOnScreen(page, card.getByRole('button', { name: /^Resolve…/ }));
        expect(Math.abs(resolveAfter.top - resolveBefore.top)).toBeLessThanOrEqual(1);
        expect(Math.abs(resolveAfter.left - resolveBefore.left)).toBeLessThanOrEqual(1);
        const x = (tapped.left + tapped.right) / 2;
        const y = (tapped.top + tapped.bottom) / 2;
        expect(
          await page.evaluate(
            `document.elementFromPoint(${x}, ${y})?.closest('button, a, input, select, textarea')?.outerHTML ?? null`,
          ),
        ).toBeNull();
        expect(await page.evaluate(`document.elementFromPoint(${x}, ${y})?.closest('.ack-done')?.textContent`)).toBe(
          'Acknowledged',
        );
        // The banner's place says there is none, out of its live region (nothing is said aloud).
        const calm = page.getByText('No critical alert waiting');
        expect(await calm.isVisible()).toBe(true);
        expect(await calm.evaluate((p) => p.closest('[role="alert"], [aria-live]'))).toBeNull();
        // Both read at WCAG AA, in either scheme.
        expect(await violations(page)).toEqual([]);
      } finally {
        await page.context().close();
      }
    },
    120_000,
  );

  it.each([390, 195])(
    'says a new call above over no control, the cards kept in place (%i px)',
    async (width) => {
      closeAll();
      const ids = falls(`n${width}-`, 6);
      const page = await openConsole(width, 'light', 6);
      try {
        // Scrolled down the list, the third card's (n4's) Acknowledge at the top of the screen, under her finger.
        const acknowledge = page.locator(`#alert-${ids[3]}`).getByRole('button', { name: /^Acknowledge/ });
        await acknowledge.evaluate((b) => b.scrollIntoView({ block: 'start' }));
        await page.evaluate('window.scrollBy(0, -10)');
        const before = await cardTops(page);
        expect((await boxOnScreen(page, acknowledge)).top).toBeCloseTo(10, 0);
        raiseAlert(stage.dashboard.alerts, clock, { homeId: `n${width}-9`, detail: { deviceId: 'p9' } });
        const notice = page.getByRole('button', { name: `↑ New alert above: Pendant at n${width}-9` });
        await notice.waitFor();
        const after = await cardTops(page);
        const box = await boxOnScreen(page, notice);
        // The cards on the screen where they were.
        for (const [key, top] of Object.entries(before)) {
          expect(Math.abs(after[key]! - top), `${key}: ${after[key]} px, was ${top} px`).toBeLessThanOrEqual(1);
        }
        // Over no control: before, over the Acknowledge at the screen's top.
        expect(await pressableUnder(page, box)).toEqual([]);
        expect(box.top).toBeGreaterThanOrEqual(0);
        expect(box.bottom).toBeLessThanOrEqual(844);
        // Still the way to the new call.
        await notice.click();
        expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe(
          `Acknowledge Pendant at n${width}-9`,
        );
      } finally {
        await page.context().close();
      }
    },
    120_000,
  );
});
