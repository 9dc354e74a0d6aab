// One room written two ways in one home ("Porch" on the door, "porch" on the PIR: typed at different times, or pasted
// from the devices page and completed by hand) is one room. Rooms that carry meaning for the rules were already read
// however written (canonicalRoom); any other room was compared as written, so `telecare hub --check-config` told the
// installer that no motion sensor saw the inside of an exit door that one did see, asking for a sensor already
// fitted, and the rules took the porch PIR for one in another room than the door's (presence.ts: the exit door's own
// room sees whoever leaves, and is not taken as movement inside after the door closed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('review-s59-room-spelling');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function checkConfig(config: unknown): { status: number | null; lines: string[] } {
  const file = path.join(dir, 'telecare.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', file], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  // Whether anyone is told of a home's alerts at all (these files name no responder): review-s73-unheard-home.test.ts.
  const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
  return { status: run.status, lines: lines.filter((line) => !/alerts reach only the dashboard/.test(line)) };
}

describe('a room written with another case or spacing in one home', () => {
  it('is the same room: --check-config does not ask for a motion sensor already fitted there', () => {
    const { status, lines } = checkConfig({
      homes: [
        {
          id: 'h1',
          timezone: 'Europe/London',
          residents: [{ id: 'r1' }],
          devices: [
            { id: 'bed', kind: 'bed', room: 'bedroom' },
            { id: 'front', kind: 'exit-door', room: 'Porch' },
            { id: 'porch-pir', kind: 'motion', room: 'porch ' },
            { id: 'back', kind: 'exit-door', room: 'Utility Room' },
            { id: 'utility-pir', kind: 'motion', room: 'utility_room' },
          ],
        },
      ],
    });
    expect(status).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/: valid \(1 home\)$/)]);
  });

  it('is still told when no motion sensor is in the exit door room, however either is written', () => {
    const { status, lines } = checkConfig({
      homes: [
        {
          id: 'h1',
          timezone: 'Europe/London',
          residents: [{ id: 'r1' }],
          devices: [
            { id: 'bed', kind: 'bed', room: 'bedroom' },
            { id: 'back', kind: 'exit-door', room: 'Utility Room' },
            { id: 'den-pir', kind: 'motion', room: 'Den' },
          ],
        },
      ],
    });
    expect(status).toBe(0);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^advice: home h1: exit door back: no motion sensor in room "Utility Room"/),
    ]);
  });
});
