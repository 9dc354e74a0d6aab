// A Zigbee2MQTT friendly name written as the topic it is published on ("zigbee2mqtt/hall_pir", copied from MQTT
// Explorer or Zigbee2MQTT's log) was accepted by `telecare hub --check-config`: the hub then waited for
// `zigbee2mqtt/zigbee2mqtt/hall_pir`, the PIR was never heard, and the resident's hall went unwatched while the file
// was "valid". It is now refused with the name to write instead, under the default base topic and a configured one.
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

function checkConfig(config: unknown): { status: number | null; stderr: string } {
  const file = path.join(dir, 'telecare.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', file], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stderr: run.stderr };
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
  it('is refused with the name to write instead', () => {
    const { status, stderr } = checkConfig({ homes: [home('zigbee2mqtt/hall_pir')] });
    expect(status).toBe(1);
    expect(stderr).toContain(
      "homes[0].devices[0].zigbee: 'zigbee2mqtt/hall_pir' begins with the base topic 'zigbee2mqtt/': write the " +
        "friendly name alone, 'hall_pir' (Zigbee2MQTT publishes its state on zigbee2mqtt/hall_pir)",
    );
  });

  it('is refused under a configured base topic too, and a name with / of its own still passes', () => {
    const refused = checkConfig({ hub: { zigbeeBaseTopic: 'home/z2m' }, homes: [home('home/z2m/kitchen/pir')] });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("write the friendly name alone, 'kitchen/pir'");
    expect(checkConfig({ hub: { zigbeeBaseTopic: 'home/z2m' }, homes: [home('kitchen/pir')] }).status).toBe(0);
    // Under the default base topic, a friendly name that merely starts with another word is the name as written.
    expect(checkConfig({ homes: [home('zigbee/hall_pir')] }).status).toBe(0);
  });
});
