// Review, session 68 (a newcomer's path): a second `telecare hub` started on the data folder of one already running
// (a second terminal, `npm start` run again, a service started beside a hub run by hand) started without a word: it
// gave the dashboard admin and the MQTT installer new passwords, so the ones the first hub had printed no longer
// worked, and both hubs ran the rules over one database. It is now refused, naming the running hub's pid, with exit
// code 6; the first hub carries on untouched, and a hub killed with -9 leaves nothing behind that refuses the next.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import { DataDirInUseError } from '../../hub/data-dir-lock.js';
import { startTestHub } from '../support/in-process-hub.js';
import { killHub, ONE_HOME_CONFIG, spawnHub, stderrLine, tempDir, type HubProcess } from './helpers.js';

let dir: string;
const hubs: HubProcess[] = [];

beforeEach(() => {
  dir = tempDir('review-s68-second-hub');
});

afterEach(async () => {
  for (const hub of hubs.splice(0)) await killHub(hub);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The admin password a first start printed on stderr. */
async function printedAdminPassword(hub: HubProcess): Promise<string> {
  return /password: (\S+)/.exec(await stderrLine(hub, 'Dashboard user "admin"'))![1]!;
}

async function loginStatus(hub: HubProcess, password: string): Promise<number> {
  const login = await fetch(`http://127.0.0.1:${hub.httpPort}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  return login.status;
}

it('a second hub on the data folder in use is refused naming the first, whose password still works', async () => {
  const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_ADMIN_PASSWORD: '' };
  const first = await spawnHub(env);
  hubs.push(first);
  const password = await printedAdminPassword(first);

  const second = await spawnHub(env).then(
    (hub) => {
      hubs.push(hub);
      return `started: ${hub.stderr()}`;
    },
    (err: unknown) => (err as Error).message,
  );
  expect(second).toContain('hub exited with 6');
  expect(second).toContain(
    `telecare hub: another hub (pid ${first.child.pid}) is already running on the data folder ${env.HUB_DATA_DIR}`,
  );
  expect(second).toContain(`Stop it first (kill ${first.child.pid}), or give this one a folder of its own`);
  expect(second).not.toContain('Dashboard user "admin"');

  expect(await loginStatus(first, password)).toBe(200);

  // Killed with -9: the kernel lets the folder go with the process; the next start takes it.
  await killHub(first);
  const next = await spawnHub(env);
  hubs.push(next);
  expect(next.stdout()).toContain('"msg":"hub started"');
}, 90_000);

it('in one process too: a second start on the folder is refused until the first hub stops', async () => {
  const config = parseHubConfig(ONE_HOME_CONFIG);
  const first = await startTestHub(config, dir);
  try {
    await expect(startTestHub(config, dir)).rejects.toBeInstanceOf(DataDirInUseError);
  } finally {
    await first.stop();
  }
  const again = await startTestHub(config, dir);
  await again.stop();
}, 60_000);
