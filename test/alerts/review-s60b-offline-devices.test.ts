// Review, session 60 (round 2): a home has one `sensor-offline` alert (one open alert per home and kind), so a second
// device falling silent while the first one's alert was open was merged as count and last seen alone: the alert, its
// card and the installer went on naming only the first device (the smoke alarm), the second (the bed mat) was nowhere;
// and once the smoke alarm was heard again the alert still named it, back online, while the bed mat stayed dead. Now
// the alert names every device offline, and once one comes back, the ones still offline. The real hub in-process on a
// fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder; the card's line from the console's own
// script (dashboard/public/alert-why.js).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import type { Alert } from '../../hub/alerts/api.js';
import { heartbeatSender, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';

type Why = (alert: { kind?: string; room?: string | null; detail?: Record<string, unknown> }, zone?: string) => string;
const { why } = (await import(pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href)) as { why: Why };

/** Monday 5 January 2026, 10:00 in London (GMT). */
const TEN = Date.UTC(2026, 0, 5, 10, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const config = parseHubConfig({
  homes: [
    {
      id: 'h1',
      timezone: 'Europe/London',
      residents: [{ id: 'r1' }],
      devices: [
        { id: 'kitchen-smoke', kind: 'smoke', room: 'kitchen' },
        { id: 'bed-mat', kind: 'bed', room: 'bedroom' },
      ],
    },
  ],
});

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s60b-offline-devices');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a sensor-offline alert with a second device offline', () => {
  it.each([false, true])(
    'names every device offline, and only those still offline once one is back (acknowledged: %s)',
    async (ack) => {
      const clock = new FakeClock(TEN);
      hub = await startTestHub(config, dir, { clock });
      const client = await mqttClient(hub.ports.mqtt!);
      clients.push(client);
      const heartbeat = heartbeatSender(client, hub);
      const offline = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'sensor-offline');
      const card = (alert: Alert) => why(alert, 'Europe/London');

      await heartbeat('kitchen-smoke');
      clock.advanceTo(TEN + 2 * HOUR);
      await heartbeat('bed-mat');
      // Tuesday 11:01: the smoke alarm silent for 25 h.
      clock.advanceTo(TEN + 25 * HOUR + MINUTE);
      await hub.alerts.settled();
      const [first] = offline();
      expect(first).toMatchObject({ state: 'raised', room: 'kitchen', detail: { deviceId: 'kitchen-smoke' } });
      if (ack) expect(hub.alerts.acknowledge(first!.id, 'carer')).toMatchObject({ ok: true });

      // Tuesday 13:01: the bed mat silent for 25 h too, the smoke alarm's alert still open.
      clock.advanceTo(TEN + 27 * HOUR + MINUTE);
      await hub.alerts.settled();
      const [both] = offline();
      expect(both).toMatchObject({ id: first!.id, state: ack ? 'acknowledged' : 'raised', count: 2 });
      // Before the fix: 'kitchen-smoke silent since Mon 10:00', the bed mat nowhere.
      expect(card(both!)).toBe(
        'bed-mat silent since Mon 12:00 · also offline: kitchen-smoke (kitchen), last heard Mon 10:00',
      );

      // Tuesday 14:00: the smoke alarm is heard again; the bed mat is still dead.
      clock.advanceTo(TEN + 28 * HOUR);
      await heartbeat('kitchen-smoke');
      const [left] = offline();
      // Before the fix: still the kitchen and the smoke alarm, back online, on the card.
      expect(left).toMatchObject({
        id: first!.id,
        state: ack ? 'acknowledged' : 'raised',
        room: 'bedroom',
        detail: { deviceId: 'bed-mat' },
      });
      expect(card(left!)).toBe('bed-mat silent since Mon 12:00');

      // Tuesday 15:00: the bed mat heard again: nothing is offline, the alert (if nobody took it) is cancelled.
      clock.advanceTo(TEN + 29 * HOUR);
      await heartbeat('bed-mat');
      expect(offline()).toMatchObject([{ id: first!.id, state: ack ? 'acknowledged' : 'cancelled' }]);
    },
    60_000,
  );
});
