// Review, session 67: a silence told on the home's open fall alert (`detail.laterSilence`, session 66) was never marked
// ended. The wearer lying still after a fall, the possible fall called at 10:45 was told on the fall; at 11:12 she
// moved in the kitchen. A standalone silence alert is withdrawn then with the reason ("activity in kitchen"); the fall
// alert (the responder's to close, never withdrawn by movement) kept saying "then no movement: possible fall called Mon
// 10:45" on the card, MQTT and the call centre's webhook, so a responder on the phone to her believed she was still on
// the floor. The end is now told on the fall: `laterSilence.endedAt` and `endedBy` (the rules' clear reason), a new
// version. The real hub in-process on a fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder, a
// real HTTP receiver as the call centre; the card's line from the console's own script; and the alert service alone
// with a real process holding the database's write lock for the change told from memory.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import type { Alert } from '../../hub/alerts/api.js';
import { queryAlerts } from '../../hub/alerts/query.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import { mqttClient, tempDir } from '../hub/helpers.js';
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
let lock: WriteLock | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s67-silence-ended');
});

afterEach(async () => {
  await lock?.kill();
  lock = undefined;
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
async function startHome(clock: FakeClock) {
  callCentre = await webhookReceiver();
  const config = wearerWithCallCentre(callCentre.url);
  hub = await startTestHub(config, dir, { clock });
  const client = await mqttClient(hub.ports.mqtt!);
  const responder = await mqttClient(hub.ports.mqtt!);
  clients.push(client, responder);
  const seen: Alert[] = [];
  responder.on('message', (topic, payload) => {
    if (payload.length > 0 && /^telecare\/h1\/alerts\/[^/]+$/.test(topic)) seen.push(JSON.parse(String(payload)));
  });
  await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
  clock.advanceTo(T0);
  const send = async (deviceId: string, type: string, value: unknown) => {
    await client.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify({ type, value }), { qos: 1 });
    await hub!.alerts.settled();
  };
  return { send, seen };
}

/** 10:00 in the hall, 10:01 the wearable's fall, then lying still until 10:50 (the possible fall called at 10:45). */
async function fallThenStill(clock: FakeClock, send: (d: string, t: string, v: unknown) => Promise<void>) {
  await send('hall-pir', 'motion', true);
  await send('hall-pir', 'motion', false);
  clock.advanceTo(T0 + MINUTE);
  await send('w1', 'fall', true);
  const [fall] = hub!.alerts.list({ state: 'open' });
  expect(fall).toMatchObject({ kind: 'fall', severity: 'critical' });
  return fall!;
}

async function minutes(clock: FakeClock, from: number, to: number): Promise<void> {
  for (let m = from; m <= to; m++) {
    clock.advanceTo(T0 + m * MINUTE);
    await hub!.alerts.settled();
  }
}

/** The webhooks the call centre accepted, as (state, version, laterSilence). */
function calls(): { state: string; version: number; silence: unknown }[] {
  return callCentre!.accepted().map((r) => {
    const { alert } = JSON.parse(r.body) as { alert: Alert & { version: number } };
    return {
      state: alert.state,
      version: alert.version,
      silence: (alert.detail as { laterSilence?: unknown }).laterSilence,
    };
  });
}

describe('a silence told on the open fall alert, then the wearer moves', () => {
  it('acknowledged fall: the end is told on it (MQTT, card, the groups told), the fall stays open', async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    const { send, seen } = await startHome(clock);
    const fall = await fallThenStill(clock, send);
    expect(hub!.alerts.acknowledge(fall.id, 'carer')).toMatchObject({ ok: true });
    await minutes(clock, 2, 50);
    await waitFor(() => calls().length === 3, 'the raise, the acknowledgement and the silence at the call centre');
    expect(hub!.alerts.get(fall.id)).toMatchObject({ count: 2, detail: { laterSilence: { kind: 'possible-fall' } } });

    // 11:12: she moves in the kitchen.
    clock.advanceTo(T0 + 72 * MINUTE);
    await send('kitchen-pir', 'motion', true);
    await waitFor(() => calls().length === 4, 'the end of the silence at the call centre');

    // Before the fix: nothing changed; the fall said she was still lying still.
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      id: fall.id,
      state: 'acknowledged',
      count: 2,
      detail: {
        laterSilence: {
          kind: 'possible-fall',
          eventAt: '2026-11-23T10:45:00.000Z',
          endedAt: '2026-11-23T11:12:00.000Z',
          endedBy: 'activity in kitchen',
        },
      },
    });
    expect(hub!.alerts.get(fall.id)).toMatchObject({ version: last.version, detail: last.detail });
    expect(calls().at(-1)).toMatchObject({ state: 'acknowledged', silence: { endedAt: '2026-11-23T11:12:00.000Z' } });
    expect(why(last, 'Europe/London')).toContain(
      'then no movement: possible fall called Mon 10:45 (Silent for 45 min (first-weeks limit: 45 min) · last seen: hall',
    );
    expect(why(last, 'Europe/London')).toContain('silence ended Mon 11:12: activity in kitchen');
    expect(hub!.alerts.list({ homeId: 'h1' }).map((a) => [a.kind, a.state])).toEqual([['fall', 'acknowledged']]);

    // Moving on changes nothing more.
    const version = last.version;
    clock.advanceTo(T0 + 80 * MINUTE);
    await send('hall-pir', 'motion', true);
    expect(hub!.alerts.get(fall.id)!.version).toBe(version);
  }, 60_000);

  it('fall not yet acknowledged: the end is told on MQTT while its ladder runs', async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    const { send, seen } = await startHome(clock);
    const fall = await fallThenStill(clock, send);
    await minutes(clock, 2, 50);
    clock.advanceTo(T0 + 52 * MINUTE);
    await send('kitchen-pir', 'motion', true);
    // Before the fix: nothing changed.
    expect(hub!.alerts.get(fall.id)).toMatchObject({
      state: 'raised',
      detail: { laterSilence: { kind: 'possible-fall', endedAt: '2026-11-23T10:52:00.000Z' } },
    });
    await waitFor(() => seen.at(-1)?.version === hub!.alerts.get(fall.id)!.version, 'the version on MQTT');
  }, 60_000);
});

