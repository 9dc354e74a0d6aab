// The ARAS recordings (Alemdar et al. 2013) as published, converted to the TSV format the evaluation reads: the README's
// sensor table gives kinds by meaning, each run of 1s is one row (across midnight), the home is out or asleep only
// when both residents are, and a temperature threshold is not the resident's doing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { arasSensorKind, convertAras, readArasSensors } from '../eval/aras-convert.js';
import { loadHomes } from '../eval/homes-data.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homes-aras-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** House B's README table (its published layout: tabs, a header, activities after). */
const README = [
  'DATA FORMAT',
  '* Data is in seconds. Each file contains 86400 lines',
  '',
  'SENSOR EXPLANATIONS (In column order)',
  'Column\tSensor ID\tSensor Type\t\t\tPlace',
  ...[
    'co1\t\t\tContact Sensor\t\tKitchen cupboard',
    'co2\t\t\tContact Sensor\t\tKitchen cupboard',
    'co3\t\t\tContact Sensor\t\tHouse Door',
    'co4\t\t\tContact Sensor\t\tWardrobe Door',
    'co5\t\t\tContact Sensor\t\tWardrobe Door',
    'co6\t\t\tContact Sensor\t\tShower Cabinet Door',
    'di2\t\t\tDistance\t\t\tTap',
    'fo1\t\t\tForce Sensor\t\tChair',
    'fo2\t\t\tForce Sensor\t\tChair',
    'fo3\t\t\tForce Sensor\t\tChair',
    'ph1\t\t\tPhotocell\t\t\tFridge',
    'ph2\t\t\tPhotocell\t\t\tKitchen Drawer',
    'pr1\t\t\tPressure Mat\t\tCouch',
    'pr2\t\t\tPressure Mat\t\tCouch',
    'pr3\t\t\tPressure Mat\t\tBed',
    'pr4\t\t\tPressure Mat\t\tBed',
    'pr5\t\t\tPressure Mat\t\tArmchair',
    'so1\t\t\tSonar Distance\t\tBathroom Door',
    'so2\t\t\tSonar Distance\t\tKitchen',
    'Te1\t\t\tTemperature \t\tKitchen',
  ].map((row, i) => `${i + 1}\t\t${row}`),
  '',
  'ACTIVITY EXPLANATIONS',
  'ID\tACTIVITY',
  '1\tOther',
  '2\tGoing Out',
].join('\r\n');

/** One second's line: the sensors whose columns (1-based) are on, then each resident's activity. */
const line = (on: number[], r1: number, r2: number): string =>
  [...Array.from({ length: 20 }, (_, c) => (on.includes(c + 1) ? 1 : 0)), r1, r2].join(' ');

/** Two short days (the format has 86,400 lines a day; fewer read as the day's first seconds). */
function writeHouse(): string {
  const house = path.join(dir, 'raw');
  fs.mkdirSync(house);
  fs.writeFileSync(path.join(house, 'README_b.txt'), README);
  // Day 1: seconds 0-2 the bed mat (15) on and both asleep; 3-4 the house door (3) open, both going out; 5 the
  // temperature (20) on, both out; 6-9 resident 1 out alone, the bed mat on again from second 8 to the day's end.
  const day1 = [
    line([15], 11, 11),
    line([15], 11, 11),
    line([15], 11, 11),
    line([3], 2, 2),
    line([3], 2, 2),
    line([20], 2, 2),
    line([], 2, 12),
    line([], 2, 12),
    line([15], 2, 11),
    line([15], 2, 11),
  ];
  fs.writeFileSync(path.join(house, 'DAY_1.txt'), day1.join('\r\n') + '\r\n');
  // Day 2 (as some copies name it, .csv): the bed mat still on for its first second, then off.
  fs.writeFileSync(path.join(house, 'DAY_2.csv'), [line([15], 11, 11), line([], 1, 1)].join('\n'));
  return house;
}

