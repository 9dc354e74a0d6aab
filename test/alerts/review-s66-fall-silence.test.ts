// Review, session 66: one incident, one call. A wearer whose wearable reported a fall lies still; the fall alert is open
// (acknowledged: the responder is on the way). 45 minutes later the rules call the same silence a possible fall, and
// the hub raised it as a second alert with a ladder of its own: a second call, to the first group's webhook, for the
// same resident on the same floor. It is now told on the open fall alert (`detail.laterSilence`, a new version, count
// and last seen, sent to the groups told as a serious repeat after an acknowledgement is). What stays as it was: a fall
// resolved while the resident is still silent leaves the silence watched (called on its own), and a silence is never
// put into an `info` record of an impact the wearer got up from. The real hub in-process on a fake clock, its embedded
// broker, a real MQTT client, SQLite in a temp folder, a real HTTP receiver as the call centre; the card's line from
// the console's own script (dashboard/public/alert-why.js).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import type { Alert } from '../../hub/alerts/api.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { copyAsCrashLeavesIt, mqttClient, tempDir } from '../hub/helpers.js';
import type { HubConfig } from '../../hub/config-types.js';
import { batches, START } from '../fall/batch-hub.js';
import { fallSegments } from '../fall/signals.js';
import {
  startStage,
  waitFor,
  wearerWithCallCentre,
  webhookReceiver,
  type AlertStage,
  type WebhookReceiver,
} from './helpers.js';

type Why = (alert: { kind?: string; room?: string | null; detail?: Record<string, unknown> }, zone?: string) => string;
const { why } = (await import(pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href)) as { why: Why };

// Monday 23 November 2026, 10:00 in London (GMT): by day, a room's first-weeks possible fall is 45 min.
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MINUTE = 60_000;
const GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
let hub: RunningHub | undefined;
let callCentre: WebhookReceiver | undefined;
let stage: AlertStage | undefined;
/** The configuration `startHome` started the hub with (a restart takes it again). */
let hub0Config: HubConfig | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s66-fall-silence');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  await callCentre?.close();
  callCentre = undefined;
  await stage?.close();
  stage = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The one-home hub with a wearable on r1 and the call centre's webhook as its only responder group. */
async function startHome(
  clock: FakeClock,
  startAt = T0,
): Promise<{
  send: (deviceId: string, type: string, value: unknown, ts?: number) => Promise<void>;
  alertsSeen: Map<string, Alert[]>;
}> {
  callCentre = await webhookReceiver();
  const config = wearerWithCallCentre(callCentre.url);
  hub0Config = config;
  hub = await startTestHub(config, dir, { clock });
  const client = await mqttClient(hub.ports.mqtt!);
  const responder = await mqttClient(hub.ports.mqtt!);
  clients.push(client, responder);
  // What a responder's app subscribed to the home's alerts receives, by alert id.
  const alertsSeen = new Map<string, Alert[]>();
  responder.on('message', (topic, payload) => {
    if (payload.length === 0 || !/^telecare\/h1\/alerts\/[^/]+$/.test(topic)) return;
    const alert = JSON.parse(payload.toString()) as Alert;
    alertsSeen.set(alert.id, [...(alertsSeen.get(alert.id) ?? []), alert]);
  });
  await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
  clock.advanceTo(startAt);
  const send = async (deviceId: string, type: string, value: unknown, ts?: number) => {
    const event = ts === undefined ? { type, value } : { type, value, ts };
    await client.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify(event), { qos: 1 });
    await hub!.alerts.settled();
  };
  return { send, alertsSeen };
}

/** The minutes from `fromMinute` to `toMinute` after T0 on the hub's clock, one at a time (timers fire on the way). */
async function lieStill(clock: FakeClock, fromMinute: number, toMinute: number): Promise<void> {
  for (let m = fromMinute; m <= toMinute; m++) {
    clock.advanceTo(T0 + m * MINUTE);
    await hub!.alerts.settled();
  }
}

/** The webhooks the call centre accepted, as (kind, state, version). */
function calls(): { kind: string; state: string; version: number }[] {
  return callCentre!.accepted().map((r) => {
    const { alert } = JSON.parse(r.body) as { alert: Alert & { version: number } };
    return { kind: alert.kind, state: alert.state, version: alert.version };
  });
}

