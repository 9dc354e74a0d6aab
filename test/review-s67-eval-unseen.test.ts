// Session 67: recordings nobody here has seen, in close variants of the shared formats, built in a temporary folder.
// Each case failed before its fix: a home read as nothing or as the wrong devices, a bad folder that stopped the whole
// evaluation with a stack trace, a row printed for a home of no events, a CASAS home of two whose nights and outings
// were never read. (The wearables' variants: test/fall/review-s67-wearable-trials.test.ts.)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHomes, type HomeRecording, type SkippedHome } from '../eval/homes-data.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runEval = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(projectRoot, 'dist/eval/run.js'), ...args], { encoding: 'utf8' });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-s67-unseen-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const pad = (n: number): string => String(n).padStart(2, '0');
/** Local ISO time of day `d` of October 2024 at `minutes` after midnight (27 Oct: Amsterdam's clocks go back). */
const local = (d: number, minutes: number): string =>
  `2024-10-${pad(d)}T${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:00`;

const SENSORS = [
  ['1', 'PIR kitchen', 'motion', 'kitchen', 'pir keuken'],
  ['2', 'front door', 'exit-door', 'entrance', 'voordeur'],
  ['3', 'bed mat', 'bed', 'bedroom', 'mat bed'],
  ['4', 'toilet flush', 'appliance', 'toilet', 'flush'],
];

/** Six days of one resident (a night in bed, mornings in the kitchen, an outing, evening flushes): [start, end, id]. */
function eventRows(): string[][] {
  const rows: string[][] = [];
  for (let d = 24; d <= 29; d++) {
    rows.push([local(d, 0), local(d, 7 * 60), '3']);
    for (let m = 7 * 60 + 5; m < 12 * 60; m += 20) rows.push([local(d, m), local(d, m + 2), '1']);
    rows.push([local(d, 12 * 60), local(d, 12 * 60 + 1), '2'], [local(d, 14 * 60), local(d, 14 * 60 + 1), '2']);
    for (let m = 18 * 60 + 5; m < 23 * 60; m += 30) rows.push([local(d, m), local(d, m + 1), '4']);
  }
  return rows;
}

/** A home in Kasteren B/C's TSV layout: `sensors` and `events` as [header, ...rows], written with `eol`. */
function writeHome(
  folder: string,
  sensors: string[][],
  events: string[][],
  o: { eol?: string; bom?: boolean } = {},
): string {
  const home = path.join(dir, folder);
  fs.mkdirSync(home, { recursive: true });
  const eol = o.eol ?? '\n';
  const text = (rows: string[][]): string =>
    (o.bom ? '\uFEFF' : '') + rows.map((r) => r.join('\t')).join(eol) + eol + eol; // a trailing blank line
  fs.writeFileSync(path.join(home, 'sensors.tsv'), text(sensors));
  fs.writeFileSync(path.join(home, 'events.tsv'), text(events));
  fs.writeFileSync(path.join(home, 'activities.tsv'), text([['start', 'end', 'activity']]));
  fs.writeFileSync(path.join(home, 'timezone.txt'), 'Europe/Amsterdam\n');
  return home;
}

/** What a reading of a home is, its folder's name left out. */
const reading = (rec: HomeRecording | undefined) => ({
  devices: rec?.home.devices,
  events: rec?.events.map(({ homeId: _homeId, ...e }) => e),
});

