// Review, session 62: a serial bridge killed while it sent its spool (the broker back after an outage) sends the events
// it kept again at its next start, each with its own stamp as before, without MQTT's DUP flag. The hub took a report as
// a copy only when it was among its device's latest 4 (RECENT_REPORTS): a pendant press sent again behind the pendant's
// heartbeats and battery reports of the outage was a new press. The responder handling the alert was told "pressed
// again", and once the alert was resolved a new one called them out. Now an emergency report the hub took (same device,
// type, value and stamp) is known again however many reports came since; a second press, its own stamp, is still one.
// The real hub on a fake clock, its embedded broker, a real MQTT client as the bridge.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const START_GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
let hub: RunningHub | undefined;
let bridge: MqttClient | undefined;

beforeEach(() => {
  dir = tempDir('press-resent');
});

afterEach(async () => {
  await bridge?.endAsync(true);
  await hub?.stop();
  hub = bridge = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(clock: FakeClock): Promise<{ hub: RunningHub; bridge: MqttClient }> {
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
  clock.advanceBy(START_GRACE_MS);
  bridge = await mqttClient(hub.ports.mqtt!, { clientId: 'telecare-bridge-rx1-0001' });
  return { hub, bridge };
}

/** The pendant's report as the bridge publishes it (stamped at reception), handled by the hub's alerts. */
async function send(type: string, value: unknown, ts: number): Promise<void> {
  await bridge!.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type, value, ts }), { qos: 1 });
  await hub!.alerts.settled();
}

/** The press, then the pendant's own routine reports of the minutes after it: more than the hub's latest few. */
async function pressThenRoutine(clock: FakeClock): Promise<{ press: number; routine: [string, unknown, number][] }> {
  const press = clock.now();
  await send('pendant', true, press);
  const routine: [string, unknown, number][] = [];
  for (let i = 1; i <= 6; i++) {
    clock.advanceBy(60_000);
    routine.push(i % 2 === 0 ? ['battery', 90, clock.now()] : ['heartbeat', true, clock.now()]);
    await send(...routine.at(-1)!);
  }
  return { press, routine };
}

const pendantAlerts = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'pendant');

it('does not tell the responder "pressed again" when a killed bridge sends its spool again', async () => {
  const clock = new FakeClock(T0);
  await start(clock);
  const { press, routine } = await pressThenRoutine(clock);
  expect(pendantAlerts()).toEqual([expect.objectContaining({ state: 'raised', count: 1 })]);

  // The bridge, restarted, sends what its spool held: the press and the reports after it, their stamps unchanged.
  clock.advanceBy(60_000);
  await send('pendant', true, press);
  for (const report of routine) await send(...report);

  // Before: count 2, the responder told the resident pressed again.
  expect(pendantAlerts()).toEqual([expect.objectContaining({ state: 'raised', count: 1 })]);

  // A real second press (its own stamp) is still one.
  await send('pendant', true, clock.now());
  expect(pendantAlerts()).toEqual([expect.objectContaining({ state: 'raised', count: 2 })]);
}, 60_000);

it('does not raise a new pendant alert for a press resent after the first was resolved', async () => {
  const clock = new FakeClock(T0);
  await start(clock);
  const { press, routine } = await pressThenRoutine(clock);
  const [alert] = pendantAlerts();
  expect(hub!.alerts.resolve(alert!.id, 'false-alarm', null, 'responder').ok).toBe(true);

  clock.advanceBy(60_000);
  await send('pendant', true, press);
  for (const report of routine) await send(...report);

  // Before: a second pendant alert, a responder called out for a press already answered.
  expect(pendantAlerts()).toEqual([expect.objectContaining({ id: alert!.id, state: 'resolved' })]);
}, 60_000);

it('knows the press again after a hub restart too (the rules state saved and read back)', async () => {
  const clock = new FakeClock(T0);
  await start(clock);
  const { press } = await pressThenRoutine(clock);
  await bridge!.endAsync(true);
  await hub!.stop();
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
  clock.advanceBy(START_GRACE_MS);
  bridge = await mqttClient(hub.ports.mqtt!, { clientId: 'telecare-bridge-rx1-0002' });

  await send('pendant', true, press);
  expect(pendantAlerts()).toEqual([expect.objectContaining({ state: 'raised', count: 1 })]);
}, 60_000);
