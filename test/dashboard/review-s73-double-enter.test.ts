// Enter pressed twice on a card's Acknowledge (review, session 73). While the first acknowledgement waited for the
// hub's answer, its button disabled, the keyboard was put on the card's next button, Resolve…, and the second Enter
// opened the resolve form: a responder who pressed twice because the first seemed not to take found a form she had
// not asked for, the keyboard in its Outcome. The card now holds the keyboard while its Acknowledge waits. The real
// dashboard, the acknowledgement's answer held back with `page.route` (a slow link), Debian's chromium at 360 px.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { focused } from '../support/screen.js';
import { contextWithCookie, dashboardInChromium } from './in-chromium.js';
import { raiseAlert, userWithRole } from './support.js';

const haveChromium = chromiumAvailable('Enter pressed twice on Acknowledge');
const clock = new FakeClock(Date.UTC(2026, 11, 7, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });

describe.skipIf(!haveChromium)('Enter pressed twice on Acknowledge', () => {
  it('sends one acknowledgement, opens no form, and keeps the keyboard on the card', async () => {
    const cookie = await userWithRole(stage.dashboard.app, 'responder', 'sam');
    const press = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h1', detail: { deviceId: 'p1' } });
    const context = await contextWithCookie(stage.browser, stage.base, cookie, {
      viewport: { width: 360, height: 800 },
      locale: 'en-GB',
    });
    try {
      const page = await context.newPage();
      const acks: string[] = [];
      let letThrough: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (letThrough = resolve));
      await page.route('**/api/alerts/*/ack', async (route) => {
        acks.push(route.request().url());
        await held;
        await route.continue();
      });
      await page.goto(`${stage.base}/console`);
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      const card = page.locator(`#alert-${press.id}`);
      await card.getByRole('button', { name: /^Acknowledge/ }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => acks.length).toBe(1);
      await page.keyboard.press('Enter');
      // Before: the second Enter pressed Resolve…: the form open, the keyboard in its Outcome.
      expect(await card.locator('form').count()).toBe(0);
      expect(await focused(page)).toMatchObject({ card: press.id });
      letThrough();
      await page.locator(`#alert-${press.id}[data-state="acknowledged"]`).waitFor();
      expect(acks).toHaveLength(1);
      expect(await card.locator('form').count()).toBe(0);
      // Answered: the keyboard on the card's next action, as before.
      await expect.poll(() => focused(page)).toMatchObject({ card: press.id, text: 'Resolve…' });
    } finally {
      await context.close();
    }
  }, 60_000);
});
