// Review, session 68: a second telecare hub on the same machine (a test install beside the real one, each with a data
// folder of its own) started on a port the first holds was told `the MQTT port ... is already in use by another program
// (on a Pi most often a Mosquitto broker ...)`, with the advice to use that broker through HUB_MQTT_URL: a hub's own.
// It is now told what is there when the machine says: another telecare hub, its pid and its data folder.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { killHub, spawnHub, tempDir, type HubProcess } from './helpers.js';

let dir: string;
const hubs: HubProcess[] = [];

beforeEach(() => {
  dir = tempDir('review-s68-port-of-another-hub');
});

afterEach(async () => {
  for (const hub of hubs.splice(0)) await killHub(hub);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What a hub started with `env` said as it failed (it must fail). */
async function refusal(env: Record<string, string>): Promise<string> {
  return spawnHub(env).then(
    (hub) => {
      hubs.push(hub);
      return `started: ${hub.stderr()}`;
    },
    (err: unknown) => (err as Error).message,
  );
}

it('names the other telecare hub holding the MQTT or dashboard port, its pid and data folder, not a Mosquitto', async () => {
  const firstDir = path.join(dir, 'first');
  const first = await spawnHub({ HUB_DATA_DIR: firstDir });
  hubs.push(first);
  const pid = first.child.pid!;
  const other = `another telecare hub (pid ${pid}, data folder ${fs.realpathSync(firstDir)})`;
  const secondDir = path.join(dir, 'second');

  const onMqtt = await refusal({ HUB_DATA_DIR: secondDir, HUB_MQTT_PORT: String(first.mqttPort) });
  expect(onMqtt).toContain('hub exited with 1');
  expect(onMqtt).toContain(
    `telecare hub: could not start: the MQTT port ${first.mqttPort} is already in use by ${other}`,
  );
  expect(onMqtt).toContain(`stop that hub first (kill ${pid})`);
  expect(onMqtt).toContain('HUB_MQTT_PORT');
  expect(onMqtt).not.toContain('Mosquitto');
  expect(onMqtt).not.toContain('HUB_MQTT_URL');

  const onHttp = await refusal({ HUB_DATA_DIR: secondDir, HUB_HTTP_PORT: String(first.httpPort) });
  expect(onHttp).toContain('hub exited with 1');
  expect(onHttp).toContain(`the dashboard port ${first.httpPort} is already in use by ${other}`);
  expect(onHttp).toContain(`stop that hub first (kill ${pid})`);
  expect(onHttp).toContain('HUB_HTTP_PORT');

  // The first hub carries on.
  expect(first.child.exitCode).toBeNull();
}, 90_000);
