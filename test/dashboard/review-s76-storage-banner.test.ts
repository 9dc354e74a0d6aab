// Review, session 76: the console's storage banner (role=alert: the hub cannot store, alerts held in memory) was
// written anew at every look at the hub's health, every 10 s, with the same words: a screen reader read the alert
// again every 10 s for as long as the fault lasted (the centre's banner was already written only when it changed,
// session 75). (A console opened during the fault says it at once: the look made when it starts, kept checked here.)
// Real interfaces: an in-process hub whose SQLite file another connection holds (BEGIN EXCLUSIVE, as another process
// would), an event posted over HTTP waiting for it, Debian's chromium logged in through the form, the page's own clock
// installed so that its 10 s looks come when the test moves it on.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { adminSession, dashboardUrl, startTestHub, TEST_ADMIN_PASSWORD } from '../support/in-process-hub.js';
import { loggedInPage } from '../support/screen.js';

const haveChromium = chromiumAvailable("the console's storage banner");

let browser: Browser | undefined;
let dir: string;
let hub: RunningHub | undefined;
let locker: Database.Database | undefined;

beforeAll(async () => {
  if (haveChromium) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  if (locker?.inTransaction) locker.exec('ROLLBACK');
  locker?.close();
  locker = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)("the console's storage banner", () => {
  it('is not written again while its words stay the same (said at once when the console opens)', async () => {
    dir = tempDir('review-s76-storage-banner');
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const base = dashboardUrl(hub);
    const cookie = await adminSession(hub);
    const page = await loggedInPage(browser!, base, 1024, 'admin', TEST_ADMIN_PASSWORD);
    try {
      // Another connection holds the database: a sensor event waits for it, and storage is degraded.
      locker = new Database(path.join(dir, 'data', 'hub.db'));
      locker.exec('BEGIN EXCLUSIVE');
      locker.prepare('UPDATE events SET room = room WHERE 0').run();
      const waiting = fetch(`${base}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base, cookie },
        body: JSON.stringify({ homeId: 'h1', deviceId: 'm1', type: 'motion', value: true }),
      }).catch(() => undefined);
      await expect
        .poll(
          async () =>
            ((await (await fetch(`${base}/api/health`, { headers: { cookie } })).json()) as { status?: string }).status,
          { timeout: 20_000, interval: 100 },
        )
        .toBe('degraded');

      // The console opened now, its timers held: the look made at its start shows the banner.
      const now = Date.now();
      await page.clock.install({ time: now });
      await page.clock.pauseAt(now + 1_000);
      const looks: string[] = [];
      page.on('requestfinished', (request) => {
        if (request.url().endsWith('/api/health')) looks.push(request.url());
      });
      await page.goto(`${base}/console`);
      const banner = page.locator('#storage-banner');
      await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(true);
      expect(await banner.innerText()).toMatch(/^Storage problem on the hub \(SQLITE_BUSY/);
      expect(await banner.getAttribute('role')).toBe('alert');

      // Two more looks, the same words: the region is not touched (before: written again at each).
      await page.evaluate(`
        window.bannerWrites = 0;
        new MutationObserver((records) => (window.bannerWrites += records.length)).observe(
          document.getElementById('storage-banner'),
          { childList: true, characterData: true, subtree: true },
        );
      `);
      const before = looks.length;
      await page.clock.runFor(10_000);
      await expect.poll(() => looks.length, { timeout: 20_000 }).toBe(before + 1);
      await page.clock.runFor(10_000);
      await expect.poll(() => looks.length, { timeout: 20_000 }).toBe(before + 2);
      // The first look's answer was applied before the second was asked for (each runs when the page's clock moves).
      expect(await page.evaluate('window.bannerWrites')).toBe(0);
      expect(await banner.isVisible()).toBe(true);

      // The lock goes: the event is stored, and the next look clears the banner.
      locker.exec('COMMIT');
      await waiting;
      await page.clock.runFor(10_000);
      await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(false);
    } finally {
      await page.context().close();
    }
  }, 90_000);
});
