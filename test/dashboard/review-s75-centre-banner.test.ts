// Review, session 75: a hub that forwards its alerts to an alarm-receiving centre (HUB_UPLINK_URL) told nobody at the
// hub when they were not reaching it: only /api/health's JSON said so. A warden at the console took it that the centre
// had every call too. Now the console shows a banner (role=alert, as the storage banner) with a plain sentence and what
// to do, while the hub says alerts are not reaching the centre, and clears it once the centre takes them. A responder
// held to one home sees the same state, without the counts and nothing of the other homes.
// Real interfaces: a real mosquitto "centre" with users and the least-privilege ACL (test/hub/uplink-centre.ts) that
// refuses what this hub sends (HUB_ID hub2, HUB_UPLINK_USER hub1: MQTT 5's PUBACK 0x87), an in-process hub with two
// homes, Debian's chromium logged in through the login form.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { CENTRE_UNREACHABLE_SAID_AFTER_MS } from '../../hub/uplink.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import { centreConsole, startCentre, uplinkOptions, alertItems, type Centre } from '../hub/uplink-centre.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import {
  adminSession,
  dashboardUrl,
  pressOverHttp,
  startTestHub,
  TEST_ADMIN_PASSWORD,
} from '../support/in-process-hub.js';
import { loggedInPage } from '../support/screen.js';
import { USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console banner for alerts not reaching the centre');

const home1 = ONE_HOME_CONFIG.homes[0]!;
const TWO_HOMES = {
  homes: [
    home1,
    { ...home1, id: 'h2', residents: [{ id: 'r2' }], devices: home1.devices.filter((d) => d.id === 'p1') },
  ],
};

let browser: Browser | undefined;
let dir: string;
let centre: Centre | undefined;
let hub: RunningHub | undefined;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (haveChromium) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  await hub?.stop();
  hub = undefined;
  await centre?.kill();
  centre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `/api/health` as the page's own login sees it. */
function healthSeenBy(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => (await fetch('/api/health')).json() as Promise<Record<string, unknown>>);
}

/** `/api/health`'s `centreLink` as the admin session `cookie` sees it. */
async function centreLinkFor(running: RunningHub, cookie: string): Promise<Record<string, unknown>> {
  const health = (await (await fetch(`${dashboardUrl(running)}/api/health`, { headers: { cookie } })).json()) as {
    centreLink: Record<string, unknown>;
  };
  return health.centreLink;
}

const REFUSED_SENTENCE =
  /^Alerts are not reaching the alarm centre since \d\d:\d\d \(1 alert waiting\): the centre refuses this hub's messages — call the installer\. Alerts still arrive here\.$/;
const REFUSED_SENTENCE_NO_COUNT =
  /^Alerts are not reaching the alarm centre since \d\d:\d\d: the centre refuses this hub's messages — call the installer\. Alerts still arrive here\.$/;

