// The centre's console and its sound after a reload or a new login (review, session 65, round 3). The hub's console
// remembers its responder's choice since round 2; the centre's, where one operator watches every hub, did not: an
// operator who had turned the sound on found it off after a reload at night or logging in again (the button's words
// alone said so), and critical calls came in silence. Both consoles now share the remembered sound
// (`rememberedSound` in alert-cards.js): chosen on, the browser still plays nothing before a click or a key on the
// page, so a banner and the live line ask for one. Debian's chromium with its own autoplay rule (no flag lets the page
// play before a gesture), the real console and PostgreSQL, alert versions stored as the workers store them; the page's
// real AudioContext counts the tones it plays while it is allowed to (`COUNT_PLAYED_TONES`).
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { COUNT_PLAYED_TONES, tonesPlayed } from '../support/screen.js';
import { hubAlert, logInAt, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the centre's remembered sound test");

const WAIT = { timeout: 15_000, interval: 20 };

describe.skipIf(!runnable)("review s65c: the centre's console, its sound opened again", () => {
  const stage = centreConsoleInChromium();
  let context: BrowserContext | undefined;

  /** A critical pendant call from `hubId`, its card waited for on `page`. */
  async function criticalCall(page: Page, hubId: string, alertId: string): Promise<void> {
    const at = new Date().toISOString();
    await storeAlert(
      stage.env.pool,
      hubId,
      hubAlert(alertId, { kind: 'pendant', severity: 'critical', raisedAt: at, lastSeenAt: at, room: 'living' }),
    );
    await page.locator(`li[data-hub="${hubId}"][data-alert="${alertId}"]`).waitFor(WAIT);
  }

  it('remembers it was on after a reload and a new login, asks for one click, and sounds after it', async () => {
    await storeHub(stage.env.pool, 'hub-s1', { status: 'online', lastSeenAt: new Date() });
    context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    await context.addInitScript(COUNT_PLAYED_TONES);
    const page = await context.newPage();
    await logInAt(page, stage.env);
    const line = page.locator('#connection');
    const banner = page.locator('#sound-banner');
    await line.getByText('Live: connected', { exact: true }).waitFor(WAIT);
    // Never turned on: off, as before, and nothing asked.
    expect(await banner.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Sound for urgent alerts: off' }).click();
    await page.locator('#sound[aria-pressed="true"]').waitFor(WAIT);
    await criticalCall(page, 'hub-s1', 'p1');
    await expect.poll(() => tonesPlayed(page), WAIT).toBe(3);

    // Reloaded at night: the browser holds the sound back until a gesture, and the page says so.
    await page.reload();
    await line.getByText(/^Live: connected · Sound off until you click on this page or press a key$/).waitFor(WAIT);
    await banner.getByText('The sound for urgent alerts is off until you click on this page').waitFor(WAIT);
    expect(await page.locator('#sound').getAttribute('aria-pressed')).toBe('false');
    await criticalCall(page, 'hub-s1', 'p2');
    expect(await tonesPlayed(page)).toBe(0);

    // One click: on, as chosen, without a second press of the sound button; the next call is heard.
    await banner.getByRole('button', { name: 'Turn the sound on' }).click();
    await page.locator('#sound[aria-pressed="true"]').waitFor(WAIT);
    expect(await banner.isVisible()).toBe(false);
    await line.getByText('Live: connected', { exact: true }).waitFor(WAIT);
    await criticalCall(page, 'hub-s1', 'p3');
    await expect.poll(() => tonesPlayed(page), WAIT).toBe(3);

    // A new login at the same workstation (the session ended): on again, and heard. The login form's click carries the
    // gesture the browser waits for to the console it opens, so nothing is asked here; before, the sound was off.
    await context.clearCookies();
    await logInAt(page, stage.env);
    await line.getByText('Live: connected', { exact: true }).waitFor(WAIT);
    await page.locator('#sound[aria-pressed="true"]').waitFor(WAIT);
    expect(await banner.isVisible()).toBe(false);
    // The three calls still open were on the list it opened with (heard, if the sound was on by then): counted from here.
    await page.locator('li[data-hub="hub-s1"][data-alert="p3"]').waitFor(WAIT);
    const heard = await tonesPlayed(page);
    await criticalCall(page, 'hub-s1', 'p4');
    await expect.poll(() => tonesPlayed(page), WAIT).toBe(heard + 3);

    // Turned off: it stays off at the next opening, and nothing is asked.
    await page.getByRole('button', { name: 'Sound for urgent alerts: on' }).click();
    await page.reload();
    await line.getByText('Live: connected', { exact: true }).waitFor(WAIT);
    expect(await banner.isVisible()).toBe(false);
    expect(await page.locator('#sound').textContent()).toBe('Sound for urgent alerts: off');
  }, 120_000);
});
