// The UCI "Activities of Daily Living" recordings (Ordóñez, de Toledo, Sanchis 2013) read as published: a folder holding
// `<name>_Sensors.txt` and `<name>_ADLs.txt` (tab-separated, CRLF, a padded header and a rule of dashes, doubled tabs
// and trailing whitespace; some copies drop the rule and the doubled tabs) is a home under any folder name, its kinds
// from Location and Type, its rooms from Place.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHomes, uciSensorKind } from '../eval/homes-data.js';
import { evaluateHomes } from '../eval/homes.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homes-uci-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const pad = (n: number): string => String(n).padStart(2, '0');
/** Local time as UCI ADL writes it (`2011-11-28 10:21:24`): day `d` of January 2012 at `minutes` after midnight. */
const local = (d: number, minutes: number): string =>
  `2012-01-${pad(d)} ${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:00`;

/**
 * Ten days of one resident in the published UCI ADL format, named `prefix` (as `OrdonezB`); `cleaned`: as a copy that
 * dropped the rule of dashes and the doubled tabs.
 */
function writeUciHome(folder: string, prefix: string, timezone?: string, cleaned = false): void {
  const home = path.join(dir, folder);
  fs.mkdirSync(home);
  const rule = '--------------------\t--------------------\t--------';
  const sensors = cleaned
    ? ['Start time\tEnd time\tLocation\tType\tPlace']
    : ['Start time          \tEnd time            \tLocation\tType\t\tPlace', `${rule}\t--------\t-----`];
  const adls = cleaned
    ? ['Start time\t\tEnd time\t\tActivity\t']
    : ['Start time          \tEnd time            \tActivity\t', rule];
  const gap = cleaned ? '\t' : '\t\t';
  const row = (from: number, to: number, d: number, sensor: string): void => {
    sensors.push(`${local(d, from)}${gap}${local(d, to)}${gap}${cleaned ? sensor : sensor.replace('\t', '\t\t')}`);
  };
  for (let d = 1; d <= 10; d++) {
    adls.push(`${local(d, 0)}\t\t${local(d, 7 * 60)}\t\tSleeping\t\t`);
    row(0, 7 * 60, d, 'Bed\tPressure\tBedroom');
    row(7 * 60 + 1, 7 * 60 + 2, d, 'Door\tPIR\tBedroom');
    row(7 * 60 + 3, 7 * 60 + 5, d, 'Basin\tPIR\tBathroom');
    row(7 * 60 + 4, 7 * 60 + 4, d, 'Toilet\tFlush\tBathroom');
    for (let m = 7 * 60 + 10; m < 12 * 60; m += 20) row(m, m + 1, d, 'Fridge\tMagnetic\tKitchen');
    row(8 * 60, 8 * 60 + 2, d, 'Microwave\tElectric\tKitchen');
    adls.push(`${local(d, 12 * 60)}\t\t${local(d, 14 * 60)}\t\tLeaving\t`);
    row(12 * 60, 12 * 60 + 1, d, 'Maindoor\tMagnetic\tEntrance');
    row(14 * 60, 14 * 60 + 1, d, 'Maindoor\tMagnetic\tEntrance');
    adls.push(`${local(d, 14 * 60 + 5)}\t\t${local(d, 18 * 60)}\t\tSpare_Time/TV\t`);
    row(14 * 60 + 5, 18 * 60, d, 'Seat\tPressure\tLiving');
    for (let m = 18 * 60 + 5; m < 23 * 60; m += 30) row(m, m + 1, d, 'Door\tPIR\tLiving');
  }
  fs.writeFileSync(path.join(home, `${prefix}_Sensors.txt`), sensors.join('\r\n') + '\r\n');
  fs.writeFileSync(path.join(home, `${prefix}_ADLs.txt`), adls.join('\r\n') + '\r\n');
  fs.writeFileSync(path.join(home, `${prefix}_Description.txt`), 'Home setting: 4 rooms house\r\n');
  if (timezone) fs.writeFileSync(path.join(home, 'timezone.txt'), `${timezone}\n`);
}

