// Review, session 67: once network time corrects a clock that read behind (a Pi with no real-time clock restarted after
// a power cut), an alert stamped meanwhile had its `eventAt` moved and nothing else of its detail: a silence's
// `lastActivityAt` stayed a day early, and a fall's `laterSilence` (`eventAt`, `seenAt`, `lastActivityAt`, `endedAt`)
// too, so the card said "then no movement: possible fall called Sun 10:45" under a fall of Monday. The real hub
// in-process on an injected clock (FakeClock.stepWall), its embedded broker, a real MQTT client as the responder's
// console, a real HTTP receiver as the call centre, SQLite in a temp folder.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../hub/alerts/api.js';
import { FakeClock } from '../../hub/clock.js';
import type { RunningHub } from '../../hub/hub.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { startTestHub } from '../support/in-process-hub.js';
import { waitFor, wearerWithCallCentre, webhookReceiver, type WebhookReceiver } from '../alerts/helpers.js';
import { mqttClient, tempDir } from './helpers.js';

type Why = (alert: { kind?: string; room?: string | null; detail?: Record<string, unknown> }, zone?: string) => string;
const { why } = (await import(pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href)) as { why: Why };

// Monday 23 November 2026 in London (GMT): by day, a room's first-weeks possible fall is 45 min.
const MON = (h: number, m: number) => Date.UTC(2026, 10, 23, h, m, 0);
const iso = (ms: number) => new Date(ms).toISOString();

let dir: string;
let hub: RunningHub | undefined;
let callCentre: WebhookReceiver | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s67-detail-times');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  await callCentre?.close();
  callCentre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The one-home hub (a wearable on r1, the call centre the only group) on `clock`; what MQTT told kept in `seen`. */
async function startHome(clock: FakeClock, rules?: Record<string, unknown>) {
  callCentre ??= await webhookReceiver();
  const config = wearerWithCallCentre(callCentre.url, rules);
  hub = await startTestHub(config, dir, { clock });
  const client = await mqttClient(hub.ports.mqtt!);
  const responder = await mqttClient(hub.ports.mqtt!);
  clients.push(client, responder);
  const seen: Alert[] = [];
  responder.on('message', (topic, payload) => {
    if (payload.length > 0 && /^telecare\/h1\/alerts\/[^/]+$/.test(topic)) seen.push(JSON.parse(String(payload)));
  });
  await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
  // One event, or a list of them in one message.
  const send = async (deviceId: string, type: string, value: unknown) => {
    const payload = Array.isArray(value) ? value.map((v: unknown) => ({ type, value: v })) : { type, value };
    await client.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify(payload), { qos: 1 });
    await hub!.alerts.settled();
  };
  return { send, seen };
}

/** Watched from Monday 08:00 to `stopAt` (`before` run on the way), then started again on a clock a day behind. */
async function restartedADayBehind(
  stopAt: number,
  before: (clock: FakeClock, send: (d: string, t: string, v: unknown) => Promise<void>) => Promise<void>,
  rules?: Record<string, unknown>,
) {
  const clock = new FakeClock(MON(8, 0));
  const first = await startHome(clock, rules);
  await first.send('hall-pir', 'motion', true);
  await before(clock, first.send);
  clock.advanceTo(stopAt);
  await hub!.alerts.settled();
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub!.stop();
  hub = undefined;
  clock.stepWall(-DAY_MS);
  return { clock, ...(await startHome(clock, rules)) };
}

/** The hub's clock minute by minute to `to` (its timers firing on the way). */
async function until(clock: FakeClock, to: number): Promise<void> {
  while (clock.now() < to) {
    clock.advanceTo(Math.min(to, clock.now() + MINUTE_MS));
    await hub!.alerts.settled();
  }
}

/** The alerts the call centre accepted, last first. */
function calls(): Alert[] {
  return callCentre!
    .accepted()
    .map((r) => (JSON.parse(r.body) as { alert: Alert }).alert)
    .reverse();
}

