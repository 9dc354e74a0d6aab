// Review, session 49: a home taken out of the configuration (a reload, or a restart with another file) while its
// inactivity pre-alert ran kept its retained warning on telecare/<home>/prealert, restated at every start from the
// store: no rule runs for that home any more, so nothing cancelled it. A voice unit (re)connecting in the flat was told
// an alert was still to come. The real hub in-process on a fake clock, its embedded broker, a real MQTT client, SQLite in
// a temp folder.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { RunningHub } from '../../hub/hub.js';
import { inactivityOnlyHome } from '../support/clocked-hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

/** Monday 5 January 2026, 09:00 in London (GMT): a day-time silence, 4 h before inactivity (cold start). */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;
const TOPIC = 'telecare/h1/prealert';
const WAIT = { timeout: 15_000, interval: 20 };

/** Another flat of the scheme, configured throughout. */
const FLAT_2 = {
  id: 'h2',
  timezone: 'Europe/London',
  residents: [{ id: 'r2' }],
  devices: [{ id: 'p2', kind: 'pendant', room: 'living' }],
};
const BOTH: HubConfig = parseHubConfig({
  homes: [...inactivityOnlyHome(ONE_HOME_CONFIG.homes[0]).homes, FLAT_2],
});
/** Flat h1 taken out (the resident moved out, or the flat is served by another hub now). */
const WITHOUT_H1: HubConfig = parseHubConfig({ homes: [FLAT_2] });

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('prealert-removed');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(clock: FakeClock, config: HubConfig): Promise<RunningHub> {
  hub = await startTestHub(config, dir, { clock });
  return hub;
}

async function restart(clock: FakeClock, config: HubConfig): Promise<RunningHub> {
  await hub?.stop();
  hub = undefined;
  return start(clock, config);
}

const prealertRows = (h: RunningHub) =>
  h.db.prepare('SELECT home_id AS homeId, kind FROM alert_prealerts ORDER BY home_id').all() as {
    homeId: string;
    kind: string;
  }[];

/** What the hub published (or will) on h1's pre-alert topic after outbox row `afterId`, in order. */
async function publishedOnTopic(h: RunningHub, afterId: number): Promise<{ payload: string; status: string }[]> {
  await h.alerts.settled();
  return h.db
    .prepare('SELECT payload, status FROM alert_outbox WHERE topic = ? AND id > ? ORDER BY id')
    .all(TOPIC, afterId) as { payload: string; status: string }[];
}

const lastOutboxId = (h: RunningHub): number =>
  (h.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM alert_outbox').get() as { id: number }).id;

/** h1's resident moves once, then nothing: the clock runs on until the pre-alert of the silence starts. */
async function preAlertRunning(clock: FakeClock, h: RunningHub): Promise<void> {
  const sensor = await mqttClient(h.ports.mqtt!);
  clients.push(sensor);
  await sensor.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', { qos: 1 });
  for (let i = 0; i < 24 * 60 && prealertRows(h).length === 0; i++) clock.advanceBy(MINUTE);
  expect(prealertRows(h)).toEqual([{ homeId: 'h1', kind: 'inactivity' }]);
}

describe('the pre-alert of a home taken out of the configuration', () => {
  it('is cleared by the reload that takes the home out, and not restated after a restart', async () => {
    const clock = new FakeClock(T0);
    await start(clock, BOTH);
    await preAlertRunning(clock, hub!);

    // A voice unit of the flat: it is told of the warning (retained), then listens.
    const unit = await mqttClient(hub!.ports.mqtt!);
    clients.push(unit);
    const heard: string[] = [];
    unit.on('message', (topic, payload) => {
      if (topic === TOPIC) heard.push(payload.toString());
    });
    await unit.subscribeAsync(TOPIC, { qos: 1 });
    await vi.waitFor(() => expect(heard).toHaveLength(1), WAIT);
    expect(JSON.parse(heard[0]!)).toMatchObject({ kind: 'inactivity' });

    // The flat is taken out of the file and the hub reloaded (SIGHUP), the warning still running.
    hub!.reload(WITHOUT_H1);
    // The retained warning is cleared (an empty retained message), once.
    await vi.waitFor(() => expect(heard).toEqual([heard[0], '']), WAIT);
    expect(prealertRows(hub!)).toEqual([]);

    // A restart with the same file: nothing is restated, nothing more is published on the flat's topic.
    const before = lastOutboxId(hub!);
    await restart(clock, WITHOUT_H1);
    expect(await publishedOnTopic(hub!, before)).toEqual([]);
    expect(prealertRows(hub!)).toEqual([]);
  }, 60_000);

  it('is cleared at the start of a hub restarted with a file without the home, once', async () => {
    const clock = new FakeClock(T0);
    await start(clock, BOTH);
    await preAlertRunning(clock, hub!);

    // Stopped while the warning runs, started again with the flat taken out of the file.
    const before = lastOutboxId(hub!);
    await restart(clock, WITHOUT_H1);
    // Cleared (an empty retained message: an external broker keeps retained messages across the hub's restarts),
    // never restated.
    expect((await publishedOnTopic(hub!, before)).map((m) => m.payload)).toEqual(['']);
    expect(prealertRows(hub!)).toEqual([]);

    // Once: the next start publishes nothing on the flat's topic. (Delivery marks are stored at the latest at a
    // graceful stop: the clearing message is marked delivered by now.)
    await restart(clock, WITHOUT_H1);
    expect(await publishedOnTopic(hub!, before)).toEqual([{ payload: '', status: 'delivered' }]);
  }, 60_000);
});
