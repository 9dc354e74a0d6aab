// At the screen (Debian chromium): a responder at 3 a.m. using only the keyboard, a screen reader's announcements,
// the hub out of reach, and times in the viewer's own time zone with their age.
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { USER_PASSWORD, listenLocally, raiseAlert, startDashboard, userWithRole, type Dashboard } from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { focused, recordLiveRegion, seen, tabTo, watchFromStart } from '../support/screen.js';

const haveChromium = chromiumAvailable('the console screen tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const clock = new FakeClock(Date.UTC(2026, 10, 23, 3, 0, 0));
const ZONE = 'America/New_York';

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock });
  await userWithRole(dashboard.app, 'responder', 'nina');
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

async function logInByKeyboard(page: Page): Promise<void> {
  await page.goto(`${base}/console`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Username').focus();
  await page.keyboard.type('nina');
  await page.keyboard.press('Tab');
  await page.keyboard.type(USER_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/console`);
  await page.getByText('Live: connected').waitFor();
}

/**
 * The responder's session from the first login by keyboard, its cookie given to every later page's context: each
 * login is a scrypt check (about 0.2 s of CPU) and two pages more, and only the first test is about the keyboard at
 * the login (test/dashboard/auth.test.ts has the login itself).
 */
let session: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;

/** A page of a context of its own (`options`), logged in as nina on the console: by keyboard the first time. */
async function consolePage(
  options: BrowserContextOptions = {},
  beforeOpening?: (page: Page) => Promise<void>,
): Promise<Page> {
  const context = await browser.newContext({ ...options, ...(session ? { storageState: session } : {}) });
  const page = await context.newPage();
  await beforeOpening?.(page);
  if (!session) {
    await logInByKeyboard(page);
    session = await context.storageState();
    return page;
  }
  await page.goto(`${base}/console`);
  await page.getByText('Live: connected').waitFor();
  return page;
}

describe.skipIf(!haveChromium)('the responder console at the screen', () => {
  it('works from the keyboard alone: visible focus, header before cards, and the focus stays put as alerts arrive', async () => {
    // The login itself by keyboard too (the first page's, whichever test runs first).
    session = undefined;
    const page = await consolePage();
    const first = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h1' });
    await page.locator(`#alert-${first.id}`).waitFor();

    const stops = await tabTo(page, (f) => f.card === first.id && f.text === 'Acknowledge');
    // A skip link first, then the page's own controls, then the card; every stop shows where the focus is.
    expect(stops[0]).toMatchObject({ tag: 'a', text: "Skip to the page's content" });
    expect(stops.findIndex((f) => f.text === 'Log out')).toBeLessThan(stops.length - 1);
    for (const stop of stops) expect(stop.outline, JSON.stringify(stop)).not.toBe('none');

    await page.keyboard.press('Enter');
    await page.locator(`#alert-${first.id}[data-state="acknowledged"]`).waitFor();
    // The card was drawn anew: the keyboard is still on it, not thrown back to the top of the page.
    await expect.poll(() => focused(page)).toMatchObject({ card: first.id, text: 'Resolve…' });

    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toMatchObject({ card: first.id, tag: 'select' });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Rang her; she is fine');
    // Another alert arrives while the responder types: the note keeps its text and its focus.
    const second = raiseAlert(dashboard.alerts, clock, { kind: 'smoke', severity: 'critical', homeId: 'h2' });
    await page.locator(`#alert-${second.id}`).waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ card: first.id, tag: 'textarea' });
    await page.keyboard.type(' (checked)');
    expect(await page.locator(`#note-${first.id}`).inputValue()).toBe('Rang her; she is fine (checked)');

    // Escape closes the form and gives the keyboard back to the card's Resolve… button.
    await page.keyboard.press('Escape');
    await expect.poll(() => focused(page)).toMatchObject({ card: first.id, text: 'Resolve…' });
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect.poll(() => focused(page)).toMatchObject({ card: first.id, text: 'Resolve' });
    await page.keyboard.press('Enter');
    await page.locator(`#closed-${first.id}`).getByText('resolved: False alarm').waitFor();
    // The card went: the keyboard moves on to the next card, not to the top of the page.
    await expect.poll(() => focused(page)).toMatchObject({ card: second.id });
    expect(dashboard.alerts.resolve(second.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await page.context().close();
  });

  it('keeps a resolve form opened while the answer to Acknowledge was still on its way', async () => {
    const page = await consolePage();
    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h3' });
    const card = page.locator(`#alert-${alert.id}`);
    await card.waitFor();
    // The hub takes the acknowledgement at once (its live stream says so), but its answer to this POST is slow.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**/api/alerts/${alert.id}/ack`, async (route) => {
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    });
    const answered = page.waitForResponse(`**/api/alerts/${alert.id}/ack`);
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator(`#alert-${alert.id}[data-state="acknowledged"]`).waitFor();
    await card.getByRole('button', { name: 'Resolve…' }).click();
    await page.locator(`#note-${alert.id}`).click();
    await page.keyboard.type('On my way');
    release();
    await answered;
    // The next alert redraws the list: the form, its text and the keyboard stay where the responder left them.
    const next = raiseAlert(dashboard.alerts, clock, { kind: 'smoke', severity: 'critical', homeId: 'h4' });
    await page.locator(`#alert-${next.id}`).waitFor();
    expect(await page.locator(`#note-${alert.id}`).inputValue()).toBe('On my way');
    expect(await focused(page)).toMatchObject({ card: alert.id, tag: 'textarea' });
    expect(dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'nina').ok).toBe(true);
    expect(dashboard.alerts.resolve(next.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await page.context().close();
  });

  it('tells a screen reader of each new alert, twice the same included, through an assertive live region', async () => {
    const page = await consolePage();
    expect(await page.locator('#announcer').getAttribute('aria-live')).toBe('assertive');
    const said = await recordLiveRegion(page, 'announcer');
    const one = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h7' });
    await expect.poll(said).toEqual(['New critical alert: Pendant at h7']);
    // Resolved as a false alarm, then pressed again: a new alert, in the same words, is said again.
    expect(dashboard.alerts.resolve(one.id, 'false-alarm', null, 'nina').ok).toBe(true);
    const two = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h7' });
    expect(two.id).not.toBe(one.id);
    await page.locator(`#alert-${two.id}`).waitFor();
    await expect.poll(said).toEqual(['New critical alert: Pendant at h7', 'New critical alert: Pendant at h7']);
    expect(dashboard.alerts.resolve(two.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await page.context().close();
  });

  it('opened with alerts already open: not "live" nor "no open alerts" before the list is in, and one summary said', async () => {
    const open = [
      raiseAlert(dashboard.alerts, clock, { kind: 'inactivity', severity: 'high', homeId: 'h11' }),
      raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h12' }),
      raiseAlert(dashboard.alerts, clock, { kind: 'smoke', severity: 'high', homeId: 'h13' }),
    ];
    const page = await consolePage({}, watchFromStart);
    for (const alert of open) await page.locator(`#alert-${alert.id}`).waitFor();
    await expect
      .poll(async () => (await seen(page)).said)
      .toEqual(['3 open alerts (1 critical, 2 high). Most urgent: critical Pendant at h12']);
    const shown = await seen(page);
    // "Live: connected" only over the full list; the empty-list note never shown while alerts are open.
    const live = shown.connection.filter((text) => text.startsWith('Live: connected'));
    expect(live.length, JSON.stringify(shown.connection)).toBeGreaterThan(0);
    expect(
      live.every((text) => text.endsWith('[3]')),
      JSON.stringify(shown.connection),
    ).toBe(true);
    expect(shown.connection).toContain('Connected to the hub: loading the open alerts… [0]');
    expect(shown.noAlerts.filter((state) => state !== 'hidden')).toEqual([]);

    // What comes next is news again, said on its own.
    const next = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h14' });
    await page.locator(`#alert-${next.id}`).waitFor();
    await expect.poll(async () => (await seen(page)).said.slice(1)).toEqual(['New critical alert: Pendant at h14']);
    for (const alert of [...open, next])
      expect(dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await page.context().close();
  });

  it('keeps why an action failed on its card when the next alert redraws the list, and says it once', async () => {
    const page = await consolePage();
    const said = await recordLiveRegion(page, 'announcer');
    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h15' });
    const card = page.locator(`#alert-${alert.id}`);
    await card.waitFor();
    await page.route(`**/api/alerts/${alert.id}/ack`, (route) => route.abort('connectionrefused'));
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    const reason = 'Cannot reach the hub: check the network connection, then try again. Nothing was changed.';
    await card.getByText(reason).waitFor();
    const next = raiseAlert(dashboard.alerts, clock, { kind: 'smoke', severity: 'critical', homeId: 'h16' });
    await page.locator(`#alert-${next.id}`).waitFor();
    expect(await card.locator('.error').innerText()).toBe(reason);
    // The smoke alert is said (alone, or with the pendant when both came within the moment announcements gather).
    await expect
      .poll(async () => (await said()).some((t) => t.endsWith('Smoke at h16') || t.startsWith('2 new alerts')))
      .toBe(true);
    expect((await said()).filter((text) => text === reason)).toHaveLength(1);
    for (const a of [alert, next]) expect(dashboard.alerts.resolve(a.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await page.context().close();
  });

  it('says plainly when the hub is out of reach, since when, and that an action was not sent', async () => {
    const page = await consolePage();
    const context = page.context();
    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h8' });
    const card = page.locator(`#alert-${alert.id}`);
    await card.waitFor();
    await context.setOffline(true);
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await card
      .getByText('Cannot reach the hub: check the network connection, then try again. Nothing was changed.')
      .waitFor();
    expect(dashboard.alerts.list({ state: 'open' }).find((a) => a.id === alert.id)?.state).toBe('raised');
    await context.setOffline(false);
    expect(dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await context.close();
  });

  it("shows when an alert was raised in the viewer's own time zone, with how long ago", async () => {
    const page = await consolePage({ timezoneId: ZONE, locale: 'en-GB' });
    const context = page.context();
    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h9' });
    const meta = page.locator(`#alert-${alert.id} .meta`);
    await meta.waitFor();
    const local = new Date(alert.raisedAt).toLocaleString('en-GB', {
      timeZone: ZONE,
      dateStyle: 'short',
      timeStyle: 'medium',
    });
    // 03:00 UTC is 22:00 the evening before in New York.
    expect(local).toBe('22/11/2026, 22:00:00');
    expect(await meta.innerText()).toMatch(
      new RegExp(`Raised ${local.replace(/[/]/g, '\\/')} \\((just now|.+ ago)\\)`),
    );
    expect(await meta.locator('time').first().getAttribute('datetime')).toBe(alert.raisedAt);
    expect(dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await context.close();
  });
});
