// Review, session 59: the installer writes a resident's real rising time into the care plan and reloads the
// configuration (SIGHUP) in the evening; the next morning's check was armed under the old plan and called the resident
// at the old time all the same. The real hub in-process on a fake clock, its embedded broker, a real MQTT client,
// SQLite in a temp folder.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from './helpers.js';

/** Monday 5 January 2026, 20:00 in London (GMT). */
const MONDAY_8PM = Date.UTC(2026, 0, 5, 20, 0, 0);
const TUESDAY = Date.UTC(2026, 0, 6);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const withPlan = (usualRisingTime: string): HubConfig =>
  parseHubConfig({
    homes: [
      {
        id: 'h1',
        timezone: 'Europe/London',
        residents: [{ id: 'r1' }],
        routine: { usualRisingTime },
        devices: [
          { id: 'living-pir', kind: 'motion', room: 'living' },
          { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' },
          { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
        ],
      },
    ],
  });

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('care-plan-reload');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const morningCalls = (h: RunningHub) =>
  h.db.prepare("SELECT raised_at AS raisedAt FROM alerts WHERE kind = 'no-morning-activity'").all() as {
    raisedAt: number;
  }[];

describe('a care plan whose usual rising time an evening reload moved later', () => {
  it.each(['a reload', 'a restart'])(
    'by %s: the resident who rises at the new time is not called at the old check the next morning',
    async (how) => {
      const clock = new FakeClock(MONDAY_8PM);
      hub = await startTestHub(withPlan('07:00'), dir, { clock });
      let sensor = await mqttClient(hub.ports.mqtt!);
      clients.push(sensor);
      const motion = async (deviceId: string) => {
        await sensor.publishAsync(`telecare/h1/devices/${deviceId}/events`, '{"type":"motion","value":true}', {
          qos: 1,
        });
        await hub!.alerts.settled();
      };
      // The evening about the living room, then to bed at 22:00.
      for (let t = MONDAY_8PM; t < MONDAY_8PM + 2 * HOUR; t += 15 * MINUTE) {
        clock.advanceTo(t);
        await motion('living-pir');
      }
      clock.advanceTo(MONDAY_8PM + 2 * HOUR);
      await motion('bedroom-pir');
      // 22:30: the care plan says 10:00 now (the morning check 11:30, not 08:30).
      clock.advanceTo(MONDAY_8PM + 2.5 * HOUR);
      if (how === 'a reload') hub.reload(withPlan('10:00'));
      else {
        await hub.stop();
        hub = await startTestHub(withPlan('10:00'), dir, { clock });
        sensor = await mqttClient(hub.ports.mqtt!);
        clients.push(sensor);
      }
      // Turning over in the bedroom every hour of the night; up at 10:00 as the new plan says.
      for (let t = TUESDAY + HOUR; t <= TUESDAY + 9 * HOUR; t += HOUR) {
        clock.advanceTo(t);
        await motion('bedroom-pir');
      }
      for (let t = TUESDAY + 10 * HOUR; t <= TUESDAY + 11 * HOUR; t += 15 * MINUTE) {
        clock.advanceTo(t);
        await motion('kitchen-pir');
      }
      // Before the fix: called at 08:30, the old plan's check.
      expect(morningCalls(hub)).toEqual([]);
    },
    60_000,
  );
});
