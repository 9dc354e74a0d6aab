// HUB_UPLINK_URL=mqtt:// to another machine: the uplink never connects in clear, but the hub starts and watches the
// home (until session 28 the centre's gateway spoke plain MQTT only: a hub set up so must not stop at an upgrade).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  adminCookie,
  killHub,
  mqttClient,
  networkAddress,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;
let centre: net.Server | undefined;

beforeEach(() => {
  dir = tempDir('uplink-in-clear');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  await new Promise<void>((resolve) => (centre ? centre.close(() => resolve()) : resolve()));
  centre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Health {
  status: string;
  uplink?: { connected: boolean; queue: number; refused?: string; lastError: string | null };
}

describe.runIf(networkAddress !== undefined)('an uplink in clear to another machine', () => {
  it('is refused, never connected, its alerts kept; the hub starts, watches the home and says why', async () => {
    // A plain TCP listener at the "centre": any connection the hub opens to it is counted.
    let connections = 0;
    centre = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => centre!.listen(0, networkAddress, resolve));
    const port = (centre.address() as net.AddressInfo).port;
    const secret = 'uplink-secret-for-tests';
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir),
      HUB_UPLINK_URL: `mqtt://${networkAddress}:${port}`,
      HUB_ID: 'scheme-42',
      HUB_UPLINK_USER: 'scheme-42',
      HUB_UPLINK_PASSWORD: secret,
    });
    const cookie = await adminCookie(hub.httpPort);
    const health = async (): Promise<Health> =>
      (await (await fetch(`http://127.0.0.1:${hub!.httpPort}/api/health`, { headers: { cookie } })).json()) as Health;
    const first = await health();
    expect(first.status).toBe('degraded');
    expect(first.uplink?.connected).toBe(false);
    expect(first.uplink?.refused).toMatch(/mqtt:\/\/ to another machine.*Use mqtts:\/\/.*HUB_UPLINK_ALLOW_PLAINTEXT=1/);
    // The home is watched: a pendant press is an alert, kept in the uplink's queue for when the URL is mqtts://.
    const sensor = await mqttClient(hub.mqttPort);
    await sensor.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
      qos: 1,
    });
    await sensor.endAsync();
    await vi.waitFor(async () => expect((await health()).uplink?.queue).toBeGreaterThan(0), {
      timeout: 15_000,
      interval: 50,
    });
    // Unrefused, the uplink connects at the hub's start, before the alert above was queued.
    expect(connections).toBe(0);
    expect(hub.stdout()).toMatch(/mqtt:\/\/ to another machine/);
    expect(hub.stdout() + hub.stderr()).not.toContain(secret);
  });
});
