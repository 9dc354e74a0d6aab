// The devices page's "last heard" (session 34): a real hub on a fake clock, its embedded broker and a real MQTT client.
// `/api/homes` gives each configured device when the rules last heard it (the hub's time of the report: a `ts` ahead
// of the hub's clock counts as then), whether sensor-offline holds it offline, its battery; the installer and admin
// see it, the analyst is refused the route. In Debian chromium, on a phone's width, the dead device comes first, said
// in words ("26 h ago — offline"), with the local time of its last report on hover.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeClock } from '../../hub/clock.js';
import type { RunningHub } from '../../hub/hub.js';
import { chromiumAvailable } from '../support/chromium.js';
import { TEST_ADMIN_PASSWORD, adminSession, createApiToken, dashboardUrl } from '../support/in-process-hub.js';
import { DEVICES_PAGE_T0, devicesPageBrowser, startDevicesPage, stopDevicesPage } from './devices-page.js';

const haveChromium = chromiumAvailable('the last-heard screen test');
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const T0 = DEVICES_PAGE_T0;
const HOUR = 3_600_000;

let dir: string;
let hub: RunningHub;
let clock: FakeClock;
let client: MqttClient;
let browser: Browser | undefined;

interface DeviceRow {
  id: string;
  lastHeardAt?: string | null;
  silentForS?: number | null;
  offline?: boolean;
  battery?: number | null;
  batteryLow?: boolean;
}

async function homesAs(authorization: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${dashboardUrl(hub)}/api/homes`, { headers: authorization });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  ({ dir, clock, hub, client } = await startDevicesPage('last-heard'));
  // The hall sensor reports (with its battery), then nothing for 26 h: past sensor-offline's 25 h.
  await client.publishAsync(
    'telecare/h1/devices/hall-pir/events',
    JSON.stringify([
      { type: 'motion', value: true },
      { type: 'battery', value: 80 },
    ]),
    { qos: 1 },
  );
  clock.advanceBy(26 * HOUR);
  // The kitchen sensor reports now, its own clock 2 h fast; its battery is low. The front door never reports (offline
  // 25 h after it was configured, since session 35).
  await client.publishAsync(
    'telecare/h1/devices/kitchen-pir/events',
    JSON.stringify([
      { type: 'motion', value: true, ts: new Date(clock.now() + 2 * HOUR).toISOString() },
      { type: 'battery', value: 12 },
    ]),
    { qos: 1 },
  );
  browser = await devicesPageBrowser(haveChromium);
});
afterAll(() => stopDevicesPage({ dir, hub, client }, browser));

describe("the devices' last heard on /api/homes", () => {
  it('says when each device was last heard on the hub clock, which is offline, and its battery; never heard is null', async () => {
    const { status, body } = await homesAs({ cookie: await adminSession(hub) });
    expect(status).toBe(200);
    const devices = (body as { devices: DeviceRow[] }[])[0]!.devices;
    expect(devices).toEqual([
      expect.objectContaining({
        id: 'hall-pir',
        lastHeardAt: new Date(T0).toISOString(),
        silentForS: 26 * 3600,
        offline: true,
        battery: 80,
        batteryLow: false,
      }),
      // The future-stamped report counts at the hub's time, not the sensor's 2 h ahead.
      expect.objectContaining({
        id: 'kitchen-pir',
        lastHeardAt: new Date(T0 + 26 * HOUR).toISOString(),
        silentForS: 0,
        offline: false,
        battery: 12,
        batteryLow: true,
      }),
      // Never heard in the 26 h since it was configured: offline too (review, session 35; before, never called so).
      expect.objectContaining({
        id: 'front',
        lastHeardAt: null,
        silentForS: null,
        offline: true,
        battery: null,
        batteryLow: false,
      }),
    ]);
  });

  it("the installer sees it; the analyst (no resident's activity times) is refused the route", async () => {
    const cookie = await adminSession(hub);
    const installer = await createApiToken(hub, cookie, 'fitter', 'installer');
    const analyst = await createApiToken(hub, cookie, 'council', 'analyst');
    const seen = await homesAs({ authorization: `Bearer ${installer}` });
    expect(seen.status).toBe(200);
    expect((seen.body as { devices: DeviceRow[] }[])[0]!.devices[0]).toMatchObject({ id: 'hall-pir', offline: true });
    const refused = await homesAs({ authorization: `Bearer ${analyst}` });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain('hall-pir');
  });
});

describe.skipIf(!haveChromium)('the devices page on a phone', () => {
  it('puts the offline device first, in words, with its local time on hover; never heard and battery said too', async () => {
    const base = dashboardUrl(hub);
    const context = await browser!.newContext({
      viewport: { width: 390, height: 844 },
      timezoneId: 'Europe/London',
      locale: 'en-GB',
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${base}/devices`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(TEST_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/devices`);

    await page.getByText('2 devices are offline: hall-pir, front.').waitFor();
    const rows = page.locator('#homes tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')))).toEqual([
      'hall-pir',
      'front',
      'kitchen-pir',
    ]);
    const hall = page.locator('#homes tr[data-device="hall-pir"]');
    expect(await hall.getAttribute('class')).toBe('offline');
    const heard = hall.locator('td[data-label="Last heard"] span');
    expect(await heard.innerText()).toBe('26 h ago — offline');
    // 09:00 UTC on 23 November is 09:00 in London (GMT).
    expect(await heard.getAttribute('title')).toMatch(/^Last heard .*09:00/);
    expect(await hall.locator('td[data-label="Battery"]').innerText()).toBe('80 %');
    const kitchen = page.locator('#homes tr[data-device="kitchen-pir"]');
    expect(await kitchen.locator('td[data-label="Last heard"]').innerText()).toBe('just now');
    expect(await kitchen.locator('td[data-label="Battery"]').innerText()).toBe('12 % — low');
    const front = page.locator('#homes tr[data-device="front"]');
    expect(await front.locator('td[data-label="Last heard"]').innerText()).toBe('never heard — offline');

    // Readable at 390 px: nothing wider than the screen.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    // The offline row's marking keeps WCAG 2 AA contrast (axe-core, as test/dashboard/accessibility.test.ts).
    await page.evaluate(AXE);
    const violations = await page.evaluate<string[]>(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
         .then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
    );
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
