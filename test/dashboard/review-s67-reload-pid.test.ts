// Review, session 67: the devices page told the installer to reload the configuration with `kill -HUP <hub pid>`,
// a number it did not give (the start log's `pid` field has it). `/api/health` now gives the hub's pid to those who
// configure devices (admin, installer), and the page writes the command with it: the help's step and the line under
// the devices heard. The real hub process (its pid is the one to signal), Debian's Chromium, a real MQTT client.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { clockOnUntilShown, openThroughLogin } from '../support/screen.js';
import { ADMIN_PASSWORD, adminGet, killHub, mqttClient, spawnHub, tempDir, type HubProcess } from '../hub/helpers.js';

const haveChromium = chromiumAvailable('the devices page reload command test');

let dir: string;
let hub: HubProcess | undefined;
let browser: Browser | undefined;
let client: MqttClient | undefined;

beforeAll(async () => {
  dir = tempDir('review-s67-reload-pid');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ homes: [] }));
  hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: path.join(dir, 'config.json') });
  if (haveChromium) browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await client?.endAsync();
  await browser?.close();
  await killHub(hub);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the devices page's reload command", () => {
  it("/api/health gives the hub's pid to admin, nothing to a visitor with no login", async () => {
    const asAdmin = (await (await adminGet(hub!.httpPort, '/api/health')).json()) as { pid?: number };
    expect(asAdmin.pid).toBe(hub!.child.pid);
    const anonymous = (await (await fetch(`http://127.0.0.1:${hub!.httpPort}/api/health`)).json()) as object;
    expect(anonymous).toEqual({ status: 'ok' });
  });

  it.skipIf(!haveChromium)(
    'names the pid in the help and under a device heard, never <hub pid>',
    async () => {
      const base = `http://127.0.0.1:${hub!.httpPort}`;
      const page = await browser!.newPage();
      await page.clock.install();
      await openThroughLogin(page, base, '/devices', 'admin', ADMIN_PASSWORD);
      const command = `kill -HUP ${String(hub!.child.pid)}`;
      const help = page.locator('#connect-help');
      await help.getByText('Connecting a sensor').click();
      await expect.poll(() => help.locator('#reload-command').textContent()).toBe(command);

      client = await mqttClient(hub!.mqttPort);
      await client.publishAsync(
        'telecare/h9/devices/hall-pir/events',
        JSON.stringify({ type: 'motion', value: true }),
        {
          qos: 1,
        },
      );
      await clockOnUntilShown(page, page.locator('li[data-device="hall-pir"]'), 10_000);
      const codes = await page.locator('#unassigned code').allTextContents();
      expect(codes).toContain(command);
      expect(await page.content()).not.toContain('hub pid');
      await page.close();
    },
    60_000,
  );
});
