// At the screen for a care worker (Debian chromium, 375 px and desktop): the home's charts read right (a bedtime
// after midnight is late, not early), the critical banner keeps its text readable while it pulses, and a home
// just installed says why its charts are empty.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DailyFeatures } from '../../analytics/types.js';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  cannedAnalytics,
  listenLocally,
  raiseAlert,
  startDashboard,
  type Dashboard,
} from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { tabTo } from '../support/screen.js';

const haveChromium = chromiumAvailable('the care-worker screen tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const clock = new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0));

/** A week of h1 whose bedtimes alternate either side of midnight and rooms 17 or 19.5 °C; h2 just installed: no day. */
function lateNights(): ReturnType<typeof cannedAnalytics> {
  const canned = cannedAnalytics();
  return {
    ...canned,
    async homeActivity(homeId, fromDate, toDate) {
      if (homeId === 'h2') return [];
      const days = await canned.homeActivity(homeId, fromDate, toDate);
      return days.map((day, i): DailyFeatures => ({
        ...day,
        bedtime: i % 2 === 0 ? '23:30' : '00:30',
        meanIndoorTempC: i % 2 === 0 ? 19.5 : 17.0,
      }));
    },
  };
}

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock, analytics: lateNights() });
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

/**
 * The admin's session from the first login through the login page, its cookie given to every later page's context:
 * each login is a scrypt check (about 0.2 s of CPU) and a page more, and these tests are about the console, not the
 * login (test/dashboard/auth.test.ts has that).
 */
let session: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;

async function loggedIn(width: number, options: { reducedMotion?: 'reduce' } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: 800 },
    locale: 'en-GB',
    ...(options.reducedMotion ? { reducedMotion: options.reducedMotion } : {}),
    ...(session ? { storageState: session } : {}),
  });
  const page = await context.newPage();
  if (session) {
    await page.goto(`${base}/console`);
    return page;
  }
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/console`);
  session = await context.storageState();
  return page;
}

/** Each dot of a chart: its day and time as the tooltip says, and its height on the screen. */
function dots(page: Page, title: string): Promise<{ tip: string; cy: number }[]> {
  return page.evaluate<{ tip: string; cy: number }[]>(`(() => {
    const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === ${JSON.stringify(title)});
    return [...fig.querySelectorAll('circle.dot')].map((c) => ({ tip: c.querySelector('title').textContent, cy: c.getBoundingClientRect().top }));
  })()`);
}

/** The time labels of a chart's axis, top to bottom. */
function axisLabels(page: Page, title: string): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === ${JSON.stringify(title)});
    return [...fig.querySelectorAll('svg > text[text-anchor="end"]')]
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((t) => t.textContent);
  })()`);
}

/** Chart labels drawn under 12 px, touching another or cut off, and the day labels, of every chart on the page. */
function chartText(page: Page): Promise<{ small: string[]; overlapping: string[]; days: string[] }> {
  return page.evaluate<{ small: string[]; overlapping: string[]; days: string[] }>(
    `(() => {
        const small = [], overlapping = [], days = [];
        for (const svg of document.querySelectorAll('figure.chart svg')) {
          const texts = [...svg.querySelectorAll('text')];
          for (const t of texts) {
            if (parseFloat(getComputedStyle(t).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width < 12) small.push(t.textContent);
            if (t.getAttribute('text-anchor') === 'middle') days.push(t.textContent);
          }
          texts.forEach((a, i) => texts.slice(i + 1).forEach((b) => {
            const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
            if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) overlapping.push(a.textContent + '/' + b.textContent);
          }));
          const box = svg.getBoundingClientRect();
          for (const t of texts) { const r = t.getBoundingClientRect(); if (r.left < box.left - 0.5 || r.right > box.right + 0.5) overlapping.push(t.textContent + ' cut off'); }
        }
        return { small, overlapping, days };
      })()`,
  );
}

