// Review, session 77: a carbon monoxide alarm's card on the responder console was headed "Co" (the kind's id with a
// capital), which a responder at 3 a.m. has to decode and a screen reader says as "co". The card, its buttons' names
// and the page's announcement now say "Carbon monoxide"; every other kind as before. The real dashboard (real SQLite
// file, real alert service), the console in Debian's chromium.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console, a carbon monoxide card');
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

describe.skipIf(!haveChromium)('a carbon monoxide alarm on the console', () => {
  it('is headed "Carbon monoxide", not "Co"; a smoke alarm as before', async () => {
    const co = raiseAlert(stage.dashboard.alerts, clock, {
      kind: 'co',
      homeId: 'h1',
      room: 'kitchen',
      detail: { eventType: 'co', deviceId: 'co-kitchen' },
    });
    clock.advanceBy(1000);
    const smoke = raiseAlert(stage.dashboard.alerts, clock, {
      kind: 'smoke',
      homeId: 'h2',
      room: 'hall',
      detail: { eventType: 'smoke', deviceId: 'smoke-hall' },
    });
    const context = await stage.browser.newContext({ viewport: { width: 1024, height: 800 } });
    try {
      const page = await context.newPage();
      await openThroughLogin(page, stage.base, '/console', 'sam', USER_PASSWORD);
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      const coCard = page.locator(`#alert-${co.id}`);
      await coCard.getByRole('button', { name: 'Acknowledge Carbon monoxide at h1', exact: true }).waitFor();
      expect(await coCard.locator('h3, h2').first().innerText()).toMatch(/^Carbon monoxide/);
      expect(await coCard.innerText()).not.toMatch(/\bCo\b/);
      expect(await coCard.innerText()).toContain('carbon monoxide detected by co-kitchen');
      await page
        .locator(`#alert-${smoke.id}`)
        .getByRole('button', { name: 'Acknowledge Smoke at h2', exact: true })
        .waitFor();
    } finally {
      await context.close();
    }
  }, 120_000);
});
