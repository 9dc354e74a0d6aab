// Review, session 66: a Raspberry Pi has no real-time clock. After a power cut of more than a day it starts at the time
// it last saved (fake-hwclock) until network time corrects it, so an event stamped by a device whose own clock is right
// reads more than 24 h ahead of the hub's clock and is refused (`future-ts`, SPEC 4.1): a resident pressed for help and
// nothing happened. Now an emergency (pendant, fall, smoke, CO, gas, water alarm on) refused for its `ts` (`future-ts`,
// `bad-ts`) is still counted and logged as refused, and taken at the hub's receive time (the sender's stamp kept beside
// it); any other event stamped that far ahead stays refused. The real hub in-process (embedded aedes broker, a real
// MQTT client, real HTTP, its SQLite file in a temp folder).
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

const THREE_DAYS_MS = 3 * 24 * 3600_000;

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('review-s66-future-press');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** telecare_ingest_rejected_total by reason, those above zero. */
async function rejected(running: RunningHub): Promise<Record<string, number>> {
  const metric = await running.metrics.getSingleMetric('telecare_ingest_rejected_total')!.get();
  return Object.fromEntries(metric.values.filter((v) => v.value > 0).map((v) => [String(v.labels.reason), v.value]));
}

function openAlerts(running: RunningHub, kind: string): ReturnType<RunningHub['alerts']['list']> {
  return running.alerts.list({ homeId: 'h1', state: 'open' }).filter((a) => a.kind === kind);
}

it('raises a pendant press stamped three days ahead of the hub over MQTT; motion stamped so stays refused and counted', async () => {
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
  const sensor = await mqttClient(hub.ports.mqtt!);
  const ahead = Date.now() + THREE_DAYS_MS;
  // QoS 1: acknowledged once stored, so the store is read after each publish resolves.
  await sensor.publishAsync(
    'telecare/h1/devices/hall-pir/events',
    JSON.stringify({ type: 'motion', value: true, ts: ahead }),
    {
      qos: 1,
    },
  );
  expect(hub.store.eventsAfter(0)).toEqual([]);
  expect(await rejected(hub)).toEqual({ 'future-ts': 1 });

  const before = Date.now();
  await sensor.publishAsync(
    'telecare/h1/devices/p1/events',
    JSON.stringify({ type: 'pendant', value: true, ts: new Date(ahead).toISOString() }),
    { qos: 1 },
  );
  await sensor.endAsync();
  // Before the fix: refused as the motion was, and no alert.
  await vi.waitFor(() => expect(openAlerts(hub!, 'pendant')).toHaveLength(1), { timeout: 10_000, interval: 20 });
  expect(openAlerts(hub, 'pendant')[0]).toMatchObject({ severity: 'critical', state: 'raised' });
  // Still counted as refused for its stamp (SPEC 4.1); stored at the receive time with the sender's stamp beside it.
  expect(await rejected(hub)).toEqual({ 'future-ts': 2 });
  const [press] = hub.store.eventsAfter(0);
  expect(press).toMatchObject({ deviceId: 'p1', type: 'pendant' });
  expect(press!.ts).toBeGreaterThanOrEqual(before);
  expect(press!.ts).toBeLessThanOrEqual(Date.now());
  expect(hub.store.sensorTsOf(press!.id)).toBe(ahead);
});

it('raises a smoke alarm posted over HTTP with a stamp it cannot read or three days ahead; its all-clear stays refused', async () => {
  const home = ONE_HOME_CONFIG.homes[0]!;
  const withSmoke = {
    homes: [{ ...home, devices: [...home.devices, { id: 'kitchen-smoke', kind: 'smoke', room: 'kitchen' }] }],
  };
  hub = await startTestHub(parseHubConfig(withSmoke), dir);
  const cookie = await adminSession(hub);
  const base = dashboardUrl(hub);
  const post = async (body: unknown): Promise<{ status: number; message: string }> => {
    const res = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, cookie },
      body: JSON.stringify(body),
    });
    return { status: res.status, message: ((await res.json()) as { message: string }).message };
  };
  const ahead = Date.now() + THREE_DAYS_MS;
  const allClear = await post({ homeId: 'h1', deviceId: 'kitchen-smoke', type: 'smoke', value: false, ts: ahead });
  expect(allClear.status).toBe(400);
  expect(hub.store.eventsAfter(0)).toEqual([]);

  const alarm = await post({ homeId: 'h1', deviceId: 'kitchen-smoke', type: 'smoke', value: true, ts: ahead });
  // Refused for its stamp, as the SPEC says, and taken at once.
  expect(alarm.status).toBe(400);
  expect(alarm.message).toMatch(/1 emergency event .* taken/);
  await vi.waitFor(() => expect(openAlerts(hub!, 'smoke')).toHaveLength(1), { timeout: 10_000, interval: 20 });

  const press = await post({ homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true, ts: 'tomorrow morning' });
  expect(press.status).toBe(400);
  await vi.waitFor(() => expect(openAlerts(hub!, 'pendant')).toHaveLength(1), { timeout: 10_000, interval: 20 });
  expect(await rejected(hub)).toEqual({ 'future-ts': 2, 'bad-ts': 1 });
  expect(hub.store.eventsAfter(0).map((e) => [e.deviceId, e.type, e.value])).toEqual([
    ['kitchen-smoke', 'smoke', true],
    ['p1', 'pendant', true],
  ]);
});
