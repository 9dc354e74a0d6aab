// An alert closed while the console's stream was away, on a reconnection that lists the open alerts afresh, shows in "Recently closed" (it vanished).
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { JOURNAL_SIZE } from '../../dashboard/routes/alert-stream.js';
import { REPEAT_PACE_MS } from '../../hub/alerts/pacing.js';
import { consoleBehindProxy, contextWithCookie, dashboardInChromium } from './in-chromium.js';
import { raiseAlert } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';

const haveChromium = chromiumAvailable('the console reconnect (afresh) test');

const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });
const behind = consoleBehindProxy(haveChromium, stage);

describe.skipIf(!haveChromium)('the responder console after a reconnection it cannot resume', () => {
  it('lists an alert resolved meanwhile under "Recently closed", with its outcome, instead of dropping it', async () => {
    const { base, proxy } = behind;
    const context = await contextWithCookie(stage.browser, base, behind.cookie);
    const page = await context.newPage();
    try {
      const press = raiseAlert(stage.dashboard.alerts, clock, { kind: 'pendant' });
      const tamper = raiseAlert(stage.dashboard.alerts, clock, { kind: 'tamper', severity: 'medium', homeId: 'h2' });
      await page.goto(`${base}/console`);
      await page.locator(`#alert-${press.id}`).waitFor();
      await page.getByText('Live: connected').waitFor();

      proxy.cut();
      await page.getByText(/^No connection to the hub since .*: reconnecting…/).waitFor();
      // Another responder resolves the press; then more versions than the hub's journal holds (a tamper that keeps
      // reporting, once a second: faster, its repeats are paced into fewer versions, session 64), so the console's
      // last event id is too far behind: the open alerts are listed afresh.
      expect(stage.dashboard.alerts.resolve(press.id, 'carer-visit', 'Carer found her well', 'kim').ok).toBe(true);
      for (let i = 0; i <= JOURNAL_SIZE; i++) {
        clock.advanceBy(REPEAT_PACE_MS);
        raiseAlert(stage.dashboard.alerts, clock, { kind: 'tamper', severity: 'medium', homeId: 'h2' });
      }

      await page.getByText('Live: connected').waitFor({ timeout: 30_000 });
      await page.locator(`#alert-${tamper.id}`).waitFor();
      expect(await page.locator(`#alert-${press.id}`).count()).toBe(0);
      // Before: gone from the open list and absent from "Recently closed": the press read as never dealt with.
      const closed = page.locator(`#closed-${press.id}`);
      await closed.waitFor();
      expect(await closed.innerText()).toMatch(
        /^Pendant · h1 · living · resolved: Carer visit \("Carer found her well"\) · /,
      );
    } finally {
      await context.close();
    }
  }, 90_000);

  it('lists under "Recently closed" an alert raised and closed while it was away, though no card it showed closed', async () => {
    const { base, proxy } = behind;
    const context = await contextWithCookie(stage.browser, base, behind.cookie);
    const page = await context.newPage();
    try {
      const tamper = raiseAlert(stage.dashboard.alerts, clock, { kind: 'tamper', severity: 'medium', homeId: 'h2' });
      await page.goto(`${base}/console`);
      await page.locator(`#alert-${tamper.id}`).waitFor();
      await page.getByText('Live: connected').waitFor();

      proxy.cut();
      await page.getByText(/^No connection to the hub since .*: reconnecting…/).waitFor();
      // A smoke alarm in another flat, raised and resolved while the console was away; the tamper's repeats overrun the
      // journal, so the console lists afresh. Every card it showed is still open (review, session 64: the hub's
      // console read "Recently closed" again only when a card it showed had gone, so this call was nowhere).
      const smoke = raiseAlert(stage.dashboard.alerts, clock, { kind: 'smoke', homeId: 'h3', room: 'kitchen' });
      expect(stage.dashboard.alerts.resolve(smoke.id, 'false-alarm', 'Toast', 'kim').ok).toBe(true);
      for (let i = 0; i <= JOURNAL_SIZE; i++) {
        clock.advanceBy(REPEAT_PACE_MS);
        raiseAlert(stage.dashboard.alerts, clock, { kind: 'tamper', severity: 'medium', homeId: 'h2' });
      }

      await page.getByText('Live: connected').waitFor({ timeout: 30_000 });
      await page.locator(`#alert-${tamper.id}`).waitFor();
      const closed = page.locator(`#closed-${smoke.id}`);
      await closed.waitFor({ timeout: 15_000 });
      expect(await closed.innerText()).toMatch(/^Smoke · h3 · kitchen · resolved: False alarm \("Toast"\) · /);
    } finally {
      await context.close();
    }
  }, 90_000);
});