describe('a Kasteren-style TSV home in a layout of its own', () => {
  it('reads sensors.tsv and events.tsv by their headers: extra, missing and moved columns, none, BOM, CRLF', () => {
    const plainSensors = [['id', 'name', 'suggested_kind', 'room', 'original_label'], ...SENSORS];
    const plainEvents = [['start', 'end', 'sensor_id'], ...eventRows()];
    writeHome('a-plain', plainSensors, plainEvents);
    // A floor column between the name and the kind; a value column after the sensor id.
    writeHome(
      'b-extra-columns',
      plainSensors.map(([id, name, ...rest], i) => [id ?? '', name ?? '', i === 0 ? 'floor' : '0', ...rest]),
      plainEvents.map((r, i) => [...r, i === 0 ? 'value' : '1']),
      { eol: '\r\n', bom: true },
    );
    // No suggested kind (read from the name), no original label; events with the sensor first and a row number.
    writeHome(
      'c-fewer-moved-columns',
      plainSensors.map(([id, name, , room]) => [id ?? '', name ?? '', room ?? '']),
      plainEvents.map(([start, end, sensor], i) => [i === 0 ? 'n' : String(i), sensor ?? '', start ?? '', end ?? '']),
      { eol: '\r\n' },
    );
    // No header at all (the first line a sensor, the first line an event).
    writeHome('d-no-header', SENSORS, eventRows());
    const skipped: SkippedHome[] = [];
    const [plain, extra, moved, bare, ...rest] = loadHomes(dir, undefined, (s) => skipped.push(s));
    expect(skipped).toEqual([]);
    expect(rest).toEqual([]);
    expect(plain?.events.length).toBe(2 * eventRows().length);
    expect(plain?.home.devices.map((d) => d.kind)).toEqual(['motion', 'exit-door', 'bed', 'appliance']);
    // Before: the floor column read as every sensor's kind ('other') and its kind as the room; the moved columns
    // read no event at all.
    expect(reading(extra)).toEqual(reading(plain));
    expect(reading(moved)).toEqual(reading(plain));
    // Before: the first sensor taken for a header, so every event of the kitchen PIR was dropped.
    expect(reading(bare)).toEqual(reading(plain));
  });

  it('keeps a sensor of an unknown kind in an unknown room as activity, and its events', () => {
    writeHome(
      'home',
      [['id', 'name', 'suggested_kind', 'room'], ...SENSORS, ['9', 'vibration sensor', 'vibration', 'attic']],
      [['start', 'end', 'sensor_id'], ...eventRows(), [local(26, 16 * 60), local(26, 16 * 60 + 1), '9']],
    );
    const [rec] = loadHomes(dir);
    expect(rec?.home.devices.find((d) => d.id === 's9')).toEqual({ id: 's9', kind: 'other', room: 'attic' });
    expect(rec?.events.filter((e) => e.deviceId === 's9')).toHaveLength(2);
  });
});

