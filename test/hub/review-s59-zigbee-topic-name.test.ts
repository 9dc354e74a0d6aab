// A Zigbee2MQTT friendly name written as the topic it is published on ("zigbee2mqtt/hall_pir", copied from MQTT
// Explorer or Zigbee2MQTT's log) was accepted by `telecare hub --check-config`: the hub then waited for
// `zigbee2mqtt/zigbee2mqtt/hall_pir`, the PIR was never heard, and the resident's hall went unwatched while the file
// was "valid". It is now told with the name to write instead, under the default base topic and a configured one: as
// advice, not a refusal, since Zigbee2MQTT takes such a name and the hub hears a device really so named (review,
// session 60: test/hub/review-s60-zigbee-base-topic-name.test.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('review-s59-zigbee-topic-name');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function checkConfig(config: unknown): { status: number | null; stdout: string } {
  const file = path.join(dir, 'telecare.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', file], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stdout: run.stdout };
}

function home(zigbee: string): unknown {
  return {
    id: 'h1',
    timezone: 'Europe/London',
    residents: [{ id: 'r1' }],
    devices: [{ id: 'hall-pir', zigbee, kind: 'motion', room: 'hall' }],
  };
}

describe('a Zigbee2MQTT friendly name written with its base topic', () => {
  it('is told with the name to write instead', () => {
    const { status, stdout } = checkConfig({ homes: [home('zigbee2mqtt/hall_pir')] });
    expect(status).toBe(0);
    expect(stdout).toContain(
      "advice: homes[0].devices[0].zigbee: 'zigbee2mqtt/hall_pir' begins with the base topic 'zigbee2mqtt/', so " +
        'device hall-pir of home h1 is heard on zigbee2mqtt/zigbee2mqtt/hall_pir, where Zigbee2MQTT publishes a ' +
        "device with that friendly name. If its name in Zigbee2MQTT is 'hall_pir' (the topic copied), write the " +
        "friendly name alone, 'hall_pir': as written it is never heard.",
    );
  });

  it('is told under a configured base topic too, and a name with / of its own is not', () => {
    const told = checkConfig({ hub: { zigbeeBaseTopic: 'home/z2m' }, homes: [home('home/z2m/kitchen/pir')] });
    expect(told.status).toBe(0);
    expect(told.stdout).toContain("write the friendly name alone, 'kitchen/pir'");
    const own = checkConfig({ hub: { zigbeeBaseTopic: 'home/z2m' }, homes: [home('kitchen/pir')] });
    expect(own.status).toBe(0);
    expect(own.stdout).not.toContain('begins with the base topic');
    // Under the default base topic, a friendly name that merely starts with another word is the name as written.
    const other = checkConfig({ homes: [home('zigbee/hall_pir')] });
    expect(other.status).toBe(0);
    expect(other.stdout).not.toContain('begins with the base topic');
  });
});
