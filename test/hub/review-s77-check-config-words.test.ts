// Review, session 77 (a newcomer's install, followed again): a kind written as the box names it, "smoke alarm",
// "pendant alarm", "CO detector", "flood sensor", was refused by --check-config with the list of kinds and no
// suggestion, while "PIR", "bed mat" and "front door" were told the kind meant (session 65). Now a word of what was
// written that is a kind, or says one (fire, monoxide, flood, leak, SOS, panic, thermometer...), is suggested. And an
// MQTT credential's home written one character off (`flat3` for `flat-3`) was told `no home 'flat3'`, not the one
// meant.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lowCostHash } from '../support/low-cost-hash.js';
import { runCli, tempDir, writeConfig } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s77-check-config-words');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('--check-config on words an installer writes', () => {
  it('a kind written as the box names it is refused with the kind meant', () => {
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

  it("an MQTT credential's home one character off is told the home meant", () => {
    const file = writeConfig(dir, {
      homes: [
        {
          id: 'flat-3',
          timezone: 'Europe/London',
          residents: [{ id: 'r1' }],
          devices: [{ id: 'pendant', kind: 'pendant', room: 'living' }],
        },
      ],
      mqttUsers: [
        { username: 'rx-bridge', passwordHash: lowCostHash('bridge-password'), role: 'bridge', homes: ['flat3'] },
      ],
    });
    const run = runCli(['hub', '--check-config', '--config', file]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("mqttUsers[0].homes[0]: no home 'flat3' (did you mean 'flat-3'?)");
  });
});
