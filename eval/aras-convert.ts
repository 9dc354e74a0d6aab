// The ARAS recordings (H. Alemdar, H. Ertan, Ö. D. İncel, C. Ersoy, "ARAS human activity datasets in multiple homes
// with multiple residents", PervasiveHealth 2013) as published, written out in the TSV format of Kasteren B and C that
// eval/homes-data.ts reads: `node dist/eval/aras-convert.js IN_DIR OUT_DIR`. IN_DIR holds one house's README (its
// sensor table) and `DAY_1.txt` … `DAY_30.txt` (`.csv` as some copies name them): 86,400 lines a day, one a second
// from 00:00:00, 20 binary sensor columns then the activity of resident 1 and of resident 2. Two residents live in each
// house (`residents.txt` says so; the product assumes one unless configured), so these homes are reported apart from
// the single-resident ones.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceKind } from '../rules/vocabulary.js';

/** ARAS activity ids (both READMEs): 2 is Going Out, 11 Sleeping. */
export const ARAS_ACTIVITIES = [
  'Other',
  'Going Out',
  'Preparing Breakfast',
  'Having Breakfast',
  'Preparing Lunch',
  'Having Lunch',
  'Preparing Dinner',
  'Having Dinner',
  'Washing Dishes',
  'Having Snack',
  'Sleeping',
  'Watching TV',
  'Studying',
  'Having Shower',
  'Toileting',
  'Napping',
  'Using Internet',
  'Reading Book',
  'Laundry',
  'Shaving',
  'Brushing Teeth',
  'Talking on the Phone',
  'Listening to Music',
  'Cleaning',
  'Having Conversation',
  'Having Guest',
  'Changing Clothes',
] as const;
const GOING_OUT = 2;
/** The houses are in Istanbul. */
export const ARAS_TIMEZONE = 'Europe/Istanbul';
const SLEEPING = 11;

export interface ArasSensor {
  column: number;
  id: string;
  type: string;
  place: string;
}

/** The README's sensor table: `column  id  type  place` (tabs and spaces between). */
export function readArasSensors(readme: string): ArasSensor[] {
  const sensors: ArasSensor[] = [];
  for (const line of readme.split(/\r?\n/)) {
    const m = /^\s*(\d{1,2})\s+([A-Za-z]{2}\d)\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const [type = '', ...place] = (m[3] ?? '').split(/\t+|\s{2,}/).filter((f) => f.trim().length > 0);
    sensors.push({ column: Number(m[1]), id: m[2] ?? '', type: type.trim(), place: place.join(' ').trim() });
  }
  return sensors;
}

/**
 * An ARAS sensor as SPEC 3's device kind and room, by what it senses where (the READMEs' Type and Place): the house
 * door's contact is the exit door; a contact or photocell on a door, cupboard, drawer, fridge or cabinet is a door in
 * the room it belongs to (the bathroom's door in the hall, as for Kasteren's: it does not say on which side the
 * resident is); force sensors, pressure mats and distance sensors on a couch, armchair or chair are a chair mat, on
 * the bed the bed mat (A's photocell under the convertible couch, resident 2's bed at night, is the couch's); a sonar
 * in the hall or kitchen, or at the bathroom door, sees someone pass (motion; the bathroom door's in the hall); the
 * TV's IR receiver and the water closet's distance sensor are appliances in use; what says nothing of a room (the tap,
 * the closet's sonar) is activity only (`other`). A temperature threshold is `climate`, not the resident's doing (A's
 * kitchen probe flips 1,064 times while both residents are out): it is written with no kind, which the loader passes
 * over.
 */
