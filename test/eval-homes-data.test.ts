// A home recording nobody here has seen, dropped into the data folder in one of the shared formats, is found and read
// (any folder name, columns by their header, other datasets' names for sensor kinds, its own time zone).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { homeIdForFolder, loadHomes, repeatRecording } from '../eval/homes-data.js';
import { deviceKindFromName } from '../rules/vocabulary.js';
import { evaluateHomes } from '../eval/homes.js';
import { KASTEREN_DEVICES, loadKasteren } from '../eval/kasteren-data.js';

/** The shared house A (absent on a fresh clone: the case using it is skipped). */
const SHARED_A = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/data/kasteren-houseA');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homes-data-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const pad = (n: number): string => String(n).padStart(2, '0');
/** Local ISO time (no zone) of day `d` of July 2024 at `minutes` after midnight. */
const local = (d: number, minutes: number): string =>
  `2024-07-${pad(d)}T${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:00`;

/** Ten days of one resident in the TSV format of Kasteren B and C, with another dataset's sensor names. */
function writeTsvHome(folder: string, timezone?: string): void {
  const home = path.join(dir, folder);
  fs.mkdirSync(home);
  fs.writeFileSync(
    path.join(home, 'sensors.tsv'),
    [
      'id\tname\tsuggested_kind\troom',
      '1\tPIR kitchen\tPIR\tKitchen',
      '2\tseat living room\tSeat\tLiving room',
      '3\tmain door\tMain door\tentrance',
      '4\tbed mat\tbed\tBedroom',
      '5\ttoilet flush\tFlush\tWC',
    ].join('\n'),
  );
  const events = ['start\tend\tsensor_id'];
  // Activities with the columns in another order than Kasteren's.
  const activities = ['activity\tstart\tend'];
  for (let d = 1; d <= 10; d++) {
    activities.push(`Sleeping\t${local(d, 0)}\t${local(d, 7 * 60)}`);
    events.push(`${local(d, 0)}\t${local(d, 7 * 60)}\t4`);
    for (let m = 7 * 60 + 5; m < 12 * 60; m += 20) events.push(`${local(d, m)}\t${local(d, m + 2)}\t1`);
    events.push(`${local(d, 12 * 60)}\t${local(d, 12 * 60 + 1)}\t3`);
    activities.push(`Leaving\t${local(d, 12 * 60)}\t${local(d, 14 * 60)}`);
    events.push(`${local(d, 14 * 60)}\t${local(d, 14 * 60 + 1)}\t3`);
    events.push(`${local(d, 14 * 60 + 5)}\t${local(d, 18 * 60)}\t2`);
    for (let m = 18 * 60 + 5; m < 23 * 60; m += 30) events.push(`${local(d, m)}\t${local(d, m + 1)}\t5`);
  }
  fs.writeFileSync(path.join(home, 'events.tsv'), events.join('\n'));
  fs.writeFileSync(path.join(home, 'activities.tsv'), activities.join('\n'));
  if (timezone) fs.writeFileSync(path.join(home, 'timezone.txt'), `${timezone}\n`);
}