describe('a wearable fall open, the wearer lying still', () => {
  it('the silence that follows is told on the fall alert, not raised as a second call', async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    const { send, alertsSeen } = await startHome(clock);
    // 10:00 in the hall; 10:01 the wearable reports a fall; the responder takes the call at once.
    await send('hall-pir', 'motion', true);
    await send('hall-pir', 'motion', false);
    clock.advanceTo(T0 + MINUTE);
    await send('w1', 'fall', true);
    const [fall] = hub!.alerts.list({ state: 'open' });
    expect(fall).toMatchObject({ kind: 'fall', severity: 'critical' });
    expect(hub!.alerts.acknowledge(fall!.id, 'carer')).toMatchObject({ ok: true });
    await waitFor(() => calls().length === 2, 'the raise and the acknowledgement at the call centre');

    // Lying still: 10:45 is the silence's first-weeks limit in the hall.
    await lieStill(clock, 2, 120);
    await waitFor(() => calls().length >= 3, 'a third webhook at the call centre');

    // Before the fix: a second open alert, possible-fall (high, raised, its own ladder), a new id on MQTT and a
    // second "raised" webhook to the first group.
    const open = hub!.alerts.list({ state: 'open' });
    expect(open.map((a) => a.kind)).toEqual(['fall']);
    expect([...alertsSeen.keys()]).toEqual([fall!.id]);
    expect(calls()).toEqual([
      { kind: 'fall', state: 'raised', version: 1 },
      { kind: 'fall', state: 'acknowledged', version: 2 },
      { kind: 'fall', state: 'acknowledged', version: 3 },
    ]);
    const told = alertsSeen.get(fall!.id)!.at(-1)!;
    expect(told).toMatchObject({
      id: fall!.id,
      state: 'acknowledged',
      count: 2,
      lastSeenAt: '2026-11-23T10:45:00.000Z',
      detail: {
        deviceId: 'w1',
        laterSilence: {
          kind: 'possible-fall',
          room: 'hall',
          lastRoom: 'hall',
          silenceMinutes: 45,
          lastActivityAt: '2026-11-23T10:00:00.000Z',
          eventAt: '2026-11-23T10:45:00.000Z',
          seenAt: '2026-11-23T10:45:00.000Z',
        },
      },
    });
    expect(why(told, 'Europe/London')).toContain(
      'then no movement: possible fall called Mon 10:45 (Silent for 45 min (first-weeks limit: 45 min) · last seen: hall',
    );
  }, 60_000);

  it('a fall not yet acknowledged: the silence is told on it while its own ladder runs, no second ladder', async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    const { send } = await startHome(clock);
    await send('hall-pir', 'motion', true);
    await send('hall-pir', 'motion', false);
    clock.advanceTo(T0 + MINUTE);
    await send('w1', 'fall', true);
    await lieStill(clock, 2, 60);
    const alerts = hub!.alerts.list({ homeId: 'h1' });
    // Before the fix: a possible-fall alert raised beside the fall.
    expect(alerts.map((a) => [a.kind, a.state])).toEqual([['fall', 'raised']]);
    expect(alerts[0]!.detail).toMatchObject({ laterSilence: { kind: 'possible-fall', room: 'hall' } });
  }, 60_000);

  it('found right: a fall resolved while the resident is still silent leaves the silence watched', async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    const { send } = await startHome(clock);
    await send('hall-pir', 'motion', true);
    await send('hall-pir', 'motion', false);
    clock.advanceTo(T0 + MINUTE);
    await send('w1', 'fall', true);
    const [fall] = hub!.alerts.list({ state: 'open' });
    // 10:05 the responder resolves it ("she said she was fine" on the phone), but nothing moves in the home.
    clock.advanceTo(T0 + 5 * MINUTE);
    expect(hub!.alerts.resolve(fall!.id, 'false-alarm', null, 'carer')).toMatchObject({ ok: true });
    await lieStill(clock, 6, 60);
    const open = hub!.alerts.list({ state: 'open' });
    expect(open.map((a) => [a.kind, a.state, a.room])).toEqual([['possible-fall', 'raised', 'hall']]);
  }, 60_000);
});

