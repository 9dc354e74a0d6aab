// In a real browser (Debian chromium): the console's live stream drops and EventSource reconnects with
// Last-Event-ID; it gets only what changed meanwhile and keeps every alert that did not change.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { consoleBehindProxy, contextWithCookie, dashboardInChromium } from './in-chromium.js';
import { raiseAlert } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';

const haveChromium = chromiumAvailable('the console reconnect test');

const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock });
const behind = consoleBehindProxy(haveChromium, stage);

describe.skipIf(!haveChromium)('the responder console after its stream drops', () => {
  it('resumes from the last event: changes made meanwhile appear, alerts that did not change stay', async () => {
    const { base, proxy } = behind;
    const context = await contextWithCookie(stage.browser, base, behind.cookie);
    const page = await context.newPage();
    try {
      const steady = raiseAlert(stage.dashboard.alerts, clock, { kind: 'tamper', severity: 'medium' });
      const toAck = raiseAlert(stage.dashboard.alerts, clock, { kind: 'pendant' });
      const toResolve = raiseAlert(stage.dashboard.alerts, clock, { kind: 'smoke' });
      await page.goto(`${base}/console`);
      await page.locator(`#alert-${toResolve.id}`).waitFor();
      // A live version after the list, so the page holds an event id to resume from.
      const live = raiseAlert(stage.dashboard.alerts, clock, { kind: 'gas' });
      await page.locator(`#alert-${live.id}`).waitFor();

      proxy.cut();
      await page.getByText(/^No connection to the hub since .*: reconnecting…/).waitFor();
      expect(stage.dashboard.alerts.acknowledge(toAck.id, 'sam').ok).toBe(true);
      expect(stage.dashboard.alerts.resolve(toResolve.id, 'false-alarm', null, 'sam').ok).toBe(true);
      const meanwhile = raiseAlert(stage.dashboard.alerts, clock, { kind: 'co' });

      // EventSource reconnects by itself (retry: 3 s) and says where it was.
      await page.locator(`#alert-${meanwhile.id}`).waitFor({ timeout: 20_000 });
      await page.locator(`#alert-${toAck.id}[data-state="acknowledged"]`).waitFor();
      await page.locator(`#closed-${toResolve.id}`).waitFor();
      await page.getByText('Live: connected').waitFor();
      expect(await page.locator(`#alert-${toResolve.id}`).count()).toBe(0);
      // Not sent again, and not dropped either: still shown, once.
      expect(await page.locator(`#alert-${steady.id}`).count()).toBe(1);
      expect(await page.locator(`#alert-${live.id}`).count()).toBe(1);
      const streamRequests = proxy.sent.filter((chunk) => chunk.startsWith('GET /api/alerts/stream'));
      expect(streamRequests).toHaveLength(2);
      expect(streamRequests[1]).toMatch(/\r\nlast-event-id: [0-9a-f]+-\d+\r\n/i);
    } finally {
      await context.close();
    }
  }, 60_000);
});