describe('homes dropped into the data folder', () => {
  it('reads a TSV home under any folder name: kinds by their meaning, activities by their header, its time zone', () => {
    writeTsvHome('Ordonez House_A', 'Europe/Madrid');
    fs.mkdirSync(path.join(dir, 'notes')); // a folder with no recording is passed over
    const [rec, ...rest] = loadHomes(dir);
    expect(rest).toEqual([]);
    expect(rec?.id).toBe('ordonez-house-a');
    expect(rec?.title).toBe('Ordonez House_A');
    expect(rec?.home.timezone).toBe('Europe/Madrid');
    expect(Object.fromEntries(rec?.home.devices.map((d) => [d.id, d.kind]) ?? [])).toEqual({
      s1: 'motion',
      s2: 'chair',
      s3: 'exit-door',
      s4: 'bed',
      s5: 'appliance',
    });
    // Rooms as the dataset writes them are SPEC 3's rooms.
    expect(rec?.home.devices.map((d) => d.room)).toEqual(['kitchen', 'living', 'entrance', 'bedroom', 'toilet']);
    expect(rec?.out).toHaveLength(10);
    expect(rec?.asleep).toHaveLength(10);
    // 00:00 local in Madrid (UTC+2 in July) is 22:00 UTC the day before.
    expect(new Date(rec?.asleep[0]?.[0] ?? 0).toISOString()).toBe('2024-06-30T22:00:00.000Z');
    expect(rec?.events.every((e, i, all) => i === 0 || e.ts >= (all[i - 1]?.ts ?? 0))).toBe(true);
  });

  it('evaluates such a home beside the shared ones, held out (it was tuned on nothing)', () => {
    writeTsvHome('kasteren-houseD');
    const results = evaluateHomes(dir, { maxCutsPerHome: 40 });
    expect(results.homes.map((h) => [h.id, h.title, h.heldOut])).toEqual([['kasteren-d', 'Kasteren D', true]]);
    expect(results.homes[0]?.delay.all.cuts).toBeGreaterThan(20);
    // Local times of a Kasteren folder without a timezone.txt are Amsterdam's.
    expect(loadHomes(dir)[0]?.home.timezone).toBe('Europe/Amsterdam');
  });

  it('finds a home whose folder is a symbolic link (a data folder put together from recordings kept elsewhere)', () => {
    const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'homes-kept-'));
    try {
      writeTsvHome('kasteren-houseD');
      fs.renameSync(path.join(dir, 'kasteren-houseD'), path.join(kept, 'houseD'));
      fs.symlinkSync(path.join(kept, 'houseD'), path.join(dir, 'kasteren-houseD'));
      // A link to a file, and one that leads nowhere, are passed over as other files are.
      fs.writeFileSync(path.join(kept, 'notes.txt'), 'not a home');
      fs.symlinkSync(path.join(kept, 'notes.txt'), path.join(dir, 'notes'));
      fs.symlinkSync(path.join(kept, 'gone'), path.join(dir, 'kasteren-houseE'));
      expect(loadHomes(dir).map((h) => [h.id, h.events.length > 0])).toEqual([['kasteren-d', true]]);
    } finally {
      fs.rmSync(kept, { recursive: true, force: true });
    }
  });

  it('plays a recording several times on end as one long deployment, whole days apart, the gaps unrecorded', () => {
    writeTsvHome('kasteren-houseD');
    const [rec] = loadHomes(dir);
    if (!rec) throw new Error('no recording');
    const long = repeatRecording(rec, 3);
    expect(long.title).toBe('Kasteren D x3');
    expect(long.events).toHaveLength(3 * rec.events.length);
    // Each pass moved on by whole days (the local times of day kept), in time order.
    const step = (long.events[rec.events.length]?.ts ?? 0) - (rec.events[0]?.ts ?? 0);
    expect(step % 86_400_000).toBe(0);
    expect(step).toBeGreaterThanOrEqual(rec.lastAt - rec.firstAt);
    expect(long.events.every((e, i, all) => i === 0 || e.ts >= (all[i - 1]?.ts ?? 0))).toBe(true);
    // Outside each pass's annotated span no collapse is simulated: taken as out (two spans a pass, where annotated).
    expect(long.out).toHaveLength(3 * rec.out.length + (rec.annotated ? 6 : 0));
    expect(long.annotated).toBeUndefined();
    expect(long.unrecorded).toHaveLength(2);
    expect(long.lastAt).toBe(rec.lastAt + 2 * step);
    expect(repeatRecording(rec, 1)).toBe(rec);
    expect(() => repeatRecording(rec, 0)).toThrow(/whole number of times/);
    // Evaluated so: the gaps are neither days watched nor silences of the resident's (the stopwatch is timed per pass).
    const once = evaluateHomes(dir, { maxCutsPerHome: 20 }).homes[0];
    const thrice = evaluateHomes(dir, { maxCutsPerHome: 20, repeat: 3 }).homes[0];
    expect(thrice?.title).toBe('Kasteren D x3');
    expect(thrice?.days).toBeCloseTo(3 * (once?.days ?? 0), 5);
    expect(thrice?.stopwatch.falseAlarms.count).toBe(3 * (once?.stopwatch.falseAlarms.count ?? 0));
  });

  it('configures a home for the residents its residents.txt names, and refuses a number that is none', () => {
    writeTsvHome('two-of-us');
    expect(loadHomes(dir)[0]?.home.residents).toHaveLength(1);
    fs.writeFileSync(path.join(dir, 'two-of-us', 'residents.txt'), '2\n');
    expect(loadHomes(dir)[0]?.home.residents.map((r) => r.id)).toEqual(['two-of-us-resident', 'two-of-us-resident2']);
    fs.writeFileSync(path.join(dir, 'two-of-us', 'residents.txt'), 'two\n');
    expect(() => loadHomes(dir)).toThrow(/residents\.txt: "two" is not a number of residents from 1 to 10/);
  });

  it('refuses a timezone.txt that names no time zone, saying which file', () => {
    writeTsvHome('home-x', 'Mars/Olympus');
    expect(() => loadHomes(dir)).toThrow(/timezone\.txt: "Mars\/Olympus" is not an IANA time zone/);
  });

  it("reads a CASAS home in any folder, told by its lines: Aruba's `data`, an HH home's `.ann.txt`", () => {
    const aruba = path.join(dir, 'aruba');
    fs.mkdirSync(aruba);
    fs.writeFileSync(
      path.join(aruba, 'README.txt'),
      'This dataset contains sensor data that was collected in the home.\n',
    );
    const lines = [
      '2010-11-04 07:00:00 M003 ON',
      '2010-11-04 07:00:05 M003 OFF',
      '2010-11-04 07:30:00 T002 21.5',
      '2010-11-04 08:00:00 D001 OPEN',
      '2010-11-04 08:00:09 D001 CLOSE',
      '2010-11-04 22:59:00.25 M003 ON Sleeping begin',
      '2010-11-04 22:59:10 M003 OFF',
      '2010-11-05 03:10:00\tM003\tON',
      '2010-11-05 03:10:04\tM003\tOFF',
      '2010-11-05 07:00:01.5 M003 ON Sleeping end',
      '2010-11-05 07:00:05 M003 OFF',
      '2010-11-05 08:00:00 D001 OPEN',
    ];
    fs.writeFileSync(path.join(aruba, 'data'), `${lines.join('\n')}\n`);
    const hh = path.join(dir, 'hh101');
    fs.mkdirSync(hh);
    fs.writeFileSync(
      path.join(hh, 'hh101.ann.txt'),
      [
        '2012-07-18 12:54:45.126257 M004 Kitchen Kitchen ON Cook',
        '2012-07-18 12:54:50.2 M004 Kitchen Kitchen OFF Cook',
        '2012-07-18 13:10:00 M007 Bathroom Toilet ON Toilet',
        '2012-07-18 13:10:20 M007 Bathroom Toilet OFF Toilet',
      ].join('\n'),
    );
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(dir, 'notes', 'todo.txt'), 'read the papers\nmeasure again\nwrite it up\n');
    const homes = loadHomes(dir);
    expect(homes.map((h) => h.id)).toEqual(['aruba', 'hh101']);
    const [a, b] = homes;
    expect(a?.home.timezone).toBe('America/Los_Angeles');
    expect(a?.home.devices.map((d) => [d.id, d.kind])).toEqual([
      ['M003', 'motion'],
      ['D001', 'door'],
    ]);
    expect(a?.events).toHaveLength(11); // a temperature is not activity
    // Asleep from the line that begins it to the one that ends it (Pacific summer time until 7 Nov 2010: 7 h behind UTC).
    expect(a?.asleep.map(([from, to]) => [new Date(from).toISOString(), new Date(to).toISOString()])).toEqual([
      ['2010-11-05T05:59:00.250Z', '2010-11-05T14:00:01.500Z'],
    ]);
    expect(b?.home.devices.map((d) => [d.id, d.room])).toEqual([
      ['M004', 'kitchen'],
      ['M007', 'bathroom'],
    ]);
  });

  it('names homes as the first reports did, and maps other datasets’ sensor names', () => {
    expect(homeIdForFolder('kasteren-houseB')).toBe('kasteren-b');
    expect(homeIdForFolder('casas-al-smarthome')).toBe('casas');
    expect(homeIdForFolder('CASAS hh101')).toBe('casas-hh101');
    expect(['Magnetic', 'reed', 'Pressure', 'Electric', 'float', 'motion'].map((n) => deviceKindFromName(n))).toEqual([
      'door',
      'door',
      'chair',
      'appliance',
      'other',
      'motion',
    ]);
    // Word by word, never inside a word; a mat that says nothing of what it lies under is the bedroom's bed.
    const names = ['Climate sensor', 'Indoor temperature', 'Bedroom PIR', 'Bedroom door', 'Door PIR', 'Maindoor'];
    expect(names.map((n) => deviceKindFromName(n))).toEqual([
      'other',
      'other',
      'motion',
      'door',
      'motion',
      'exit-door',
    ]);
    expect(
      ['Pressure mat', 'Pressure mat', 'Chair mat', 'Bed mat'].map((n, i) =>
        deviceKindFromName(n, ['Bedroom', 'living', 'bedroom', 'hall'][i]),
      ),
    ).toEqual(['bed', 'chair', 'chair', 'bed']);
  });

  it("reads a home in house A's 2008 format under any folder name, its sensors named only in the header", () => {
    const home = path.join(dir, 'flat-7');
    fs.mkdirSync(home);
    const row = (from: string, to: string, id: number): string => `${from}\t${to}\t${id}\t1`;
    fs.writeFileSync(
      path.join(home, 'flat7SenseData.txt'),
      [
        'Start time: Time sensor started firing',
        'Sensor IDs are: ',
        "    [ 3]    'Frontdoor'         ",
        "    [ 4]    'Hall-Bedroom door' ",
        "    [ 5]    'ToiletFlush'       ",
        "    [ 8]    'Fridge'            ",
        "    [11]    'Hall-Toilet door'  ",
        '',
        'Start time          \tEnd time            \tID\tVal',
        '--------------------\t--------------------\t--\t---',
        row('02-Mar-2009 07:00:00', '02-Mar-2009 07:00:05', 4),
        row('02-Mar-2009 07:05:00', '02-Mar-2009 07:05:02', 5),
        row('02-Mar-2009 07:30:00', '02-Mar-2009 07:30:20', 8),
        row('02-Mar-2009 09:00:00', '02-Mar-2009 09:00:10', 3),
        row('02-Mar-2009 12:00:00', '02-Mar-2009 12:00:10', 3),
      ].join('\r\n'),
    );
    fs.writeFileSync(
      path.join(home, 'flat7ActData.txt'),
      [
        'activity id list:',
        "1: 'leave house'",
        "10:'go to bed'",
        '',
        'Start time          \tEnd time            \tID',
        '--------------------\t--------------------\t--',
        '01-Mar-2009 23:00:00\t02-Mar-2009 07:00:00\t10',
        '02-Mar-2009 09:00:10\t02-Mar-2009 12:00:00\t1',
      ].join('\r\n'),
    );
    fs.writeFileSync(path.join(home, 'timezone.txt'), 'Europe/Amsterdam\n');
    const [rec] = loadHomes(dir);
    expect(rec?.id).toBe('flat-7');
    // As house A's own table has them: the front door the way out, a hall door in the hall but the bedroom's in the
    // bedroom, the flush an appliance in the toilet, the fridge a contact in the kitchen.
    expect(rec?.home.devices.map((d) => [d.id, d.kind, d.room])).toEqual([
      ['3-frontdoor', 'exit-door', 'entrance'],
      ['4-hall-bedroom-door', 'door', 'bedroom'],
      ['5-toilet-flush', 'appliance', 'toilet'],
      ['8-fridge', 'door', 'kitchen'],
      ['11-hall-toilet-door', 'door', 'hall'],
    ]);
    expect(rec?.events.slice(0, 4).map((e) => [e.deviceId, e.type, e.value])).toEqual([
      ['4-hall-bedroom-door', 'contact', false],
      ['4-hall-bedroom-door', 'contact', true],
      ['5-toilet-flush', 'power', 100],
      ['5-toilet-flush', 'power', 0],
    ]);
    // 07:00 in Amsterdam (CET) is 06:00 UTC.
    expect(rec?.firstAt).toBe(Date.UTC(2009, 2, 2, 6, 0, 0));
    expect(rec?.out).toEqual([[Date.UTC(2009, 2, 2, 8, 0, 10), Date.UTC(2009, 2, 2, 11, 0, 0)]]);
    expect(rec?.asleep).toEqual([[Date.UTC(2009, 2, 1, 22, 0, 0), Date.UTC(2009, 2, 2, 6, 0, 0)]]);
  });

  it.skipIf(!fs.existsSync(SHARED_A))(
    'house A itself, under another folder name, reads as its own table has it',
    () => {
      const home = path.join(dir, 'another-name');
      fs.mkdirSync(home);
      for (const f of ['kasterenSenseData.txt', 'kasterenActData.txt'])
        fs.copyFileSync(path.join(SHARED_A, f), path.join(home, f));
      fs.writeFileSync(path.join(home, 'timezone.txt'), 'Europe/Amsterdam\n');
      const [rec] = loadHomes(dir);
      const byLabel = Object.values(KASTEREN_DEVICES).map((d) => [d.kind, d.room]);
      expect(rec?.home.devices.map((d) => [d.kind, d.room])).toEqual(byLabel);
      expect(rec?.events.length).toBe(loadKasteren(SHARED_A).events.length);
      expect(rec?.out).toEqual(loadKasteren(SHARED_A).leaveHouse);
    },
  );
});