describe('npm run eval on a data folder with more than homes in it', () => {
  it('says what it skipped and why, evaluates the rest, and never prints a row of nothing or a stack trace', () => {
    writeHome(
      'good-home',
      [['id', 'name', 'suggested_kind', 'room'], ...SENSORS],
      [
        ['start', 'end', 'sensor_id'],
        ...eventRows(),
        // Evaluated, but two of its rows cannot be read: a sensor sensors.tsv does not list, a time in no format read.
        [local(26, 600), local(26, 601), '77'],
        ['26/10/2024 10:00', '26/10/2024 10:01', '1'],
      ],
    );
    // A download folder, an empty folder, a home with a wrong time zone, one whose events.tsv is a folder (cannot be
    // read), one whose every row has times in no format read, and a zip beside the folders.
    fs.mkdirSync(path.join(dir, 'downloads'));
    fs.writeFileSync(path.join(dir, 'downloads', 'casas.zip'), 'PK\u0003\u0004');
    fs.writeFileSync(path.join(dir, 'downloads', 'paper.pdf'), '%PDF-1.4\n');
    fs.writeFileSync(path.join(dir, 'downloads', 'sheet.csv'), 'a,b,c\n1,2,3\n4,5,6\n7,8,9\n');
    fs.mkdirSync(path.join(dir, 'empty-home'));
    writeHome('wrong-zone', [['id', 'name', 'suggested_kind', 'room'], ...SENSORS], [['start', 'end', 'sensor_id']]);
    fs.writeFileSync(path.join(dir, 'wrong-zone', 'timezone.txt'), 'Europe/Amsterdm\n');
    const unreadable = writeHome('unreadable', [['id', 'name', 'suggested_kind', 'room'], ...SENSORS], []);
    fs.rmSync(path.join(unreadable, 'events.tsv'));
    fs.mkdirSync(path.join(unreadable, 'events.tsv'));
    writeHome(
      'no-times',
      [['id', 'name', 'suggested_kind', 'room'], ...SENSORS],
      [
        ['start', 'end', 'sensor_id'],
        ...eventRows().map(([s, e, id]) => [(s ?? '').replace('T', ' at '), (e ?? '').replace('T', ' at '), id ?? '']),
      ],
    );
    fs.writeFileSync(path.join(dir, 'recordings.zip'), 'PK\u0003\u0004');

    const r = runEval('--only', 'homes', '--data', dir, '--max-cuts', '3');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.status).toBe(0);
    const said = (folder: string, why: RegExp): void =>
      expect(r.stderr).toMatch(new RegExp(`eval: skipped ${folder}: .*${why.source}`));
    said('downloads', /no home recording in a format this reads \(it holds casas\.zip, paper\.pdf, sheet\.csv/);
    said('empty-home', /an empty folder/);
    said('wrong-zone', /timezone\.txt: "Europe\/Amsterdm" is not an IANA time zone/);
    said('unreadable', /cannot be read: events\.tsv: EISDIR/);
    said('no-times', /no sensor event could be read from its files/);
    said('recordings[.]zip', /not a folder/);
    // Before: dropped without a word.
    expect(r.stderr).toContain(
      'eval: good-home: 1 row(s) left out: events.tsv names a sensor sensors.tsv does not list (77)',
    );
    expect(r.stderr).toContain(
      'eval: good-home: 1 row(s) left out: events.tsv has a start or end in no date-and-time format read (the first: data row 170;',
    );
    // The one home evaluated, and only it: no row of "NaN" days and 0 cuts for the home nothing was read from.
    expect(r.stdout).toMatch(/^good-home +held out +6\.\d/m);
    expect(r.stdout).not.toMatch(/no-times|NaN/);

    // Asked for by name, a folder there that cannot be evaluated says why (before: only "no home 'wrong-zone'").
    const asked = runEval('--only', 'homes', '--data', dir, '--home', 'wrong-zone');
    expect(asked.status).toBe(1);
    expect(asked.stderr).toContain(
      'eval: wrong-zone is not a home this can evaluate: ' +
        `${path.join(dir, 'wrong-zone', 'timezone.txt')}: "Europe/Amsterdm" is not an IANA time zone`,
    );
    expect(asked.stderr).toContain("eval: no home 'wrong-zone' under");

    // Nothing left to evaluate: said, exit code 1.
    fs.rmSync(path.join(dir, 'good-home'), { recursive: true });
    const none = runEval('--only', 'homes', '--data', dir, '--max-cuts', '3');
    expect(none.stderr).not.toMatch(/\n\s+at /);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/eval: skipped no-times: /);
    expect(none.stderr).toMatch(/no home recording or fall dataset found/);
  });
});

