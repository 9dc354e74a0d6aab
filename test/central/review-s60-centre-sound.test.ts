// Review, session 60: the alarm centre's console had no sound at all. The hubs' consoles beep for a critical alert (once
// the operator turns the sound on: browsers play nothing before a gesture), and since round 2 of this session say and
// sound a critical alert repeated after an acknowledgement (a pendant pressed again: the resident still needs help).
// At the centre, where one operator watches every hub, a new pendant press was silent and a press again after the
// call was taken changed only "Seen 2 times" in a card's small print. Now both consoles share the sound
// (`criticalSound`) and the repeat's announcement (`repeatedAfterAck`). Debian's chromium, the real console and
// PostgreSQL; alert versions stored as the workers store them; the page's AudioContext replaced by one that counts the
// tones it is asked to play (no sound card here, nothing timed).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { COUNTING_AUDIO } from '../support/screen.js';
import {
  ADMIN_PASSWORD,
  hubAlert,
  missingForConsole,
  startConsoleEnv,
  storeAlert,
  storeHub,
  type ConsoleEnv,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the centre sound test: ${missing}`);
const runnable = missing === undefined && chromiumAvailable('the centre sound test');

const WAIT = { timeout: 15_000, interval: 20 };

describe.skipIf(!runnable)("review s60: the centre's console and a critical call", () => {
  let env: ConsoleEnv;
  let browser: Browser;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    [env, browser] = await Promise.all([startConsoleEnv(), launchChromium()]);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await env?.stop();
  });

  async function consoleWithSound(): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    await context.addInitScript(COUNTING_AUDIO);
    const page = await context.newPage();
    await page.goto(`${env.url}/alerts`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${env.url}/alerts`);
    await page.getByText('Live: connected').waitFor(WAIT);
    await page.getByRole('button', { name: 'Sound for critical alerts: off' }).click();
    await page.locator('#sound[aria-pressed="true"]').waitFor(WAIT);
    return page;
  }

  const tones = (page: Page): Promise<number> => page.evaluate<number>('window.tones');

  it('beeps for a new critical call, and says and sounds one pressed again after an operator took it', async () => {
    await storeHub(env.pool, 'hub-7', { status: 'online', lastSeenAt: new Date() });
    const page = await consoleWithSound();
    const at = new Date().toISOString();
    const press = { kind: 'pendant', severity: 'critical', raisedAt: at, lastSeenAt: at, room: 'living' };
    await storeAlert(env.pool, 'hub-7', hubAlert('p1', press));
    const card = page.locator('li[data-hub="hub-7"][data-alert="p1"]');
    await card.waitFor(WAIT);
    // Before: no sound at all (no toggle either).
    await expect.poll(() => tones(page), WAIT).toBe(3);

    const taken = { ...press, state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: 'centre:ann' };
    await storeAlert(env.pool, 'hub-7', hubAlert('p1', { ...taken, version: 2 }));
    await expect.poll(() => card.innerText(), WAIT).toMatch(/acknowledged/i);
    expect(await tones(page)).toBe(3);

    // Pressed again: the hub's alert seen twice, still acknowledged.
    await storeAlert(env.pool, 'hub-7', hubAlert('p1', { ...taken, version: 3, count: 2 }));
    await page.locator('#announcer', { hasText: 'again' }).waitFor(WAIT);
    expect(await page.locator('#announcer').textContent()).toBe(
      'Critical alert again: Pendant at hub hub-7, seen 2 times, acknowledged by centre:ann',
    );
    expect(await tones(page)).toBe(6);
  });
});
