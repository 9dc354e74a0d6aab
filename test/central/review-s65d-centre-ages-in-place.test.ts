// The centre's console and its ages (review, session 65, round 4). Every 30 s it drew its whole list anew, open cards
// and closed lines, only to move the ages on ("5 min ago") and add a date once a time was no longer today: a pause on
// a long list, and an operator on a card's button, or a screen reader in a card's text, had their place taken away with
// the card. The hub's console moves them on in place since round 2 (`movingTimes`); the centre's now does the same with
// the same code. Debian's chromium, the real console and PostgreSQL, alert versions stored as the workers store them;
// the page's clock moved on instead of waiting, and what is counted is how often each list has its children replaced
// (recorded from before the page's scripts run), not how long anything took.
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hubAlert, logInAt, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the centre's ages in place test");

const WAIT = { timeout: 15_000, interval: 20 };
/** Open calls on the console. */
const OPEN = 40;
/** Calls closed a minute before the page opens. */
const CLOSED = 3;

/** Counts, from before the page's scripts run, each time the open list or the closed list has its children replaced. */
const COUNT_DRAWS = `(() => {
  window.__draws = { alerts: 0, closed: 0 };
  document.addEventListener('DOMContentLoaded', () => {
    for (const id of ['alerts', 'closed']) {
      new MutationObserver((records) => {
        window.__draws[id] += records.filter((r) => r.type === 'childList').length;
      }).observe(document.getElementById(id), { childList: true });
    }
  });
})()`;

function draws(page: Page): Promise<{ alerts: number; closed: number }> {
  return page.evaluate<{ alerts: number; closed: number }>('({ ...window.__draws })');
}

describe.skipIf(!runnable)("review s65d: the centre's console, its ages", () => {
  const stage = centreConsoleInChromium();
  let context: BrowserContext | undefined;

  it('move on in place: no card or closed line drawn anew, the keyboard stays where it was', async () => {
    const now = Date.now();
    const at = new Date(now).toISOString();
    await storeHub(stage.env.pool, 'hub-a', { status: 'online', lastSeenAt: new Date(now) });
    for (let i = 0; i < OPEN; i++) {
      await storeAlert(
        stage.env.pool,
        'hub-a',
        hubAlert(`open-${i}`, { homeId: `flat-${i}`, raisedAt: at, lastSeenAt: at }),
      );
    }
    // A minute ago, but never yesterday (UTC, the page's zone): run just after midnight, a minute ago was shown with
    // its date, as a closed line of another day rightly is (CI, session 69, 00:00:53 UTC).
    const closedAt = new Date(Math.max(now - 60_000, now - (now % 86_400_000))).toISOString();
    for (let i = 0; i < CLOSED; i++) {
      await storeAlert(
        stage.env.pool,
        'hub-a',
        hubAlert(`closed-${i}`, {
          homeId: `flat-c${i}`,
          state: 'resolved',
          raisedAt: closedAt,
          lastSeenAt: closedAt,
          resolvedAt: closedAt,
          outcome: 'false-alarm',
          version: 2,
        }),
      );
    }
    // A silent hub: the centre's own card says since when, with its age.
    await storeAlert(
      stage.env.pool,
      'hub-q',
      hubAlert('q1', { kind: 'hub-offline', homeId: null, room: null, detail: {} }),
      'centre',
    );
    await storeHub(stage.env.pool, 'hub-q', { status: 'offline', lastSeenAt: new Date(now - 5 * 60_000) });

    context = await stage.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
    await context.addInitScript(COUNT_DRAWS);
    const page = await context.newPage();
    await logInAt(page, stage.env);
    // The page's clock from the test's own now: the closed lines' day is the page's day.
    await page.clock.install({ time: now });
    await page.reload();
    await page.locator('#connection').getByText('Live: connected', { exact: true }).waitFor(WAIT);
    const cards = page.locator('#alerts > li');
    await expect.poll(() => cards.count(), WAIT).toBe(OPEN + 1);
    const closedLines = page.locator('#closed > li');
    await expect.poll(() => closedLines.count(), WAIT).toBe(CLOSED);
    const offline = page.locator('li[data-hub="hub-q"][data-alert="q1"]');
    await expect.poll(() => offline.innerText(), WAIT).toMatch(/No word from hub hub-q since .* \(5 min ago\)/);
    const fifth = page.locator('li[data-hub="hub-a"][data-alert="open-4"]');
    expect(await fifth.locator('.meta').innerText()).toContain('(just now)');
    // The closed lines' times, today's: no date yet.
    for (const line of await closedLines.locator('time').allInnerTexts()) expect(line).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    await fifth.getByRole('button', { name: /^Acknowledge/ }).focus();
    await page.evaluate(`window.__fifth = document.querySelector('li[data-hub="hub-a"][data-alert="open-4"]')`);
    await page.evaluate(`window.__firstClosed = document.querySelector('#closed > li')`);
    const before = await draws(page);

    // Two ticks of the ages: 30 s (still "just now") and a minute.
    await page.clock.fastForward(61_000);
    await expect.poll(() => fifth.locator('.meta').innerText(), WAIT).toContain('(1 min ago)');
    expect(await page.locator('#alerts .meta', { hasText: '(1 min ago)' }).count()).toBe(OPEN);
    await expect.poll(() => offline.innerText(), WAIT).toMatch(/No word from hub hub-q since .* \(6 min ago\)/);
    expect(await draws(page)).toEqual(before);
    expect(
      await page.evaluate<boolean>(
        `window.__fifth === document.querySelector('li[data-hub="hub-a"][data-alert="open-4"]') && window.__fifth.isConnected`,
      ),
    ).toBe(true);
    expect(
      await page.evaluate<boolean>(
        `window.__fifth.contains(document.activeElement) && /^Acknowledge/.test(document.activeElement.textContent)`,
      ),
    ).toBe(true);

    // Past midnight: the closed lines' times get their date, in place.
    const pageNow = await page.evaluate<number>('Date.now()');
    await page.clock.fastForward(Math.ceil(pageNow / 86_400_000) * 86_400_000 - pageNow + 120_000);
    await expect
      .poll(() => closedLines.locator('time').allInnerTexts(), WAIT)
      .toEqual(Array(CLOSED).fill(expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2}$/)));
    expect(await draws(page)).toEqual(before);
    expect(await page.evaluate<boolean>(`window.__firstClosed === document.querySelector('#closed > li')`)).toBe(true);

    // An alert that changes still draws the lists: a new call, and one closed.
    await storeAlert(stage.env.pool, 'hub-a', hubAlert('new-1', { homeId: 'flat-new', raisedAt: at, lastSeenAt: at }));
    await page.locator('li[data-hub="hub-a"][data-alert="new-1"]').waitFor(WAIT);
    await storeAlert(
      stage.env.pool,
      'hub-a',
      hubAlert('open-0', {
        homeId: 'flat-0',
        raisedAt: at,
        lastSeenAt: at,
        state: 'resolved',
        resolvedAt: at,
        outcome: 'false-alarm',
        version: 2,
      }),
    );
    await page.locator('#closed > li[data-key="hub-a open-0"]').waitFor(WAIT);
    const after = await draws(page);
    expect(after.alerts).toBeGreaterThan(before.alerts);
    expect(after.closed).toBeGreaterThan(before.closed);
  }, 120_000);
});