describe('CASAS homes in other CASAS layouts', () => {
  /** Two days of an Aruba/Kyoto-style file: codes, no rooms, begin/end annotations with a resident's prefix. */
  function casasLines(prefix: string): string[] {
    const lines: string[] = [];
    for (const day of ['2009-10-16', '2009-10-17']) {
      lines.push(`${day} 00:10:00.000010\tM001\tON\t${prefix}Sleep begin`);
      lines.push(`${day} 00:10:05\tM001\tOFF`, `${day} 03:00:00.5 M001 ON`, `${day} 03:00:04.5 M001 OFF`);
      lines.push(`${day} 07:00:00.000020 M001 ON ${prefix}Sleep end`, `${day} 07:00:05 M001 OFF`);
      lines.push(`${day} 07:30:00 T001 22.5`, `${day} 08:00:00 M002 ON`, `${day} 08:00:10 M002 OFF`);
      lines.push(`${day} 12:00:00 D001 OPEN ${prefix}Leave_Home begin`, `${day} 12:00:20 D001 CLOSE`);
      lines.push(`${day} 12:30:00 T001 23`, `${day} 15:00:00 D001 OPEN`);
      lines.push(`${day} 15:00:30 D001 CLOSE ${prefix}Leave_Home end`, `${day} 15:01:00 M002 ON`);
      lines.push(`${day} 15:01:10 M002 OFF`);
    }
    return lines;
  }
  const write = (folder: string, lines: string[]): void => {
    fs.mkdirSync(path.join(dir, folder));
    fs.writeFileSync(path.join(dir, folder, 'data'), `${lines.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, folder, 'timezone.txt'), 'Europe/Rome\n');
  };

  it("reads the nights and outings of annotations with a resident's prefix (R1_Sleep) as without one", () => {
    write('a-plain', casasLines(''));
    write('b-resident', casasLines('R1_'));
    const [plain, prefixed] = loadHomes(dir);
    expect(plain?.asleep).toHaveLength(2);
    expect(plain?.out).toHaveLength(2);
    // Before: no night and no outing read (a collapse "simulated" while the resident was out, none placed in bed).
    expect(prefixed?.asleep).toEqual(plain?.asleep);
    expect(prefixed?.out).toEqual(plain?.out);
  });

  it('a home of two is out only when both are out, and asleep only when both are', () => {
    const lines: string[] = [];
    lines.push('2009-10-15 22:00:00 M002 ON R2_Watch_TV begin', '2009-10-15 22:30:00 M002 OFF R2_Watch_TV end');
    lines.push('2009-10-16 00:10:00 M001 ON R1_Sleep begin', '2009-10-16 00:20:00 M001 OFF R2_Sleep begin');
    lines.push('2009-10-16 06:00:00 M001 ON R1_Sleep end', '2009-10-16 06:30:00 M002 ON');
    lines.push('2009-10-16 07:00:00 M001 OFF R2_Sleep end', '2009-10-16 09:00:00 D001 OPEN R1_Leave_Home begin');
    lines.push('2009-10-16 09:00:30 D001 CLOSE', '2009-10-16 10:00:00 M002 ON', '2009-10-16 10:00:10 M002 OFF');
    lines.push('2009-10-16 11:00:00 D001 OPEN R1_Leave_Home end', '2009-10-16 11:00:30 D001 CLOSE');
    write('two', lines);
    fs.writeFileSync(path.join(dir, 'two', 'residents.txt'), '2\n');
    const [rec] = loadHomes(dir);
    const at = (t: string): number => Date.parse(`${t}+02:00`);
    expect(rec?.home.residents).toHaveLength(2);
    // Both asleep from R2's going to bed at 00:20 to R1's rising at 06:00; R2 at home all through R1's outing.
    expect(rec?.asleep).toEqual([[at('2009-10-16T00:20:00'), at('2009-10-16T06:00:00')]]);
    expect(rec?.out).toEqual([]);
  });

  it('reads a file whose lines are out of time order as the same file sorted', () => {
    const sorted = casasLines('');
    const unsorted = [...sorted];
    // Two lines swapped around the first outing's end (a file put together from two pieces).
    const i = unsorted.findIndex((l) => l.includes('Leave_Home end'));
    [unsorted[i], unsorted[i + 1]] = [unsorted[i + 1] ?? '', unsorted[i] ?? ''];
    [unsorted[3], unsorted[1]] = [unsorted[1] ?? '', unsorted[3] ?? ''];
    write('a-sorted', sorted);
    write('b-unsorted', unsorted);
    const [a, b] = loadHomes(dir);
    expect(b?.out).toEqual(a?.out);
    expect(b?.asleep).toEqual(a?.asleep);
    expect(reading(b)).toEqual(reading(a));
  });

  it('says the lines of no CASAS layout it left out (a state written "ONc"), and reads the rest', () => {
    const lines = casasLines('');
    lines.splice(3, 0, '2009-10-16 02:00:00.1 M001 ONc', '2009-10-16 02:00:01 M001');
    write('corrupt', lines);
    const said: SkippedHome[] = [];
    const [rec] = loadHomes(dir, undefined, (s) => said.push(s));
    expect(rec?.events.length).toBeGreaterThan(0);
    // Before: dropped without a word.
    expect(said).toEqual([
      {
        folder: 'corrupt',
        rows: 2,
        why:
          'lines of no CASAS layout read (the first: line 4; a line reads as date, time, sensor, then a state: ON, ' +
          'OFF, OPEN, CLOSE, PRESENT, ABSENT or a number)',
      },
    ]);
  });

  it("reads CASAS's annotated file where a home comes as data and annotated", () => {
    write(
      'kyoto',
      casasLines('R1_').map((l) => l.replace(/\s+R1_\S+ (begin|end)$/, '')),
    );
    fs.writeFileSync(path.join(dir, 'kyoto', 'annotated'), `${casasLines('R1_').join('\n')}\n`);
    const [rec] = loadHomes(dir);
    // Before: `data` read, so no night and no outing.
    expect(rec?.asleep).toHaveLength(2);
    expect(rec?.out).toHaveLength(2);
  });
});
