// Review, session 77 (a newcomer's install, followed again): a kind written as the box names it, "smoke alarm",
// "pendant alarm", "CO detector", "flood sensor", was refused by --check-config with the list of kinds and no
// suggestion, while "PIR", "bed mat" and "front door" were told the kind meant (session 65). Now a word of what was
// written that is a kind, or says one (fire, monoxide, flood, leak, SOS, panic, thermometer...), is suggested.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s77-kind-words');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a device kind written as the box names it', () => {
  it('is refused with the kind meant', () => {
    const written = ['smoke alarm', 'Pendant alarm', 'CO detector', 'flood sensor', 'SOS button', 'Fire alarm'];
    const file = writeConfig(dir, {
      homes: [
        {
          id: 'flat-3',
          timezone: 'Europe/London',
          residents: [{ id: 'r1' }],
          devices: written.map((kind, i) => ({ id: `d${i}`, kind, room: 'kitchen' })),
        },
      ],
    });
    const run = runCli(['hub', '--check-config', '--config', file]);
    expect(run.status).toBe(1);
    const told = run.stderr
      .split('\n')
      .filter((line) => line.includes('.kind: must be one of'))
      .map((line) => / not '([^']*)'(?: \(did you mean '([^']*)'\?\))?$/.exec(line)?.slice(1, 3));
    expect(told).toEqual([
      ['smoke alarm', 'smoke'],
      ['Pendant alarm', 'pendant'],
      ['CO detector', 'co'],
      ['flood sensor', 'water'],
      ['SOS button', 'pendant'],
      ['Fire alarm', 'smoke'],
    ]);
  });
});
