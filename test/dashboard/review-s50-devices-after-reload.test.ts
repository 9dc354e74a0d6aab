// The devices page shows a device the installer configured and reloaded under its home, without a page reload (it vanished).
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { clockOnUntilShown, openThroughLogin } from '../support/screen.js';
import { TEST_ADMIN_PASSWORD, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';

const haveChromium = chromiumAvailable('the devices page after a configuration reload');

let dir: string;
let hub: RunningHub;
let browser: Browser;
let client: MqttClient | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  dir = tempDir('devices-after-reload');
  hub = await startTestHub(parseHubConfig({ homes: [] }), dir);
  browser = await launchChromium();
});
afterAll(async () => {
  await client?.endAsync();
  await browser?.close();
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** How often the devices page looks for new devices (`REFRESH_MS`, dashboard/public/devices.js). */
const REFRESH_MS = 10_000;

describe.skipIf(!haveChromium)('the devices page while the installer configures a device', () => {
  it('moves a device from "seen but not configured" to its home once the configuration is reloaded', async () => {
    const base = dashboardUrl(hub);
    const page = await browser.newPage();
    // Fake timers from the real time on: the page's clock runs on as the hub's does, and jumps when the test moves it.
    await page.clock.install();
    await openThroughLogin(page, base, '/devices', 'admin', TEST_ADMIN_PASSWORD);
    await page.getByText('No home is configured yet.').waitFor();

    client = await mqttClient(hub.ports.mqtt ?? 0);
    await client.publishAsync('telecare/h9/devices/hall-pir/events', JSON.stringify({ type: 'motion', value: true }), {
      qos: 1,
    });
    await clockOnUntilShown(page, page.locator('li[data-device="hall-pir"]'), REFRESH_MS);

    // Step 4 of the page's own help: the line pasted into the file, the file reloaded (kill -HUP).
    hub.reload(
      parseHubConfig({
        homes: [
          {
            id: 'h9',
            timezone: 'Europe/London',
            residents: [{ id: 'r9' }],
            devices: [{ id: 'hall-pir', kind: 'motion', room: 'hall' }],
          },
        ],
      }),
    );
    // "The device then shows under its home below." Before: the page kept "No home is configured yet." and, the
    // device gone from the unassigned list, said "No device has been heard from yet."
    await clockOnUntilShown(page, page.locator('#homes tr[data-device="hall-pir"]'), REFRESH_MS);
    expect(await page.locator('#homes h3').first().innerText()).toMatch(/^h9 /);
    await page.getByText('None: every device the hub has heard from is configured.').waitFor();
    expect(await page.getByText('No device has been heard from yet.').count()).toBe(0);
    await page.close();
  }, 120_000);
});
