// Review, session 62 (installer's first hour): home ids are matched exactly, and until this session the devices page
// told an installer whose sensor published for `flat-3` to add it to "a new home" although `Flat-3` was configured.
// A file so written, two homes whose ids differ only in capitals, passed --check-config, the start and a reload in
// silence: one flat's sensors split over two homes, each home's silence judged without the other's. Now each names
// the two homes (advice: two such homes may be meant, and a hub that started with them must start again). The
// compiled CLI and a real hub process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, killHub, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s62-home-case-config');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const homes = (second: string): unknown => ({
  homes: [
    {
      id: 'Flat-3',
      residents: [{ id: 'r1' }],
      devices: [
        { id: 'front', kind: 'exit-door', room: 'hall' },
        { id: 'bed', kind: 'bed', room: 'bedroom' },
      ],
    },
    { id: second, devices: [{ id: 'hall-pir', kind: 'motion', room: 'hall' }] },
  ],
});

const ADVICE =
  "homes[1].id: 'flat-3' differs only in capitals from home 'Flat-3' (homes[0]): home ids are matched exactly, so " +
  "these are two homes, each one's silences judged without the other's sensors. If they are one home, move the " +
  "devices of 'flat-3' into 'Flat-3' and have them send their events for 'Flat-3'.";

describe('two homes whose ids differ only in capitals', () => {
  it('are named by --check-config and the start log, not passed in silence', async () => {
    const configFile = writeConfig(dir, homes('flat-3'));
    const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', configFile], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // Before: "valid (2 homes)" and the layout's advice alone.
    expect(run.stdout).toContain(`valid (2 homes)\nadvice: ${ADVICE}\n`);

    hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: configFile });
    const warnings = hub
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((l) => l.level === 40)
      .map((l) => l.msg);
    expect(warnings.filter((w) => w === ADVICE)).toHaveLength(1);

    // Two homes really apart: nothing said.
    writeConfig(dir, homes('flat-4'));
    const apart = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', configFile], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(apart.status).toBe(0);
    expect(apart.stdout).not.toContain('differs only in capitals');
  }, 60_000);
});
