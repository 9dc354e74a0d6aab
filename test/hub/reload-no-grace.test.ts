// A reload of the configuration (SIGHUP) restarts the rules as a start does, and began the start's grace: a silence
// falling due in the two minutes after it was told up to two minutes late, though the hub had heard everything. A
// reload now begins no grace. The real hub on a fake clock, its embedded broker and a real MQTT client.
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
  dir = tempDir('reload-no-grace');
});

afterEach(async () => {
  await client?.endAsync(true);
  client = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const fallAlerts = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'possible-fall');

describe('a reload', () => {
  it('does not hold a silence falling due just after it', async () => {
    const clock = new FakeClock(T0);
    const config = parseHubConfig(ONE_HOME_CONFIG);
    hub = await startTestHub(config, dir, { clock });
    client = await mqttClient(hub.ports.mqtt!);
    clock.advanceBy(GRACE_MS);
    await client.publishAsync('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    // Stored and seen by the rules (the hall's movement is the last activity).
    for (let i = 0; i < 100 && hub.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 10).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const movedAt = clock.now();
    // The hall's possible fall falls due 45 min after the movement; the scheme manager reloads 30 s before.
    clock.advanceTo(movedAt + 45 * MINUTE - 30_000);
    expect(fallAlerts()).toEqual([]);
    hub.reload(parseHubConfig(ONE_HOME_CONFIG));
    clock.advanceTo(movedAt + 45 * MINUTE);
    expect(fallAlerts()).toEqual([expect.objectContaining({ state: 'raised' })]);
  }, 60_000);
});