export function arasSensorKind(type: string, place: string): { kind: DeviceKind; room?: string } {
  const [t, p] = [type.toLowerCase(), place.toLowerCase()];
  if (/house door|front door|main door/.test(p)) return { kind: 'exit-door', room: 'entrance' };
  if (/force|pressure|distance|photocell/.test(t) && /\bbed\b/.test(p) && !/couch/.test(p))
    return { kind: 'bed', room: 'bedroom' };
  if (/force|pressure|distance|photocell/.test(t) && /couch|armchair|chair|sofa/.test(p))
    return { kind: 'chair', room: 'living' };
  if (/contact|photocell/.test(t)) {
    if (/bathroom door|toilet door/.test(p)) return { kind: 'door', room: 'hall' };
    if (/bathroom|shower/.test(p)) return { kind: 'door', room: 'bathroom' };
    if (/kitchen|fridge|cupboard|drawer/.test(p)) return { kind: 'door', room: 'kitchen' };
    if (/wardrobe/.test(p)) return { kind: 'door', room: 'bedroom' };
    return { kind: 'door' };
  }
  if (/sonar/.test(t)) {
    if (/bathroom door|hall/.test(p)) return { kind: 'motion', room: 'hall' };
    if (/kitchen/.test(p)) return { kind: 'motion', room: 'kitchen' };
    return { kind: 'other' };
  }
  if (/\bir\b/.test(t) && /tv/.test(p)) return { kind: 'appliance', room: 'living' };
  if (/water closet|toilet/.test(p)) return { kind: 'appliance', room: 'bathroom' };
  if (/temperature/.test(t)) return { kind: 'climate', room: /kitchen/.test(p) ? 'kitchen' : undefined };
  return { kind: 'other' };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local wall time of second `s` after 00:00:00 of `start` (YYYY-MM-DD), as `YYYY-MM-DD HH:MM:SS`. */
function wall(start: string, s: number): string {
  const [y = NaN, mo = NaN, d = NaN] = start.split('-').map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d) + s * 1000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(
    t.getUTCMinutes(),
  )}:${pad(t.getUTCSeconds())}`;
}

export interface ArasConversion {
  days: number;
  sensors: number;
  events: number;
  /** Lines that were not 22 integers (counted, skipped: the second reads as silence). */
  badLines: number;
  /** Seconds both residents were annotated Going Out, and both Sleeping. */
  bothOutSeconds: number;
  bothAsleepSeconds: number;
}

/**
 * Converts one ARAS house. The published files carry no date: day 1 is placed on `start` (default 2000-01-01, as
 * pyadlml does; a weekday nobody knows) in `timezone` (default Europe/Istanbul: the homes are in Istanbul), and the
 * days follow one another. Each sensor's run of 1s is one row (start, end), across midnights. Activities: a row per
 * resident and run of one activity (`R1 Watching TV`); the home counts as out only when both residents are out and as
 * asleep only when both sleep (`Going Out (both residents)`, `Sleeping (both residents)`), and one resident's
 * outing or sleep alone is written so that it reads as neither (`R1 not at home`, `R1 in bed`).
 */
export function convertAras(
  inDir: string,
  outDir: string,
  opts: { start?: string; timezone?: string } = {},
): ArasConversion {
  const start = opts.start ?? '2000-01-01';
  const timezone = opts.timezone ?? ARAS_TIMEZONE;
  const files = fs.readdirSync(inDir);
  const readme = files.find((f) => /^readme/i.test(f));
  if (!readme) throw new Error(`${inDir}: no README with the ARAS sensor table`);
  const sensors = readArasSensors(fs.readFileSync(path.join(inDir, readme), 'utf8'));
  if (sensors.length !== 20) throw new Error(`${inDir}/${readme}: ${sensors.length} sensors in its table, not 20`);
  const dayFiles = files
    .map((f) => ({ f, n: Number(/^DAY_(\d+)\.(txt|csv)$/i.exec(f)?.[1] ?? NaN) }))
    .filter((d) => Number.isInteger(d.n))
    .sort((a, b) => a.n - b.n);
  if (dayFiles.length === 0) throw new Error(`${inDir}: no DAY_n.txt files`);
  const onSince: (number | undefined)[] = new Array<number | undefined>(20).fill(undefined);
  const events: [number, number, number][] = [];
  const runs: [string, number, number][] = [];
  const label: (string | undefined)[] = [undefined, undefined, undefined];
  const labelSince = [0, 0, 0];
  let badLines = 0;
  let bothOut = 0;
  let bothAsleep = 0;
  const closeLabel = (k: number, at: number): void => {
    const l = label[k];
    if (l !== undefined && at > (labelSince[k] ?? 0)) runs.push([l, labelSince[k] ?? 0, at]);
  };
  const setLabel = (k: number, l: string | undefined, at: number): void => {
    if (label[k] === l) return;
    closeLabel(k, at);
    label[k] = l;
    labelSince[k] = at;
  };
  let end = 0;
  for (const { f, n } of dayFiles) {
    const base = (n - 1) * 86_400;
    const lines = fs.readFileSync(path.join(inDir, f), 'utf8').split(/\r?\n/);
    for (let i = 0; i < lines.length && i < 86_400; i++) {
      const t = base + i;
      end = Math.max(end, t + 1);
      const v = (lines[i] ?? '')
        .trim()
        .split(/[\s,]+/)
        .map(Number);
      if (v.length !== 22 || v.some((x) => !Number.isInteger(x))) {
        if ((lines[i] ?? '').trim().length > 0) badLines++;
        continue;
      }
      for (let c = 0; c < 20; c++) {
        const since = onSince[c];
        if (v[c] && since === undefined) onSince[c] = t;
        if (!v[c] && since !== undefined) {
          events.push([since, t, c]);
          onSince[c] = undefined;
        }
      }
      const [r1 = 0, r2 = 0] = [v[20], v[21]];
      const out = r1 === GOING_OUT && r2 === GOING_OUT;
      const asleep = r1 === SLEEPING && r2 === SLEEPING;
      if (out) bothOut++;
      if (asleep) bothAsleep++;
      setLabel(0, out ? 'Going Out (both residents)' : asleep ? 'Sleeping (both residents)' : undefined, t);
      const name = (r: number, who: string): string =>
        r === GOING_OUT
          ? `${who} not at home`
          : r === SLEEPING
            ? `${who} in bed`
            : `${who} ${ARAS_ACTIVITIES[r - 1] ?? `activity ${r}`}`;
      setLabel(1, name(r1, 'R1'), t);
      setLabel(2, name(r2, 'R2'), t);
    }
  }
  for (let c = 0; c < 20; c++) {
    const since = onSince[c];
    if (since !== undefined) events.push([since, end, c]);
  }
  for (let k = 0; k < 3; k++) closeLabel(k, end);
  events.sort((a, b) => a[0] - b[0] || a[2] - b[2]);
  runs.sort((a, b) => a[1] - b[1]);
  fs.mkdirSync(outDir, { recursive: true });
  const sensorRows = sensors.map((s) => {
    const { kind, room } = arasSensorKind(s.type, s.place);
    return `${s.column}\t${s.id} ${s.type} ${s.place}\t${kind === 'climate' ? '-' : kind}\t${room ?? '-'}`;
  });
  fs.writeFileSync(
    path.join(outDir, 'sensors.tsv'),
    ['id\tname\tsuggested_kind\troom', ...sensorRows].join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(outDir, 'events.tsv'),
    [
      'start\tend\tsensor_id',
      ...events.map(([a, b, c]) => `${wall(start, a)}\t${wall(start, b)}\t${sensors[c]?.column ?? c + 1}`),
    ].join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(outDir, 'activities.tsv'),
    ['start\tend\tactivity', ...runs.map(([l, a, b]) => `${wall(start, a)}\t${wall(start, b)}\t${l}`)].join('\n') +
      '\n',
  );
  fs.writeFileSync(path.join(outDir, 'timezone.txt'), `${timezone}\n`);
  // Two residents in every ARAS house (an activity column each): the home is configured for them.
  fs.writeFileSync(path.join(outDir, 'residents.txt'), '2\n');
  return {
    days: dayFiles.length,
    sensors: sensors.length,
    events: events.length,
    badLines,
    bothOutSeconds: bothOut,
    bothAsleepSeconds: bothAsleep,
  };
}

function main(): void {
  const [inDir, outDir, ...rest] = process.argv.slice(2);
  if (!inDir || !outDir) {
    process.stderr.write(
      'Usage: node dist/eval/aras-convert.js IN_DIR OUT_DIR [--start YYYY-MM-DD] [--timezone ZONE]\n' +
        'IN_DIR: one ARAS house (its README with the sensor table, DAY_1.txt … DAY_30.txt); OUT_DIR: a home folder\n' +
        'for `npm run eval -- --data` (sensors.tsv, events.tsv, activities.tsv, timezone.txt, residents.txt). Never inside\n' +
        'the repo.\n',
    );
    process.exit(2);
  }
  const opt = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const r = convertAras(inDir, outDir, { start: opt('--start'), timezone: opt('--timezone') });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
