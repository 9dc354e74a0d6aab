// Review, session 60 (round 2): a possible fall a responder acknowledged (a call taken, the resident fine) and did not
// resolve stays open. When the resident later went silent again somewhere else, the rules raised a new possible fall,
// which the hub merged into the open alert as count and last seen alone: the card, MQTT and the "seen again" webhook
// the groups are sent (session 50) still named the first silence's room and figures ("hall · Silent for 45 min ·
// last seen: hall" from the morning), and the responder was sent to the hall while the resident lay in the kitchen.
// A repeat of the inactivity family is a new silence: it now names its own room and detail. The real hub in-process on
// a fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder; the card's line from the console's
// own script (dashboard/public/alert-why.js).
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
  dir = tempDir('review-s60b-new-episode');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a possible fall acknowledged and left open, then a new silence in another room', () => {
  it('names the new silence: its room, its last sighting, its figures', async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
    const client = await mqttClient(hub.ports.mqtt!);
    clients.push(client);
    clock.advanceTo(T0);
    const move = async (deviceId: string) => {
      for (const value of [true, false])
        await client.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify({ type: 'motion', value }), {
          qos: 1,
        });
      await hub!.alerts.settled();
    };
    const falls = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'possible-fall');
    const card = (alert: Alert) => why(alert, 'Europe/London');

    // 10:00 in the hall, then nothing: called at 10:45, acknowledged, never resolved.
    await move('hall-pir');
    clock.advanceTo(T0 + 46 * MINUTE);
    await hub.alerts.settled();
    const [first] = falls();
    expect(first).toMatchObject({ room: 'hall', detail: { lastRoom: 'hall', silenceMinutes: 45 } });
    expect(hub.alerts.acknowledge(first!.id, 'carer')).toMatchObject({ ok: true });

    // 14:00 in the kitchen, then nothing again: a new silence, called at 14:45.
    clock.advanceTo(T0 + 4 * 60 * MINUTE);
    await move('kitchen-pir');
    clock.advanceTo(T0 + 4 * 60 * MINUTE + 46 * MINUTE);
    await hub.alerts.settled();
    const [again] = falls();
    // Before the fix: room 'hall', lastRoom 'hall', the morning's eventAt: the responder went to the hall.
    expect(again).toMatchObject({
      id: first!.id,
      state: 'acknowledged',
      count: 2,
      room: 'kitchen',
      detail: {
        lastRoom: 'kitchen',
        silenceMinutes: 45,
        lastActivityAt: expect.stringMatching(/^2026-11-23T14:00/),
        eventAt: expect.stringMatching(/^2026-11-23T14:45/),
      },
    });
    expect(card(again!)).toContain('last seen: kitchen');
  }, 60_000);
});

describe('a night exit acknowledged and left open, then the back door in the small hours', () => {
  it('names the back door and the new time, not the front door at 23:30', async () => {
    // Monday 23 November 2026, 23:30 in London: in the night window.
    const NIGHT = Date.UTC(2026, 10, 23, 23, 30, 0);
    const doors = parseHubConfig({
      homes: [
        {
          ...ONE_HOME_CONFIG.homes[0]!,
          devices: [...ONE_HOME_CONFIG.homes[0]!.devices, { id: 'back', kind: 'exit-door', room: 'kitchen' }],
        },
      ],
    });
    const clock = new FakeClock(NIGHT - GRACE_MS);
    hub = await startTestHub(doors, dir, { clock });
    const client = await mqttClient(hub.ports.mqtt!);
    clients.push(client);
    clock.advanceTo(NIGHT);
    const report = async (deviceId: string, type: string, value: boolean) => {
      await client.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify({ type, value }), { qos: 1 });
      await hub!.alerts.settled();
    };
    const exits = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'night-exit');

    // 23:30 the front door opens, nothing inside: called at 23:40, acknowledged, never resolved.
    await report('front', 'contact', false);
    clock.advanceTo(NIGHT + 11 * MINUTE);
    await hub.alerts.settled();
    const [first] = exits();
    expect(first).toMatchObject({ room: 'entrance', detail: { deviceId: 'front' } });
    expect(hub.alerts.acknowledge(first!.id, 'carer')).toMatchObject({ ok: true });
    // Back inside at 23:50; 01:00 the back door opens, nothing inside since: called at 01:10.
    clock.advanceTo(NIGHT + 20 * MINUTE);
    await report('front', 'contact', true);
    await report('hall-pir', 'motion', true);
    await report('hall-pir', 'motion', false);
    clock.advanceTo(NIGHT + 90 * MINUTE);
    await report('back', 'contact', false);
    clock.advanceTo(NIGHT + 101 * MINUTE);
    await hub.alerts.settled();
    const [again] = exits();
    // Before the fix: the entrance and the front door, 23:40.
    expect(again).toMatchObject({
      id: first!.id,
      state: 'acknowledged',
      count: 2,
      room: 'kitchen',
      detail: { deviceId: 'back', eventAt: expect.stringMatching(/^2026-11-24T01:10/) },
    });
    expect(why(again!, 'Europe/London')).toBe('back opened in the night, no movement inside in the 10 min after');
  }, 60_000);
});