describe('ARAS houses as published', () => {
  it('reads the README’s sensor table', () => {
    const sensors = readArasSensors(README);
    expect(sensors).toHaveLength(20);
    expect(sensors[2]).toEqual({ column: 3, id: 'co3', type: 'Contact Sensor', place: 'House Door' });
    expect(sensors[17]).toEqual({ column: 18, id: 'so1', type: 'Sonar Distance', place: 'Bathroom Door' });
  });

  it('maps sensors by what they sense where', () => {
    const kinds = [
      ['Contact Sensor', 'House Door'],
      ['Contact Sensor', 'Bathroom Door'],
      ['Photocell', 'Convertible Couch (Used as bed for Resident 2)'],
      ['Force Sensor', 'Bed'],
      ['Pressure Mat', 'Armchair'],
      ['Sonar Distance', 'Kitchen'],
      ['IR', 'TV receiver'],
      ['Distance', 'Water Closet'],
      ['Distance', 'Tap'],
      ['Temperature', 'Kitchen'],
    ].map(([t, p]) => arasSensorKind(t ?? '', p ?? ''));
    expect(kinds).toEqual([
      { kind: 'exit-door', room: 'entrance' },
      { kind: 'door', room: 'hall' },
      { kind: 'chair', room: 'living' },
      { kind: 'bed', room: 'bedroom' },
      { kind: 'chair', room: 'living' },
      { kind: 'motion', room: 'kitchen' },
      { kind: 'appliance', room: 'living' },
      { kind: 'appliance', room: 'bathroom' },
      { kind: 'other' },
      { kind: 'climate', room: 'kitchen' },
    ]);
  });

  it('writes a home the evaluation reads: runs across midnight, out and asleep only when both are, no temperature', () => {
    const out = path.join(dir, 'data', 'aras-b');
    const r = convertAras(writeHouse(), out);
    expect(r).toMatchObject({ days: 2, sensors: 20, badLines: 0, bothOutSeconds: 3, bothAsleepSeconds: 4 });
    const [rec, ...rest] = loadHomes(path.join(dir, 'data'));
    expect(rest).toEqual([]);
    expect(rec?.home.timezone).toBe('Europe/Istanbul');
    // Two residents, as configured for the home (the rules read one unless told).
    expect(rec?.home.residents.map((r) => r.id)).toEqual(['aras-b-resident', 'aras-b-resident2']);
    expect(rec?.home.devices.find((d) => d.id === 's20')).toBeUndefined(); // the temperature is passed over
    expect(rec?.home.devices.find((d) => d.id === 's3')?.kind).toBe('exit-door');
    // The bed mat: on 00:00:00-00:00:03, and from 00:00:08 across midnight to day 2's 00:00:01 (Istanbul, UTC+2).
    const bed = rec?.events.filter((e) => e.deviceId === 's15').map((e) => [new Date(e.ts).toISOString(), e.value]);
    expect(bed).toEqual([
      ['1999-12-31T22:00:00.000Z', true],
      ['1999-12-31T22:00:03.000Z', false],
      ['1999-12-31T22:00:08.000Z', true],
      ['2000-01-01T22:00:01.000Z', false],
    ]);
    // Out: only while both residents are (seconds 3-5), not while resident 1 alone is out; asleep likewise.
    expect(rec?.out.map(([a, b]) => (b - a) / 1000)).toEqual([3]);
    expect(rec?.asleep.map(([a, b]) => (b - a) / 1000)).toEqual([3, 1]);
  });

  it('reads a house folder as published, with no conversion step: as the converter writes it, two residents', () => {
    const house = writeHouse();
    const converted = path.join(dir, 'converted', 'aras-b');
    convertAras(house, converted);
    const [expected] = loadHomes(path.join(dir, 'converted'));
    const published = path.join(dir, 'published');
    fs.mkdirSync(published);
    fs.renameSync(house, path.join(published, 'aras-b'));
    const conversions = (): string[] => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('telecare-aras-'));
    const before = conversions();
    const [rec, ...rest] = loadHomes(published);
    expect(rest).toEqual([]);
    expect(rec).toEqual(expected);
    expect(rec?.home.residents).toHaveLength(2);
    // The temporary conversion is gone.
    expect(conversions()).toEqual(before);
  });

  it('refuses a folder whose README has no sensor table', () => {
    const house = path.join(dir, 'raw');
    fs.mkdirSync(house);
    fs.writeFileSync(path.join(house, 'README.txt'), 'nothing here');
    fs.writeFileSync(path.join(house, 'DAY_1.txt'), line([], 1, 1));
    expect(() => convertAras(house, path.join(dir, 'out'))).toThrow(/0 sensors in its table, not 20/);
  });
});
