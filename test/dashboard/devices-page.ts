// The stage of the devices page stories: a hub on a fake clock with home h1's hall and kitchen PIRs and front door, an
// MQTT client to its broker, and Debian's chromium when there is one.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { launchChromium } from '../support/chromium.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';

/** 09:00 UTC on 23 November 2026, when the stories begin. */
export const DEVICES_PAGE_T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

export interface DevicesPageStage {
  dir: string;
  clock: FakeClock;
  hub: RunningHub;
  client: MqttClient;
}

/** The hub (in a temp folder named `prefix`, its clock at DEVICES_PAGE_T0) and a client connected to its broker. */
export async function startDevicesPage(prefix: string): Promise<DevicesPageStage> {
  const dir = tempDir(prefix);
  const clock = new FakeClock(DEVICES_PAGE_T0);
  const hub = await startTestHub(
    parseHubConfig({
      homes: [
        {
          id: 'h1',
          timezone: 'Europe/London',
          residents: [{ id: 'r1' }],
          devices: [
            { id: 'hall-pir', kind: 'motion', room: 'hall' },
            { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
            { id: 'front', kind: 'exit-door', room: 'entrance' },
          ],
        },
      ],
    }),
    dir,
    { clock },
  );
  return { dir, clock, hub, client: await mqttClient(hub.ports.mqtt ?? 0) };
}

/** Chromium when the machine has it (`chromiumAvailable`), else undefined. */
export function devicesPageBrowser(haveChromium: boolean): Promise<Browser | undefined> {
  return haveChromium ? launchChromium() : Promise.resolve(undefined);
}

/** Ends what startDevicesPage and devicesPageBrowser started (whatever of it did start), and removes the folder. */
export async function stopDevicesPage(stage: Partial<DevicesPageStage>, browser: Browser | undefined): Promise<void> {
  await stage.client?.endAsync();
  await browser?.close();
  await stage.hub?.stop();
  if (stage.dir) fs.rmSync(stage.dir, { recursive: true, force: true });
}
