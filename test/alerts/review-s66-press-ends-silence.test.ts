// Review, session 66: a resident silent on the hall floor, a possible fall raised and not yet answered, presses her
// pendant. The press is a call for help, raised at once as its own critical alert, and the rules take it as activity,
// which withdraws the possible fall (one call, not two): right. But the withdrawal said why as for a movement, "activity
// in living" (the pendant's configured room), on MQTT, in the webhook and on the console's closed list ("cancelled by
// the hub: activity in living"): a responder read the resident as up and walking to the living room. It now says the
// pendant was pressed. A movement still says where it was seen. The real hub in-process on a fake clock, its embedded
// broker, a real MQTT client, SQLite in a temp folder; the pendant card's line from the console's own script.
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
import { mqttClient, ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';

type Why = (alert: { kind?: string; room?: string | null; detail?: Record<string, unknown> }, zone?: string) => string;
const { why } = (await import(pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href)) as { why: Why };

// Monday 23 November 2026, 10:00 in London (GMT): by day, a room's first-weeks possible fall is 45 min.
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MINUTE = 60_000;
const GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s66-press-ends-silence');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The hub, a possible fall raised at 10:45 for a silence in the hall since 10:00, and what MQTT told of it since. */
async function silentInTheHall(): Promise<{
  send: (deviceId: string, type: string, value: unknown) => Promise<void>;
  told: Alert[];
  possibleFall: Alert;
}> {
  const clock = new FakeClock(T0 - GRACE_MS);
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
  const client = await mqttClient(hub.ports.mqtt!);
  clients.push(client);
  const told: Alert[] = [];
  client.on('message', (topic, payload) => {
    if (payload.length > 0 && /^telecare\/h1\/alerts\/[^/]+$/.test(topic)) told.push(JSON.parse(payload.toString()));
  });
  await client.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
  clock.advanceTo(T0);
  const send = async (deviceId: string, type: string, value: unknown) => {
    await client.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify({ type, value }), { qos: 1 });
    await hub!.alerts.settled();
  };
  await send('hall-pir', 'motion', true);
  await send('hall-pir', 'motion', false);
  for (let m = 1; m <= 50; m++) {
    clock.advanceTo(T0 + m * MINUTE);
    await hub.alerts.settled();
  }
  const [possibleFall] = hub.alerts.list({ state: 'open' });
  expect(possibleFall).toMatchObject({ kind: 'possible-fall', state: 'raised', room: 'hall' });
  return { send, told, possibleFall: possibleFall! };
}

/** The last version MQTT told of alert `id`, once it has come. */
async function lastTold(told: Alert[], id: string, state: string): Promise<Alert> {
  for (let i = 0; i < 500 && !told.some((a) => a.id === id && a.state === state); i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const versions = told.filter((a) => a.id === id);
  expect(versions.at(-1)?.state).toBe(state);
  return versions.at(-1)!;
}

describe('a pendant pressed while a possible fall is open and unanswered', () => {
  it('raises the press at once and withdraws the possible fall saying the pendant was pressed', async () => {
    const { send, told, possibleFall } = await silentInTheHall();
    await send('p1', 'pendant', true);
    const press = hub!.alerts.list({ state: 'open' });
    expect(press.map((a) => [a.kind, a.severity, a.state])).toEqual([['pendant', 'critical', 'raised']]);
    // Where to look: the pendant's card names the hall, where the home's sensors last saw someone.
    expect(why(press[0]!, 'Europe/London')).toContain("the home's sensors last saw someone in hall");
    const withdrawn = await lastTold(told, possibleFall.id, 'cancelled');
    // Before the fix: "activity in living", the pendant's configured room.
    expect(withdrawn.detail).toMatchObject({ cancelReason: 'pendant p1 pressed (its own alert), no movement seen' });
  }, 60_000);

  it('found right: a movement withdraws it saying where it was seen', async () => {
    const { send, told, possibleFall } = await silentInTheHall();
    await send('kitchen-pir', 'motion', true);
    expect(hub!.alerts.list({ state: 'open' })).toEqual([]);
    const withdrawn = await lastTold(told, possibleFall.id, 'cancelled');
    expect(withdrawn.detail).toMatchObject({ cancelReason: 'activity in kitchen' });
  }, 60_000);
});
