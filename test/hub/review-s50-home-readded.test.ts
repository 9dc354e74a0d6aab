// Review, session 50: a home taken out of the configuration and put back later (the resident home from a fortnight in
// hospital) was called out at once: a possible-fall (high) for a silence of a fortnight whose reports the rules had not
// weighed, and every device offline. Its saved state was restored with its timers, all due long ago. (A home heard
// nothing from while out keeps its silence: test/hub/watched-from-start.test.ts.) The real hub in-process on a fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

/** Monday 5 January 2026, 09:00 in London (GMT). */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

const FLAT_2 = {
  id: 'h2',
  timezone: 'Europe/London',
  residents: [{ id: 'r2' }],
  devices: [{ id: 'p2', kind: 'pendant', room: 'living' }],
};
const BOTH: HubConfig = parseHubConfig({ homes: [...ONE_HOME_CONFIG.homes, FLAT_2] });
const WITHOUT_H1: HubConfig = parseHubConfig({ homes: [FLAT_2] });

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('home-readded');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const alerts = (h: RunningHub) =>
  (
    h.db
      .prepare("SELECT kind, raised_at AS raisedAt, detail FROM alerts WHERE home_id = 'h1' ORDER BY raised_at, kind")
      .all() as { kind: string; raisedAt: number; detail: string }[]
  ).map((a) => ({ ...a, detail: JSON.parse(a.detail) as Record<string, unknown> }));

const FAMILY = ['inactivity', 'possible-fall', 'no-morning-activity', 'bathroom-too-long', 'out-of-bed-too-long'];

describe('a home put back in the configuration after a fortnight out of it (the resident in hospital)', () => {
  it.each(['a reload', 'a restart'])(
    'by %s: watched from its return, not called out at once for the fortnight the hub did not listen',
    async (how) => {
      const clock = new FakeClock(T0);
      hub = await startTestHub(BOTH, dir, { clock });
      const sensor = await mqttClient(hub.ports.mqtt!);
      clients.push(sensor);
      for (let i = 0; i < 3; i++) {
        await sensor.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', {
          qos: 1,
        });
        clock.advanceBy(10 * MINUTE);
      }
      await hub.alerts.settled();
      expect(alerts(hub)).toEqual([]);

      // Taken out of the file, and put back a fortnight later.
      if (how === 'a reload') hub.reload(WITHOUT_H1);
      else {
        await hub.stop();
        hub = await startTestHub(WITHOUT_H1, dir, { clock });
      }
      // Its sensors are still heard meanwhile (stored, unassigned): a carer looks in every few days.
      const meanwhile = await mqttClient(hub.ports.mqtt!);
      clients.push(meanwhile);
      for (const day of [3, 7, 11]) {
        clock.advanceTo(T0 + day * DAY);
        await meanwhile.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', {
          qos: 1,
        });
      }
      clock.advanceTo(T0 + 14 * DAY);
      if (how === 'a reload') hub.reload(BOTH);
      else {
        await hub.stop();
        hub = await startTestHub(BOTH, dir, { clock });
      }
      const back = clock.now();
      clock.advanceBy(MINUTE);
      await hub.alerts.settled();
      // Before the fix: possible-fall (high) and sensor-offline at once.
      expect(alerts(hub)).toEqual([]);

      // Nothing more is heard: the silence from the return is called, as one from an install would be.
      for (let i = 0; i < 24 * 60 && alerts(hub).length === 0; i++) clock.advanceBy(MINUTE);
      await hub.alerts.settled();
      const [first, ...others] = alerts(hub);
      expect(others).toEqual([]);
      expect(FAMILY).toContain(first?.kind);
      expect(first!.raisedAt - back).toBeGreaterThan(60 * MINUTE);
      expect(first!.detail.silenceMinutes).toBe(Math.round((first!.raisedAt - back) / MINUTE));

      // Its devices are offline 25 h after the return (none was heard since), not at it.
      clock.advanceTo(back + 24 * 60 * MINUTE);
      await hub.alerts.settled();
      expect(alerts(hub).map((a) => a.kind)).not.toContain('sensor-offline');
      clock.advanceTo(back + 26 * 60 * MINUTE);
      await hub.alerts.settled();
      expect(alerts(hub).filter((a) => a.kind === 'sensor-offline')).toHaveLength(1);
    },
    60_000,
  );
});
