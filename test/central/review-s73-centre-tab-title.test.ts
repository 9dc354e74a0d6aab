// The centre's console from its tab (review, session 73; the hub's console since session 65:
// test/dashboard/review-s65-tab-title.test.ts). Its title said "Alerts · Telecare centre" whatever happened: an operator
// with the call-handling system in front and the console in a background tab, its sound off, saw a new critical call
// nowhere, and a console whose stream was down looked, from the tab, as quiet as one with nothing open. A call scrolled
// past on a narrow screen when the stream dropped was no better: the live line at the top said it, nothing else.
// Debian's chromium, the real console and PostgreSQL (alert versions stored and NOTIFYed as the workers do), a TCP
// proxy that cuts the screen's connections and keeps it out.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { boxOnScreen, pressableUnder } from '../support/screen.js';
import { hubAlert, logInAt, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the centre's console, its tab title");
const WAIT = { timeout: 20_000, interval: 20 };

async function titleBecomes(page: Page, title: string): Promise<void> {
  await expect.poll(() => page.title(), WAIT).toBe(title);
}

describe.skipIf(!runnable)("review s73: the centre's console, its tab title", () => {
  const stage = centreConsoleInChromium();
  let proxy: CuttingProxy;
  let base: string;

  beforeAll(async () => {
    proxy = await cuttingProxy(Number(new URL(stage.env.url).port));
    base = `http://127.0.0.1:${proxy.port}`;
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('says what waits for acknowledgement, how much is critical, and when the screen is not live', async () => {
    await storeHub(stage.env.pool, 'hub-a', { status: 'online', lastSeenAt: new Date() });
    const context = await stage.newContext({ viewport: { width: 360, height: 640 }, locale: 'en-GB' });
    const page = await context.newPage();
    await logInAt(page, { url: base });
    await page.getByText('Live: connected').waitFor(WAIT);
    await titleBecomes(page, 'Alerts · Telecare centre');

    const at = new Date().toISOString();
    const silence = hubAlert('s73-silence', { homeId: 'flat-3', raisedAt: at, lastSeenAt: at });
    await storeAlert(stage.env.pool, 'hub-a', silence);
    await titleBecomes(page, '1 waiting · Alerts · Telecare centre');
    const press = hubAlert('s73-press', {
      homeId: 'flat-1',
      kind: 'pendant',
      severity: 'critical',
      raisedAt: at,
      lastSeenAt: at,
    });
    await storeAlert(stage.env.pool, 'hub-a', press);
    await titleBecomes(page, '2 waiting (1 critical) · Alerts · Telecare centre');
    // Acknowledged at the hub: no longer waiting.
    await storeAlert(stage.env.pool, 'hub-a', {
      ...press,
      state: 'acknowledged',
      acknowledgedBy: 'warden',
      acknowledgedAt: new Date().toISOString(),
      version: 2,
    });
    await titleBecomes(page, '1 waiting · Alerts · Telecare centre');

    // Scrolled down the list when the stream is cut and kept out: the tab and the screen say so.
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    expect((await boxOnScreen(page, page.locator('#connection'))).bottom).toBeLessThan(0);
    proxy.hold();
    await titleBecomes(page, 'No connection · 1 waiting · Alerts · Telecare centre');
    const notice = page.locator('.out-of-date');
    await notice.waitFor({ state: 'visible', ...WAIT });
    expect(await notice.textContent()).toMatch(
      /^No connection since \d\d:\d\d:\d\d \(just now\): this list may be out/,
    );
    expect(await pressableUnder(page, await boxOnScreen(page, notice))).toEqual([]);
    proxy.admit();
    await titleBecomes(page, '1 waiting · Alerts · Telecare centre');
    await notice.waitFor({ state: 'hidden', ...WAIT });

    await storeAlert(stage.env.pool, 'hub-a', { ...silence, state: 'resolved', outcome: 'false-alarm', version: 2 });
    await storeAlert(stage.env.pool, 'hub-a', { ...press, state: 'resolved', outcome: 'false-alarm', version: 3 });
    await titleBecomes(page, 'Alerts · Telecare centre');
  }, 120_000);
});
