// The installer's first hour at the screen (Debian chromium, a real hub with its embedded broker, a real MQTT
// client): a hub with no configuration says what to do; a sensor's first event shows up on the devices page by
// itself, with the line to paste into the configuration file.
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

const haveChromium = chromiumAvailable("the installer's screen tests");

let dir: string;
let hub: RunningHub;
let browser: Browser;
let client: MqttClient | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  dir = tempDir('installer-screen');
  hub = await startTestHub(parseHubConfig({ homes: [] }), dir);
  browser = await launchChromium();
});
afterAll(async () => {
  await client?.endAsync();
  await browser?.close();
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)("the installer's first hour on the devices page", () => {
  it('says what to do on an empty hub, then shows a first event with the line for the configuration file', async () => {
    const base = dashboardUrl(hub);
    const page = await browser.newPage();
    // Fake timers from the real time on: the page looks for devices every 10 s (dashboard/public/devices.js), and the
    // test moves its clock on to the next look instead of waiting for it.
    await page.clock.install();
    await openThroughLogin(page, base, '/devices', 'admin', TEST_ADMIN_PASSWORD);

    // Nothing configured, nothing heard: each part of the page says so, and what comes next.
    await page.getByText('No home is configured yet.').waitFor();
    await page.getByText('No device has been heard from yet.').waitFor();
    const help = page.locator('#connect-help');
    await help.getByText('Connecting a sensor').click();
    await help.getByText('telecare/<home id>/devices/<device id>/events').waitFor();
    await help.getByText('npx telecare hub --check-config').waitFor();
    // The port this hub's broker listens on (an ephemeral one here), not the default the help would name (session 59:
    // it said "port 1883" whatever HUB_MQTT_PORT was).
    await expect
      .poll(() => help.locator('#mqtt-where').textContent())
      .toBe(`${new URL(base).hostname}, port ${hub.ports.mqtt}`);

    // A sensor's first event, over MQTT from this machine: the page finds it without a reload.
    client = await mqttClient(hub.ports.mqtt ?? 0);
    await client.publishAsync('telecare/h9/devices/hall-pir/events', JSON.stringify({ type: 'motion', value: true }), {
      qos: 1,
    });
    const line = page.locator('li[data-device="hall-pir"]');
    await clockOnUntilShown(page, line, 10_000);
    expect(await line.innerText()).toBe(
      'hall-pir: add {"id": "hall-pir", "kind": "…", "room": "…"} into "devices" of a new home with "id": "h9" (this home is not configured yet).',
    );
    const row = page.getByRole('row').filter({ hasText: 'hall-pir' });
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(
      expect.arrayContaining(['hall-pir', 'h9', 'mqtt', '1']),
    );
    await expect
      .poll(() => page.locator('#devices-news').textContent())
      .toBe('First event from hall-pir: listed under devices seen but not configured.');
    await page.close();
  });

  it('says on the home view of an empty hub where homes come from, not only that there are none', async () => {
    const page = await browser.newPage();
    await openThroughLogin(page, dashboardUrl(hub), '/home', 'admin', TEST_ADMIN_PASSWORD);
    // Before (session 60): "No homes configured." and nothing more.
    await page
      .getByText(
        "No home is configured yet: homes are set in the hub's configuration file (Device setup says how). A home's " +
          'charts appear here from the day after its sensors are first heard.',
        { exact: true },
      )
      .waitFor();
    expect(await page.getByRole('link', { name: 'Device setup' }).getAttribute('href')).toBe('/devices');
    await page.close();
  });
});
