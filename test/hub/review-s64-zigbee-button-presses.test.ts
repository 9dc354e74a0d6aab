// Review, session 64: a Zigbee2MQTT button configured as a pendant raised an alert only for the `action` values of a
// single press (`single`, `press`, `on`...). The same button pressed twice in a hurry (`double`, `triple`), or held
// down (`long` on a Sonoff SNZB-01, `hold` on an Aqara or Tuya button), reported another value, and the hub dropped it
// as a key that does not matter: the resident who held the help button, or pressed it again and again, got no answer.
// Now every action of a pendant is a press but the end of one (`release`, `..._release`, `..._stop`) and the empty
// action Zigbee2MQTT publishes after it. The real hub, its embedded broker, Zigbee2MQTT as a local MQTT client.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from './helpers.js';

const HOME = {
  id: 'h1',
  timezone: 'Europe/London',
  residents: [{ id: 'r1' }],
  devices: [
    { id: 'help-button', zigbee: 'help_button', kind: 'pendant', room: 'living' },
    { id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion', room: 'hall' },
  ],
};

let dir: string;
let hub: RunningHub | undefined;
let zigbee2mqtt: MqttClient | undefined;

beforeEach(async () => {
  dir = tempDir('zigbee-button');
  hub = await startTestHub(parseHubConfig({ homes: [HOME] }), dir);
  zigbee2mqtt = await mqttClient(hub.ports.mqtt!, { clientId: 'zigbee2mqtt' });
});

afterEach(async () => {
  await zigbee2mqtt?.endAsync(true);
  await hub?.stop();
  hub = zigbee2mqtt = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The button's state message as Zigbee2MQTT publishes it, handled by the hub's alerts. */
async function button(state: Record<string, unknown>): Promise<void> {
  await zigbee2mqtt!.publishAsync(
    'zigbee2mqtt/help_button',
    JSON.stringify({ battery: 97, linkquality: 120, ...state }),
    {
      qos: 1,
    },
  );
  await hub!.alerts.settled();
}

const pendantAlerts = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'pendant');

it.each(['long', 'hold', 'double', 'triple', 'quadruple', 'many', 'double_click'])(
  'a pendant button reporting "%s" (held down, or pressed again and again) raises the critical pendant alert',
  async (action) => {
    await button({ action });
    // Before: nothing raised, the press dropped as a key that does not matter.
    expect(pendantAlerts()).toEqual([
      expect.objectContaining({
        state: 'raised',
        severity: 'critical',
        detail: expect.objectContaining({ deviceId: 'help-button' }) as unknown,
      }),
    ]);
  },
  30_000,
);

it('a button held then let go (Aqara: hold, release; Hue: on_hold, on_hold_release) is one press', async () => {
  await button({ action: 'hold' });
  await button({ action: 'release' });
  await button({ action: '' });
  await button({ action: 'on_hold_release' });
  await button({ action: 'brightness_stop' });
  expect(pendantAlerts()).toEqual([expect.objectContaining({ state: 'raised', count: 1 })]);
}, 30_000);

it('guard: the empty action after a press, a null action and a battery report raise nothing', async () => {
  await button({ action: '' });
  await button({ action: null });
  await button({});
  expect(pendantAlerts()).toEqual([]);
  // A single press still does, as before.
  await button({ action: 'single' });
  expect(pendantAlerts()).toEqual([expect.objectContaining({ state: 'raised', count: 1 })]);
}, 30_000);