describe("a fall found by the hub's own detector from the wearable's movement", () => {
  it('the silence that follows is told on that fall alert too', async () => {
    // The wearer seen in the hall a minute before; the wearable's 1 s batches of a hard fall, then lying still, each
    // sent over MQTT at its arrival on the hub's clock (test/fall/batch-hub.ts).
    const clock = new FakeClock(START - 60_000 - GRACE_MS);
    const { send } = await startHome(clock, START - 60_000);
    await send('hall-pir', 'motion', true);
    await send('hall-pir', 'motion', false);
    for (const b of batches(fallSegments(60))) {
      clock.advanceTo(Math.max(clock.now(), b.arrival));
      await send('w1', 'accel', b.value, b.ts);
    }
    for (let t = clock.now(); t <= START + 50 * MINUTE; t += MINUTE) {
      clock.advanceTo(t);
      await hub!.alerts.settled();
    }
    // Before the fix: the detector's critical fall and a possible-fall alert beside it.
    const alerts = hub!.alerts.list({ homeId: 'h1' });
    expect(alerts.map((a) => [a.kind, a.severity, a.state])).toEqual([['fall', 'critical', 'raised']]);
    expect(alerts[0]!.detail).toMatchObject({
      source: 'wearable',
      laterSilence: { kind: 'possible-fall', room: 'hall', lastRoom: 'hall' },
    });
  }, 60_000);
});

describe('the silence told on the fall, re-fed after a crash', () => {
  it('is not told again: the fall keeps its count and version', async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    const { send } = await startHome(clock);
    await send('hall-pir', 'motion', true);
    await send('hall-pir', 'motion', false);
    clock.advanceTo(T0 + MINUTE);
    await send('w1', 'fall', true);
    const [fall] = hub!.alerts.list({ state: 'open' });
    expect(hub!.alerts.acknowledge(fall!.id, 'carer')).toMatchObject({ ok: true });
    await lieStill(clock, 2, 46);
    const told = hub!.alerts.get(fall!.id)!;
    expect(told).toMatchObject({ count: 2, detail: { laterSilence: { kind: 'possible-fall' } } });

    // A kill -9 at 10:46 (the rules' last snapshot is older than the call), started again at 10:48.
    const crashed = tempDir('review-s66-fall-silence-crashed');
    try {
      copyAsCrashLeavesIt(path.join(dir, 'data'), path.join(crashed, 'data'));
      for (const client of clients.splice(0)) await client.endAsync(true);
      await hub!.stop();
      hub = undefined;
      const again = new FakeClock(T0 + 48 * MINUTE);
      hub = await startTestHub(hub0Config!, crashed, { clock: again });
      for (let m = 48; m <= 60; m++) {
        again.advanceTo(T0 + m * MINUTE);
        await hub.alerts.settled();
      }
      // Before the fix: count 3, a new version, and a "seen again" webhook to the groups for the same silence.
      expect(hub.alerts.list({ homeId: 'h1' }).map((a) => [a.kind, a.count, a.version])).toEqual([
        ['fall', told.count, told.version],
      ]);
    } finally {
      await hub?.stop();
      hub = undefined;
      fs.rmSync(crashed, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('an impact the wearer got up from (an info record) is no place for a silence', () => {
  it('a possible fall while an info fall record is open is raised as its own alert', async () => {
    stage = await startStage();
    const clock = new FakeClock(T0);
    const { alerts } = await stage.alertService(
      parseHubConfig({ homes: [{ id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices: [] }] }),
      clock,
    );
    const base = { type: 'raise' as const, homeId: 'h1', residentId: 'r1' };
    alerts.apply({ ...base, kind: 'fall', severity: 'info', at: T0, room: 'living', deviceId: 'w1', detail: {} });
    clock.advanceTo(T0 + 45 * MINUTE);
    alerts.apply({
      ...base,
      kind: 'possible-fall',
      severity: 'high',
      at: T0 + 45 * MINUTE,
      room: 'hall',
      detail: { silenceMinutes: 45, lastRoom: 'hall' },
    });
    const open = alerts.list({ state: 'open' });
    expect(open.map((a) => [a.kind, a.severity]).sort()).toEqual([
      ['fall', 'info'],
      ['possible-fall', 'high'],
    ]);
  }, 60_000);
});
