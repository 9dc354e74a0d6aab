// Review, session 67: a data folder the hub cannot make was told in Node's words alone: `could not start: EACCES:
// permission denied, mkdir '/opt/telecare/data'` for a service user in a folder root owns (the usual first try of a
// hub installed under /opt), `ENOTDIR: not a directory, mkdir ...` for a path through a file. The start now says who
// may not write where and the command that gives them the folder, or which file is in the way, and the setting that
// moves the folder.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, tempDir } from './helpers.js';

// `nobody`, standing for the Pi's service user.
const SERVICE_UID = 65534;
const SERVICE_GID = 65534;

let dir: string;
beforeEach(() => {
  dir = tempDir('review-s67-data-folder');
  fs.chmodSync(dir, 0o755);
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function startHub(dataDir: string, as: { uid?: number; gid?: number } = {}): { status: number | null; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, HUB_DATA_DIR: dataDir, HUB_MQTT_PORT: '0', HUB_HTTP_PORT: '0' };
  delete env.HUB_CONFIG;
  const run = spawnSync(process.execPath, [cliPath, 'hub'], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
    ...as,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('a data folder the hub cannot make', () => {
  it('through a file: names the file in the way and the setting that moves the folder', () => {
    const file = path.join(dir, 'telecare');
    fs.writeFileSync(file, '');
    const dataDir = path.join(file, 'data');
    const { status, stderr } = startHub(dataDir);
    expect(status).toBe(1);
    expect(stderr.trim()).toBe(
      `telecare hub: could not start: the data folder ${dataDir} cannot be made: ${file} is a file, not a folder. ` +
        'Move it, or choose another data folder with HUB_DATA_DIR or --data-dir',
    );
  });

  it.skipIf(process.getuid?.() !== 0)(
    "in a folder the hub's user may not write: names the user and the command that gives them the folder",
    () => {
      const root = path.join(dir, 'opt-telecare');
      fs.mkdirSync(root, { mode: 0o755 });
      const dataDir = path.join(root, 'data');
      const { status, stderr } = startHub(dataDir, { uid: SERVICE_UID, gid: SERVICE_GID });
      expect(status).toBe(1);
      expect(stderr).toContain(
        `the data folder ${dataDir} cannot be made or written by the user running the hub (nobody): EACCES on ${dataDir}`,
      );
      expect(stderr).toContain(`sudo mkdir -p ${dataDir} && sudo chown nobody ${dataDir}`);
    },
  );
});
