// The responder console's sound after a reload (review, session 65, round 2): a responder who had turned the sound on
// found it off after a reload at night or a new login, and nothing but the button's words said so, while critical
// calls came in silence. The browser plays nothing before a click or a key on the page, so the console now remembers
// the choice, and while the browser holds the sound back it asks for one click (a banner, the live line). The real
// dashboard in-process (real SQLite file, real alert service), the console in Debian's chromium with its own autoplay
// rule (no flag lets the page play before a gesture); the page's real AudioContext counts the tones it plays while
// it is allowed to (`running`), mirrored on the page's root element so that reading them gives the page no gesture.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { COUNT_PLAYED_TONES, loggedInPage, tonesPlayed } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console, its sound after a reload');
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

describe.skipIf(!haveChromium)("the console's sound, opened again", () => {
  it('remembers it was on, asks for one click while the browser holds it back, and sounds after that click', async () => {
    const page = await loggedInPage(stage.browser, stage.base, 390, 'sam', USER_PASSWORD);
    try {
      await page.context().addInitScript(COUNT_PLAYED_TONES);
      await page.reload();
      const line = page.locator('#connection');
      await line.getByText('Live: connected', { exact: true }).waitFor();
      const banner = page.locator('#sound-banner');
      // Never turned on: off, as before, and nothing asked.
      expect(await banner.isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Sound for urgent alerts: off' }).click();
      await page.locator('#sound[aria-pressed="true"]').waitFor();
      raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h1', detail: { deviceId: 'p1' } });
      await expect.poll(() => tonesPlayed(page), { timeout: 15_000 }).toBe(3);

      // Reloaded at night: the browser holds the sound back until a gesture, and the page says so.
      await page.reload();
      await line.getByText(/^Live: connected · Sound off until you click on this page or press a key$/).waitFor();
      await banner.getByText('The sound for urgent alerts is off until you click on this page').waitFor();
      expect(await page.locator('#sound').getAttribute('aria-pressed')).toBe('false');
      const silent = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h2', detail: { deviceId: 'p2' } });
      await page.locator(`#alert-${silent.id}`).waitFor();
      expect(await tonesPlayed(page)).toBe(0);

      // One click: on, as chosen, without a second press of the sound button.
      await banner.getByRole('button', { name: 'Turn the sound on' }).click();
      await page.locator('#sound[aria-pressed="true"]').waitFor();
      expect(await banner.isVisible()).toBe(false);
      await line.getByText('Live: connected', { exact: true }).waitFor();
      raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h3', detail: { deviceId: 'p3' } });
      await expect.poll(() => tonesPlayed(page), { timeout: 15_000 }).toBe(3);

      // Turned off: it stays off at the next opening, and nothing is asked.
      await page.getByRole('button', { name: 'Sound for urgent alerts: on' }).click();
      await page.reload();
      await line.getByText('Live: connected', { exact: true }).waitFor();
      expect(await banner.isVisible()).toBe(false);
      expect(await page.locator('#sound').textContent()).toBe('Sound for urgent alerts: off');
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
