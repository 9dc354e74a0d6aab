// `telecare hub --check-config` run where there is no configuration file (another folder than the hub's, or the file
// saved as telecare.json) said "<folder>/telecare.config.json: valid (0 homes)": an installer who had just written
// their homes read that the file was valid, and reloaded a hub that then watched nobody. It now says that no file is
// there, what the hub does without one, and how to name the file; the exit status stays 0 (the hub starts so).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('review-s59-check-config-no-file');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function checkConfigIn(cwd: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.HUB_CONFIG;
  const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config'], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('--check-config where there is no configuration file', () => {
  it('says no file is there and how to name one, not that the file is valid', () => {
    fs.writeFileSync(path.join(dir, 'telecare.json'), JSON.stringify({ homes: [{ id: 'h1' }] }));
    const { status, stdout } = checkConfigIn(dir);
    expect(status).toBe(0);
    expect(stdout).not.toContain('valid');
    expect(stdout.trim()).toBe(
      `${path.join(fs.realpathSync(dir), 'telecare.config.json')}: no such file. The hub starts with no homes (devices ` +
        'it hears are kept as not configured). Write the configuration there, or name its file with --config or ' +
        'HUB_CONFIG.',
    );
  });
});
