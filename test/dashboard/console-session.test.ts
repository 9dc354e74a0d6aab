// At the screen (Debian chromium): a responder's half-typed resolve note is not lost when the alert changes under
// it, nor when the session ends while it is typed (the hub sends the page to the login; back after it, as it was).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  listenLocally,
  raiseAlert,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { focused } from '../support/screen.js';

const haveChromium = chromiumAvailable('the console session tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
const clock = new FakeClock(Date.UTC(2026, 10, 24, 2, 0, 0));

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock });
  await userWithRole(dashboard.app, 'responder', 'nina');
  await userWithRole(dashboard.app, 'responder', 'omar');
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

async function logIn(page: Page, username: string): Promise<void> {
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(USER_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/console`);
  await page.getByText('Live: connected').waitFor();
}

describe.skipIf(!haveChromium)('a half-typed resolve note at the console', () => {
  it('keeps its text and the keyboard when the alert changes while the responder types', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/console`);
    await page.waitForURL(/\/login\?next=/);
    // A first visit: nothing ended, nothing to say.
    expect(await page.locator('#login-error').innerText()).toBe('');
    await logIn(page, 'nina');
    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h21' });
    const card = page.locator(`#alert-${alert.id}`);
    await card.getByRole('button', { name: 'Resolve…' }).click();
    await page.locator(`#outcome-${alert.id}`).selectOption('assisted-at-home');
    await page.locator(`#note-${alert.id}`).click();
    await page.keyboard.type('Helped her up');
    // Another responder acknowledges it meanwhile: a new version of the alert, its card drawn anew.
    expect(dashboard.alerts.acknowledge(alert.id, 'omar').ok).toBe(true);
    await page.locator(`#alert-${alert.id}[data-state="acknowledged"]`).waitFor();
    expect(await page.locator(`#note-${alert.id}`).inputValue()).toBe('Helped her up');
    expect(await page.locator(`#outcome-${alert.id}`).inputValue()).toBe('assisted-at-home');
    await expect.poll(() => focused(page)).toMatchObject({ card: alert.id, tag: 'textarea' });
    await page.keyboard.type(', no injury');
    expect(await page.locator(`#note-${alert.id}`).inputValue()).toBe('Helped her up, no injury');
    await page.locator(`#note-${alert.id}`).press('Escape');
    expect(dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await page.close();
  });

  it('gives the note back after the session ended while it was typed and the responder logged in again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await logIn(page, 'nina');
    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h22' });
    await page.locator(`#alert-${alert.id}`).getByRole('button', { name: 'Resolve…' }).click();
    await page.locator(`#outcome-${alert.id}`).selectOption('carer-visit');
    await page.locator(`#note-${alert.id}`).fill('Daughter on her way');
    // Twelve hours since the login: the session is over, and sending the form takes the page to the login.
    clock.advanceBy(12 * 3_600_000 + 60_000);
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    // The login page says why it appeared, and that the note is kept.
    await page.getByText(/^Your session has ended\. .* a resolve note you were typing is kept\.$/).waitFor();
    await logIn(page, 'nina');
    await page.locator(`#note-${alert.id}`).waitFor();
    expect(await page.locator(`#note-${alert.id}`).inputValue()).toBe('Daughter on her way');
    expect(await page.locator(`#outcome-${alert.id}`).inputValue()).toBe('carer-visit');
    expect(dashboard.alerts.get(alert.id)?.state).toBe('raised');
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.locator(`#closed-${alert.id}`).getByText('resolved: Carer visit').waitFor();
    expect(dashboard.alerts.get(alert.id)).toMatchObject({ outcome: 'carer-visit', note: 'Daughter on her way' });

    // Sent: nothing is kept. Another user on the same tab never sees what the last one typed.
    const other = raiseAlert(dashboard.alerts, clock, { kind: 'smoke', severity: 'critical', homeId: 'h23' });
    await page.locator(`#alert-${other.id}`).getByRole('button', { name: 'Resolve…' }).click();
    // An outcome too, so that sending the form takes the page to the login at once, as above (without one the form
    // is not sent, and the page reached the login only when the alert stream's heartbeat, 15 s, found the session
    // over: docs/testing.md, session 38).
    await page.locator(`#outcome-${other.id}`).selectOption('false-alarm');
    await page.locator(`#note-${other.id}`).fill('Rang the warden');
    clock.advanceBy(12 * 3_600_000 + 60_000);
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await logIn(page, 'omar');
    await page.locator(`#alert-${other.id}`).waitFor();
    expect(await page.locator(`#note-${other.id}`).count()).toBe(0);
    // Nor is it left in the tab's storage for him to read.
    expect(await page.evaluate<string[]>('Object.keys(sessionStorage)')).toEqual([]);
    expect(dashboard.alerts.resolve(other.id, 'false-alarm', null, 'omar').ok).toBe(true);
    await context.close();
  });

  it('keeps no note once the responder logs out, even when the hub cannot be reached to end the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await logIn(page, 'nina');
    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', severity: 'critical', homeId: 'h24' });
    await page.locator(`#alert-${alert.id}`).getByRole('button', { name: 'Resolve…' }).click();
    await page.locator(`#note-${alert.id}`).fill('Neighbour has a key');
    expect(await page.evaluate<string[]>('Object.keys(sessionStorage)')).toEqual(['telecare.console.drafts:nina']);
    // The responder leaves the desk with a deliberate logout while the network is down: the note must not stay in
    // the tab for whoever sits down next.
    let tried = false;
    await page.route('**/api/logout', (route) => {
      tried = true;
      return route.abort('internetdisconnected');
    });
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => tried).toBe(true);
    expect(await page.evaluate<string[]>('Object.keys(sessionStorage)')).toEqual([]);
    expect(dashboard.alerts.resolve(alert.id, 'false-alarm', null, 'nina').ok).toBe(true);
    await context.close();
  });
});

