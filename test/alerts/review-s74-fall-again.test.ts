// Review, session 74: a second fall of the same wearer while the first fall's alert is open. One alert per home and
// kind (SPEC 5): the second is merged into the open one. A fall from the device the alert names changed count and last
// seen alone: a reported fall, then minutes later a fall the hub detected from the wearable's movement read "Seen 2
// times" with the first's words; the second's impact, speed, posture change and stillness were on no screen (found in
// session 73's console review). Now the latest such repeat is kept in the detail (`laterFall`: its figures, when it
// happened and when it was merged) and the card's line says it, on both consoles (dashboard/public/alert-why.js). The
// real hub in-process on a fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';
import { batches, START } from '../fall/batch-hub.js';
import { fallSegments } from '../fall/signals.js';
import { wearerWithCallCentre, webhookReceiver, type WebhookReceiver } from './helpers.js';

type Why = (alert: { kind?: string; room?: string | null; detail?: Record<string, unknown> }, zone?: string) => string;
const { why } = (await import(pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href)) as { why: Why };

const GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
let hub: RunningHub | undefined;
let client: MqttClient | undefined;
let callCentre: WebhookReceiver | undefined;

beforeEach(() => {
  dir = tempDir('review-s74-fall-again');
});

afterEach(async () => {
  await client?.endAsync(true);
  client = undefined;
  await hub?.stop();
  hub = undefined;
  await callCentre?.close();
  callCentre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

it("a reported fall, then a fall detected from the wearable's movement: the card says both", async () => {
  const clock = new FakeClock(START - 5 * 60_000 - GRACE_MS);
  callCentre = await webhookReceiver();
  hub = await startTestHub(wearerWithCallCentre(callCentre.url), dir, { clock });
  client = await mqttClient(hub.ports.mqtt!);
  const send = async (deviceId: string, type: string, value: unknown, ts?: number): Promise<void> => {
    const event = ts === undefined ? { type, value } : { type, value, ts };
    await client!.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify(event), { qos: 1 });
    await hub!.alerts.settled();
  };
  clock.advanceTo(START - 5 * 60_000);
  await send('hall-pir', 'motion', true);
  await send('hall-pir', 'motion', false);
  // The wearer's own "I fell" (the wearable's fall event), five minutes before the hard fall its movement shows.
  await send('w1', 'fall', true);
  const [first] = hub.alerts.list({ state: 'open' });
  expect(first).toMatchObject({ kind: 'fall', severity: 'critical', count: 1 });
  for (const b of batches(fallSegments(60))) {
    clock.advanceTo(Math.max(clock.now(), b.arrival));
    await send('w1', 'accel', b.value, b.ts);
  }
  for (let t = clock.now(); t <= START + 2 * 60_000; t += 10_000) {
    clock.advanceTo(t);
    await hub.alerts.settled();
  }
  const alerts = hub.alerts.list({ homeId: 'h1' });
  expect(alerts.map((a) => [a.kind, a.count])).toEqual([['fall', 2]]);
  const detail = alerts[0]!.detail as { eventType?: string; laterFall?: Record<string, unknown> };
  // The first fall's own words stay.
  expect(detail.eventType).toBe('fall');
  // Before: no laterFall; the detected fall's figures nowhere.
  expect(detail.laterFall).toMatchObject({ source: 'wearable', downgraded: false });
  expect(typeof detail.laterFall!.peakG).toBe('number');
  expect(typeof detail.laterFall!.eventAt).toBe('string');
  expect(typeof detail.laterFall!.seenAt).toBe('string');
  const line = why(alerts[0]!, 'Europe/London');
  expect(line).toContain('fall reported by w1 itself');
  // Seen in the hall both times: the place is not said again.
  expect(line).toMatch(
    /· fell again Mon \d\d:\d\d \(impact \d+\.\d g · falling at \d+\.\d m\/s · posture changed \d+° · still for \d+ s · fall detected by the hub from the movement of w1\)$/,
  );
}, 60_000);

it('a fall reported again by the wearable: the card says when, as a reported fall', async () => {
  const clock = new FakeClock(START - GRACE_MS);
  callCentre = await webhookReceiver();
  hub = await startTestHub(wearerWithCallCentre(callCentre.url), dir, { clock });
  client = await mqttClient(hub.ports.mqtt!);
  for (const at of [START, START + 60_000]) {
    clock.advanceTo(at);
    await client.publishAsync('telecare/h1/devices/w1/events', JSON.stringify({ type: 'fall', value: true }), {
      qos: 1,
    });
    await hub.alerts.settled();
  }
  const [fall] = hub.alerts.list({ homeId: 'h1' });
  // Before: "fall reported by w1 itself" alone, for both.
  expect(fall).toMatchObject({ kind: 'fall', count: 2 });
  expect(why(fall!, 'Europe/London')).toMatch(/ · fell again Mon 09:01 \(fall reported by w1 itself\)$/);
}, 60_000);
