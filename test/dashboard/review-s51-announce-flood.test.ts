// Review, session 51: a flood of alerts that arrived over several seconds (a centre's hubs coming back, alerts stored
// one by one on a busy server) was said to a screen reader every 300 ms, each sentence cutting off the one before:
// 40 alerts 100 ms apart made 14 sentences. The consoles' announcer (dashboard/public/alert-cards.js, the hub's and the
// centre's) now says what it gathered once the alerts stop coming for a moment, or once the first of them has waited
// 2 s. Debian's chromium on the real dashboard's assets; the page's timers on Playwright's clock, paused, so the
// spacing of the alerts is exact on a loaded machine.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { cannedAnalytics } from './support.js';
import { chromiumAvailable } from '../support/chromium.js';
import { dashboardInChromium } from './in-chromium.js';

const haveChromium = chromiumAvailable('announcing a flood of alerts');

const screen = dashboardInChromium(haveChromium, {
  clock: new FakeClock(Date.UTC(2026, 11, 4, 3, 0, 0)),
  analytics: cannedAnalytics(),
});

/** A page of the dashboard with the consoles' announcer on an aria-live region, and what it says, by fake time. */
async function announcerPage(): Promise<{ page: Page; add: (id: string, severity: string) => Promise<void> }> {
  const context = await screen.browser.newContext();
  const page = await context.newPage();
  await page.clock.install({ time: Date.UTC(2026, 11, 4, 3, 0, 0) });
  await page.goto(`${screen.base}/login`);
  // Time moves only when the test moves it (runFor), however slowly the machine answers meanwhile.
  await page.clock.pauseAt(Date.UTC(2026, 11, 4, 3, 1, 0));
  // A string, not a function: vitest would rewrite a function's dynamic import into its own loader.
  await page.evaluate(`(async () => {
    const cards = await import('/assets/alert-cards.js');
    const region = document.createElement('div');
    region.setAttribute('aria-live', 'assertive');
    document.body.append(region);
    const said = [];
    new MutationObserver(() => {
      if (region.textContent) said.push({ at: performance.now(), text: region.textContent });
    }).observe(region, { childList: true, characterData: true, subtree: true });
    const announcer = cards.alertAnnouncer(region, (a) => 'Pendant at ' + a.id);
    announcer.listing();
    announcer.listed(); // the page's first list: nothing open
    Object.assign(window, { said, announcer });
  })()`);
  const add = async (id: string, severity: string): Promise<void> => {
    await page.evaluate(
      ([alertId, sev]) =>
        (globalThis as unknown as { announcer: { add: (a: unknown) => void } }).announcer.add({
          id: alertId,
          severity: sev,
          raisedAt: new Date().toISOString(),
        }),
      [id, severity] as const,
    );
  };
  return { page, add };
}

const said = (page: Page): Promise<{ at: number; text: string }[]> =>
  page.evaluate(() => (globalThis as unknown as { said: { at: number; text: string }[] }).said);

describe.skipIf(!haveChromium)('the consoles announcing new alerts', () => {
  it('say a flood that comes over seconds in a few sentences, the first within 2 s, with every alert counted', async () => {
    const { page, add } = await announcerPage();
    const start = await page.evaluate(() => performance.now());
    for (let i = 0; i < 40; i++) {
      await add(`f${String(i)}`, i === 25 ? 'critical' : 'medium');
      await page.clock.runFor(100);
    }
    await page.clock.runFor(1000);
    const sentences = await said(page);
    const counted = sentences.reduce(
      (n, s) => n + Number(/^(\d+) new alerts/.exec(s.text)?.[1] ?? (s.text.startsWith('New ') ? 1 : 0)),
      0,
    );
    expect(counted, JSON.stringify(sentences)).toBe(40);
    expect(sentences.length, JSON.stringify(sentences)).toBeLessThanOrEqual(3);
    // The first alerts are not held back until the flood ends: said 2 s after the first (and the announcer's 50 ms).
    expect(sentences[0]!.at - start, JSON.stringify(sentences)).toBeLessThanOrEqual(2100);
    // The critical one is named as the most urgent of its sentence.
    expect(sentences.some((s) => s.text.includes('Most urgent: critical Pendant at f25'))).toBe(true);
    await page.context().close();
  });

  it('still say a lone alert at once, and two apart as two sentences', async () => {
    const { page, add } = await announcerPage();
    await add('a1', 'critical');
    await page.clock.runFor(400);
    expect((await said(page)).map((s) => s.text)).toEqual(['New critical alert: Pendant at a1']);
    await page.clock.runFor(5000);
    await add('a2', 'high');
    await page.clock.runFor(400);
    expect((await said(page)).map((s) => s.text)).toEqual([
      'New critical alert: Pendant at a1',
      'New high alert: Pendant at a2',
    ]);
    await page.context().close();
  });
});
