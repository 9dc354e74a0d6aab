// Review, session 61: the home's one `sensor-offline` alert named the kitchen smoke alarm and, `alsoOffline`, the bed
// mat. The installer replaced the dead smoke alarm with a new one under a new id and reloaded the configuration (or
// restarted the hub with the new file). The bed mat still offline, the alert rightly stayed open (session 34 cancels it
// only when no configured device is offline), but it went on naming the smoke alarm taken out, in the kitchen: the card
// sent the next visit to a device no longer in the home, and the bed mat was named only as "also offline". Now the
// start or reload that finds a device offline gone from the configuration repeats the open alert for the configured
// devices still offline, as a device heard again does (session 60, round 2). The real hub in-process on a fake clock,
// its embedded broker, a real MQTT client, SQLite in a temp folder; the card's line from the console's own script.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { heartbeatSender, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from '../hub/helpers.js';

type Why = (alert: { kind?: string; room?: string | null; detail?: Record<string, unknown> }, zone?: string) => string;
const { why } = (await import(pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href)) as { why: Why };

/** Monday 5 January 2026, 10:00 in London (GMT). */
const TEN = Date.UTC(2026, 0, 5, 10, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const configWith = (smokeId: string) =>
  parseHubConfig({
    homes: [
      {
        id: 'h1',
        timezone: 'Europe/London',
        residents: [{ id: 'r1' }],
        devices: [
          { id: 'bed-mat', kind: 'bed', room: 'bedroom' },
          { id: smokeId, kind: 'smoke', room: 'kitchen' },
        ],
      },
    ],
  });

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s61-offline-replaced');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a device named on the open sensor-offline alert, taken out of the configuration', () => {
  it.each([false, true])(
    'is named no more once the configuration is reloaded; the device still offline is (acknowledged: %s)',
    async (ack) => {
      const clock = new FakeClock(TEN);
      hub = await startTestHub(configWith('kitchen-smoke'), dir, { clock });
      const client = await mqttClient(hub.ports.mqtt!);
      clients.push(client);
      const heartbeat = heartbeatSender(client, hub);
      const offline = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'sensor-offline');

      await heartbeat('bed-mat');
      clock.advanceTo(TEN + 2 * HOUR);
      await heartbeat('kitchen-smoke');
      // Tuesday 13:01: both silent for 25 h; the smoke alarm, the later, is named, the bed mat also offline.
      clock.advanceTo(TEN + 27 * HOUR + MINUTE);
      await hub.alerts.settled();
      const [alert] = offline();
      expect(why(alert!, 'Europe/London')).toBe(
        'kitchen-smoke silent since Mon 12:00 · also offline: bed-mat (bedroom), last heard Mon 10:00',
      );
      if (ack) expect(hub.alerts.acknowledge(alert!.id, 'carer')).toMatchObject({ ok: true });

      // Tuesday 14:00: the smoke alarm replaced by a new one under a new id; the configuration reloaded.
      clock.advanceTo(TEN + 28 * HOUR);
      hub.reload(configWith('kitchen-smoke-2'));
      await hub.alerts.settled();
      const [after] = offline();
      // Before the fix: still 'kitchen-smoke silent since Mon 12:00', room kitchen, a device no longer in the home.
      expect(after).toMatchObject({
        id: alert!.id,
        state: ack ? 'acknowledged' : 'raised',
        room: 'bedroom',
        detail: { deviceId: 'bed-mat' },
      });
      expect(why(after!, 'Europe/London')).toBe('bed-mat silent since Mon 10:00');

      // The bed mat heard again: nothing configured is offline, the alert (if nobody took it) is cancelled.
      clock.advanceTo(TEN + 29 * HOUR);
      await heartbeat('bed-mat');
      expect(offline()).toMatchObject([{ id: alert!.id, state: ack ? 'acknowledged' : 'cancelled' }]);
    },
    60_000,
  );
});