describe('the end of a silence told on a fall, told from memory while storage fails', () => {
  it('marks the silence ended on the fall held in memory', async () => {
    stage = await startStage();
    const clock = new FakeClock(T0);
    const { alerts, db } = await stage.alertService(
      parseHubConfig({ homes: [{ id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices: [] }] }),
      clock,
    );
    const base = { homeId: 'h1', residentId: 'r1' };
    const fall = alerts.apply({
      ...base,
      type: 'raise',
      kind: 'fall',
      severity: 'critical',
      at: T0,
      room: 'living',
      deviceId: 'w1',
      detail: {},
    })!;
    clock.advanceTo(T0 + 45 * MINUTE);
    alerts.apply({
      ...base,
      type: 'raise',
      kind: 'possible-fall',
      severity: 'high',
      at: T0 + 45 * MINUTE,
      room: 'hall',
      detail: { silenceMinutes: 45, lastRoom: 'hall' },
    });
    lock = await holdWriteLock(stage.store.file);
    clock.advanceTo(T0 + 72 * MINUTE);
    alerts.apply({
      type: 'clear',
      homeId: 'h1',
      kind: 'possible-fall',
      at: clock.now(),
      reason: 'activity in kitchen',
    });
    // Before the fix: the fall from memory still says nothing of the end.
    expect(alerts.get(fall.id)).toMatchObject({
      kind: 'fall',
      state: 'raised',
      detail: {
        laterSilence: { kind: 'possible-fall', endedAt: '2026-11-23T11:12:00.000Z', endedBy: 'activity in kitchen' },
      },
    });
    await lock.release();
    lock = undefined;
    // Stored once storage is back (the service retries on its clock).
    clock.advanceBy(60_000);
    await alerts.settled();
    const [stored] = queryAlerts(db, { homeId: 'h1' });
    expect(stored).toMatchObject({ id: fall.id, detail: { laterSilence: { endedAt: '2026-11-23T11:12:00.000Z' } } });
  }, 60_000);
});
