// Review, session 73: while the hub's storage fails (a full SD card, another process holding the database's write
// lock), alert versions are told from memory on the hub's own broker, the dashboards and the webhooks, and stored once
// storage returns (docs/reliability.md). The centre was not told: the uplink's queue is a table of that same storage,
// and a version reached it only once stored. A pendant press on a hub whose card had filled reached the alarm
// receiving centre, awake all night, only when someone freed the card, hours or days later, while its heartbeats said
// the hub was fine. Now a version told from memory is also published to the centre at once when the link is up (QoS 1,
// in the MQTT client's memory), and queued as usual once stored (a repeat the centre takes as one).
// In-process hub, its uplink to a real mosquitto as the centre's broker, a real process holding the write lock.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { UplinkQueue } from '../../hub/uplink-queue.js';
import { startTestHub } from '../support/in-process-hub.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';
import {
  HUB_ID,
  alertItems,
  centreConsole,
  startCentre,
  uplinkOptions,
  versionsOf,
  type Centre,
} from './uplink-centre.js';

let dir: string;
let centre: Centre | undefined;
let hub: RunningHub | undefined;
let lock: WriteLock | undefined;
const clients: MqttClient[] = [];

const eventually = (check: () => void | Promise<void>, timeout = 15_000): Promise<void> =>
  vi.waitFor(check, { timeout, interval: 20 });

beforeEach(() => {
  dir = tempDir('s73-uplink-storage');
});

afterEach(async () => {
  await lock?.kill();
  lock = undefined;
  await hub?.stop();
  hub = undefined;
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await centre?.kill();
  centre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the uplink while the hub’s storage fails', () => {
  it('tells the centre of a press told from memory at once, and once stored sends it as usual', async () => {
    centre = await startCentre(dir);
    const { client, received } = await centreConsole(centre.port);
    clients.push(client);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { uplink: uplinkOptions(centre.port) });
    const running = hub;
    await eventually(() =>
      expect(received.some((m) => m.topic === `telecare-up/${HUB_ID}/status` && m.payload === 'online')).toBe(true),
    );
    // A subscriber on the hub's own broker: the local path, told from memory.
    const local = await mqttClient(running.ports.mqtt!);
    clients.push(local);
    const localAlerts: string[] = [];
    local.on('message', (topic, payload) => {
      if (payload.length > 0) localAlerts.push(topic);
    });
    await local.subscribeAsync('telecare/h1/alerts/#', { qos: 1 });

    lock = await holdWriteLock(running.db.name);
    const sensor = await mqttClient(running.ports.mqtt!);
    clients.push(sensor);
    // Not awaited: the hub acknowledges a sensor's event once it is stored, and storage fails.
    sensor.publish('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    let id = '';
    await eventually(() => {
      id = running.alerts.list({ state: 'open' })[0]?.id ?? '';
      expect(id).not.toBe('');
    });
    await eventually(() => expect(localAlerts.length).toBeGreaterThan(0));
    // Before the fix: nothing at the centre while the lock is held (the test times out here).
    await eventually(() => expect(versionsOf(received, id)).toEqual([1]));
    expect(alertItems(received).find((item) => item.alertId === id)?.alert).toMatchObject({ state: 'raised' });

    // Storage back: the version is stored, queued and sent (again), and the queue empties.
    await lock.release();
    lock = undefined;
    await eventually(() => expect(new UplinkQueue(running.db).size()).toBe(0), 30_000);
    await eventually(() => expect(alertItems(received).filter((item) => item.alertId === id)).toHaveLength(2));
    expect(versionsOf(received, id)).toEqual([1]);
  });
});
