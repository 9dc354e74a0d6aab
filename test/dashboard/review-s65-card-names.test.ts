// What a screen reader names on the responder console's cards (review, session 65): each card's heading said the kind,
// severity and state ("Pendant critical raised") and its buttons "Acknowledge" and "Resolve…", so that two flats'
// pendant calls, or a pendant and a smoke alarm in one flat, sounded the same when read by heading, in the list of
// buttons, or as the keyboard reached them; the home came only in the line after. The real dashboard (real SQLite file,
// real alert service), the console in Debian's chromium at 390 px, keyboard only.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin, tabTo } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console, names of its cards');
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

/** The names of `role` in an aria snapshot: `- button "Acknowledge Pendant at h1"` → `Acknowledge Pendant at h1`. */
function names(snapshot: string, role: string): string[] {
  return [...snapshot.matchAll(new RegExp(`- ${role} "([^"]*)"`, 'g'))].map((m) => m[1]!);
}

describe.skipIf(!haveChromium)("the console's cards, as a screen reader names them", () => {
  it('names each card and each of its buttons with the alert and its home', async () => {
    const smoke = raiseAlert(stage.dashboard.alerts, clock, {
      kind: 'smoke',
      homeId: 'h1',
      room: 'kitchen',
      detail: { deviceId: 'smoke-1' },
    });
    clock.advanceBy(1000);
    const first = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h1', detail: { deviceId: 'p1' } });
    clock.advanceBy(1000);
    const second = raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h2', detail: { deviceId: 'p2' } });
    const context = await stage.browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const page = await context.newPage();
      await openThroughLogin(page, stage.base, '/console', 'sam', USER_PASSWORD);
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      await page.locator('#alerts > li').nth(2).waitFor();

      const list = await page.locator('#alerts').ariaSnapshot();
      const headings = names(list, 'heading');
      expect(headings).toHaveLength(3);
      expect(new Set(headings).size).toBe(3);
      for (const where of ['Pendant at h2', 'Pendant at h1', 'Smoke at h1']) {
        expect(headings.filter((h) => h.startsWith(where))).toHaveLength(1);
      }
      const buttons = names(list, 'button');
      expect(buttons).toHaveLength(6);
      expect(new Set(buttons).size).toBe(6);
      for (const [alert, about] of [
        [smoke, 'Smoke at h1'],
        [first, 'Pendant at h1'],
        [second, 'Pendant at h2'],
      ] as const) {
        const card = page.locator(`#alert-${alert.id}`);
        // The visible words first, as a voice control user says them.
        await card.getByRole('button', { name: `Acknowledge ${about}`, exact: true }).waitFor();
        await card.getByRole('button', { name: `Resolve… ${about}`, exact: true }).waitFor();
      }

      // As the keyboard reaches them: the second card's Acknowledge says whose it is.
      await tabTo(page, (f) => f.card === first.id && f.text === 'Acknowledge');
      expect(await page.locator(':focus').ariaSnapshot()).toMatch(/^- button "Acknowledge Pendant at h1"/);
      // Its resolve form is named too (a form landmark), apart from another one open.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('form', { name: 'Resolve Pendant at h1', exact: true }).waitFor();
      await page.locator(`#alert-${second.id}`).getByRole('button', { name: 'Resolve…' }).click();
      await page.getByRole('form', { name: 'Resolve Pendant at h2', exact: true }).waitFor();
    } finally {
      await context.close();
    }
  }, 120_000);
});
