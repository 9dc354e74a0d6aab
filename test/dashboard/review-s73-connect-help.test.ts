// Review, session 73 (one flat set up from the product's own words): the devices page's "Connecting a sensor" named
// MQTT only, so an installer with a sensor that speaks only HTTP (SPEC 4.4) or a serial receiver had nothing on the
// installer's page to go by (the token a device needs was in dashboard/README.md alone). It now names both; done as
// it says, an HTTP sensor's event shows under its home. Chromium, a real hub, real HTTP.
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import {
  TEST_ADMIN_PASSWORD,
  adminSession,
  createApiToken,
  dashboardUrl,
  startTestHub,
} from '../support/in-process-hub.js';
import { tempDir } from '../hub/helpers.js';

const haveChromium = chromiumAvailable("the devices page's help for HTTP and serial sensors");

let dir: string;
let hub: RunningHub;
let browser: Browser;

beforeAll(async () => {
  if (!haveChromium) return;
  dir = tempDir('review-s73-connect-help');
  const home = {
    id: 'flat-12',
    timezone: 'Europe/London',
    residents: [{ id: 'r1' }],
    devices: [{ id: 'pir-living', kind: 'motion', room: 'living' }],
  };
  hub = await startTestHub(parseHubConfig({ homes: [home] }), dir);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)('the devices page on sensors that do not speak MQTT', () => {
  it('names the HTTP path with its device token and the serial bridge; an event sent as it says is heard', async () => {
    const page = await browser.newPage();
    await openThroughLogin(page, dashboardUrl(hub), '/devices', 'admin', TEST_ADMIN_PASSWORD);
    const help = page.locator('#connect-help');
    await help.getByText('Connecting a sensor').click();
    const text = await help.innerText();
    expect(text).toContain('POST /api/events');
    expect(text).toContain('Authorization: Bearer <token>');
    expect(text).toContain('POST /api/tokens');
    expect(text).toContain('{ "name": "…", "role": "device", "homes": ["<home id>"] }');
    expect(text).toContain('npx telecare bridge --port /dev/ttyUSB0 --home <home id>');

    // As the help says: a device token for the home, then the sensor's JSON with its home and id.
    const token = await createApiToken(hub, await adminSession(hub), 'living-pir', 'device', ['flat-12']);
    const sent = await fetch(`${dashboardUrl(hub)}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ homeId: 'flat-12', deviceId: 'pir-living', type: 'motion', value: true }),
    });
    expect(await sent.json()).toEqual({ accepted: 1 });
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: 'pir-living' });
    await expect.poll(() => row.innerText()).toContain('just now');
    await page.close();
  });
});