describe.skipIf(!haveChromium)('the home view', () => {
  it('draws a bedtime after midnight later than one before it, on an axis of evening hours', async () => {
    const page = await loggedIn(375);
    await page.goto(`${base}/home?home=h1&from=2026-11-10&to=2026-11-16`);
    await page.getByRole('heading', { name: 'Bedtime' }).waitFor();
    const bedtimes = await dots(page, 'Bedtime');
    const beforeMidnight = bedtimes.find((d) => d.tip.endsWith('23:30'));
    const afterMidnight = bedtimes.find((d) => d.tip.endsWith('00:30'));
    expect(beforeMidnight).toBeDefined();
    expect(afterMidnight).toBeDefined();
    // Higher on the screen is later; an hour apart, not the whole height of the chart apart.
    expect(afterMidnight!.cy).toBeLessThan(beforeMidnight!.cy);
    const labels = await axisLabels(page, 'Bedtime');
    expect(labels[0]).toMatch(/^0[0-2]:\d\d$/);
    expect(labels.at(-1)).toMatch(/^2[0-3]:\d\d$/);
    // Rising times (07:10 onwards) are read on an axis of morning hours, not from midnight.
    expect(await axisLabels(page, 'Rising time')).not.toContain('00:00');
    await page.context().close();
  });

  it('reads the indoor temperature on an axis around it, not from 0 °C, so a cold day stands out', async () => {
    const page = await loggedIn(375);
    await page.goto(`${base}/home?home=h1&from=2026-11-10&to=2026-11-16`);
    const title = 'Mean indoor temperature (°C)';
    await page.getByRole('heading', { name: title }).waitFor();
    const labels = (await axisLabels(page, title)).map(Number);
    expect(labels.at(-1)).toBeGreaterThanOrEqual(15);
    expect(labels[0]).toBeLessThanOrEqual(22);
    const temps = await dots(page, title);
    const warm = temps.find((d) => d.tip.endsWith('19.5'))!;
    const cold = temps.find((d) => d.tip.endsWith('17.0'))!;
    // 2.5 °C apart is a third of the axis or more, not an eighth of a 0-20 °C axis.
    const box = await page.evaluate<number>(`(() => {
      const fig = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('h3').textContent === ${JSON.stringify(title)});
      return fig.querySelector('svg').getBoundingClientRect().height;
    })()`);
    expect(cold.cy - warm.cy).toBeGreaterThan(box / 4);
    await page.context().close();
  });

  it('labels charts legibly on a phone and a desktop: text of 12 px or more, nothing overlapping, days as "3 Nov"', async () => {
    for (const width of [375, 1280]) {
      const page = await loggedIn(width);
      await page.goto(`${base}/home?home=h1&from=2026-11-03&to=2026-11-30`);
      await page.getByRole('heading', { name: 'Mean indoor temperature (°C)' }).waitFor();
      const found = await chartText(page);
      expect(found.small, `at ${width} px`).toEqual([]);
      expect(found.overlapping, `at ${width} px`).toEqual([]);
      // "11-03" reads as 11 March in Britain.
      expect(found.days).toContain('3 Nov');
      expect(found.days.every((d) => /^\d{1,2} [A-Z][a-z]{2}$/.test(d))).toBe(true);
      await page.context().close();
    }
  });

  it("the council report's bar charts are legible too, at both widths", async () => {
    for (const width of [375, 1280]) {
      const page = await loggedIn(width);
      await page.goto(`${base}/council`);
      await page.getByRole('heading', { name: 'Routine changes' }).waitFor();
      const found = await chartText(page);
      expect(found.small, `at ${width} px`).toEqual([]);
      expect(found.overlapping, `at ${width} px`).toEqual([]);
      await page.context().close();
    }
  });

  it("is usable by keyboard alone: home, dates, Show, then each chart's numbers opened with Enter", async () => {
    const page = await loggedIn(375);
    await page.goto(`${base}/home?home=h1&from=2026-11-10&to=2026-11-16`);
    await page.getByRole('heading', { name: 'Bedtime' }).waitFor();
    await page.locator('#home').focus();
    const stops = await tabTo(page, (f) => f.text === 'Show the numbers');
    expect(stops.map((f) => f.tag)).toEqual(expect.arrayContaining(['input', 'button', 'summary']));
    // A date field is several stops (day, month, year, then its calendar button, which draws its own ring inside
    // the field): each control must show the focus ring when the keyboard reaches it.
    const firstStops = stops.filter((f, i) => i === 0 || stops[i - 1]?.text !== f.text || stops[i - 1]?.tag !== f.tag);
    expect(firstStops.filter((f) => f.outline === 'none')).toEqual([]);
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: '2026-11-10' }).first().waitFor();
    expect(await page.locator('figure.chart details[open]').count()).toBe(1);
    await page.context().close();
  });

  it('a home just installed says there is nothing yet and why, instead of blank charts', async () => {
    for (const width of [375, 1280]) {
      const page = await loggedIn(width);
      await page.goto(`${base}/home?home=h2`);
      await expect.poll(() => page.locator('#message').innerText()).toMatch(/No activity recorded/);
      expect(await page.locator('#message').innerText()).toMatch(/from the first sensor event/i);
      // Days run from the end of one night to the end of the next, and today's figures so far are drawn: no promise
      // of charts "tomorrow" or "midnight to midnight" (review, session 62).
      expect(await page.locator('#message').innerText()).not.toMatch(/midnight|tomorrow/i);
      expect(await page.locator('figure.chart').count()).toBe(0);
      await page.context().close();
    }
  });

  it('a slow answer for the home chosen first never shows under the home chosen next', async () => {
    const page = await loggedIn(1280);
    // Both answers are held: h1's (the page's first) comes back only after the carer has chosen h2.
    const releases = new Map<string, () => void>();
    for (const home of ['h1', 'h2']) {
      const held = new Promise<void>((resolve) => releases.set(home, resolve));
      await page.route(`**/api/homes/${home}/activity**`, async (route) => {
        const response = await route.fetch();
        await held;
        await route.fulfill({ response });
      });
    }
    const firstAnswer = page.waitForResponse(`**/api/homes/h1/activity**`);
    await page.goto(`${base}/home?home=h1&from=2026-11-10&to=2026-11-16`);
    await page.getByLabel('Home').selectOption('h2');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('home')).toBe('h2');
    releases.get('h1')!();
    await firstAnswer;
    releases.get('h2')!();
    await expect.poll(() => page.locator('#message').innerText()).toMatch(/No activity recorded/);
    // h2 has no day yet: none of h1's charts, and nothing says h1.
    expect(await page.locator('figure.chart').count()).toBe(0);
    expect(await page.locator('main').innerText()).not.toMatch(/days of h1/);
    await page.context().close();
  });
});

