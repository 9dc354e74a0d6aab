// At-the-screen helpers for the browser tests of both consoles: where the keyboard focus is, Tab until a control,
// and what an aria-live region has said (page scripts as strings: the tests compile without the DOM's types).
import type { Browser, Locator, Page } from 'playwright-core';
import { expect, vi } from 'vitest';

/** What has the keyboard focus: tag, text (or name), the key of its alert card, and its outline (visible focus). */
export interface Focused {
  tag: string;
  text: string;
  card: string | null;
  outline: string;
}

const FOCUSED = `(() => {
  const node = document.activeElement;
  return {
    tag: node.tagName.toLowerCase(),
    text: (node.textContent || '').trim() || node.getAttribute('name') || '',
    card: node.closest('li[data-key]') ? node.closest('li[data-key]').dataset.key : null,
    outline: getComputedStyle(node).outlineStyle,
  };
})()`;

export function focused(page: Page): Promise<Focused> {
  return page.evaluate<Focused>(FOCUSED);
}

/** Presses Tab until `want` holds for the focused control (at most 40 times); returns every stop on the way. */
export async function tabTo(page: Page, want: (f: Focused) => boolean): Promise<Focused[]> {
  const stops: Focused[] = [];
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    stops.push(now);
    if (want(now)) return stops;
  }
  throw new Error(`never reached: ${JSON.stringify(stops)}`);
}

/**
 * Starts recording what the aria-live region `#id` says: each time its text changes to something non-empty. Text
 * set again unchanged is not recorded, as screen readers do not read it out again.
 */
export async function recordLiveRegion(page: Page, id: string): Promise<() => Promise<string[]>> {
  await page.evaluate(`(() => {
    const said = [];
    window.__said = said;
    const region = document.getElementById(${JSON.stringify(id)});
    let last = region.textContent;
    new MutationObserver(() => {
      if (region.textContent && region.textContent !== last) said.push(region.textContent);
      last = region.textContent;
    }).observe(region, { childList: true, characterData: true, subtree: true });
  })()`);
  return () => page.evaluate<string[]>('window.__said');
}

/** What a page showed from its very first paint (see `watchFromStart`). */
export interface Seen {
  /** Each text of the live-connection line `#connection`, with how many alert cards were drawn at that moment. */
  connection: string[];
  /** Each non-empty text of the aria-live region `#announcer`. */
  said: string[];
  /** Each state of "No open alerts." (`#no-alerts`): `hidden`, or `shown [cards]`. */
  noAlerts: string[];
}

/**
 * Records, from before the page's own scripts run (an init script, so on every page this `page` opens), what the
 * live-connection line, the announcer and the empty-list note of a console say; read it with `seen(page)`.
 */
export async function watchFromStart(page: Page): Promise<void> {
  await page.addInitScript(`(() => {
    const seen = { connection: [], said: [], noAlerts: [] };
    window.__seen = seen;
    document.addEventListener('DOMContentLoaded', () => {
      const cards = () => document.querySelectorAll('#alerts li').length;
      const watch = (id, record, options) => {
        const node = document.getElementById(id);
        if (!node) return;
        record(node);
        new MutationObserver(() => record(node)).observe(node, options);
      };
      const text = { childList: true, characterData: true, subtree: true };
      watch('connection', (n) => seen.connection.push(n.textContent + ' [' + cards() + ']'), text);
      watch('announcer', (n) => n.textContent && seen.said.push(n.textContent), text);
      watch('no-alerts', (n) => seen.noAlerts.push(n.hidden ? 'hidden' : 'shown [' + cards() + ']'), {
        attributes: true,
      });
    });
  })()`);
}

export function seen(page: Page): Promise<Seen> {
  return page.evaluate<Seen>('window.__seen');
}

/**
 * A page logged in through the login form by keyboard (en-GB, Europe/London, `width` × 844), at the console or the
 * council page the role lands on.
 */
export async function loggedInPage(
  browser: Browser,
  base: string,
  width: number,
  username: string,
  password: string,
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: 844 },
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/(console|council)$/);
  return page;
}

/**
 * Opens `path` of the dashboard at `base` as a visitor would: sent to the login page, logs in as `username`, lands back
 * on `path`.
 */
