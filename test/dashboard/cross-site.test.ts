// In a real browser: a page on another port of the same host cannot act with the responder's cookie, and `next` never leaves the hub.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  USER_PASSWORD,
  login,
  raiseAlert,
  listenLocally,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

const haveChromium = chromiumAvailable('the cross-site browser tests');

let dashboard: Dashboard;
let browser: Browser;
let base: string;
/** Another origin on the same host (same site: the SameSite=Strict cookie still travels). */
let otherSite: http.Server;
let otherBase: string;
const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));

beforeAll(async () => {
  if (!haveChromium) return;
  dashboard = await startDashboard({ clock });
  await userWithRole(dashboard.app, 'responder', 'sam');
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
  // The attacker's page: a form that posts a text/plain body shaped like JSON to the hub, sent on load.
  otherSite = http.createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://x').searchParams.get('target') ?? '';
    response.writeHead(200, { 'content-type': 'text/html' });
    if (!target) return void response.end('<!doctype html><title>another site</title>');
    response.end(
      `<!doctype html><form id="f" method="POST" enctype="text/plain" action="${target}">` +
        `<input type="hidden" name='{"outcome":"false-alarm","x":"' value='"}'></form>` +
        `<script>document.getElementById('f').submit()</script>`,
    );
  });
  await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
  otherBase = `http://127.0.0.1:${(otherSite.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => otherSite?.close(resolve));
  await dashboard?.close();
});

async function logIn(page: Page, username: string, password: string, next: string): Promise<void> {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

async function alertState(id: string): Promise<string> {
  const cookie = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
  return (await dashboard.app.inject({ url: `/api/alerts/${id}`, headers: { cookie } })).json().state;
}

describe.skipIf(!haveChromium)('a page on another port of the same host', () => {
  it('cannot acknowledge or resolve an alert with the logged-in responder cookie; the hub page itself can', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, 'sam', USER_PASSWORD, '/console');
    const alert = raiseAlert(dashboard.alerts, clock, { kind: 'pendant' });

    // A form post (text/plain, no preflight): the browser follows it to the hub's answer.
    for (const action of ['ack', 'resolve']) {
      await page.goto(`${otherBase}/?target=${encodeURIComponent(`${base}/api/alerts/${alert.id}/${action}`)}`, {
        waitUntil: 'commit',
      });
      await page.waitForURL(`${base}/api/alerts/${alert.id}/${action}`);
      expect(await page.textContent('body')).toContain('CROSS_SITE_REQUEST');
    }
    // A script on that page: no-cors fetches carry the cookie too.
    await page.goto(`${otherBase}/?target=`);
    await page.evaluate(async (url) => {
      await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}' });
      await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include' });
    }, `${base}/api/alerts/${alert.id}/ack`);
    expect(await alertState(alert.id)).toBe('raised');

    // The same request from the hub's own page goes through.
    await page.goto(`${base}/console`);
    const status = await page.evaluate(
      async (url) => (await fetch(url, { method: 'POST', credentials: 'same-origin' })).status,
      `${base}/api/alerts/${alert.id}/ack`,
    );
    expect(status).toBe(200);
    expect(await alertState(alert.id)).toBe('acknowledged');
    await context.close();
  });
});

describe.skipIf(!haveChromium)('after logging in', () => {
  const escapes = [
    '/\\evil.invalid/x',
    '/\t/evil.invalid/x',
    '//evil.invalid/x',
    'https:evil.invalid/x',
    'https://evil.invalid/',
    '/x/..//evil.invalid/',
    'javascript:alert(1)',
  ];
  for (const next of escapes) {
    it(`next=${JSON.stringify(next)} stays on the hub`, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await logIn(page, 'sam', USER_PASSWORD, next);
      await page.waitForLoadState();
      expect(new URL(page.url()).origin).toBe(base);
      await context.close();
    });
  }

  it('a path on the hub is kept, with its query', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, 'sam', USER_PASSWORD, '/console?home=h1');
    expect(page.url()).toBe(`${base}/console?home=h1`);
    await context.close();
  });
});
