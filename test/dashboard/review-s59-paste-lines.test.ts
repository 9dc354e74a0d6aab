// The devices page's line "ready to paste, once you have chosen its kind and room" is what the installer pastes: for a
// Zigbee2MQTT friendly name with spaces or a slash (SPEC 4.2 names `kitchen/pir`) and for a device id with colons or a
// comma, the pasted line passes --check-config unchanged and, reloaded, brings the device to its home. Before, the
// page offered the friendly name as the id (refused: an id has no spaces or slash) and put a space after every colon
// and comma of the whole line, names included: a Bluetooth address "a4:c1:38:…" became "a4: c1: 38: …" and a friendly
// name "Lamp, hall" became "Lamp,  hall", which no Zigbee2MQTT device is called, so the device stayed unconfigured.
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

const haveChromium = chromiumAvailable("the devices page's lines for the configuration file");

let dir: string;
let hub: RunningHub;
let browser: Browser;
let client: MqttClient | undefined;

const HOME = { id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }] };

beforeAll(async () => {
  if (!haveChromium) return;
  dir = tempDir('review-s59-paste-lines');
  hub = await startTestHub(parseHubConfig({ homes: [{ ...HOME, devices: [] }] }), dir);
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

/** What each device heard is, in the installer's choice of kind and room. */
const HEARD = [
  { name: 'Living room PIR', topic: 'zigbee2mqtt/Living room PIR', payload: { occupancy: true }, kind: 'motion' },
  { name: 'kitchen/pir', topic: 'zigbee2mqtt/kitchen/pir', payload: { occupancy: true }, kind: 'motion' },
  { name: 'Lamp, hall', topic: 'zigbee2mqtt/Lamp, hall', payload: { power: 40 }, kind: 'appliance' },
  {
    name: 'a4:c1:38:0b:2e:7f',
    topic: 'telecare/h1/devices/a4:c1:38:0b:2e:7f/events',
    payload: { type: 'temperature', value: 19.5 },
    kind: 'climate',
  },
];

describe.skipIf(!haveChromium)("the devices page's line for the configuration file", () => {
  it('is accepted as pasted and brings a device with spaces, a slash, colons or a comma in its name to its home', async () => {
    const page = await browser.newPage();
    await page.clock.install();
    await openThroughLogin(page, dashboardUrl(hub), '/devices', 'admin', TEST_ADMIN_PASSWORD);
    await page.getByText('No device configured in this home yet.').waitFor();

    client = await mqttClient(hub.ports.mqtt ?? 0);
    for (const d of HEARD) await client.publishAsync(d.topic, JSON.stringify(d.payload), { qos: 1 });

    // The installer copies each line shown, chooses the kind and the room where the line says "…", and pastes it.
    const devices = [];
    for (const d of HEARD) {
      const item = page.locator(`li[data-device="${d.name}"]`);
      await clockOnUntilShown(page, item, REFRESH_MS);
      const pasted = (await item.locator('code').innerText()).replace('"kind": "…"', `"kind": "${d.kind}"`);
      devices.push(JSON.parse(pasted.replace('"room": "…"', '"room": "living"')) as Record<string, unknown>);
    }
    // `telecare hub --check-config` reads the file with parseHubConfig: it throws on the first refusal.
    const config = parseHubConfig({ homes: [{ ...HOME, devices }] });
    hub.reload(config);

    // The page's step 4: "The device then shows under its home below." Each one, and none left unconfigured.
    await clockOnUntilShown(
      page,
      page.getByText('None: every device the hub has heard from is configured.'),
      REFRESH_MS,
    );
    const zigbeeNames = await page.locator('#homes td[data-label="Zigbee name"]').allInnerTexts();
    expect(zigbeeNames.sort()).toEqual(['Lamp, hall', 'Living room PIR', 'kitchen/pir', '—']);
    expect(await page.locator('#homes td[data-label="Device"]').allInnerTexts()).toContain('a4:c1:38:0b:2e:7f');
    await page.close();
  }, 120_000);
});
