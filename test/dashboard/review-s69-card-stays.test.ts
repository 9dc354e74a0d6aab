// The card a responder is on stays where it is on the screen (review, session 69). The console draws its cards most
// urgent and newest first, anew whenever an alert comes or changes: a new pendant call drawn above the card she was
// reading, on a phone scrolled down the list, moved that card, and the Acknowledge button under her finger, a card's
// height down the screen (about 250 px at 390 px), and put another alert's button where hers had been; a call closed
// by someone else above it moved it up. Kept in place, a call drawn above her is out of sight: a button at the top of
// the screen says so and shows it. The real dashboard (real SQLite file, real alert service) on a fake clock, the
// console in Debian's chromium at 390 × 844, as a responder.
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console, the card a responder is on');
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** Four possible falls, h1 (oldest) to h4 (newest): drawn h4, h3, h2, h1. Their ids. */
function fourFalls(prefix: string): string[] {
  closeAll();
  return [1, 2, 3, 4].map((n) => {
    clock.advanceBy(60_000);
    return raiseAlert(stage.dashboard.alerts, clock, {
      kind: 'possible-fall',
      severity: 'high',
      homeId: `${prefix}${n}`,
      room: 'bathroom',
      detail: { peakG: 3.4, stillSeconds: 45 },
    }).id;
  });
}

async function openConsole(cards: number): Promise<Page> {
  const context = await stage.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await openThroughLogin(page, stage.base, '/console', 'sam', USER_PASSWORD);
  await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
  await page
    .locator('#alerts > li')
    .nth(cards - 1)
    .waitFor();
  return page;
}

/** Where `button` is on the screen (its top, in CSS px from the viewport's top), once the page has drawn a frame. */
async function topOnScreen(page: Page, button: Locator): Promise<number> {
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
  return button.evaluate((b) => b.getBoundingClientRect().top);
}

/** Where it was, to the screen's pixel (a scroll by a fraction of a CSS pixel lands on a whole device pixel). */
function samePlace(now: number, before: number): void {
  expect(Math.abs(now - before), `${now} px, was ${before} px`).toBeLessThanOrEqual(1);
}

/** Closes the open alerts the file's earlier tests left, so that each test's cards are its own. */
function closeAll(): void {
  for (const alert of stage.dashboard.alerts.list({ state: 'open' })) {
    stage.dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'admin');
  }
}

/** The accessible name of the button a tap at the middle of `button`'s place (as it was) would press now. */
function buttonAt(page: Page, x: number, y: number): Promise<string | null> {
  return page.evaluate<string | null>(
    `document.elementFromPoint(${x}, ${y})?.closest('button')?.getAttribute('aria-label') ?? null`,
  );
}

describe.skipIf(!haveChromium)('the card a responder is on, as alerts come and go above it', () => {
  it('stays under her finger when a new call is drawn above it, on a phone scrolled down the list', async () => {
    const ids = fourFalls('a');
    const page = await openConsole(4);
    try {
      // She has scrolled to the third card (h2's possible fall) and is about to tap its Acknowledge.
      const acknowledge = page.locator(`#alert-${ids[1]}`).getByRole('button', { name: /^Acknowledge/ });
      await acknowledge.evaluate((b) => b.scrollIntoView({ block: 'center' }));
      const before = await topOnScreen(page, acknowledge);
      const box = (await acknowledge.boundingBox())!;
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      expect(await page.evaluate('window.scrollY')).toBeGreaterThan(0);
      expect(await buttonAt(page, x, y)).toBe('Acknowledge Possible fall at a2');

      // A pendant call comes in: drawn first, above everything.
      raiseAlert(stage.dashboard.alerts, clock, { homeId: 'a9', detail: { deviceId: 'p9' } });
      await page.locator('#alerts > li').nth(4).waitFor();
      expect(await page.locator('#alerts > li').first().getAttribute('data-key')).not.toBe(ids[3]);

      // Before: 251 px lower, and the tap would have pressed another card's control.
      samePlace(await topOnScreen(page, acknowledge), before);
      expect(await buttonAt(page, x, y)).toBe('Acknowledge Possible fall at a2');

      // Out of sight above her, the new call is said at the top of the screen, over the page; before, nothing did (the
      // list jumped instead).
      const notice = page.getByRole('button', { name: '↑ New alert above: Pendant at a9' });
      await notice.waitFor();
      const shown = (await notice.boundingBox())!;
      expect(shown.y).toBeGreaterThanOrEqual(0);
      expect(shown.y + shown.height).toBeLessThan(844);
      expect(shown.x + shown.width).toBeLessThanOrEqual(390);

      // A call above it closed by someone else: it stays too.
      stage.dashboard.alerts.resolve(ids[3]!, 'false-alarm', null, 'admin');
      await page.locator('#alerts > li').nth(3).waitFor();
      await page.locator(`#alert-${ids[3]}`).waitFor({ state: 'detached' });
      samePlace(await topOnScreen(page, acknowledge), before);
      expect(await buttonAt(page, x, y)).toBe('Acknowledge Possible fall at a2');

      // Pressed, the notice shows the new call and puts the keyboard on it, and goes.
      await notice.click();
      expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe(
        'Acknowledge Pendant at a9',
      );
      const call = (await page.getByRole('button', { name: 'Acknowledge Pendant at a9' }).boundingBox())!;
      expect(call.y).toBeGreaterThan(-1);
      expect(call.y + call.height).toBeLessThanOrEqual(844);
      await notice.waitFor({ state: 'hidden' });
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it('keeps the resolve form she is typing in where it was, at the top of the page', async () => {
    const ids = fourFalls('b');
    const page = await openConsole(4);
    try {
      await page.evaluate('window.scrollTo(0, 0)');
      const card = page.locator(`#alert-${ids[3]}`);
      await card.getByRole('button', { name: /^Resolve…/ }).click();
      const note = card.getByLabel(/note/i);
      await note.fill('Warden on her way');
      await note.focus();
      const before = await topOnScreen(page, note);

      raiseAlert(stage.dashboard.alerts, clock, { homeId: 'b9', detail: { deviceId: 'p9' } });
      await page.locator('#alerts > li').nth(4).waitFor();
      samePlace(await topOnScreen(page, note), before);
      expect(await page.evaluate('document.activeElement.value')).toBe('Warden on her way');
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it('at the top of the page, not on a card, shows the new call in view, first', async () => {
    fourFalls('c');
    const page = await openConsole(4);
    try {
      await page.evaluate('window.scrollTo(0, 0)');
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      raiseAlert(stage.dashboard.alerts, clock, { homeId: 'c9', detail: { deviceId: 'p9' } });
      await page.getByRole('heading', { name: /^Pendant at c9/ }).waitFor();
      // In view: no notice.
      expect(await page.locator('.new-above').isHidden()).toBe(true);
      expect(await page.locator('#alerts > li').first().getAttribute('data-key')).toBe(
        await page.getByRole('heading', { name: /^Pendant at c9/ }).evaluate((h) => h.closest('li')!.dataset.key!),
      );
      expect(await page.evaluate('window.scrollY')).toBe(0);
      await expect.poll(() => page.getByRole('button', { name: 'Acknowledge Pendant at c9' }).isVisible()).toBe(true);
      const top = await topOnScreen(page, page.getByRole('button', { name: 'Acknowledge Pendant at c9' }));
      expect(top).toBeLessThan(844);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
