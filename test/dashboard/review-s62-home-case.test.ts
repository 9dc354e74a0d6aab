// Review, session 62 (installer's first hour): a sensor set up to publish for its home with other capitals than the
// configuration writes the home (`flat-3` for `Flat-3`) is heard but not configured: home ids are matched exactly. The
// devices page told the installer to add it "into "devices" of a new home with "id": "flat-3" (this home is not
// configured yet)", and `--check-config` takes two such homes: the flat's sensors split over two homes, the resident's
// silence judged without the one in the other. It now says which configured home it matches but for capitals and
// what to do (publish for that home, add the line there). Chromium, a real hub and its embedded broker, a real MQTT
// client.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { TEST_ADMIN_PASSWORD, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';

const haveChromium = chromiumAvailable("the devices page's word on a home that differs only in capitals");

let dir: string;
let hub: RunningHub;
let browser: Browser;
let client: MqttClient | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  dir = tempDir('review-s62-home-case');
  const home = {
    id: 'Flat-3',
    timezone: 'Europe/London',
    residents: [{ id: 'r1' }],
    devices: [{ id: 'bed', kind: 'bed', room: 'bedroom' }],
  };
  hub = await startTestHub(parseHubConfig({ homes: [home] }), dir);
  browser = await launchChromium();
});
afterAll(async () => {
  await client?.endAsync();
  await browser?.close();
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)('a device heard for a configured home written in other capitals', () => {
  it('is sent to that home, not to a new one', async () => {
    client = await mqttClient(hub.ports.mqtt ?? 0);
    // A device new to the flat, and one the flat already has, both set up with the home's id in small letters.
    await client.publishAsync('telecare/flat-3/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    await client.publishAsync('telecare/flat-3/devices/bed/events', '{"type":"occupancy","value":true}', { qos: 1 });
    // A home with no near miss keeps its word on a new home.
    await client.publishAsync('telecare/flat-4/devices/pir/events', '{"type":"motion","value":true}', { qos: 1 });

    const page = await browser.newPage();
    await openThroughLogin(page, dashboardUrl(hub), '/devices', 'admin', TEST_ADMIN_PASSWORD);
    const fresh = page.locator('li[data-device="hall-pir"]');
    await fresh.waitFor();
    expect(await fresh.innerText()).toBe(
      'hall-pir: heard for home "flat-3", configured as "Flat-3", which differs only in capitals: homes are matched ' +
        'exactly, so have it send its events for "Flat-3" (topic telecare/Flat-3/devices/hall-pir/events) and add ' +
        '{"id": "hall-pir", "kind": "…", "room": "…"} into "devices" of home Flat-3, not a new home.',
    );
    expect(await page.locator('li[data-device="bed"]').innerText()).toBe(
      'bed: heard for home "flat-3", configured as "Flat-3", which differs only in capitals: homes are matched ' +
        'exactly, so have it send its events for "Flat-3" (topic telecare/Flat-3/devices/bed/events), where it is ' +
        'already configured, not a new home.',
    );
    expect(await page.locator('li[data-device="pir"]').innerText()).toBe(
      'pir: add {"id": "pir", "kind": "…", "room": "…"} into "devices" of a new home with "id": "flat-4" (this home is ' +
        'not configured yet).',
    );
    await page.close();
  });
});