describe.skipIf(!haveChromium)('the council report', () => {
  it('a slow answer for the period first shown never replaces the period asked for next', async () => {
    const page = await loggedIn(1280);
    const releases: (() => void)[] = [];
    await page.route('**/api/reports/prevention?**', async (route) => {
      const response = await route.fetch();
      await new Promise<void>((resolve) => releases.push(resolve));
      await route.fulfill({ response });
    });
    const firstAnswer = page.waitForResponse(
      (r) => r.url().includes('/api/reports/prevention?') && !r.url().includes('2026-10-01'),
    );
    await page.goto(`${base}/council`);
    await expect.poll(() => releases.length).toBe(1);
    await page.getByLabel('From').fill('2026-10-01');
    await page.getByLabel('To').fill('2026-10-31');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => releases.length).toBe(2);
    // October's answer first, then the page's first one, late.
    releases[1]!();
    await expect.poll(() => page.locator('#message').innerText()).toBe('Report for 1 Oct 2026 to 31 Oct 2026');
    releases[0]!();
    await firstAnswer;
    // One more round trip to the dashboard: the late answer, already in the browser, has been handled by then.
    await page.evaluate(`fetch('/api/health').then((r) => r.json())`);
    expect(await page.locator('#message').innerText()).toBe('Report for 1 Oct 2026 to 31 Oct 2026');
    expect(await page.locator('#summary').innerText()).toContain('1 Oct 2026');
    await page.context().close();
  });
});

