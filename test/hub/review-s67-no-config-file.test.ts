// Review, session 67: `npm start` where there is no configuration file (the installer's file in another folder, or
// saved as telecare.json) started a hub that watched nobody, not even a pendant press, and said only `"homes":0` in
// its "hub started" line. The start now says that no file is where it looks, what that means, and how to give it one
// without a restart (`kill -HUP <the hub's pid>`), which this story then does.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../bridge/helpers.js';
import { killHub, ONE_HOME_CONFIG, spawnHub, tempDir, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s67-no-config');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function logLines(out: string): { msg?: string; homes?: number }[] {
  return out
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as { msg?: string; homes?: number });
}

describe('npm start with no configuration file where the hub looks', () => {
  it('says so, and how to give it one; a reload as it says then watches the home', async () => {
    const here = fs.realpathSync(dir);
    // The hub run from the installer's folder, with no HUB_CONFIG: it looks for ./telecare.config.json there.
    hub = await spawnHub({ HUB_DATA_DIR: path.join(here, 'data') }, 30_000, {
      program: 'env',
      args: ['-u', 'HUB_CONFIG', '-C', here],
    });
    const file = path.join(here, 'telecare.config.json');
    const warning = logLines(hub.stdout()).find((line) => line.msg?.startsWith('no configuration file at'));
    expect(warning?.msg).toContain(`no configuration file at ${file}: this hub watches no homes`);
    expect(warning?.msg).toContain(`kill -HUP ${String(hub.child.pid)}`);

    fs.writeFileSync(file, JSON.stringify(ONE_HOME_CONFIG));
    hub.child.kill('SIGHUP');
    const reloaded = await waitFor('the reload', () =>
      logLines(hub!.stdout()).find((line) => line.msg === 'configuration reloaded'),
    );
    expect(reloaded.homes).toBe(1);
  }, 60_000);
});
