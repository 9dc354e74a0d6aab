// Review, session 67: a first start printed the admin password on stderr but not where to use it; the dashboard's
// address was in a JSON line of the log stream among a dozen others. The password's line now says where to log in,
// and logging in there with it works.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killHub, spawnHub, stderrLine, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s67-first-login');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the first start', () => {
  it('prints where to log in beside the admin password, and that address and password let the installer in', async () => {
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir),
      HUB_ADMIN_PASSWORD: '',
    });
    const line = await stderrLine(hub, 'Dashboard user "admin"');
    const password = /password: (\S+)/.exec(line)?.[1];
    const address = /log in at (\S+?);/.exec(line)?.[1];
    // The hub listens on 127.0.0.1 only here (spawnHub's HUB_HOST): that address, nothing to fill in.
    expect(address).toBe(`http://127.0.0.1:${String(hub.httpPort)}/`);
    const login = await fetch(new URL('/api/login', address), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
  }, 60_000);
});