export async function openThroughLogin(
  page: Page,
  base: string,
  path: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}${path}`);
}

/**
 * Moves the clock of `page` (`page.clock.install()` before the page loaded) on by `everyMs`, the page's own wait
 * before it looks again (the devices page's refresh, the home view's retry), until `shown` is on the page: each look
 * comes at once instead of after its wait in real time (session 59). The page's clock otherwise runs as the real one.
 */
export async function clockOnUntilShown(page: Page, shown: Locator, everyMs: number): Promise<void> {
  await vi.waitFor(
    async () => {
      await page.clock.fastForward(everyMs);
      expect(await shown.count()).toBeGreaterThan(0);
    },
    { timeout: 30_000, interval: 200 },
  );
}

/**
 * An init script that replaces the page's AudioContext by one that counts the tones it is asked to play (`window.tones`;
 * each beep of the consoles is three): no sound card on a test machine, nothing timed.
 */
export const COUNTING_AUDIO = `(() => {
  window.tones = 0;
  window.AudioContext = class {
    constructor() { this.currentTime = 0; this.destination = {}; }
    resume() { return Promise.resolve(); }
    createGain() { return { gain: { setValueAtTime() {} }, connect: (to) => to }; }
    createOscillator() {
      return { frequency: { value: 0 }, connect: (to) => to, start: () => { window.tones += 1; }, stop() {} };
    }
  };
})()`;

/** The tones `COUNTING_AUDIO` counted on `page` (three a beep). */
export function countedTones(page: Page): Promise<number> {
  return page.evaluate<number>('window.tones');
}

/**
 * An init script that keeps the page's real AudioContext (so chromium's own autoplay rule holds: nothing plays before a
 * click or a key on the page) and counts the tones started while the browser lets it play (`running`), mirrored on the
 * page's root element (`data-tones`) so that reading them gives the page no gesture. The consoles' remembered sound
 * (review, session 65, rounds 2 and 3).
 */
export const COUNT_PLAYED_TONES = `(() => {
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    createOscillator() {
      const osc = super.createOscillator();
      const start = osc.start.bind(osc);
      osc.start = (...args) => {
        if (this.state === 'running') {
          const root = document.documentElement;
          root.dataset.tones = String(Number(root.dataset.tones || 0) + 1);
        }
        return start(...args);
      };
      return osc;
    }
  };
})()`;

/** The tones `COUNT_PLAYED_TONES` counted as played on `page`. */
export async function tonesPlayed(page: Page): Promise<number> {
  return Number((await page.locator('html').getAttribute('data-tones')) ?? 0);
}

/**
 * The page's first `times` requests to `url` fail as a dropped network does (`internetdisconnected`); the next ones go
 * through. Returns how many were refused so far.
 */
export async function refuseFirst(page: Page, url: string, times = 2): Promise<() => number> {
  let refused = 0;
  await page.route(url, async (route) => {
    if (refused < times) {
      refused += 1;
      await route.abort('internetdisconnected');
    } else await route.continue();
  });
  return () => refused;
}

/** A box on the screen, in CSS px from the viewport's top left. */
export interface ScreenBox {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** Waits for the page to draw a frame (two, so that what a redraw scrolled is in place). */
function afterTwoFrames(page: Page): Promise<void> {
  return page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
}

/** Where `locator` is on the screen once the page has drawn a frame. */
export async function boxOnScreen(page: Page, locator: Locator): Promise<ScreenBox> {
  await afterTwoFrames(page);
  return locator.evaluate((node) => {
    const r = node.getBoundingClientRect();
    return { top: r.top, left: r.left, bottom: r.bottom, right: r.right };
  });
}

/** The top of each alert card (`#alerts > li`) on the screen, by its key, once the page has drawn a frame. */
export async function cardTops(page: Page): Promise<Record<string, number>> {
  await afterTwoFrames(page);
  return page.evaluate(
    `Object.fromEntries([...document.querySelectorAll('#alerts > li')].map((li) => [li.dataset.key, li.getBoundingClientRect().top]))`,
  );
}

/**
 * The names (or words) of the controls a tap could press whose box on the screen meets `box`, the new-call notice's own
 * left out (review, session 70: the notice appeared over the button at the top of the screen).
 */
export function pressableUnder(page: Page, box: ScreenBox): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll(
      'a[href], button, input, select, textarea, summary, label, [tabindex]:not([tabindex="-1"])')]
    .filter((node) => !node.classList.contains('new-above'))
    .filter((node) => {
      const r = node.getBoundingClientRect();
      return r.width > 0 && r.height > 0 &&
        r.left < ${box.right} && r.right > ${box.left} && r.top < ${box.bottom} && r.bottom > ${box.top};
    })
    .map((node) => node.getAttribute('aria-label') || node.textContent.trim())`);
}