describe.skipIf(!haveChromium)('the alert console for the next shift', () => {
  it('says when nothing has been closed yet, and lists alerts closed before the page was opened', async () => {
    const page = await loggedIn(375);
    await page.getByText('Live: connected').waitFor();
    await expect.poll(() => page.locator('#no-closed').isVisible()).toBe(true);
    expect(await page.locator('#no-closed').innerText()).toMatch(/No alert has been closed/);
    await page.context().close();

    // Closed during the night shift, while nobody had the console open.
    const night = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h1' });
    dashboard.alerts.resolve(night.id, 'assisted-at-home', null, 'admin');
    const morning = await loggedIn(1280);
    await morning.locator(`#closed-${night.id}`).getByText('resolved: Assisted at home').waitFor();
    expect(await morning.locator('#no-closed').isVisible()).toBe(false);
    await morning.context().close();
  });
});

/** Contrast ratio (WCAG 2) of text and background as the eye sees them, each composited over the page at `opacity`. */
const BANNER_CONTRAST = `((opacityOf) => {
  const banner = document.getElementById('critical-banner');
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = (c) => {
    const [r, g, b] = c.map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const over = (c, page, a) => c.map((v, i) => v * a + page[i] * (1 - a));
  const page = rgb(getComputedStyle(document.body).backgroundColor);
  const style = getComputedStyle(banner);
  const a = Number(style.opacity);
  const text = luminance(over(rgb(style.color), page, a));
  const back = luminance(over(rgb(style.backgroundColor), page, a));
  return (Math.max(text, back) + 0.05) / (Math.min(text, back) + 0.05);
})()`;

describe.skipIf(!haveChromium)('the critical banner', () => {
  let alertId: string;
  beforeAll(() => {
    if (!haveChromium) return;
    alertId = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h1' }).id;
  });
  afterAll(() => {
    if (haveChromium) dashboard.alerts.resolve(alertId, 'false-alarm', null, 'admin');
  });

  it('keeps its text at WCAG AA contrast at every moment of its pulse, and still pulses', async () => {
    const page = await loggedIn(1280);
    await page.locator('#critical-banner.on').waitFor();
    const pulse = await page.evaluate<{ durationMs: number; count: number }>(`(() => {
      const animations = document.getElementById('critical-banner').getAnimations();
      for (const a of animations) a.pause();
      return { durationMs: animations.length ? animations[0].effect.getTiming().duration : 0, count: animations.length };
    })()`);
    expect(pulse.count).toBeGreaterThan(0);
    const ratios: number[] = [];
    for (let step = 0; step <= 10; step += 1) {
      await page.evaluate(
        `document.getElementById('critical-banner').getAnimations().forEach((a) => { a.currentTime = ${(pulse.durationMs * step) / 10}; })`,
      );
      ratios.push(await page.evaluate<number>(BANNER_CONTRAST));
    }
    expect(Math.min(...ratios)).toBeGreaterThanOrEqual(4.5);
    // Something still changes between the start and the middle of the pulse (attention), but not the text.
    const looks = async (ms: number): Promise<string> => {
      await page.evaluate(
        `document.getElementById('critical-banner').getAnimations().forEach((a) => { a.currentTime = ${ms}; })`,
      );
      return page.evaluate<string>(`(() => { const s = getComputedStyle(document.getElementById('critical-banner'));
        return [s.boxShadow, s.outlineColor, s.borderColor, s.backgroundColor, s.opacity].join('|'); })()`);
    };
    expect(await looks(pulse.durationMs / 2)).not.toBe(await looks(0));
    await page.context().close();
  });

  it('does not move for a reader who asked for reduced motion', async () => {
    const page = await loggedIn(375, { reducedMotion: 'reduce' });
    await page.locator('#critical-banner.on').waitFor();
    expect(await page.evaluate<number>(`document.getElementById('critical-banner').getAnimations().length`)).toBe(0);
    await page.context().close();
  });
});
