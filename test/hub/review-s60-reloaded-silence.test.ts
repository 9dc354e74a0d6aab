// Review, session 60: an installer who lowered a resident's inactivity allowance and reloaded the configuration
// (SIGHUP) while the resident was already silent saw the old allowance applied to that silence: the resident quiet
// since 10:00, the day allowance lowered from 4 h to 2 h 30 at 11:00, was called at 14:00, not 12:30. The real hub
// in-process on a fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, tempDir } from './helpers.js';

/** Monday 5 January 2026, 10:00 in London (GMT). */
const MONDAY_10AM = Date.UTC(2026, 0, 5, 10, 0, 0);
const MINUTE = 60_000;

/** A flat whose inactivity allowance by day is `dayMinutes` (possible-fall out of the way: one call per silence). */
const withDayAllowance = (dayMinutes: number): HubConfig =>
  parseHubConfig({
    homes: [
      {
        id: 'h1',
        timezone: 'Europe/London',
        residents: [{ id: 'r1' }],
        devices: [
          { id: 'living-pir', kind: 'motion', room: 'living' },
          { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
        ],
        rules: {
          inactivity: { coldStartDayMinutes: dayMinutes },
          possibleFall: { floorMinutes: 720, coldStartDayMinutes: 720, coldStartNightMinutes: 720 },
        },
      },
    ],
  });

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s60-reloaded-silence');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const inactivityCalls = (h: RunningHub) =>
  h.db.prepare("SELECT raised_at AS raisedAt FROM alerts WHERE kind = 'inactivity'").all() as { raisedAt: number }[];

describe('an inactivity allowance lowered by a reload while the resident is silent', () => {
  it('calls the silence under way at the new allowance', async () => {
    const clock = new FakeClock(MONDAY_10AM - 30 * MINUTE);
    hub = await startTestHub(withDayAllowance(240), dir, { clock });
    const sensor = await mqttClient(hub.ports.mqtt!);
    clients.push(sensor);
    clock.advanceTo(MONDAY_10AM);
    await sensor.publishAsync('telecare/h1/devices/living-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    await hub.alerts.settled();
    clock.advanceTo(MONDAY_10AM + 60 * MINUTE);
    hub.reload(withDayAllowance(150));
    await hub.alerts.settled();
    clock.advanceTo(MONDAY_10AM + 151 * MINUTE);
    await hub.alerts.settled();
    // Before the fix: none yet (the call came at 14:00, under the allowance the silence began with).
    expect(inactivityCalls(hub)).toEqual([{ raisedAt: MONDAY_10AM + 150 * MINUTE }]);
  }, 60_000);
});
