// A real hub whose wall clock is stepped back an hour (a faked Date preloaded with --import) still escalates on time.
// Needs the compiled hub (npm run build).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  killHub,
  mqttClient,
  nextMessage,
  ONE_HOME_CONFIG,
  projectRoot,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

const stepper = pathToFileURL(path.join(projectRoot, 'test/hub/fixtures/step-wall-clock.mjs')).href;

let dir: string;
let hub: HubProcess | undefined;
beforeEach(() => {
  dir = tempDir('clock-step');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a hub whose wall clock steps back an hour', () => {
  it('escalates an unacknowledged pendant alert when its level times out', async () => {
    const config = {
      ...ONE_HOME_CONFIG,
      escalation: {
        default: [
          { group: 'first', timeoutSeconds: 3 },
          { group: 'supervisors', timeoutSeconds: 600 },
        ],
      },
    };
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir, config),
      NODE_OPTIONS: `--import ${stepper}`,
      STEP_WALL_MS: String(-3_600_000),
    });
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const isAlert = (t: string): boolean => /^telecare\/h1\/alerts\/[^/]+$/.test(t);
    const raised = nextMessage(responder, isAlert);
    await responder.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
      qos: 1,
    });
    expect(JSON.parse((await raised).payload.toString())).toMatchObject({ kind: 'pendant', escalationLevel: 0 });

    const escalated = nextMessage(responder, isAlert, 20_000);
    hub.child.kill('SIGUSR2');
    expect(JSON.parse((await escalated).payload.toString())).toMatchObject({
      kind: 'pendant',
      escalationLevel: 1,
      state: 'raised',
    });
    // stderr is a pipe of its own: the MQTT message does not promise the line has been read yet.
    const running = hub;
    await vi.waitFor(() => expect(running.stderr()).toContain('wall clock stepped by -3600000 ms'), {
      timeout: 15_000,
      interval: 20,
    });
    await responder.endAsync();
  });
});
