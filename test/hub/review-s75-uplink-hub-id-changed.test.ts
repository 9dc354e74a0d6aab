// Review, session 75: a HUB_ID changed in the configuration between two runs sent what the hub had queued under the
// old id as the new one. The centre filed one box's alert versions under another hub's name (a history the new id
// never raised, version 1 of an alert the old id's card already showed), and the old id's cards never heard of them.
// Now the queue records the id its items were queued under; at a start under another id they are held, kept as the
// old id's, never sent as the new one, and said (log, /api/health `uplink.heldForOtherHubIds`); open alerts are told
// again under the new id, as at every start; a run under the old id again sends them as that id.
// A real mosquitto as the centre's broker with two hub users (each may write only its own topics), the centre's console
// subscribed to every hub's topics, in-process hubs started one after another on one data folder.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { freePort, mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';
import {
  alertItems,
  centreConsole,
  eventually,
  startCentre,
  uplinkOptions,
  type Centre,
  type Received,
} from './uplink-centre.js';

let dir: string;
let centre: Centre | undefined;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('s75-hub-id');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true).catch(() => undefined);
  await hub?.stop();
  hub = undefined;
  await centre?.kill();
  centre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The alert items the centre received under `hubId`'s topics, as `alertId@version (hubId in the payload)`. */
function receivedAs(received: readonly Received[], hubId: string): string[] {
  return alertItems(received.filter((m) => m.topic.startsWith(`telecare-up/${hubId}/`))).map(
    (item) => `${item.alertId}@${item.version} (${item.hubId})`,
  );
}

/** `/api/health`'s uplink part, logged in as the admin. */
async function uplinkHealth(running: RunningHub): Promise<Record<string, unknown>> {
  const cookie = await adminSession(running);
  const response = await fetch(`${dashboardUrl(running)}/api/health`, { headers: { cookie } });
  return ((await response.json()) as { uplink: Record<string, unknown> }).uplink;
}

function startHubAs(hubId: string, port: number): Promise<RunningHub> {
  return startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
    uplink: uplinkOptions(port, { hubId, username: hubId }),
  });
}

describe('a hub whose HUB_ID was changed between two runs', () => {
  it('keeps what it queued under the old id as the old id, sends none of it as the new one, and says so in its health', async () => {
    // Run 1, as hub1, its centre out of reach: a pendant call raised and acknowledged, both versions queued.
    hub = await startHubAs('hub1', await freePort());
    const sensor = await mqttClient(hub.ports.mqtt!);
    clients.push(sensor);
    await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    const running = hub;
    let id = '';
    await eventually(() => {
      id = running.alerts.list({ state: 'open' })[0]?.id ?? '';
      expect(id).not.toBe('');
    });
    expect(running.alerts.acknowledge(id, 'warden-1').ok).toBe(true);
    await eventually(async () => expect((await uplinkHealth(running)).queue).toBe(2));
    await sensor.endAsync();
    await hub.stop();

    // Run 2, as hub2 (its own credential), the centre reachable.
    centre = await startCentre(dir, { hubs: ['hub1', 'hub2'] });
    const { client, received } = await centreConsole(centre.port, 'telecare-up/#');
    clients.push(client);
    hub = await startHubAs('hub2', centre.port);
    const second = hub;
    await eventually(async () => expect(await uplinkHealth(second)).toMatchObject({ connected: true, queue: 0 }));
    // The open alert's current version, told again at the start as every start does: the centre knows it under hub2.
    // Before the fix: [id@1 (hub2), id@2 (hub2)], hub1's queue sent as hub2.
    expect(receivedAs(received, 'hub2')).toEqual([`${id}@2 (hub2)`]);
    expect(receivedAs(received, 'hub1')).toEqual([]);
    expect((await uplinkHealth(second)).heldForOtherHubIds).toEqual({ hub1: 2 });
    await hub.stop();

    // Run 3, as hub1 again: what it queued as hub1 goes, as hub1, in its order, with the time it was queued.
    hub = await startHubAs('hub1', centre.port);
    const third = hub;
    expect((await uplinkHealth(third)).heldForOtherHubIds).toBeUndefined();
    await eventually(() => expect(receivedAs(received, 'hub1')).toEqual([`${id}@1 (hub1)`, `${id}@2 (hub1)`]));
    await eventually(async () => expect(await uplinkHealth(third)).toMatchObject({ connected: true, queue: 0 }));
    expect(receivedAs(received, 'hub2')).toEqual([`${id}@2 (hub2)`]);
  });
});
