// In a real browser (Debian chromium): the console's live stream drops and EventSource reconnects with
// Last-Event-ID; it gets only what changed meanwhile and keeps every alert that did not change.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { listenLocally, raiseAlert, startDashboard, userWithRole, type Dashboard } from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { cuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';

const haveChromium = chromiumAvailable('the console reconnect test');

let dashboard: Dashboard;
let browser: Browser;
let proxy: CuttingProxy;
let cookie: string;
const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock });
  cookie = await userWithRole(dashboard.app, 'responder', 'sam');
  proxy = await cuttingProxy(await listenLocally(dashboard.app));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await dashboard?.close();
});

describe.skipIf(!haveChromium)('the responder console after its stream drops', () => {
  it('resumes from the last event: changes made meanwhile appear, alerts that did not change stay', async () => {
    const base = `http://127.0.0.1:${proxy.port}`;
    const context = await browser.newContext();
    const equals = cookie.indexOf('=');
    await context.addCookies([{ name: cookie.slice(0, equals), value: cookie.slice(equals + 1), url: base }]);
    const page = await context.newPage();
    try {
      const steady = raiseAlert(dashboard.alerts, clock, { kind: 'tamper', severity: 'medium' });
      const toAck = raiseAlert(dashboard.alerts, clock, { kind: 'pendant' });
      const toResolve = raiseAlert(dashboard.alerts, clock, { kind: 'smoke' });
      await page.goto(`${base}/console`);
      await page.locator(`#alert-${toResolve.id}`).waitFor();
      // A live version after the list, so the page holds an event id to resume from.
      const live = raiseAlert(dashboard.alerts, clock, { kind: 'gas' });
      await page.locator(`#alert-${live.id}`).waitFor();

      proxy.cut();
      await page.getByText(/^No connection to the hub since .*: reconnecting…/).waitFor();
      expect(dashboard.alerts.acknowledge(toAck.id, 'sam').ok).toBe(true);
      expect(dashboard.alerts.resolve(toResolve.id, 'false-alarm', null, 'sam').ok).toBe(true);
      const meanwhile = raiseAlert(dashboard.alerts, clock, { kind: 'co' });

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
