// The installer is told what a home's sensors cannot see: by `telecare hub --check-config` and in the start log.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coverageAdvice } from '../../hub/coverage.js';
import type { DeviceConfig, HomeConfig } from '../../rules/types.js';
import { cliPath, tempDir } from './helpers.js';

function home(devices: DeviceConfig[]): HomeConfig {
  return {
    id: 'h1',
    timezone: 'Europe/London',
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [{ id: 'r1' }],
    devices,
    rules: {},
  };
}

const bed: DeviceConfig = { id: 'bed', kind: 'bed', room: 'bedroom' };
const door: DeviceConfig = { id: 'front', kind: 'exit-door', room: 'entrance' };
const kitchenPir: DeviceConfig = { id: 'k-pir', kind: 'motion', room: 'kitchen' };

describe('coverageAdvice', () => {
  it('says nothing of a home whose exit door is seen from inside and whose bed has a mat', () => {
    expect(coverageAdvice(home([bed, door, { id: 'e-pir', kind: 'motion', room: 'entrance' }]))).toEqual([]);
    // A PIR in the hall sees whoever comes in through the entrance (the simulator's flat).
    expect(coverageAdvice(home([bed, door, { id: 'h-pir', kind: 'motion', room: 'Hall' }]))).toEqual([]);
  });

  it('names an exit door whose inside no motion sensor sees, and says what that costs', () => {
    const advice = coverageAdvice(home([bed, door, kitchenPir]));
    expect(advice).toHaveLength(1);
    expect(advice[0]).toMatch(/^home h1: exit door front: no motion sensor in room "entrance".*taken as out/);
  });

  it('names a home with no exit door contact and one with no bed mat', () => {
    const advice = coverageAdvice(home([kitchenPir]));
    expect(advice).toEqual([
      expect.stringMatching(/^home h1: no exit door contact/),
      expect.stringMatching(/^home h1: no bed mat/),
      expect.stringMatching(
        /^home h1: no motion sensor or bed mat in the bedroom, so the hub does not see the resident go to bed/,
      ),
    ]);
    // What it costs since session 71 (the first fortnight's nights are inactivity's there), said to the installer.
    expect(advice[2]).toMatch(/first|two weeks/);
    expect(advice[2]).toMatch(/not within the hour/);
  });

  it('names a bedroom where nothing sees the resident go to bed, not one with a motion sensor or a bed mat', () => {
    const bedroomDoor: DeviceConfig = { id: 'b-door', kind: 'door', room: 'Bedroom' };
    const bedroomPir: DeviceConfig = { id: 'b-pir', kind: 'motion', room: 'Master Bedroom' };
    const unseen = /^home h1: no motion sensor or bed mat in the bedroom/;
    // A door contact sees its door, not the bed (Kasteren A; CASAS's closet door without its bedroom PIR).
    expect(coverageAdvice(home([door, kitchenPir, bedroomDoor]))).toContainEqual(expect.stringMatching(unseen));
    expect(coverageAdvice(home([door, kitchenPir, bedroomDoor, bedroomPir]))).not.toContainEqual(
      expect.stringMatching(unseen),
    );
    expect(coverageAdvice(home([door, kitchenPir, bed]))).not.toContainEqual(expect.stringMatching(unseen));
  });

  it('names the devices that place the resident but have no room (the first five, then a count)', () => {
    const roomless = Array.from({ length: 7 }, (_, i): DeviceConfig => ({ id: `m${i}`, kind: 'motion' }));
    const pendant: DeviceConfig = { id: 'pendant', kind: 'pendant' };
    const advice = coverageAdvice(
      home([bed, door, { id: 'e-pir', kind: 'motion', room: 'entrance' }, pendant, ...roomless]),
    );
    expect(advice).toEqual([
      expect.stringMatching(/^home h1: no room for m0, m1, m2, m3, m4 and 2 more, so the rules/),
    ]);
  });

  it('names a home whose doors have no exit door among them: the way out is learned, marking it is surer', () => {
    const hallDoor = { id: 'hall-door', kind: 'door' as const, room: 'hall' };
    const advice = coverageAdvice(home([bed, hallDoor, kitchenPir]));
    expect(advice).toEqual([expect.stringMatching(/^home h1: no exit door marked, so until the hub has learned/)]);
  });
});

describe('telecare hub --check-config', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('coverage');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the advice after "valid", and exits 0: advice never stops a start', () => {
    const file = path.join(dir, 'telecare.config.json');
    const covered = { ...home([bed, door, { id: 'e-pir', kind: 'motion', room: 'entrance' }]), id: 'covered' };
    const sparse = { ...home([bed, door, kitchenPir]), id: 'sparse' };
    fs.writeFileSync(file, JSON.stringify({ homes: [covered, sparse] }));
    const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', file], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(run.status).toBe(0);
    // Whether anyone is told of a home's alerts at all (no responder here): review-s73-unheard-home.test.ts.
    const lines = run.stdout
      .trim()
      .split('\n')
      .filter((line) => !/alerts reach only the dashboard/.test(line));
    expect(lines[0]).toBe(`${file}: valid (2 homes)`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^advice: home sparse: exit door front: /)]);
  });
});
