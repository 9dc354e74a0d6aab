// Session 76: `telecare hub --check-config` said "valid" and no advice for an uplink the start then warned of or
// refused: HUB_UPLINK_USER not HUB_ID (the centre's tools name each hub's user after its id and let it write only its
// own topics: every alert refused, session 75), and HUB_UPLINK_URL mqtt:// to another machine (the uplink never
// connects). An installer checking the settings before the visit ends learnt of them only from the running hub's log.
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ONE_HOME_CONFIG, runCli, tempDir, writeConfig } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s76-check-config-uplink');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const check = (env: NodeJS.ProcessEnv) =>
  runCli(['hub', '--check-config', '--config', writeConfig(dir, ONE_HOME_CONFIG)], {
    env: { HUB_UPLINK_PASSWORD: 'not-a-real-one', ...env },
  });

it('advises of an uplink user that is not the hub id, and of a plain link to another machine', () => {
  const mismatch = check({ HUB_UPLINK_URL: 'mqtts://centre.example:8883', HUB_ID: 'hub-a', HUB_UPLINK_USER: 'hub-b' });
  expect(mismatch.status, mismatch.stderr).toBe(0);
  expect(mismatch.stdout).toMatch(/: valid \(1 home\)\n/);
  expect(mismatch.stdout).toContain('advice: HUB_UPLINK_USER (hub-b) is not HUB_ID (hub-a)');
  expect(mismatch.stdout).not.toContain('not-a-real-one');

  const plain = check({ HUB_UPLINK_URL: 'mqtt://centre.example:1883', HUB_ID: 'hub-a', HUB_UPLINK_USER: 'hub-a' });
  expect(plain.status, plain.stderr).toBe(0);
  expect(plain.stdout).toContain('advice: HUB_UPLINK_URL is mqtt:// to another machine');
  expect(plain.stdout).not.toContain('HUB_UPLINK_USER (');

  // Settings the centre takes: no advice of either.
  const right = check({ HUB_UPLINK_URL: 'mqtts://centre.example:8883', HUB_ID: 'hub-a', HUB_UPLINK_USER: 'hub-a' });
  expect(right.status, right.stderr).toBe(0);
  expect(right.stdout).not.toMatch(/HUB_UPLINK_USER \(|mqtt:\/\/ to another machine/);
});