describe('UCI ADL homes as published', () => {
  it('reads kinds from Location and Type, rooms from Place, Leaving as out and Sleeping as asleep, in Madrid time', () => {
    writeUciHome('some home', 'OrdonezB');
    const [rec, ...rest] = loadHomes(dir);
    expect(rest).toEqual([]);
    expect(rec?.id).toBe('some-home');
    // No timezone.txt: the only homes published so are in Spain.
    expect(rec?.home.timezone).toBe('Europe/Madrid');
    expect(rec?.home.devices.map((d) => [d.id, d.kind, d.room])).toEqual([
      ['s1', 'bed', 'bedroom'],
      ['s2', 'motion', 'bedroom'], // a PIR at the bedroom's doorway: motion, not a door contact
      ['s3', 'motion', 'bathroom'],
      ['s4', 'appliance', 'bathroom'],
      ['s5', 'door', 'kitchen'],
      ['s6', 'appliance', 'kitchen'],
      ['s7', 'exit-door', 'entrance'],
      ['s8', 'chair', 'living'],
      ['s9', 'motion', 'living'],
    ]);
    expect(rec?.out).toHaveLength(10);
    expect(rec?.asleep).toHaveLength(10);
    // 00:00 local in Madrid (UTC+1 in January) is 23:00 UTC the day before.
    expect(new Date(rec?.asleep[0]?.[0] ?? 0).toISOString()).toBe('2011-12-31T23:00:00.000Z');
    // One event on and one off per row: the seat held from 14:05 to 18:00 on the first day.
    const seat = rec?.events.filter((e) => e.deviceId === 's8').slice(0, 2);
    expect(seat?.map((e) => [new Date(e.ts).toISOString(), e.type, e.value])).toEqual([
      ['2012-01-01T13:05:00.000Z', 'occupancy', true],
      ['2012-01-01T17:00:00.000Z', 'occupancy', false],
    ]);
    expect(rec?.events).toHaveLength(10 * 2 * (1 + 1 + 1 + 1 + 15 + 1 + 2 + 1 + 10));
    expect(rec?.events.every((e, i, all) => i === 0 || e.ts >= (all[i - 1]?.ts ?? 0))).toBe(true);
  });

  it('reads a copy that dropped the rule of dashes and the doubled tabs alike', () => {
    writeUciHome('published', 'OrdonezB');
    writeUciHome('cleaned', 'OrdonezB', undefined, true);
    const [cleaned, published] = loadHomes(dir);
    expect(cleaned?.events.length).toBeGreaterThan(0);
    expect(cleaned?.events).toEqual(published?.events.map((e) => ({ ...e, homeId: 'cleaned' })));
    expect(cleaned?.home.devices).toEqual(published?.home.devices);
    expect(cleaned?.out).toEqual(published?.out);
  });

  it('takes a timezone.txt over Madrid, and evaluates the home held out', () => {
    writeUciHome('OrdonezA', 'OrdonezA', 'Europe/Lisbon');
    expect(loadHomes(dir)[0]?.home.timezone).toBe('Europe/Lisbon');
    const results = evaluateHomes(dir, { maxCutsPerHome: 40 });
    expect(results.homes.map((h) => [h.id, h.heldOut])).toEqual([['ordoneza', true]]);
    expect(results.homes[0]?.delay.all.cuts).toBeGreaterThan(20);
  });

  it('maps UCI ADL locations and types by meaning', () => {
    expect(
      [
        ['Maindoor', 'Magnetic'],
        ['Bed', 'Pressure'],
        ['Seat', 'Pressure'],
        ['Door', 'PIR'],
        ['Cupboard', 'Magnetic'],
        ['Toilet', 'Flush'],
        ['Toaster', 'Electric'],
      ].map(([where, what]) => uciSensorKind(where ?? '', what ?? '')),
    ).toEqual(['exit-door', 'bed', 'chair', 'motion', 'door', 'appliance', 'appliance']);
  });

  it('passes over a folder with sensors but no activities', () => {
    writeUciHome('half', 'X');
    fs.rmSync(path.join(dir, 'half', 'X_ADLs.txt'));
    expect(loadHomes(dir)).toEqual([]);
  });
});
