// Review, session 73 (one flat set up from the product's own words): a pendant pressed during commissioning with its
// home or its id one character off (`flat12` for `flat-12`, `pendnt` for `pendant`) raises nothing and is listed as not
// configured, and the devices page said to add it "into "devices" of a new home with "id": "flat12" (this home is not
// configured yet)", or to add `pendnt` beside the `pendant` never heard: a second home, or a second pendant, of one.
// It now names the configured home or device it is one character from, as it did for names differing only in
// capitals (sessions 59, 62); a scheme's next flat (`flat-13`) or next sensor (`pir-2`) keeps its own line. Chromium,
// a real hub and its embedded broker, a real MQTT client.
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

const haveChromium = chromiumAvailable("the devices page's word on a name one character from a configured one");

let dir: string;
let hub: RunningHub;
let browser: Browser;
let client: MqttClient | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  dir = tempDir('review-s73-near-names');
  const home = {
    id: 'flat-12',
    timezone: 'Europe/London',
    residents: [{ id: 'r1' }],
    devices: [
      { id: 'pendant', kind: 'pendant', room: 'living' },
      { id: 'pir-1', kind: 'motion', room: 'hall' },
      { id: 'pir-kitchen', zigbee: 'kitchen_pir', kind: 'motion', room: 'kitchen' },
    ],
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

describe.skipIf(!haveChromium)('a device heard with its home or its name one character off', () => {
  it('is pointed at the configured home or device, not added as a new one', async () => {
    client = await mqttClient(hub.ports.mqtt ?? 0);
    const press = '{"type":"pendant","value":true}';
    await client.publishAsync('telecare/flat12/devices/pendant/events', press, { qos: 1 });
    await client.publishAsync('telecare/flat-12/devices/pendnt/events', press, { qos: 1 });
    await client.publishAsync('zigbee2mqtt/kitchen_pri', '{"occupancy":true}', { qos: 1 });
    // A scheme's next flat and next sensor are new: their lines stay as they were.
    await client.publishAsync('telecare/flat-13/devices/pendant/events', press, { qos: 1 });
    await client.publishAsync('telecare/flat-12/devices/pir-2/events', '{"type":"motion","value":true}', { qos: 1 });

    const page = await browser.newPage();
    await openThroughLogin(page, dashboardUrl(hub), '/devices', 'admin', TEST_ADMIN_PASSWORD);
    const homeSlip = page.locator('li[data-device="pendant"]', { hasText: '"flat12"' });
    await homeSlip.waitFor();
    await page.locator('li[data-device="pir-2"]').waitFor();
    expect(await homeSlip.innerText()).toBe(
      'pendant: heard for home "flat12", configured as "flat-12", one character apart: homes are matched exactly, so ' +
        'have it send its events for "flat-12" (topic telecare/flat-12/devices/pendant/events), where it is already ' +
        'configured, not a new home.',
    );
    expect(await page.locator('li[data-device="pendnt"]').innerText()).toBe(
      'pendnt: is it "pendant" (a device id of home flat-12), one character apart? Names are matched exactly, so if ' +
        'it is that device, correct the name where it is mistyped (in the device\'s setting, or write "pendnt" in the ' +
        'file) instead of adding it again.',
    );
    expect(await page.locator('li[data-device="kitchen_pri"]').innerText()).toContain(
      'kitchen_pri: is it "kitchen_pir" (the Zigbee2MQTT name of pir-kitchen in home flat-12), one character apart?',
    );
    expect(await page.locator('li[data-device="pendant"]', { hasText: '"flat-13"' }).innerText()).toBe(
      'pendant: add {"id": "pendant", "kind": "…", "room": "…"} into "devices" of a new home with "id": "flat-13" ' +
        '(this home is not configured yet).',
    );
    expect(await page.locator('li[data-device="pir-2"]').innerText()).toBe(
      'pir-2: add {"id": "pir-2", "kind": "…", "room": "…"} into "devices" of home flat-12.',
    );
    await page.close();
  });
});