describe("an alert's detail once network time corrects a clock that read behind", () => {
  it("a fall's later silence, called and ended while behind: its times on the card, MQTT and the webhook", async () => {
    const { clock, send, seen } = await restartedADayBehind(MON(9, 30), async () => {});
    const SUN = (h: number, m: number) => MON(h, m) - DAY_MS;
    await until(clock, SUN(10, 0));
    // Sunday 10:00 on the clock (Monday really): in the hall, a fall at 10:01, acknowledged, lying still.
    await send('hall-pir', 'motion', true);
    await send('hall-pir', 'motion', false);
    await until(clock, SUN(10, 1));
    await send('w1', 'fall', true);
    const [fall] = hub!.alerts.list({ state: 'open' });
    expect(fall).toMatchObject({ kind: 'fall', severity: 'critical' });
    expect(hub!.alerts.acknowledge(fall!.id, 'carer')).toMatchObject({ ok: true });
    await until(clock, SUN(10, 50));
    await until(clock, SUN(11, 12));
    await send('kitchen-pir', 'motion', true);
    expect(hub!.alerts.get(fall!.id)!.detail.laterSilence).toMatchObject({
      kind: 'possible-fall',
      eventAt: iso(SUN(10, 45)),
      endedAt: iso(SUN(11, 12)),
    });
    const toldBefore = callCentre!.accepted().length;

    // 11:20: network time steps the clock a day forward.
    await until(clock, SUN(11, 20));
    clock.stepWall(DAY_MS);
    clock.advanceBy(0);
    await hub!.alerts.settled();
    const fixed = hub!.alerts.get(fall!.id)!;
    expect(Date.parse(fixed.raisedAt)).toBe(MON(10, 1));
    // Before the fix: eventAt alone moved; the later silence kept Sunday's times.
    expect(fixed.detail).toMatchObject({
      eventAt: iso(MON(10, 1)),
      seenAt: iso(MON(10, 0)),
      laterSilence: {
        kind: 'possible-fall',
        eventAt: iso(MON(10, 45)),
        seenAt: iso(MON(10, 45)),
        lastActivityAt: iso(MON(10, 0)),
        endedAt: iso(MON(11, 12)),
      },
    });
    // Told as such: MQTT (retained, the consoles), the call centre's webhook (the fall is acknowledged), the card.
    await waitFor(() => seen.at(-1)?.version === fixed.version, 'the corrected version on MQTT');
    expect(seen.at(-1)!.detail).toEqual(fixed.detail);
    await waitFor(() => callCentre!.accepted().length > toldBefore, 'the corrected version at the call centre');
    expect(calls()[0]).toMatchObject({ version: fixed.version, detail: fixed.detail });
    const card = why(fixed, 'Europe/London');
    expect(card).toContain('then no movement: possible fall called Mon 10:45');
    expect(card).toContain('silence ended Mon 11:12: activity in kitchen');
  }, 60_000);

  it('a possible fall called while behind: its last movement moves with its call, not a day before it', async () => {
    const { clock, send } = await restartedADayBehind(MON(9, 30), async () => {});
    const SUN = (h: number, m: number) => MON(h, m) - DAY_MS;
    await until(clock, SUN(10, 0));
    await send('hall-pir', 'motion', [true, false]);
    await until(clock, SUN(10, 50));
    const [silence] = hub!.alerts.list({ state: 'open' });
    expect(silence).toMatchObject({ kind: 'possible-fall', detail: { lastActivityAt: iso(SUN(10, 0)) } });
    clock.stepWall(DAY_MS);
    clock.advanceBy(0);
    await hub!.alerts.settled();
    // Before the fix: eventAt Monday 10:45, lastActivityAt still Sunday 10:00 ("no movement since" a day early).
    expect(hub!.alerts.get(silence!.id)!.detail).toMatchObject({
      silenceMinutes: 45,
      lastActivityAt: iso(MON(10, 0)),
      eventAt: iso(MON(10, 45)),
    });
  }, 60_000);

  it('a device silent since before the power cut: its times back at the real ones, the step a day and two hours', async () => {
    // Every device allowed 2 h of silence. The PIRs heard at 08:00 (Monday), the pendant, door and wearable never; the
    // hub stopped at 09:30 and started again on a clock a day behind (the rules a little less ahead of it: their last
    // time 08:45); the kitchen PIR called offline (and the others with it) while behind; network time comes two hours
    // after the power, a step of a day and two hours, not the rules' lead.
    const { clock } = await restartedADayBehind(
      MON(9, 30),
      async (_c, send) => {
        await send('kitchen-pir', 'motion', [true, false]);
      },
      { sensorOffline: { silentHours: 2 } },
    );
    await until(clock, MON(11, 45) - DAY_MS);
    const offline = hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'sensor-offline');
    expect(offline).toHaveLength(1);
    const called = offline[0]!;
    clock.stepWall(DAY_MS + 2 * HOUR_MS);
    clock.advanceBy(0);
    await hub!.alerts.settled();
    const fixed = hub!.alerts.get(called.id)!;
    expect(Date.parse(fixed.raisedAt)).toBe(Date.parse(called.raisedAt) + DAY_MS + 2 * HOUR_MS);
    // Before the fix: the kitchen PIR last heard on Sunday (the rules' lead taken off its time, nothing put back), the
    // other devices' times (a list in the detail) on the rules' time, neither the hub's nor moved with it.
    expect(fixed.detail).toMatchObject({
      deviceId: 'kitchen-pir',
      lastSeenAt: iso(MON(8, 0)),
      alsoOffline: [
        { deviceId: 'p1', lastSeenAt: null, configuredAt: iso(MON(8, 0)) },
        { deviceId: 'hall-pir', lastSeenAt: iso(MON(8, 0)) },
        { deviceId: 'front', lastSeenAt: null, configuredAt: iso(MON(8, 0)) },
        { deviceId: 'w1', lastSeenAt: null, configuredAt: iso(MON(8, 0)) },
      ],
    });
    // The card (Europe/London is on GMT in November).
    const card = why(fixed, 'Europe/London');
    expect(card).toContain('kitchen-pir silent since Mon 08:00');
    expect(card).toContain('hall-pir (hall), last heard Mon 08:00');
    expect(card).not.toContain('Sun');
  }, 60_000);
});
