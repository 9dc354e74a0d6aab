// Review, session 36: the rules learn the silence after a door's opening, its closing and a chair mat freed apart from
// the device's other reports, under the keys `<id>:open`, `<id>:closed` and `<id>:left` (rules/presence.ts). A device
// id may contain ':', so a PIR named 'sofa:left' beside the chair mat 'sofa' learned its silences under the very key
// of the resident getting up from that chair (and the chair's under the PIR's): each device's learned allowance for a
// possible fall mixed with the other's. The configuration now refuses such an id, at start and on reload (both load
// the file through `loadHubConfig`), naming the device and the rule.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadHubConfig } from '../../hub/config.js';
import { activityKey, chairLeftKey } from '../../rules/presence.js';
import { tempDir, writeConfig } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('activity-key-ids');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function problemsLoading(devices: { id: string; kind: string; room?: string }[]): string[] {
  try {
    loadHubConfig(writeConfig(dir, { homes: [{ id: 'h1', devices }] }), { required: true });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('a device id that is another device’s activity key', () => {
  it('is the key the rules learn the chair left under (why it matters)', () => {
    const pir = { id: 'sofa:left', kind: 'motion' } as Parameters<typeof activityKey>[0];
    const event = { type: 'motion', value: true } as Parameters<typeof activityKey>[1];
    expect(activityKey(pir, event)).toBe(chairLeftKey('sofa'));
  });

  it('is refused, naming the device and the one it would learn with', () => {
    expect(
      problemsLoading([
        { id: 'sofa', kind: 'chair', room: 'living' },
        { id: 'sofa:left', kind: 'motion', room: 'living' },
      ]),
    ).toEqual([
      expect.stringMatching(/^homes\[0\]\.devices\[1\]\.id: 'sofa:left' is what the rules learn device 'sofa'/),
    ]);
    // Whatever the kinds: a reload may make the PIR a door, and the silences learned stay with the home's state.
    expect(
      problemsLoading([
        { id: 'door', kind: 'motion', room: 'hall' },
        { id: 'door:open', kind: 'door', room: 'hall' },
        { id: 'door:closed', kind: 'motion', room: 'hall' },
      ]),
    ).toEqual([
      expect.stringMatching(/^homes\[0\]\.devices\[1\]\.id: 'door:open'/),
      expect.stringMatching(/^homes\[0\]\.devices\[2\]\.id: 'door:closed'/),
    ]);
  });

  it('takes ids with a colon that are no other device’s key (the guard)', () => {
    expect(
      problemsLoading([
        { id: 'sofa', kind: 'chair', room: 'living' },
        { id: 'sofa:right', kind: 'chair', room: 'living' },
        { id: 'hall:left', kind: 'motion', room: 'hall' },
      ]),
    ).toEqual([]);
  });
});
