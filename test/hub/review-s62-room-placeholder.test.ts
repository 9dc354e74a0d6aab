// Review, session 62 (installer's first hour): the devices page gives each heard device a line to paste with its kind
// and room left as `"…"`, "ready to paste, once you have chosen its kind and room". A kind left so is refused by
// --check-config, but a room left so was taken as a room named "…": `valid`, the start and the reload silent, and the
// device placed nowhere the rules know (a bathroom PIR so pasted never had the bathroom's shorter silence). Now
// --check-config, the start log and a reload say which device still has the placeholder for its room, and carry on
// (a hub that started with such a file yesterday must start today). The compiled CLI and a real hub process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { cliPath, killHub, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s62-room-placeholder');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A home whose bathroom PIR was pasted from the devices page with its kind chosen and its room as given. */
const home = (bathRoom: string): unknown => ({
  id: 'h1',
  timezone: 'Europe/London',
  residents: [{ id: 'r1' }],
  devices: [
    { id: 'front', kind: 'exit-door', room: 'hall' },
    { id: 'hall-pir', kind: 'motion', room: 'hall' },
    { id: 'bed', kind: 'bed', room: 'bedroom' },
    { id: 'bath-pir', kind: 'motion', room: bathRoom },
  ],
});

const ADVICE =
  "homes[0].devices[3].room: '…' is the placeholder of the devices page's line, so device bath-pir of home h1 has " +
  'no room the rules know (a bathroom or kitchen has a shorter silence than the home): write the room it is in.';

const warnings = (hub: HubProcess): string[] =>
  hub
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);

describe("a device pasted from the devices page with its room left as '…'", () => {
  it('is named by --check-config, not passed in silence', () => {
    const configFile = writeConfig(dir, { homes: [home('…')] });
    const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', configFile], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // Before: "valid (1 homes)" and nothing more.
    expect(run.stdout).toContain(`valid (1 home)\nadvice: ${ADVICE}\n`);

    // The room written: nothing said.
    writeConfig(dir, { homes: [home('bathroom')] });
    const fixed = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', configFile], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(fixed.status).toBe(0);
    expect(fixed.stdout).not.toContain('advice: homes[0].devices[3].room');
  }, 60_000);

  it('is named in the start log and by the reload that brings it', async () => {
    const configFile = writeConfig(dir, { homes: [home('…')] });
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: configFile });
    expect(warnings(hub).filter((w) => w === ADVICE)).toHaveLength(1);
    await killHub(hub);

    writeConfig(dir, { homes: [home('bathroom')] });
    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: configFile });
    expect(warnings(hub).filter((w) => w.includes('is the placeholder'))).toEqual([]);
    writeConfig(dir, { homes: [home('…')] });
    hub.child.kill('SIGHUP');
    await waitFor(() => hub!.stdout().includes('configuration reloaded'), 'the reload');
    expect(warnings(hub).filter((w) => w === ADVICE)).toHaveLength(1);
  }, 60_000);
});
