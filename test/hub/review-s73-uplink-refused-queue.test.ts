// Review, session 73: an uplink refused (HUB_UPLINK_URL mqtt:// to another machine, docs/uplink.md) keeps what it
// would send in its queue, "bounded, as while the centre is out of reach" (hub/uplink.ts). It was not: the limit is
// applied with each heartbeat tick, and a refused uplink returned from `start` before scheduling it, so its queue grew
// by every alert version for as long as the hub ran (a hub set up before session 28 and never given mqtts://: months).
// In-process hub, its settings read from the environment as `telecare hub` reads them; nothing listens at the centre's
// address (a refused uplink never connects).
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { UplinkQueue } from '../../hub/uplink-queue.js';
import { uplinkSettingsFromEnv } from '../../hub/uplink-settings.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('s73-refused-queue');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('an uplink refused for plaintext to another machine', () => {
  it('keeps its queue within the limit as an unreachable one does: superseded versions dropped and counted', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): another machine, never reached.
    const settings = uplinkSettingsFromEnv(
      { HUB_UPLINK_URL: 'mqtt://192.0.2.10:18830', HUB_ID: 'hub1', HUB_UPLINK_USER: 'hub1', HUB_UPLINK_PASSWORD: 'x' },
      dir,
    );
    expect(settings?.refused).toMatch(/mqtt:\/\/ to another machine/);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
      // A limit of 2 and a tick of 100 ms in place of 100,000 and 30 s.
      uplink: { ...settings!, maxQueue: 2, heartbeatMs: 100 },
    });
    const sensor = await mqttClient(hub.ports.mqtt!);
    for (let press = 0; press < 4; press++) {
      await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    }
    await sensor.endAsync();
    const running = hub;
    await vi.waitFor(() => expect(running.alerts.list({ state: 'open' })[0]?.version).toBe(4), { timeout: 15_000 });
    const dropped = async (): Promise<number> =>
      (await running.metrics.getSingleMetric('telecare_uplink_dropped_total')?.get())?.values.find(
        (v) => v.labels.kind === 'alert',
      )?.value ?? 0;
    // Before the fix: 0 dropped, and versions 1 to 4 all kept (the limit never applied).
    await vi.waitFor(async () => expect(await dropped()).toBe(2), { timeout: 15_000, interval: 20 });
    expect(new UplinkQueue(running.db).after(0, 10).map((item) => item.version)).toEqual([3, 4]);
  });
});
