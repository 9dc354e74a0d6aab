// Review, session 74: the consoles' aria-live region (`#announcer`, dashboard/public/alert-cards.js, the hub's and the
// centre's) kept its last sentence for good: a screen reader says a sentence as it comes, and one reading the page
// from the top later heard "2 open alerts (2 critical). Most urgent: critical Fall at h1" after the fall was resolved,
// or "Cannot reach the hub" long after the console was live again (found in session 73's review). Now a sentence is
// taken out ANNOUNCE_KEEP_MS after it was said, unless another took its place (which then stays its own full time).
// Debian's chromium on the real dashboard's assets; the page's timers on Playwright's clock, paused.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { cannedAnalytics } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';

const haveChromium = chromiumAvailable("the announcer's sentence taken out");

const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(Date.UTC(2026, 11, 7, 3, 0, 0)),
  analytics: cannedAnalytics(),
});

/** A dashboard page with an aria-live region, `say(text)` calling the consoles' `announce`, time moved by the test. */
async function regionPage(): Promise<{
  page: Page;
  say: (text: string) => Promise<void>;
  text: () => Promise<string>;
}> {
  const context = await screen.browser.newContext();
  const page = await context.newPage();
  await page.clock.install({ time: Date.UTC(2026, 11, 7, 3, 0, 0) });
  await page.goto(`${screen.base}/login`);
  await page.clock.pauseAt(Date.UTC(2026, 11, 7, 3, 1, 0));
  // A string, not a function: vitest would rewrite a function's dynamic import into its own loader.
  await page.evaluate(`(async () => {
    const cards = await import('/assets/alert-cards.js');
    const region = document.createElement('div');
    region.id = 'region';
    region.setAttribute('aria-live', 'assertive');
    document.body.append(region);
    Object.assign(window, { say: (text) => cards.announce(region, text), keepMs: cards.ANNOUNCE_KEEP_MS });
  })()`);
  return {
    page,
    say: (text) => page.evaluate((t) => (globalThis as unknown as { say: (t: string) => void }).say(t), text),
    text: async () => (await page.locator('#region').textContent()) ?? '',
  };
}

describe.skipIf(!haveChromium)("the consoles' announcer", () => {
  it('takes a sentence out a minute after it was said, unless another took its place', async () => {
    const { page, say, text } = await regionPage();
    const keepMs = await page.evaluate(() => (globalThis as unknown as { keepMs: number }).keepMs);
    expect(keepMs).toBe(60_000);
    await say('New critical alert: Fall at h1');
    await page.clock.runFor(50);
    expect(await text()).toBe('New critical alert: Fall at h1');
    // Said, and still there for a screen reader that comes to it within the minute.
    await page.clock.runFor(keepMs - 1_000);
    expect(await text()).toBe('New critical alert: Fall at h1');
    // Another sentence 59 s after the first: it stays its own full minute, not the first's last second.
    await say('Cannot reach the hub');
    await page.clock.runFor(50 + 2_000);
    expect(await text()).toBe('Cannot reach the hub');
    await page.clock.runFor(keepMs - 3_000);
    expect(await text()).toBe('Cannot reach the hub');
    // Before: there for good.
    await page.clock.runFor(2_000);
    expect(await text()).toBe('');
    await page.context().close();
  }, 60_000);
});