describe.skipIf(!haveChromium)('the console says when alerts are not reaching the alarm centre', () => {
  it('shows a banner while the centre refuses the alerts, to the admin and to a responder of one home, and clears it once the centre takes them', async () => {
    dir = tempDir('s75-centre-banner');
    // HUB_ID changed to hub2, HUB_UPLINK_USER still hub1: the centre's ACL lets hub1 write telecare-up/hub1/# only.
    centre = await startCentre(dir, { hubs: ['hub1', 'hub2'], persistence: true });
    const { client, received } = await centreConsole(centre.port, 'telecare-up/#');
    closers.push(() => client.endAsync(true));
    hub = await startTestHub(parseHubConfig(TWO_HOMES), dir, {
      uplink: uplinkOptions(centre.port, { hubId: 'hub2', username: 'hub1' }),
    });
    const running = hub;
    const base = dashboardUrl(running);
    const cookie = await adminSession(running);
    const made = await fetch(`${base}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, cookie },
      body: JSON.stringify({ username: 'warden', password: USER_PASSWORD, role: 'responder', homes: ['h1'] }),
    });
    expect(made.status, await made.text()).toBe(201);

    // A call in the other home: the centre refuses it, the hub keeps it queued.
    const call = await pressOverHttp(running, cookie, 'h2', 'p1');
    await vi.waitFor(
      async () => {
        const health = (await (await fetch(`${base}/api/health`, { headers: { cookie } })).json()) as {
          uplink: { refusing?: unknown; queue: number };
        };
        expect(health.uplink.refusing).toBeDefined();
      },
      { timeout: 20_000, interval: 100 },
    );

    const admin = await loggedInPage(browser!, base, 1024, 'admin', TEST_ADMIN_PASSWORD);
    closers.push(() => admin.context().close());
    const warden = await loggedInPage(browser!, base, 390, 'warden', USER_PASSWORD);
    closers.push(() => warden.context().close());

    // Before the fix: no such banner at all (the health's JSON alone said it).
    const adminBanner = admin.locator('#centre-banner');
    const wardenBanner = warden.locator('#centre-banner');
    await expect.poll(() => adminBanner.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await adminBanner.innerText()).toMatch(REFUSED_SENTENCE);
    expect(await adminBanner.getAttribute('role')).toBe('alert');
    await expect.poll(() => wardenBanner.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await wardenBanner.innerText()).toMatch(REFUSED_SENTENCE_NO_COUNT);
    expect(await wardenBanner.getAttribute('role')).toBe('alert');

    // The responder of h1: the hub-wide state, no counts, nothing of h2 or its call.
    const wardenHealth = await healthSeenBy(warden);
    expect(wardenHealth.centreLink).toMatchObject({ reaching: false, problems: ['centre-refuses'] });
    expect(Object.keys(wardenHealth.centreLink as object).sort()).toEqual(['problems', 'reaching', 'since']);
    expect(wardenHealth.uplink).toBeUndefined();
    const seenByWarden = JSON.stringify(wardenHealth) + (await warden.locator('main').innerText());
    expect(seenByWarden).not.toContain('h2');
    expect(seenByWarden).not.toContain(call.id);
    // The admin keeps the uplink's details as before.
    const adminHealth = await healthSeenBy(admin);
    expect(adminHealth.uplink).toMatchObject({ queue: 1, refusing: { kinds: ['alert'] } });
    expect(adminHealth.centreLink).toMatchObject({ reaching: false, problems: ['centre-refuses'], alertsWaiting: 1 });

    // The centre fixes its ACL and restarts its broker: the call is delivered, the banners go (the next 10 s look).
    const acl = path.join(path.dirname(centre.broker.process.spawnargs.at(-1) ?? ''), 'acl');
    fs.appendFileSync(acl, 'user hub1\ntopic write telecare-up/hub2/#\n');
    await centre.kill();
    await centre.restart();
    await vi.waitFor(
      () => expect(alertItems(received).map((a) => `${a.hubId}:${a.alertId}`)).toContain(`hub2:${call.id}`),
      { timeout: 40_000, interval: 100 },
    );
    await expect.poll(() => adminBanner.isVisible(), { timeout: 30_000 }).toBe(false);
    await expect.poll(() => wardenBanner.isVisible(), { timeout: 30_000 }).toBe(false);
    expect(await adminBanner.innerText()).toBe('');
    expect((await healthSeenBy(warden)).centreLink).toEqual({ reaching: true, problems: [] });
  }, 120_000);

  it('says it once the centre has been out of reach for two minutes with a call waiting (not for a blip), and clears it once the call is sent', async () => {
    dir = tempDir('s75-centre-banner-down');
    centre = await startCentre(dir, { persistence: true });
    // The centre out of reach from the hub's start (its broker killed; started again later on the same port).
    await centre.kill();
    // The hub's clock (the real time at the start, so that the browser keeps the session's cookie) moved by the test.
    const clock = new FakeClock(Date.now());
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock, uplink: uplinkOptions(centre.port) });
    const running = hub;
    const cookie = await adminSession(running);
    await pressOverHttp(running, cookie, 'h1', 'p1');
    // Out of reach for less than CENTRE_UNREACHABLE_SAID_AFTER_MS: a blip, not said.
    clock.advanceBy(CENTRE_UNREACHABLE_SAID_AFTER_MS - 1_000);
    expect(await centreLinkFor(running, cookie)).toEqual({ reaching: true, problems: [] });
    clock.advanceBy(1_000);
    expect(await centreLinkFor(running, cookie)).toMatchObject({
      reaching: false,
      problems: ['unreachable'],
      alertsWaiting: 1,
    });

    const admin = await loggedInPage(browser!, dashboardUrl(running), 1024, 'admin', TEST_ADMIN_PASSWORD);
    closers.push(() => admin.context().close());
    const banner = admin.locator('#centre-banner');
    await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await banner.innerText()).toMatch(
      /^Alerts are not reaching the alarm centre since \d\d:\d\d \(1 alert waiting\): the hub cannot reach the centre \(its internet link or the centre is down\) — they are sent once it is back; if this lasts, call the installer\. Alerts still arrive here\.$/,
    );

    // The centre back: the call is sent (acknowledged by the centre's broker: the queue empties), the banner goes at
    // the console's next look.
    await centre.restart();
    await vi.waitFor(
      async () => {
        const health = (await (await fetch(`${dashboardUrl(running)}/api/health`, { headers: { cookie } })).json()) as {
          uplink: { queue: number; lastSentAt: string | null };
        };
        expect(health.uplink).toMatchObject({ queue: 0 });
        expect(health.uplink.lastSentAt).not.toBeNull();
      },
      { timeout: 40_000, interval: 100 },
    );
    await expect.poll(() => banner.isVisible(), { timeout: 30_000 }).toBe(false);
    expect(await centreLinkFor(running, cookie)).toEqual({ reaching: true, problems: [] });
  }, 120_000);

  it("says when what was queued under the hub's earlier HUB_ID is held, not sent", async () => {
    dir = tempDir('s75-centre-banner-held');
    centre = await startCentre(dir, { hubs: ['hub1', 'hub2'], persistence: true });
    await centre.kill();
    // A call queued as hub1 while the centre is out of reach; the hub stopped.
    const first = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { uplink: uplinkOptions(centre.port) });
    hub = first;
    await pressOverHttp(first, await adminSession(first), 'h1', 'p1');
    await first.stop();
    hub = undefined;
    // The box runs again as hub2, its own credential, the centre back: hub1's item is held, never sent as hub2.
    await centre.restart();
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
      uplink: uplinkOptions(centre.port, { hubId: 'hub2', username: 'hub2' }),
    });
    const running = hub;
    const cookie = await adminSession(running);
    await vi.waitFor(
      async () =>
        expect(await centreLinkFor(running, cookie)).toMatchObject({ reaching: false, problems: ['held'], held: 1 }),
      { timeout: 20_000, interval: 100 },
    );
    const admin = await loggedInPage(browser!, dashboardUrl(running), 1024, 'admin', TEST_ADMIN_PASSWORD);
    closers.push(() => admin.context().close());
    const banner = admin.locator('#centre-banner');
    await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await banner.innerText()).toBe(
      "1 message for the alarm centre, queued under this hub's earlier name (HUB_ID), is held and not sent — call " +
        'the installer. Alerts still arrive here.',
    );
  }, 120_000);
});
