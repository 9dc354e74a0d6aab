// A tampered device on the devices page (review, session 65, round 2): a sensor's casing opened or the sensor moved
// raises a `tamper` alert, which the installer's role does not read, and the devices page showed nothing of it: the one
// who is to close the casing or put the sensor back saw every device as fine. A real hub in-process on a fake clock,
// its embedded broker and a real MQTT client sending the devices' own `tamper` reports; `/api/homes` as an installer's
// token; the page in Debian's chromium at 390 px, logged in as an installer.
import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeClock } from '../../hub/clock.js';
import type { RunningHub } from '../../hub/hub.js';
import { chromiumAvailable } from '../support/chromium.js';
import { adminSession, createApiToken, dashboardUrl } from '../support/in-process-hub.js';
import { openThroughLogin } from '../support/screen.js';
import { DEVICES_PAGE_T0, devicesPageBrowser, startDevicesPage, stopDevicesPage } from './devices-page.js';

const haveChromium = chromiumAvailable('the devices page, a tampered device');

const T0 = DEVICES_PAGE_T0;
const INSTALLER_PASSWORD = 'installer-password-for-tests';

let dir: string;
let hub: RunningHub;
let clock: FakeClock;
let client: MqttClient;
let browser: Browser | undefined;
let installerToken: string;

/** A device's own report, as it sends it, once the hub's alerts have taken what it caused. */
async function report(deviceId: string, events: object[]): Promise<void> {
  await client.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify(events), { qos: 1 });
  await hub.alerts.settled();
}

interface DeviceRow {
  id: string;
  tamperedAt?: string | null;
}

async function devicesSeenByInstaller(): Promise<DeviceRow[]> {
  const res = await fetch(`${dashboardUrl(hub)}/api/homes`, { headers: { authorization: `Bearer ${installerToken}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { devices: DeviceRow[] }[])[0]!.devices;
}

beforeAll(async () => {
  ({ dir, clock, hub, client } = await startDevicesPage('tampered-device'));
  const cookie = await adminSession(hub);
  installerToken = await createApiToken(hub, cookie, 'fitter', 'installer');
  const base = dashboardUrl(hub);
  const made = await fetch(`${base}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, cookie },
    body: JSON.stringify({ username: 'ivan', password: INSTALLER_PASSWORD, role: 'installer' }),
  });
  expect(made.status, await made.text()).toBe(201);
  for (const id of ['hall-pir', 'kitchen-pir', 'front']) await report(id, [{ type: 'heartbeat', value: true }]);
  browser = await devicesPageBrowser(haveChromium);
});
afterAll(() => stopDevicesPage({ dir, hub, client }, browser));

describe('a tampered device for the installer', () => {
  it('is on /api/homes, with when it reported being opened or moved, while its tamper alert is open', async () => {
    expect((await devicesSeenByInstaller()).map((d) => d.tamperedAt)).toEqual([null, null, null]);
    // The kitchen sensor's casing opened at 09:00; at 09:05 the front door's contact is moved too (the same open
    // alert: one per home and kind).
    await report('kitchen-pir', [{ type: 'tamper', value: true }]);
    clock.advanceBy(5 * 60_000);
    await report('front', [{ type: 'tamper', value: true }]);
    const open = hub.alerts.list({ homeId: 'h1', state: 'open' }).filter((a) => a.kind === 'tamper');
    expect(open).toHaveLength(1);
    const devices = await devicesSeenByInstaller();
    expect(devices.map((d) => [d.id, d.tamperedAt])).toEqual([
      ['hall-pir', null],
      ['kitchen-pir', new Date(T0).toISOString()],
      ['front', new Date(T0 + 5 * 60_000).toISOString()],
    ]);
  });
});

describe.skipIf(!haveChromium)('the devices page on a phone', () => {
  it('puts the opened devices first and says it in words, on their rows and above the table', async () => {
    const context = await browser!.newContext({
      viewport: { width: 390, height: 844 },
      timezoneId: 'Europe/London',
      locale: 'en-GB',
    });
    try {
      const page = await context.newPage();
      // The page's clock from the hub's: its times are today's, said without the date.
      await page.clock.install({ time: clock.now() });
      await openThroughLogin(page, dashboardUrl(hub), '/devices', 'ivan', INSTALLER_PASSWORD);
      const summary = page.locator('#homes [data-tampered-summary]');
      await summary.waitFor();
      expect(await summary.innerText()).toBe(
        '2 devices report being opened or moved and not since closed or put back: kitchen-pir (kitchen) at 09:00:00, ' +
          'front (entrance) at 09:05:00. Check the casing and where it is fixed.',
      );
      const rows = page.locator('#homes tbody tr');
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')))).toEqual([
        'kitchen-pir',
        'front',
        'hall-pir',
      ]);
      const kitchen = page.locator('#homes tr[data-device="kitchen-pir"]');
      expect(await kitchen.getAttribute('class')).toBe('tampered');
      expect(await kitchen.locator('td[data-label="Last heard"]').innerText()).toBe(
        '5 min ago — opened or moved at 09:00:00',
      );
      expect(await page.locator('#homes tr[data-device="hall-pir"] td[data-label="Last heard"]').innerText()).toBe(
        '5 min ago',
      );
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  });
});
