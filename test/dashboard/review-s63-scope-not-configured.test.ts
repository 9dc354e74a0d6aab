// A responder held to a home the hub does not have (review, session 63): a home renamed since the login was made (here
// `flat-12` written `Flat-12`, as session 62's advice asks when two homes differ only in capitals), or one typed wrong,
// left the console saying "No open alerts" for ever while the flat's pendant calls went unseen. A real hub in-process
// (real SQLite in a temp folder), users made over HTTP, the configuration reloaded, the console in Debian's chromium.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import {
  TEST_ADMIN_PASSWORD,
  adminSession,
  dashboardUrl,
  startTestHub,
  pressOverHttp,
} from '../support/in-process-hub.js';
import { openThroughLogin } from '../support/screen.js';
import { tempDir } from '../hub/helpers.js';

const haveChromium = chromiumAvailable('the console of a responder held to a home not configured');

let dir: string;
let hub: RunningHub;
let base: string;
let adminCookie: string;

/** The scheme as configured when the logins were made. */
const BEFORE = {
  homes: [
    { id: 'flat-12', timezone: 'Europe/London', residents: [{ id: 'r12' }], devices: [{ id: 'p12', kind: 'pendant' }] },
    { id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices: [{ id: 'p1', kind: 'pendant' }] },
  ],
};
/** And after: flat 12 renamed, flat 9 gone. */
const SCHEME = {
  homes: [
    { id: 'Flat-12', timezone: 'Europe/London', residents: [{ id: 'r12' }], devices: [{ id: 'p12', kind: 'pendant' }] },
    { id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices: [{ id: 'p1', kind: 'pendant' }] },
  ],
};

async function makeUser(username: string, homes: string[]): Promise<void> {
  const res = await fetch(`${base}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, cookie: adminCookie },
    body: JSON.stringify({ username, password: `${username}-password`, role: 'responder', homes }),
  });
  expect(res.status, await res.text()).toBe(201);
}

async function press(homeId: string, deviceId: string): Promise<void> {
  await pressOverHttp(hub, adminCookie, homeId, deviceId);
}

beforeAll(async () => {
  dir = tempDir('s63-scope-not-configured');
  hub = await startTestHub(parseHubConfig(BEFORE), dir);
  base = dashboardUrl(hub);
  adminCookie = await adminSession(hub);
  // The daughter's login for her mother's flat; the warden's for h1 and flat 9, not configured yet.
  await makeUser('daughter', ['flat-12']);
  await makeUser('warden', ['h1', 'flat-9']);
  hub.reload(parseHubConfig(SCHEME));
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)('the console of a responder held to a home this hub does not have', () => {
  it('says so at once, naming the home, instead of "No open alerts" over a call it cannot see', async () => {
    await press('Flat-12', 'p12');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await openThroughLogin(page, base, '/console', 'daughter', 'daughter-password');
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      // The pendant call of Flat-12 is open, and not hers to see: the scope names no configured home.
      expect(await page.locator('#alerts > li').count()).toBe(0);
      const banner = page.locator('#scope-banner');
      // On main: no word of it (the page said "No open alerts." only).
      expect(await banner.isVisible()).toBe(true);
      expect(await banner.getAttribute('role')).toBe('alert');
      const said = await banner.innerText();
      expect(said).toContain("'flat-12'");
      expect(said).toMatch(/no home of that id/i);
      expect(said).toMatch(/admin/i);
      // Nothing of the hub's other homes (not hers to know), even the one differing in capitals.
      expect(said).not.toContain('Flat-12');
      expect(said).not.toContain('h1');
    } finally {
      await browser.close();
    }
  });

  it('names the homes of the scope that are not configured, not those that are; no word to a responder of every home', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await openThroughLogin(page, base, '/console', 'warden', 'warden-password');
      await page.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      const banner = page.locator('#scope-banner');
      expect(await banner.isVisible()).toBe(true);
      const said = await banner.innerText();
      expect(said).toContain("'flat-9'");
      expect(said).not.toContain("'h1'");

      const admin = await browser.newPage();
      await openThroughLogin(admin, base, '/console', 'admin', TEST_ADMIN_PASSWORD);
      await admin.locator('#connection', { hasText: 'Live: connected' }).waitFor();
      expect(await admin.locator('#scope-banner').isVisible()).toBe(false);
      expect(await admin.locator('#alerts > li').count()).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  });
});
