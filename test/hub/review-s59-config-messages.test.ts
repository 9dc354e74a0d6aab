// `telecare hub --check-config` says what to fix in a field whose text has a shape: before, every such field but a
// time, a password hash and a few ids got "must not contain / + # or spaces", which was wrong for most of them. A
// Zigbee2MQTT friendly name may hold spaces and `/` (SPEC 4.2): an installer told otherwise about "Living room PIR"
// with an invisible character pasted at its end renamed a device in Zigbee2MQTT that was named right; a webhook URL
// without its scheme was told not to contain `/`; a base topic ending in `/` and a hub name with a space were told not
// to contain `/`. Each message now says what the field takes, and which character is wrong where one is.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('review-s59-config-messages');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function checkConfig(config: unknown): { status: number | null; problems: string[] } {
  const file = path.join(dir, 'telecare.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', file], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  // The first line names the file; each problem follows on its own line.
  return {
    status: run.status,
    problems: run.stderr
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim()),
  };
}

describe('--check-config on a field written wrong', () => {
  it('says what the field takes and which character is wrong, never "no spaces or /" where they are fine', () => {
    const { status, problems } = checkConfig({
      hub: { name: 'Flat 12', zigbeeBaseTopic: 'home/zigbee/' },
      homes: [
        {
          id: 'h1',
          timezone: 'Europe/London',
          residents: [{ id: 'r1' }],
          devices: [
            { id: 'hall/pir', kind: 'motion', room: 'hall' },
            { id: 'living-pir', zigbee: 'Living room PIR\u200b', kind: 'motion', room: 'living' },
            { id: 'kitchen-pir', zigbee: 'kitchen/pir+2', kind: 'motion', room: 'kitchen' },
          ],
        },
      ],
      responders: [
        {
          id: 'duty',
          group: 'carers',
          webhook: { url: 'call-centre.example/telecare', secret: 'a-long-shared-secret' },
        },
      ],
    });
    expect(status).toBe(1);
    expect(problems).toEqual([
      'hub.name: must be letters, digits, _, . or - only (here " " (a space) at character 5)',
      'hub.zigbeeBaseTopic: must be the base_topic of Zigbee2MQTT\'s configuration: no + or #, and not ending in / (here "/" at character 12)',
      'homes[0].devices[0].id: must not contain / + # or an invisible or control character (an MQTT topic level cannot carry them: the device would never be heard), nor begin or end with a space (here "/" at character 5)',
      'homes[0].devices[1].zigbee: must be the friendly name exactly as Zigbee2MQTT shows it: spaces and / are fine, + # and invisible or control characters are not (here U+200B (invisible) at character 16)',
      'homes[0].devices[2].zigbee: must be the friendly name exactly as Zigbee2MQTT shows it: spaces and / are fine, + # and invisible or control characters are not (here "+" at character 12)',
      'responders[0].webhook.url: must begin with https:// (or http://)',
    ]);
  });
});
