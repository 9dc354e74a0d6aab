// Review, session 67: the MQTT installer credential's line said `created` at every start until someone logged in
// with it, while the start had in fact replaced the password an earlier start showed (the admin's line already said
// `given a new password`). The installer could not tell a fresh data folder from a restart. The real hub, three starts
// on one data folder: created, then given a new password, then (once logged in with) no line at all.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../bridge/helpers.js';
import { killHub, mqttClient, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s67-installer-line');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const LINE = /^MQTT installer credential .*password "([^"]+)"$/m;

describe('the MQTT installer credential line over restarts', () => {
  it('says created once, then that the password was replaced, and nothing once it is used', async () => {
    const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir) };
    // First start: made, and said so. (Logging in here would claim it: the first two starts only look.)
    hub = await spawnHub(env);
    const first = hub;
    const created = (await waitFor('the first line', () => LINE.exec(first.stderr()) ?? undefined))[0];
    expect(created).toMatch(/^MQTT installer credential created \(/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    hub = undefined;

    // Second start, nobody logged in: a new password, said as such, not "created" again.
    hub = await spawnHub(env);
    const second = hub;
    const renewed = (await waitFor('the second line', () => LINE.exec(second.stderr()) ?? undefined))[0];
    expect(renewed).not.toContain('created');
    expect(renewed).toMatch(/^MQTT installer credential given a new password \(nobody has logged in with the one/);
    expect(LINE.exec(renewed)![1]).not.toBe(LINE.exec(created)![1]);
    // The password it shows works (and, logged in with, is kept from now on).
    const client = await mqttClient(second.mqttPort, { username: 'installer', password: LINE.exec(renewed)![1] });
    await client.endAsync();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    hub = undefined;

    // Third start: the credential is in use; no line (read to the end: the hub has exited).
    hub = await spawnHub(env);
    const third = hub;
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    hub = undefined;
    expect(third.stderr()).not.toContain('MQTT installer credential');
  }, 90_000);
});
