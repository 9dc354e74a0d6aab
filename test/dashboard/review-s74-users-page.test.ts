// Review, session 74: the dashboard had no page for its users and API tokens: an admin made a responder's login, or a
// device's token, with curl against the API (the README said so: "there is no page for it yet"). Now /users (admins
// only, in the menu as "Users") adds and removes users and makes and revokes tokens, each token shown once. Debian's
// chromium on the real dashboard in-process; what the page did checked through the API it called (a login with the
// new user's password, an event posted with the new token, both refused once removed or revoked).
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { ADMIN_PASSWORD, cannedAnalytics, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the users and tokens page');

const screen = dashboardInChromium(
  haveChromium,
  { clock: new FakeClock(Date.UTC(2026, 11, 7, 10, 0, 0)), analytics: cannedAnalytics() },
  { responder: true },
);

/** A login of `username` with `password` at the stage's dashboard: its status. */
async function loginStatus(username: string, password: string): Promise<number> {
  const res = await screen.dashboard.app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
  return res.statusCode;
}

/** An event posted with the bearer `token` for home `homeId`: its status. */
async function postStatus(token: string, homeId: string): Promise<number> {
  const res = await screen.dashboard.app.inject({
    method: 'POST',
    url: '/api/events',
    headers: { authorization: `Bearer ${token}` },
    payload: { homeId, deviceId: 'hall-pir', type: 'motion', value: true },
  });
  return res.statusCode;
}

describe.skipIf(!haveChromium)('the users and tokens page', () => {
  it('lets an admin add and remove a responder, and make and revoke a device token, from the screen', async () => {
    const context = await screen.browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/London' });
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await openThroughLogin(page, screen.base, '/users', 'admin', ADMIN_PASSWORD);
    await expect(page.title()).resolves.toBe('Users and tokens · Telecare hub');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).waitFor();
    await page.getByText('2 users').waitFor();

    // A responder for h1.
    await page.getByLabel('Username').fill('jo');
    await page.getByLabel('Role', { exact: true }).selectOption('responder');
    await page.getByLabel(/^Homes \(responders only/).fill('h1');
    await page.getByLabel(/^Password/).fill('jo-password-long-enough');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('jo (responder, homes h1)', { exact: false }).waitFor();
    expect(await loginStatus('jo', 'jo-password-long-enough')).toBe(200);
    // A password too short: refused, said on the form, nothing made.
    await page.getByLabel('Username').fill('kim');
    await page.getByLabel(/^Password/).fill('short');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('#user-error').filter({ hasText: /./ }).waitFor();
    expect(await loginStatus('kim', 'short')).toBe(401);

    // A device token for h1: shown once, and it posts events for h1.
    await page.getByLabel(/^Token name/).fill('hall-sensor');
    await page.getByLabel("The token's role").selectOption('device');
    await page.getByLabel(/^Homes \(device/).fill('h1');
    await page.getByRole('button', { name: 'Make token' }).click();
    await page.locator('#token-made').waitFor();
    const token = (await page.locator('#token-secret').textContent()) ?? '';
    expect(token.length).toBeGreaterThan(20);
    await page.getByText('1 active, 0 revoked').waitFor();
    expect(await postStatus(token, 'h1')).toBe(202);

    // Revoked and removed from the screen: refused from then on.
    await page.getByRole('button', { name: 'Revoke hall-sensor' }).click();
    await page.getByText('0 active, 1 revoked').waitFor();
    expect(await postStatus(token, 'h1')).toBe(401);
    await page.getByRole('button', { name: 'Remove jo' }).click();
    await page.getByText('2 users').waitFor();
    expect(await loginStatus('jo', 'jo-password-long-enough')).toBe(401);
    // The admin's own account has no Remove button.
    await expect(page.getByRole('button', { name: 'Remove admin' }).count()).resolves.toBe(0);
    await context.close();
  }, 90_000);

  it("is not a responder's: no menu entry, and the page refused", async () => {
    const context = await screen.browser.newContext();
    const page = await context.newPage();
    await openThroughLogin(page, screen.base, '/console', 'sam', USER_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).count()).toBe(0);
    // Sent to their own page, as for any page their role may not see.
    await page.goto(`${screen.base}/users`);
    await page.waitForURL(`${screen.base}/console`);
    await context.close();
  }, 60_000);
});
