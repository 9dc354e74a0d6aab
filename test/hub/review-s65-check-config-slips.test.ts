// `telecare hub --check-config` on a new installer's slips (review, session 65): a misspelt field or device kind, or a
// time written "7am", was refused without the spelling the hub wanted ("unknown field", "must be a time HH:MM"), and a
// home with no devices was advised to fit an exit door contact, a bed mat and a bedroom sensor, as if the rest of it
// were watched, when no alert of any kind, not even a pendant press, can be raised for it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, tempDir } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s65-check-config-slips');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function checkConfig(config: unknown): { status: number | null; stdout: string; stderr: string } {
  const file = path.join(dir, 'telecare.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', file], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('--check-config on an installer’s slips', () => {
  it('gives the spelling the hub wants for a misspelt field, a misspelt or commonly named kind, and a time "7am"', () => {
    const { status, stderr } = checkConfig({
      home: [],
      homes: [
        {
          id: 'h1',
          timezone: 'Europe/London',
          nightWindw: { start: '23:00', end: '06:00' },
          routine: { usualRisingTime: '7am', usualBedtime: '10.30 pm' },
          residents: [{ id: 'r1' }],
          devices: [
            { id: 'p1', kind: 'pendent', room: 'living' },
            { id: 'hall-pir', kind: 'PIR', rom: 'hall' },
          ],
        },
      ],
    });
    expect(status).toBe(1);
    const problems = stderr
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
    expect(problems).toEqual(
      expect.arrayContaining([
        "home: unknown field (did you mean 'homes'?)",
        "homes[0].nightWindw: unknown field (did you mean 'nightWindow'?)",
        "homes[0].devices[1].rom: unknown field (did you mean 'room'?)",
        expect.stringMatching(
          /^homes\[0\]\.devices\[0\]\.kind: must be one of motion, .*, not 'pendent' \(did you mean 'pendant'\?\)$/,
        ),
        expect.stringMatching(
          /^homes\[0\]\.devices\[1\]\.kind: must be one of motion, .*, not 'PIR' \(did you mean 'motion'\?\)$/,
        ),
        "homes[0].routine.usualRisingTime: must be a time HH:MM on the 24-hour clock (e.g. 07:00, 23:30), not '7am' (did you mean '07:00'?)",
        "homes[0].routine.usualBedtime: must be a time HH:MM on the 24-hour clock (e.g. 07:00, 23:30), not '10.30 pm' (did you mean '22:30'?)",
      ]),
    );
  });

  it('suggests nothing where nothing is near: a field unlike any is only unknown', () => {
    const { stderr } = checkConfig({ colour: 'blue', homes: [{ id: 'h1', devices: [{ id: 'x', kind: 'lamp' }] }] });
    expect(stderr).toContain('colour: unknown field\n');
    expect(stderr).toMatch(/homes\[0\]\.devices\[0\]\.kind: must be one of .*, not 'lamp'\n/);
  });

  it('says a home with no devices is not watched at all, instead of asking for a door contact, a mat and a bedroom sensor', () => {
    const { status, stdout } = checkConfig({
      homes: [
        { id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices: [] },
        { id: 'h2', timezone: 'Europe/London', residents: [{ id: 'r2' }] },
      ],
    });
    expect(status).toBe(0);
    for (const id of ['h1', 'h2']) {
      const advice = stdout.split('\n').filter((line) => line.startsWith(`advice: home ${id}:`));
      expect(advice).toHaveLength(1);
      expect(advice[0]).toMatch(/no devices, so nothing in this home is watched and no alert of any kind is raised/);
    }
  });
});
