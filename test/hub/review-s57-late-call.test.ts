// Review, session 57: a silence called after the time it fell due said it had lasted only its limit. A bridge that
// flushed the events of an outage hours late (or a hub down when the silence fell due) made the rules reach the
// silence's end at once, and the responder's card read "Silent for 45 min (first-weeks limit: 45 min)" for a resident
// last seen six hours before. The detail's durations now run to the raise. The real hub on a fake clock, its embedded
// broker and a real MQTT client.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';

// Monday 23 November 2026, 10:00 in London (GMT): by day, the hall's cold-start possible fall is 45 min.
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MINUTE = 60_000;
const GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
let hub: RunningHub | undefined;
let client: MqttClient | undefined;

beforeEach(() => {
  dir = tempDir('late-call');
});

afterEach(async () => {
  await client?.endAsync(true);
  client = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const fallAlerts = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'possible-fall');

async function start(at: number): Promise<FakeClock> {
  const clock = new FakeClock(at);
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
  client = await mqttClient(hub.ports.mqtt!);
  clock.advanceBy(GRACE_MS);
  return clock;
}

async function moveInHall(ts?: number): Promise<void> {
  const event = { type: 'motion', value: true, ...(ts === undefined ? {} : { ts }) };
  await client!.publishAsync('telecare/h1/devices/hall-pir/events', JSON.stringify(event), { qos: 1 });
  for (let i = 0; i < 100 && hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 10).length === 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('a silence called after the time it fell due', () => {
  it('says how long the resident has really been silent, not the limit it crossed', async () => {
    // A bridge's buffer flushed six hours late: the hall's movement is stamped at T0, the hub reads T0 + 6 h.
    const clock = await start(T0 + 6 * 60 * MINUTE);
    await moveInHall(T0);
    clock.advanceBy(1000);
    for (let i = 0; i < 100 && fallAlerts().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const [alert] = fallAlerts();
    expect(alert?.detail).toMatchObject({
      thresholdMinutes: 45,
      lastActivityAt: new Date(T0).toISOString(),
      // Fell due 45 min after the movement; called when the events came, about six hours after it.
      eventAt: new Date(T0 + 45 * MINUTE).toISOString(),
    });
    const lasted = Date.parse(alert!.raisedAt) - T0;
    expect(alert?.detail.silenceMinutes).toBe(Math.round(lasted / MINUTE));
    expect(lasted).toBeGreaterThan(6 * 60 * MINUTE);
  }, 60_000);

  it('is unchanged for a silence called on time', async () => {
    const clock = await start(T0);
    await moveInHall();
    const movedAt = clock.now();
    clock.advanceTo(movedAt + 45 * MINUTE);
    const [alert] = fallAlerts();
    expect(alert?.detail).toMatchObject({ silenceMinutes: 45, thresholdMinutes: 45 });
  }, 60_000);
});
