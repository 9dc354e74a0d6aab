// Review, session 59 (installer's journey): a Zigbee2MQTT friendly name written in the configuration with other
// capitals than Zigbee2MQTT publishes (`hall_pir` for `Hall_PIR`), or a native id so written, leaves the device heard
// but unconfigured: names are matched exactly. The devices page offered a line to add it as a new device, which would
// make two devices of one, and said nothing of the near miss. It now says which configured device it matches but for
// capitals and what to write there. Chromium, a real hub and its embedded broker, a real MQTT client.
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

const haveChromium = chromiumAvailable("the devices page's word on a name that differs only in capitals");

let dir: string;
let hub: RunningHub;
let browser: Browser;
let client: MqttClient | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  dir = tempDir('review-s59-name-case');
  const home = {
    id: 'h1',
    timezone: 'Europe/London',
    residents: [{ id: 'r1' }],
    devices: [
      { id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion', room: 'hall' },
      { id: 'Kitchen-PIR', kind: 'motion', room: 'kitchen' },
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

describe.skipIf(!haveChromium)('a device heard under a configured name in other capitals', () => {
  it('is named as that device, with what to write, instead of a line to add it again', async () => {
    client = await mqttClient(hub.ports.mqtt ?? 0);
    await client.publishAsync('zigbee2mqtt/Hall_PIR', JSON.stringify({ occupancy: true }), { qos: 1 });
    await client.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    // A device with no near miss keeps its line to paste.
    await client.publishAsync('telecare/h1/devices/bath-pir/events', '{"type":"motion","value":true}', { qos: 1 });

    const page = await browser.newPage();
    await openThroughLogin(page, dashboardUrl(hub), '/devices', 'admin', TEST_ADMIN_PASSWORD);
    const zigbee = page.locator('li[data-device="Hall_PIR"]');
    await zigbee.waitFor();
    expect(await zigbee.innerText()).toBe(
      'Hall_PIR: already configured as "hall_pir" (the Zigbee2MQTT name of hall-pir in home h1), which differs only ' +
        'in capitals: names are matched exactly, so write "Hall_PIR" there instead of adding it again.',
    );
    expect(await page.locator('li[data-device="kitchen-pir"]').innerText()).toBe(
      'kitchen-pir: already configured as "Kitchen-PIR" (a device id of home h1), which differs only in capitals: ' +
        'names are matched exactly, so write "kitchen-pir" there instead of adding it again.',
    );
    expect(await page.locator('li[data-device="bath-pir"]').innerText()).toContain('bath-pir: add {"id": "bath-pir"');
    await page.close();
  });
});
