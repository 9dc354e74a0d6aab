// What a started hub no longer holds (docs/performance.md, "Memory, 2026-12-01 (session 32)"): `telecare hub` as
// `npm start` runs it starts without Commander. (The configuration validator's release was not merged: a SIGHUP
// reload would compile it again on the alert path's loop.)
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cliPath,
  killHub,
  pendantAlert,
  projectRoot,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

const run = promisify(execFile);

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('start-memory');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** CommonJS modules the process has loaded, as Node's own module debug log names them on stderr. */
function loadedPackage(stderr: string, name: string): boolean {
  return stderr.split('\n').some((line) => line.startsWith('MODULE') && line.includes(`node_modules/${name}/`));
}

describe('telecare hub as npm start runs it', () => {
  it('starts without loading Commander, serves and raises a pendant alert', async () => {
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir), NODE_DEBUG: 'module' });
    expect(loadedPackage(hub.stderr(), 'fastify')).toBe(true);
    expect(loadedPackage(hub.stderr(), 'commander')).toBe(false);
    expect((await fetch(`http://127.0.0.1:${hub.httpPort}/api/health`)).status).toBe(200);
    expect(await pendantAlert(hub.mqttPort)).toMatchObject({ kind: 'pendant' });
  });

  it('still takes its options, help and mistakes through Commander', async () => {
    const config = writeConfig(dir);
    const env = { ...process.env, NODE_DEBUG: 'module' };
    const checked = await run(process.execPath, [cliPath, 'hub', '--check-config', '--config', config], {
      cwd: projectRoot,
      env,
    });
    expect(checked.stdout).toContain(`${config}: valid (1 home)`);
    expect(loadedPackage(checked.stderr, 'commander')).toBe(true);

    const help = await run(process.execPath, [cliPath, 'hub', '--help'], { cwd: projectRoot });
    expect(help.stdout).toContain('--check-config');

    const wrong = run(process.execPath, [cliPath, 'hub', '--no-such-option'], { cwd: projectRoot });
    await expect(wrong).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("unknown option '--no-such-option'"),
    });
  });

  it('refuses a bad environment with a clear message and exit code 1, as before', async () => {
    const started = run(process.execPath, [cliPath, 'hub'], {
      cwd: projectRoot,
      env: { ...process.env, HUB_DATA_DIR: path.join(dir, 'data'), HUB_MQTT_TLS_CERT: path.join(dir, 'cert.pem') },
    });
    await expect(started).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('HUB_MQTT_TLS_CERT and HUB_MQTT_TLS_KEY must be set together'),
    });
  });
});