// A console left open while its session ends, with nothing pressed: the alert stream's heartbeat finds the session
// over and ends the stream, and the page goes to the login by itself, saying why, the half-typed note kept. On a
// dashboard of its own with a short heartbeat (the one above keeps the default, 15 s: there a click must take the page
// to the login before any heartbeat does). docs/testing.md, session 38.
describe.skipIf(!haveChromium)('an idle console whose session ends', () => {
  const idleClock = new FakeClock(Date.UTC(2026, 10, 24, 2, 0, 0));
  let idle: Dashboard | undefined;

  afterAll(async () => {
    await idle?.close();
  });

  it('goes to the login by itself at the next heartbeat, and gives the note back after the login', async () => {
    idle = await startDashboard({ clock: idleClock, sseHeartbeatSeconds: 0.5 });
    const idleBase = `http://127.0.0.1:${await listenLocally(idle.app)}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    const logInAsAdmin = async () => {
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${idleBase}/console`);
      await page.getByText('Live: connected').waitFor();
    };
    await page.goto(`${idleBase}/console`);
    await page.waitForURL(/\/login\?next=/);
    await logInAsAdmin();
    const alert = raiseAlert(idle.alerts, idleClock, { kind: 'pendant', severity: 'critical', homeId: 'h25' });
    await page.locator(`#alert-${alert.id}`).getByRole('button', { name: 'Resolve…' }).click();
    await page.locator(`#note-${alert.id}`).fill('Key safe code given');
    idleClock.advanceBy(12 * 3_600_000 + 60_000);
    // Nothing pressed: the page finds out on its own.
    await page.getByText(/^Your session has ended\. .* a resolve note you were typing is kept\.$/).waitFor();
    expect(new URL(page.url()).searchParams.get('ended')).toBe('1');
    await logInAsAdmin();
    await page.locator(`#note-${alert.id}`).waitFor();
    expect(await page.locator(`#note-${alert.id}`).inputValue()).toBe('Key safe code given');
    expect(idle.alerts.get(alert.id)?.state).toBe('raised');
    await context.close();
  });
});
