// Review, session 34: `/api/health` gave its details (uplink queue and last send, storage, broker) to every logged-in
// role, the council's analyst too. Every alert version waits in the uplink's queue for the centre, so an analyst who
// polled it learned the minute of each alert (on a one-flat hub, when the resident pressed or fell), which the
// analyst's report (whole ended months) and /metrics (session 27) keep from them. The details now need a role that
// may read alerts or sensor data; an analyst sees what a stranger sees.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, createApiToken, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { freePort, mqttClient, ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('health-analyst');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function health(headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`${dashboardUrl(hub!)}/api/health`, { headers });
  return (await response.json()) as Record<string, unknown>;
}

describe('GET /api/health for the council analyst', () => {
  it('says only whether the hub is up: nothing that moves with each alert', async () => {
    // A centre that is not reachable: alert versions wait in the uplink's queue.
    const centrePort = await freePort();
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
      uplink: {
        url: `mqtt://127.0.0.1:${centrePort}`,
        hubId: 'hub-a',
        username: undefined,
        password: undefined,
        caFile: undefined,
        councilKey: undefined,
        maxQueue: 1000,
        reconnectMs: 60_000,
      },
    });
    const cookie = await adminSession(hub);
    const asAdmin = { cookie };
    const asAnalyst = { authorization: `Bearer ${await createApiToken(hub, cookie, 'council', 'analyst')}` };
    const asInstaller = { authorization: `Bearer ${await createApiToken(hub, cookie, 'fitter', 'installer')}` };
    const queue = async (): Promise<number> => ((await health(asAdmin)).uplink as { queue: number }).queue;
    const before = await queue();
    const analystBefore = await health(asAnalyst);

    const pendant = await mqttClient(hub.ports.mqtt!);
    clients.push(pendant);
    await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    // The admin sees the alert wait for the centre (the console and the installer need these details)...
    await vi.waitFor(async () => expect(await queue()).toBeGreaterThan(before), { timeout: 15_000, interval: 20 });
    expect(await health(asInstaller)).toHaveProperty('uplink');

    // ...the analyst, only that the hub is up, before and after alike.
    expect(analystBefore).toEqual({ status: 'ok' });
    expect(await health(asAnalyst)).toEqual({ status: 'ok' });
  });
});
