// The uplink queue's limit policy on a real SQLite file: features go first, then superseded alert versions, never
// the newest version of an alert; and, through a hub whose centre is out of reach, the drop is counted.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { UplinkQueue } from '../../hub/uplink-queue.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';
import { uplinkOptions } from './uplink-centre.js';

let dir: string;
let db: Database.Database | undefined;
let hub: RunningHub | undefined;
let silentCentre: net.Server | undefined;

beforeEach(() => {
  dir = tempDir('uplinkqueue');
});

afterEach(async () => {
  db?.close();
  db = undefined;
  await hub?.stop();
  hub = undefined;
  await new Promise<void>((resolve) => (silentCentre ? silentCentre.close(() => resolve()) : resolve()));
  silentCentre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function version(alertId: string, v: number): { alertId: string; version: number; alertJson: string } {
  return { alertId, version: v, alertJson: JSON.stringify({ id: alertId, version: v }) };
}

function queued(queue: UplinkQueue): string[] {
  return queue
    .after(0, 1000)
    .map((item) => (item.kind === 'alert' ? `${item.alert_id}@${item.version}` : `features:${item.topic}`));
}

describe('the uplink queue', () => {
  it('keeps each alert version once, in the order queued', () => {
    db = new Database(path.join(dir, 'hub.db'));
    const queue = new UplinkQueue(db);
    expect(queue.addAlertVersion(version('a', 1), 1)).toBe(true);
    expect(queue.addAlertVersion(version('b', 1), 2)).toBe(true);
    expect(queue.addAlertVersion(version('a', 1), 3)).toBe(false);
    expect(queue.addAlertVersion(version('a', 2), 4)).toBe(true);
    expect(queued(queue)).toEqual(['a@1', 'b@1', 'a@2']);
  });

  it('over its limit drops the oldest features, then superseded versions, never the newest version of an alert', () => {
    db = new Database(path.join(dir, 'hub.db'));
    const queue = new UplinkQueue(db);
    queue.addFeatureDay('h1', '2026-11-01', 'features/x/2026-11-01', { n: 1 }, 1);
    queue.addAlertVersion(version('a', 1), 2);
    queue.addAlertVersion(version('a', 2), 3);
    queue.addFeatureDay('h1', '2026-11-02', 'features/x/2026-11-02', { n: 2 }, 4);
    queue.addAlertVersion(version('b', 1), 5);
    queue.addAlertVersion(version('a', 3), 6);

    expect(queue.trim(5)).toEqual({ features: 1, alert: 0 });
    expect(queue.trim(2)).toEqual({ features: 1, alert: 2 });
    expect(queued(queue)).toEqual(['b@1', 'a@3']);
    // Every alert's newest version stays, even over the limit.
    expect(queue.trim(1)).toEqual({ features: 0, alert: 0 });
    expect(queued(queue)).toEqual(['b@1', 'a@3']);
    // A day is remembered once queued, so it goes once.
    expect(queue.featureDayQueued('h1', '2026-11-01')).toBe(true);
  });

  it('is trimmed by a hub whose centre does not answer, and the drops are counted', async () => {
    // A centre that accepts connections and never answers them: nothing is ever acknowledged.
    silentCentre = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silentCentre!.listen(0, '127.0.0.1', resolve));
    const { port } = silentCentre.address() as net.AddressInfo;
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
      uplink: uplinkOptions(port, { maxQueue: 2, heartbeatMs: 100 }),
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
    await vi.waitFor(async () => expect(await dropped()).toBe(2), { timeout: 15_000, interval: 20 });
    const versions = new UplinkQueue(running.db).after(0, 10).map((item) => item.version);
    expect(versions).toEqual([3, 4]);
  });
});
