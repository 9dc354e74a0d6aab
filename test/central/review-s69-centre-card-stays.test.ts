// The card an operator is on stays where it is on the screen (review, session 69; the hub's console:
// test/dashboard/review-s69-card-stays.test.ts). The centre's console draws every hub's open calls most urgent and
// newest first, anew whenever one comes or changes: a new call drawn above the card an operator on a phone had
// scrolled to moved that card, and the Acknowledge button under her finger, a card's height down the screen, another
// call's control in its place. Kept in place, a call drawn above her is out of sight: a button at the top of the screen
// says so and shows it. Debian's chromium at 390 × 844, the real console and PostgreSQL, alert versions stored
// and NOTIFYed as the workers do.
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hubAlert, logInAt, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the centre's console, the card an operator is on");
const WAIT = { timeout: 15_000 };

async function topOnScreen(page: Page, button: Locator): Promise<number> {
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
  return button.evaluate((b) => b.getBoundingClientRect().top);
}

describe.skipIf(!runnable)("review s69: the centre's console, the card an operator is on", () => {
  const stage = centreConsoleInChromium();

  it('stays under her finger when a new call is drawn above it, on a phone scrolled down the list', async () => {
    const now = Date.now();
    await storeHub(stage.env.pool, 'hub-a', { status: 'online', lastSeenAt: new Date(now) });
    for (let i = 1; i <= 4; i++) {
      const at = new Date(now - (10 - i) * 60_000).toISOString();
      await storeAlert(
        stage.env.pool,
        'hub-a',
        hubAlert(`fall-${i}`, { homeId: `flat-${i}`, raisedAt: at, lastSeenAt: at }),
      );
    }
    const context = await stage.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, stage.env);
    await page.getByText('Live: connected').waitFor(WAIT);
    await page.locator('#alerts > li').nth(3).waitFor(WAIT);

    // The third card (flat-2's) scrolled to the middle of the screen, her finger on its Acknowledge.
    const card = page.locator('#alerts > li[data-alert="fall-2"]');
    const acknowledge = card.getByRole('button', { name: /^Acknowledge/ });
    await acknowledge.evaluate((b) => b.scrollIntoView({ block: 'center' }));
    const before = await topOnScreen(page, acknowledge);
    const box = (await acknowledge.boundingBox())!;
    const under = `document.elementFromPoint(${box.x + box.width / 2}, ${box.y + box.height / 2})?.closest('li')?.dataset.alert`;
    expect(await page.evaluate(under)).toBe('fall-2');

    const at = new Date().toISOString();
    await storeAlert(
      stage.env.pool,
      'hub-a',
      hubAlert('press-9', { homeId: 'flat-9', kind: 'pendant', severity: 'critical', raisedAt: at, lastSeenAt: at }),
    );
    await page.locator('#alerts > li').nth(4).waitFor(WAIT);
    expect(await page.locator('#alerts > li').first().getAttribute('data-alert')).toBe('press-9');
    // Before: a card's height lower, and the tap would have landed on another call's card.
    const after = await topOnScreen(page, acknowledge);
    expect(Math.abs(after - before), `${after} px, was ${before} px`).toBeLessThanOrEqual(1);
    expect(await page.evaluate(under)).toBe('fall-2');

    // Out of sight above her, the new call is said at the top of the screen; pressed, it shows it.
    const notice = page.getByRole('button', { name: /^↑ New alert above: Pendant/ });
    await notice.waitFor(WAIT);
    await notice.click();
    const call = (await page.locator('#alerts > li[data-alert="press-9"]').boundingBox())!;
    // Its top at the screen's top (to a fraction of a pixel).
    expect(call.y).toBeGreaterThan(-1);
    expect(call.y).toBeLessThan(844);
    await notice.waitFor({ state: 'hidden', ...WAIT });
  }, 120_000);
});
