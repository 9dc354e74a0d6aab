// The uplink of `telecare hub` as a process killed with SIGKILL: queued items go after the restart; the will says offline.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { adminCookie, killHub, mqttClient, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { HUB_ID, HUB_PASSWORD, centreConsole, startCentre, versionsOf, type Centre } from './uplink-centre.js';

let dir: string;
let centre: Centre | undefined;
let hub: HubProcess | undefined;
const clients: MqttClient[] = [];

/** A loaded shared machine can take longer than spawnHub's default 20 s to start a hub. */
const START_TIMEOUT_MS = 60_000;

const eventually = (check: () => void | Promise<void>, timeout = 30_000): Promise<void> =>
  vi.waitFor(check, { timeout, interval: 50 });

function hubEnv(port: number): Record<string, string> {
  return {
    HUB_CONFIG: writeConfig(dir),
    HUB_DATA_DIR: path.join(dir, 'data'),
    HUB_UPLINK_URL: `mqtt://127.0.0.1:${port}`,
    HUB_UPLINK_USER: HUB_ID,
    HUB_UPLINK_PASSWORD: HUB_PASSWORD,
    HUB_ID,
  };
}

interface Health {
  uplink: { connected: boolean; queue: number };
}

/** The hub's health as admin, with a session cookie the caller logged in for once (a login is a scrypt hash). */
async function health(running: HubProcess, cookie: string): Promise<Health> {
  const response = await fetch(`http://127.0.0.1:${running.httpPort}/api/health`, { headers: { cookie } });
  return (await response.json()) as Health;
}

async function pressPendant(running: HubProcess): Promise<void> {
  const sensor = await mqttClient(running.mqttPort);
  await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
  await sensor.endAsync();
}

async function openPendantId(running: HubProcess, cookie: string): Promise<string> {
  let id: string | undefined;
  await eventually(async () => {
    const response = await fetch(`http://127.0.0.1:${running.httpPort}/api/alerts?state=open`, { headers: { cookie } });
    const alerts = (await response.json()) as { id: string; kind: string }[];
    id = alerts.find((a) => a.kind === 'pendant')?.id;
    expect(id).toBeDefined();
  });
  return id!;
}

beforeEach(() => {
  dir = tempDir('uplinkproc');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await centre?.kill();
  centre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the uplink of a hub process', () => {
  it('sends after a restart what was queued when the hub was killed with SIGKILL', async () => {
    centre = await startCentre(dir);
    const port = centre.port;
    // The centre is down while the alert is raised and acknowledged.
    await centre.kill();
    hub = await spawnHub(hubEnv(port), START_TIMEOUT_MS);
    const cookie = await adminCookie(hub.httpPort);
    await pressPendant(hub);
    const id = await openPendantId(hub, cookie);
    const ack = await fetch(`http://127.0.0.1:${hub.httpPort}/api/alerts/${id}/ack`, {
      method: 'POST',
      headers: { cookie, origin: `http://127.0.0.1:${hub.httpPort}` },
    });
    expect(ack.status).toBe(200);
    await eventually(async () =>
      expect((await health(hub!, cookie)).uplink).toMatchObject({ connected: false, queue: 2 }),
    );
    await killHub(hub);

    await centre.restart();
    const { client, received } = await centreConsole(port);
    clients.push(client);
    hub = await spawnHub(hubEnv(port), START_TIMEOUT_MS);
    await eventually(() => expect(versionsOf(received, id)).toEqual([1, 2]));
    const cookieAfter = await adminCookie(hub.httpPort);
    await eventually(async () =>
      expect((await health(hub!, cookieAfter)).uplink).toMatchObject({ connected: true, queue: 0 }),
    );
  }, 180_000);

  it("publishes the hub's last will: offline (retained) once the hub is killed", async () => {
    centre = await startCentre(dir);
    const { client, received } = await centreConsole(centre.port);
    clients.push(client);
    const statuses = (): string[] =>
      received.filter((m) => m.topic === `telecare-up/${HUB_ID}/status`).map((m) => m.payload);
    hub = await spawnHub(hubEnv(centre.port), START_TIMEOUT_MS);
    await eventually(() => expect(statuses()).toEqual(['online']));
    await killHub(hub);
    await eventually(() => expect(statuses()).toEqual(['online', 'offline']));

    // Retained: a console that connects later still learns the hub is offline.
    const late = await centreConsole(centre.port);
    clients.push(late.client);
    await eventually(() =>
      expect(late.received.filter((m) => m.topic === `telecare-up/${HUB_ID}/status`).map((m) => m.payload)).toEqual([
        'offline',
      ]),
    );
  }, 120_000);
});
